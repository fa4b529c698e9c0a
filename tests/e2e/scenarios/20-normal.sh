# xenshift apply normal: everything back as before the event.
. /payload/dom0/tap.sh
xs_apply "$XENSHIFT_TABLE" normal
tap_is "apply normal exits 0" "$XS_RC" 0
tap_diag "xenshift back to normal: $XS_MS ms"
tap_check "vm1 back to 128 MiB (xl list: $(xl_mem vm1))" near "$(xl_mem vm1)" 128 1
tap_check "vm2 back to 512 MiB (xl list: $(xl_mem vm2))" near "$(xl_mem vm2)" 512 1
tap_is "vm1 back in Pool-0" "$(xl_pool vm1)" Pool-0
tap_is "cpupool xenshift-vm1 is gone" "$(xl_pool_cpus xenshift-vm1)" ""
tap_is "Pool-0 has both pCPUs again" "$(xl_pool_cpus Pool-0)" "0,1"
tap_is "vm1 may run on every pCPU" "$(xl_affinity vm1)" "all"
tap_is "vm2 may run on every pCPU" "$(xl_affinity vm2)" "all"
"$XENSHIFT" -c "$XENSHIFT_TABLE" status -j > /tmp/status.json 2>&1
tap_is "status -j says phase normal" \
    "$(sed -n 's/^  "phase": "\(.*\)".*/\1/p' /tmp/status.json)" normal
xs_apply "$XENSHIFT_TABLE" normal
tap_is "apply normal again: nothing to do, exit 0" "$XS_RC" 0
tap_check "apply normal again says so" grep -q "already in phase normal" /tmp/apply.out
