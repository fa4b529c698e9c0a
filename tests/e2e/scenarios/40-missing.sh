# A table naming a domain that is not running: reported, the others
# still handled as the table says.
. /payload/dom0/tap.sh
"$XENSHIFT" -c /payload/tables/missing.json apply bigger > /tmp/missing.out 2>&1
rc=$?
sed 's/^/XS-TAP: #   /' /tmp/missing.out
tap_is "apply with a domain not running exits 0" "$rc" 0
tap_check "vm4 is reported as not running" grep -q "vm4 is not running" /tmp/missing.out
tap_check "vm1 still grew to 256 MiB (xl list: $(xl_mem vm1))" near "$(xl_mem vm1)" 256 1
"$XENSHIFT" -c /payload/tables/missing.json apply smaller > /tmp/missing2.out 2>&1
tap_is "and back, exit 0" "$?" 0
tap_check "vm1 back to 128 MiB" near "$(xl_mem vm1)" 128 1
