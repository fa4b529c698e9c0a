#!/bin/sh
# kill-daemon.sh FILE [SECONDS] - in a dom0, started in the background
# before a take-over: wait until xenshiftd's transition is under way (its
# journal in xenstore, state running, a step begun: a change made or
# being made), then SIGKILL the daemon (its pid from xenstore), and
# watch what follows: the new daemon's pid and its roll-back's result.
# Gives up after SECONDS (default 600).  A fork costs up to 0.5 s in a
# dom0 busy with a transition under emulation: the wait before the kill
# reads one node a turn, the kill needs no more, and the watch after it
# looks four times a second so as not to slow the restart it watches.  Writes FILE (KEY=VALUE lines,
# times in ms since the epoch, this host's clock), complete only when
# it holds "done=1":
#   journal_ms   when the journal was first seen
#   kill_ms      the kill; pid the daemon killed
#   state step   the journal's state and step at the kill
#   request      the journal's request; progress and started_ms, its
#                answer's progress (K/N step) and started-at at the kill
#   capacity_ms  the journal's capacity-ms at the kill ("" before capacity)
#   newpid_ms newpid   when xenstore first named another live daemon
#   result_ms result   when the daemon's result node first said how the
#                      interrupted transition ended (the roll-back's end)
#   watched      the leaves of the request's answer written after the
#                kill, as xenstore-watch saw them (the values are gone:
#                the client removes the answer once it read it)
X=/local/domain/0/xenshift
out=$1
limit=$(( $(date +%s) + ${2:-600} ))
ms() { date +%s%3N; }
rd() { xenstore-read "$X/$1" 2>/dev/null; }
: > "$out.tmp"
# the daemon that will run the take-over, the one to kill
pid=$(rd daemon)
journal_ms=
while :; do
    [ "$(date +%s)" -lt "$limit" ] || { echo "gave up waiting for a journal" >> "$out.tmp"; exit 1; }
    state=$(rd journal/state)
    if [ -n "$state" ]; then
        [ -n "$journal_ms" ] || journal_ms=$(ms)
        [ "$state" = running ] && [ -n "$(rd journal/step)" ] && break
    fi
    sleep 0.05
done
kill -KILL "$pid"
kill_ms=$(ms)
# every answer's leaf written from now on (the first event: the watch set)
xenstore-watch "$X/answer" > "$out.watch" 2>&1 &
watcher=$!
# what the dead daemon left, read before the next one starts (100 ms
# and its -n later) and rewrites the journal as it rolls back
step=$(rd journal/step)
request=$(rd journal/request)
capacity=$(rd journal/capacity-ms)
progress=$(rd "answer/$request/progress")
started=$(rd "answer/$request/started-at")
{
    echo "journal_ms=$journal_ms"
    echo "kill_ms=$kill_ms"
    echo "pid=$pid"
    echo "state=$state"
    echo "step=$step"
    echo "request=$request"
    echo "progress=$progress"
    echo "started_ms=$started"
    echo "capacity_ms=$capacity"
} >> "$out.tmp"
# the new daemon: xenstore names a live process other than the killed one
while :; do
    [ "$(date +%s)" -lt "$limit" ] || { echo "gave up waiting for a new daemon" >> "$out.tmp"; exit 1; }
    newpid=$(rd daemon)
    [ -n "$newpid" ] && [ "$newpid" != "$pid" ] && kill -0 "$newpid" 2>/dev/null && break
    sleep 0.25
done
echo "newpid_ms=$(ms)" >> "$out.tmp"
echo "newpid=$newpid" >> "$out.tmp"
# its roll-back's end: the result node names the interrupted transition
# (written before the journal is removed and the request answered)
while :; do
    [ "$(date +%s)" -lt "$limit" ] || { echo "gave up waiting for the roll-back's result" >> "$out.tmp"; exit 1; }
    result=$(rd result)
    case $result in
    *interrupted*) break ;;
    esac
    sleep 0.25
done
echo "result_ms=$(ms)" >> "$out.tmp"
echo "result=$result" >> "$out.tmp"
# then the answer: written after the journal's removal, read by the client
sleep 3
kill "$watcher" 2>/dev/null
echo "watched=$(sed -n "s|^$X/answer/$request/\([a-z-]*\).*|\1|p" "$out.watch" | sort -u | tr '\n' ' ')" >> "$out.tmp"
echo "done=1" >> "$out.tmp"
mv "$out.tmp" "$out"
