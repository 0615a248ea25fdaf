# Rate limits: GCRA in shared memory (local) and in Redis (global), the
# 429 answer and its headers, keys, dry runs, Redis failures.
# repeat_each(1): a limit's state outlives a block's requests on purpose.

use Test::Nginx::Socket;
use lib 't/helpers';
use UcTest;
use UcConfig;
use Digest::MD5;

repeat_each(1);
no_shuffle();

our $Down = '127.0.0.1:1';
our $UserA = new_session(user => 7001);
our $UserB = new_session(user => 7002);

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value(http_config => uc_http_config())
        unless defined $block->http_config;
    $block->set_value(request => [ ("GET /p") x 4 ])
        unless defined $block->request;
    $block->set_value(no_error_log => '[alert]')
        unless defined $block->error_log;
});

# four requests against 1r/m with burst=2: three pass, the fourth waits 60 s
our $Four = [ 200, 200, 200, 429 ];
our $Limited = qq{{"error":{"code":"rate_limited","message":"too many requests, slow down"}}\n};
our $Gif = qr/^GIF89a/;
our $Lim = qr/"rate_limited"/;
our $Unavail = qr/"rate_limit_unavailable"/;
our $Headers = [ "", "", "",
    "Retry-After: 60\nRateLimit-Limit: 3\nRateLimit-Remaining: 0\nRateLimit-Reset: 180" ];

plan tests => 2 * 16 + 4 * 12 + 2 * 6 + 3 + 4 + 2 + 9;

# read by TEST 3's --- init, right after the global block, and checked at
# the end (a slower runner must not age the state past the check)
our ($G1Calls, $G1Pttl);

our $Key = 'uc:{rl:g1:' . Digest::MD5::md5_hex(pack 'C4', 127, 0, 0, 1) . '}';
# a fresh start for every zone of this file, whatever ran before
UcTest::redis_cli('EVAL', "for _, k in ipairs(redis.call('KEYS', 'uc:{rl:*')) "
                          . "do redis.call('DEL', k) end", 0);

run_tests();

Test::More::cmp_ok($::G1Pttl, '>', 170000,
                   'the global state is in Redis, kept while it matters');
Test::More::is($::G1Calls, '3 1',
               'four requests, three EVALSHA (the pre-check refused one), '
               . 'one EVAL to load the script');

__DATA__

=== TEST 1: local: three pass, the fourth is refused with the headers
--- http_config eval
UcConfig::uc_http_config() . <<'_EOZ_'
    usercenter_limit_zone l1 key=$binary_remote_addr rate=1r/m burst=2 mode=local;
_EOZ_
--- config
    location /p { usercenter_limit l1; empty_gif; }
--- error_code eval: $::Four
--- response_headers eval: $::Headers
--- response_body_like eval: [ $::Gif, $::Gif, $::Gif, $::Lim ]



=== TEST 2: global: the same through Redis (the script is loaded on NOSCRIPT)
--- init
UcTest::redis_cli('SCRIPT', 'FLUSH');
UcTest::redis_cli('CONFIG', 'RESETSTAT');
--- http_config eval
UcConfig::uc_http_config() . <<'_EOZ_'
    usercenter_limit_zone g1 key=$binary_remote_addr rate=1r/m burst=2;
_EOZ_
--- config
    location /p { usercenter_limit g1; empty_gif; }
--- error_code eval: $::Four
--- response_headers eval: $::Headers
--- response_body_like eval: [ $::Gif, $::Gif, $::Gif, $::Lim ]



=== TEST 3: a request argument as the key: each phone has its own budget
--- init
$::G1Calls = UcTest::redis_calls('evalsha') . ' ' . UcTest::redis_calls('eval');
$::G1Pttl = UcTest::redis_cli('PTTL', $::Key);
--- http_config eval
UcConfig::uc_http_config() . <<'_EOZ_'
    usercenter_limit_zone sms key=$arg_phone rate=1r/m burst=0;
_EOZ_
--- config
    location /p { usercenter_limit sms; empty_gif; }
--- request eval
[ "GET /p?phone=1", "GET /p?phone=1", "GET /p?phone=2", "GET /p" ]
--- error_code eval: [ 200, 429, 200, 200 ]
--- response_body_like eval: [ $::Gif, $::Lim, $::Gif, $::Gif ]



