# The Fig. 9 take-over done by hand with sequential xl commands, timed:
# the baseline the tool is compared with.  Then back, also by hand.
. /payload/dom0/tap.sh
# The new pool gets Pool-0's scheduler, as xenshift's pools do (read
# before the clock starts).
sched=$(xl cpupool-list | awk '$1 == "Pool-0" { print $3 }')
t0=$(now_ms)
xl mem-set vm2 128m
wait_mem vm2 128 60
t1=$(now_ms)
xl mem-max vm1 512m
xl mem-set vm1 512m
wait_mem vm1 512 60
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
# Each balloon step alone, on the same guests and sizes as the take-over:
# the floor a take-over cannot go under (run.sh prints the ratio).
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
