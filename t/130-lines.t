# (return would answer in the rewrite phase, before any access check: the
# locations proxy to the echo upstream of UcConfig instead.)
#
# Business lines at the edge: a location's line is refused with 403
# business_line_suspended when its record (uc:{l:<line>}, written by the
# backend) says so, whatever the session, with authentication on or off; a
# line without a record, or one whose record cannot be read, is active.
# Through the near-cache: one Redis read for many requests, and a change
# heard within a second.

use Test::Nginx::Socket;
use Time::HiRes ();
use lib 't/helpers';
use UcTest;
use UcConfig;

repeat_each(2);
no_shuffle();

redis_cli('DEL', 'uc:{l:mall}', 'uc:{l:loans}', 'uc:{l:odd}',
          'uc:{l:cached}', 'uc:{l:nowhere}');
redis_cli('HSET', 'uc:{l:mall}', 'status', 'active', 'name', 'Mall');
redis_cli('HSET', 'uc:{l:loans}', 'status', 'suspended', 'name', 'Loans');
# not a hash: Redis answers WRONGTYPE
redis_cli('SET', 'uc:{l:odd}', 'suspended');
redis_cli('HSET', 'uc:{l:cached}', 'status', 'active');
# a status this gateway does not know (a later backend's): refused
redis_cli('DEL', 'uc:{l:closed}');
redis_cli('HSET', 'uc:{l:closed}', 'status', 'closed');

our $User = new_session(user => 42, level => 2, line => '*');

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value(http_config => uc_http_config())
        unless defined $block->http_config;
    $block->set_value(no_error_log => "[alert]")
        unless defined $block->no_error_log || defined $block->error_log;
});

# status, body, one log check a block and repeat; the near-cache block's
# init (run once) adds 5
plan tests => repeat_each() * 3 * blocks() + 5;

run_tests();

__DATA__

=== TEST 1: an active line: the request goes through
--- config
    location /p {
        usercenter_auth required;
        usercenter_business_line mall;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- request
GET /p
--- more_headers eval
"Authorization: Bearer $::User"
--- response_body_like: ^uid=42 lvl=2 bl=mall mid=
--- no_error_log
[error]



=== TEST 2: a suspended line: 403 with the envelope, even with a good session
--- config
    location /p {
        usercenter_auth required;
        usercenter_business_line loans;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- request
GET /p
--- more_headers eval
"Authorization: Bearer $::User"
--- error_code: 403
--- response_body
{"error":{"code":"business_line_suspended","message":"this business line is suspended"}}



=== TEST 3: ... and before the session is asked for: anonymous, auth off
--- config
    location /p {
        usercenter_auth off;
        usercenter_business_line loans;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- request
GET /p
--- error_code: 403
--- response_body_like: business_line_suspended



=== TEST 4: ... and a required session does not turn it into a 401
--- config
    location /p {
        usercenter_auth required;
        usercenter_business_line loans;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- request
GET /p
--- error_code: 403
--- response_body_like: business_line_suspended



=== TEST 5: a status other than active refuses
--- config
    location /p {
        usercenter_auth optional;
        usercenter_business_line closed;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- request
GET /p
--- error_code: 403
--- response_body_like: business_line_suspended



=== TEST 6: a line without a record is active
--- config
    location /p {
        usercenter_auth optional;
        usercenter_business_line nowhere;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- request
GET /p
--- response_body_like: ^uid= lvl= bl= mid=
--- no_error_log
[warn]



=== TEST 7: a record that cannot be read: active, and said in the log
--- config
    location /p {
        usercenter_auth optional;
        usercenter_business_line odd;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- request
GET /p
--- response_body_like: ^uid= lvl= bl= mid=
--- error_log
the status of business line "odd" cannot be read; taken as active



=== TEST 8: through the near-cache: one read for 200 requests, a change within a second
--- http_config eval
UcConfig::uc_http_config() . <<'_EOC_';
    usercenter_cache zone=lines:1m ttl=5m;
_EOC_
--- config
    location /p {
        usercenter_auth optional;
        usercenter_business_line cached;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- init
# a starting worker bypasses the cache until its Redis links are up: ask
# until a request costs no HGETALL
my $live = UcTest::wait_until(sub {
    UcTest::redis_cli('CONFIG', 'RESETSTAT');
    UcTest::http_get(2, '/p');
    return UcTest::redis_calls('hgetall') == 0;
});
Test::More::ok($live, 'the near-cache is live');
UcTest::redis_cli('CONFIG', 'RESETSTAT');
my @codes = UcTest::http_get(200, '/p');
Test::More::is(scalar(grep { $_ != 200 } @codes), 0, '200 requests through');
Test::More::is(UcTest::redis_calls('hgetall'), 0,
               '... without one read of the line record');
UcTest::redis_cli('HSET', 'uc:{l:cached}', 'status', 'suspended');
my $t0 = Time::HiRes::time();
my $seen = UcTest::wait_until(sub { (UcTest::http_get(1, '/p'))[0] == 403 }, 40);
Test::More::ok($seen && Time::HiRes::time() - $t0 < 1,
               sprintf 'the suspension is seen after %.0f ms',
                       1000 * (Time::HiRes::time() - $t0));
# the count read above is a real one: the change cost a read
Test::More::cmp_ok(UcTest::redis_calls('hgetall'), '>', 0,
                   '... at the cost of a read (the count above is read)');
UcTest::redis_cli('HSET', 'uc:{l:cached}', 'status', 'active');
UcTest::wait_until(sub { (UcTest::http_get(1, '/p'))[0] == 200 }, 40);
--- request
GET /p
--- response_body_like: ^uid= lvl= bl= mid=
--- no_error_log
[error]
