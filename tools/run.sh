#!/bin/sh
# Starts (or stops) the whole stack with conf/: a private Redis, the
# backend and nginx, all state under $UC_RUN_DIR (default build/run). The
# store is the SQLite file $UC_RUN_DIR/usercenter.db, or with
# STORE=postgresql a private PostgreSQL (tools/pg.sh: its data in
# $UC_PG_DIR, default /tmp/usercenter-pg-UID, port $UC_PG_PORT, default
# 16432), or whatever UC_STORE names.
# Loopback ports only; the system's services are never used. make test
# starts a second stack with its own directory and ports for end-to-end
# tests.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
run=${UC_RUN_DIR:-$top/build/run}
redis_port=${UC_REDIS_PORT:-16379}
gateway_port=${UC_GATEWAY_PORT:-8080}
mall_port=${UC_MALL_PORT:-8081}
pay_port=${UC_PAY_PORT:-8082}
backend_port=${UC_BACKEND_PORT:-8090}
standin_port=${UC_STANDIN_PORT:-8083}
provider_timeout=${UC_PROVIDER_TIMEOUT_MS:-5000}
nginx=${NGINX:-/usr/sbin/nginx}
quiet=${UC_QUIET:-0}

# A process that runs (a zombie, killed but not yet reaped, does not).
alive() {
    [ -r "/proc/$1/stat" ] && ! grep -q '^[0-9]* (.*) Z' "/proc/$1/stat"
}

stop() {
    if [ -f "$run/logs/nginx.pid" ]; then
        "$nginx" -p "$run/" -c conf/nginx.conf -e logs/error.log -s quit \
            2>/dev/null || true
    fi
    if [ -f "$run/backend.pid" ]; then
        pid=$(cat "$run/backend.pid")
        kill -TERM "$pid" 2>/dev/null || true
        tries=0
        while alive "$pid" && [ $tries -lt 100 ]; do
            tries=$((tries + 1))
            sleep 0.05
        done
        rm -f "$run/backend.pid"
    fi
    if [ -f "$run/standin.pid" ]; then
        kill -TERM "$(cat "$run/standin.pid")" 2>/dev/null || true
        rm -f "$run/standin.pid"
    fi
    if [ -f "$run/redis.pid" ]; then
        redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
        rm -f "$run/redis.pid"
    fi
    if [ -f "$run/pg.dir" ]; then
        "$top/tools/pg.sh" stop "$(cat "$run/pg.dir")"
        rm -f "$run/pg.dir"
    fi
    [ "$quiet" = 1 ] || echo "stopped"
}

wait_for() {
    # wait_for WHAT COMMAND...: until the command succeeds, 5 s at most
    what=$1
    shift
    tries=0
    until "$@" >/dev/null 2>&1; do
        tries=$((tries + 1))
        if [ $tries -gt 100 ]; then
            echo "run: $what did not come up; see $run/logs/" >&2
            exit 1
        fi
        sleep 0.05
    done
}

# The demo's provider credentials: WeChat app secrets, the app's Alipay key
# pair (its public half is the stand-in's to check requests with), the
# stand-in's own "Alipay" key pair (its public half is the backend's), an
# Alibaba Cloud AccessKey secret, and the certification key that seals ID
# numbers. Each made once, when missing.
social_keys() {
    dir="$run/social"
    (
        umask 077
        mkdir -p "$dir"
        for app in web app mini; do
            [ -f "$dir/wechat-$app.secret" ] && continue
            od -An -N16 -tx1 /dev/urandom | tr -d ' \n' > "$dir/wechat-$app.secret"
        done
        for who in alipay-app standin-alipay; do
            [ -f "$dir/$who-public.pem" ] && continue
            openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
                -out "$dir/$who-private.pem" 2>/dev/null
            openssl pkey -in "$dir/$who-private.pem" -pubout \
                -out "$dir/$who-public.pem"
        done
        [ -f "$dir/alipay-public.pem" ] \
            || cp "$dir/standin-alipay-public.pem" "$dir/alipay-public.pem"
        [ -f "$dir/seed" ] || head -c 32 /dev/urandom > "$dir/seed"
        [ -f "$dir/aliyun.secret" ] \
            || od -An -N15 -tx1 /dev/urandom | tr -d ' \n' > "$dir/aliyun.secret"
        [ -f "$dir/tencent.secret" ] \
            || od -An -N16 -tx1 /dev/urandom | tr -d ' \n' > "$dir/tencent.secret"
        [ -f "$dir/certification.key" ] \
            || od -An -N32 -tx1 /dev/urandom | tr -d ' \n' > "$dir/certification.key"
    )
}

