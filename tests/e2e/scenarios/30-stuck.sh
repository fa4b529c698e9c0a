# A donor asked for less than its kernel will give up: detected as stuck
# within seconds, the transition rolled back, every domain where it was.
# The donor is a fourth guest, "donor", whose OS refuses to go below
# 300 MiB (xs_floor_kb on its command line, see guest/init).
. /payload/dom0/tap.sh
guest_cfg donor pv 384 640 xs_floor_kb=307200
xl create /etc/xen/donor.cfg >/dev/null 2>&1
wait_hello donor 120
tap_check "the donor guest booted" grep -q XS-GUEST-HELLO /var/log/xen/console/guest-donor.log
sleep 1
tap_show tail -n 3 /var/log/xen/console/guest-donor.log
before1=$(xl_mem vm1)
befored=$(xl_mem donor)
xs_apply /payload/tables/stuck.json squeeze
tap_show xl list
tap_show tail -n 8 /var/log/xen/console/guest-donor.log
tap_is "apply squeeze fails (exit 1)" "$XS_RC" 1
tap_check "the report says the balloon is stuck" grep -q "stuck at" /tmp/apply.out
tap_check "the report says it rolled back" grep -q "rolled back: every domain is back" /tmp/apply.out
tap_diag "stuck detected and rolled back in $XS_MS ms"
# Issue 14's number: the quiet spell xenshift saw, from the last look
# that showed progress to the look that called it stuck.
quiet=$(sed -n 's/.*no progress for \([0-9.]*\) s.*/\1/p' /tmp/apply.out | head -n 1)
tap_diag "stuck detection: $quiet s from the last progress to stuck"
tap_check "stuck within 2 s of the last progress ($quiet s)" \
    awk -v q="$quiet" 'BEGIN { exit !(q != "" && q + 0 <= 2.0) }'
wait_mem donor "$befored" 30
tap_check "the donor is back at $befored MiB (xl list: $(xl_mem donor))" near "$(xl_mem donor)" "$befored" 1
tap_is "the donor's balloon target is back in xenstore" \
    "$(xenstore-read /local/domain/$(xl domid donor)/memory/target)" $((befored * 1024))
tap_check "vm1, the recipient, untouched at $before1 MiB" near "$(xl_mem vm1)" "$before1" 1
tap_is "vm1 still in Pool-0" "$(xl_pool vm1)" Pool-0
tap_is "no xenshift cpupool left behind" "$(xl_pool_cpus xenshift-vm1)" ""
tap_is "Pool-0 still has both pCPUs" "$(xl_pool_cpus Pool-0)" "0,1"
tap_check "the donor is still running" sh -c "xl list donor | awk 'NR == 2 && \$5 !~ /[cd]/ { f = 1 } END { exit !f }'"

# The same transition stopped from outside (SIGTERM, as systemd or a
# Ctrl-C would) while the donor's balloon moves: rolled back, not left
# between two phases.  Stuck detection is off (--stuck-timeout 0): the
# donor stops at 300 MiB and would be called stuck within 2 s, before
# the signal.
"$XENSHIFT" -c /payload/tables/stuck.json apply --stuck-timeout 0 squeeze \
    > /tmp/int.out 2>&1 &
pid=$!
sleep 2
kill -TERM $pid
wait $pid
rc=$?
sed 's/^/XS-TAP: #   /' /tmp/int.out
tap_is "apply stopped by SIGTERM exits 1" "$rc" 1
tap_check "it says it was interrupted" grep -q "interrupted" /tmp/int.out
tap_check "and that it rolled back" grep -q "rolled back: every domain is back" /tmp/int.out
wait_mem donor "$befored" 30
tap_check "the donor is back at $befored MiB (xl list: $(xl_mem donor))" near "$(xl_mem donor)" "$befored" 1
tap_is "the donor's target is back too" \
    "$(xenstore-read /local/domain/$(xl domid donor)/memory/target)" $((befored * 1024))

