#!/bin/sh
# The benchmark table: one run, its own Redis and nginx (1 worker) on
# loopback, wrk against the same location answered three ways:
#   none    no check (the ceiling)
#   module  the usercenter session check (HMAC + one HMGET)
#   cached  the module's check answered from its warm near-cache
#   merchant  the same for sessions acting for a merchant (its record and
#           the membership read through the near-cache too)
#   lua     the same check written with lua-resty-redis (keepalive pool)
# Each row rotates over SESSIONS seeded sessions. Printed: requests/s, p99,
# the ratio to "none" of this run, Redis commands per request, and CPU time
# of nginx + Redis per request (from /proc, the steadiest figure here).
# Then the backend: password logins through the gateway, and sign-ups and
# logins on each store (stores.sh), as ratios to the raw argon2id rate;
# and sign-ins through WeChat and Alipay against the stand-ins (social.sh).
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
bench=$top/build/bench
redis_port=${BENCH_REDIS_PORT:-16395}
port=${BENCH_PORT:-18095}
duration=${BENCH_DURATION:-10}
# rounds over all rows; each row's median run is reported (the machine's
# noise comes in bursts, and interleaved rounds spread them over the rows)
rounds=${BENCH_ROUNDS:-3}
connections=${BENCH_CONNECTIONS:-32}
sessions=${BENCH_SESSIONS:-100000}
nginx=${NGINX:-/usr/sbin/nginx}
hz=$(getconf CLK_TCK)

# The nginx worker gets a core of its own; wrk and Redis share the other.
# Unpinned, the three contend for both cores and each row measures the
# scheduler as much as the gateway (BENCH_PIN=0 to compare).
pin=${BENCH_PIN:-1}
if [ "$pin" = 1 ] && [ "$(nproc)" -ge 2 ]; then
    affinity="worker_cpu_affinity 01;"
    load="taskset -c 1"
else
    pin=0
    affinity=
    load=
fi

rm -rf "$bench"
mkdir -p "$bench/logs" "$bench/conf" "$bench/temp"

backend_port=${BENCH_BACKEND_PORT:-18096}
backend_pid=
redis_pid=
cleanup() {
    if [ -f "$bench/gw2/logs/nginx.pid" ]; then
        "$nginx" -p "$bench/gw2/" -c conf/nginx.conf -e logs/error.log \
            -s stop 2>/dev/null || true
    fi
    if [ -n "$backend_pid" ]; then
        kill "$backend_pid" 2>/dev/null || true
        wait "$backend_pid" 2>/dev/null || true
    fi
    if [ -f "$bench/logs/nginx.pid" ]; then
        "$nginx" -p "$bench/" -c conf/nginx.conf -e logs/error.log -s stop \
            2>/dev/null || true
    fi
    if [ -n "$redis_pid" ]; then
        kill "$redis_pid" 2>/dev/null || true
        wait "$redis_pid" 2>/dev/null || true
    fi
}
trap cleanup EXIT INT TERM

$load redis-server --port "$redis_port" --bind 127.0.0.1 --save '' \
    --appendonly no --dir "$bench" --logfile "$bench/logs/redis.log" &
redis_pid=$!
until redis-cli -p "$redis_port" ping >/dev/null 2>&1; do sleep 0.05; done

ucctl="$top/build/ucctl --redis 127.0.0.1:$redis_port --secret $bench/keys"
"$top/build/ucctl" keys generate "$bench/keys" --kid bench1 >/dev/null
$ucctl session create --user 10001 --level 2 --count "$sessions" \
    > "$bench/tokens"
# as many acting for a merchant, active on the line, the user its staff
$ucctl session create --user 10001 --level 2 --merchant 7001 \
    --count "$sessions" > "$bench/tokens-merchant"
redis-cli -p "$redis_port" HSET 'uc:{m:7001}' status active version 1 \
    line:bench active >/dev/null
redis-cli -p "$redis_port" HSET 'uc:{m:7001}:u:10001' role staff version 1 \
    >/dev/null
echo "seeded $(wc -l < "$bench/tokens") sessions, as many for a merchant"

gateway_secret=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')

# the backend with the production password cost (argon2id t=2, 19 MiB)
cat > "$bench/backend.conf" <<CONF
listen = 127.0.0.1:$backend_port
store = sqlite:$bench/usercenter.db
redis = 127.0.0.1:$redis_port
secret = $bench/keys
gateway_secret = $gateway_secret
cookie_secure = 0
CONF
"$top/build/uc-backend" -c "$bench/backend.conf" 2> "$bench/logs/backend.log" &
backend_pid=$!
until curl -sf "http://127.0.0.1:$backend_port/uc/v1/health" >/dev/null; do
    sleep 0.05
done

