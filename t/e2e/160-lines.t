# Business lines as records: the admin API (create, replace, read, list,
# suspend, resume), its refusals of hostile input, the audit of every
# change with the record before and after, and the gateways: two more
# gateways with a near-cache on the stack's Redis refuse a suspended line
# within a second of the admin's call, and admit it again within a second
# of the resumption, without a Redis read per request.

use strict;
use warnings;
use Test::More;
use Time::HiRes qw(time);
use IO::Socket::INET;
use lib 't/helpers';
use UcE2E;

my $admin = ucctl_stack('session', 'create', '--user', 1, '--level', 2);
my $user = ucctl_stack('session', 'create', '--user', 777, '--level', 2);
my $code = "e2e_$$";
my $path = "/uc/v1/admin/lines/$code";

# --- the admin API
my %body = (name => 'E2E line', return_urls => ['https://e2e.example.com/back',
                                                'http://127.0.0.1:8080/done'],
            cookie_domain => '.example.com',
            session => { idle_timeout => 3600, max_lifetime => 86400 },
            settings => { theme => 'dark', support => '400-000' });
my $r = api(PUT => $path, \%body, $admin);
is($r->{status}, 201, 'a new line: 201');
is($r->{json}{status}, 'active', '... active');
is($r->{json}{version}, 1, '... version 1');
ok($r->{json}{published}, '... published for the gateways');
is_deeply($r->{json}{return_urls}, $body{return_urls}, '... its return URLs');
is(stack_redis('HGET', "uc:{l:$code}", 'status'), 'active',
   "... and Redis's copy says active");

$body{name} = 'E2E line, renamed';
$r = api(PUT => $path, \%body, $admin);
is($r->{status}, 200, 'replaced: 200');
is($r->{json}{version}, 2, '... version 2');
is(api(GET => $path, undef, $admin)->{json}{name}, 'E2E line, renamed',
   'read back');
ok((grep { $_->{code} eq $code } @{ api(GET => '/uc/v1/admin/lines', undef,
                                        $admin)->{json}{lines} }),
   'listed');
is(api(GET => '/uc/v1/admin/lines/no_such_line', undef, $admin)->{status}, 404,
   'an unknown line: 404');
is(api(POST => '/uc/v1/admin/lines/no_such_line/suspend', undef, $admin)
   ->{status}, 404, '... and suspending it too');

# --- who may
is(api(GET => '/uc/v1/admin/lines', undef, $user)->{status}, 403,
   'a user who is no administrator: 403');
is(api(PUT => $path, \%body)->{status}, 401, 'anonymous: 401');

