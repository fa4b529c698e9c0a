# The series' own test (tools/tests/relocate-memory, patches 0005 and
# 0007 of xen-patches/), built against dom0's libxenctrl with the shim
# (tests/e2e/guard/build.sh): every refusal of XEN_DOMCTL_relocate_memory,
# the query's version, the per-extent answers on a domain nothing runs
# in, and the per-node count, on the real guarded hypervisor.
. /payload/dom0/tap.sh
t=/payload/bin/test-relocate-memory
"$t" > /tmp/xen-test.out 2>&1
rc=$?
tap_show cat /tmp/xen-test.out
tap_is "test-relocate-memory exits 0 (every check passed)" "$rc" 0
tap_check "it created its domain (no skip)" grep -q 'Created d[0-9]' /tmp/xen-test.out
tap_is "no check failed" "$(grep -c 'Fail' /tmp/xen-test.out)" 0
tap_is "it ran all 18 tests (refusals, extents, count on its domain and d0)" \
    "$(grep -c '^Test ' /tmp/xen-test.out)" 18
tap_check "the move itself was tested: two nodes, nothing skipped" \
    sh -c "! grep -q 'Skip' /tmp/xen-test.out"
