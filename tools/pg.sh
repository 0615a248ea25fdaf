#!/bin/sh
# A private PostgreSQL for the tests and the demo: its own data directory,
# socket directory and loopback port, never the system cluster. PostgreSQL
# refuses to run as root, so it runs as the "postgres" user the Debian
# package creates, in a directory of its own under /tmp (a checkout's
# folders may not be open to that user).
#
#   tools/pg.sh start DIR PORT          prints the store URI
#   tools/pg.sh createdb DIR PORT NAME  a new empty database; its URI
#   tools/pg.sh stop DIR
set -eu

bin=/usr/lib/postgresql/15/bin
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

case $1 in
start)
    dir=$2
    port=$3
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    cd "$dir"       # a folder the postgres user may be in
    if [ ! -d "$dir/data" ]; then
        as_pg "$bin/initdb" -D "$dir/data" -A trust -U uc -E UTF8 \
            --no-sync >"$dir/initdb.log" 2>&1
    fi
    # started already (a second "make run"): as it is
    if ! as_pg "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
        as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
            -o "-k $dir -p $port -c listen_addresses=127.0.0.1 -c fsync=off" \
            start >/dev/null
    fi
    as_pg "$bin/psql" -h "$dir" -p "$port" -U uc -d postgres -qAt \
        -c "SELECT 1 FROM pg_database WHERE datname = 'usercenter'" \
        | grep -q 1 \
        || as_pg "$bin/createdb" -h "$dir" -p "$port" -U uc usercenter
    echo "postgresql://uc@127.0.0.1:$port/usercenter"
    ;;
createdb)
    cd "$2"
    as_pg "$bin/createdb" -h "$2" -p "$3" -U uc "$4"
    echo "postgresql://uc@127.0.0.1:$3/$4"
    ;;
stop)
    dir=$2
    cd /
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    fi
    ;;
*)
    echo "usage: $0 start DIR PORT | createdb DIR PORT NAME | stop DIR" >&2
    exit 2
    ;;
esac
