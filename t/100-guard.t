# The registration guard: the body is read without blocking and scored
# (honeypot, disposable domains, Redis block and allow lists); on refuses,
# shadow logs and passes, and without Redis it fails closed.

use Test::Nginx::Socket;
use lib 't/helpers';
use UcTest;
use UcConfig;

repeat_each(1);
no_shuffle();

our $Refused = qr/"registration_refused"/;
our $Echo = qr/^uid=/;

sub guard_config {
    my ($mode, $redis) = @_;
    return UcConfig::uc_http_config($redis ? (redis => $redis) : ()) . <<"_EOC_";
    usercenter_guard_disposable \$TEST_NGINX_SERVROOT/html/disposable.txt;
    log_format risk 'risk=\$uc_risk';
_EOC_
}

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value(http_config => guard_config('on'))
        unless defined $block->http_config;
    $block->set_value(config => <<'_EOC_') unless defined $block->config;
    location /register {
        usercenter_register_guard on;
        access_log logs/access.log risk;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
_EOC_
    $block->set_value(user_files => <<'_EOF_');
>>> disposable.txt
# test list
mailinator.com
guerrillamail.com
_EOF_
    $block->set_value(more_headers => 'Content-Type: application/json')
        unless defined $block->more_headers;
});

plan tests => 3 * blocks();

my @lists = map { "uc:{guard}:$_" } qw(block:ip block:domain block:prefix allow:ip);
UcTest::redis_cli('DEL', @lists);

run_tests();

UcTest::redis_cli('DEL', @lists);

__DATA__

=== TEST 1: an ordinary sign-up passes, its score logged
--- request
POST /register
{"login":"+8613800000001","password":"secret123","code":"123456"}
--- response_body_like eval: $::Echo
--- error_log
usercenter guard: allow, score 0, signals 0



=== TEST 2: a filled honeypot is refused
--- request
POST /register
{"login":"+8613800000001","password":"secret123","website":"http://spam.example"}
--- error_code: 403
--- response_body_like eval: $::Refused
--- error_log
usercenter guard: deny, score 100, signals 1



=== TEST 3: a disposable e-mail domain (any case) is refused
--- request
POST /register
{"login":"bot@MAILINATOR.com","password":"secret123"}
--- error_code: 403
--- response_body_like eval: $::Refused
--- error_log
usercenter guard: deny, score 60, signals 2



=== TEST 4: a form body is read too
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request
POST /register
login=%2B8613800000001&password=secret123&website=x
--- error_code: 403
--- response_body_like eval: $::Refused
--- error_log
usercenter guard: deny, score 100, signals 1



=== TEST 5: a blocked IP
--- init
UcTest::redis_cli('SADD', 'uc:{guard}:block:ip', '127.0.0.1');
--- request
POST /register
{"login":"+8613800000002","password":"secret123"}
--- error_code: 403
--- response_body_like eval: $::Refused
--- error_log
usercenter guard: deny, score 100, signals 4



=== TEST 6: an allow-listed IP passes whatever else it does
--- init
UcTest::redis_cli('SREM', 'uc:{guard}:block:ip', '127.0.0.1');
UcTest::redis_cli('SADD', 'uc:{guard}:allow:ip', '127.0.0.1');
--- request
POST /register
{"login":"+8613800000002","password":"secret123","website":"filled"}
--- response_body_like eval: $::Echo
--- error_log
usercenter guard: allow, score 0, signals 80



=== TEST 7: a blocked phone prefix
--- init
UcTest::redis_cli('SREM', 'uc:{guard}:allow:ip', '127.0.0.1');
UcTest::redis_cli('SADD', 'uc:{guard}:block:prefix', '+86170');
--- request
POST /register
{"to":"+8617012345678","purpose":"register"}
--- error_code: 403
--- response_body_like eval: $::Refused
--- error_log
usercenter guard: deny, score 100, signals 10



=== TEST 8: a blocked e-mail domain
--- init
UcTest::redis_cli('SADD', 'uc:{guard}:block:domain', 'evil.example');
--- request
POST /register
{"login":"x@Evil.Example","password":"secret123"}
--- error_code: 403
--- response_body_like eval: $::Refused
--- error_log
usercenter guard: deny, score 100, signals 8



=== TEST 9: shadow mode logs the refusal and lets it through
--- config
    location /register {
        usercenter_register_guard shadow;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- request
POST /register
{"login":"+8613800000003","website":"filled"}
--- response_body_like eval: $::Echo
--- error_log
usercenter guard: deny (shadow), score 100



=== TEST 10: malformed JSON
--- request
POST /register
{"login": 
--- error_code: 400
--- response_body_like: "malformed_json"
--- no_error_log
[alert]



=== TEST 11: another content type
--- more_headers
Content-Type: text/plain
--- request
POST /register
login=x
--- error_code: 415
--- response_body_like: "unsupported_media_type"
--- no_error_log
[alert]



=== TEST 12: a body over 16 KB
--- request eval
"POST /register\n{\"login\":\"" . ('a' x 20000) . "\"}"
--- error_code: 413
--- response_body_like: "body_too_large"
--- no_error_log
[alert]



=== TEST 13: invalid UTF-8 in the JSON
--- request eval
"POST /register\n{\"login\":\"\xff\xfe\"}"
--- error_code: 400
--- response_body_like: "malformed_json"
--- no_error_log
[alert]



=== TEST 14: without Redis the guard fails closed
--- http_config eval: main::guard_config('on', '127.0.0.1:1')
--- request
POST /register
{"login":"+8613800000004","password":"secret123"}
--- error_code: 503
--- response_body_like: "guard_unavailable"
--- error_log
usercenter guard: no redis



=== TEST 15: ... or passes in shadow mode
--- http_config eval: main::guard_config('on', '127.0.0.1:1')
--- config
    location /register {
        usercenter_register_guard shadow;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- request
POST /register
{"login":"+8613800000005","password":"secret123"}
--- response_body_like eval: $::Echo
--- error_log
usercenter guard: no redis (shadow)



=== TEST 16: GET is not scored; $uc_risk is logged for scored requests
--- request
GET /register
--- response_body_like eval: $::Echo
--- no_error_log
usercenter guard
