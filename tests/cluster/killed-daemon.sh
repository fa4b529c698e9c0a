# killed-daemon.sh - the cluster bed's scenario "xenshiftd is killed on B
# during the take-over" (sourced by run.sh; uses its hosts, helpers and
# variables: B, GB, work, logdir, vip, port, b_takeover, where_is, xl_state,
# same_state, daemon_runs, daemon_logs, save_logs).
#
# It runs after the stuck donor: A is down, xs's fail count on B is
# INFINITY and the group runs nowhere.  The operator does what
# docs/failover.md says after a failed take-over: repairs B (vm2 built
# again as setup builds it, no balloon floor) and clears the failure
# (crm_resource --cleanup -r xs).  Pacemaker starts the group on B: the
# take-over, through B's xenshiftd.  kill-daemon.sh, started before the
# cleanup, SIGKILLs the daemon once its journal shows a step under way.
# xenshiftd-supervise.sh starts it again (Restart=on-failure); the new
# daemon finds the journal, puts the record back and answers the
# interrupted request failed; xenshift apply, in the agent's start, sees
# its daemon died, waits for the new one's roll-back and sends its
# request again, once: the start succeeds and B ends in takeover.  Then
# the group is stopped (target-role Stopped): B back in normal exactly.

# killed KEY: a value kill-daemon.sh recorded ($work/killed.out)
killed() { sed -n "s/^$1=//p" "$work/killed.out" | head -n 1; }

# stamp_of FILE ERE [AFTER]: the time (ms, a log line's first field) of
# the first line of FILE matching ERE whose time is AFTER or later
stamp_of() {
    awk -v re="$2" -v after="${3:-0}" '$1 >= after && $0 ~ re { print $1; exit }' "$1"
}

