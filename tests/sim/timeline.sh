#!/bin/sh
# timeline.sh - xenshift apply --timeline on the simulated host: the
# SVG is valid XML (xmllint), a real renderer draws it (rsvg-convert),
# and the pixels are where the numbers say (pngcheck.py): each
# domain's memory line, the steps' bars, capacity, and for a stuck donor
# the rollback band and the undo step.  Also: an unwritable FILE
# changes nothing; a FILE that fails while written (/dev/full) leaves
# the transition and its exit code alone.  Prints TAP.
#
# Needs xmllint, rsvg-convert and python3.  Without them it skips, unless
# XENSHIFT_REQUIRE_TOOLS=1 (./run-tests installs them and sets it).
set -u
src=${top_srcdir:-.}
build=${top_builddir:-.}
host="$src/examples/fig9-host.json"
stuck="$src/tests/fixtures/fig9-stuck-donor.json"
table="$src/examples/fig9.json"
check="$src/tests/sim/pngcheck.py"
TZ=UTC LC_ALL=C
export TZ LC_ALL

for tool in xmllint rsvg-convert python3; do
    command -v $tool >/dev/null 2>&1 && continue
    if [ "${XENSHIFT_REQUIRE_TOOLS:-0}" = 1 ]; then
        echo "Bail out! $tool is missing (XENSHIFT_REQUIRE_TOOLS=1)"
        exit 1
    fi
    echo "1..0 # SKIP $tool is missing (libxml2-utils, librsvg2-bin, python3)"
    exit 0
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
t() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
is() { [ "$1" = "$2" ]; t $? "$3 (got '$1', want '$2')"; }
has() { grep -q -- "$2" "$1"; t $? "$3"; }
x() { timeout 60 "$build/xenshift" "$@"; }
# pixels SVG CHECK...: pngcheck.py's TAP lines, numbered on from here.
pixels() {
    svg=$1
    shift
    if rsvg-convert -o "$svg.png" "$svg" 2> "$tmp/rsvg.err"; then
        t 0 "rsvg-convert renders $(basename "$svg")"
    else
        t 1 "rsvg-convert renders $(basename "$svg"): $(cat "$tmp/rsvg.err")"
        return
    fi
    TAP_FIRST=$((n + 1)) python3 "$check" "$svg" "$svg.png" "$@" \
        > "$tmp/px.out" 2>&1
    cat "$tmp/px.out"
    n=$((n + $(grep -c '^\(not \)\{0,1\}ok ' "$tmp/px.out")))
    grep -q '^\(not \)\{0,1\}ok ' "$tmp/px.out" || t 1 "pngcheck.py ran"
}

# --- reached: vm2 gives 384 MiB, vm1 takes them --------------------------
# Where a line must be comes from the steps (each memory step starts at
# its from and ends at its target, the balloon moves at a constant rate
# in the simulation), not from how long the executor took.  Not where
# lines meet: vm3 at 128 MiB is drawn over vm1 and vm2 there.
shrink="vm2: memory 512 MiB -> 128 MiB"
grow="vm1: memory 128 MiB -> 512 MiB"
x --sim "$host" -c "$table" apply --timeline "$tmp/take.svg" takeover \
    > "$tmp/out" 2> "$tmp/err"
is $? 0 "apply --timeline takeover: exit"
has "$tmp/out" "reached phase takeover" "the transition's own output as ever"
xmllint --noout "$tmp/take.svg" 2> "$tmp/xml.err"
t $? "xmllint: valid XML $(cat "$tmp/xml.err")"
has "$tmp/take.svg" "<title>xenshift: takeover: reached in [0-9.]* s</title>" \
    "the title says reached"
pixels "$tmp/take.svg" \
    "line|vm2|0|512" "line|vm2|start@$shrink|512" "line|vm2|mid@$shrink|320" \
    "line|vm2|late@$shrink|224" "noline|vm2|end@$shrink|512" \
    "line|vm1|mid@$grow|320" \
    "line|vm1|end@$grow|512" "noline|vm1|end@$grow|128" \
    "line|vm3|0|128" "line|vm3|mid@$grow|128" \
    "color|steps|mid@$shrink|row@$shrink|3b6fb6" \
    "color|steps|mid@$grow|row@$grow|3b6fb6" \
    "color|memory|mid@$grow|40|ffffff" \
    "mark|capacity|d1007f" "mark|placement|d1007f"

# --- a stuck donor: failed, rolled back ----------------------------------
undo="vm2: balloon target 128 MiB -> 512 MiB"
x --sim "$stuck" -c "$table" apply --timeline "$tmp/stuck.svg" takeover \
    > "$tmp/out" 2> "$tmp/err"
