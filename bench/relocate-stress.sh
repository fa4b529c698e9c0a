# relocate-stress.sh - how often does a guest of the bed die, with and
# without direct moves?  Not part of the default run:
# "tests/e2e/run.sh --scenario stress" runs it on the guarded boot, for
# XENSHIFT_E2E_STRESS_S seconds (default 600) shared by the modes of
# XENSHIFT_E2E_STRESS_MODE (default "idle move fresh"):
#   idle   the workload guest (memory and disk patterns, a granted page,
#          two vCPUs) runs and nothing is done to it: the baseline;
#   pause  it is paused for 0.5 s and unpaused, again and again, as a
#          direct move pauses it, but nothing moves;
#   move   its memory is moved directly from node to node;
#   fresh  fresh 256 MiB PVH guests, each moved as soon as it says hello
#          and back (the case of the first crash seen, in the benchmark).
# Guests are kept when they die (on_reboot/on_crash = "preserve": Xen
# turns a triple fault into a reboot); for the first, its registers
# (xenctx), Xen's last words and its console are printed; every death
# is counted per mode, with where its saved RIP was, and the dead
# workload guest is built again.
# Guest-time: every round adds (guests alive at the round's start) x (its
# length), so deaths per guest-hour compare runs with different guests
# and lengths.  Each mode prints "XS-E2E-TIME stress-MODE-deaths N" and
# "stress-MODE-guest-ms N" (what make stress-xen adds up per build).
# On a hypervisor without the guard (/payload/xen-build: control or
# stock) nothing is moved: "move" is left out and fresh guests are only
# booted, so the modes left compare like for like.
. /payload/dom0/tap.sh
. /payload/dom0/work.sh
secs=$(cat /payload/stress-seconds 2>/dev/null || echo 600)
# the modes, in order (see below); "fresh" adds the second part
modes=$(cat /payload/stress-mode 2>/dev/null || echo "idle move fresh")
bin=$(ls -d /usr/lib/xen-4.*/bin | tail -n 1)
build=$(cat /payload/xen-build 2>/dev/null || echo guarded)
if [ "$build" != guarded ] && echo " $modes " | grep -q ' move '; then
    tap_diag "the $build hypervisor has no guard: mode move left out"
    modes=$(echo " $modes " | sed 's/ move / /; s/^ *//; s/ *$//')
    [ -n "$modes" ] || { tap_diag "no mode left: idle instead"; modes=idle; }
fi

# dead: the guests of the bed that are no longer running (a triple fault
# becomes a reboot, kept by on_reboot = "preserve": state "s"; "c" is a
# crash)
dead() {
    xlq list | awk 'NR > 1 && $1 != "Domain-0" && $5 ~ /[sc]/ { print $1 }'
}
# report NAME: everything there is to know about a dead guest
report() {
    id=$(xl domid "$1" 2>/dev/null)
    tap_show sh -c "xl list; xl dmesg | tail -n 30"
    tap_show tail -n 40 "/var/log/xen/console/guest-$1.log"
    for v in 0 1; do
        tap_show timeout 20 "$bin/xenctx" -a -S "$id" "$v"
    done
}
# rip_cs NAME: the code segment of the RIP Xen printed when the guest
# triple faulted: e008 is Xen's own (the state QEMU saved as the guest's
# was Xen's, right after its VMRUN), 0010 the guest kernel's
rip_cs() {
    xl dmesg | grep -A4 ") d$(xl domid "$1" 2>/dev/null)v[0-9]* Triple fault" |
        sed -n 's/.*RIP: *\([0-9a-f]*\):.*/\1/p' | tail -n 1
}
other() { [ "$1" = 1 ] && echo 0 || echo 1; }
# Guest-time: gt_start starts a mode's count, gt_tick adds the time since
# the last tick times the guests alive then (paused ones count: they are
# there to die), gt_ms is the sum in milliseconds.
alive() {
    xlq list | awk 'NR > 1 && $1 != "Domain-0" && $5 !~ /[sc]/' | wc -l
}
gt_start() { gt_ms=0; gt_last=$(date +%s%3N); gt_n=$(alive); }
gt_tick() {
    now=$(date +%s%3N)
    gt_ms=$((gt_ms + gt_n * (now - gt_last)))
    gt_last=$now
    gt_n=$(alive)
}

