# Session check: tokens from cookie and Bearer, every way a session can be
# wrong, scope and level checks, identity headers and variables.

use Test::Nginx::Socket;
use lib 't/helpers';
use UcTest;
use UcConfig;

repeat_each(2);
no_shuffle();

our $Valid = new_session(user => 42, level => 2, line => 'mall',
                         merchant => 'm-7');
our $ValidSid = sid_of($Valid);
merchant_record('m-7', lines => { mall => 'active' },
                members => { 42 => 'staff' });
our $Sso = new_session(user => 43, level => 1, line => '*');
our $PayOnly = new_session(user => 44, level => 2, line => 'pay');
our $Level1 = new_session(user => 45, level => 1, line => 'mall');
our $Level3 = new_session(user => 46, level => 3, line => 'mall,pay');
our $Expired = new_session(user => 47, level => 2);
redis_cli('HSET', session_key($Expired), 'exp', time - 10);
our $Revoked = new_session(user => 48, level => 2);
ucctl('session', 'revoke', $Revoked);

# a record exists, but the token is signed by a key the gateway does not know
system("$ENV{TEST_NGINX_UCCTL} keys generate $ENV{TEST_NGINX_WORK}/other-keys "
       . "--kid other >/dev/null 2>&1");
our $Unknown = `$ENV{TEST_NGINX_UCCTL} --redis 127.0.0.1:$ENV{TEST_NGINX_REDIS_PORT} --secret $ENV{TEST_NGINX_WORK}/other-keys session create --user 49`;
chomp $Unknown;

# the right shape and key id, a MAC from nowhere
our $Forged = $Valid;
$Forged =~ s/\.[^.]+$/.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/;

# sliding renewal: more than half of the idle timeout used up
our $Sliding = new_session(user => 50, level => 2, idle => 100);
redis_cli('HSET', session_key($Sliding), 'rn', time - 60);
redis_cli('EXPIRE', session_key($Sliding), 40);

our $Login = qq{{"error":{"code":"login_required","message":"please log in"}}\n};
our $Invalid = qq{{"error":{"code":"invalid_session","message":"the session is invalid or has been revoked"}}\n};

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value(http_config => uc_http_config())
        unless defined $block->http_config;
    $block->set_value(no_error_log => "[error]\n[alert]")
        unless defined $block->no_error_log;
});

plan tests => repeat_each() * (4 * blocks() + 2 * blocks('response_headers')
                             + blocks('access_log') + 4) + 2;


run_tests();

# after every block ran: the sliding session was renewed by the gateway
my $key = session_key($Sliding);
Test::More::cmp_ok(redis_cli('TTL', $key), '>', 90, 'idle TTL renewed to the full 100 s');
Test::More::cmp_ok(redis_cli('HGET', $key, 'rn'), '>=', time - 30, 'renewal time recorded');

__DATA__

