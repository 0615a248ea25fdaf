#!/bin/sh
# Installs the Debian packages the build, the demo and the tests need, and
# nothing when they are all present already. Package names are Debian 12's.
set -eu

packages="build-essential nginx nginx-dev libhiredis-dev libssl-dev
redis-server redis-tools curl perl tini wrk libnginx-mod-http-lua
lua-nginx-redis libmicrohttpd-dev libjansson-dev libsqlite3-dev
libargon2-dev sqlite3 iproute2 binutils libmaxminddb-dev
libmaxmind-db-writer-perl libcurl4-openssl-dev python3-stdnum
clang-14 libclang-rt-14-dev libfuzzer-14-dev libpq-dev postgresql-15
libpsl-dev publicsuffix openssl tzdata libleptonica-dev
libtesseract-dev tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-eng
libfreetype-dev pkg-config fonts-wqy-zenhei fonts-arphic-uming fonts-ocr-b"

missing=
for p in $packages; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'
    then
        missing="$missing $p"
    fi
done

# Node and npm run the interop checks against providers' official SDKs
# (test-only); any Node 18 or later will do, Debian's or another's
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    missing="$missing nodejs npm"
fi

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "deps: missing packages:$missing (run as root or apt-get install them)" >&2
    exit 1
fi

echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null

# Debian starts the packaged services on install; ours are private
# instances, so leave the system ones as they were before (stopped).
for svc in nginx redis-server postgresql; do
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        systemctl stop "$svc" 2>/dev/null || true
    fi
done
# without systemd the package may have started its cluster by itself
if command -v pg_ctlcluster >/dev/null 2>&1; then
    pg_ctlcluster 15 main stop 2>/dev/null || true
fi
