#!/bin/sh
# make fuzz: runs each libFuzzer target for SECONDS on a scratch corpus
# seeded with the saved one, one target per core at a time, then merges
# what it found, minimised, into t/fuzz/corpus/<target>. A crash stops
# the run with the crashing input under build/fuzz/crashes/.
#
#   tools/fuzz.sh SECONDS TARGET...
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

seconds=$1
shift
jobs=$(nproc)
work=build/fuzz/work
crashes=build/fuzz/crashes
mkdir -p "$work" "$crashes"

run_one() {
    t=$1
    mkdir -p "t/fuzz/corpus/$t" "$work/$t"
    echo "fuzz: $t for ${seconds}s"
    if ! "build/fuzz/$t" -max_total_time="$seconds" -timeout=10 \
            -rss_limit_mb=2048 -max_len=20000 \
            -artifact_prefix="$crashes/$t-" \
            "$work/$t" "t/fuzz/corpus/$t" > "$work/$t.log" 2>&1
    then
        echo "fuzz: $t FOUND A CRASH; see $work/$t.log and $crashes/" >&2
        tail -40 "$work/$t.log" >&2
        return 1
    fi
    tail -1 "$work/$t.log"
}

status=0
set -- "$@"
while [ $# -gt 0 ]; do
    pids=
    i=0
    while [ $# -gt 0 ] && [ $i -lt "$jobs" ]; do
        run_one "$1" &
        pids="$pids $!"
        shift
        i=$((i + 1))
    done
    for p in $pids; do
        wait "$p" || status=1
    done
done

# keep what widened coverage, minimised, in the saved corpora
for d in "$work"/*/; do
    t=$(basename "$d")
    mkdir -p "$work/merged-$t"
    "build/fuzz/$t" -merge=1 "$work/merged-$t" "t/fuzz/corpus/$t" "$d" \
        > "$work/$t.merge.log" 2>&1 || status=1
    rm -rf "t/fuzz/corpus/$t"
    mv "$work/merged-$t" "t/fuzz/corpus/$t"
    echo "fuzz: $t corpus $(ls "t/fuzz/corpus/$t" | wc -l) inputs"
done

exit $status
