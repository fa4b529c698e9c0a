#!/bin/sh
# recover.sh - a transition whose process is killed mid-way (a "kill"
# fault of the simulated host: SIGKILL after the host is saved, as Xen
# keeps what a dead toolstack did) is put back by `xenshift recover`, or
# first thing by the next `apply`.  Prints TAP.
src=${top_srcdir:-.}
bin=${top_builddir:-.}/xenshift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
st=$tmp/host.json
x() { "$bin" --sim "$src/tests/fixtures/fig9-killed.json" --sim-state "$st" \
      -c "$src/examples/fig9.json" "$@"; }
n=0
t() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
is() { [ "$1" = "$2" ]; t $? "$3 (got '$1', want '$2')"; }
node() { sed -n "s|^    \"/local/domain/0/xenshift/$1\": \"\\(.*\\)\",\\{0,1\\}\$|\\1|p" "$st"; }
# The domain table of status: what a way back must give back exactly.
domains() { x status | sed -n '/^domain/,/^$/p'; }
kill_apply() {
    rm -f "$st"
    domains > "$tmp/before"
    x apply takeover > "$tmp/out" 2>&1
}

# --- the kill ------------------------------------------------------------
kill_apply
is $? 137 "apply killed at vm1's cpupool dies of SIGKILL"
is "$(node journal/state)" running "the journal says running"
is "$(node journal/step)" "vm1: dedicated pCPU 1 (new cpupool xenshift-vm1)" \
    "at the step the kill came in"
x status > "$tmp/out" 2>&1
grep -q "^phase: none (between phases)" "$tmp/out"
t $? "the host is between phases: $(tail -n 2 "$tmp/out" | head -n 1)"
is "$(tail -n 1 "$tmp/out")" "transition: normal -> takeover, interrupted: the process running it died (at: vm1: dedicated pCPU 1 (new cpupool xenshift-vm1)); 'xenshift recover' puts the host back, as apply does first" \
    "status says the transition's process died"
x status -j > "$tmp/out" 2>&1
grep -q '"process": "dead"' "$tmp/out" && grep -q '"state": "running"' "$tmp/out"
t $? "status -j: the transition's process dead, the journal running"

# --- recover, the way back failing once ----------------------------------
x recover > "$tmp/out" 2> "$tmp/err"
is $? 1 "recover whose way back fails exits 1"
grep -q "could not be brought back; the journal stays for the next try: interrupted normal -> takeover (at: vm1: dedicated pCPU 1 (new cpupool xenshift-vm1)); .*vm2: balloon target" "$tmp/err"
t $? "it says what was interrupted and why it is not back: $(head -c 300 "$tmp/err")"
[ -n "$(node journal/state)" ]; t $? "the journal is kept for the next try ($(node journal/state))"
x status > "$tmp/out" 2>&1
tail -n 1 "$tmp/out" | grep -q "^transition: normal -> takeover, "
t $? "status names it still: $(tail -n 1 "$tmp/out")"

# --- recover ------------------------------------------------------------
x recover -j > "$tmp/out" 2> "$tmp/err"
is $? 0 "recover -j exits 0"
grep -q '"outcome": "back"' "$tmp/out"; t $? "outcome back"
grep -q '"from": "normal"' "$tmp/out" && grep -q '"to": "takeover"' "$tmp/out"
t $? "from normal to takeover"
grep -q '"request": null' "$tmp/out"; t $? "no request: null"
grep -q '"message": "interrupted normal -> takeover .*every domain is back as it was recorded, in normal"' "$tmp/out"
t $? "the message says every domain is back"
is "$(node journal/state)" "" "the journal is gone"
is "$(node phase)" normal "the phase node says normal"
x status -j > "$tmp/out" 2>&1
grep -q '"transition": null' "$tmp/out"; t $? "status -j: no transition"
domains > "$tmp/after"
cmp -s "$tmp/before" "$tmp/after"
t $? "every domain as before the killed apply: $(diff "$tmp/before" "$tmp/after" | tr '\n' ' ')"
x recover > "$tmp/out" 2>&1
is "$?:$(cat "$tmp/out")" "0:nothing to recover: no transition was interrupted on this host" \
    "a second recover has nothing to do"
x recover -j > "$tmp/out" 2>&1
grep -q '"outcome": "nothing"' "$tmp/out" && grep -q '"to": null' "$tmp/out" &&
    grep -q '"message": null' "$tmp/out"
t $? "its JSON: outcome nothing, to and message null"

# --- apply recovers first -------------------------------------------------
kill_apply
is $? 137 "killed again (a new host: the way back's fault is armed again)"
x apply takeover > "$tmp/out" 2> "$tmp/err"
is $? 1 "apply after a kill whose way back fails exits 1"
grep -q "could not be brought back" "$tmp/err"
t $? "and says why, before any change: $(head -c 200 "$tmp/err")"
x apply takeover > "$tmp/out" 2> "$tmp/err"
is $? 0 "the next apply takeover exits 0"
grep -q "a transition's process died before it ended; recovered first: interrupted normal -> takeover" "$tmp/err"
t $? "it recovered first: $(head -c 200 "$tmp/err")"
x status > "$tmp/out" 2>&1
grep -q "^phase: takeover" "$tmp/out"; t $? "and reached takeover"

# --- usage ----------------------------------------------------------------
x recover extra > "$tmp/out" 2>&1
is $? 2 "recover with an argument is a usage error"
x recover --bogus > "$tmp/out" 2>&1
is $? 2 "so is an unknown option"
echo "1..$n"
