# xenshiftd on real Xen: a request written with xenstore-write, apply
# through the daemon, the nodes dom0-only (a guest's own write is
# refused), no wake-ups while idle, a
# trigger a minute ahead, and SIGKILL at three steps of a transition.
# The installed package's daemon, started, checked and reloaded by the
# commands of the package's systemd unit (dom0's PID 1 is the bed's
# dom0-init, not systemd, so they are run as the unit writes them), with
# the table where the unit's daemon reads it.
. /payload/dom0/tap.sh
D=/usr/sbin/xenshiftd
R=/local/domain/0/xenshift
T=$XENSHIFT_TABLE
unit=$(pkg_file /systemd/system/xenshiftd.service)
tap_packaged "$XENSHIFT" "$D" "$unit"
unit_cmd() { sed -n "s/^$1=//p" "$unit"; }
pre=$(unit_cmd ExecStartPre)
start=$(unit_cmd ExecStart)
reload=$(unit_cmd ExecReload)
tap_is "the unit checks the table with the packaged daemon ($pre)" "$pre" "$D -n"
tap_is "and runs it in the foreground, for Type=notify" "$start" "$D -F"
tap_is "it is not enabled (no symlink under /etc/systemd)" \
    "$(find /etc/systemd -name xenshiftd.service 2>/dev/null)" ""
mkdir -p /etc/xenshift

# start_daemon TABLE: the table installed, the unit's ExecStart run
# (XENSHIFT_HV_TIMES=trace: each request's hypervisor calls in the log)
start_daemon() {
    cp "$1" /etc/xenshift/xenshift.json
    XENSHIFT_HV_TIMES=trace $start >> /tmp/xenshiftd.log 2>&1 &
    DPID=$!
    i=0
    while [ $i -lt 200 ] && [ "$(xenstore-read $R/daemon 2>/dev/null)" != "$DPID" ]; do
        sleep 0.1; i=$((i + 1))
    done
}
# wait_answer ID "STATE..." [EVERY]: until answer/ID/state is one of
# them, looking every EVERY seconds (0.1; for 2 minutes at most)
wait_answer() {
    id=$1; want=$2; every=${3:-0.1}; i=0
    while [ $i -lt $(awk -v e="$every" 'BEGIN { printf "%d", 120 / e }') ]; do
        st=$(xenstore-read $R/answer/$id/state 2>/dev/null)
        case " $want " in *" $st "*) return 0 ;; esac
        sleep "$every"; i=$((i + 1))
    done
    return 1
}

cp "$T" /etc/xenshift/xenshift.json
tap_check "the unit's ExecStartPre accepts the table" $pre
printf '{ "phases": { "x": { "vm1": { "memory": "1Q" } } } }\n' > /tmp/bad.json
"$D" -n -c /tmp/bad.json > /tmp/bad.out 2>&1
tap_is "xenshiftd -n refuses a bad table (exit 1)" "$?" 1
tap_check "and says where: $(cat /tmp/bad.out)" grep -q '/tmp/bad.json:1:' /tmp/bad.out

: > /tmp/xenshiftd.log
start_daemon "$T"
tap_is "xenshiftd started and says so in xenstore" "$(xenstore-read $R/daemon)" "$DPID"
tap_is "it published the phase" "$(xenstore-read $R/phase)" normal
perms=$(xenstore-ls -p /local/domain/0 | awk '$1 == "xenshift" { print $NF }')
tap_is "its nodes are dom0's, no access for guests (xenstore-ls -p)" "$perms" "(n0)"

t0=$(now_ms)
xenstore-write $R/request/e2e-1 takeover
wait_answer e2e-1 "done failed"
tap_is "a request written with xenstore-write is carried out" \
    "$(xenstore-read $R/answer/e2e-1/state)" done
