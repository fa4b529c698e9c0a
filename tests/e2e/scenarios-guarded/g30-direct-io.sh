# The main test: the workload guest keeps writing check-summed
# patterns to memory and to its disk (blkback over a dom0 file) while
# xenshift moves all of its memory to the other node.  Afterwards at
# least 95% is there (xl's NUMA dump), the guest finds every pattern in
# memory and on disk intact, it never stopped, and the guard refused
# pages under I/O (the backend's grants) and retried them.
. /payload/dom0/tap.sh
. /payload/dom0/work.sh
tap_check "the workload guest is up" work_start 256 64
xl_dump_numa
n0=$(xl_node_pct work 0); n1=$(xl_node_pct work 1)
to=1
[ "$n1" -gt "$n0" ] && to=0
before=$(xl_node_pct work $to)
pass0=$(work_stat pass)
tick0=$(grep -c 'XS-GUEST-TICK' $WORK_CONS)
t0=$(now_ms)
"$XENSHIFT" mem-move -j work $to > /tmp/mv.json 2> /tmp/mv.err
rc=$?
ms=$(( $(now_ms) - t0 ))
tap_show cat /tmp/mv.err
tap_show cat /tmp/mv.json
tap_is "mem-move work $to (direct) exits 0" "$rc" 0
echo "XS-E2E-TIME direct-move-work $ms"
j=$(tr -d ' \n' < /tmp/mv.json)
strategy=$(echo "$j" | sed -n 's/.*"strategy":"\([a-z]*\)","off_node_kib".*/\1/p' | tail -n 1)
moved=$(echo "$j" | sed -n 's/.*"moved_pages":\([0-9]*\).*/\1/p')
busy=$(echo "$j" | sed -n 's/.*"busy_pages":\([0-9]*\).*/\1/p')
refusals=$(echo "$j" | sed -n 's/.*"busy_refusals":\([0-9]*\).*/\1/p')
pause=$(echo "$j" | sed -n 's/.*"longest_pause_us":\([0-9]*\).*/\1/p')
tap_is "it moved the pages directly" "$strategy" direct
tap_diag "moved ${moved:-?} pages in $ms ms; EBUSY refusals ${refusals:-?}, ${busy:-?} pages stayed; longest pause ${pause:-?} us"
echo "XS-E2E-TIME direct-move-longest-pause-us ${pause:-0}"
echo "XS-E2E-TIME direct-move-pages ${moved:-0}"
tap_check "the guard refused pages under I/O and they were retried (${refusals:-0} EBUSY)" \
    [ "${refusals:-0}" -gt 0 ]
xl_dump_numa
after=$(xl_node_pct work $to)
tap_diag "work on node $to: ${before}% -> ${after}% (xl's dump)"
tap_check "at least 95% of its pages are on node $to (${after}%)" [ "$after" -ge 95 ]
sleep 6
pass1=$(work_stat pass)
tick1=$(grep -c 'XS-GUEST-TICK' $WORK_CONS)
tap_check "the guest never stopped: memcheck passes $pass0 -> $pass1, ticks $tick0 -> $tick1" \
    [ "${pass1:-0}" -gt "${pass0:-0}" -a "$tick1" -gt "$tick0" ]
tap_is "no bad page or disk block seen while it ran" \
    "$(work_stat bad) $(work_stat disk_bad)" "0 0"
work_say memcheck-final
work_wait 'XS-MEMCHECK-FINAL' 120
tap_show grep -E 'XS-MEMCHECK-(FINAL|BAD|DISK)' $WORK_CONS
final=$(grep 'XS-MEMCHECK-FINAL' $WORK_CONS | tail -n 1)
tap_check "the guest's final check: every pattern in memory and on disk intact ($final)" \
    sh -c "echo '$final' | grep -q ' bad=0 disk_bad=0'"
xl destroy work
