# A malformed or badly signed token is answered without a Redis command:
# a flood of forged cookies costs the gateway CPU, never Redis round trips.

use Test::Nginx::Socket;
use lib 't/helpers';
use UcTest;
use UcConfig;

repeat_each(2);
no_shuffle();

our $Valid = new_session(user => 42, line => 'mall');
(our $Forged = $Valid) =~ s/\.[^.]+$/.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/;
(our $OtherKid = $Valid) =~ s/^v1\.[^.]+\./v1.nokey./;
our $Huge = 'v1.test1.' . ('A' x 8000);

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value(http_config => uc_http_config());
    $block->set_value(config => <<'_EOC_');
    location /p {
        usercenter_auth required;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
_EOC_
    $block->set_value(request => "GET /p");
    $block->set_value(no_error_log => "[error]");
    $block->set_value(error_code => 401) unless defined $block->error_code;
});

plan tests => repeat_each() * 3 * blocks() + 2;

redis_cli('CONFIG', 'RESETSTAT');

run_tests();

Test::More::is(redis_calls('hmget'), repeat_each(),
               'one HMGET per request with a genuine token');
Test::More::is(redis_calls('*'), repeat_each(),
               'no other Redis command at all');

__DATA__

=== TEST 1: bad MAC
--- more_headers eval
"Authorization: Bearer $::Forged"
--- response_body_like: "invalid_session"



=== TEST 2: unknown key id
--- more_headers eval
"Cookie: uc_session=$::OtherKid"
--- response_body_like: "invalid_session"



=== TEST 3: garbage of every kind
--- more_headers
Authorization: Bearer v1..x.y
--- response_body_like: "invalid_session"



=== TEST 4: a token of 8 KB
--- more_headers eval
"Authorization: Bearer $::Huge"
--- response_body_like: "invalid_session"



=== TEST 5: binary bytes in the cookie
--- more_headers eval
"Cookie: uc_session=v1.test1.\x01\x02\xff\xfe.zz"
--- response_body_like: "invalid_session"



=== TEST 6: the genuine token, once per repeat (the counter does count)
--- more_headers eval
"Authorization: Bearer $::Valid"
--- error_code: 200
--- response_body_like: ^uid=42 
