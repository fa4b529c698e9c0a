# xenshift apply takeover: the patent's Fig. 9 transition on real Xen,
# asserted with what xl reports, by the installed package's xenshift.
. /payload/dom0/tap.sh
tap_packaged "$XENSHIFT"
# What the measurement itself costs (now_ms forks date), and with the
# smallest process between its two readings: a floor under XS_MS that
# no xenshift change can cut.
m0=$(now_ms); m1=$(now_ms); m2=$(now_ms); /bin/true; m3=$(now_ms)
echo "XS-E2E-TIME measure-nothing $((m1 - m0))"
echo "XS-E2E-TIME measure-true $((m3 - m2))"
# every hv call in order in the log: where the fixed cost goes
XS_HV_TIMES=trace xs_apply "$XENSHIFT_TABLE" takeover --timeline /tmp/takeover.svg
tap_is "apply takeover exits 0" "$XS_RC" 0
# Its picture leaves the bed on the console (run.sh decodes it into
# tests/e2e/logs/takeover.svg and checks it).
tap_check "apply --timeline wrote the picture" grep -q "</svg>" /tmp/takeover.svg
echo "XS-E2E-SVG-BEGIN takeover"
base64 -w 76 /tmp/takeover.svg | sed 's/^/XS-E2E-SVG /'
echo "XS-E2E-SVG-END"
tap_diag "xenshift take-over: $XS_MS ms"
echo "XS-E2E-TIME xenshift-takeover $XS_MS"
# From apply's own lines: the time before the first step, and capacity
# (from the first step, as the executor counts).
prep=$(sed -n 's/^prepared in \([0-9]*\) ms.*/\1/p' /tmp/apply.out)
cap=$(sed -n 's/^reached phase .*(capacity at \([0-9.]*\) s,.*/\1/p' /tmp/apply.out |
    awk '{ printf "%d", $1 * 1000 }')
echo "XS-E2E-TIME xenshift-prepare ${prep:-0}"
echo "XS-E2E-TIME xenshift-capacity ${cap:-0}"
tap_check "apply reports capacity (${cap:-?} ms after ${prep:-?} ms of preparing)" \
    [ "${cap:-0}" -gt 0 -a -n "$prep" ]
# The slowest single balloon step inside it ("[  0.0s] shrink  vm2: ..."
# to "[  1.5s] done    vm2 at ..."; other steps of vm2 end between the
# two, "done vm2 on pCPUs 0"): what the whole cannot beat.
slowest=$(awk '
    /^\[ *[0-9.]+s\] (shrink|grow) / { t = $2; gsub(/[^0-9.]/, "", t); d = $4; sub(/:$/, "", d); start[d] = t }
    /^\[ *[0-9.]+s\] done +[^ ]+ at / { t = $2; gsub(/[^0-9.]/, "", t); d = $4
        if (d in start) { x = (t - start[d]) * 1000; if (x > m) m = x; delete start[d] } }
    END { printf "%d\n", m }' /tmp/apply.out)
tap_diag "slowest single balloon step inside it: $slowest ms"
echo "XS-E2E-TIME slowest-balloon-step $slowest"
tap_check "vm2 shrank to 128 MiB (xl list: $(xl_mem vm2))" near "$(xl_mem vm2)" 128 1
tap_check "vm1 grew to 512 MiB (xl list: $(xl_mem vm1))" near "$(xl_mem vm1)" 512 1
tap_check "vm3 stayed at 128 MiB" near "$(xl_mem vm3)" 128 1
tap_is "vm1 is in cpupool xenshift-vm1" "$(xl_pool vm1)" xenshift-vm1
tap_is "cpupool xenshift-vm1 holds pCPU 1 only" "$(xl_pool_cpus xenshift-vm1)" 1
tap_is "Pool-0 keeps pCPU 0 only: no other domain can run on pCPU 1" \
    "$(xl_pool_cpus Pool-0)" 0
tap_show xl vcpu-list
tap_is "vm1's vCPUs are pinned to pCPU 1" "$(xl_affinity vm1)" 1
tap_is "vm2 shares pCPU 0" "$(xl_affinity vm2)" 0
tap_is "vm3 shares pCPU 0" "$(xl_affinity vm3)" 0
tap_is "dom0 stays in Pool-0" "$(xl_pool Domain-0)" Pool-0
for d in Domain-0 vm2 vm3; do
    on=$(xl_running_on $d)
    case " $on " in
    *" 1 "*) tap_fail "$d has a vCPU on vm1's pCPU 1 ($on)" ;;
    *) tap_ok "$d has no vCPU on pCPU 1 ($on)" ;;
    esac
done
tap_is "vm1's balloon target in xenstore is 512 MiB" \
    "$(xenstore-read /local/domain/$(xl domid vm1)/memory/target)" 524288