started=$(xenstore-read $R/answer/e2e-1/started-at)
tap_diag "reaction time (xenstore-write -> transition started): $((started - t0)) ms"
echo "XS-E2E-TIME daemon-reaction $((started - t0))"
# The whole take-over as xenshiftd does it (the host already open, no
# process to start): from the request's write to its answer's end.
ended=$(xenstore-read $R/answer/e2e-1/ended-at)
tap_check "the answer says when it ended ($ended)" [ "${ended:-0}" -gt "$t0" ]
tap_diag "take-over by xenshiftd (xenstore-write -> answer ended): $((ended - t0)) ms"
tap_diag "its capacity at $(xenstore-read $R/answer/e2e-1/capacity-ms) ms; $(grep 'e2e-1: reached' /tmp/xenshiftd.log)"
echo "XS-E2E-TIME daemon-takeover $((ended - t0))"
tap_is "the host is in takeover, as xl shows" "$(xl_phase)" takeover

# The take-over through the daemon three times more, as 10-takeover
# times apply's: each time back to normal first (maxmem as the bed
# built it), then the request; capacity from the answer (the executor's
# count, as apply -j's capacity_ms), the whole from the request's write
# to the answer's end, both by the daemon's clock.  Waited for as apply
# waits (an idle process) by a look each second: a look is a process
# (xenstore-read) and its sleep, tens of ms of dom0's emulated CPU each,
# and xenstored's.  Each try is taken once more with the looks every
# 0.1 s, as this scenario waited before: what such a waiter costs the
# daemon.  run.sh compares the medians with apply's.
median3() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
# daemon_takeover ID EVERY: back to normal, then the take-over; sets
# c, wall, react
daemon_takeover() {
    xenstore-write $R/request/$1-back normal
    wait_answer $1-back "done failed" &&
        [ "$(xenstore-read $R/answer/$1-back/state)" = done ] ||
        tap_fail "$1: normal before it: $(xenstore-read $R/answer/$1-back/message)"
    xl mem-max vm1 640m
    xl mem-max vm2 640m
    t0=$(now_ms)
    xenstore-write $R/request/$1 takeover
    wait_answer $1 "done failed" $2
    st=$(xenstore-read $R/answer/$1/state)
    c=$(xenstore-read $R/answer/$1/capacity-ms)
    wall=$(( $(xenstore-read $R/answer/$1/ended-at) - t0 ))
    react=$(( $(xenstore-read $R/answer/$1/started-at) - t0 ))
    [ "$st" = done ] && [ "${c:-0}" -gt 0 ] ||
        tap_fail "$1: takeover by xenshiftd: $st, capacity ${c:-?} ms"
}
walls= caps= reacts= bwalls= bcaps=
for try in 1 2 3; do
    daemon_takeover e2e-again-$try 1
    walls="$walls $wall" caps="$caps ${c:-0}" reacts="$reacts $react"
    daemon_takeover e2e-busy-$try 0.1
    bwalls="$bwalls $wall" bcaps="$bcaps ${c:-0}"
done
tap_ok "the take-over by xenshiftd three times more: request to answer$walls ms, capacity$caps ms (reaction$reacts ms)"
tap_diag "and waited for with a look every 0.1 s: request to answer$bwalls ms, capacity$bcaps ms"
echo "XS-E2E-TIME daemon-takeover-median $(median3 $walls)"
echo "XS-E2E-TIME daemon-capacity-median $(median3 $caps)"
echo "XS-E2E-TIME daemon-reaction-median $(median3 $reacts)"
echo "XS-E2E-TIME daemon-busywait-takeover-median $(median3 $bwalls)"
echo "XS-E2E-TIME daemon-busywait-capacity-median $(median3 $bcaps)"
tap_is "and in takeover again, as xl shows" "$(xl_phase)" takeover
# where each request's calls went (the daemon's log, XENSHIFT_HV_TIMES)
grep 'hv calls from the request' /tmp/xenshiftd.log | sed 's/^/XS-TAP: #   /'
# and every call of the last take-over of each kind: the gaps between
# them are the daemon's own work, or its waiting for dom0's CPU
for id in e2e-again-3 e2e-busy-3; do
    awk -v id="$id" '$0 ~ "request " id ": to takeover" { f = 1 }
        f && /hv call / { print } f && /hv calls from the request/ { exit }' \
        /tmp/xenshiftd.log | sed "s/^/XS-TAP: #   $id| /"
