# Values that carry meaning are never cut, limits hold under concurrency,
# logs cannot be forged, and the gateway and the backend agree on flags
# for every caller.

use strict;
use warnings;
use Test::More;
use JSON::PP;
use lib 't/helpers';
use UcE2E;

my $admin = ucctl_stack('session', 'create', '--user', '1', '--level', '4');
$ENV{UC_TOKEN} = $admin;

# ------------------------------------------------ an ETag keeps its version

my $name = 'line.' . ('a' x 45);
is(api(PUT => "/uc/v1/admin/dicts/$name", { items => [ { code => 'x', label => 'one' } ] }, $admin)->{status},
   200, "a dictionary named with 50 characters");
my $r = api(GET => "/uc/v1/dict/$name");
my $etag = $r->{headers}{etag};
like($etag, qr/^"\Q$name\E-\d+"$/, 'its ETag is whole: name, version and the closing quote');
is(api(GET => "/uc/v1/dict/$name", undef, undef, { 'If-None-Match' => $etag })->{status}, 304,
   'the same ETag: 304');
is(api(PUT => "/uc/v1/admin/dicts/$name/items/x", { label => 'two' }, $admin)->{status}, 200, 'a change');
$r = api(GET => "/uc/v1/dict/$name", undef, undef, { 'If-None-Match' => $etag });
is($r->{status}, 200, 'the old ETag after a change: 200, the new items');
isnt($r->{headers}{etag}, $etag, '... under a new ETag');
is(api(GET => "/uc/v1/dict/$name", undef, undef,
       { 'If-None-Match' => qq{"other-1", W/$r->{headers}{etag}} })->{status},
   304, 'an ETag in a list, weak, still matches');
is(api(GET => "/uc/v1/dict/$name", undef, undef,
       { 'If-None-Match' => substr($r->{headers}{etag}, 0, -3) . '"' })->{status},
   200, 'a prefix of it does not');

# a path code that is not UTF-8 never lets the body's code stand in for it
$r = api(PUT => "/uc/v1/admin/dicts/$name/items/%FF", { code => 'x', label => 'three' }, $admin);
is($r->{status}, 400, 'an item code in the path that is not UTF-8: 400');
is(api(GET => "/uc/v1/dict/$name")->{json}{items}[0]{label}, 'two', '... and item x is untouched');

# ------------------------------------------------ the flag limit under concurrency

my $line = "race$$";
my $now = time;
stack_sql('BEGIN; ' . join(' ', map { "INSERT INTO flags (line, name, rule, updated_at) VALUES ('$line', 'f$_', 'on=1', $now);" } 1 .. 250) . ' COMMIT;');
is(stack_sql("SELECT count(*) FROM flags WHERE line = '$line'"), 250, '250 flags on a line');

my @kids;
for my $i (1 .. 20) {
    my $pid = fork // die;
    if (!$pid) {
        my $s = api(PUT => "/uc/v1/admin/flags/$line/new$i", { enabled => \1 }, $admin)->{status};
        exit($s == 200 ? 0 : $s == 409 ? 1 : 2);
    }
    push @kids, $pid;
}
my %exit;
for (@kids) { waitpid $_, 0; $exit{$? >> 8}++ }
is(stack_sql("SELECT count(*) FROM flags WHERE line = '$line'"), 256, '20 parallel PUTs of new flags: 256, not more');
is($exit{0}, 6, '... six were stored');
is($exit{1}, 14, '... fourteen refused with 409');
is(api(PUT => "/uc/v1/admin/flags/$line/f1", { enabled => \0 }, $admin)->{status}, 200,
   'a full line still takes changes to its flags');

# ------------------------------------------------ one log line per request

my $log = "$ENV{UC_RUN_DIR}/logs/backend.log";
my $size = -s $log;
my $forge = '/uc/v1/x%22,%22forged%22:1%7D%0A%7B%22ts%22:%22x%22,%22level%22:%22error%22%7D'
          . '%5C%22%01%FF';
is(api(GET => $forge)->{status}, 404, 'a path built to forge a log line: 404');
is(api(GET => '/uc/v1/health')->{status}, 200, 'then a request that logs after it');
open my $fh, '<', $log or die "$log: $!";
seek $fh, $size, 0;
my @lines = <$fh>;
close $fh;
my @objects = map { eval { JSON::PP->new->decode($_) } } @lines;
is(scalar @objects, scalar @lines, 'every new line of the log is one JSON object');
my ($logged) = grep { ($_->{path} // '') =~ m{^/uc/v1/x} } @objects;
ok($logged, '... the request is one of them');
ok(!(grep { exists $_->{forged} } @objects), '... and nothing forged a field');
is($logged && substr($logged->{path}, 0, 25), '/uc/v1/x","forged":1}' . "\n" . '{"t',
   '... its path logged as it came, escaped');

# ------------------------------------------------ flags agree for every caller

ok(scalar ucctl_stack('flag', 'set', 'mall', 'vip', '--users', '60001'), 'flag vip for user 60001 on mall');
my $pay_only = ucctl_stack('session', 'create', '--user', '60001', '--line', 'pay');
my $both = ucctl_stack('session', 'create', '--user', '60001', '--line', 'mall,pay');
for my $case ([ $pay_only, 'a session scoped to pay only' ], [ $both, 'a session for mall and pay' ],
              [ undef, 'no session' ]) {
    my ($t, $why) = @$case;
    my $edge = api(GET => '/mall/x', undef, $t)->{json}{flags};
    my $api = api(GET => '/uc/v1/flags?line=mall', undef, $t)->{json}{flags};
    my $backend = join ',', grep { $api->{$_} } sort keys %$api;
    is($backend, $edge, "$why: /uc/v1/flags agrees with X-UC-Flags ($edge)");
}
like(api(GET => '/mall/x', undef, $both)->{json}{flags}, qr/\bvip\b/, '... and vip is on where the session is valid');
ucctl_stack('flag', 'delete', 'mall', 'vip');

# ------------------------------------------------ two profile updates, neither lost

my $phone = new_phone();
api(POST => '/uc/v1/codes', { to => $phone, purpose => 'register' });
my $owner = api(POST => '/uc/v1/register',
                { login => $phone, password => 'prof-pass-1', code => last_code($phone) })->{json}{token};
my $lost = 0;
for my $round (1 .. 40) {
    my @pids;
    for my $body ({ nickname => "n$round" }, { region_code => sprintf('1101%02d', $round) }) {
        my $pid = fork // die;
        if (!$pid) {
            exit(api(PATCH => '/uc/v1/me/profile', $body, $owner)->{status} == 200 ? 0 : 1);
        }
        push @pids, $pid;
    }
    waitpid $_, 0 for @pids;
    my $p = api(GET => '/uc/v1/me/profile', undef, $owner)->{json};
    $lost++ unless $p->{nickname} eq "n$round" && $p->{region_code} eq sprintf('1101%02d', $round);
}
is($lost, 0, '40 rounds of two parallel updates of different fields: none lost, none cached stale');

done_testing();
