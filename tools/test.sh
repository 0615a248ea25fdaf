#!/bin/sh
# Runs every suite against private instances: a redis-server on a loopback
# port of its own and the nginx instances Test::Nginx starts under
# build/test. Nothing of the system's services is used or touched.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

work=$top/build/test
redis_port=${UC_TEST_REDIS_PORT:-16390}
nginx_port=${UC_TEST_NGINX_PORT:-19840}

rm -rf "$work"
mkdir -p "$work"

# the end-to-end stack: conf/ as "make run" serves it, on its own ports
export UC_RUN_DIR="$work/stack"
export UC_REDIS_PORT=${UC_TEST_STACK_REDIS_PORT:-16391}
export UC_GATEWAY_PORT=$((nginx_port + 20))
export UC_MALL_PORT=$((nginx_port + 21))
export UC_PAY_PORT=$((nginx_port + 22))
export UC_BACKEND_PORT=$((nginx_port + 23))
export UC_STANDIN_PORT=$((nginx_port + 24))
# the stand-ins' slow users answer a second after this deadline
export UC_PROVIDER_TIMEOUT_MS=1000
# four provider calls at once, a short wait for one: the bound is testable
export UC_PROVIDER_CALLS=4 UC_PROVIDER_WAIT_MS=200
# the suites sign in through WeChat and Alipay many times a second from
# one address
export UC_SOCIAL_LIMIT="rate=500r/s burst=1000"
export UC_OCR_LIMIT="rate=500r/s burst=1000"
# a licence photo is deleted as soon as its request is decided
export UC_CERT_IMAGE_DECIDED_S=0
# a photo's deadline (and an upload's) short enough to test a slow one
export UC_OCR_TIMEOUT_MS=3000
export UC_ADMIN_USERS=1
# real argon2id, at a test-sized cost
export UC_ARGON2_T=1 UC_ARGON2_M=8192
# the e2e suites sign up hundreds of users from 127.0.0.1: velocity is
# tested by t/100-guard.t, not here
export UC_GUARD_VELOCITY="ip=0 net=0 device=0 phone=0 email=0"
export UC_QUIET=1
export TOP="$top"

redis_pid=
pg_dir=
cleanup() {
    "$top/tools/run.sh" stop >/dev/null 2>&1 || true
    UC_RUN_DIR="$work/stack-pg" "$top/tools/run.sh" stop >/dev/null 2>&1 \
        || true
    if [ -n "$pg_dir" ]; then
        "$top/tools/pg.sh" stop "$pg_dir" || true
        rm -rf "$pg_dir"
    fi
    if [ -n "$redis_pid" ]; then
        kill "$redis_pid" 2>/dev/null || true
        wait "$redis_pid" 2>/dev/null || true
    fi
}
trap cleanup EXIT INT TERM

redis-server --port "$redis_port" --bind 127.0.0.1 --save '' \
    --appendonly no --dir "$work" --logfile "$work/redis.log" &
redis_pid=$!

tries=0
until redis-cli -p "$redis_port" ping >/dev/null 2>&1; do
    tries=$((tries + 1))
    if [ $tries -gt 100 ] || ! kill -0 "$redis_pid" 2>/dev/null; then
        echo "test: redis-server did not start on port $redis_port" >&2
        cat "$work/redis.log" >&2
        exit 1
    fi
    sleep 0.05
done

"$top/build/ucctl" keys generate "$work/keys" --kid test1 >/dev/null

export TEST_NGINX_BINARY=${TEST_NGINX_BINARY:-/usr/sbin/nginx}
export TEST_NGINX_LOAD_MODULES="${UC_MODULE:-$top/build/nginx/ngx_http_usercenter_module.so}"
export TEST_NGINX_SERVROOT="$work/servroot"
export TEST_NGINX_PORT="$nginx_port"
export TEST_NGINX_ECHO_PORT=$((nginx_port + 1))
export TEST_NGINX_REDIS_PORT="$redis_port"
export TEST_NGINX_SECRET="$work/keys"
export TEST_NGINX_UCCTL="$top/build/ucctl"
export TEST_NGINX_WORK="$work"