done

xenstore-write $R/request/e2e-2 bogus
wait_answer e2e-2 "done failed"
tap_is "a request for an unknown phase is answered failed" \
    "$(xenstore-read $R/answer/e2e-2/state)" failed
tap_diag "$(xenstore-read $R/answer/e2e-2/message)"

"$XENSHIFT" -c "$T" apply normal > /tmp/apply.out 2>&1
rc=$?
sed 's/^/XS-TAP: #   /' /tmp/apply.out
tap_is "xenshift apply goes through the daemon, exit 0" "$rc" 0
tap_check "it says so" grep -q "sent to xenshiftd" /tmp/apply.out
tap_is "the host is in normal, as xl shows" "$(xl_phase)" normal

# xenshift status --watch on real Xen, piped: from what the host
# publishes (the journal and the answer in xenstore, the domains from
# Xen), a line per change while the daemon moves the host, until the end.
xenstore-write $R/request/e2e-watch takeover
i=0
while [ $i -lt 250 ] && [ "$(xenstore-read $R/journal/to 2>/dev/null)" != takeover ]; do
    sleep 0.02; i=$((i + 1))
done
timeout 60 "$XENSHIFT" -c "$T" status --watch > /tmp/watch.out 2> /tmp/watch.err
rc=$?
wait_answer e2e-watch "done failed"
sed 's/^/XS-TAP: #   watch| /' /tmp/watch.out | head -n 40
tap_is "status --watch, piped, exits 0 when the transition has ended" "$rc" 0
tap_check "its first line: the transition and its step ($(head -n 1 /tmp/watch.out))" \
    sh -c "head -n 1 /tmp/watch.out | grep -qE '^normal -> takeover: running, [0-9.]+ s, step '"
tap_is "its last line: how it ended" "$(tail -n 1 /tmp/watch.out)" \
    "transition ended: ok takeover; phase takeover"
tap_check "vm1 was seen on its way to 512 MiB" grep -qE '^  vm1 [0-9.]+ MiB, target 512 MiB, ' /tmp/watch.out
tap_check "vm2's last line: at 128 MiB ($(grep '^  vm2 ' /tmp/watch.out | tail -n 1))" \
    sh -c "grep '^  vm2 ' /tmp/watch.out | tail -n 1 | grep -qE '^  vm2 12[0-9](\.[0-9]+)? MiB'"
tap_is "nothing on stderr" "$(cat /tmp/watch.err)" ""
tap_is "the host is in takeover, as xl shows" "$(xl_phase)" takeover
xenstore-write $R/request/e2e-watch-back normal
wait_answer e2e-watch-back "done failed"
tap_is "and back in normal" "$(xl_phase)" normal

# The same request from inside a guest: xenstore refuses it.
cons=/var/log/xen/console/guest-vm3.log
xenstore-write /local/domain/$(xl domid vm3)/control/xenshift-test try-request
i=0
while [ $i -lt 150 ] && ! grep -q XS-GUEST-XSWRITE "$cons"; do
    sleep 0.2; i=$((i + 1))
done
line=$(grep -a XS-GUEST-XSWRITE "$cons" | tail -n 1)
tap_diag "vm3 said: ${line:-nothing}"
code=$(echo "$line" | sed -n 's/.*XS-GUEST-XSWRITE exit=\([0-9]*\).*/\1/p')
refused() { [ -n "$code" ] && [ "$code" != 0 ]; }
tap_check "vm3 writing request/from-guest with xenstore-write: refused (exit ${code:-none})" refused ||
    tap_show grep -a "XS-GUEST-X" "$cons"
sleep 2
tap_is "no such request node" "$(xenstore-read $R/request/from-guest 2>/dev/null)" ""
tap_is "no answer: the daemon never saw it" "$(xenstore-read $R/answer/from-guest/state 2>/dev/null)" ""
tap_is "nothing changed, as xl shows" "$(xl_phase)" normal