=== TEST 4: several zones: the strictest decides
--- http_config eval
UcConfig::uc_http_config() . <<'_EOZ_'
    usercenter_limit_zone wide key=$binary_remote_addr rate=100r/s burst=100 mode=local;
    usercenter_limit_zone narrow key=$http_x_device rate=1r/m burst=1 mode=local;
_EOZ_
--- config
    location /p { usercenter_limit wide; usercenter_limit narrow; empty_gif; }
--- more_headers
X-Device: d-42
--- error_code eval: [ 200, 200, 429, 429 ]
--- response_body_like eval: [ $::Gif, $::Gif, $::Lim, $::Lim ]



=== TEST 5: dry run: the first request passes
--- http_config eval
UcConfig::uc_http_config() . <<'_EOZ_'
    usercenter_limit_zone dry key=$binary_remote_addr rate=1r/m burst=0 mode=local dry_run;
    log_format lim 'limit=$uc_limit_status';
_EOZ_
--- config
    location /p { usercenter_limit dry; access_log logs/access.log lim; empty_gif; }
--- request
GET /p
--- response_body_like eval: $::Gif



=== TEST 6: dry run: the second is over the limit, logged, and still passes
--- request
GET /p
--- response_body_like eval: $::Gif
--- error_log
limiting requests, dry run, zone "dry"
--- access_log
limit=REJECTED_DRY_RUN



=== TEST 7: Redis down, on_redis_error=open: requests pass uncounted by Redis
--- http_config eval
UcConfig::uc_http_config(redis => $::Down)
. "usercenter_limit_zone o1 key=\$binary_remote_addr rate=1r/m burst=5 on_redis_error=open;"
--- config
    location /p { usercenter_limit o1; empty_gif; }
--- request eval
[ "GET /p", "GET /p" ]
--- error_code eval: [ 200, 200 ]
--- response_body_like eval: [ $::Gif, $::Gif ]



=== TEST 8: Redis down, on_redis_error=closed: 503, never a pass
--- http_config eval
UcConfig::uc_http_config(redis => $::Down)
. "usercenter_limit_zone c1 key=\$binary_remote_addr rate=100r/s burst=100 on_redis_error=closed;"
--- config
    location /p { usercenter_limit c1; empty_gif; }
--- request eval
[ "GET /p", "GET /p" ]
--- error_code eval: [ 503, 503 ]
--- response_body_like eval: [ $::Unavail, $::Unavail ]



=== TEST 9: Redis down, on_redis_error=local (the default): the local limit holds
--- http_config eval
UcConfig::uc_http_config(redis => $::Down)
. "usercenter_limit_zone d1 key=\$binary_remote_addr rate=1r/m burst=2;"
--- config
    location /p { usercenter_limit d1; empty_gif; }
--- error_code eval: $::Four
--- response_body_like eval: [ $::Gif, $::Gif, $::Gif, $::Lim ]



=== TEST 10: keyed by $uc_user_id: counted per user after the session check
--- http_config eval
UcConfig::uc_http_config() . <<'_EOZ_'
    usercenter_limit_zone per_user key=$uc_user_id rate=1r/m burst=1;
_EOZ_
--- config
    location /p {
        usercenter_auth optional;
        usercenter_limit per_user;
        empty_gif;
    }
--- more_headers eval
[ "Authorization: Bearer $::UserA", "Authorization: Bearer $::UserA",
  "Authorization: Bearer $::UserA", "Authorization: Bearer $::UserB" ]
--- error_code eval: [ 200, 200, 429, 200 ]
--- response_body_like eval: [ $::Gif, $::Gif, $::Lim, $::Gif ]



=== TEST 11: an internal redirect does not count the request twice
--- http_config eval
UcConfig::uc_http_config() . <<'_EOZ_'
    usercenter_limit_zone twice key=$binary_remote_addr rate=1r/m burst=1 mode=local;
_EOZ_
--- config
    location /r { usercenter_limit twice; try_files /nothing-here @inner; }
    location @inner { usercenter_limit twice; empty_gif; }
--- request eval
[ "GET /r", "GET /r", "GET /r" ]
--- error_code eval: [ 200, 200, 429 ]
--- response_body_like eval: [ $::Gif, $::Gif, $::Lim ]
