# Acting for a merchant at the edge: a session whose record names a
# merchant ("mid") passes only while the merchant's record (uc:{m:<id>},
# written by the backend) says active, and active on the location's
# business line, and the user's membership (uc:{m:<id>}:u:<uid>) still has
# a role; the upstream then gets X-UC-Merchant-Id and X-UC-Merchant-Role.
# Anything else: 403 merchant_forbidden with the reason. A certified
# merchant's certified members (level 3) act at level 4 while acting for
# it. Through the
# near-cache: no Redis read per request, a change heard within a second.
# (The locations proxy to /echo on the same server, which keeps the
# headers, so the role arrives where a business upstream would see it.)

use Test::Nginx::Socket;
use Time::HiRes ();
use lib 't/helpers';
use UcTest;
use UcConfig;

repeat_each(2);
no_shuffle();

merchant_record('m-1', lines => { mall => 'active', pay => 'suspended' },
                members => { 42 => 'staff', 43 => 'owner', 44 => '' });
merchant_record('m-frozen', status => 'frozen', lines => { mall => 'active' },
                members => { 42 => 'admin' });
merchant_record('m-closed', status => 'closed', lines => { mall => 'active' },
                members => { 42 => 'admin' });
merchant_record('m-odd', status => 'reviewing', members => { 42 => 'admin' });
merchant_record('m-cached', lines => { mall => 'active' },
                members => { 42 => 'staff' });
merchant_record('m-cert', lines => { mall => 'active' }, certification => 'certified',
                members => { 42 => 'staff' });
redis_cli('DEL', 'uc:{m:m-gone}', 'uc:{m:m-gone}:u:42', 'uc:{m:m-1}:u:45',
          'uc:{m:m-bad}', 'uc:{m:m-bad}:u:42');
# the lines themselves active (no records: other suites' are dropped)
redis_cli('DEL', 'uc:{l:mall}', 'uc:{l:pay}', 'uc:{l:books}');
# not a hash: the record cannot be read
redis_cli('SET', 'uc:{m:m-bad}', 'active');

our $Staff = new_session(user => 42, level => 2, line => '*',
                         merchant => 'm-1');
our $Owner = new_session(user => 43, level => 2, line => '*',
                         merchant => 'm-1');
our $Removed = new_session(user => 44, level => 2, line => '*',
                           merchant => 'm-1');
our $Never = new_session(user => 45, level => 2, line => '*',
                         merchant => 'm-1');
our $Frozen = new_session(user => 42, level => 2, line => '*',
                          merchant => 'm-frozen');
our $Closed = new_session(user => 42, level => 2, line => '*',
                          merchant => 'm-closed');
our $Odd = new_session(user => 42, level => 2, line => '*',
                       merchant => 'm-odd');
our $Gone = new_session(user => 42, level => 2, line => '*',
                        merchant => 'm-gone');
our $Bad = new_session(user => 42, level => 2, line => '*',
                       merchant => 'm-bad');
our $Cached = new_session(user => 42, level => 2, line => '*',
                          merchant => 'm-cached');
our $Plain = new_session(user => 42, level => 2, line => '*');
our $Certified = new_session(user => 42, level => 3, line => '*',
                             merchant => 'm-cert');
our $CertLevel2 = new_session(user => 42, level => 2, line => '*',
                              merchant => 'm-cert');

our $Echo = <<'_EOC_';
    location = /echo {
        usercenter_strip_identity off;
        return 200 "uid=$http_x_uc_user_id mid=$http_x_uc_merchant_id role=$http_x_uc_merchant_role\n";
    }
_EOC_

sub location {
    my ($line, $extra) = @_;
    $extra //= '';
    my $bl = defined $line ? "usercenter_business_line $line;" : '';
    my $auth = $extra =~ /usercenter_auth / ? '' : 'usercenter_auth required;';
    return $::Echo . <<"_EOC_";
    location /p {
        $auth
        $bl
        $extra
        proxy_pass http://127.0.0.1:\$TEST_NGINX_SERVER_PORT/echo;
    }
_EOC_
}

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value(http_config => uc_http_config())
        unless defined $block->http_config;
    $block->set_value(config => location('mall'))
        unless defined $block->config;
    $block->set_value(request => 'GET /p')
        unless defined $block->request;
    $block->set_value(no_error_log => "[alert]")
        unless defined $block->no_error_log || defined $block->error_log;
});

# status, body, one log check a block and repeat; TEST 11's header one
# more; the near-cache block's init (run once) adds 5
plan tests => repeat_each() * (3 * blocks() + 1) + 5;