sed -e "s|@TOP@|$top|g" -e "s|@BENCH@|$bench|g" \
    -e "s|@REDIS_PORT@|$redis_port|g" -e "s|@PORT@|$port|g" \
    -e "s|@BACKEND_PORT@|$backend_port|g" \
    -e "s|@GATEWAY_SECRET@|$gateway_secret|g" \
    -e "s|@CPU_AFFINITY@|$affinity|" \
    "$top/tools/bench/nginx.conf.in" > "$bench/conf/nginx.conf"
"$nginx" -p "$bench/" -c conf/nginx.conf -e logs/error.log

# a second gateway sharing the Redis, for the over-admission measurement
port2=$((port + 10))
mkdir -p "$bench/gw2/logs" "$bench/gw2/conf" "$bench/gw2/temp"
sed -e "s|127.0.0.1:$port;|127.0.0.1:$port2;|" "$bench/conf/nginx.conf" \
    > "$bench/gw2/conf/nginx.conf"
"$nginx" -p "$bench/gw2/" -c conf/nginx.conf -e logs/error.log

master=$(cat "$bench/logs/nginx.pid")
worker=$(ps -o pid= --ppid "$master" | tr -d ' ' | head -n 1)

ticks() {
    awk '{ print $14 + $15 }' "/proc/$1/stat"
}

redis_commands() {
    redis-cli -p "$redis_port" info commandstats \
        | awk -F'[:=,]' '/^cmdstat_/ && $1 != "cmdstat_info" \
                         && $1 !~ /^cmdstat_config/ { n += $3 } END { print n + 0 }'
}

export TOKENS="$bench/tokens"

# a service key of a line, its record as the backend writes it
service_secret=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | cut -c1-43)
redis-cli -p "$redis_port" HSET 'uc:{k:be0c000000000a01}' line bench \
    status active expires_at 0 \
    hash "$(printf %s "$service_secret" | sha256sum | cut -d' ' -f1)" \
    >/dev/null
service_auth="Authorization: UC-Key be0c000000000a01.$service_secret"

run_wrk() {
    if [ "$2" = merchant ]; then
        TOKENS="$bench/tokens-merchant" $load wrk -t1 -c"$connections" \
            -d"$1"s -s "$top/tools/bench/rotate.lua" \
            "http://127.0.0.1:$port/merchant"
        return
    fi
    if [ "$2" = service ]; then
        $load wrk -t1 -c"$connections" -d"$1"s -H "$service_auth" \
            -s "$top/tools/bench/fixed.lua" "http://127.0.0.1:$port/$2"
        return
    fi
    $load wrk -t1 -c"$connections" -d"$1"s -s "$top/tools/bench/rotate.lua" \
        "http://127.0.0.1:$port/$2"
}

# BENCH_ROWS picks rows (none and lua are always measured: the ratios)
rows="none lua"
for loc in ${BENCH_ROWS:-module cached merchant service limit_req limit_local limit_global}; do
    case " $rows " in *" $loc "*) ;; *) rows="$rows $loc" ;; esac
done

# warm every path (connections, pools, Lua code cache)
for loc in $rows; do
    run_wrk 2 "$loc" > /dev/null
done

# the near-cache row is measured warm: every seeded session read once
# (wrk runs for a time, not a count: long enough at 8,000 requests/s)
warm=$((sessions / 8000 + 2))
$load wrk -t1 -c"$connections" -d"$warm"s -s "$top/tools/bench/warm.lua" \
    "http://127.0.0.1:$port/cached" > "$bench/wrk-warm.txt"
case " $rows " in
*" merchant "*)
    TOKENS="$bench/tokens-merchant" $load wrk -t1 -c"$connections" \
        -d"$warm"s -s "$top/tools/bench/warm.lua" \
        "http://127.0.0.1:$port/merchant" > "$bench/wrk-warm-merchant.txt" ;;
esac
cached=$(curl -s "http://127.0.0.1:$port/metrics" \
         | awk '/^usercenter_cache_entries/ { print $2 }')
echo "near-cache warmed: $cached entries"

: > "$bench/runs"