# The project's runner only where the real Test::Nginx is absent.
if ! perl -MTest::Nginx::Socket -e1 2>/dev/null; then
    export PERL5LIB="$top/t/lib${PERL5LIB:+:$PERL5LIB}"
fi

reaper=
if command -v tini >/dev/null 2>&1; then
    reaper="tini -s --"
fi

status=0

# every saved fuzzing input once, under the sanitizers: a crash fixed
# stays fixed (make fuzz finds new ones)
for bin in build/fuzz/*; do
    [ -x "$bin" ] || continue
    t=$(basename "$bin")
    corpus=t/fuzz/corpus/$t
    if [ ! -d "$corpus" ] || [ -z "$(ls "$corpus")" ]; then
        echo "fuzz replay: $t has no saved corpus" >&2
        status=1
        continue
    fi
    if "$bin" -runs=0 "$corpus" > "$work/fuzz-$t.log" 2>&1; then
        echo "fuzz replay: $t, $(ls "$corpus" | wc -l) inputs, ok"
    else
        echo "fuzz replay: $t FAILED" >&2
        tail -30 "$work/fuzz-$t.log" >&2
        status=1
    fi
done

$reaper prove --exec '' build/t/*.t || status=1
$reaper prove ${PROVE_FLAGS:-} t/*.t || status=1

# the end-to-end suites on each store: SQLite (the embedded default), then
# a private PostgreSQL (tools/pg.sh: its own data, socket and port)
echo "end-to-end on SQLite"
if "$top/tools/run.sh" start; then
    $reaper prove ${PROVE_FLAGS:-} t/e2e/*.t || status=1
    # the official Alipay SDK against the stand-in (npm, test-only)
    "$top/tools/interop.sh" || status=1
else
    status=1
fi
"$top/tools/run.sh" stop

pg_dir=$(mktemp -d /tmp/uc-test-pg.XXXXXX)
pg_port=${UC_TEST_PG_PORT:-$((nginx_port + 30))}
echo "end-to-end on PostgreSQL (127.0.0.1:$pg_port)"
if UC_STORE=$("$top/tools/pg.sh" start "$pg_dir" "$pg_port"); then
    # the store's unit tests again, each on a database of its own, and
    # the driver's faults (it stops, starts and freezes this server)
    echo "store unit tests on PostgreSQL"
    for t in t/store t/serials t-pg/store_faults; do
        name=unit_$(basename "$t")
        if db=$("$top/tools/pg.sh" createdb "$pg_dir" "$pg_port" "$name")
        then
            UC_TEST_STORE=$db UC_PG_DIR=$pg_dir UC_PG_PORT=$pg_port \
                $reaper prove --exec '' "build/$t.t" || status=1
        else
            status=1
        fi
    done

    export UC_STORE
    export UC_RUN_DIR="$work/stack-pg"
    # t/pg/: what needs the server itself (more backends, a restart)
    export UC_PG_DIR="$pg_dir" UC_PG_PORT="$pg_port"
    if "$top/tools/run.sh" start; then
        $reaper prove ${PROVE_FLAGS:-} t/e2e/*.t t/pg/*.t || status=1
    else
        status=1
    fi
    "$top/tools/run.sh" stop
else
    echo "test: PostgreSQL did not start; see $pg_dir" >&2
    status=1
fi

# test-asan: any report the sanitizer wrote fails the run
if [ -n "${UC_ASAN_LOG:-}" ]; then
    for f in "$UC_ASAN_LOG".*; do
        [ -e "$f" ] || continue
        echo "AddressSanitizer report: $f" >&2
        cat "$f" >&2
        status=1
    done
fi

exit $status