run_tests();

__DATA__

=== TEST 1: a member of an active merchant on this line: id and role sent
--- more_headers eval
"Authorization: Bearer $::Staff"
--- response_body
uid=42 mid=m-1 role=staff
--- no_error_log
[error]



=== TEST 2: the role is the membership's: an owner
--- more_headers eval
"Authorization: Bearer $::Owner"
--- response_body
uid=43 mid=m-1 role=owner



=== TEST 2b: a certified person acting for a certified merchant: level 4
--- config eval
main::location('mall', 'usercenter_auth_level 4;')
--- more_headers eval
"Authorization: Bearer $::Certified"
--- response_body
uid=42 mid=m-cert role=staff
--- no_error_log
[error]



=== TEST 2c: levels build on each other: a member at level 2 stays there
--- config eval
main::location('mall', 'usercenter_auth_level 3;')
--- more_headers eval
"Authorization: Bearer $::CertLevel2"
--- error_code: 403
--- response_body
{"error":{"code":"auth_level_too_low","message":"this page needs a higher authentication level"}}



=== TEST 2c2: level 4 is the certified merchant's, not its members' own
--- config eval
main::location('mall', 'usercenter_auth_level 4;')
--- more_headers eval
"Authorization: Bearer $::Staff"
--- error_code: 403
--- response_body
{"error":{"code":"auth_level_too_low","message":"this page needs a higher authentication level"}}



=== TEST 2d: nor theirs without acting for it
--- config eval
main::location('mall', 'usercenter_auth_level 4;')
--- more_headers eval
"Authorization: Bearer $::Plain"
--- error_code: 403
--- response_body
{"error":{"code":"auth_level_too_low","message":"this page needs a higher authentication level"}}



=== TEST 3: a frozen merchant: 403, and why
--- more_headers eval
"Authorization: Bearer $::Frozen"
--- error_code: 403
--- response_body
{"error":{"code":"merchant_forbidden","message":"the merchant is frozen"}}



=== TEST 4: a closed merchant
--- more_headers eval
"Authorization: Bearer $::Closed"
--- error_code: 403
--- response_body
{"error":{"code":"merchant_forbidden","message":"the merchant is closed"}}



=== TEST 5: a status the gateway does not know refuses, and is not echoed
--- more_headers eval
"Authorization: Bearer $::Odd"
--- error_code: 403
--- response_body
{"error":{"code":"merchant_forbidden","message":"the merchant is not active"}}



=== TEST 6: a merchant not enabled on this line
--- config eval
main::location('books')
--- more_headers eval
"Authorization: Bearer $::Staff"
--- error_code: 403
--- response_body
{"error":{"code":"merchant_forbidden","message":"the merchant is not enabled on business line \"books\""}}



=== TEST 7: a merchant suspended on this line
--- config eval
main::location('pay')
--- more_headers eval
"Authorization: Bearer $::Staff"
--- error_code: 403
--- response_body
{"error":{"code":"merchant_forbidden","message":"the merchant is suspended on business line \"pay\""}}