start() {
    mkdir -p "$run/logs" "$run/conf" "$run/temp"

    case "${STORE:-sqlite}" in
    sqlite) ;;
    postgresql)
        if [ -z "${UC_STORE:-}" ]; then
            pg_dir=${UC_PG_DIR:-/tmp/usercenter-pg-$(id -u)}
            if ! UC_STORE=$("$top/tools/pg.sh" start "$pg_dir" \
                                "${UC_PG_PORT:-16432}")
            then
                echo "run: PostgreSQL did not start; see $pg_dir/" >&2
                exit 1
            fi
            echo "$pg_dir" > "$run/pg.dir"
        fi
        ;;
    *)
        echo "run: STORE is sqlite or postgresql, not $STORE" >&2
        exit 2
        ;;
    esac

    if [ ! -f "$run/keys" ]; then
        "$top/build/ucctl" keys generate "$run/keys" --kid demo1 >/dev/null
    fi

    if [ ! -f "$run/gateway-secret" ]; then
        (umask 077; od -An -N16 -tx1 /dev/urandom | tr -d ' \n' \
            > "$run/gateway-secret")
    fi
    gateway_secret=$(cat "$run/gateway-secret")

    social_keys

    render() {
        sed -e "s|@TOP@|$top|g" -e "s|@RUN@|$run|g" \
            -e "s|@REDIS_PORT@|$redis_port|g" \
            -e "s|@GATEWAY_PORT@|$gateway_port|g" \
            -e "s|@MALL_PORT@|$mall_port|g" -e "s|@PAY_PORT@|$pay_port|g" \
            -e "s|@BACKEND_PORT@|$backend_port|g" \
            -e "s|@STANDIN_PORT@|$standin_port|g" \
            -e "s|@PROVIDER_TIMEOUT_MS@|$provider_timeout|g" \
            -e "s|@PROVIDER_CALLS@|${UC_PROVIDER_CALLS:-32}|g" \
            -e "s|@PROVIDER_WAIT_MS@|${UC_PROVIDER_WAIT_MS:-1000}|g" \
            -e "s|@STORE@|${UC_STORE:-sqlite:$run/usercenter.db}|g" \
            -e "s|@GATEWAY_SECRET@|$gateway_secret|g" \
            -e "s|@ADMIN_USERS@|${UC_ADMIN_USERS:-1}|g" \
            -e "s|@ARGON2_T@|${UC_ARGON2_T:-2}|g" \
            -e "s|@ARGON2_M@|${UC_ARGON2_M:-19456}|g" \
            -e "s|@SOCIAL_LIMIT@|${UC_SOCIAL_LIMIT:-rate=2r/s burst=20}|g" \
            -e "s|@CERT_IMAGE_DECIDED_S@|${UC_CERT_IMAGE_DECIDED_S:-2592000}|g" \
            -e "s|@OCR_WORKERS@|${UC_OCR_WORKERS:-0}|g" \
            -e "s|@OCR_TIMEOUT_MS@|${UC_OCR_TIMEOUT_MS:-10000}|g" \
            -e "s|@OCR_LIMIT@|${UC_OCR_LIMIT:-rate=10r/m burst=10}|g" \
            -e "s|@GUARD_VELOCITY@|${UC_GUARD_VELOCITY:-ip=20 net=100 device=10 phone=5 email=5}|g" \
            "$1"
    }

    (umask 077; render "$top/conf/backend.conf.in" > "$run/backend.conf")
    render "$top/conf/nginx.conf.in" > "$run/conf/nginx.conf"

    cat > "$run/ucctl.conf" <<CONF
