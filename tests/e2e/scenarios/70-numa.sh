# Where a domain's memory lies, as xenshift reads it from Xen (debug key
# 'u') on the two-node bed, against the same dump read with xl.
. /payload/dom0/tap.sh
tap_is "the bed has two NUMA nodes (xl info)" \
    "$(xlq info | awk '/^nr_nodes/ { print $3 }')" 2
"$XENSHIFT" -c "$XENSHIFT_TABLE" -v status -j > /tmp/numa.json 2>/tmp/numa.err
tap_is "xenshift -v status -j exits 0" "$?" 0
xl debug-keys u
check_node_memory /tmp/numa.json vm1
id1=$(xl domid vm1)
off=$(( $(xl_node_pages "$id1" 0) * 4 ))
"$XENSHIFT" -c /payload/tables/numa.json plan near > /tmp/plan.out 2>&1
tap_is "plan near exits 0" "$?" 0
sed 's/^/XS-TAP: #   /' /tmp/plan.out
# "near" asks only for a node, a soft goal: a host where vm1 has its
# 128 MiB is in the phase, and the plan only notes the shortfall
# ("vm1: 50% of its memory on node 1 (goal 95%), 64652 KiB elsewhere:
# not moved ...").  Otherwise its relocation step says
# "vm1: 64652 KiB of its memory is off node 1: moved by cycling ...".
said=$(sed -n -e 's/.*vm1: \([0-9.]*\) \([KMG]\)iB of its memory is off node 1: moved by cycling its balloon.*/\1 \2/p' \
              -e 's/.*vm1: [0-9]*% of its memory on node 1 (goal [0-9]*%), \([0-9.]*\) \([KMG]\)iB elsewhere.*/\1 \2/p' \
           /tmp/plan.out | head -n 1 |
       awk '{ m = $2 == "G" ? 1048576 : $2 == "M" ? 1024 : 1; printf "%d\n", $1 * m }')
tap_check "the plan says vm1 has ${said:-?} KiB off node 1 (xl's dump: $off KiB)" \
    near "${said:--99999}" "$off" 1024