=== TEST 8: a removed membership (the record's role emptied)
--- more_headers eval
"Authorization: Bearer $::Removed"
--- error_code: 403
--- response_body
{"error":{"code":"merchant_forbidden","message":"you are no longer a member of merchant \"m-1\""}}



=== TEST 9: a user who never was a member
--- more_headers eval
"Authorization: Bearer $::Never"
--- error_code: 403
--- response_body_like: no longer a member



=== TEST 10: a merchant without a record
--- more_headers eval
"Authorization: Bearer $::Gone"
--- error_code: 403
--- response_body
{"error":{"code":"merchant_forbidden","message":"the session acts for merchant \"m-gone\", which does not exist"}}



=== TEST 11: a record that cannot be read: 503, closed, never a pass
--- more_headers eval
"Authorization: Bearer $::Bad"
--- error_code: 503
--- response_headers
Retry-After: 1
--- response_body_like: merchant_unverifiable
--- error_log
unreadable



=== TEST 12: a location without a business line checks status and membership
--- config eval
main::location(undef)
--- more_headers eval
"Authorization: Bearer $::Staff"
--- response_body
uid=42 mid=m-1 role=staff



=== TEST 13: ... and still refuses a frozen merchant there
--- config eval
main::location(undef)
--- more_headers eval
"Authorization: Bearer $::Frozen"
--- error_code: 403
--- response_body_like: the merchant is frozen



=== TEST 14: usercenter_merchant off: the merchant is ignored, no headers
--- config eval
main::location('mall', 'usercenter_merchant off;')
--- more_headers eval
"Authorization: Bearer $::Frozen"
--- response_body
uid=42 mid= role=



=== TEST 15: optional auth refuses a frozen merchant too
--- config eval
main::location('mall', 'usercenter_auth optional;')
--- more_headers eval
"Authorization: Bearer $::Frozen"
--- error_code: 403
--- response_body_like: merchant_forbidden



=== TEST 16: client copies of the merchant headers are stripped (anonymous)
--- config eval
main::location('mall', 'usercenter_auth optional;')
--- more_headers
X-UC-Merchant-Id: m-1
X-UC-Merchant-Role: owner
--- response_body
uid= mid= role=



=== TEST 17: ... and next to a session that acts for no merchant
--- more_headers eval
"Authorization: Bearer $::Plain\nX-UC-Merchant-Id: m-1\nx-uc-merchant-role: owner"
--- response_body
uid=42 mid= role=



=== TEST 18: ... and next to one that does: only ours arrive
--- more_headers eval
"Authorization: Bearer $::Staff\nX-UC-Merchant-Role: owner\nX-UC-Merchant-Id: m-frozen"
--- response_body
uid=42 mid=m-1 role=staff



=== TEST 19: Redis down, sessions open: the merchant is never vouched for
--- http_config eval
UcConfig::uc_http_config(redis => '127.0.0.1:1', redis_opts => 'connect_timeout=200ms');
--- config eval
main::location('mall', 'usercenter_on_redis_error open;')
--- more_headers eval
"Authorization: Bearer $::Staff"
--- response_body
uid= mid= role=



=== TEST 20: the variables: $uc_merchant_id and $uc_merchant_role
--- config eval
$::Echo . <<'_EOC_';
    location /p {
        usercenter_auth required;
        usercenter_business_line mall;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
        add_header X-Seen "$uc_merchant_id/$uc_merchant_role";
    }
_EOC_
--- more_headers eval
"Authorization: Bearer $::Owner"
--- response_headers
X-Seen: m-1/owner



=== TEST 21: through the near-cache: no read for 200 requests, each change within a second
--- http_config eval
UcConfig::uc_http_config() . <<'_EOC_';
    usercenter_cache zone=merchants:1m ttl=5m;
_EOC_
--- init
my $auth = "Authorization: Bearer $::Cached\r\n";
my $code = sub { (UcTest::http_get(1, '/p', $auth))[0] };
my $reads = sub { UcTest::redis_calls('hmget') + UcTest::redis_calls('hgetall') };
my $live = UcTest::wait_until(sub {
    UcTest::redis_cli('CONFIG', 'RESETSTAT');
    UcTest::http_get(2, '/p', $auth);
    return $reads->() == 0;
});
Test::More::ok($live, 'the near-cache is live');
UcTest::redis_cli('CONFIG', 'RESETSTAT');
my @codes = UcTest::http_get(200, '/p', $auth);
Test::More::is(scalar(grep { $_ != 200 } @codes), 0, '200 requests through');
Test::More::is($reads->(), 0,
               '... without one read of session, merchant or member');
my @changes = (
    [ 'frozen', ['HSET', 'uc:{m:m-cached}', 'status', 'frozen'],
                ['HSET', 'uc:{m:m-cached}', 'status', 'active'] ],
    [ 'membership removed', ['HSET', 'uc:{m:m-cached}:u:42', 'role', ''],
                ['HSET', 'uc:{m:m-cached}:u:42', 'role', 'staff'] ],
);
my $worst = 0;
for my $c (@changes) {
    my ($what, $change, $undo) = @$c;
    UcTest::redis_cli(@$change);
    my $t0 = Time::HiRes::time();
    my $seen = UcTest::wait_until(sub { $code->() == 403 }, 40);
    my $took = Time::HiRes::time() - $t0;
    $worst = $took if !$seen || $took > $worst;
    $worst = 99 unless $seen;
    UcTest::redis_cli(@$undo);
    UcTest::wait_until(sub { $code->() == 200 }, 40);
}
Test::More::ok($worst < 1, sprintf 'each change is seen within %.0f ms',
                                   1000 * $worst);
Test::More::cmp_ok(UcTest::redis_calls('hgetall'), '>', 0,
                   '... at the cost of a read (the count above is read)');
--- more_headers eval
"Authorization: Bearer $::Cached"
--- response_body
uid=42 mid=m-cached role=staff
--- no_error_log
[error]