redis = 127.0.0.1:$redis_port
secret = $run/keys
api = http://127.0.0.1:$gateway_port
CONF

    if ! redis-cli -p "$redis_port" ping >/dev/null 2>&1; then
        redis-server --port "$redis_port" --bind 127.0.0.1 \
            --daemonize yes --pidfile "$run/redis.pid" \
            --logfile "$run/logs/redis.log" --dir "$run" \
            --save 60 1000 --appendonly no
        wait_for redis redis-cli -p "$redis_port" ping
    fi

    if [ ! -f "$run/standin.pid" ] || ! alive "$(cat "$run/standin.pid")"
    then
        # WeChat's and Alipay's stand-ins: slow-* users answer after the
        # backend's deadline
        nohup "$top/build/uc-standin" --listen "127.0.0.1:$standin_port" \
            --seed "$run/social/seed" \
            --wechat-app "wx5eb0000000000001:$(cat "$run/social/wechat-web.secret")" \
            --wechat-app "wx5eb0000000000002:$(cat "$run/social/wechat-app.secret")" \
            --wechat-app "wx5eb0000000000003:$(cat "$run/social/wechat-mini.secret")" \
            --alipay-app-id 2021000000000001 \
            --alipay-key "$run/social/standin-alipay-private.pem" \
            --app-public "$run/social/alipay-app-public.pem" \
            --aliyun-key "LTAIstandin0001:$(cat "$run/social/aliyun.secret")" \
            --tencent-key "AKIDstandin0001:$(cat "$run/social/tencent.secret")" \
            --slow-ms $((provider_timeout + 1000)) \
            >> "$run/logs/standin.log" 2>&1 &
        echo $! > "$run/standin.pid"
        wait_for standin curl -sf "http://127.0.0.1:$standin_port/health"
    fi

    if [ ! -f "$run/backend.pid" ] || ! alive "$(cat "$run/backend.pid")"
    then
        nohup "$top/build/uc-backend" -c "$run/backend.conf" \
            >> "$run/logs/backend.log" 2>&1 &
        echo $! > "$run/backend.pid"
        wait_for backend curl -sf "http://127.0.0.1:$backend_port/uc/v1/health"
    fi

    if [ -f "$run/logs/nginx.pid" ] && alive "$(cat "$run/logs/nginx.pid")"
    then
        "$nginx" -p "$run/" -c conf/nginx.conf -e logs/error.log -s reload
    else
        "$nginx" -p "$run/" -c conf/nginx.conf -e logs/error.log
    fi
    wait_for nginx curl -sf "http://127.0.0.1:$gateway_port/healthz"

    [ "$quiet" = 1 ] && return 0

    # the demo's mall line, with the return URL of the sign-ins through
    # WeChat and Alipay (a demo line without it is set again, as the demo's)
    admin="$top/build/ucctl --config $run/ucctl.conf"
    admin_token=$($admin session create --user "$(echo "${UC_ADMIN_USERS:-1}" | cut -d, -f1)" \
                  --level 2 2>/dev/null || true)
    back="http://127.0.0.1:$gateway_port/mall/"
    if [ -n "$admin_token" ] \
       && ! UC_TOKEN=$admin_token $admin line get mall 2>/dev/null \
            | grep -qF "\"$back\""
    then
        UC_TOKEN=$admin_token $admin line set mall --name Mall \
            --return-url "$back" >/dev/null \
            || echo "run: the demo's mall line was not set" >&2
    fi
    [ -n "$admin_token" ] && $admin session revoke "$admin_token" >/dev/null

    ucctl="$top/build/ucctl --config $run/ucctl.conf"
    gw="http://127.0.0.1:$gateway_port"
    cat <<MSG

usercenter is running:
  gateway  $gw   (business lines: mall, pay; API under /uc/v1/)
  backend  127.0.0.1:$backend_port, store ${UC_STORE:-$run/usercenter.db}
  redis    127.0.0.1:$redis_port
  logs     $run/logs/

Register and log in through the gateway (the dev sender keeps codes in Redis):
  curl -s -XPOST $gw/uc/v1/codes -H 'Content-Type: application/json' \\
       -d '{"to":"+8613800138000","purpose":"register"}'
  redis-cli -p $redis_port lrange 'uc:dev:outbox:+8613800138000' -1 -1
  curl -s -XPOST $gw/uc/v1/register -H 'Content-Type: application/json' \\
       -d '{"login":"+8613800138000","password":"secret123","code":"<code>"}'

