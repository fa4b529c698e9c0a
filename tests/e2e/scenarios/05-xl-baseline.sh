# The Fig. 9 take-over done by hand with sequential xl commands, timed:
# the baseline the tool is compared with.  Then back, also by hand.
# Then each balloon step of the take-over alone, timed by xenshift's
# executor: the floor the take-over is measured against.
. /payload/dom0/tap.sh
# xl_wait_mem DOM MIB: until xl list shows it, looking again at once
# (wait_mem sleeps 0.5 s between looks: too coarse to time a balloon)
xl_wait_mem() {
    i=0
    while [ $i -lt 600 ]; do
        near "$(xl_mem "$1")" "$2" 1 && return 0
        i=$((i + 1))
    done
    return 1
}
# The new pool gets Pool-0's scheduler, as xenshift's pools do (read
# before the clock starts).
sched=$(xl cpupool-list | awk '$1 == "Pool-0" { print $3 }')
t0=$(now_ms)
xl mem-set vm2 128m
xl_wait_mem vm2 128
t1=$(now_ms)
xl mem-max vm1 512m
xl mem-set vm1 512m
xl_wait_mem vm1 512
t2=$(now_ms)
xl cpupool-cpu-remove Pool-0 1
printf 'name = "byhand"\nsched = "%s"\ncpus = ["1"]\n' "$sched" > /tmp/byhand.cfg
xl cpupool-create /tmp/byhand.cfg >/dev/null
xl cpupool-migrate vm1 byhand
xl vcpu-pin vm2 all 0
xl vcpu-pin vm3 all 0
t3=$(now_ms)
tap_is "by hand: vm2 at 128 MiB" "$(xl_mem vm2)" 128
tap_is "by hand: vm1 at 512 MiB" "$(xl_mem vm1)" 512
tap_is "by hand: vm1 in its cpupool" "$(xl_pool vm1)" byhand
tap_diag "by hand: shrink vm2 $((t1 - t0)) ms, grow vm1 $((t2 - t1)) ms, cpupool+pins $((t3 - t2)) ms, take-over total $((t3 - t0)) ms"
echo "XS-E2E-TIME xl-takeover $((t3 - t0))"
# Each balloon step alone by xl, as seen through xl list (each look
# costs a whole xl command: for comparison, not the floor).
echo "XS-E2E-TIME xl-shrink-vm2-alone $((t1 - t0))"
echo "XS-E2E-TIME xl-grow-vm1-alone $((t2 - t1))"

t0=$(now_ms)
xl cpupool-migrate vm1 Pool-0
xl cpupool-destroy byhand
xl cpupool-cpu-add Pool-0 1
xl vcpu-pin vm1 all all
xl vcpu-pin vm2 all all
xl vcpu-pin vm3 all all
xl mem-set vm1 128m
xl mem-max vm1 128m
wait_mem vm1 128 60
xl mem-set vm2 512m
wait_mem vm2 512 60
t1=$(now_ms)
# "xl mem-max" also rewrote memory/static-max: put the bed back as built.
xl mem-max vm1 640m
xl mem-max vm2 640m
tap_is "by hand, back: vm1 at 128 MiB" "$(xl_mem vm1)" 128
tap_is "by hand, back: vm2 at 512 MiB" "$(xl_mem vm2)" 512
tap_is "by hand, back: Pool-0 has 0-1" "$(xl_pool_cpus Pool-0)" "0,1"
tap_diag "by hand: back to normal $((t1 - t0)) ms"

# Each balloon step of the take-over alone, on the same guests and
# sizes: xenshift's executor starts it and looks at the guest every
# 100 ms; its capacity moment is when the step was done.  The floor a
# take-over cannot go under (run.sh prints the ratios).  A balloon's
# time moves by a third from one try to the next under the emulation:
# three tries, and the median, of the capacity moment and of the whole
# command (measured as 10-takeover measures the take-over's).
median3() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
alone() {   # alone PHASE NAME: apply PHASE of alone.json, print its times
    caps= walls=
    for try in 1 2 3; do
        t0=$(now_ms)
        "$XENSHIFT" -c /payload/tables/alone.json -j apply "$1" > /tmp/alone.json 2>&1
        rc=$?
        wall=$(( $(now_ms) - t0 ))
        ms=$(sed -n 's/^  "capacity_ms": \([0-9]*\),$/\1/p' /tmp/alone.json)
        [ $rc = 0 ] && [ "${ms:-0}" -gt 0 ] ||
            tap_fail "alone: apply $1 (try $try) exits $rc with capacity ${ms:-?} ms"
        caps="$caps ${ms:-0}" walls="$walls $wall"
        "$XENSHIFT" -c /payload/tables/alone.json apply normal > /tmp/alone.out 2>&1 ||
            tap_fail "alone: back to normal (try $try)"
    done
    tap_ok "alone: apply $1, three times: capacity$caps ms, the whole command$walls ms"
    echo "XS-E2E-TIME $2 $(median3 $caps)"
    echo "XS-E2E-TIME $2-whole $(median3 $walls)"
}
alone vm2-shrunk xenshift-shrink-vm2-alone
tap_is "alone: vm2 was at 128 MiB, and back at 512 MiB" "$(xl_mem vm2)" 512
alone vm1-grown xenshift-grow-vm1-alone
tap_is "alone: vm1 back at 128 MiB" "$(xl_mem vm1)" 128
# apply's grow raised vm1's maxmem to 512 MiB and normal put 128 back:
# the bed as built has 640
xl mem-max vm1 640m
xl mem-max vm2 640m