# --- 1: the workload guest, in each mode ------------------------------------
#   idle   nothing happens to it (the baseline)
#   pause  "xl pause", 0.5 s, "xl unpause", as a direct move pauses it
#   move   direct moves from node to node
tap_check "the workload guest is up" work_start 256 64
nmodes=$(echo $modes | wc -w)
deaths=0 reported=0
for mode in $modes; do
    [ "$mode" = fresh ] && continue
    to=1
    rounds=0 fails=0 pages=0 d_mode=0 d_xen=0
    t_end=$(($(date +%s) + secs / nmodes))
    gt_start
    while [ "$(date +%s)" -lt $t_end ]; do
        case $mode in
        idle)
            sleep 3 ;;
        pause)
            for i in 1 2 3 4 5; do
                xl pause work; sleep 0.5; xl unpause work; sleep 0.1
            done ;;
        move)
            "$XENSHIFT" mem-move -j --busy-timeout 0 work $to > /tmp/st.json 2> /tmp/st.err ||
                fails=$((fails + 1))
            p=$(tr -d ' \n' < /tmp/st.json | sed -n 's/.*"moved_pages":\([0-9]*\).*/\1/p')
            pages=$((pages + ${p:-0}))
            to=$(other $to) ;;
        esac
        rounds=$((rounds + 1))
        gt_tick
        for g in $(dead); do
            d_mode=$((d_mode + 1))
            cs=$(rip_cs "$g")
            [ "$cs" = e008 ] && d_xen=$((d_xen + 1))
            tap_diag "mode $mode, round $rounds: $g died (its saved RIP in ${cs:-?}: $( [ "$cs" = e008 ] && echo "Xen's code" || echo "its own code"))"
            if [ $reported = 0 ]; then
                report "$g"
                reported=1
            fi
            xl destroy "$g"
            if [ "$g" = work ]; then
                rm -f "$WORK_CONS"
                losetup -j /tmp/work-disk | cut -d: -f1 | xargs -r -n 1 losetup -d
                work_start 256 64 || { tap_diag "the workload guest did not come back"; break 2; }
            fi
            # the time it took to bring it back counts for those alive
            gt_tick
        done
    done
    gt_tick
    deaths=$((deaths + d_mode))
    tap_diag "mode $mode: $rounds rounds in $((secs / nmodes)) s, $pages pages moved, $fails moves failed, $d_mode guest(s) died ($d_xen with Xen's RIP) in $((gt_ms / 1000)) guest-s"
    echo "XS-E2E-TIME stress-$mode-rounds $rounds"
    echo "XS-E2E-TIME stress-$mode-deaths $d_mode"
    echo "XS-E2E-TIME stress-$mode-guest-ms $gt_ms"
    tap_check "mode $mode ran" [ "$rounds" -gt 0 ]
done
tap_is "no guest of the bed died (modes: $modes)" "$deaths" 0
tap_is "no bad page or disk block seen" "$(work_stat bad) $(work_stat disk_bad)" "0 0"
xl destroy work

echo " $modes " | grep -q ' fresh ' || exit 0
# --- 2: fresh guests, moved as soon as they are up --------------------------
guest_cfg fresh pvh 256 256 ""
cons=/var/log/xen/console/guest-fresh.log
# (the other guests of the bed count too: any death is counted, reported
# once, and the dead guest destroyed; the run goes on)
guests=0 fmoves=0 dead=0 t_end=$(($(date +%s) + secs / nmodes))
gt_start
while [ "$(date +%s)" -lt $t_end ]; do
    rm -f "$cons"
    timeout 180 xl create /etc/xen/fresh.cfg > /tmp/fresh.log 2>&1 || {
        tap_show cat /tmp/fresh.log
        break
    }
    guests=$((guests + 1))
    gt_tick
    wait_hello fresh 120
    if [ "$build" = guarded ]; then
        for n in 1 0; do
            "$XENSHIFT" mem-move -j --busy-timeout 0 fresh $n > /dev/null 2>&1
            fmoves=$((fmoves + 1))
            dead | grep -q . && break
        done
    fi
    gt_tick
    for g in $(dead); do
        dead=$((dead + 1))
        tap_diag "fresh guest $guests: $g died ($([ "$g" = fresh ] && echo "in its first moves" || echo "another guest of the bed"))"
        [ $reported = 0 ] && report "$g"
        reported=1
        xl destroy "$g"
    done
    xl destroy fresh 2>/dev/null
    gt_tick
done
tap_diag "fresh guests: $guests booted, $fmoves moves, $dead guest(s) died in $((gt_ms / 1000)) guest-s"
echo "XS-E2E-TIME stress-fresh-deaths $dead"
echo "XS-E2E-TIME stress-fresh-guest-ms $gt_ms"
if [ "$build" = guarded ]; then
    tap_check "fresh guests were booted and moved" [ "$guests" -gt 0 -a "$fmoves" -gt 0 ]
else
    tap_check "fresh guests were booted (nothing moved: $build)" [ "$guests" -gt 0 ]
fi
tap_is "no guest died with fresh guests ($guests guests, $fmoves moves)" "$dead" 0
