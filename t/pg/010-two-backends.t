# Two backends on one PostgreSQL, the way a site runs them for availability:
# started together on an empty database they migrate it once; racing
# registrations of one phone split across them make one user; user ids and
# serial numbers drawn from both never repeat. (t/unit/store.c races the
# store itself from two processes, below the single-use code that ends an
# HTTP race of one phone first.)

use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use lib 't/helpers';
use UcE2E;
use UcPg;

my $dir = tempdir(CLEANUP => 1);
my @ports = ($ENV{UC_BACKEND_PORT} + 100, $ENV{UC_BACKEND_PORT} + 101);

# --- started together on an empty database: one migration run
psql('DROP DATABASE IF EXISTS two_fresh');
system("$ENV{TOP}/tools/pg.sh createdb $ENV{UC_PG_DIR} $ENV{UC_PG_PORT} "
       . "two_fresh >/dev/null") == 0 or die 'createdb';
(my $fresh = $ENV{UC_STORE}) =~ s{/[^/]+$}{/two_fresh};
my @kids = parallel(2, sub {
    my $pid = backend_start($dir, $ports[$_[0]], store => $fresh);
    return defined $pid ? ("up $pid") : ('down');
});
is(scalar(grep { /^up / } @kids), 2, 'two backends started together on an '
   . 'empty database both come up');
kill 'TERM', map { /^up (\d+)/ ? $1 : () } @kids;
wait_for(sub { !grep { kill 0, $_ } map { /^up (\d+)/ ? $1 : () } @kids });
my $migrations = () = glob "$ENV{TOP}/backend/store/migrations/postgresql/*.sql";
is(psql('SELECT count(*), count(DISTINCT version) FROM schema_migrations',
        $fresh), "$migrations|$migrations",
   "... and the $migrations migrations ran once each");
my $applied = `cat $dir/backend-*.log | grep -c '"migration applied"'`;
chomp $applied;
is($applied, $migrations, '... by one of them');

# --- the two backends on the stack's store
my @pids = map { backend_start($dir, $_) } @ports;
ok(defined $pids[0] && defined $pids[1], 'two backends on the stack store');

# 50 registrations of one phone at once, 25 on each
my $phone = new_phone();
is(api('POST', '/uc/v1/codes', { to => $phone, purpose => 'register' })
   ->{status}, 202, 'a code for the racing phone');
my $code = last_code($phone);
my @race = parallel(50, sub {
    my $r = backend_api($ports[$_[0] % 2], 'POST', '/uc/v1/register',
                        { login => $phone, password => 'race-pass-1',
                          code => $code });
    return "$r->{status} " . ($r->{json}{user_id} // $r->{json}{error}{code}
                              // '-');
});
is(scalar(grep { /^201 / } @race), 1, '50 racing registrations: one 201');
is(scalar(grep { /^(400 invalid_code|409 account_exists)$/ } @race), 49,
   '... the other 49 refused as a used code or an existing account')
    or diag join ', ', @race;
is(psql("SELECT count(*) FROM identities WHERE value = '$phone'"), 1,
   '... and the store has one account for the phone');

# 60 sign-ups at once across both: every user id its own
my @ids = parallel(12, sub {
    my @out;
    for (1 .. 5) {
        my $p = new_phone();
        api('POST', '/uc/v1/codes', { to => $p, purpose => 'register' });
        my $r = backend_api($ports[$_[0] % 2], 'POST', '/uc/v1/register',
                            { login => $p, password => 'ids-pass-1',
                              code => last_code($p) });
        push @out, $r->{status} == 201 ? $r->{json}{user_id}
                                       : "failed $r->{status}";
    }
    return @out;
});
my %seen;
$seen{$_}++ for @ids;
is(scalar(grep { /^\d+$/ } @ids), 60, '60 registrations on two backends')
    or diag join ', ', grep { !/^\d+$/ } @ids;
is(scalar(keys %seen), 60, '... 60 different user ids');
is(psql('SELECT count(*) FROM users WHERE id IN (' . join(',', grep { /^\d+$/ } @ids)
        . ')'), 60, '... each a user of its own in the store');

# serial numbers: 2 x 10 clients, 40 each, on both backends at once
my @serials = parallel(20, sub {
    map { my $r = backend_api($ports[$_[0] % 2], 'POST',
                              '/uc/v1/admin/serials/TWO', undef, 1);
          $r->{json}{serial} // "failed $r->{status}" } 1 .. 40;
});
%seen = ();
$seen{$_}++ for @serials;
is(scalar(grep { /^TWO\d{16}$/ } @serials), 800,
   '800 serial numbers drawn on two backends');
is(scalar(keys %seen), 800, '... none repeats');

backend_stop($_) for grep { defined } @pids;
done_testing();
