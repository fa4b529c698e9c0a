#!/bin/sh
# watch.sh - xenshift status --watch follows a transition that a
# --sim-state xenshiftd runs (issue 16, item 5).  The daemon's balloons
# take real time (XENSHIFT_SIM_REALTIME=200: a simulated second lasts two),
# so the watch, reading only the shared state file as any reader of the
# host would, sees the memory move.  Piped: plain lines, one per change,
# ending with the transition; -j: a JSON object per line; on a terminal
# (tests/sim/ptyrun.py): frames drawn in place, q and Ctrl-C end it, the
# terminal is given back as it was.  Prints TAP.
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${top_builddir:-$src}
fixture="$src/examples/fig9-host.json"
table="$src/examples/fig9.json"
tmp=$(mktemp -d)
st="$tmp/host.json"
# Its daemon moves memory in real time (above), for two minutes at most.
daemon_env=XENSHIFT_SIM_REALTIME=200 daemon_life=120
. "$src/tests/sim/harness.sh"
esc=$(printf '\033')

# skip N WHY: N tests not run.
skip() {
    j=0
    while [ $j -lt "$1" ]; do
        n=$((n + 1)); j=$((j + 1)); echo "ok $n # SKIP $2"
    done
}
x() { timeout 30 "$build/xenshift" --sim "$fixture" --sim-state "$st" -c "$table" "$@"; }
# apply PHASE in the background; back when its transition's journal runs.
begin() {
    x apply "$1" > "$tmp/apply.out" 2>&1 &
    apid=$!
    wait_node journal/state running
}
# vm's progress in each of its lines of FILE, one a line.
pcts() { sed -n "s/^  $2 [0-9.]* MiB, target [0-9]* MiB, \\([0-9]*\\)%.*/\\1/p" "$1"; }
# Whether the numbers of stdin never go down.
rising() { awk 'NR > 1 && $1 < last { bad = 1 } { last = $1 } END { exit bad }'; }

# --- piped: a line per change, to the end of the transition ---------------
start_daemon --no-hooks
is "$(node phase)" normal "xenshiftd --sim-state runs, the host in normal"
begin takeover
is "$(node journal/to)" takeover "a transition to takeover runs"
x status --watch > "$tmp/w.out" 2> "$tmp/w.err"
is $? 0 "status --watch, piped, exits 0 when the transition has reached its phase"
wait "$apid"
is $? 0 "the apply it watched exited 0"
head -n 1 "$tmp/w.out" | grep -qE '^normal -> takeover: running, [0-9]+\.[0-9] s, step ([1-6]/6 vm[1-3]: |starting$)'
t $? "the first line: the transition, its state, time and step: $(head -n 1 "$tmp/w.out")"
is "$(tail -n 1 "$tmp/w.out")" "transition ended: ok takeover; phase takeover" "the last line: how it ended"
grep -q "$esc" "$tmp/w.out"
[ $? -ne 0 ]; t $? "no escape codes when piped"
is "$(grep -cvE '^(normal -> takeover: (running|rolling-back), [0-9.]+ s, step .*|  (Domain-0|vm[1-3]) [0-9.]+ MiB.*|transition ended: .*)$' "$tmp/w.out")" 0 \
    "every line is the transition, a domain or the end"
awk '/^  / { if (last[$1] == $0) bad = 1; last[$1] = $0 } END { exit bad }' "$tmp/w.out"
t $? "one line per change: no domain's line printed twice in a row"
pcts "$tmp/w.out" vm1 > "$tmp/vm1"
[ "$(wc -l < "$tmp/vm1")" -ge 3 ]
t $? "vm1 was seen moving: $(tr '\n' ' ' < "$tmp/vm1")"
rising < "$tmp/vm1"
t $? "vm1's progress toward 512 MiB never goes back"
awk '$1 > 0 && $1 < 100 { found = 1 } END { exit !found }' "$tmp/vm1"
t $? "a line caught vm1 half-way (between 0% and 100%)"
grep -qE '^  vm2 ([2-4][0-9][0-9]|1[3-9][0-9])(\.[0-9]+)? MiB, target 128 MiB, [0-9]+%' "$tmp/w.out"
t $? "vm2's memory between 512 MiB and 128 MiB: $(grep -m 1 '^  vm2 [1-4][0-9][0-9]\.' "$tmp/w.out")"
grep '^  vm1 ' "$tmp/w.out" | tail -n 1 | grep -qE '^  vm1 512 MiB(, target 512 MiB, 100%, memory at target)?$'
t $? "vm1's last line: at its target, 512 MiB ($(grep '^  vm1 ' "$tmp/w.out" | tail -n 1))"
is "$(wc -c < "$tmp/w.err" | tr -d ' ')" 0 "nothing on stderr"
is "$(node phase)" takeover "the watch changed nothing: the host is in takeover"

