# relocate-xen.sh - the relocation benchmark, run as a scenario of the
# guarded boot of "make check-xen" (tests/e2e/run.sh copies it there):
# one PVH guest of 256 MiB, its memory moved between the two nodes
#   - directly (Xen copies the pages, the guard checks them),
#   - cooperatively (node affinity + balloon cycles),
#   - by "xl save" + "xl restore" (the guest stopped all the while),
# against dom0's memcpy bandwidth, all in the same boot.  Absolute times
# under QEMU's emulation mean little: the ratios are the result.
. /payload/dom0/tap.sh
mem=256
guest_cfg bench pvh $mem $mem ""
boot_guest bench XS-GUEST-HELLO 300
tap_check "bench guest booted (hello after $waited s)" \
    grep -q XS-GUEST-HELLO /var/log/xen/console/guest-bench.log
# move MODE NODE: mem-move -j; sets MS, MOVED (pages or MiB), PAUSE_US
move() {
    t0=$(now_ms)
    "$XENSHIFT" mem-move -j -s "$1" ${3:-} bench "$2" > /tmp/bench.json 2> /tmp/bench.err
    rc=$?
    MS=$(( $(now_ms) - t0 ))
    if [ $rc != 0 ]; then
        tap_show cat /tmp/bench.err
        tap_show sh -c "xl list; xl dmesg | tail -n 30"
        tap_show tail -n 20 /var/log/xen/console/guest-bench.log
    fi
    j=$(tr -d ' \n' < /tmp/bench.json)
    MOVED=$(echo "$j" | sed -n 's/.*"moved_pages":\([0-9]*\).*/\1/p')
    PAUSE_US=$(echo "$j" | sed -n 's/.*"longest_pause_us":\([0-9]*\).*/\1/p')
    OFF=$(echo "$j" | sed -n 's/.*"off_node_kib":\([0-9]*\)}.*/\1/p')
    return $rc
}
# --busy-timeout 0: the throughput of the moves themselves, not the 10 s
# a move waits by default for pages under I/O (here the few pages the
# guest registered with Xen, which never move)
move direct 1 "--busy-timeout 0"
tap_is "direct move to node 1" "$?" 0
d1_ms=$MS d1_pages=${MOVED:-0} d1_pause=${PAUSE_US:-0}
move direct 0 "--busy-timeout 0"
tap_is "direct move back to node 0" "$?" 0
d2_ms=$MS d2_pages=${MOVED:-0} d2_pause=${PAUSE_US:-0}
xl_dump_numa
c_before=$(xl_node_pages "$(xl domid bench)" 1)
move cooperative 1 "--floor 160M"
tap_is "cooperative move to node 1" "$?" 0
c_ms=$MS
xl_dump_numa
c_after=$(xl_node_pages "$(xl domid bench)" 1)
c_pages=$(( ${c_after:-0} - ${c_before:-0} ))
t0=$(now_ms)
xl save bench /tmp/bench.save > /tmp/bench-save.log 2>&1
tap_is "xl save" "$?" 0
xl restore /tmp/bench.save > /tmp/bench-restore.log 2>&1
tap_is "xl restore" "$?" 0
sr_ms=$(( $(now_ms) - t0 ))
rm -f /tmp/bench.save
cp_mib=$(/payload/bin/memcpy-bench | sed -n 's/^memcpy_mib_s //p')
tap_check "dom0 memcpy measured (${cp_mib:-?} MiB/s)" [ -n "$cp_mib" ]
xl destroy bench
awk -v d1p="$d1_pages" -v d1="$d1_ms" -v d2p="$d2_pages" -v d2="$d2_ms" \
    -v p1="$d1_pause" -v p2="$d2_pause" -v cp="$c_pages" -v c="$c_ms" \
    -v sr="$sr_ms" -v mem="$mem" -v mc="$cp_mib" 'BEGIN {
    dps = (d1p + d2p) / ((d1 + d2) / 1000)            # direct pages/s
    cps = cp > 0 ? cp / (c / 1000) : 0                 # cooperative
    srps = mem * 256 / (sr / 1000)                     # save+restore
    mps = mc * 256                                     # memcpy pages/s
    pause = p1 > p2 ? p1 : p2
    printf "XS-TAP: # relocation benchmark, one boot, %d MiB PVH guest:\n", mem
    printf "XS-TAP: #   direct       %8.0f pages/s (%d + %d pages in %d + %d ms), longest pause %.1f + %.1f ms\n", dps, d1p, d2p, d1, d2, p1 / 1000, p2 / 1000
    printf "XS-TAP: #   cooperative  %8.0f pages/s (%d pages to node 1 in %d ms; only free pages move)\n", cps, cp, c
    printf "XS-TAP: #   save+restore %8.0f pages/s (%d ms, the guest stopped throughout)\n", srps, sr
    printf "XS-TAP: #   dom0 memcpy  %8.0f pages/s (%d MiB/s)\n", mps, mc
    printf "XS-TAP: #   ratios: direct/memcpy %.3f, direct/save+restore %.2f, direct/cooperative %.2f,\n", dps / mps, dps / srps, (cps > 0 ? dps / cps : 0)
    printf "XS-TAP: #           save+restore downtime / direct longest pause %.0f\n", sr * 1000 / (pause > 0 ? pause : 1)
    printf "XS-E2E-TIME bench-direct-pages-per-s %d\n", dps
    printf "XS-E2E-TIME bench-cooperative-pages-per-s %d\n", cps
    printf "XS-E2E-TIME bench-save-restore-pages-per-s %d\n", srps
    printf "XS-E2E-TIME bench-memcpy-pages-per-s %d\n", mps
    printf "XS-E2E-TIME bench-direct-longest-pause-us %d\n", pause
}'
tap_check "the direct moves moved pages (${d1_pages} + ${d2_pages})" [ "$d1_pages" -gt 0 -a "$d2_pages" -gt 0 ]
