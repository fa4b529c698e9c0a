#!/bin/sh
# fuzz.sh [SECONDS] - build the libFuzzer targets of tests/fuzz/ with
# clang under AddressSanitizer and UndefinedBehaviorSanitizer, and run
# each for SECONDS (default 60) from a copy of its seed corpus.  Prints
# one line per target; on a crash, the input and the report, and exits
# 1.  Builds in build-fuzz/ (or $XENSHIFT_FUZZ_BUILD); leaves the source
# tree as it was.  A crash found becomes a file in tests/fuzz/regress/
# TARGET/, which every later run replays first.
set -u
secs=${1:-60}
src=$(cd "$(dirname "$0")/.." && pwd)
out=${XENSHIFT_FUZZ_BUILD:-$src/build-fuzz}
cc=${CC_FUZZ:-clang}
command -v "$cc" >/dev/null || { echo "fuzz: $cc is missing (apt-get install clang)"; exit 1; }
mkdir -p "$out"
flags="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
yajl_cflags=$(pkg-config --cflags yajl)
yajl_libs=$(pkg-config --libs yajl)
core="base/err base/cpumap base/units base/json base/json_syntax
      base/json_write config/schedule config/table config/table_host
      run/request hv/numadump"
inc=$(for d in base config policy run hv; do echo "-I$src/lib/$d"; done)
status=0
for target in table cron json request numadump; do
    bin=$out/fuzz_$target
    # shellcheck disable=SC2086
    if ! "$cc" $flags $inc $yajl_cflags -o "$bin" \
        "$src/tests/fuzz/fuzz_$target.c" \
        $(for m in $core; do echo "$src/lib/$m.c"; done) $yajl_libs \
        > "$out/build-$target.log" 2>&1; then
        echo "fuzz_$target: does not build:"; cat "$out/build-$target.log"
        status=1; continue
    fi
    # Earlier finds first: each must stay fixed.
    reg=$src/tests/fuzz/regress/$target
    if [ -d "$reg" ] && [ -n "$(ls -A "$reg" 2>/dev/null)" ]; then
        if ! "$bin" -runs=0 "$reg"/* > "$out/regress-$target.log" 2>&1; then
            echo "fuzz_$target: a regression input crashes again:"
            tail -n 30 "$out/regress-$target.log"
            status=1; continue
        fi
    fi
    rm -f "$out"/crash-"$target"-*     # name only this run's find
    corpus=$(mktemp -d)
    cp "$src/tests/fuzz/corpus/$target/"* "$corpus/"
    if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 \
        -artifact_prefix="$out/crash-$target-" -print_final_stats=1 \
        "$corpus" > "$out/run-$target.log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/run-$target.log")
        echo "fuzz_$target: ${runs:-?} runs in $secs s, $(ls "$corpus" | wc -l) inputs in the corpus, no crash"
    else
        echo "fuzz_$target: CRASH; input kept as $(ls "$out"/crash-"$target"-* 2>/dev/null | head -n 1)"
        grep -A 30 "ERROR: \|runtime error\|deadly signal" "$out/run-$target.log" | head -n 40
        status=1
    fi
    rm -rf "$corpus"
done
exit $status
