# A fault in the middle of a realistic transition is rolled back to the
# values recorded before its first change, field for field, as xl and
# Xen's own domain dump (debug key 'q') show them: balloon target (xl
# list -l), maxmem (max_pages), vCPUs and hard and soft affinity (xl
# vcpu-list and the dump's UNIT lines), node affinity (the dump's "NODE
# affinity for domain"), cpupools (xl cpupool-list -c, xl list -c).
# vm3 gets a soft affinity of its own first, so that "as it was" is not
# what a re-pin would give.
. /payload/dom0/tap.sh
t=/payload/tables/rollback-exact.json

# Xen's domain dump, the part after the last 'q': in /tmp/q.txt.
q_read() {
    xl dmesg | awk '/dumping domain info/ { buf = "" } { buf = buf $0 "\n" }
                    END { printf "%s", buf }' > /tmp/q.txt
}
q_dump() {
    xl debug-keys q
    sleep 1
    q_read
}
# One domain in the dump: max_pages, node affinity, each unit's
# affinities.
q_dom() {
    awk -v d="$1" '
        /General information for domain/ { cur = $NF; sub(":", "", cur); inv = 0 }
        cur == d && /max_pages=/ {
            for (i = 1; i <= NF; i++) if ($i ~ /^max_pages=/) mp = $i }
        /NODE affinity for domain/ {
            n = $(NF - 1); sub(":", "", n); if (n == d) node = $NF }
        /VCPU information and callbacks for domain/ {
            v = $NF; sub(":", "", v); inv = (v == d) }
        inv && /affinities:/ { aff = aff " " $(NF - 1) " " $NF }
        END { printf "%s node=%s%s\n", mp, node, aff }' /tmp/q.txt
}
# Every field the transition may touch, one line per domain and one for
# the cpupools.
state() {
    q_dump
    for d in $*; do
        id=$(xl domid "$d")
        tgt=$(xl list -l "$d" | sed -n 's/.*"target_memkb": \([0-9]*\).*/\1/p' | head -n 1)
        vc=$(xlq vcpu-list | awk -v d="$d" '$1 == d && $3 ~ /^[0-9]+$/ {
                 printf " v%s:%s/%s/%s", $3, ($4 == "-" ? "off" : "on"), $7, $9 }')
        echo "$d: pool=$(xl_pool "$d") target_kb=$tgt$vc xen: $(q_dom "$id")"
    done
    echo "cpupools: $(xlq cpupool-list -c | awk 'NR > 1 { printf "%s=%s ", $1, $2 }')"
}
# compare BEFORE AFTER LABEL: one test per line
compare() {
    echo "$1" > /tmp/before.txt
    echo "$2" > /tmp/after.txt
    while IFS= read -r line; do
        key=${line%%:*}
        now=$(grep "^$key:" /tmp/after.txt)
        tap_is "$3: $key as recorded ($line)" "$now" "$line"
    done < /tmp/before.txt
}

guest_cfg donor pv 384 640 xs_floor_kb=307200
xl create /etc/xen/donor.cfg >/dev/null 2>&1
wait_hello donor 120
tap_check "the donor guest booted" grep -q XS-GUEST-HELLO /var/log/xen/console/guest-donor.log
sleep 1
xl vcpu-pin vm3 all all 1
tap_is "vm3's soft affinity is pCPU 1 (xl vcpu-list)" \
    "$(xlq vcpu-list | awk '$1 == "vm3" && $3 == 0 { print $9 }')" 1

# --- the donor refuses its target after vm2 came down --------------------
before=$(state vm1 vm2 vm3 donor)
printf '%s\n' "$before" | sed 's/^/XS-TAP: #   before: /'
xs_apply "$t" squeeze
tap_is "apply squeeze fails (exit 1)" "$XS_RC" 1
tap_check "the donor is stuck" grep -q "donor: balloon stuck at" /tmp/apply.out
tap_check "vm2 came down first (its maxmem lowered)" \
    grep -q "vm2: maxmem .* -> " /tmp/apply.out
tap_check "the report says every domain is back as it was" \
    grep -q "rolled back: every domain is back as it was" /tmp/apply.out
wait_mem vm2 512 30
wait_mem donor 384 30
after=$(state vm1 vm2 vm3 donor)
compare "$before" "$after" "squeeze rolled back"
tap_check "vm2 at 512 MiB (xl list: $(xl_mem vm2))" near "$(xl_mem vm2)" 512 1
tap_check "the donor at 384 MiB (xl list: $(xl_mem donor))" near "$(xl_mem donor)" 384 1
xl destroy donor

# --- the take-over stopped in its last stage -------------------------------
# By then vm1 grew on node 1 (maxmem raised, node affinity set), has its
# own cpupool with pCPU 1, and vm2 and vm3 were pinned to pCPU 0.
before=$(state vm1 vm2 vm3)
printf '%s\n' "$before" | sed 's/^/XS-TAP: #   before: /'
"$XENSHIFT" -c "$t" apply takeover > /tmp/to.out 2>&1 &
pid=$!
i=0
while [ $i -lt 240 ] && kill -0 $pid 2>/dev/null &&
      ! grep -q "memory to node 1" /tmp/to.out; do
    sleep 0.5
    i=$((i + 1))
done
# What the forward run had done (read quickly: the move goes on).
xl debug-keys q
pool_during=$(xl_pool vm1)
kill -TERM $pid
wait $pid
rc=$?
q_read
during=$(q_dom "$(xl domid vm1)")
sed 's/^/XS-TAP: #   /' /tmp/to.out
tap_is "apply takeover stopped by SIGTERM exits 1" "$rc" 1
tap_check "it was stopped while vm1's memory moved" grep -q "interrupted" /tmp/to.out
tap_is "vm1 had its own cpupool then" "$pool_during" xenshift-vm1
tap_check "vm1's node affinity was node 1 then ($during)" \
    sh -c "echo '$during' | grep -q 'node=\[1\]'"
tap_check "the report says every domain is back as it was" \
    grep -q "rolled back: every domain is back as it was" /tmp/to.out
wait_mem vm1 128 30
wait_mem vm2 512 30
after=$(state vm1 vm2 vm3)
compare "$before" "$after" "takeover rolled back"
tap_is "no xenshift cpupool left" "$(xl_pool_cpus xenshift-vm1)" ""
tap_check "vm1 at 128 MiB, vm2 at 512 MiB (xl list: $(xl_mem vm1), $(xl_mem vm2))" \
    sh -c "[ '$(xl_mem vm1)' = 128 ] && [ '$(xl_mem vm2)' = 512 ]"

# The bed as it was for the scenarios after this one.
xl vcpu-pin vm3 all all all
