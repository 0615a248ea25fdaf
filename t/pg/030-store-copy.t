# Moving a site from SQLite to PostgreSQL: a store with users (phone and
# e-mail, passwords, profiles, a frozen one), the users sessions belong to,
# flags, dictionaries (values with tabs, newlines, backslashes, Chinese),
# serial numbers and the outbox goes through "ucctl store copy" into a new
# database. Every table is then compared here, independently of the tool's
# own check; a backend on the copy logs the old users in and signs new ones
# up. A copy that cannot complete leaves the target empty.

use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use JSON::PP;
use lib 't/helpers';
use UcE2E;
use UcPg;

my $dir = tempdir(CLEANUP => 1);
my $src = "$dir/site.db";
my $port = $ENV{UC_BACKEND_PORT} + 102;
my $json = JSON::PP->new->canonical;
(my $dst = $ENV{UC_STORE}) =~ s{/[^/]+$}{/copy_target};
(my $dst_bad = $ENV{UC_STORE}) =~ s{/[^/]+$}{/copy_refused};
(my $dst_latin1 = $ENV{UC_STORE}) =~ s{/[^/]+$}{/copy_latin1};
for my $db (qw(copy_target copy_refused copy_latin1)) {
    psql("DROP DATABASE IF EXISTS $db");
}
for my $db (qw(copy_target copy_refused)) {
    system("$ENV{TOP}/tools/pg.sh createdb $ENV{UC_PG_DIR} $ENV{UC_PG_PORT} "
           . "$db >/dev/null") == 0 or die 'createdb';
}
psql("CREATE DATABASE copy_latin1 ENCODING 'LATIN1' TEMPLATE template0 "
     . "LC_COLLATE 'C' LC_CTYPE 'C'");

# --- a site on SQLite
my $pid = backend_start($dir, $port, store => "sqlite:$src");
ok($pid, 'a backend on a new SQLite store');

sub sign_up {
    my ($login, $password) = @_;
    api('POST', '/uc/v1/codes', { to => $login, purpose => 'register' });
    my $r = backend_api($port, 'POST', '/uc/v1/register',
                        { login => $login, password => $password,
                          code => last_code($login) });
    return $r->{status} == 201 ? $r->{json}{user_id} : undef;
}

my %users;
for my $i (1 .. 12) {
    my $phone = new_phone();
    $users{$phone} = sign_up($phone, "copy-pass-$i");
}
my $email = "copy.$$\@example.com";
$users{$email} = sign_up($email, 'copy-pass-mail1');
is(scalar(grep { defined } values %users), 13, '13 users signed up');

my ($first) = sort keys %users;
my $uid = $users{$first};
is(backend_api($port, 'PATCH', '/uc/v1/me/profile',
               { nickname => "张三 \\ \"q\" Zoë", region => '110101' }, $uid)
   ->{status}, 200, 'a profile with Chinese, a backslash and quotes');
is(backend_api($port, 'POST', '/uc/v1/login',
               { login => $first, password => 'copy-pass-1' })->{status}, 200,
   'a password login (a session: its owner is a user of the store)');
my ($frozen) = grep { $_ ne $first } sort keys %users;
is(backend_api($port, 'POST', "/uc/v1/admin/users/$users{$frozen}/freeze",
               undef, 1)->{status}, 204, 'a frozen user');
is(backend_api($port, 'PUT', '/uc/v1/admin/flags/mall/copied_flag',
               { enabled => \1 }, 1)->{status}, 200, 'a flag');
is(backend_api($port, 'PUT', '/uc/v1/admin/dicts/copy_test/items/odd',
               { label => "line one\nline\ttwo \\ back", sort => 7,
                 extra => { note => "tab\there \\ \"quoted\"" } }, 1)
   ->{status}, 200, 'a dictionary item with a newline, a tab, backslashes');
