# Feature flags at the edge: the business line's rules evaluated for the
# caller into X-UC-Flags for the upstream and $uc_flags, the same way the
# backend's GET /uc/v1/flags does; a client's own X-UC-Flags is dropped.
# Then the near-cache directive's configuration errors.

use Test::Nginx::Socket;
use lib 't/helpers';
use UcTest;
use UcConfig;

repeat_each(2);
no_shuffle();

redis_cli('DEL', 'uc:{f:mall}', 'uc:{f:pay}');
redis_cli('HSET', 'uc:{f:mall}',
          'everyone', 'on=1;pct=10000',
          'testers', 'on=1;users=42,77',
          'certified', 'on=1;pct=10000;level=3',
          'merchants', 'on=1;merchants=m-7',
          'blocked', 'on=1;pct=10000;deny_users=42',
          'dark', 'on=0;pct=10000',
          'broken', 'on=7');
redis_cli('HSET', 'uc:{f:pay}', 'pay_only', 'on=1;pct=10000');
# more fields than any line may have (written around the admin API)
redis_cli('DEL', 'uc:{f:huge}');
redis_cli('HSET', 'uc:{f:huge}', map { ("f$_", 'on=1;pct=10000') } 1 .. 300);

our $User42 = new_session(user => 42, level => 2, line => 'mall,pay',
                          merchant => 'm-7');
our $User43 = new_session(user => 43, level => 3, line => 'mall');
merchant_record('m-7', lines => { mall => 'active', pay => 'active' },
                members => { 42 => 'owner' });

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value(http_config => uc_http_config())
        unless defined $block->http_config;
    $block->set_value(no_error_log => "[error]\n[alert]")
        unless defined $block->no_error_log;
});

# four checks a block and repeat: status and body or header, then the two
# no_error_log lines (TEST 6 sets one); a must_die block checks the death,
# its error_log line and the same two no_error_log lines
plan tests => repeat_each() * (4 * blocks() - 1);

run_tests();

__DATA__

=== TEST 1: a user's flags: allow lists, levels, deny lists and off
--- config
    location /p {
        usercenter_auth optional;
        usercenter_business_line mall;
        usercenter_flags on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /echo {
        usercenter_strip_identity off;
        return 200 "flags=$http_x_uc_flags\n";
    }
--- request
GET /p
--- more_headers eval
"Authorization: Bearer $::User42"
--- response_body
flags=everyone,merchants,testers



=== TEST 2: another user: the level admits "certified", no allow list
--- config
    location /p {
        usercenter_auth optional;
        usercenter_business_line mall;
        usercenter_flags on;
        add_header X-Flags $uc_flags always;
        empty_gif;
    }
--- request
GET /p
--- more_headers eval
"Authorization: Bearer $::User43"
--- response_headers
X-Flags: blocked,certified,everyone



=== TEST 3: anonymous: only what is on for everyone
--- config
    location /p {
        usercenter_auth optional;
        usercenter_business_line mall;
        usercenter_flags on;
        add_header X-Flags $uc_flags always;
        empty_gif;
    }
--- request
GET /p
--- response_headers
X-Flags: blocked,everyone



=== TEST 4: the flags of the location's business line only
--- config
    location /p {
        usercenter_auth optional;
        usercenter_business_line pay;
        usercenter_flags on;
        add_header X-Flags $uc_flags always;
        empty_gif;
    }
--- request
GET /p
--- more_headers eval
"Authorization: Bearer $::User42"
--- response_headers
X-Flags: pay_only



=== TEST 5: a client's X-UC-Flags never reaches the upstream
--- config
    location /p {
        usercenter_auth optional;
        usercenter_business_line pay;
        usercenter_flags off;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /echo {
        usercenter_strip_identity off;
        return 200 "flags=$http_x_uc_flags\n";
    }
--- request
GET /p
--- more_headers
X-UC-Flags: admin_console,everything
--- response_body
flags=



=== TEST 6: Redis down: every flag off, the request goes on
--- http_config eval: UcConfig::uc_http_config(redis => '127.0.0.1:1')
--- config
    location /p {
        usercenter_auth off;
        usercenter_business_line mall;
        usercenter_flags on;
        add_header X-Flags "[$uc_flags]" always;
        empty_gif;
    }
--- request
GET /p
--- response_headers
X-Flags: []
--- no_error_log
[alert]



=== TEST 7: a flag hash larger than any line may have: all off, logged
--- config
    location /p {
        usercenter_auth optional;
        usercenter_business_line huge;
        usercenter_flags on;
        add_header X-Flags "[$uc_flags]" always;
        empty_gif;
    }
--- request
GET /p
--- response_headers
X-Flags: []
--- error_log
"uc:{f:huge}" unreadable
--- no_error_log
[alert]



=== TEST 8: usercenter_cache without a zone
--- http_config
    usercenter_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    usercenter_cache ttl=10s;
--- config
--- must_die
--- error_log
must have the "zone" parameter



=== TEST 9: usercenter_cache with a zone too small
--- http_config
    usercenter_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    usercenter_cache zone=c:4k;
--- config
--- must_die
--- error_log
is too small



=== TEST 10: usercenter_cache with a bad TTL
--- http_config
    usercenter_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    usercenter_cache zone=c:1m ttl=soon;
--- config
--- must_die
--- error_log
invalid parameter "ttl=soon"



=== TEST 11: usercenter_cache without usercenter_redis
--- http_config
    usercenter_cache zone=c:1m;
--- config
--- must_die
--- error_log
"usercenter_cache" needs "usercenter_redis"
