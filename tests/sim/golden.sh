#!/bin/sh
# golden.sh [--update] - golden tests of the xenshift command on the
# simulated host.  Each case is a folder tests/sim/cases/NAME with
#   cmd           the arguments after "xenshift", one line
#                 (@SRC@ = the source tree; plain words, no quoting)
#   expected.out  standard output
#   expected.err  standard error (optional: missing means empty)
#   expected.rc   the exit code
# Every case runs with TZ=UTC LC_ALL=C, from an empty directory, with
# neither stdin nor stdout a terminal.  A case whose cmd has -j or
# --json gets a fourth test: its stdout is exactly one JSON document
# (with "ok": false and an "error" on exit 1), or empty on exit 2
# (tests/sim/json-one).  Then one check runs apply under
# a pseudo-terminal (script(1)) for the \r status line.
# Prints TAP.  --update rewrites the expected files: review the diff.
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${top_builddir:-$src}
bin="$build/xenshift"
update=0
[ "${1:-}" = "--update" ] && update=1

if [ ! -x "$bin" ]; then
    echo "Bail out! no xenshift binary at $bin (run make first)"
    exit 1
fi

TZ=UTC LC_ALL=C
export TZ LC_ALL
unset LANG LANGUAGE COLUMNS 2>/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cases=$(ls -d "$src"/tests/sim/cases/*/ | sort)
json_one="$build/tests/sim/json-one"
is_json() { grep -qE '(^| )(-j|--json)( |$)' "$1/cmd"; }
n=1                             # the terminal check
for c in $cases; do
    n=$((n + 3))
    is_json "$c" && n=$((n + 1))
done
echo "1..$n"

i=0
for c in $cases; do
    c=${c%/}
    name=$(basename "$c")
    args=$(sed "s|@SRC@|$src|g" "$c/cmd")
    mkdir "$tmp/cwd"
    # Word splitting of args is wanted: cmd holds plain words.
    # shellcheck disable=SC2086
    (cd "$tmp/cwd" && "$bin" $args) > "$tmp/out" 2> "$tmp/err" < /dev/null
    rc=$?
    rm -rf "$tmp/cwd"
    sed -i "s|$src|@SRC@|g" "$tmp/out" "$tmp/err"
    if [ $update = 1 ]; then
        cp "$tmp/out" "$c/expected.out"
        if [ -s "$tmp/err" ]; then
            cp "$tmp/err" "$c/expected.err"
        else
            rm -f "$c/expected.err"
        fi
        echo "$rc" > "$c/expected.rc"
    fi
    [ -f "$c/expected.err" ] || : > "$tmp/expected.err"
    for what in out err; do
        i=$((i + 1))
        want="$c/expected.$what"
        [ -f "$want" ] || want="$tmp/expected.$what"
        if cmp -s "$tmp/$what" "$want"; then
            echo "ok $i - $name: std$what"
        else
            echo "not ok $i - $name: std$what differs"
            diff -u "$want" "$tmp/$what" | sed 's/^/# /'
        fi
    done
    i=$((i + 1))
    want=$(cat "$c/expected.rc" 2>/dev/null)
    if [ "$rc" = "$want" ]; then
        echo "ok $i - $name: exit $rc"
    else
        echo "not ok $i - $name: exit $rc, expected $want"
    fi
    is_json "$c" || continue
    i=$((i + 1))
    if [ ! -x "$json_one" ]; then
        echo "ok $i - $name: one JSON document # SKIP no $json_one"
    elif why=$("$json_one" "$rc" < "$tmp/out"); then
        echo "ok $i - $name: one JSON document"
    else
        echo "not ok $i - $name: not one JSON document: $why"
    fi
done

# On a terminal apply rewrites one status line with \r showing every
# domain whose memory moves (here vm2 and vm3 shrink at once), and the
# step lines are the same as without a terminal.
i=$((i + 1))
what="apply on a terminal: one status line, rewritten, with every moving domain"
if ! command -v script > /dev/null 2>&1; then
    echo "ok $i - $what # SKIP script(1) not installed"
    exit 0
fi
args="--sim $src/examples/fig9-host.json -c $src/tests/sim/data/squeeze.json"
"$bin" $args apply squeeze > "$tmp/plain" 2>&1 < /dev/null
script -qec "'$bin' $args apply squeeze" /dev/null > "$tmp/tty" 2>&1 \
    < /dev/null
esc=$(printf '\033')
cr=$(printf '\r')
# The tty ends lines with \r\n; a step line comes after the last
# "\r ESC[K" that wiped the status line.
tr -d '\r' < "$tmp/tty" > "$tmp/lines"
sed "s/$cr\$//; s/.*$esc\\[K//" "$tmp/tty" > "$tmp/steps"
if grep -q "$esc\\[K\\[ *[0-9.]*s\\] *vm2 at [0-9.]* MiB (to 64 MiB), vm3 at" \
        "$tmp/lines" &&
   ! grep -q "$esc" "$tmp/plain" && ! grep -q "$cr" "$tmp/plain" &&
   cmp -s "$tmp/plain" "$tmp/steps"; then
    echo "ok $i - $what"
else
    echo "not ok $i - $what"
    diff -u "$tmp/plain" "$tmp/steps" | sed 's/^/# /'
    grep -c "vm3 at" "$tmp/lines" | sed 's/^/# status lines with vm3: /'
fi