=== TEST 1: valid session in a Bearer header
--- config
    location /p {
        usercenter_auth required;
        usercenter_business_line mall;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- request
GET /p
--- more_headers eval
"Authorization: Bearer $::Valid"
--- response_body eval
"uid=42 lvl=2 bl=mall mid=m-7 sid=$::ValidSid deg=\n"



=== TEST 2: valid session in the cookie, among other cookies
--- config
    location /p {
        usercenter_auth required;
        usercenter_business_line mall;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- request
GET /p
--- more_headers eval
"Cookie: theme=dark; uc_session=$::Valid; lang=zh"
--- response_body eval
"uid=42 lvl=2 bl=mall mid=m-7 sid=$::ValidSid deg=\n"



=== TEST 3: no session on a required location: 401 with the envelope
--- config
    location /p {
        usercenter_auth required;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- request
GET /p
--- error_code: 401
--- response_headers
Content-Type: application/json
WWW-Authenticate: Bearer realm="usercenter"
--- response_body eval: $::Login



=== TEST 4: malformed token
--- config
    location /p {
        usercenter_auth required;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- request
GET /p
--- more_headers
Authorization: Bearer v1.test1.not-a-token
--- error_code: 401
--- response_body eval: $::Invalid



=== TEST 5: badly signed token
--- config
    location /p {
        usercenter_auth required;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- request
GET /p
--- more_headers eval
"Authorization: Bearer $::Forged"
--- error_code: 401
--- response_body eval: $::Invalid



=== TEST 6: token of an unknown key, though its record exists in Redis
--- config
    location /p {
        usercenter_auth required;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- request
GET /p
--- more_headers eval
"Authorization: Bearer $::Unknown"
--- error_code: 401
--- response_body eval: $::Invalid



=== TEST 7: past its absolute expiry
--- config
    location /p {
        usercenter_auth required;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- request
GET /p
--- more_headers eval
"Cookie: uc_session=$::Expired"
--- error_code: 401
--- response_body
{"error":{"code":"session_expired","message":"the session has expired"}}



=== TEST 8: revoked session
--- config
    location /p {
        usercenter_auth required;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- request
GET /p
--- more_headers eval
"Authorization: Bearer $::Revoked"
--- error_code: 401
--- response_body eval: $::Invalid



=== TEST 9: session of another business line on a required location
--- config
    location /p {
        usercenter_auth required;
        usercenter_business_line mall;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- request
GET /p
--- more_headers eval
"Authorization: Bearer $::PayOnly"
--- error_code: 403
--- response_body
{"error":{"code":"business_line_forbidden","message":"the session is not valid for this business line"}}



=== TEST 10: session of another business line on an optional location is anonymous
--- config
    location /p {
        usercenter_auth optional;
        usercenter_business_line mall;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- request
GET /p
--- more_headers eval
"Authorization: Bearer $::PayOnly"
--- response_body
uid= lvl= bl= mid= sid= deg=



=== TEST 11: auth level too low
--- config
    location /pay {
        usercenter_auth required;
        usercenter_auth_level 3;
        usercenter_business_line mall;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- request
GET /pay
--- more_headers eval
"Authorization: Bearer $::Level1"
--- error_code: 403
--- response_body
{"error":{"code":"auth_level_too_low","message":"this page needs a higher authentication level"}}



=== TEST 12: auth level high enough; a level alone implies required
--- config
    location /pay {
        usercenter_auth_level 3;
        usercenter_business_line pay;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- request
GET /pay
--- more_headers eval
"Authorization: Bearer $::Level3"
--- response_body eval
"uid=46 lvl=3 bl=pay mid= sid=" . UcTest::sid_of($::Level3) . " deg=\n"



=== TEST 13: a level on an optional location still needs a login
--- config
    location /pay {
        usercenter_auth optional;
        usercenter_auth_level 2;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- request
GET /pay
--- error_code: 401
--- response_body eval: $::Login



=== TEST 14: spoofed identity headers from an anonymous client are dropped
--- config
    location /p {
        usercenter_auth optional;
        usercenter_business_line mall;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- request
GET /p
--- more_headers
X-UC-User-Id: 1
x-uc-auth-level: 4
X-Uc-Merchant-Id: evil
X-UC-Degraded: no
--- response_body
uid= lvl= bl= mid= sid= deg=



=== TEST 15: spoofed identity headers next to a valid session: only ours arrive
--- config
    location /p {
        usercenter_auth required;
        usercenter_business_line mall;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- request
GET /p
--- more_headers eval
"X-UC-User-Id: 1\nAuthorization: Bearer $::Valid\nX-UC-Auth-Level: 4"
--- response_body eval
"uid=42 lvl=2 bl=mall mid=m-7 sid=$::ValidSid deg=\n"



=== TEST 16: identity headers are dropped where the check is off, too
--- config
    location /static {
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- request
GET /static
--- more_headers
X-UC-User-Id: 1
--- response_body
uid= lvl= bl= mid= sid= deg=



=== TEST 17: single sign-on session ("*") is valid on any business line
--- config
    location /p {
        usercenter_auth required;
        usercenter_business_line mall;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- request
GET /p
--- more_headers eval
"Authorization: Bearer $::Sso"
--- response_body eval
"uid=43 lvl=1 bl=mall mid= sid=" . UcTest::sid_of($::Sso) . " deg=\n"



=== TEST 18: variables in log_format
--- config
    location /p {
        usercenter_auth required;
        usercenter_business_line mall;
        access_log logs/access.log uc;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- request
GET /p
--- more_headers eval
"Authorization: Bearer $::Valid"
--- response_body eval
"uid=42 lvl=2 bl=mall mid=m-7 sid=$::ValidSid deg=\n"
--- access_log eval
"valid uid=42 lvl=2 bl=mall mid=m-7 sid=$::ValidSid"



=== TEST 19: a Bearer token wins over the cookie; Basic falls back to it
--- config
    location /p {
        usercenter_auth required;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- request eval
["GET /p", "GET /p"]
--- more_headers eval
["Authorization: Bearer $::Valid\nCookie: uc_session=$::Revoked",
 "Authorization: Basic dTpw\nCookie: uc_session=$::Valid"]
--- response_body eval
["uid=42 lvl=2 bl= mid=m-7 sid=$::ValidSid deg=\n",
 "uid=42 lvl=2 bl= mid=m-7 sid=$::ValidSid deg=\n"]



=== TEST 20: a session past half its idle timeout gets its TTL renewed
--- config
    location /p {
        usercenter_auth required;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- request
GET /p
--- more_headers eval
"Authorization: Bearer $::Sliding"
--- response_body eval
"uid=50 lvl=2 bl= mid= sid=" . UcTest::sid_of($::Sliding) . " deg=\n"