# --- hostile input
my @bad = (
    [ '/uc/v1/admin/lines/UPPER', \%body, 400, 'an upper-case code' ],
    [ '/uc/v1/admin/lines/' . ('a' x 33), \%body, 400, 'a 33-character code' ],
    [ $path, '{"name":', 400, 'JSON cut short' ],
    [ $path, { return_urls => [] }, 400, 'no name' ],
    [ $path, { name => 'x' x 65 }, 400, 'a 65-byte name' ],
    [ $path, { name => 'x', cookie_domain => 'example' }, 400,
      'a cookie domain of one label' ],
    [ $path, { name => 'x', cookie_domain => 'a b.com' }, 400,
      'a cookie domain with a space' ],
    [ $path, { name => 'x', cookie_domain => '.com.cn' }, 400,
      'a public suffix as the cookie domain (.com.cn)' ],
    [ $path, { name => 'x', cookie_domain => 'github.io' }, 400,
      '... a private one (github.io)' ],
    [ $path, { name => 'x', cookie_domain => '.' . join('.', ('abcdefghij') x 12)
                                             . '.com' }, 400,
      'a cookie domain of 137 bytes (a session holds 127)' ],
    [ $path, { name => 'x', return_urls => 'https://a.example.com/' }, 400,
      'return URLs not a list' ],
    [ $path, { name => 'x', return_urls => [ map { "https://a.example.com/$_" }
                                             1 .. 33 ] }, 400,
      '33 return URLs' ],
    [ $path, { name => 'x', session => { idle_timeout => 30 } }, 400,
      'an idle timeout of 30 s' ],
    [ $path, { name => 'x', session => { idle_timeout => 7200,
                                         max_lifetime => 3600 } }, 400,
      'idle longer than the lifetime' ],
    [ $path, { name => 'x', session => { max_lifetime => '3600' } }, 400,
      'a lifetime as a string' ],
    [ $path, { name => 'x', settings => [1] }, 400, 'settings not an object' ],
    [ $path, { name => 'x', settings => { big => 'x' x 5000 } }, 400,
      'settings over 4 KB' ],
);
for my $b (@bad) {
    my $res = api(PUT => $b->[0], $b->[1], $admin);
    is($res->{status}, $b->[2], "refused: $b->[3]");
    ok($res->{json}{error}{code}, '... with the envelope');
}
for my $url ('javascript:alert(1)', 'http://evil.example.com/back',
             'https://a.example.com/x?next=https://evil.example.com',
             'https://a.example.com/x#frag', 'https://user@a.example.com/x',
             'https://a.example.com/../x', 'https://A.example.com/x',
             'https://a.example.com', 'https://a.example.com//evil.com',
             'https://a.example.com/x y', 'https://a.example.com:0/x',
             'https://a.example.com:99999/x', "https://a.example.com/\\x",
             'https://a.example.com/' . ('x' x 600), '//evil.example.com/x',
             'http://localhost.evil.com/x', 'http://127.0.0.1.evil.com/x',
             'http://localhostevil.com/x', 'https://a.example.com:443/x',
             'https://a.example.com:+8443/x', "https://a.example.com:\r\n8443/x",
             'https://a.example.com: 8443/x', 'https://a.example.com/%2e%2e/x',
             'https://a.example.com/%2F%2Fevil.com', 'https://a.example.com/x/.',
             'https://2130706433/x', 'https://0x7f.1/x', 'https://1.2.3.4/x') {
    my $res = api(PUT => $path, { name => 'x', return_urls => [$url] }, $admin);
    is($res->{json}{error}{code} // '', 'invalid_return_url',
       "a return URL refused: " . (substr($url, 0, 50) =~ s/\r\n/\\r\\n/r));
}
is(api(GET => $path, undef, $admin)->{json}{version}, 2,
   'none of them changed the line');
is(api(PUT => $path, { name => 'x', return_urls => [
       'http://localhost:8080/done', 'https://a.example.com:8443/x',
       'https://a.example.com/%E4%B8%AD'] }, $admin)->{status}, 200,
   'accepted: http to localhost, a port, percent-encoded text');
is(api(PUT => $path, { %body, version => 1 }, $admin)->{json}{error}{code},
   'version_conflict', 'a replacement made to version 1 after it moved: 409');
is(api(PUT => $path, { %body, version => 3 }, $admin)->{status}, 200,
   '... made to the current version: 200');

# --- the audit
is(api(POST => "$path/suspend", undef, $admin)->{json}{status}, 'suspended',
   'suspended');
is(api(POST => "$path/suspend", undef, $admin)->{json}{version}, 5,
   '... suspending again changes nothing (version 5 still)');
is(api(POST => "$path/resume", undef, $admin)->{json}{status}, 'active',
   'resumed');
my $audit = api(GET => "/uc/v1/admin/audit?subject=line:$code", undef, $admin);
is($audit->{status}, 200, 'the audit');
is(join(' ', map { $_->{action} } @{ $audit->{json}{changes} }),
   'line.resumed line.suspended line.updated line.updated line.updated '
   . 'line.created',
   '... every change, newest first, the repeated suspension not among them');
my ($created) = grep { $_->{action} eq 'line.created' } @{ $audit->{json}{changes} };
is($created->{before}, undef, '... a creation has no record before');
is($created->{after}{name}, 'E2E line', '... and the record after');
my ($renamed) = (grep { $_->{action} eq 'line.updated' } @{ $audit->{json}{changes} })[-1];
is_deeply([ $renamed->{before}{name}, $renamed->{after}{name} ],
          [ 'E2E line', 'E2E line, renamed' ], '... an update: before and after');
is($renamed->{actor}, '1', '... and who did it');
my $page = api(GET => "/uc/v1/admin/audit?subject=line:$code&limit=3", undef,
               $admin)->{json};
is(scalar @{ $page->{changes} }, 3, 'a page of 3');
my $next = api(GET => "/uc/v1/admin/audit?subject=line:$code&limit=3"
               . "&cursor=$page->{next_cursor}", undef, $admin)->{json};
