#!/bin/sh
# Interop checks against providers' official SDKs (test-only npm
# packages, pinned by t/interop/package-lock.json and installed under
# build/interop), run against the stand-ins of the stack tools/test.sh
# started: UC_RUN_DIR and UC_STANDIN_PORT name them.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
dir="$top/build/interop"

mkdir -p "$dir"
if ! cmp -s "$top/t/interop/package-lock.json" "$dir/package-lock.json" \
    || [ ! -d "$dir/node_modules" ]
then
    cp "$top/t/interop/package.json" "$top/t/interop/package-lock.json" "$dir/"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
fi

# the SDK stamps its requests in the machine's time zone: Beijing's here
UC_INTEROP_DIR="$dir" TZ=Asia/Shanghai \
    prove --exec node "$top"/t/interop/*.mjs
