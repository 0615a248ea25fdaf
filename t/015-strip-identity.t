# Client copies of the identity headers never reach an upstream, whatever
# else a gateway configures: no usercenter_secret at all, only a rate
# limit, nothing of the module in the location, or an access module that
# ends the access phase early (satisfy any).

use Test::Nginx::Socket;
use lib 't/helpers';
use UcTest;

repeat_each(2);
no_shuffle();

our $Echo = <<'_EOC_';
    server {
        listen 127.0.0.1:$TEST_NGINX_ECHO_PORT;
        usercenter_strip_identity off;

        location / {
            return 200 "uid=$http_x_uc_user_id lvl=$http_x_uc_auth_level mid=$http_x_uc_merchant_id fl=$http_x_uc_flags pow=$http_x_uc_pow\n";
        }
    }
_EOC_

our $Full = <<'_EOC_' . $Echo;
    usercenter_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    usercenter_secret $TEST_NGINX_SECRET;
_EOC_

our $Spoof = "X-UC-User-Id: 1\nX-UC-Auth-Level: 4\nx-uc-merchant-id: m\nX-Uc-Flags: all\nX-UC-PoW: p1.answer";

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value(more_headers => $Spoof) unless defined $block->more_headers;
    $block->set_value(request => 'GET /p') unless defined $block->request;
    $block->set_value(response_body => "uid= lvl= mid= fl= pow=\n")
        unless defined $block->response_body;
    $block->set_value(no_error_log => "[error]\n[alert]")
        unless defined $block->no_error_log;
});

plan tests => repeat_each() * 4 * blocks();

run_tests();

__DATA__

=== TEST 1: only a rate limit, no usercenter_secret (the audit's gateway)
--- http_config eval
"    usercenter_redis 127.0.0.1:\$TEST_NGINX_REDIS_PORT;
    usercenter_limit_zone l1 key=\$binary_remote_addr rate=100r/s burst=100 mode=local;
$::Echo"
--- config
    location /p {
        usercenter_limit l1;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }



=== TEST 2: the module loaded, nothing of it configured
--- http_config eval: $::Echo
--- config
    location /p {
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }



=== TEST 3: satisfy any, and an allow that ends the access phase first
--- http_config eval: $::Full
--- config
    location /p {
        satisfy any;
        allow 127.0.0.1;
        deny all;
        usercenter_auth optional;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }



=== TEST 4: a rewrite into a named location is stripped there too
--- http_config eval: $::Echo
--- config
    location /p {
        try_files /nonexistent @up;
    }
    location @up {
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }



=== TEST 5: where an operator turned stripping off, they pass (the upstream side)
--- http_config eval: $::Echo
--- config
    location /p {
        usercenter_strip_identity off;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- response_body
uid=1 lvl=4 mid=m fl=all pow=p1.answer



=== TEST 6: a guarded location keeps X-UC-PoW for the guard (and the user center's backend)
--- http_config eval: $::Full
--- config
    location /p {
        usercenter_register_guard on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- response_body
uid= lvl= mid= fl= pow=p1.answer