like(backend_api($port, 'POST', '/uc/v1/admin/serials/COPY', undef, 1)
     ->{json}{serial} // '', qr/^COPY\d{16}$/, 'a serial number');
backend_stop($pid);

# --- the copy (a shell set for another client encoding changes nothing:
#     the tool speaks UTF-8 whatever the environment says)
my $out = `PGCLIENTENCODING=LATIN1 $ENV{TOP}/build/ucctl store copy sqlite:$src $dst 2>&1`;
is($?, 0, 'ucctl store copy succeeds') or diag $out;
like($out, qr/every row read back and compared/, '... and says it verified');

# --- every table, compared here: rows as canonical JSON, sorted
sub sqlite_rows {
    my $table = shift;
    my $text = command_output('sqlite3', '-json', $src,
                              "SELECT * FROM \"$table\"");
    return $text eq '' ? [] : $json->decode($text);
}

sub pg_rows {
    my ($table, $uri) = @_;
    my $text = psql("SELECT COALESCE(json_agg(t), '[]') FROM \"$table\" t",
                    $uri);
    return $json->decode($text);
}

sub canonical {
    # numbers and strings alike as strings: SQLite and PostgreSQL print
    # the same integer the same way, and this compares values, not JSON
    my $rows = shift;
    return [ sort map {
        my $r = $_;
        $json->encode({ map { $_ => defined $r->{$_} ? "$r->{$_}" : undef }
                        keys %$r });
    } @$rows ];
}

my @tables = split /\n/, command_output('sqlite3', $src,
    "SELECT name FROM sqlite_master WHERE type = 'table' "
    . "AND name NOT LIKE 'sqlite%' AND name <> 'schema_migrations' "
    . 'ORDER BY name');
my @pg_tables = split /\n/, psql(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = "
    . "'public' AND table_name <> 'schema_migrations' "
    . 'ORDER BY table_name COLLATE "C"', $dst);
is_deeply(\@pg_tables, \@tables, 'the same tables on both sides: '
          . join(', ', @tables));
my $total = 0;
for my $t (@tables) {
    my $a = canonical(sqlite_rows($t));
    my $b = canonical(pg_rows($t, $dst));
    $total += @$a;
    is_deeply($b, $a, "table $t: the same " . scalar(@$a) . ' rows');
}
cmp_ok($total, '>', 3400, "$total rows compared in all");
is(psql('SELECT string_agg(version::text, \',\' ORDER BY version) '
        . 'FROM schema_migrations', $dst),
   command_output('sqlite3', $src, "SELECT group_concat(version, ',') FROM "
                  . '(SELECT version FROM schema_migrations ORDER BY 1)'),
   'the copy is at the schema version of its source');
for my $t (qw(users identities credentials profiles flags dict_items
              serials outbox audit_log)) {
    ok(scalar(@{ sqlite_rows($t) }) > 0, "... $t was not empty");
}

# --- a backend on the copy
$pid = backend_start($dir, $port, store => $dst);
ok($pid, 'a backend on the PostgreSQL copy');
is(backend_api($port, 'POST', '/uc/v1/login',
               { login => $email, password => 'copy-pass-mail1' })
   ->{json}{user_id}, $users{$email}, 'an old user logs in with the old '
   . 'password, as the same user');
is(backend_api($port, 'POST', '/uc/v1/login',
               { login => $frozen, password => 'copy-pass-2' })->{status},
   403, 'the frozen user is still frozen');
is(backend_api($port, 'GET', '/uc/v1/me/profile', undef, $uid)
   ->{json}{nickname}, "张三 \\ \"q\" Zoë", 'the profile is intact');
ok(defined sign_up(new_phone(), 'after-copy-1'),
   'a new user signs up on the copy (its sequences moved past the copied ids)');
like(backend_api($port, 'POST', '/uc/v1/admin/serials/COPY', undef, 1)
     ->{json}{serial} // '', qr/^COPY\d{8}00000101$/,
     'serial numbers go on after the copied segment');
backend_stop($pid);

# --- refused: into a store that is not empty; and a source PostgreSQL
#     cannot take (an id that is not a number) leaves the target empty
$out = `$ENV{TOP}/build/ucctl store copy sqlite:$src $dst_latin1 2>&1`;
isnt($?, 0, 'a copy into a LATIN1 database is refused');
like($out, qr/encoding LATIN1; the store needs UTF8/, '... saying why');
ok(!defined backend_start($dir, $port + 1, store => $dst_latin1),
   'a backend does not start on a LATIN1 database');
like(`cat $dir/backend-@{[$port + 1]}.log`, qr/the store needs UTF8/,
     '... and says why');

$out = `$ENV{TOP}/build/ucctl store copy sqlite:$src $dst 2>&1`;
isnt($?, 0, 'a copy into a database that is not empty is refused');
like($out, qr/is not empty.*nothing was copied/, '... saying so');
is(psql('SELECT count(*) FROM users', $dst), 13 + 1, '... and it is unchanged');

system('sqlite3', $src, "INSERT INTO users (id, status, level, created_at, "
       . "updated_at) VALUES ('not-a-number', 0, 1, 0, 0)") == 0 or die;
$out = `$ENV{TOP}/build/ucctl store copy sqlite:$src $dst_bad 2>&1`;
isnt($?, 0, 'a row PostgreSQL cannot take fails the copy');
like($out, qr/users.*nothing was copied/s, '... naming the table');
unlike($out, qr/not-a-number/, '... without printing the value');
is(psql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
        $dst_bad), 0, '... and leaves the target without a table');

done_testing();