# secs FROM TO: TO - FROM (ms) in seconds, or "?"
secs() {
    [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f s", (b - a) / 1000 }' ||
        echo "?"
}

scenario_killed_daemon() {
    local t pid0 newpid t0 t_answer i fc res back_ms req2
    local sup=$logdir/$B.killed.xenshiftd-supervise.log dlg=$logdir/$B.killed.xenshiftd.log
    local t_scenario=$SECONDS t_repair
    on $B -t 300 ". /payload/e2e/tap.sh; xl destroy vm2 && rm -f /var/log/xen/console/guest-vm2.log &&
        guest_cfg vm2 pv 512 640 '' 'maxvcpus = 2' && create_guest vm2 && wait_hello vm2 240" > "$work/vm2.out" 2>&1
    is $? 0 "$B: the operator repairs vm2: built again as setup builds it (no balloon floor)" ||
        diag < "$work/vm2.out"
    t_repair=$((SECONDS - t_scenario))
    b_normal=$(xl_state $B)
    is "$(on $B ". /payload/e2e/tap.sh; xl_phase")" normal "$B: in normal (xl)"
    pid0=$(daemon_runs $B)
    [ -n "$pid0" ]
    is $? 0 "$B: xenshiftd runs (pid ${pid0:-none}), the one that rolled the stuck take-over back"
    # the killer, and a client asking the service from now on
    on $B "rm -f /run/killed /run/killed.tmp /run/answered
        setsid sh /payload/dom0/kill-daemon.sh /run/killed 600 </dev/null >/dev/null 2>&1 &
        setsid sh /payload/dom0/answer-wait.sh $vip $port $GB /run/answered </dev/null >/dev/null 2>&1 &"
    t0=$(on $B "date +%s%3N")
    t=$SECONDS
    on $B -t 60 "crm_resource --cleanup -r xs" > "$work/cleanup.out" 2>&1
    is $? 0 "$B: the guide's cleanup after a failed take-over: crm_resource --cleanup -r xs" ||
        diag < "$work/cleanup.out"
    # the fail count is cleared (attrd), then the take-over runs and
    # ends: the group started on B, or xs failed again
    for i in $(seq 30); do
        [ "$(on $B -t 30 "crm_failcount -G -r xs -N $B -q 2>/dev/null")" != INFINITY ] && break
        sleep 1
    done
    for i in $(seq 150); do
        [ "$(where_is svc)" = $GB ] && break
        [ "$(on $B -t 30 "crm_failcount -G -r xs -N $B -q 2>/dev/null")" = INFINITY ] && break
        sleep 2
    done
    on $B -t 200 "crm_resource --wait --timeout=180s" > "$work/wait.out" 2>&1
    on $B "crm_mon -1rf" > "$work/crm_mon.out"
    diag < "$work/crm_mon.out"
    on $B "cat /run/killed 2>/dev/null || cat /run/killed.tmp" > "$work/killed.out"
    diag < "$work/killed.out"
    save_logs $B killed
    daemon_logs $B killed

    # the kill: mid-transition, the journal in xenstore
    is "$(killed done)" 1 "$B: kill-daemon.sh saw the journal, killed, saw the new daemon and its roll-back's result"
    is "$(killed pid)" "$pid0" "the SIGKILL hit $B's xenshiftd (pid $pid0)"
    [ "$(killed state)" = running ] && [ -n "$(killed step)" ] && [ -z "$(killed capacity_ms)" ] &&
        [ -n "$(killed request)" ]
    is $? 0 "the kill came mid-transition: journal of request $(killed request), state running, step under way '$(killed step)' ($(killed progress)), before capacity"
    # the supervisor: the exit by SIGKILL, then a new daemon
    newpid=$(killed newpid)
    grep -q " exit $pid0 signal 9 (KILL)$" "$sup"
    is $? 0 "the supervisor saw pid $pid0 die of SIGKILL" || diag < "$sup"
    [ -n "$newpid" ] && [ "$newpid" != "$pid0" ] && grep -q " start $newpid$" "$sup"
    is $? 0 "the supervisor started xenshiftd again (Restart=on-failure): a new pid ${newpid:-none}" ||
        diag < "$sup"
    is "$(daemon_runs $B)" "$newpid" "$B: xenstore's daemon node names the new xenshiftd, alive"
    # the new daemon rolled the interrupted transition back on start
    grep -q "an interrupted transition: interrupted normal -> takeover (at: .*); every domain is back as it was recorded, in normal" "$dlg"
    is $? 0 "the new xenshiftd rolled the interrupted take-over back on start (its log: an interrupted transition)" ||
        diag < "$dlg"
    res=$(killed result)
    case $res in
    "failed takeover: interrupted normal -> takeover (at: "*"); every domain is back as it was recorded, in normal") ok "its result node: '$res'" ;;
    *) nok "its result node after the roll-back: '$res'" ;;
    esac
    # the interrupted request answered: its recovered leaf ("back", which
    # the client asks again after) and its state, seen written after the
    # kill (the client removes the answer once read)
    case " $(killed watched) " in
    *" recovered "*) case " $(killed watched) " in
        *" state "*) ok "the new xenshiftd answered the interrupted request (its answer's leaves written: $(killed watched))" ;;
        *) nok "the new xenshiftd answered the interrupted request: no state among the leaves seen, '$(killed watched)'" ;;
        esac ;;
    *) nok "the new xenshiftd answered the interrupted request: no recovered among the leaves seen, '$(killed watched)'" ;;
    esac
    # the agent's xenshift apply asked again, once: a new request for
    # takeover after the roll-back, reached
    back_ms=$(stamp_of "$dlg" "an interrupted transition")
    req2=$(awk -v after="${back_ms:-0}" '$1 >= after && $3 == "request" && / takeover queued/ {
        sub(/:$/, "", $4); print $4; exit }' "$dlg")
    [ -n "$req2" ] && [ "$req2" != "$(killed request)" ] && grep -q "request $req2: reached takeover in" "$dlg"
    is $? 0 "xenshift apply in the agent's start asked again once after the roll-back: request ${req2:-none} reached takeover (the daemon's log)" ||
        diag < "$dlg"
    # the agent's start, sent again once after the roll-back: one phase,
    # takeover, exactly as the first take-over left B
    fc=$(on $B "crm_failcount -G -r xs -N $B -q 2>/dev/null")
    is "${fc:-0}" 0 "crm_failcount: xs has no failure on $B (the start succeeded)"
    is "$(where_is xs)" $B "crm_resource: xs started on $B"
    is "$(where_is ip)" $GB "crm_resource: ip started on $GB, after xs"
    is "$(where_is svc)" $GB "crm_resource: svc started on $GB, after ip"
    b_now=$(xl_state $B)
    same_state "$b_takeover" "$b_now"
    is $? 0 "$B: in takeover exactly as the first take-over left it (xl: vm1 512, vm2 128, vm3 128, pool xenshift-vm1 with pCPU 1, vCPUs, pins)" ||
        { diag <<< "$b_now"; }
    on $B "xenshift -c /etc/xenshift/xenshift.json status" > "$work/status.out" 2>&1
    grep -q "^phase: takeover " "$work/status.out" && ! grep -q "^transition:" "$work/status.out"
    is $? 0 "$B: xenshift status: phase takeover, no transition" || diag < "$work/status.out"
    is "$(on $B "xenstore-read /local/domain/0/xenshift/journal/state 2>/dev/null")" "" \
        "$B: no journal in xenstore"
    for i in $(seq 30); do
        t_answer=$(on $B "cat /run/answered 2>/dev/null")
        [ -n "$t_answer" ] && break
        sleep 1
    done
    [ -n "$t_answer" ]
    is $? 0 "the service answers at $vip:$port from $GB, to the client that asked since the cleanup" ||
        on $B "socat -T 10 -u TCP:$vip:$port,connect-timeout=5 - 2>&1" | diag

    # the timings, on B's clock
    local kill_ms=$(killed kill_ms) start_ms=$(killed started_ms) exit_ms restart_ms
    local req2_ms reached_ms reached_own
    exit_ms=$(stamp_of "$sup" " exit $pid0 ")
    restart_ms=$(stamp_of "$sup" " start $newpid$")
    back_ms=$(stamp_of "$dlg" "an interrupted transition" "$restart_ms")
    req2_ms=$(stamp_of "$dlg" ": to takeover, [0-9]+ steps" "${back_ms:-0}")
    reached_ms=$(stamp_of "$dlg" ": reached takeover in [0-9]+ ms" "${back_ms:-0}")
    reached_own=$(awk -v after="${back_ms:-0}" '$1 >= after && match($0, /reached takeover in [0-9]+ ms/) {
        print substr($0, RSTART + 20, RLENGTH - 23); exit }' "$dlg")
    grep -E "xs start|rsc:xs action:start|Result of start operation for xs" "$logdir/$B.killed.pacemaker.log" |
        grep -v "^#" | tail -n 4 | diag
    grep -E "^[0-9]+ " "$dlg" | awk -v a="$t0" '$1 >= a' | tail -n 30 | diag
    diag < "$sup"
    echo "# the killed daemon on $B: the kill $(secs "$start_ms" "$kill_ms") after the transition began (at $(killed progress)), $(secs "$(killed journal_ms)" "$kill_ms") after its journal was seen; the restart: exit seen $(secs "$kill_ms" "$exit_ms") after the kill, the new daemon started $(secs "$exit_ms" "$restart_ms") later (RestartSec 100 ms and xenshiftd -n); the roll-back: done $(secs "$restart_ms" "$back_ms") after the new start (kill -> back $(secs "$kill_ms" "$back_ms")); the second transition: the request again $(secs "$back_ms" "$req2_ms") later, reached takeover in ${reached_own:-?} ms ($(secs "$req2_ms" "$reached_ms") in the log); cleanup -> the service answers $(secs "$t0" "$t_answer") (kill -> the service answers $(secs "$kill_ms" "$t_answer"))"

    # the group stopped: the agent's stop through the new daemon, B back
    # in normal exactly
    t=$SECONDS
    on $B -t 300 "crm_resource -r g-service --meta -p target-role -v Stopped &&
        crm_resource --wait --timeout=240s" > "$work/stop.out" 2>&1
    is $? 0 "the group stopped (target-role Stopped) ($((SECONDS - t)) s)" || diag < "$work/stop.out"
    is "$(where_is xs)" "" "crm_resource: xs stopped"
    b_now=$(xl_state $B)
    same_state "$b_normal" "$b_now"
    is $? 0 "$B: back in normal exactly as before the take-over (xl: memory, vCPUs, cpupools, pins)" ||
        { diag <<< "$b_now"; }
    echo "# the killed-daemon scenario: $((SECONDS - t_scenario)) s in all (vm2 rebuilt: $t_repair s; the group's stop: $((SECONDS - t)) s)"
}
