#!/bin/sh
# reached.sh - apply and status agree on "reached" (issue 12): the man
# page's EXAMPLE table (xenshift.json(5)) on tests/fixtures/fig9-spread.json,
# where the cooperative move stops at 87% of the node goal, applied and
# then looked at by the next commands on the same simulated host
# (--sim-state).  Prints TAP.
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${top_builddir:-$src}/xenshift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
table=$src/tests/sim/data/example.json
x() { "$bin" --sim "$src/tests/fixtures/fig9-spread.json" \
      --sim-state "$tmp/host.json" -c "$table" "$@"; }
n=0
t() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
is() { [ "$1" = "$2" ]; t $? "$3 (got '$1', want '$2')"; }
# The value of a top-level "key": in status -j (strings and null).
top() { sed -n "s/^  \"$1\": \"\{0,1\}\([a-z]*\)\"\{0,1\},\{0,1\}\$/\1/p"; }
# What --sim-state keeps of the domains and pools, and the clock.
host_part() { sed -n '/"pools"/,/"faults"/p' "$tmp/host.json"; }
clock() { sed -n 's/^  "now_ms": \([0-9]*\),$/\1/p' "$tmp/host.json"; }

# The table is the man page's EXAMPLE, word for word.
sed -n '/^\.SH EXAMPLE$/,/^\.SH FILES/p' "$src/docs/xenshift.json.5" |
    sed -n '/^{/,/^}/p' | sed 's/\\-/-/g' > "$tmp/example.json"
cmp -s "$tmp/example.json" "$table"
t $? "tests/sim/data/example.json is the EXAMPLE of xenshift.json(5)"

x apply takeover > "$tmp/apply1" 2>&1
is "$?" 0 "apply takeover: exit 0"
is "$(tail -n 1 "$tmp/apply1" | sed 's/ in .*//')" "reached phase takeover" \
    "apply says reached"
grep -q "vm1: 87% of its memory on node 1 (goal 95%), 64 MiB elsewhere: xenshift mem-move vm1 1" \
    "$tmp/apply1"
t $? "apply reports the node shortfall and mem-move"

x status > "$tmp/status" 2>&1
is "$?" 0 "status: exit 0"
grep -qx "phase: takeover (all domains match)" "$tmp/status"
t $? "status agrees: phase takeover"
grep -q "^  vm1: 87% of its memory on node 1 (goal 95%), 64 MiB elsewhere" \
    "$tmp/status"
t $? "status shows the shortfall"
x status -j > "$tmp/status.json" 2>&1
is "$(top phase < "$tmp/status.json")" takeover "status -j: \"phase\": \"takeover\""
tr -d ' \n' < "$tmp/status.json" > "$tmp/flat.json"
want='"name":"takeover","matches":true,"difference":null,'
want=$want'"node_shortfall":\[{"domain":"vm1","node":1,"known":true,'
want=$want'"on_node_pct":87,"goal_pct":95,"off_node_kib":65536}\]'
grep -q "$want" "$tmp/flat.json"
t $? "status -j: takeover matches, node_shortfall vm1 87 of 95%, 65536 KiB off node"

# A second apply changes nothing: no step, no balloon cycle.
host_part > "$tmp/before"
c0=$(clock)
x apply takeover > "$tmp/apply2" 2>&1
is "$?" 0 "apply takeover again: exit 0"
grep -qx "note: already in phase takeover" "$tmp/apply2"
t $? "it says the host is in the phase already"
grep -q "not moved, the node goal is soft (xenshift mem-move vm1 1 moves it)" \
    "$tmp/apply2"
t $? "it names the shortfall and mem-move"
! grep -q "balloon\|settle\|relocate" "$tmp/apply2"
t $? "no relocation step"
host_part > "$tmp/after"
cmp -s "$tmp/before" "$tmp/after"
t $? "domains and pools unchanged"
is "$(clock)" "$c0" "the simulated clock did not move (nothing waited)"
x status > "$tmp/status2" 2>&1
grep -qx "phase: takeover (all domains match)" "$tmp/status2"
t $? "status: still takeover"

# mem-move stays the explicit way to improve placement.
x mem-move vm1 1 > "$tmp/move" 2>&1
is "$?" 0 "mem-move vm1 1: exit 0"
x status -j > "$tmp/status3.json" 2>&1
is "$(top phase < "$tmp/status3.json")" takeover "after mem-move: still takeover"
echo "1..$n"
