# A table naming a domain that is not running: reported, the others
# still handled as the table says.
. /payload/dom0/tap.sh
xs_apply /payload/tables/missing.json bigger
tap_is "apply with a domain not running exits 0" "$XS_RC" 0
tap_check "vm4 is reported as not running" grep -q "vm4 is not running" /tmp/apply.out
tap_check "vm1 still grew to 256 MiB (xl list: $(xl_mem vm1))" near "$(xl_mem vm1)" 256 1
xs_apply /payload/tables/missing.json smaller
tap_is "and back, exit 0" "$XS_RC" 0
tap_check "vm1 back to 128 MiB" near "$(xl_mem vm1)" 128 1