tap_is "vm2's balloon target in xenstore is 128 MiB" \
    "$(xenstore-read /local/domain/$(xl domid vm2)/memory/target)" 131072

# xenshift status -j agrees with xl
"$XENSHIFT" -c "$XENSHIFT_TABLE" status -j > /tmp/status.json 2>&1
tap_is "status -j says phase takeover" \
    "$(sed -n 's/^  "phase": "\(.*\)".*/\1/p' /tmp/status.json)" takeover
for d in vm1 vm2 vm3; do
    kib=$(awk -v d="\"$d\"" '$0 ~ "\"name\": " d { f = 1 }
          f && /"memory_kib"/ { gsub(/[^0-9]/, ""); print; exit }' /tmp/status.json)
    tap_check "status -j memory of $d ($kib KiB) agrees with xl list ($(xl_mem $d) MiB)" \
        near "$((kib / 1024))" "$(xl_mem $d)" 1
done
tap_is "status -j: vm1's cpupool" \
    "$(awk '/"name": "vm1"/ { f = 1 } f && /"cpupool"/ { print; exit }' /tmp/status.json | sed 's/.*: "\(.*\)".*/\1/')" \
    "$(xl_pool vm1)"

# The take-over against vm2's shrink alone (05-xl-baseline's step), in
# pairs, each from normal with maxmem as the bed built it: a balloon's
# time moves by half from one try to the next under the emulation and
# drifts over a boot, so each take-over is set against the shrink timed
# just before it.  Five pairs; run.sh takes the medians.  -j: capacity
# to the ms; --progress: the steps, to find the take-over's own shrink
# in it; XENSHIFT_HV_TIMES: the whole command by its own clock, from its
# process's start (exec, libraries) to its end; and the shell's clock
# around it.  After the take-over dom0 shares pCPU 0 with vm2 and vm3:
# there the shell's clock and the process's exit took 43-188 ms (43-65
# after a shrink alone); the process's own clock leaves them out.
# Each command starts after 2 s of quiet: the guests' kernels go on
# working for a while after their balloons reached the target (a shrink
# started at once after "apply normal" took 700 ms, 610 after 2 s).
from_normal() {   # from_normal TABLE
    "$XENSHIFT" -c "$1" apply normal > /tmp/again.out 2>&1 ||
        tap_fail "again: apply normal ($1)"
    xl mem-max vm1 640m
    xl mem-max vm2 640m
}
timed() {   # timed TABLE PHASE: sets rc, wall, proc, c (capacity), in (its slowest balloon step)
    sleep 2
    t0=$(now_ms)
    XENSHIFT_HV_TIMES=1 "$XENSHIFT" -c "$1" -j apply --progress "$2" > /tmp/again.json 2> /tmp/again.progress
    rc=$?
    wall=$(( $(now_ms) - t0 ))
    proc=$(sed -n 's/^xenshift: times: process \([0-9]*\) ms.*/\1/p' /tmp/again.progress)
    c=$(sed -n 's/^  "capacity_ms": \([0-9]*\),$/\1/p' /tmp/again.json)
    in=$(awk '
        /^\[ *[0-9.]+s\] (shrink|grow) / { t = $2; gsub(/[^0-9.]/, "", t); d = $4; sub(/:$/, "", d); start[d] = t }
        /^\[ *[0-9.]+s\] done +[^ ]+ at / { t = $2; gsub(/[^0-9.]/, "", t); d = $4
            if (d in start) { x = (t - start[d]) * 1000; if (x > m) m = x; delete start[d] } }
        END { printf "%d\n", m }' /tmp/again.progress)
    [ $rc = 0 ] && [ "${c:-0}" -gt 0 ] && [ "${proc:-0}" -gt 0 ] && return 0
    tap_fail "again: apply $2 (pair $pair) exits $rc with capacity ${c:-?} ms, its process ${proc:-?} ms"
    sed 's/^/XS-TAP: #   /' /tmp/again.json /tmp/again.progress
    return 1
}
pairs= bad=0
for pair in 1 2 3 4 5; do
    from_normal "$XENSHIFT_TABLE"
    timed /payload/tables/alone.json vm2-shrunk || bad=1
    a_c=${c:-0} a_p=${proc:-0} a_w=$wall
    from_normal /payload/tables/alone.json
    timed "$XENSHIFT_TABLE" takeover || bad=1
    echo "XS-E2E-PAIR $pair shrink-alone $a_c $a_p $a_w takeover ${c:-0} ${proc:-0} $wall inside $in"
    grep '^\[' /tmp/again.progress | sed "s/^/XS-TAP: #   pair $pair: /"
    pairs="$pairs; $a_c/${c:-0} ms"
done
tap_is "five pairs, vm2's shrink alone / the take-over, to capacity:${pairs#;}: all timed" $bad 0
tap_is "and in takeover again, as xl shows" "$(xl_phase)" takeover
