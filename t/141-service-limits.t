# Limits per service key: $uc_service_key_id and $uc_service_line are set
# once a key is admitted, and a zone keyed by them counts each key apart
# (run once: a zone's counts outlive a repeat).

use Test::Nginx::Socket;
use Digest::SHA qw(sha256_hex);
use lib 't/helpers';
use UcTest;
use UcConfig;

repeat_each(1);
no_shuffle();

our $One = 'T25lIHNlY3JldCBrZXkgZm9yIHRoZSBsaW1pdCB0ZXN';     # 43 chars
our $Two = 'VHdvIHNlY3JldCBrZXkgZm9yIHRoZSBsaW1pdCB0ZXN';
redis_cli('DEL', 'uc:{k:00000000000000b1}', 'uc:{k:00000000000000b2}');
redis_cli('HSET', 'uc:{k:00000000000000b1}', 'line', 'mall', 'status', 'active',
          'expires_at', 0, 'hash', sha256_hex($One));
redis_cli('HSET', 'uc:{k:00000000000000b2}', 'line', 'mall', 'status', 'active',
          'expires_at', 0, 'hash', sha256_hex($Two));

plan tests => 3 * 4;

run_tests();

__DATA__

=== TEST 1: one request a minute per key: the second of a key is refused, another key goes on
--- http_config eval
UcConfig::uc_http_config() . <<'_EOC_';
    usercenter_limit_zone perkey key=$uc_service_key_id rate=1r/m burst=0 mode=local;
_EOC_
--- config
    location /svc {
        usercenter_auth service;
        usercenter_limit perkey;
        add_header X-Key "$uc_service_line/$uc_service_key_id" always;
        empty_gif;
    }
--- request eval
["GET /svc", "GET /svc", "GET /svc", "GET /svc"]
--- more_headers eval
["Authorization: UC-Key 00000000000000b1.$::One",
 "Authorization: UC-Key 00000000000000b1.$::One",
 "Authorization: UC-Key 00000000000000b2.$::Two",
 "Authorization: UC-Key 00000000000000b1." . ('A' x 43)]
--- error_code eval
[200, 429, 200, 401]
--- response_headers eval
["X-Key: mall/00000000000000b1", "X-Key: mall/00000000000000b1",
 "X-Key: mall/00000000000000b2", "X-Key: /"]
--- no_error_log
[alert]
