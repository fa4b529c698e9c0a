# The guard itself, one frame at a time (tests/e2e/guard/guard-probe):
# a frame a backend has mapped through a grant is refused with EBUSY and
# left in place; once unmapped it moves, and its contents with it.
. /payload/dom0/tap.sh
. /payload/dom0/work.sh
probe=/payload/bin/guard-probe
tap_check "the workload guest (PVH, disk, memory patterns) is up" work_start 256 64
id=$(xl domid work)
work_wait 'XS-GRANT gref=' 60
gref=$(sed -n 's/.*XS-GRANT gref=\([0-9]*\) gfn=\(0x[0-9a-f]*\).*/\1/p' $WORK_CONS | tail -n 1)
gfn=$(sed -n 's/.*XS-GRANT gref=\([0-9]*\) gfn=\(0x[0-9a-f]*\).*/\2/p' $WORK_CONS | tail -n 1)
tap_check "the guest granted a page to dom0 (gref ${gref:-?}, gfn ${gfn:-?})" [ -n "$gref" -a -n "$gfn" ]
/payload/work/grantmap "$id" "$gref" 8 > /tmp/gm.out 2>&1 &
gm=$!
sleep 2
tap_show cat /tmp/gm.out
tap_check "dom0 mapped it as a backend does (grant map) and saw the guest's pattern" \
    grep -q 'XS-GRANTMAP pattern ok' /tmp/gm.out
for node in 0 1; do
    "$probe" "$id" $node 0 "$gfn" > /tmp/probe-$node.out 2>&1
    echo "probe $node rc=$?" >> /tmp/probe-$node.out
    tap_show cat /tmp/probe-$node.out
done
# To the node it is on: "already there" (nothing to move, nothing
# checked); to the other one: refused.
tap_check "the guard refuses to move the mapped frame: EBUSY, p2m untouched" \
    sh -c "cat /tmp/probe-0.out /tmp/probe-1.out | grep -q 'status -16 (busy)'"
tap_check "... and the other node's answer is 'already there'" \
    sh -c "cat /tmp/probe-0.out /tmp/probe-1.out | grep -q 'status 1 (already-on-node)'"
wait $gm
tap_show cat /tmp/gm.out
tap_check "the backend's mapping ended" grep -q 'XS-GRANTMAP unmapped' /tmp/gm.out
work_say grant-check-1
work_wait 'XS-GRANT-CHECK' 20
tap_show grep 'XS-GRANT-CHECK' $WORK_CONS
tap_check "p2m untouched: the guest sees the backend's write in its page" \
    sh -c "grep 'XS-GRANT-CHECK' $WORK_CONS | tail -n 1 | grep -q 'XS-GRANT-CHECK ok'"
# Unmapped, it moves: to the node it is not on (one of the two moves).
"$probe" "$id" 0 0 "$gfn" > /tmp/probe-a.out 2>&1
"$probe" "$id" 1 0 "$gfn" > /tmp/probe-b.out 2>&1
tap_show cat /tmp/probe-a.out /tmp/probe-b.out
tap_check "unmapped, the frame moves (status 0 to one node, 1 'already there' to the other)" \
    sh -c "cat /tmp/probe-a.out /tmp/probe-b.out | grep -q 'status 0 '"
n=$(grep -c 'XS-GRANT-CHECK' $WORK_CONS)
work_say grant-check-2
i=0
while [ $i -lt 20 ] && [ "$(grep -c 'XS-GRANT-CHECK' $WORK_CONS)" -le "$n" ]; do sleep 1; i=$((i + 1)); done
tap_show sh -c "grep 'XS-GRANT-CHECK' $WORK_CONS | tail -n 1"
tap_check "after the move the guest's page still holds its pattern and dom0's write" \
    sh -c "grep 'XS-GRANT-CHECK' $WORK_CONS | tail -n 1 | grep -q 'XS-GRANT-CHECK ok'"
