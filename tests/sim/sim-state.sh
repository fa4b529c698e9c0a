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
printf 'garbage' > "$tmp/host.json"
x status > "$tmp/out" 2>&1
[ $? -eq 1 ]; t $? "a damaged state file is an error (exit 1)"
grep -q "host.json:1:" "$tmp/out"; t $? "that names the file and line: $(head -n 1 "$tmp/out")"
echo "1..$n"
