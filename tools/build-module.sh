#!/bin/sh
# Builds ngx_http_usercenter_module.so against Debian's packaged nginx
# (package nginx-dev): the same configure flags as /usr/sbin/nginx, so the
# module's binary signature matches and load_module accepts it.
# Usage: tools/build-module.sh <build dir>
# UC_MODULE_CFLAGS adds compiler flags (make test-asan uses it).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build/nginx}
src=/usr/share/nginx/src

if [ ! -f "$src/conf_flags" ]; then
    echo "build-module: $src/conf_flags is missing; apt-get install nginx-dev" >&2
    exit 1
fi

mkdir -p "$build"
build=$(cd "$build" && pwd)

# conf_flags is a bash array; read it in bash and hand it back one per line
flags=$(bash -c '. "$1"/conf_flags; printf "%s\n" "${NGX_CONF_FLAGS[@]}"' _ "$src")

cflags="$(dpkg-buildflags --get CFLAGS) -fPIC ${UC_MODULE_CFLAGS:-}"
ldflags="$(dpkg-buildflags --get LDFLAGS)"

stamp="$build/.configured"
if [ ! -f "$stamp" ] || [ "$top/config" -nt "$stamp" ]; then
    (
        cd "$src"
        # shellcheck disable=SC2086
        IFS='
'
        ./configure $flags \
            --with-cc-opt="$cflags" --with-ld-opt="$ldflags" \
            --add-dynamic-module="$top" --builddir="$build" \
            > "$build/configure.log" 2>&1
    ) || { cat "$build/configure.log" >&2; exit 1; }
    touch "$stamp"
fi

make -s -f "$build/Makefile" -C "$src" modules
echo "built $build/ngx_http_usercenter_module.so"
