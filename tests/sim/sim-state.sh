#!/bin/sh
# sim-state.sh - consecutive xenshift commands share one simulated host
# through --sim-state, as they share the real host.
src=${top_srcdir:-.}
bin=${top_builddir:-.}/xenshift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
x() { "$bin" --sim "$src/examples/fig9-host.json" --sim-state "$tmp/host.json" \
      -c "$src/examples/fig9.json" "$@"; }
phase() { x status -j | sed -n 's/^  "phase": "\{0,1\}\([a-z]*\)"\{0,1\},\{0,1\}$/\1/p'; }
n=0
t() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
is() { [ "$1" = "$2" ]; t $? "$3 (got '$1', want '$2')"; }

is "$(phase)" normal "a new state starts from the fixture"
[ -s "$tmp/host.json" ]; t $? "every command saves the host it leaves (its clock moved)"
x apply takeover > "$tmp/out" 2>&1; t $? "apply takeover"
[ -s "$tmp/host.json" ]; t $? "the state file is written"
is "$(phase)" takeover "the next command sees the host in takeover"
x apply takeover > "$tmp/out" 2>&1
grep -q "already in phase takeover" "$tmp/out"; t $? "a second apply has nothing to do"
x apply normal > "$tmp/out" 2>&1; t $? "apply normal"
is "$(phase)" normal "and back"
# A reader that goes away (apply ... | head) must not stop the
# transition half-way: 'true' has gone when apply writes its first line.
{ sleep 0.3; x apply takeover 2>&1; echo $? > "$tmp/rc"; } | true
is "$(cat "$tmp/rc")" 0 "apply whose reader went away exits 0"
is "$(phase)" takeover "and the host reached takeover"
x apply normal > "$tmp/out" 2>&1; t $? "apply normal again"
# XENSHIFT_HV_TIMES: where the time went, on stderr after the output;
# stdout (the JSON) untouched.
XENSHIFT_HV_TIMES=1 x -j apply takeover > "$tmp/out" 2> "$tmp/err"
t $? "apply with XENSHIFT_HV_TIMES=1"
grep -q '^xenshift: times: opening the host [0-9.]* ms, closing it [0-9.]* ms, its operations [0-9.]* ms: ' "$tmp/err"
t $? "the operations' line: $(grep 'opening the host' "$tmp/err" | cut -c1-60)"
grep 'opening the host' "$tmp/err" | grep -q ' set_target 2x [0-9.]* ms' 
t $? "counts vm2's shrink and vm1's grow: two set_target calls"
grep 'opening the host' "$tmp/err" | grep -q ' list_domains [1-9][0-9]*x '
t $? "and the snapshots' list_domains"
"${top_builddir:-.}/tests/sim/json-one" 0 < "$tmp/out" > /dev/null
t $? "stdout is still one JSON document"
x apply normal > "$tmp/out" 2>&1; t $? "apply normal, untimed"
# XENSHIFT_HV_TIMES=trace: every call too, in order, numbered from 0,
# as many as the counts say.
XENSHIFT_HV_TIMES=trace x apply takeover > "$tmp/out" 2> "$tmp/err"
t $? "apply with XENSHIFT_HV_TIMES=trace"
grep -q '^xenshift: times: call 0 at [0-9.]* ms: [a-z_]* [0-9.]* ms$' "$tmp/err"
t $? "the first call: $(grep 'times: call 0 ' "$tmp/err")"
is "$(grep -c '^xenshift: times: call [0-9]* at .*: set_target ' "$tmp/err")" 2 \
    "the two set_target calls, each on its line"
counted=$(grep 'opening the host' "$tmp/err" | tr ',' '\n' |
    sed -n 's/.* \([0-9]*\)x .*/\1/p' | awk '{ n += $1 } END { print n }')
is "$(grep -c '^xenshift: times: call ' "$tmp/err")" "$counted" \
    "one line per call counted ($counted)"
XENSHIFT_HV_TIMES=0 x status > "$tmp/out" 2> "$tmp/err"
is "$(grep -c 'times:' "$tmp/err")" 0 "XENSHIFT_HV_TIMES=0 prints nothing"
x apply normal > "$tmp/out" 2>&1; t $? "apply normal, untimed"
printf 'garbage' > "$tmp/host.json"
x status > "$tmp/out" 2>&1
[ $? -eq 1 ]; t $? "a damaged state file is an error (exit 1)"
grep -q "host.json:1:" "$tmp/out"; t $? "that names the file and line: $(head -n 1 "$tmp/out")"
echo "1..$n"
