#!/bin/bash
# stress.sh - how often do guests of the bed die on each hypervisor?
# "make stress-xen" runs bench/relocate-stress.sh (run.sh --scenario
# stress: the PVH boot) once per build of XENSHIFT_E2E_STRESS_BUILDS
# (default "stock control guarded"):
#   stock    Debian's own hypervisor binary, the one the stock boot runs
#   control  xen-patches/build.sh's unpatched build: the same Debian
#            source, config and compiler as the guarded one
#   guarded  the same with xen-patches/ (direct moves)
# and prints deaths per guest-hour per build and per mode, with the
# Xen each boot ran, the QEMU binary (XENSHIFT_E2E_QEMU) and version,
# accelerator (XENSHIFT_E2E_ACCEL) and CPU model (XENSHIFT_E2E_CPU).  stock and control move nothing
# (relocate-stress.sh leaves "move" out there), so "idle" and "fresh"
# compare like for like, "move" is the guarded build's alone.
#
#   stress.sh --srcdir DIR --builddir DIR
#
# XENSHIFT_E2E_STRESS_S (default 600) is each build's run length,
# XENSHIFT_E2E_STRESS_MODE its modes.  The serial logs are kept as
# tests/e2e/logs/stress-BUILD.log, run.sh's output as stress-BUILD.out,
# the table as stress-summary.txt.  Exits 0 when every build gave its
# numbers (deaths are measured here, not failed), 1 when a run did not.
set -uo pipefail

srcdir= builddir=
while [ $# -gt 0 ]; do
    case "$1" in
    --srcdir) srcdir=$2; shift 2 ;;
    --builddir) builddir=$2; shift 2 ;;
    *) echo "stress.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${builddir:-$srcdir}
builds=${XENSHIFT_E2E_STRESS_BUILDS:-stock control guarded}
secs=${XENSHIFT_E2E_STRESS_S:-600}
for b in $builds; do
    case $b in
    stock|control|guarded) ;;
    *) echo "stress.sh: XENSHIFT_E2E_STRESS_BUILDS: '$b' is not stock, control or guarded" >&2; exit 2 ;;
    esac
done
logdir=$builddir/tests/e2e/logs
mkdir -p "$logdir"
summary=$logdir/stress-summary.txt

rc=0
for b in $builds; do
    echo "stress-xen: $b: $secs s (run.sh's output: $logdir/stress-$b.out)"
    rm -f "$logdir/check-xen-guarded.log"
    # the boot, image and payload take a few minutes on top
    XENSHIFT_E2E_GUARDED_XEN=$b XENSHIFT_E2E_STRESS_S=$secs \
        "$srcdir/tests/e2e/run.sh" --srcdir "$srcdir" --builddir "$builddir" \
        --scenario stress --timeout $((secs + 1200)) > "$logdir/stress-$b.out" 2>&1
    echo "stress-xen: $b: run.sh exited $?"
    if [ -f "$logdir/check-xen-guarded.log" ]; then
        mv "$logdir/check-xen-guarded.log" "$logdir/stress-$b.log"
    else
        : > "$logdir/stress-$b.log"
    fi
done

# rate DEATHS GUEST_MS: deaths per guest-hour
rate() { awk -v d="$1" -v ms="$2" 'BEGIN {
    if (ms > 0) printf "%.2f", d / (ms / 3600000); else printf "-" }'; }
# the table, into the summary (not through a pipe: rc is set here)
{
    echo "# stress-xen: $secs s per build, modes: ${XENSHIFT_E2E_STRESS_MODE:-idle move fresh} (move on guarded only)"
    echo "# QEMU: ${XENSHIFT_E2E_QEMU:-qemu-system-x86_64}: $("${XENSHIFT_E2E_QEMU:-qemu-system-x86_64}" --version | head -n 1)"
    echo "# accel: ${XENSHIFT_E2E_ACCEL:-tcg}, cpu: ${XENSHIFT_E2E_CPU:-qemu64,+svm,+npt}, host: $(nproc) CPU(s), load $(cut -d' ' -f1-3 /proc/loadavg)"
    printf '%-8s %-7s %8s %7s %10s  %s\n' build mode guest-h deaths "per g-h" "xen"
    for b in $builds; do
        l=$logdir/stress-$b.log
        xen=$(grep -m1 -o 'Xen version [^ ]*' "$l" | cut -d' ' -f3)
        panics=$(grep -c 'the Xen hypervisor panicked' "$logdir/stress-$b.out")
        # every triple fault of the whole boot, set-up included: a
        # cross-check of the stress window's count
        faults=$(grep -c 'Triple fault' "$l")
        modes=$(sed -n 's/.*XS-E2E-TIME stress-\([a-z]*\)-guest-ms .*/\1/p' "$l")
        if [ -z "$modes" ]; then
            printf '%-8s %-7s no numbers: the run did not finish (%s)\n' "$b" - "$logdir/stress-$b.out"
            rc=1
            continue
        fi
        td=0 tms=0
        for m in $modes; do
            d=$(sed -n "s/.*XS-E2E-TIME stress-$m-deaths \([0-9]*\).*/\1/p" "$l" | tail -n 1)
            ms=$(sed -n "s/.*XS-E2E-TIME stress-$m-guest-ms \([0-9]*\).*/\1/p" "$l" | tail -n 1)
            td=$((td + ${d:-0})) tms=$((tms + ${ms:-0}))
            printf '%-8s %-7s %8s %7s %10s  %s\n' "$b" "$m" \
                "$(awk -v ms="${ms:-0}" 'BEGIN { printf "%.2f", ms / 3600000 }')" \
                "${d:-0}" "$(rate "${d:-0}" "${ms:-0}")" "${xen:-?}"
        done
        printf '%-8s %-7s %8s %7s %10s  %s (%s triple fault(s) in the boot%s)\n' "$b" all \
            "$(awk -v ms="$tms" 'BEGIN { printf "%.2f", ms / 3600000 }')" \
            "$td" "$(rate "$td" "$tms")" "${xen:-?}" "$faults" \
            "$([ "$panics" -gt 0 ] && echo ", $panics hypervisor panic(s), booted again")"
    done
} > "$summary"
cat "$summary"
echo "stress-xen: the table is in $summary"
exit $rc
