#!/bin/sh
# docs.sh - the help and the man page say the same (issue 16: --floor's
# default differed, schedule -j was undocumented).  Every long option a
# command's -h lists is in xenshift(1), and the defaults both state
# agree with the code's.  Prints TAP.
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${top_builddir:-$src}
bin="$build/xenshift"
man="$src/docs/xenshift.1"
commands="check phases plan apply mem-move status schedule recover show"
LC_ALL=C
export LC_ALL

if [ ! -x "$bin" ]; then
    echo "Bail out! no xenshift binary at $bin (run make first)"
    exit 1
fi
echo "1..4"

missing=""
for c in $commands; do
    for o in $("$bin" "$c" -h | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
        # groff writes each '-' as '\-'
        esc=$(printf '%s' "$o" | sed 's/-/\\-/g')
        grep -qF -- "$esc" "$man" || missing="$missing $c:$o"
    done
done
if [ -z "$missing" ]; then
    echo "ok 1 - every command's long options are in xenshift.1"
else
    echo "not ok 1 - options missing from xenshift.1:$missing"
fi

# mem-move's --floor default: three quarters in the code (move_floor).
if "$bin" mem-move -h | grep -q "else 3/4 of"; then
    echo "ok 2 - mem-move -h: the --floor default is 3/4"
else
    echo "not ok 2 - mem-move -h does not say 3/4 for --floor"
fi
floor=$(sed -n '/^\.BI \\-\\-floor " SIZE"/,/^\.TP/p' "$man" | tr '\n' ' ')
case $floor in
*"three quarters of its"*) echo "ok 3 - xenshift.1: the --floor default is three quarters" ;;
*) echo "not ok 3 - xenshift.1 --floor: $floor" ;;
esac
case $floor in
*half*) echo "not ok 4 - xenshift.1 --floor still says half" ;;
*) echo "ok 4 - xenshift.1 --floor does not say half" ;;
esac