Or mint a session directly and call the protected locations:
  TOKEN=\$($ucctl session create --user 10001 --level 2 --line mall,pay)
  curl -s -H "Authorization: Bearer \$TOKEN" $gw/mall/cart
  curl -s --cookie "uc_session=\$TOKEN" $gw/pay/orders
  curl -s -H "Authorization: Bearer \$TOKEN" $gw/pay/transfer      # 403: level 3 needed
  $ucctl session revoke \$TOKEN
  curl -s -H "Authorization: Bearer \$TOKEN" $gw/mall/cart         # 401 again

Feature flags and dictionaries (user 1 is the demo's administrator):
  export UC_TOKEN=\$($ucctl session create --user 1 --level 2)
  $ucctl flag set mall new_checkout --percent 50
  curl -s $gw/mall/                       # "flags" shows what the mall saw
  curl -s $gw/uc/v1/dict/regions | head -c 300

Business lines and their servers' keys (the same administrator's session):
  $ucctl line set mall --name Mall
  curl -s -XPOST $gw/uc/v1/admin/lines/mall/keys -H "Authorization: Bearer \$UC_TOKEN" \\
       -H 'Content-Type: application/json' -d '{"name":"demo"}'   # its secret, once
  curl -s $gw/uc/v1/service/users/<user id> -H "Authorization: UC-Key <key id>.<secret>"
  $ucctl line suspend mall                  # /mall/ answers 403 within a second
  $ucctl line resume mall

Merchants (a signed-up user's token in \$TOKEN):
  curl -s -XPOST $gw/uc/v1/merchants -H "Authorization: Bearer \$TOKEN" \\
       -H 'Content-Type: application/json' \\
       -d '{"kind":"individual","name":"Demo shop"}'        # pending; its id
  $ucctl merchant approve <id>; $ucctl merchant line <id> mall active
  curl -s -XPOST $gw/mall/uc/v1/session/merchant -H "Authorization: Bearer \$TOKEN" \\
       -H 'Content-Type: application/json' -d '{"merchant_id":"<id>"}'
  curl -s $gw/mall/merchant/orders -H "Authorization: Bearer \$TOKEN"   # its id and role
  $ucctl merchant freeze <id>               # the console answers 403 within a second

Sign in with WeChat or Alipay (the loopback stand-ins, 127.0.0.1:$standin_port):
open in a browser
  $gw/uc/v1/login/wechat?line=mall&return_to=$gw/mall/
  $gw/uc/v1/login/alipay?line=mall&return_to=$gw/mall/
pick a demo user on the provider's page; /mall/ then shows your user id.
From an app (the code an SDK would get, minted by the stand-in):
  code=\$(curl -s -XPOST '127.0.0.1:$standin_port/_standin/code?provider=wechat&appid=wx5eb0000000000002&user=alice')
  curl -s -XPOST $gw/uc/v1/login/wechat/app -H 'Content-Type: application/json' \\
       -d "{\\"code\\":\\"\$code\\",\\"line\\":\\"mall\\"}"

Certification (Alibaba Cloud's stand-in: 错* mismatch, 无* no record):
  curl -s -XPOST $gw/uc/v1/certification/person -H "Authorization: Bearer \$TOKEN" \\
       -H 'Content-Type: application/json' \\
       -d '{"name":"张三","id_number":"11010519491231002X"}'   # level 3 at once
  curl -s $gw/pay/transfer -H "Authorization: Bearer \$TOKEN"      # now 200
  $ucctl cert list                            # merchants' requests waiting for review

Recognition (photos from the generator: build/docgen --out /tmp/docs --count 3 --seed 1):
  curl -s -XPOST "$gw/uc/v1/ocr/id-card?side=front" -H "Authorization: Bearer \$TOKEN" \\
       -H 'Content-Type: image/png' --data-binary @/tmp/docs/0001-id_front-clean.png

Stop it with: make stop
MSG
}

case "${1:-start}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