# --- -j: one JSON object per line -----------------------------------------
if command -v python3 > /dev/null; then
    begin normal
    x -j status --watch > "$tmp/j.out"
    is $? 0 "-j status --watch exits 0"
    wait "$apid"
    python3 - "$tmp/j.out" > "$tmp/j.check" 2>&1 <<'EOF'
import json, sys
objs = [json.loads(line) for line in open(sys.argv[1])]
assert len(objs) >= 3, "only %d objects" % len(objs)
last = objs[-1]
assert last["ended"] is True and last["transition"] is None, last
assert last["result"] == "ok normal" and last["phase"] == "normal", last
assert all(o["ok"] is True for o in objs), "an object not ok"
running = [o for o in objs[:-1] if o["transition"]]
assert len(running) == len(objs) - 1, "an object before the end without the transition"
assert all(o["transition"]["to"] == "normal" and o["transition"]["from"] == "takeover" for o in running)
# Its runner holds the shared host's lock, as status would find it.
assert all(o["transition"]["process"] == "alive" and
           o["transition"]["holder"].startswith("xenshiftd ") for o in running), running[0]["transition"]
vm2 = [next(d for d in o["domains"] if d["name"] == "vm2") for o in running]
assert all(d["target_kib"] == 524288 and d["from_kib"] == 131072 for d in vm2), vm2[0]
pct = [d["progress_pct"] for d in vm2]
assert pct == sorted(pct), pct
assert any(0 < p < 100 for p in pct), pct
assert any(131072 < d["memory_kib"] < 524288 for d in vm2)
print("%d objects, vm2 at %s%%" % (len(objs), pct))
EOF
    t $? "each line a JSON object, vm2 moving 128 -> 512 MiB, the last one the end: $(tail -n 1 "$tmp/j.check")"
else
    skip 2 "no python3 for the JSON lines"
    x apply normal > /dev/null 2>&1
fi

# --- --count N ------------------------------------------------------------
begin takeover
x -j status --watch --count 2 > "$tmp/c.out"
is $? 0 "--count 2 exits 0 while the transition goes on"
is "$(wc -l < "$tmp/c.out" | tr -d ' ')" 2 "after two updates"
is "$(node journal/to)" takeover "the transition was still running when it ended"
wait "$apid"