is(join(' ', map { $_->{action} } @{ $next->{changes} }),
   'line.updated line.updated line.created',
   '... and the next page, from its cursor');
is(api(GET => '/uc/v1/admin/audit', undef, $admin)->{status}, 400,
   'the audit without a subject: 400');
for my $c ('x', '+5', '%205', '99999999999999999999') {
    is(api(GET => "/uc/v1/admin/audit?subject=line:$code&cursor=$c", undef,
           $admin)->{status}, 400, "... with a cursor that is not one ($c): 400");
}

# --- ucctl drives the same API
{
    local $ENV{UC_TOKEN} = $admin;
    my $cli = "cli_$$";
    like(scalar ucctl_stack('line', 'set', $cli, '--name', 'CLI line',
                            '--return-url', 'https://cli.example.com/back',
                            '--idle-timeout', 600),
         qr/"code":"$cli".*"status":"active"/, 'ucctl line set');
    like(scalar ucctl_stack('line', 'suspend', $cli), qr/"status":"suspended"/,
         'ucctl line suspend');
    like(scalar ucctl_stack('line', 'audit', $cli),
         qr/"action":"line.suspended".*"action":"line.created"/,
         'ucctl line audit');
    like(scalar ucctl_stack('line', 'list'), qr/"code":"$cli"/, 'ucctl line list');
    my $out = `$ENV{TEST_NGINX_UCCTL} --config $ENV{UC_RUN_DIR}/ucctl.conf line suspend 'x/../../users/42/freeze?' 2>&1`;
    isnt($?, 0, 'ucctl refuses a code that is a path');
    like($out, qr/not a business line's code/, '... saying so');
}

# --- Redis keeps the newest version, whatever order copies arrive in
{
    # a copy of a later version (another backend's publication that came
    # first): this backend's older one does not replace it
    stack_redis('HSET', "uc:{l:$code}", 'version', 1000, 'status', 'suspended');
    my $r2 = api(PUT => $path, \%body, $admin);
    ok($r2->{json}{published}, 'an older version published after a newer one');
    is(stack_redis('HGET', "uc:{l:$code}", 'version'), 1000,
       '... leaves the newer in Redis');
    stack_redis('DEL', "uc:{l:$code}");
    is(api(PUT => $path, \%body, $admin)->{status}, 200, 'the copy deleted; a change');
    is(stack_redis('HGET', "uc:{l:$code}", 'status'), 'active',
       '... writes it again');
}

# --- two gateways with a near-cache on the stack's Redis
my @ports = extra_gateways('lines', <<"LOC");
        location /l {
            usercenter_auth optional;
            usercenter_business_line $code;
            empty_gif;
        }
LOC

sub reads {
    my $info = stack_redis('INFO', 'commandstats');
    return $info =~ /^cmdstat_hgetall:calls=(\d+)/m ? $1 : 0;
}

my @conn = map { IO::Socket::INET->new("127.0.0.1:$_") // die "gw: $!" } @ports;
ok(wait_for(sub { status_at($conn[0], '/l') == 200 && status_at($conn[1], '/l') == 200 }),
   'two more gateways admit the active line');
# settled: a round on both connections that costs no read of the record
ok(wait_for(sub { my $h = reads(); status_at($_, '/l') for @conn; reads() == $h }, 80),
   '... from their near-caches');
my $before = reads();
cmp_ok($before, '>', 0, "... Redis's HGETALL count is read (the first reads)");
status_at($_, '/l') for (@conn) x 25;
is(reads(), $before, '... 50 requests, not one read of the line record');

my $t0 = time;
api(POST => "$path/suspend", undef, $admin);
my $seen = wait_for(sub { status_at($conn[0], '/l') == 403 && status_at($conn[1], '/l') == 403 });
my $d = time - $t0;
diag sprintf 'line suspended: refused by both gateways %.1f ms after the call',
    1000 * $d;
ok($seen && $d < 1, 'suspended through the API: both gateways refuse within a second');

$t0 = time;
api(POST => "$path/resume", undef, $admin);
$seen = wait_for(sub { status_at($conn[0], '/l') == 200 && status_at($conn[1], '/l') == 200 });
ok($seen && time - $t0 < 1, 'resumed: both admit it again within a second');

done_testing();
