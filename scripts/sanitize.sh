#!/bin/sh
# sanitize.sh [BUILDDIR] - the unit and simulated-host tests (make
# check) built with AddressSanitizer (leaks included) and
# UndefinedBehaviorSanitizer.  Builds from the distribution tarball in
# a directory of its own (default build-asan/), so an in-tree build
# stays as it is.  Exits with make check's status.
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$src/build-asan}
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
# $out is removed first: never the sources or anything above them.
case "$(cd "$(dirname "$out")" 2>/dev/null && pwd)/$(basename "$out")/" in
"$src"/*/) ;;
*) [ -d "$out" ] && [ -n "$(ls -A "$out" 2>/dev/null)" ] &&
       [ ! -f "$out/.xenshift-sanitize" ] &&
       { echo "sanitize: $out is not empty and not ours: refusing to remove it"; exit 2; } ;;
esac
if [ -d "$out" ]; then
    case "$src/" in "$(cd "$out" && pwd)/"*)
        echo "sanitize: $out holds the sources: refusing"; exit 2 ;;
    esac
fi
rm -rf "$out"
mkdir -p "$out" && touch "$out/.xenshift-sanitize"
cd "$src" || exit 1
# A fresh clone has no configure yet.
[ -x configure ] || { ./autogen.sh > "$out/autogen.log" 2>&1 ||
    { cat "$out/autogen.log"; exit 1; }; }
[ -f Makefile ] || { ./configure --quiet || exit 1; }
make --quiet dist > "$out/dist.log" 2>&1 || { cat "$out/dist.log"; exit 1; }
tarball=$(ls -t xenshift-*.tar.gz | head -n 1)
tar -C "$out" -xzf "$tarball" && rm -f "$tarball"
cd "$out"/xenshift-* || exit 1
./configure --quiet --enable-werror CFLAGS="-g -O1 $san" \
    LDFLAGS="$san" > "$out/configure.log" 2>&1 ||
    { cat "$out/configure.log"; exit 1; }
make -j2 --quiet > "$out/build.log" 2>&1 || { cat "$out/build.log"; exit 1; }
# Any sanitizer report fails the test that caused it.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    make -j2 check > "$out/check.log" 2>&1
rc=$?
grep '^# \(TOTAL\|PASS\|FAIL\|ERROR\)' "$out/check.log"
if [ $rc -ne 0 ]; then
    grep -l 'ERROR: \|runtime error\|^not ok' $(find . -name '*.log') 2>/dev/null |
        head -n 5 | while read -r f; do
            echo "--- $f"; grep -B 2 -A 25 'ERROR: \|runtime error\|^not ok' "$f" | head -n 60
        done
fi
exit $rc