# The same squeeze, vm1 given pCPU 1 to itself as well (stuck-pool.json),
# killed (SIGKILL: no handler runs, nothing is rolled back), with the
# donor's balloon held at its floor so the kill lands mid-way for sure:
# Xen keeps what was done, and the journal says how it was.  vm1's
# cpupool is made by then; its name is then taken out of
# xenstore, as when libxl dies between its hypercall and writing the
# name, so the way back must find the pool by Xen's id.  A pool that
# takes pCPUs a donor runs on waits for the donors' balloons (it would
# slow them): the donor is pinned to pCPU 0 first, so vm1's pool on
# pCPU 1 takes nothing from it and is made at once.
J=/local/domain/0/xenshift/journal
xl vcpu-pin donor all 0
tap_is "the donor runs on pCPU 0 only" "$(xl_affinity donor)" 0
"$XENSHIFT" -c /payload/tables/stuck-pool.json apply --stuck-timeout 0 squeeze \
    > /tmp/kill.out 2>&1 &
pid=$!
sleep 2
"$XENSHIFT" -c /payload/tables/stuck-pool.json status > /tmp/status.out 2>&1
tap_check "status while it runs: the transition, by xenshift-apply $pid" \
    grep -q "^transition: (none) -> squeeze, running (at: .*), by xenshift-apply $pid\$" /tmp/status.out
kill -KILL $pid
wait $pid
tap_is "apply killed by SIGKILL exits 137" "$?" 137
tap_is "its journal is left in xenstore" "$(xenstore-read $J/state 2>/dev/null)" running
pool=
for p in $(xenstore-list /local/pool 2>/dev/null); do
    [ "$(xenstore-read /local/pool/$p/name 2>/dev/null)" = xenshift-vm1 ] && pool=$p
done
tap_check "vm1's cpupool was made before the kill (id ${pool:-none})" [ -n "$pool" ]
xenstore-rm /local/pool/$pool/name
"$XENSHIFT" -c /payload/tables/stuck-pool.json status > /tmp/status.out 2>&1
tap_check "status lists the pool libxl cannot name: cpupool $pool without a name" \
    grep -q "(cpupool $pool without a name)" /tmp/status.out
tap_check "and says the transition's process died" \
    grep -q "^transition: (none) -> squeeze, interrupted: the process running it died" /tmp/status.out
"$XENSHIFT" -c /payload/tables/stuck-pool.json recover > /tmp/recover.out 2>&1
rc=$?
sed 's/^/XS-TAP: #   /' /tmp/recover.out
tap_is "xenshift recover exits 0" "$rc" 0
tap_check "it says every domain is back" grep -q "every domain is back as it was recorded" /tmp/recover.out
tap_is "the journal is gone" "$(xenstore-read $J/state 2>/dev/null)" ""
wait_mem donor "$befored" 30
tap_check "the donor is back at $befored MiB (xl list: $(xl_mem donor))" near "$(xl_mem donor)" "$befored" 1
tap_is "the donor's target is back" \
    "$(xenstore-read /local/domain/$(xl domid donor)/memory/target)" $((befored * 1024))
tap_check "vm1 back at $before1 MiB (xl list: $(xl_mem vm1))" near "$(xl_mem vm1)" "$before1" 1
tap_is "vm1 back in Pool-0" "$(xl_pool vm1)" Pool-0
tap_is "Xen has no cpupool $pool any more: xl lists Pool-0 alone" \
    "$(xlq cpupool-list | awk 'NR > 1 { print $1 }' | tr '\n' ' ')" "Pool-0 "
tap_is "Pool-0 has both pCPUs again" "$(xl_pool_cpus Pool-0)" "0,1"
tap_is "the donor is on pCPU 0, as it was recorded" "$(xl_affinity donor)" 0
"$XENSHIFT" -c /payload/tables/stuck-pool.json recover > /tmp/recover.out 2>&1
tap_is "a second recover has nothing to do" "$?:$(cat /tmp/recover.out)" \
    "0:nothing to recover: no transition was interrupted on this host"
xl destroy donor
