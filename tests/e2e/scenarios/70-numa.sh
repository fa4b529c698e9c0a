# Where a domain's memory lies, as xenshift reads it from Xen (debug key
# 'u') on the two-node bed, against the same dump read with xl.
. /payload/dom0/tap.sh
tap_is "the bed has two NUMA nodes (xl info)" \
    "$(xlq info | awk '/^nr_nodes/ { print $3 }')" 2
# xl's view: pages of domain $1 on node $2 in the last 'u' dump of
# xl dmesg ("(XEN) Domain 2 (total: N):" then "(XEN)     Node 0: P").
xl_node_pages() {
    xl dmesg | awk -v d="$1" -v n="$2" '
        /dumping numa info/ { cur = ""; pages = "" }
        $2 == "Domain" && $4 == "(total:" { cur = $3 }
        cur == d && $2 == "Node" && $3 == n ":" { pages = $4 }
        END { print pages }'
}
"$XENSHIFT" -c "$XENSHIFT_TABLE" -v status -j > /tmp/numa.json 2>/tmp/numa.err
tap_is "xenshift -v status -j exits 0" "$?" 0
xl debug-keys u
id1=$(xl domid vm1)
for node in 0 1; do
    xlkib=$(( $(xl_node_pages "$id1" $node) * 4 ))
    xskib=$(tr -d ' \n' < /tmp/numa.json |
            sed -n 's/.*"name":"vm1"[^}]*"node_memory_kib":\[\([0-9,]*\)\].*/\1/p' |
            cut -d, -f$((node + 1)))
    tap_check "vm1's memory on node $node: xenshift ${xskib:-?} KiB, xl's dump $xlkib KiB" \
        near "${xskib:-0}" "$xlkib" 1024
done
off=$(( $(xl_node_pages "$id1" 0) * 4 ))
"$XENSHIFT" -c /payload/tables/numa.json plan near > /tmp/plan.out 2>&1
tap_is "plan near exits 0" "$?" 0
sed 's/^/XS-TAP: #   /' /tmp/plan.out
# "vm1: 64652 KiB of its memory is off node 1; ..." (or MiB, GiB)
said=$(sed -n 's/.*vm1: \([0-9.]*\) \([KMG]\)iB of its memory is off node 1; moving it needs the guarded hypervisor.*/\1 \2/p' /tmp/plan.out |
       awk '{ m = $2 == "G" ? 1048576 : $2 == "M" ? 1024 : 1; printf "%d\n", $1 * m }')
tap_check "the plan says vm1 has ${said:-?} KiB off node 1 (xl's dump: $off KiB) and stock Xen leaves it there" \
    near "${said:--99999}" "$off" 1024