# measure ROW WRK-ARGS...: one row of the table from one wrk run
measure() {
    row=$1
    shift
    redis-cli -p "$redis_port" config resetstat >/dev/null
    n0=$(ticks "$worker")
    r0=$(ticks "$redis_pid")
    out=$($load wrk -t1 -c"$connections" -d"$duration"s "$@")
    n1=$(ticks "$worker")
    r1=$(ticks "$redis_pid")

    echo "$out" > "$bench/wrk-$row.txt"
    rps=$(echo "$out" | awk '/^Requests\/sec/ { print $2 }')
    result=$(echo "$out" | grep '^RESULT')
    requests=$(echo "$result" | sed 's/.*requests=\([0-9]*\).*/\1/')
    errors=$(echo "$result" | sed 's/.*errors=\([0-9]*\).*/\1/')
    non2xx=$(echo "$result" | sed 's/.*non2xx=\([0-9]*\).*/\1/')
    p99=$(echo "$result" | sed 's/.*p99_us=\([0-9]*\).*/\1/')

    if [ "$errors" -ne 0 ] || [ "$non2xx" -ne 0 ]; then
        echo "bench: $row had $errors socket errors and $non2xx non-2xx" \
             "answers; see $bench/logs/" >&2
        exit 1
    fi

    awk -v row="$row" -v rps="$rps" -v p99="$p99" -v cmds="$(redis_commands)" \
        -v req="$requests" -v dn="$((n1 - n0))" -v dr="$((r1 - r0))" \
        -v hz="$hz" 'BEGIN {
        printf "%s %.0f %d %.3f %.2f %.2f\n", row, rps, p99, cmds / req,
               dn * 1000000 / hz / req, dr * 1000000 / hz / req }' \
        >> "$bench/runs"
}

round=0
while [ "$round" -lt "$rounds" ]; do
    for loc in $rows; do
        if [ "$loc" = service ]; then
            measure service -H "$service_auth" -s "$top/tools/bench/fixed.lua" \
                "http://127.0.0.1:$port/service"
            continue
        fi
        if [ "$loc" = merchant ]; then
            TOKENS="$bench/tokens-merchant"
            measure merchant -s "$top/tools/bench/rotate.lua" \
                "http://127.0.0.1:$port/merchant"
            TOKENS="$bench/tokens"
            continue
        fi
        measure "$loc" -s "$top/tools/bench/rotate.lua" \
            "http://127.0.0.1:$port/$loc"
    done
    round=$((round + 1))
done

# --- the backend through the gateway: a registered user
gw="http://127.0.0.1:$port"
phone=+8613900000001
curl -sf -XPOST "$gw/uc/v1/codes" -H 'Content-Type: application/json' \
    -d "{\"to\":\"$phone\",\"purpose\":\"register\"}" >/dev/null
code=$(redis-cli -p "$redis_port" lrange "uc:dev:outbox:$phone" -1 -1 \
       | awk '{ print $NF }')
token=$(curl -sf -XPOST "$gw/uc/v1/register" \
        -H 'Content-Type: application/json' \
        -d "{\"login\":\"$phone\",\"password\":\"bench-pass-1\",\"code\":\"$code\"}" \
        | sed 's/.*"token":"\([^"]*\)".*/\1/')

curl -sf -H "Authorization: Bearer $token" "$gw/uc/v1/me/profile" >/dev/null
measure profile -s "$top/tools/bench/fixed.lua" \
    -H "Authorization: Bearer $token" "$gw/uc/v1/me/profile"

# each row's median run (by requests/s), rows in their order
printf '%s\n' "row rps p99_us cmds_per_req nginx_us redis_us" \
    > "$bench/results"
for loc in $rows profile; do
    grep "^$loc " "$bench/runs" | sort -k2,2n \
        | awk '{ line[NR] = $0 } END { print line[int((NR + 1) / 2)] }' \
        >> "$bench/results"
done

# --- over-admission: both gateways hammer one global key at once; the
# bound is taken over the whole time either of them ran
t0=$(date +%s.%N)
wrk -t1 -c16 -d"$duration"s -s "$top/tools/bench/fixed.lua" \
    "http://127.0.0.1:$port/limit_shared" > "$bench/wrk-shared1.txt" &
w1=$!
wrk -t1 -c16 -d"$duration"s -s "$top/tools/bench/fixed.lua" \
    "http://127.0.0.1:$port2/limit_shared" > "$bench/wrk-shared2.txt"
wait "$w1"
t1=$(date +%s.%N)
admitted=$(cat "$bench/wrk-shared1.txt" "$bench/wrk-shared2.txt" \
           | awk '/^RESULT/ { split($2, a, "="); split($4, b, "=");
                              n += a[2] - b[2] } END { print n }')
sent=$(cat "$bench/wrk-shared1.txt" "$bench/wrk-shared2.txt" \
       | awk '/^RESULT/ { split($2, a, "="); n += a[2] } END { print n }')

# --- password logins against the raw argon2id rate (the ceiling)
cores=$(nproc)
ceiling=$("$top/build/argon2rate" 2 19456 "$cores" 5)
BODY="{\"login\":\"$phone\",\"password\":\"bench-pass-1\"}" \
    wrk -t1 -c"$cores" -d"$duration"s -s "$top/tools/bench/fixed.lua" \
    "$gw/uc/v1/login" > "$bench/wrk-login.txt"
logins=$(awk '/^Requests\/sec/ { print $2 }' "$bench/wrk-login.txt")
login_non2xx=$(grep '^RESULT' "$bench/wrk-login.txt" \
               | sed 's/.*non2xx=\([0-9]*\).*/\1/')
