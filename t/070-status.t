# usercenter_status: the gateway's counters as Prometheus text, shared by
# all workers.

use Test::Nginx::Socket;
use lib 't/helpers';
use UcTest;
use UcConfig;

repeat_each(1);
no_shuffle();
workers(2);
master_on();

our $Valid = new_session(user => 42);
(our $Forged = $Valid) =~ s/\.[^.]+$/.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/;

our $Status = qr/\A# HELP usercenter_sessions_total Session checks by outcome\.
# TYPE usercenter_sessions_total counter
usercenter_sessions_total\{result="none"\} 1
usercenter_sessions_total\{result="valid"\} 2
usercenter_sessions_total\{result="invalid"\} 1
usercenter_sessions_total\{result="expired"\} 0
usercenter_sessions_total\{result="error"\} 0
# HELP usercenter_limit_total .*
# TYPE usercenter_limit_total counter
usercenter_limit_total\{result="rejected"\} 1
usercenter_limit_total\{result="rejected_dry_run"\} 0
usercenter_limit_total\{result="error"\} 0
# HELP usercenter_redis_commands_total .*
# TYPE usercenter_redis_commands_total counter
usercenter_redis_commands_total 2
# HELP usercenter_redis_failures_total .*
# TYPE usercenter_redis_failures_total counter
usercenter_redis_failures_total 0
# HELP usercenter_redis_connects_total .*
# TYPE usercenter_redis_connects_total counter
usercenter_redis_connects_total [12]
# HELP usercenter_guard_total .*
# TYPE usercenter_guard_total counter
usercenter_guard_total\{decision="allow"\} 0
usercenter_guard_total\{decision="deny"\} 0
usercenter_guard_total\{decision="error"\} 0
usercenter_guard_total\{decision="challenge"\} 0
# HELP usercenter_cache_lookups_total .*
# TYPE usercenter_cache_lookups_total counter
usercenter_cache_lookups_total\{result="bypass"\} 0
usercenter_cache_lookups_total\{result="miss"\} 0
usercenter_cache_lookups_total\{result="hit"\} 0
usercenter_cache_lookups_total\{result="stale"\} 0
# HELP usercenter_cache_invalidations_total .*
# TYPE usercenter_cache_invalidations_total counter
usercenter_cache_invalidations_total 0
# HELP usercenter_cache_flushes_total .*
# TYPE usercenter_cache_flushes_total counter
usercenter_cache_flushes_total 0
# HELP usercenter_cache_evictions_total .*
# TYPE usercenter_cache_evictions_total counter
usercenter_cache_evictions_total 0
\z/;

plan tests => 6 * 3 + 3;

run_tests();

__DATA__

=== TEST 1: counters after known outcomes, across two workers
--- http_config eval
UcConfig::uc_http_config()
. "usercenter_limit_zone once key=\$binary_remote_addr rate=1r/m burst=0 mode=local;"
--- config
    location /p { usercenter_auth required; empty_gif; }
    location /l { usercenter_limit once; empty_gif; }
    location = /status { usercenter_status; }
--- request eval
[ "GET /p", "GET /p", "GET /p", "GET /p", "GET /l", "GET /l" ]
--- more_headers eval
[ "Authorization: Bearer $::Valid", "Authorization: Bearer $::Valid",
  "Authorization: Bearer $::Forged", "", "", "" ]
--- error_code eval: [ 200, 200, 401, 401, 200, 429 ]
--- response_body_like eval
[ qr/^GIF/, qr/^GIF/, qr/invalid_session/, qr/login_required/, qr/^GIF/,
  qr/rate_limited/ ]
--- no_error_log
[alert]



=== TEST 2: the status page
--- request
GET /status
--- response_headers
Content-Type: text/plain; version=0.0.4; charset=utf-8
--- response_body_like eval: $::Status
