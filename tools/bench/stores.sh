#!/bin/sh
# Registrations and password logins per second on each store, straight to
# a backend with the production password cost (argon2id t=2, 19 MiB) and
# as many connections as cores, as a ratio to the raw argon2id rate of
# this machine (the ceiling: each sign-up hashes once, each login
# verifies once), measured right before and right after each store's runs
# (the higher of the two: the machine's noise comes in bursts, and a
# ceiling measured low would flatter the ratio). SQLite is a file;
# PostgreSQL a private server (tools/pg.sh), started and stopped here.
#
#   stores.sh DIR REDIS_PORT      (bench.sh calls it)
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
dir=$1/stores
redis_port=$2
duration=${BENCH_DURATION:-10}
cores=$(nproc)
port=${BENCH_STORE_PORT:-18097}
pg_port=$((port + 1))

rm -rf "$dir"
mkdir -p "$dir"
pg_dir=$(mktemp -d /tmp/uc-bench-pg.XXXXXX)
backend_pid=
cleanup() {
    if [ -n "$backend_pid" ]; then
        kill "$backend_pid" 2>/dev/null || true
        wait "$backend_pid" 2>/dev/null || true
    fi
    "$top/tools/pg.sh" stop "$pg_dir" || true
    rm -rf "$pg_dir"
}
trap cleanup EXIT INT TERM

ceiling() {
    "$top/build/argon2rate" 2 19456 "$cores" 5
}

# enough phones for the run at the ceiling, and half as many again
ceiling=$(ceiling)
count=$(awk -v c="$ceiling" -v d="$duration" \
        'BEGIN { printf "%d", c * (d + 4) * 1.5 + 50 }')
first=13700000000

: > "$dir/results"
for store in sqlite postgresql; do
    if [ "$store" = sqlite ]; then
        target="sqlite:$dir/bench.db"
    else
        target=$("$top/tools/pg.sh" start "$pg_dir" "$pg_port")
    fi

    cat > "$dir/backend-$store.conf" <<CONF
listen = 127.0.0.1:$port
store = $target
redis = 127.0.0.1:$redis_port
secret = $1/keys
gateway_secret = x
cookie_secure = 0
CONF
    "$top/build/uc-backend" -c "$dir/backend-$store.conf" \
        2> "$dir/backend-$store.log" &
    backend_pid=$!
    until curl -sf "http://127.0.0.1:$port/uc/v1/health" >/dev/null; do
        sleep 0.05
    done

    perl "$top/tools/bench/codes.pl" "http://127.0.0.1:$port" "$redis_port" \
        "$count" "$first" > "$dir/pairs-$store"
    first=$((first + count))

    # the first phone signs up here, to log in; the rest in the run
    read -r phone code < "$dir/pairs-$store"
    curl -sf -XPOST "http://127.0.0.1:$port/uc/v1/register" \
        -H 'Content-Type: application/json' \
        -d "{\"login\":\"$phone\",\"password\":\"bench-pass-1\",\"code\":\"$code\"}" \
        > /dev/null
    tail -n +2 "$dir/pairs-$store" > "$dir/pairs-$store.run"

    PAIRS="$dir/pairs-$store.run" wrk -t1 -c"$cores" -d"$duration"s \
        -s "$top/tools/bench/register.lua" \
        "http://127.0.0.1:$port/uc/v1/register" > "$dir/wrk-register-$store.txt"
    BODY="{\"login\":\"$phone\",\"password\":\"bench-pass-1\"}" \
        wrk -t1 -c"$cores" -d"$duration"s -s "$top/tools/bench/fixed.lua" \
        "http://127.0.0.1:$port/uc/v1/login" > "$dir/wrk-login-$store.txt"

    before=$ceiling
    ceiling=$(ceiling)
    best=$(awk -v a="$before" -v b="$ceiling" 'BEGIN { print (a > b ? a : b) }')

    for what in register login; do
        if ! grep -q '^RESULT.* errors=0 non2xx=0 ' "$dir/wrk-$what-$store.txt"
        then
            echo "bench: $what on $store had failures; see $dir/" >&2
            exit 1
        fi
    done

    echo "$store $(awk '/^Requests\/sec/ { print $2 }' \
                   "$dir/wrk-register-$store.txt") $(awk \
                   '/^Requests\/sec/ { print $2 }' "$dir/wrk-login-$store.txt") $best" \
        >> "$dir/results"

    kill "$backend_pid"
    wait "$backend_pid" 2>/dev/null || true
    backend_pid=
done

awk -v n="$cores" 'BEGIN {
        printf "stores: straight to the backend, %d connections; the ceiling:" \
               " argon2id (t=2, 19 MiB) hashes/s on %d threads, the higher" \
               " of before and after the store'"'"'s runs\n", n, n
        printf "%-12s %10s %12s %8s %10s %8s\n", "store", "ceiling",
               "sign-ups/s", "x ceil", "logins/s", "x ceil" }
     { printf "%-12s %10.1f %12.1f %8.2f %10.1f %8.2f\n", $1, $4, $2,
              $2 / $4, $3, $3 / $4 }' "$dir/results"