# Idle: no wake-ups.  Context switches of all its threads over 60 s.
cs() { cat /proc/$DPID/task/*/status | awk '/^(non)?voluntary_ctxt_switches/ { n += $2 } END { print n }'; }
sleep 1
tap_diag "xenshiftd resident memory: $(awk '/^VmRSS/ { print $2, $3 }' /proc/$DPID/status), $(ls /proc/$DPID/task | wc -l) threads"
c0=$(cs); sleep 60; c1=$(cs)
tap_is "idle for 60 s: no wake-ups (context switches $c0 -> $c1)" "$((c1 - c0))" 0

# A trigger a minute ahead, picked up with SIGHUP: no command typed.
# the next minute, or the one after when it begins in under 20 s
now=$(date +%s)
min=$(( (now / 60 + 1) * 60 ))
[ $((min - now)) -lt 20 ] && min=$((min + 60))
at="$(date -d @$min +%M) $(date -d @$min +%H) * * *"
sed "s/{ \"phase\": \"normal\", \"at\": \"0 8 \* \* 1-5\" }/{ \"phase\": \"takeover\", \"at\": \"$at\" }/" "$T" > /tmp/sched.json
grep -qF "\"at\": \"$at\"" /tmp/sched.json ||
    tap_diag "could not make the schedule table"
cp /tmp/sched.json /tmp/live.json
# as systemctl reload does: the new table checked, the unit's ExecReload
cp /tmp/live.json /etc/xenshift/xenshift.json
tap_check "ExecStartPre accepts the table with the trigger" $pre
loaded() { grep -c "xenshift.json loaded" /tmp/xenshiftd.log; }
l0=$(loaded)
reload_now=$(echo "$reload" | sed "s/[$]MAINPID/$DPID/")
$reload_now
i=0
while [ $i -lt 100 ] && [ "$(loaded)" = "$l0" ]; do
    sleep 0.1; i=$((i + 1))
done
tap_check "the unit's ExecReload ($reload): the daemon loaded the new table" \
    [ "$(loaded)" != "$l0" ]
"$XENSHIFT" -c /tmp/live.json schedule > /tmp/sched.out 2>&1
sed 's/^/XS-TAP: #   /' /tmp/sched.out
i=0
while [ $i -lt 150 ] && [ "$(xenstore-read $R/phase)" != takeover ]; do
    sleep 1; i=$((i + 1))
done
tap_is "the trigger at $at fired by itself: phase takeover" "$(xenstore-read $R/phase)" takeover
tap_is "as xl shows" "$(xl_phase)" takeover
tap_diag "fired $(( $(date +%s) - min )) s after its minute began"
kill -TERM $DPID; wait $DPID
start_daemon "$T"

# SIGKILL at three points: once the first step began (the balloons),
# once a later one began (the steps start as their preconditions hold:
# the cpupool's hypercalls overlap the balloons, and a kill there leaves
# a pool Xen has but libxl never named), and during the roll-back that
# a SIGTERM after the first step starts ("undo").  Restarted, the daemon
# must leave the host in one phase.  (The simulated host's test kills
# after every single change.)
# wait_progress ID PATTERN: until answer/ID/progress matches PATTERN
# (a case pattern); the progress names the step begun last.
wait_progress() {
    i=0
    while [ $i -lt 600 ]; do
        case "$(xenstore-read $R/answer/$1/progress 2>/dev/null)" in
        $2) return 0 ;;
        esac
        sleep 0.02; i=$((i + 1))
    done
    return 1
}
for k in 1 2 undo; do
    before=$(xl list | awk '$1 ~ /^vm/ { n += $3 } END { print n }')
    from=$(xl_phase)
    to=normal; [ "$from" = normal ] && to=takeover
    xenstore-write $R/request/kill-$k $to
    case $k in
    undo)
        wait_progress kill-$k "[1-9]/*"
        kill -TERM $DPID
        wait_progress kill-$k "undo*" ;;
    1) wait_progress kill-$k "[1-9]/*" ;;
    *) wait_progress kill-$k "[2-9]/*" ;;
    esac
    # The journal's step is written right after the progress.
    i=0
    while [ $i -lt 50 ]; do
        step=$(xenstore-read $R/journal/step 2>/dev/null)
        [ -n "$step" ] && break
        sleep 0.02; i=$((i + 1))
    done
    kill -KILL $DPID; wait $DPID 2>/dev/null
    tap_check "killed mid-transition, at point $k of $from -> $to (journal: ${step:-none})" [ -n "$step" ]
    start_daemon "$T"
    wait_answer kill-$k "done failed"
    now=$(xl_phase)
    case "$now" in normal|takeover) r=0 ;; *) r=1 ;; esac
    tap_is "SIGKILL at point $k, restart: one phase ($now)" "$r" 0
    tap_is "the journal is gone" "$(xenstore-read $R/journal/state 2>/dev/null)" ""
    tap_is "the published phase is the host's" "$(xenstore-read $R/phase)" "$now"
    after=$(xl list | awk '$1 ~ /^vm/ { n += $3 } END { print n }')
    tap_check "memory given to guests unchanged ($before -> $after MiB)" near "$after" "$before" 2
    tap_diag "answer: $(xenstore-read $R/answer/kill-$k/state): $(xenstore-read $R/answer/kill-$k/message)"
done

# After those kills a cpupool can still be made and given its pCPU: a
# pool killed half-made (Xen has it, libxl never named it) was seen and
# destroyed by the recovery, not left to hide the pools after it.
"$XENSHIFT" -c "$T" apply takeover > /tmp/apply.out 2>&1
tap_is "after the kills, apply takeover exits 0" "$?" 0
tap_is "and vm1 has cpupool xenshift-vm1 on pCPU 1" \
    "$(xl_pool vm1) $(xl_pool_cpus xenshift-vm1)" "xenshift-vm1 1"
# apply waiting while its daemon is SIGKILLed mid-transition, as a
# cluster's start waits: the daemon started again (systemd's
# Restart=on-failure) puts the host back and answers the request
# failed, "recovered: back", and apply asks it once more
# (xl-ext/client.c).  It ends in the phase asked, as xl shows.
"$XENSHIFT" -c "$T" apply normal > /tmp/apply-kill.out 2>&1 &
apid=$!
i=0
while [ $i -lt 300 ] && [ -z "$(xenstore-read $R/journal/step 2>/dev/null)" ]; do
    sleep 0.02; i=$((i + 1))
done
step=$(xenstore-read $R/journal/step 2>/dev/null)
kill -KILL $DPID; wait $DPID 2>/dev/null
tap_check "apply normal waits; its daemon killed mid-transition (journal: ${step:-none})" [ -n "$step" ]
sleep 1
start_daemon "$T"
wait $apid
tap_is "apply exits 0: the restarted daemon rolled back, apply asked again" "$?" 0
tap_check "it said its daemon died and that it asked again" \
    grep -q "died; waiting for it to be started again" /tmp/apply-kill.out
tap_check "and asked the new daemon (pid $DPID)" \
    grep -q "xenshiftd (pid $DPID) put the host back as it was: asking again" /tmp/apply-kill.out
tap_is "in normal, as xl shows" "$(xl_phase)" normal
tap_is "no journal left" "$(xenstore-read $R/journal/state 2>/dev/null)" ""
tap_show cat /tmp/apply-kill.out
# Leave the host as the next scenario expects it.
"$XENSHIFT" -c "$T" apply normal > /tmp/apply.out 2>&1
tap_is "apply normal exits 0" "$?" 0
kill -TERM $DPID; wait $DPID
tap_is "SIGTERM: the daemon node is removed" "$(xenstore-read $R/daemon 2>/dev/null)" ""
tap_is "back in normal" "$(xl_phase)" normal
rm -rf /etc/xenshift
grep -c . /tmp/xenshiftd.log | sed 's/^/XS-TAP: # daemon log lines: /'
tail -n 30 /tmp/xenshiftd.log | sed 's/^/XS-TAP: #   log| /'
