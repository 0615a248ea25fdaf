#!/bin/sh
# Starts (or stops) the demo: a private Redis and nginx with conf/, all
# state under build/run. Loopback ports only; the system's services are
# never used.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
run=$top/build/run
redis_port=${UC_REDIS_PORT:-16379}
gateway_port=${UC_GATEWAY_PORT:-8080}
mall_port=${UC_MALL_PORT:-8081}
pay_port=${UC_PAY_PORT:-8082}
nginx=${NGINX:-/usr/sbin/nginx}

stop() {
    if [ -f "$run/logs/nginx.pid" ]; then
        "$nginx" -p "$run/" -c conf/nginx.conf -e logs/error.log -s quit \
            2>/dev/null || true
    fi
    if [ -f "$run/redis.pid" ]; then
        redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
        rm -f "$run/redis.pid"
    fi
    echo "stopped"
}

start() {
    mkdir -p "$run/logs" "$run/conf" "$run/temp"

    if [ ! -f "$run/keys" ]; then
        "$top/build/ucctl" keys generate "$run/keys" --kid demo1 >/dev/null
    fi

    sed -e "s|@TOP@|$top|g" -e "s|@RUN@|$run|g" \
        -e "s|@REDIS_PORT@|$redis_port|g" \
        -e "s|@GATEWAY_PORT@|$gateway_port|g" \
        -e "s|@MALL_PORT@|$mall_port|g" -e "s|@PAY_PORT@|$pay_port|g" \
        "$top/conf/nginx.conf.in" > "$run/conf/nginx.conf"

    cat > "$run/ucctl.conf" <<CONF
redis = 127.0.0.1:$redis_port
secret = $run/keys
CONF

    if ! redis-cli -p "$redis_port" ping >/dev/null 2>&1; then
        redis-server --port "$redis_port" --bind 127.0.0.1 \
            --daemonize yes --pidfile "$run/redis.pid" \
            --logfile "$run/logs/redis.log" --dir "$run" \
            --save 60 1000 --appendonly no
        tries=0
        until redis-cli -p "$redis_port" ping >/dev/null 2>&1; do
            tries=$((tries + 1))
            [ $tries -le 100 ] || { echo "redis did not start" >&2; exit 1; }
            sleep 0.05
        done
    fi

    if [ -f "$run/logs/nginx.pid" ] \
        && kill -0 "$(cat "$run/logs/nginx.pid")" 2>/dev/null
    then
        "$nginx" -p "$run/" -c conf/nginx.conf -e logs/error.log -s reload
    else
        "$nginx" -p "$run/" -c conf/nginx.conf -e logs/error.log
    fi

    ucctl="$top/build/ucctl --config $run/ucctl.conf"
    cat <<MSG

usercenter demo is running:
  gateway  http://127.0.0.1:$gateway_port   (business lines: mall, pay)
  redis    127.0.0.1:$redis_port
  logs     $run/logs/

Try it:
  curl -s http://127.0.0.1:$gateway_port/mall/items          # anonymous is fine
  curl -s http://127.0.0.1:$gateway_port/mall/cart           # 401 login_required

  TOKEN=\$($ucctl session create --user 10001 --level 2 --line mall,pay)
  curl -s -H "Authorization: Bearer \$TOKEN" http://127.0.0.1:$gateway_port/mall/cart
  curl -s --cookie "uc_session=\$TOKEN" http://127.0.0.1:$gateway_port/pay/orders
  curl -s -H "Authorization: Bearer \$TOKEN" http://127.0.0.1:$gateway_port/pay/transfer   # 403: level 3 needed

  $ucctl session revoke \$TOKEN
  curl -s -H "Authorization: Bearer \$TOKEN" http://127.0.0.1:$gateway_port/mall/cart   # 401 again

Stop it with: make stop
MSG
}

case "${1:-start}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
