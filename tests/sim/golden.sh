#!/bin/sh
# golden.sh [--update] - golden tests of the xenshift command on the
# simulated host.  Each case is a folder tests/sim/cases/NAME with
#   cmd           the arguments after "xenshift" (@SRC@ = the source tree)
#   expected.out  standard output
#   expected.err  standard error
#   expected.rc   the exit code
# Prints TAP.  --update rewrites the expected files (review the diff).
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${top_builddir:-$src}
bin="$build/xenshift"
update=0
[ "${1:-}" = "--update" ] && update=1

export TZ=UTC LC_ALL=C
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cases=$(ls -d "$src"/tests/sim/cases/*/ | sort)
n=0
for c in $cases; do n=$((n + 3)); done
echo "1..$n"

i=0
for c in $cases; do
    name=$(basename "$c")
    args=$(sed "s|@SRC@|$src|g" "$c/cmd")
    # Word splitting of args is wanted: cmd holds plain words.
    # shellcheck disable=SC2086
    (cd "$tmp" && "$bin" $args) > "$tmp/out" 2> "$tmp/err" < /dev/null
    rc=$?
    sed -i "s|$src|@SRC@|g" "$tmp/out" "$tmp/err"
    if [ $update = 1 ]; then
        cp "$tmp/out" "$c/expected.out"
        cp "$tmp/err" "$c/expected.err"
        echo "$rc" > "$c/expected.rc"
    fi
    for what in out err; do
        i=$((i + 1))
        if cmp -s "$tmp/$what" "$c/expected.$what"; then
            echo "ok $i - $name: std$what"
        else
            echo "not ok $i - $name: std$what differs"
            diff -u "$c/expected.$what" "$tmp/$what" | sed 's/^/# /'
        fi
    done
    i=$((i + 1))
    want=$(cat "$c/expected.rc")
    if [ "$rc" = "$want" ]; then
        echo "ok $i - $name: exit $rc"
    else
        echo "not ok $i - $name: exit $rc, expected $want"
    fi
done
