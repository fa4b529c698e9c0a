# A donor asked for less than its kernel can give up: stuck within
# seconds, the transition rolled back, every domain where it was.
. /payload/dom0/tap.sh
before1=$(xl_mem vm1)
before2=$(xl_mem vm2)
t0=$(now_ms)
"$XENSHIFT" -c /payload/tables/stuck.json apply squeeze > /tmp/stuck.out 2>&1
rc=$?
t1=$(now_ms)
sed 's/^/XS-TAP: #   /' /tmp/stuck.out
tap_is "apply squeeze fails (exit 1)" "$rc" 1
tap_check "the report says the balloon is stuck" grep -q "stuck" /tmp/stuck.out
tap_check "the report says it rolled back" grep -q "rolled back: every domain is back" /tmp/stuck.out
tap_diag "stuck detected and rolled back in $((t1 - t0)) ms"
wait_mem vm2 "$before2" 30
tap_check "vm2 back at $before2 MiB (xl list: $(xl_mem vm2))" near "$(xl_mem vm2)" "$before2" 1
tap_check "vm1 untouched at $before1 MiB" near "$(xl_mem vm1)" "$before1" 1
tap_is "vm1 still in Pool-0" "$(xl_pool vm1)" Pool-0
tap_is "no xenshift cpupool left behind" "$(xl_pool_cpus xenshift-vm1)" ""
tap_is "Pool-0 still has both pCPUs" "$(xl_pool_cpus Pool-0)" "0,1"
tap_check "vm2 is still running" sh -c "xl list vm2 | awk 'NR == 2 && \$5 !~ /c/ { f = 1 } END { exit !f }'"