is $? 1 "a stuck donor: exit"
has "$tmp/out" "rolled back" "rolled back, as the output says"
xmllint --noout "$tmp/stuck.svg" 2> "$tmp/xml.err"
t $? "xmllint: valid XML $(cat "$tmp/xml.err")"
has "$tmp/stuck.svg" '<g id="rollback" data-start-ms="[0-9]*" data-end-ms="[0-9]*">' \
    "a rollback band"
has "$tmp/stuck.svg" "balloon stuck at 300 MiB" "the cause in the picture"
# Stuck at 300 MiB when its step failed; the way back takes it to 512
# MiB (dashed, no readings).  The band is #f5b7b1 at 0.6 over white;
# the undo bar orange, the stuck step red.
pixels "$tmp/stuck.svg" \
    "line|vm2|start@$shrink|512" "line|vm2|end@$shrink|300" \
    "noline|vm2|end@$shrink|128" "line|vm2|mid@$undo|406" \
    "color|memory|rollback-mid|40|f9d4d0" \
    "color|memory|before-rollback|40|ffffff" \
    "color|free|rollback-mid|100|f9d4d0" \
    "color|steps|mid@$shrink|row@$shrink|c0392b" \
    "color|steps|mid@$undo|row@$undo|e8891a" \
    "color|steps|before-rollback|row@$undo|ffffff"
if grep -q 'class="mark"' "$tmp/stuck.svg"; then
    t 1 "no capacity mark on a failed transition"
else
    t 0 "no capacity mark on a failed transition"
fi

# --- a domain named with all XML must escape -----------------------------
# Not in the table (it cannot name it): the unnamed domain move_unnamed
# re-pins, with a step of its own.
eacute=$(printf '\303\251')
sed 's/"guest"/"g<\&>\\"'"'"'uest\\u00e9"/' "$src/tests/sim/data/user-host.json" \
    > "$tmp/nasty-host.json"
x --sim "$tmp/nasty-host.json" -c "$src/tests/sim/data/user-move-unnamed.json" \
    apply --timeline "$tmp/nasty.svg" peak > "$tmp/out" 2>&1
is $? 0 "apply with a domain named g<&>\"'uest$eacute: exit"
xmllint --noout "$tmp/nasty.svg" 2> "$tmp/xml.err"
t $? "xmllint: valid XML $(cat "$tmp/xml.err")"
has "$tmp/nasty.svg" ">g&lt;&amp;&gt;&quot;&apos;uest$eacute: pin to pCPUs 0-3<" \
    "its step's text escaped, its UTF-8 kept"

# --- the file, not the transition ----------------------------------------
st="$tmp/host-state.json"
x --sim "$host" --sim-state "$st" -c "$table" apply \
    --timeline "$tmp/no/such/dir/t.svg" takeover > "$tmp/out" 2> "$tmp/err"
is $? 1 "an unwritable FILE: exit"
has "$tmp/err" "cannot write the timeline $tmp/no/such/dir/t.svg" \
    "an unwritable FILE is said"
x --sim "$host" --sim-state "$st" -c "$table" status -j > "$tmp/out" 2>&1
has "$tmp/out" '^  "phase": "normal"' \
    "and nothing changed: the host is still in normal"

x --sim "$host" -c "$table" apply --timeline /dev/full takeover \
    > "$tmp/out" 2> "$tmp/err"
is $? 0 "FILE fails while written (/dev/full): the transition's exit"
has "$tmp/out" "reached phase takeover" "the transition ran"
has "$tmp/err" "warning: cannot write the timeline /dev/full: No space left on device; the transition is not affected" \
    "the failure is said on stderr"

x --sim "$host" -c "$table" apply -n --timeline "$tmp/dry.svg" takeover \
    > /dev/null 2>&1
is $? 0 "apply -n --timeline: exit"
[ ! -e "$tmp/dry.svg" ]
t $? "apply -n draws nothing: nothing ran"

x --sim "$host" -c "$table" apply --timeline "$tmp/normal.svg" normal \
    > /dev/null 2>&1
is $? 0 "apply to the phase the host is in: exit"
xmllint --noout "$tmp/normal.svg" 2> "$tmp/xml.err"
t $? "xmllint: valid XML $(cat "$tmp/xml.err")"
has "$tmp/normal.svg" "no step ran" "a picture of no step"

x --sim "$host" -c "$table" apply --hooks-dir "$src/tests/sim/data/veto-hooks" \
    --timeline "$tmp/veto.svg" takeover > /dev/null 2>&1
is $? 1 "a pre hook's veto: exit"
xmllint --noout "$tmp/veto.svg" 2> "$tmp/xml.err"
t $? "xmllint: valid XML $(cat "$tmp/xml.err")"
has "$tmp/veto.svg" "<title>xenshift: takeover: not applied: vetoed by 10-veto" \
    "a veto is drawn too, and says so"
has "$tmp/veto.svg" "no step ran" "with no step"

echo "1..$n"
