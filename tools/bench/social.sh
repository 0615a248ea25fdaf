#!/bin/sh
# Sign-ins through WeChat and Alipay, from the provider's callback to the
# session: a backend (SQLite) against the loopback stand-ins, COUNT
# callbacks (callbacks.pl), each with its state (in Redis, bound to the
# browser's cookie) and a fresh code, as browsers coming back from the
# provider's page would. Printed per row: sign-ins/s, p99, and the CPU time
# per sign-in of the backend, the stand-in and Redis, with the stand-in's
# share (the provider's work, which production does not pay for).
#
#   social.sh DIR REDIS_PORT      (bench.sh calls it)
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
dir=$1/social
redis_port=$2
count=${BENCH_SOCIAL_COUNT:-10000}
connections=${BENCH_SOCIAL_CONNECTIONS:-16}
port=${BENCH_SOCIAL_PORT:-18099}
standin_port=$((port + 1))
hz=$(getconf CLK_TCK)

rm -rf "$dir"
mkdir -p "$dir"
backend_pid=
standin_pid=
cleanup() {
    for pid in $backend_pid $standin_pid; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
}
trap cleanup EXIT INT TERM

(
    umask 077
    for app in web app mini; do
        od -An -N16 -tx1 /dev/urandom | tr -d ' \n' > "$dir/wechat-$app.secret"
    done
    for who in app standin; do
        openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
            -out "$dir/$who-private.pem" 2>/dev/null
        openssl pkey -in "$dir/$who-private.pem" -pubout -out "$dir/$who-public.pem"
    done
    head -c 32 /dev/urandom > "$dir/seed"
)

"$top/build/uc-standin" --listen "127.0.0.1:$standin_port" --seed "$dir/seed" \
    --wechat-app "wxbe0c000000000001:$(cat "$dir/wechat-web.secret")" \
    --alipay-app-id 2021000000000009 --alipay-key "$dir/standin-private.pem" \
    --app-public "$dir/app-public.pem" 2> "$dir/standin.log" &
standin_pid=$!

s="http://127.0.0.1:$standin_port"
cat > "$dir/backend.conf" <<CONF
listen = 127.0.0.1:$port
store = sqlite:$dir/usercenter.db
redis = 127.0.0.1:$redis_port
secret = $1/keys
gateway_secret = x
cookie_secure = 0
social_public_url = http://127.0.0.1:$port
wechat_api = $s
wechat_open = $s
wechat_web_appid = wxbe0c000000000001
wechat_web_secret_file = $dir/wechat-web.secret
alipay_gateway = $s/gateway.do
alipay_authorize = $s/oauth2/publicAppAuthorize.htm
alipay_app_id = 2021000000000009
alipay_private_key = $dir/app-private.pem
alipay_public_key = $dir/standin-public.pem
provider_calls = 64
CONF
"$top/build/uc-backend" -c "$dir/backend.conf" 2> "$dir/backend.log" &
backend_pid=$!
until curl -sf "http://127.0.0.1:$port/uc/v1/health" >/dev/null \
      && curl -sf "$s/health" >/dev/null; do
    sleep 0.05
done

redis_pid=$(redis-cli -p "$redis_port" info server \
            | awk -F: '/^process_id/ { print $2 + 0 }')
cookie=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | cut -c1-43)

ticks() {
    awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# callbacks FILE PROVIDER APPID USER USERS N
callbacks() {
    perl "$top/tools/bench/social.pl" "$s" "$redis_port" "$2" "$3" "$4" \
        "$5" "$6" "$cookie" > "$1"
}

# run ROW FILE: every callback of FILE sent, the CPU each process used
run() {
    b0=$(ticks "$backend_pid"); s0=$(ticks "$standin_pid")
    r0=$(ticks "$redis_pid")
    perl "$top/tools/bench/callbacks.pl" "127.0.0.1:$port" "$2" "$cookie" \
        "$connections" > "$dir/run-$1.txt"
    b1=$(ticks "$backend_pid"); s1=$(ticks "$standin_pid")
    r1=$(ticks "$redis_pid")
    read -r ok bad t p99 < "$dir/run-$1.txt"
    if [ "$bad" -ne 0 ]; then
        echo "bench: $1: $ok sign-ins, $bad refused; see $dir/" >&2
        exit 1
    fi
    [ "$1" = warm ] && return 0
    awk -v row="$1" -v ok="$ok" -v t="$t" -v p99="$p99" \
        -v b="$((b1 - b0))" -v st="$((s1 - s0))" -v r="$((r1 - r0))" \
        -v hz="$hz" 'BEGIN {
        us = 1000000 / hz / ok
        printf "%-24s %9.0f %9.2f %11.0f %11.0f %9.0f %9.0f%%\n", row, ok / t,
               p99 / 1000, b * us, st * us, r * us,
               100 * st / (b + st + r) }' >> "$dir/results"
}

: > "$dir/results"

# new accounts: every callback a user never seen
callbacks "$dir/new.txt" wechat wxbe0c000000000001 bnew "$count" "$count"
run "wechat, new accounts" "$dir/new.txt"

# returning users (the common case): 1,000 of them, each signed in once
# before the measured run
for p in wechat alipay; do
    app=$([ "$p" = wechat ] && echo wxbe0c000000000001 || echo 2021000000000009)
    callbacks "$dir/warm-$p.txt" "$p" "$app" "back$p" 1000 1000
    run warm "$dir/warm-$p.txt"
    callbacks "$dir/back-$p.txt" "$p" "$app" "back$p" 1000 "$count"
    run "$p, returning users" "$dir/back-$p.txt"
done

echo "sign-ins from the provider's callback to the session (backend on SQLite"
echo "straight, $connections connections, $count callbacks a row; WeChat: code"
echo "exchange + userinfo, Alipay: oauth.token + user.info.share, RSA2 both ways)"
printf "%-24s %9s %9s %11s %11s %9s %10s\n" "row" "sign-in/s" "p99 (ms)" \
    "backend us" "stand-in us" "redis us" "stand-in"
cat "$dir/results"
