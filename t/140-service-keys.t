# Service keys at the edge (usercenter_auth service): a business line's
# server sends "Authorization: UC-Key <key id>.<secret>"; the key's record
# in Redis (uc:{k:<id>}: line, status, expiry, SHA-256 of the secret)
# decides. Valid, forged, unknown, malformed (refused without Redis),
# expired, revoked, another line's; a client's own X-UC-Service-* dropped;
# Redis down: 503, closed.

use Test::Nginx::Socket;
use Digest::SHA qw(sha256_hex);
use lib 't/helpers';
use UcTest;
use UcConfig;

repeat_each(2);
no_shuffle();

our $Secret = 'Qm9iIHNlY3JldCBrZXkgZm9yIHRoZSBtYWxsIGxpbmU';      # 43 chars
our $Other = 'T3RoZXIgc2VjcmV0IGtleSBmb3IgdGhlIHBheSBsaW5';  # 43 chars
redis_cli('DEL', map { "uc:{k:$_}" } qw(00000000000000a1 00000000000000a2 00000000000000a3 00000000000000a4 00000000000000a5));
redis_cli('HSET', 'uc:{k:00000000000000a1}', 'line', 'mall', 'status', 'active',
          'expires_at', 0, 'hash', sha256_hex($Secret));
redis_cli('HSET', 'uc:{k:00000000000000a2}', 'line', 'mall', 'status', 'active',
          'expires_at', time - 60, 'hash', sha256_hex($Secret));
redis_cli('HSET', 'uc:{k:00000000000000a3}', 'line', 'mall', 'status', 'revoked',
          'expires_at', 0, 'hash', sha256_hex($Secret));
redis_cli('HSET', 'uc:{k:00000000000000a4}', 'line', 'pay', 'status', 'active',
          'expires_at', 0, 'hash', sha256_hex($Other));
# a key of a suspended line
redis_cli('DEL', 'uc:{k:00000000000000a6}', 'uc:{l:stopped}');
redis_cli('HSET', 'uc:{k:00000000000000a6}', 'line', 'stopped', 'status',
          'active', 'expires_at', 0, 'hash', sha256_hex($Secret));
redis_cli('HSET', 'uc:{l:stopped}', 'status', 'suspended');

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value(http_config => uc_http_config())
        unless defined $block->http_config;
    $block->set_value(config => <<'_EOC_') unless defined $block->config;
    location /svc {
        usercenter_auth service;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /mall-svc {
        usercenter_auth service;
        usercenter_business_line mall;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /echo {
        usercenter_strip_identity off;
        return 200 "line=$http_x_uc_service_line kid=$http_x_uc_service_key_id uid=$http_x_uc_user_id\n";
    }
_EOC_
    $block->set_value(no_error_log => "[alert]")
        unless defined $block->no_error_log;
});

# status, body, one log check a request; TEST 4 sends four requests;
# TEST 5's init checks two things
plan tests => repeat_each() * (3 * (blocks() - 1) + 3 * 4) + 2;

run_tests();

__DATA__

=== TEST 1: a valid key: the upstream learns the line and the key id
--- request
GET /svc
--- more_headers eval
"Authorization: UC-Key 00000000000000a1.$::Secret"
--- response_body
line=mall kid=00000000000000a1 uid=



=== TEST 2: the right key id with another secret: 401
--- request
GET /svc
--- more_headers eval
"Authorization: UC-Key 00000000000000a1.$::Other"
--- error_code: 401
--- response_body
{"error":{"code":"invalid_service_key","message":"the service key is invalid"}}



=== TEST 3: a key id nobody made: 401
--- request
GET /svc
--- more_headers eval
"Authorization: UC-Key 00000000000000a9.$::Secret"
--- error_code: 401
--- response_body_like: invalid_service_key



=== TEST 4: malformed keys are refused (before Redis is asked: TEST 5)
--- init
UcTest::redis_cli('CONFIG', 'RESETSTAT');
--- request eval
["GET /svc", "GET /svc", "GET /svc", "GET /svc"]
--- more_headers eval
["Authorization: UC-Key 00000000000000A1.$::Secret",
 "Authorization: UC-Key 0000000000000a1.short",
 "Authorization: UC-Key 00000000000000a1$::Secret",
 "Authorization: Bearer 00000000000000a1.$::Secret"]
--- error_code eval
[401, 401, 401, 401]
--- response_body_like eval
[qr/invalid_service_key/, qr/invalid_service_key/, qr/invalid_service_key/,
 qr/invalid_service_key/]
--- no_error_log
[alert]



=== TEST 5: no key at all: 401 service_key_required
--- init
Test::More::is(UcTest::redis_calls('hgetall'), 0,
               'the malformed keys of TEST 4 cost no Redis read');
UcTest::redis_cli('HGETALL', 'uc:{k:counter-probe}');
Test::More::is(UcTest::redis_calls('hgetall'), 1,
               '... and that count is read (one probe counts one)');
--- request
GET /svc
--- error_code: 401
--- response_body_like: service_key_required



=== TEST 6: an expired key: 401
--- request
GET /svc
--- more_headers eval
"Authorization: UC-Key 00000000000000a2.$::Secret"
--- error_code: 401
--- response_body_like: service_key_expired



=== TEST 7: a revoked key: 401
--- request
GET /svc
--- more_headers eval
"Authorization: UC-Key 00000000000000a3.$::Secret"
--- error_code: 401
--- response_body_like: service_key_revoked



=== TEST 8: another line's key at a location of the mall: 403
--- request
GET /mall-svc
--- more_headers eval
"Authorization: UC-Key 00000000000000a4.$::Other"
--- error_code: 403
--- response_body_like: service_key_wrong_line



=== TEST 9: ... and the mall's own key there: through
--- request
GET /mall-svc
--- more_headers eval
"Authorization: UC-Key 00000000000000a1.$::Secret"
--- response_body
line=mall kid=00000000000000a1 uid=



=== TEST 10: a client's own X-UC-Service-Line and X-UC-User-Id are dropped
--- request
GET /svc
--- more_headers eval
"Authorization: UC-Key 00000000000000a4.$::Other\r\nX-UC-Service-Line: mall\r\nX-UC-Service-Key-Id: 00000000000000a1\r\nX-UC-User-Id: 1"
--- response_body
line=pay kid=00000000000000a4 uid=



=== TEST 11: the key of a suspended line: 403, its servers stop too
--- request
GET /svc
--- more_headers eval
"Authorization: UC-Key 00000000000000a6.$::Secret"
--- error_code: 403
--- response_body_like: business_line_suspended



=== TEST 12: a service location takes no auth level (a key is no user)
--- config
    location /svc {
        usercenter_auth service;
        usercenter_auth_level 2;
        empty_gif;
    }
--- must_die
--- error_log
"usercenter_auth service" takes no "usercenter_auth_level"



=== TEST 13: Redis down and nothing cached: 503, closed
--- http_config eval
UcConfig::uc_http_config(redis => '127.0.0.1:1', redis_opts => 'connect_timeout=200ms');
--- request
GET /svc
--- more_headers eval
"Authorization: UC-Key 00000000000000a1.$::Secret"
--- error_code: 503
--- response_body_like: service_key_unverifiable
--- no_error_log
[alert]