# --- a terminal -----------------------------------------------------------
pty() { python3 "$src/tests/sim/ptyrun.py" "$@"; }
if command -v python3 > /dev/null && python3 -c 'import pty, termios' 2> /dev/null; then
    begin normal
    res=$(pty "$tmp/tty.out" 0 "" "$build/xenshift" --sim "$fixture" --sim-state "$st" \
          -c "$table" status --watch --until-idle --interval 0.2)
    wait "$apid"
    is "$res" "rc=0 restored=yes" "on a terminal, --until-idle: exit 0, the terminal as it was"
    case $(head -c 16 "$tmp/tty.out") in
    "$esc[?25l$esc[H$esc[2J"*) t 0 "it hides the cursor and clears the screen first" ;;
    *) t 1 "it hides the cursor and clears the screen first: $(head -c 16 "$tmp/tty.out" | od -c | head -n 2)" ;;
    esac
    [ "$(grep -c "$esc\\[H" "$tmp/tty.out")" -ge 3 ]
    t $? "frames drawn in place: home ($(grep -c "$esc\\[H" "$tmp/tty.out") times)"
    grep -q "transition: takeover -> normal  running  elapsed [0-9.]* s" "$tmp/tty.out"
    t $? "a frame of the transition"
    grep -qE "^vm2 +2 +[0-9.]+ MiB +512 MiB +\\[#+ *\\] +[0-9]+% " "$tmp/tty.out"
    t $? "vm2's row: memory, target, a bar: $(grep -m 1 -aE '^vm2 +2 .*\[' "$tmp/tty.out" | tr -d '\033' | cut -c1-70)"
    grep -q "no transition runs; last: ok normal" "$tmp/tty.out"
    t $? "the last frame: the status, once the transition ended"
    is "$(tail -c 6 "$tmp/tty.out" | od -An -c | tr -d ' \n')" '033[?25h' "the cursor shown again, last"

    res=$(pty "$tmp/q.out" 1 q "$build/xenshift" --sim "$fixture" --sim-state "$st" \
          -c "$table" status --watch --interval 0.2)
    is "$res" "rc=0 restored=yes" "idle, q: exit 0, the terminal as it was"
    grep -q "no transition runs; last: ok normal" "$tmp/q.out" && grep -q "^phase: normal" "$tmp/q.out"
    t $? "with no transition: the status refreshed"
    [ "$(grep -c "$esc\\[H" "$tmp/q.out")" -ge 3 ]
    t $? "every 0.2 s for a second: $(grep -c "$esc\\[H" "$tmp/q.out") frames"
    grep -q "q to quit" "$tmp/q.out"
    t $? "the frame says how to quit"

    res=$(pty "$tmp/c.out" 1 "^C" "$build/xenshift" --sim "$fixture" --sim-state "$st" \
          -c "$table" status --watch)
    is "$res" "rc=0 restored=yes" "Ctrl-C: exit 0, the terminal as it was"
    is "$(tail -c 6 "$tmp/c.out" | od -An -c | tr -d ' \n')" '033[?25h' "the cursor shown again"

    # Ctrl-Z: the terminal given back while stopped, key mode again after.
    res=$(pty "$tmp/z.out" 1 "^Z" "$build/xenshift" --sim "$fixture" --sim-state "$st" \
          -c "$table" status --watch --interval 0.2)
    is "$res" "rc=0 restored=yes stopped=yes restored-when-stopped=yes" \
        "Ctrl-Z: stopped with the terminal as it was, q after fg: exit 0"
    is "$(grep -o "$esc\\[?25[hl]" "$tmp/z.out" | tr -d "$esc" | tr '\n' ' ')" "[?25l [?25h [?25l [?25h " \
        "the cursor shown at the stop, hidden again at SIGCONT"

    # The host half-way, as a --sim-state xenshiftd saved it: one frame.
    res=$(pty "$tmp/m.out" 0 "" "$build/xenshift" --sim "$src/tests/sim/data/watch-midway.json" \
          -c "$table" status --watch --count 1)
    is "$res" "rc=0 restored=yes" "--count 1 on a terminal: one frame, exit 0"
    tr -d '\r' < "$tmp/m.out" | sed "s/$esc\\[[0-9;?]*[A-Za-z]//g" > "$tmp/m.txt"
    grep -qx 'vm1        1  307.20 MiB  512 MiB  \[#########           \]  46%  memory 128 MiB -> 512 MiB' "$tmp/m.txt"
    t $? "vm1's row: memory, target, bar and the step it is in"
    grep -qx 'step:       2/6 vm1: memory 128 MiB -> 512 MiB' "$tmp/m.txt" &&
        grep -qx 'transition: normal -> takeover  running  elapsed 0.7 s' "$tmp/m.txt" &&
        grep -qx 'capacity:   not yet    placement: not yet' "$tmp/m.txt"
    t $? "the transition: from, to, state, elapsed, step, capacity and placement"
    # A terminal of 8 rows and 40 columns: lines cut, the last row free.
    res=$(PTY_SIZE=8x40 pty "$tmp/s.out" 0 "" "$build/xenshift" --sim \
          "$src/tests/sim/data/watch-midway.json" -c "$table" status --watch --count 1)
    tr -d '\r' < "$tmp/s.out" | sed "s/$esc\\[[0-9;?]*[A-Za-z]//g" > "$tmp/s.txt"
    [ "$res" = "rc=0 restored=yes" ] && [ "$(wc -l < "$tmp/s.txt")" -eq 7 ] &&
        [ "$(awk 'length > 39' "$tmp/s.txt" | wc -l)" -eq 0 ] &&
        grep -qx 'step:       2/6 vm1: memory 128 MiB -> ' "$tmp/s.txt"
    t $? "the frame keeps to an 8x40 terminal: $(wc -l < "$tmp/s.txt") lines, cut at 39 columns"
else
    skip 19 "no python3 with pty and termios"
    x apply normal > /dev/null 2>&1
fi
stop_daemon

# --- a transition that fails: exit 1 --------------------------------------
# vm2's balloon sticks at its floor: the daemon rolls back, in real time.
fixture="$src/tests/sim/data/watch-stuck-host.json"
st="$tmp/fail.json"
start_daemon --no-hooks
begin takeover
x status --watch > "$tmp/f.out" 2>&1
is $? 1 "status --watch exits 1 when the transition it watched failed"
wait "$apid"
tail -n 1 "$tmp/f.out" | grep -q "^transition ended: failed takeover: vm2: balloon stuck at 312 MiB .*; phase normal$"
t $? "the last line says so: $(tail -n 1 "$tmp/f.out" | cut -c1-80)"
grep -qE "^normal -> takeover: rolling-back, [0-9.]+ s, step undo" "$tmp/f.out"
t $? "the roll-back was seen: $(grep -m 1 rolling-back "$tmp/f.out" | cut -c1-70)"
grep -q "^  vm1 [0-9.]* MiB, target 128 MiB, [0-9]*%" "$tmp/f.out"
t $? "vm1 on its way back to the 128 MiB it had"
if command -v python3 > /dev/null; then
    begin takeover
    x -j status --watch > "$tmp/fj.out" 2> /dev/null
    is $? 1 "-j: exit 1 too"
    wait "$apid"
    python3 - "$tmp/fj.out" > "$tmp/fj.check" 2>&1 <<'EOF'
import json, sys
objs = [json.loads(line) for line in open(sys.argv[1])]
last = objs[-1]
assert last["ended"] is True and last["ok"] is False, last
assert last["error"]["kind"] == "apply", last["error"]
assert last["error"]["message"].startswith("failed takeover: vm2: balloon stuck"), last["error"]
assert any(o["transition"] and o["transition"]["state"] == "rolling-back" for o in objs)
assert all(o["ok"] for o in objs[:-1])
print(last["error"]["message"][:60])
EOF
    t $? "-j: the last object says ok false, with the error: $(tail -n 1 "$tmp/fj.check")"
else
    skip 2 "no python3 for the JSON lines"
fi
stop_daemon

# --- a journal whose process died: interrupted, as status says -------------
# The "kill" fault saves the host and SIGKILLs xenshiftd when it creates
# vm1's cpupool (tests/fixtures/fig9-killed.json, as in daemon.sh): the
# journal is left running in the state file, and nobody holds its lock.
fixture="$tmp/killed.json"
sed '/"set_target"/d; s/"kill" },/"kill" }/' \
    "$src/tests/fixtures/fig9-killed.json" > "$fixture"
st="$tmp/killed-state.json"
start_daemon --no-hooks
x apply --no-wait takeover > "$tmp/k-apply.out" 2>&1
wait "$tpid"
is $? 137 "xenshiftd killed at vm1's cpupool dies of SIGKILL"
tpid=
is "$(node journal/state)" running "its journal is left running"
x status --watch > "$tmp/k.out" 2>&1
is $? 1 "status --watch exits 1 at once: the transition's process died"
head -n 1 "$tmp/k.out" | grep -q '^normal -> takeover: interrupted, its process died, step '
t $? "its line says so: $(head -n 1 "$tmp/k.out" | cut -c1-72)"
x status | grep -q '^transition: normal -> takeover, interrupted: the process running it died'
t $? "as plain status says"
if command -v python3 > /dev/null; then
    x -j status --watch > "$tmp/kj.out" 2> /dev/null
    is $? 1 "-j: exit 1 too"
    python3 - "$tmp/kj.out" > "$tmp/kj.check" 2>&1 <<'EOF'
import json, sys
objs = [json.loads(line) for line in open(sys.argv[1])]
assert len(objs) == 1, "%d objects" % len(objs)
o = objs[0]
assert o["ok"] is False and o["error"]["kind"] == "apply", o
assert o["error"]["message"].startswith("interrupted: the process running it died"), o["error"]
tr = o["transition"]
assert tr["state"] == "running" and tr["process"] == "dead" and tr["holder"] is None, tr
assert tr["elapsed_ms"] is None, tr
print(tr["process"], o["error"]["message"][:40])
EOF
    t $? "-j: process dead, ok false with the error: $(tail -n 1 "$tmp/kj.check")"
else
    skip 2 "no python3 for the JSON lines"
fi

echo "1..$n"