if [ "$login_non2xx" -ne 0 ]; then
    echo "bench: $login_non2xx logins failed" >&2
    exit 1
fi

echo
echo "usercenter session check, 1 nginx worker, $connections connections," \
     "${duration}s per row, $sessions sessions rotated, median of $rounds" \
     "interleaved rounds (every run: $bench/runs)"
if [ "$pin" = 1 ]; then
    echo "the nginx worker on CPU 0, wrk and Redis on CPU 1 (BENCH_PIN=0: unpinned)"
else
    echo "unpinned: the worker, wrk and Redis share every core"
fi
awk 'NR == 1 { next }
     { row[NR] = $1; rps[NR] = $2; p99[NR] = $3; cmd[NR] = $4
       ngx[NR] = $5; red[NR] = $6
       if ($1 == "none") base = $2; if ($1 == "lua") lua = $2
       if ($1 == "limit_req") lreq = $2; if ($1 == "limit_local") lloc = $2 }
     END {
       printf "%-12s %8s %9s %7s %7s %9s %10s %10s %10s\n", "row",
              "req/s", "p99 (ms)", "x none", "x lua", "cmd/req",
              "nginx us", "redis us", "cpu us/req"
       for (i = 2; i <= NR; i++)
         printf "%-12s %8.0f %9.2f %7.2f %7.2f %9.3f %10.2f %10.2f %10.2f\n",
                row[i], rps[i], p99[i] / 1000, rps[i] / base, rps[i] / lua,
                cmd[i], ngx[i], red[i], ngx[i] + red[i]
     }' "$bench/results"
# the ratios to the cached check round by round (each run against the
# cached run of its own round: the machine's noise comes in bursts that a
# ratio of medians taken from different rounds would mix in)
for peer in merchant service; do
    awk -v peer="$peer" '
        $1 == "cached" { c[++nc] = $2 }
        $1 == peer { p[++np] = $2 }
        END {
            if (nc == 0 || np == 0) exit
            n = nc < np ? nc : np
            for (i = 1; i <= n; i++) r[i] = p[i] / c[i]
            for (i = 1; i <= n; i++)         # sort the ratios
                for (j = i + 1; j <= n; j++)
                    if (r[j] < r[i]) { t = r[i]; r[i] = r[j]; r[j] = t }
            all = ""
            for (i = 1; i <= n; i++) all = all sprintf(" %.2f", r[i])
            printf "%s: %.2f x the cached session check (median of %d" \
                   " rounds; worst %.2f; each:%s; goal >= 0.9)\n",
                   peer == "merchant" ? "session acting for a merchant" \
                                      : "service-key check",
                   r[int((n + 1) / 2)], n, r[1], all
        }' "$bench/runs"
done
awk '$1 == "limit_req" { r = $2 } $1 == "limit_local" { l = $2 }
     $1 == "limit_global" { g = $2 } $1 == "none" { n = $2 }
     END { if (r && l && g)
               printf "rate limits: local %.2f x nginx limit_req, global" \
                      " %.2f x none\n", l / r, g / n }' "$bench/results"
awk -v a="$admitted" -v s="$sent" -v t0="$t0" -v t1="$t1" 'BEGIN {
    d = t1 - t0
    bound = int(d * 100) + 20 + 1
    printf "two gateways sharing one global limit (100 r/s, burst 20) for" \
           " %.2fs: %d sent, %d admitted, bound %d (%.3f of it)\n", d, s, a,
           bound, a / bound }'
echo "(merchant: cached, for sessions acting for a merchant on a line: the"
echo " merchant's record and the membership from the near-cache as well)"
echo "(service: a business line's server with its key, the key's record from"
echo " the near-cache, its secret's SHA-256 compared in constant time)"
echo "(cached: the same check as module, answered from the warm near-cache;"
echo " Redis is told nothing but the tracking canary, once a second)"
echo "(profile: GET /uc/v1/me/profile through the gateway into the backend,"
echo " served from the Redis cache; x none compares it with the unchecked row)"

echo
awk -v l="$logins" -v c="$ceiling" -v n="$cores" 'BEGIN {
    printf "password logins: %.1f/s through the gateway; argon2id (t=2, 19 MiB)" \
           " on %d threads: %.1f hashes/s; ratio %.2f\n", l, n, c, l / c }'

# --- sign-ups and logins per store, against the same ceiling
echo
"$top/tools/bench/stores.sh" "$bench" "$redis_port"

# --- sign-ins through WeChat and Alipay, against the stand-ins
echo
"$top/tools/bench/social.sh" "$bench" "$redis_port"


# --- document recognition: quality per field and condition, and time per
# image, beside the plain tesseract command on the same photos
echo
make -s -C "$top" ocr-quality
