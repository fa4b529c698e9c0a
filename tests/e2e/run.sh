#!/bin/bash
# run.sh - xenshift's end-to-end tests on a real Xen 4.17 hypervisor
# booted in QEMU (software emulation), with a Debian dom0 and the Fig. 9
# guests.  Called by "make check-xen".  Two boots: Debian's stock
# hypervisor runs scenarios/ (PV guests); the same Xen built from
# Debian's source with xen-patches/ (the page-move guard) runs
# scenarios-guarded/ (PVH guests, direct page moves).
#
#   run.sh --srcdir DIR --builddir DIR [--scenario NAME]... [--keep]
#          [--timeout SECONDS]
#
# Needs root (debootstrap, loop-free image building with mke2fs -d),
# ~3.5 GB of RAM for QEMU, ~1 GB in the image cache
# (XENSHIFT_E2E_CACHE, default /var/cache/xenshift-e2e) and ~1 GB for the
# guarded hypervisor's source and build (the same path + "-guarded").
# Prints the scenarios' TAP; exits 0 only when every test passed.
#
# xenshift runs in dom0 as an operator runs it: this tree's Debian
# package (debian/), built by build-deb.sh on this Debian 12 host (its
# libraries are dom0's; cached in the same path + "-deb") and installed
# in dom0 with dpkg -i by dom0/runner.sh before the scenarios.
#
# XENSHIFT_E2E_DIST=trixie ("make check-xen-4.20"): the Debian 13 bed,
# Xen 4.20 with a trixie dom0 (cached in the same path + "-trixie"), and
# the package built for it in a trixie build chroot against 4.20's
# libraries (tests/e2e/trixie-chroot.sh, build-deb.sh).  Only the
# stock boot: there is no guarded 4.20 hypervisor (Debian's 4.20 source
# is not reachable here), so scenarios-guarded/ are skipped.
set -uo pipefail

srcdir=
builddir=
scenarios=()
keep=0
timeout=${XENSHIFT_E2E_TIMEOUT:-1800}
cache=${XENSHIFT_E2E_CACHE:-/var/cache/xenshift-e2e}
# qemu64 with SVM and nested paging, not "max": with max, glibc in dom0
# takes the AVX code paths that QEMU 7.2's TCG emulates, and xl failed
# at random there (a kernel image that "cannot be XZ-decompressed", an
# "xl vcpu-list" missing a domain or spinning, malloc corruption).
cpu=${XENSHIFT_E2E_CPU:-qemu64,+svm,+npt}
accel=${XENSHIFT_E2E_ACCEL:-tcg}
# the emulator: Debian 12's qemu-system-x86_64 unless told (a path)
qemu=${XENSHIFT_E2E_QEMU:-qemu-system-x86_64}
dist=${XENSHIFT_E2E_DIST:-bookworm}
while [ $# -gt 0 ]; do
    case "$1" in
    --srcdir) srcdir=$2; shift 2 ;;
    --builddir) builddir=$2; shift 2 ;;
    --scenario) scenarios+=("$2"); shift 2 ;;
    --keep) keep=1; shift ;;
    --timeout) timeout=$2; shift 2 ;;
    *) echo "run.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${builddir:-$srcdir}
here=$srcdir/tests/e2e
fail() { echo "check-xen: $*" >&2; exit 1; }
# image_cache: image.sh removes every other image in it, so each
# release has its own (Debian 12's stays where it always was)
case "$dist" in
bookworm) tag= ; image_cache=$cache ; deb_cache=$cache-deb ;;
trixie) tag=-trixie ; image_cache=$cache-trixie/image ; deb_cache=$cache-trixie/deb ;;
*) fail "unknown XENSHIFT_E2E_DIST '$dist' (bookworm or trixie)" ;;
esac
# The hypervisor of the second (PVH) boot: guarded (xen-patches/ built
# from Debian's source), control (the same source, config and compiler,
# unpatched) or stock (Debian's binary, the first boot's); the last two
# for comparisons only (make stress-xen).
second_xen=${XENSHIFT_E2E_GUARDED_XEN:-guarded}
case $second_xen in
guarded|control|stock) ;;
*) echo "check-xen: XENSHIFT_E2E_GUARDED_XEN is guarded, control or stock, not '$second_xen'" >&2; exit 2 ;;
esac

[ "$(id -u)" -eq 0 ] || fail "needs root (debootstrap and QEMU image building)"
"$srcdir/scripts/deps.sh" test || fail "cannot install the host packages"
command -v "$qemu" >/dev/null || fail "$qemu is missing"
t_all=$SECONDS
t_chroot=0
chroot_dir=
if [ "$dist" = trixie ]; then
    # the build chroot first: the image takes its package versions
    # from the chroot's apt, and the package is built there
    chroot_dir=$("$here/trixie-chroot.sh" "$cache$tag/chroot") ||
        fail "building the trixie chroot failed"
    t_chroot=$((SECONDS - t_all))
    export XENSHIFT_E2E_APT_ROOT=$chroot_dir
fi
# The package dom0 installs (cached on the tree's contents).
t=$SECONDS
deb=$("$here/build-deb.sh" "$deb_cache" "$srcdir" $chroot_dir) ||
    fail "building the Debian package failed"
# Lintian-clean at every level, each override justified in debian/
# (Debian 12's lintian; Debian 13's package is checked by hand: its
# chroot has no lintian).
if [ -z "$chroot_dir" ]; then
    lintian -E -I --pedantic --fail-on error,warning,info,pedantic \
        "$deb" 2>&1 | grep -v 'running with root privileges' >&2
    [ "${PIPESTATUS[0]}" -eq 0 ] || fail "lintian finds fault with $deb"
    echo "check-xen: lintian $(lintian --version | awk '{ print $2 }'): $(basename "$deb") clean (-E -I --pedantic)" >&2
fi
t_deb=$((SECONDS - t))
t=$SECONDS
image=$(XENSHIFT_E2E_DIST=$dist "$here/image.sh" "$image_cache") ||
    fail "building the image failed"
t_image=$((SECONDS - t))
# The package was built against the same Xen release as the dom0's
# tools and hypervisor: its Depends must be met there.
if [ -n "$chroot_dir" ]; then
    devver=$(chroot "$chroot_dir" dpkg-query -W -f '${Version}' libxen-dev)
else
    devver=$(dpkg-query -W -f '${Version}' libxen-dev)
fi
grep -q "xen=$devver " "$image/versions" ||
    fail "the package was built against libxen-dev $devver, the image has: $(cat "$image/versions")"

# The payload: the package, the scenarios and their tables, on a disk
# of its own so the cached root image stays untouched.
work=$(mktemp -d /tmp/xenshift-e2e.XXXXXX)
logdir=$builddir/tests/e2e/logs
mkdir -p "$logdir"
log=$logdir/check-xen$tag.log
cleanup() { [ $keep = 1 ] && echo "check-xen: kept $work" || rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/payload/bin" "$work/payload/scenarios" "$work/payload/tables" \
    "$work/payload/deb"
cp "$deb" "$work/payload/deb/"
cp -r "$here/dom0" "$work/payload/"
cp "$srcdir/examples/fig9.json" "$here"/tables/*.json "$work/payload/tables/"
# Scenarios for the stock boot (scenarios/) and for the guarded one
# (scenarios-guarded/); with --scenario only those named, and a boot
# with none is skipped.
mkdir -p "$work/guarded-scenarios"
if [ ${#scenarios[@]} -eq 0 ]; then
    cp "$here"/scenarios/*.sh "$work/payload/scenarios/"
    cp "$here"/scenarios-guarded/*.sh "$work/guarded-scenarios/"
else
    for s in "${scenarios[@]}"; do
        if [ -f "$here/scenarios/$s.sh" ]; then
            cp "$here/scenarios/$s.sh" "$work/payload/scenarios/"
        elif [ -f "$here/scenarios-guarded/$s.sh" ]; then
            cp "$here/scenarios-guarded/$s.sh" "$work/guarded-scenarios/"
        elif [ "$s" = bench ] || [ "$s" = stress ]; then
            :   # bench/relocate-{xen,stress}.sh, on the guarded boot
        else
            fail "no scenario $s"
        fi
    done
fi
has_stock=$(ls "$work/payload/scenarios" | wc -l)
has_guarded=$(ls "$work/guarded-scenarios" | wc -l)
printf '%s\n' "${scenarios[@]}" | grep -qxE 'bench|stress' && has_guarded=1
if [ "$dist" = trixie ] && [ "$has_guarded" -gt 0 ]; then
    echo "# check-xen: Debian 13 bed: no guarded Xen 4.20 hypervisor (its Debian source is not reachable): scenarios-guarded/, bench and stress skipped"
    has_guarded=0
fi
mke2fs -q -t ext4 -L payload -d "$work/payload" "$work/payload.ext4" 32M >/dev/null ||
    fail "cannot build the payload disk"

# Xen's scheduler: credit, not 4.17's default credit2.  Under QEMU's
# emulation credit2 panicked in about one run in ten here (more with the
# machine loaded), always around a domain moving between cpupools, in
# update_runq_load or runq_insert (see docs/xen-backend.md).  With
# XENSHIFT_E2E_SCHED=credit2 the bed runs Xen's default again.
sched=${XENSHIFT_E2E_SCHED:-credit}
# Two NUMA nodes of one pCPU and 1.5 GiB each (XENSHIFT_E2E_NUMA=1:
# one node).
numa=
if [ "${XENSHIFT_E2E_NUMA:-2}" = 2 ]; then
    numa="-object memory-backend-ram,size=1536M,id=m0 -object memory-backend-ram,size=1536M,id=m1 -numa node,nodeid=0,cpus=0,memdev=m0 -numa node,nodeid=1,cpus=1,memdev=m1"
fi
# silence: seconds without a console line, once dom0's heartbeat
# (XS-ALIVE every 20 s, dom0/runner.sh) has begun, after which dom0 is
# taken for stopped: a scenario that hangs in a running dom0 is ended by
# runner.sh's own limit, and prints, so only a dom0 (or hypervisor) that
# runs no more stays silent.
silence=${XENSHIFT_E2E_SILENCE:-240}
# xen_keys KEYS: Xen's debug keys, typed on its serial console.  QEMU's
# -nographic console takes Ctrl-A as its escape (Ctrl-A Ctrl-A types
# one), and three Ctrl-A switch the console's input to Xen.
xen_keys() {
    printf '\001\001\001\001\001\001' >&8
    sleep 2
    for k in $(echo "$1" | fold -w 1); do
        printf '%s' "$k" >&8
        sleep 3
    done
}
# boot: one run of QEMU; sets qrc, panicked and hung.
boot() {
    rm -f "$work/qemu-in"
    mkfifo "$work/qemu-in"
    # held open here, so that QEMU's input never ends
    exec 8<>"$work/qemu-in"
    timeout --kill-after=10 "$timeout" "$qemu" \
        -accel "$accel" -cpu "$cpu" -m 3072 -smp 2 $numa \
        -nographic -no-reboot -net none \
        -kernel "$xen_img" \
        -append "console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M loglvl=all guest_loglvl=all sched=$sched ${XENSHIFT_E2E_XEN_EXTRA:-}" \
        -initrd "$image/vmlinuz console=hvc0 earlyprintk=xen root=/dev/vda rw loglevel=4,$image/initrd.gz" \
        -drive file="$image/rootfs.ext4",format=raw,if=virtio,cache=unsafe,snapshot=on \
        -drive file="$payload_img",format=raw,if=virtio,cache=unsafe,snapshot=on \
        < "$work/qemu-in" > "$log" 2>&1 &
    qpid=$!
    # A hypervisor that panics tries to reboot, and under emulation that
    # can hang until the time limit: stop QEMU as soon as Xen says it
    # panicked, once the rest of its report is out.  A dom0 silent for
    # $silence s: Xen is asked for its state (its vCPUs' registers and
    # stacks, dom0's, the run queues), and QEMU stopped.
    panicked=0
    hung=0
    size=0
    quiet=$SECONDS
    while kill -0 $qpid 2>/dev/null; do
        if grep -q 'Panic on CPU' "$log" 2>/dev/null; then
            panicked=1
            sleep 3
            kill $qpid 2>/dev/null
            break
        fi
        now=$(stat -c %s "$log" 2>/dev/null || echo 0)
        if [ "$now" != "$size" ]; then
            size=$now
            quiet=$SECONDS
        elif [ $((SECONDS - quiet)) -ge "$silence" ] &&
             grep -q 'XS-ALIVE' "$log" 2>/dev/null &&
             ! grep -q 'XS-TAP: 1\.\.' "$log" 2>/dev/null; then
            hung=1
            xen_keys 0drq
            sleep 5
            kill $qpid 2>/dev/null
            # what Xen printed for the keys (QEMU writes the log, so
            # the harness adds nothing to it)
            tail -c +$((size + 1)) "$log" | tr -d '\r' > "$work/xen-report"
            break
        fi
        sleep 2
    done
    wait $qpid
    qrc=$?
    exec 8>&-
    rm -f "$work/qemu-in"
    tr -d '\r' < "$log" > "$log.tmp" && mv "$log.tmp" "$log"
    sed -n 's/^.*XS-TAP: //p' "$log" > "$work/tap"
}

# Xen 4.17 under QEMU's emulation sometimes panics in its credit2
# scheduler (update_runq_load on a NULL runqueue, from
# csched2_context_saved <- sched_context_switched <- context_switch),
# seen in CI and once in about ten local runs, each time around a
# domain leaving its cpupool.  A panic is the hypervisor's, not a
# failed check: Xen's report is printed, kept in panic-N.log, and the
# whole run is booted again, at most twice.  So is a dom0 that stopped
# (silent while its own time limits could not fire; CI once lost a
# whole boot's budget to one): what Xen says of its state is printed
# and kept in hang-N.log.  Tests never retry.
panic_retries=${XENSHIFT_E2E_PANIC_RETRIES:-2}
# guest_deaths: one line per guest of the bed that triple faulted during
# the boot, with the RIP Xen saved for it.  A guest would die unseen
# otherwise: its reboot is kept ("preserve") and only a check that
# looks at it would notice.  Every death is printed in the summary.  On this bed PVH guests die now and then
# with nothing done to them (docs/xen-backend.md): most at Xen's own
# instruction after VMRUN (cs e008: QEMU 7.2's SVM emulation ran the
# host's code in the guest's context, Debian's stock Xen too), a few
# in their kernel right after an instruction Xen intercepts and
# emulates (cs 0010, idle guests too; not explained).  Xen prints the
# RIP a few lines after "Triple fault"; dom0's lines may come between.
guest_deaths() {
    awk '/Triple fault/ { n = NR; d = $2 }
         n && NR - n <= 12 && /RIP:/ {
             rip = $0; sub(/.*RIP:[ \t]*/, "", rip)
             print "    " d ": saved RIP " rip \
                 (rip ~ /^e008:/ ? " (Xen'"'"'s code: the emulator)" : " (the guest'"'"'s own code)")
             n = 0 }' "$log"
}
# run_boot LABEL: boot until no panic, no stopped dom0 and no failure
# with a guest death (or out of retries); 1 when out.  Sets deaths.
run_boot() {
    attempt=0
    while :; do
        attempt=$((attempt + 1))
        echo "check-xen: booting $1 (dom0 image: $(cat "$image/versions")); log: $log"
        t_boot=$SECONDS
        boot
        t_boot=$((SECONDS - t_boot))
        deaths=$(guest_deaths)
        if [ $hung = 1 ]; then
            cp "$log" "$logdir/hang-$1-$attempt.log"
            echo "check-xen: dom0 stopped: no console line for $silence s $(where), ${t_boot} s into the boot; what Xen said of its state, asked with its debug keys 0 d r q (kept in $logdir/hang-$1-$attempt.log):" >&2
            head -n 150 "$work/xen-report" >&2
            what="dom0 stopped"
        elif [ $panicked = 1 ]; then
            cp "$log" "$logdir/panic-$1-$attempt.log"
            echo "check-xen: the Xen hypervisor panicked $(where), ${t_boot} s into the boot; its report (kept in $logdir/panic-$1-$attempt.log):" >&2
            sed -n '/----\[ Xen-/,$p' "$log" | head -n 80 >&2
            what="the hypervisor panicked"
        elif [ -z "$deaths" ] || [ "$stress" = 1 ] ||
             { ! grep -q '^not ok' "$work/tap" &&
               grep -q '^1\.\.[0-9][0-9]*$' "$work/tap"; }; then
            # a failure without a death is the run's own (check_boot
            # and the TAP say); a death no check felt is printed in the
            # summary; the stress run counts deaths itself
            return 0
        else
            # a failed boot that lost a guest of the bed: the deaths
            # and the tests that failed are printed, the log kept
            cp "$log" "$logdir/guest-death-$1-$attempt.log"
            echo "check-xen: a guest of the bed died after ${t_boot} s (kept in $logdir/guest-death-$1-$attempt.log):" >&2
            echo "$deaths" >&2
            grep '^not ok' "$work/tap" | sed 's/^/    failed then: /' >&2
            what="a guest of the bed died"
        fi
        if [ $attempt -gt "$panic_retries" ]; then
            echo "check-xen: $what in each of $attempt boots" >&2
            why "$1: $what in each of $attempt boots, the last $(where)"
            return 1
        fi
        echo "# check-xen: $what (attempt $attempt); booting again"
    done
}
# why TEXT: a reason the run failed, printed again at its very end (a
# log cut to its tail, as CI's is, still says why) with the console's
# last lines
why() {
    echo "$*" >> "$work/why"
    if [ "$hung" = 1 ]; then
        echo "check-xen: what Xen said of its state (the first lines):" > "$work/why-report"
        head -n 40 "$work/xen-report" >> "$work/why-report"
    else
        echo "check-xen: the console's last lines:" > "$work/why-report"
        grep -v '^[[:space:]]*$' "$log" | tail -n 15 >> "$work/why-report"
    fi
}
# where: the scenario the boot was in and its last TAP line
where() {
    printf 'in %s after "%s"' \
        "$(sed -n 's/^# scenario \([^ ]*\)$/\1/p' "$work/tap" | tail -n 1)" \
        "$(grep -E '^(not )?ok [0-9]+' "$work/tap" | tail -n 1)"
}
# check_boot LABEL: the run's own failures (time limit, no plan); 1 when
# failed.
check_boot() {
    if [ $qrc -eq 124 ] || [ $qrc -eq 137 ]; then
        echo "check-xen: QEMU did not finish within $timeout s; the log's tail:" >&2
        tail -n 40 "$log" >&2
        why "$1: QEMU did not finish within $timeout s, $(where)"
        return 1
    fi
    if ! grep -q '^1\.\.[0-9][0-9]*$' "$work/tap"; then
        echo "check-xen: the run did not finish (no TAP plan); the log's tail:" >&2
        tail -n 40 "$log" >&2
        why "$1: the run did not finish (no TAP plan; QEMU exit $qrc), $(where)"
        return 1
    fi
    return 0
}
# renumber FILE OFFSET: TAP lines of FILE numbered from OFFSET + 1, no plan
renumber() {
    awk -v off="$2" '
        /^1\.\.[0-9]+$/ { next }
        /^ok [0-9]+/ { $2 = $2 + off; print; next }
        /^not ok [0-9]+/ { $3 = $3 + off; print; next }
        { print }' "$1"
}

xen_img=$image/xen
payload_img=$work/payload.ext4
failed=0
stock_boot=0
stock_attempts=1
guarded_attempts=1
stock_deaths=
guarded_deaths=
stress=0
printf '%s\n' "${scenarios[@]}" | grep -qx stress && stress=1
: > "$work/tap.stock"
if [ "$has_stock" -gt 0 ]; then
    run_boot stock$tag && booted=1 || { booted=0; failed=1; }
    stock_deaths=$deaths
    cp "$work/tap" "$work/tap.stock"
    stock_boot=$t_boot
    stock_attempts=$attempt
    [ $booted = 0 ] || check_boot stock$tag || failed=1
    cp "$log" "$logdir/check-xen-stock$tag.log"
fi

# --- the guarded hypervisor: direct page moves ----------------------------
# Debian's Xen source with xen-patches/ applied (built once, cached),
# with the same dom0 and tools; the scenarios in scenarios-guarded/.
guarded_n=0
if [ $failed = 0 ] && [ "$has_guarded" -gt 0 ]; then
    t=$SECONDS
    if [ "$second_xen" = stock ]; then
        # for comparisons only: the second boot (PVH guests, the
        # guarded scenarios asked for) on Debian's stock hypervisor
        cp "$xen_img" "$work/xen-guarded"
        echo "check-xen: XENSHIFT_E2E_GUARDED_XEN=stock: the second boot runs Debian's stock hypervisor"
    else
        # control: for comparisons only, the same build unpatched
        gx=$(XEN_DEBUG=${XENSHIFT_E2E_XEN_DEBUG:-} \
             "$srcdir/xen-patches/build.sh" "${cache}-guarded" "$second_xen") ||
            fail "building the $second_xen hypervisor failed"
        # build.sh prints its cache directory; "xen" there is the
        # uncompressed ELF QEMU's multiboot loader takes
        [ -f "$gx/xen" ] || fail "the $second_xen hypervisor build left no $gx/xen"
        cp "$gx/xen" "$work/xen-guarded"
        echo "check-xen: $second_xen hypervisor:" $(cat "$gx/versions" 2>/dev/null)
    fi
    t_gbuild=$((SECONDS - t))
    mkdir -p "$work/payload2"
    cp -r "$work/payload/." "$work/payload2/"
    rm -f "$work/payload2/scenarios/"*.sh
    for s in "$work/guarded-scenarios/"*.sh; do
        [ -f "$s" ] && cp "$s" "$work/payload2/scenarios/"
    done
    "$here/guest-work/build.sh" "$work/payload2/work" "$image/guest-modules" >&2 ||
        fail "building the workload guest's programs failed"
    "$here/guard/build.sh" "$work/payload2/bin" "$srcdir" >&2 ||
        fail "building guard-probe failed"
    # the relocation benchmark runs last, in the same boot
    if [ ${#scenarios[@]} -eq 0 ] || printf '%s\n' "${scenarios[@]}" | grep -qx bench; then
        cc -O2 -Wall -Wextra -Werror -o "$work/payload2/bin/memcpy-bench" \
            "$srcdir/bench/memcpy.c" || fail "building bench/memcpy.c failed"
        cp "$srcdir/bench/relocate-xen.sh" "$work/payload2/scenarios/g90-bench.sh"
    fi
    # the stress run of direct moves: only when asked for
    if [ "$stress" = 1 ]; then
        cp "$srcdir/bench/relocate-stress.sh" "$work/payload2/scenarios/g95-stress.sh"
        echo "${XENSHIFT_E2E_STRESS_S:-600}" > "$work/payload2/stress-seconds"
        [ -n "${XENSHIFT_E2E_STRESS_MODE:-}" ] &&
            echo "$XENSHIFT_E2E_STRESS_MODE" > "$work/payload2/stress-mode"
    fi
    echo guarded > "$work/payload2/bed"
    echo "$second_xen" > "$work/payload2/xen-build"
    mke2fs -q -t ext4 -L payload -d "$work/payload2" "$work/payload2.ext4" 64M >/dev/null ||
        fail "cannot build the second payload disk"
    xen_img=$work/xen-guarded
    payload_img=$work/payload2.ext4
    run_boot guarded && booted=1 || { booted=0; failed=1; }
    guarded_attempts=$attempt
    guarded_deaths=$deaths
    [ $booted = 0 ] || check_boot guarded || failed=1
    cp "$log" "$logdir/check-xen-guarded.log"
    guarded_n=1
fi

# The results: both boots' TAP as one stream, numbered through.
n1=$(grep -cE '^(not )?ok [0-9]+' "$work/tap.stock")
{
    renumber "$work/tap.stock" 0
    if [ $guarded_n = 1 ]; then
        case $second_xen in
        guarded) echo "# --- on the guarded hypervisor (xen-patches/, built in ${t_gbuild} s) ---" ;;
        control) echo "# --- on the control hypervisor (Debian's source unpatched, built in ${t_gbuild} s), PVH guests ---" ;;
        stock) echo "# --- on Debian's stock hypervisor, PVH guests ---" ;;
        esac
        renumber "$work/tap" "$n1"
    fi
} > "$work/tap.all"
total=$(grep -cE '^(not )?ok [0-9]+' "$work/tap.all")
cat "$work/tap.all"
echo "1..$total"
# (the guarded boot's log only when it ran: an older run's may be there)
glog=
[ $guarded_n = 1 ] && glog=$logdir/check-xen-guarded.log
times=$(sed -n 's/^.*XS-E2E-TIME //p' "$logdir/check-xen-stock$tag.log" \
        $glog 2>/dev/null)
[ "$dist" = trixie ] && echo "# trixie chroot: ${t_chroot} s"
echo "# package $(basename "$deb"): ${t_deb} s, image ($dist): ${t_image} s, stock boot + scenarios: ${stock_boot} s, all: $((SECONDS - t_all)) s"
[ -n "$times" ] && echo "$times" | sed 's/^/# time (ms): /'
# 10-takeover's timeline, as the bed drew it (README shows one)
svg=$logdir/takeover.svg
if sed -n 's/^.*XS-E2E-SVG //p' "$logdir/check-xen-stock$tag.log" 2>/dev/null |
        tr -d '\r' | base64 -d > "$svg" 2>/dev/null && [ -s "$svg" ]; then
    if command -v xmllint >/dev/null 2>&1 && ! xmllint --noout "$svg" 2>/dev/null; then
        echo "# the take-over's timeline came out of the bed damaged: $svg"
    else
        echo "# the take-over's timeline, drawn on the bed: $svg"
    fi
else
    rm -f "$svg"
fi
# issue 14's ratios, from times of the same boot: 05-xl-baseline's balloon
# steps alone (medians of three), 10-takeover's pairs (vm2's shrink alone,
# then the take-over; "XS-E2E-PAIR N shrink-alone CAP PROCESS WALL
# takeover CAP PROCESS WALL inside MS": capacity, the whole command by
# its own clock and by the shell's), medians of five
pairs=$(sed -n 's/^.*XS-E2E-PAIR //p' "$logdir/check-xen-stock$tag.log" 2>/dev/null | tr -d '\r')
{ echo "$times"; echo "$pairs" | sed 's/^/pair /'; } | awk '
function median(a, n,    i, j, v) {
    for (i = 2; i <= n; i++) { v = a[i]; for (j = i - 1; j > 0 && a[j] > v; j--) a[j + 1] = a[j]; a[j + 1] = v }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
$1 == "pair" && $8 > 0 && $4 > 0 && $5 > 0 && $6 > 0 {
    n++; ac[n] = $4; ap[n] = $5; aw[n] = $6; tc[n] = $8; tp[n] = $9; tw[n] = $10
    rc[n] = $8 / $4; rp[n] = $9 / $5; rw[n] = $10 / $6
    if ($12 > 0) { ni++; ri[ni] = $8 / $12 }
    list = list sprintf("%s%d/%d", n > 1 ? ", " : "", $4, $8)
    next
}
$1 != "pair" { t[$1] = $2 } END {
    x = t["xenshift-takeover"]; c = t["xenshift-capacity"]
    s = t["xenshift-shrink-vm2-alone"]; g = t["xenshift-grow-vm1-alone"]
    sw = t["xenshift-shrink-vm2-alone-whole"]; gw = t["xenshift-grow-vm1-alone-whole"]
    if (s > 0)
        printf "# balloon steps alone (05-xl-baseline, medians of 3): vm2 shrink %d ms, vm1 grow %d ms (xenshift, to capacity; whole commands %d and %d ms); %d and %d ms by xl, seen through xl list\n", s, g, sw, gw, t["xl-shrink-vm2-alone"], t["xl-grow-vm1-alone"]
    if (g > s)
        printf "# (vm1 grow alone was slower than vm2 shrink alone here: the pairs below set the take-over against the shrink)\n"
    if (n > 0) {
        # what the rest of the report compares with: the pairs'"'"' take-overs
        x = median(tw, n); c = median(tc, n)
        printf "# %d pairs, vm2'"'"'s shrink alone / the take-over, to capacity (ms): %s\n", n, list
        printf "# ratio: take-over / its slowest balloon step alone, to capacity from the first step, in pairs: %.2f (median of the pairs'"'"' ratios; medians %d / %d ms; goal <= 1.2; %d ms of preparing before it)\n", median(rc, n), c, median(ac, n), t["xenshift-prepare"]
        printf "# ratio: take-over / its slowest balloon step alone, each the whole command by its own clock (its process'"'"'s start to its end), in pairs: %.2f (medians %d / %d ms; goal <= 1.2)\n", median(rp, n), median(tp, n), median(ap, n)
        printf "# ratio: the same, each command as the shell times it (its clock'"'"'s forks and the exit too, after the take-over in a dom0 that shares its pCPU), in pairs: %.2f (medians %d / %d ms)\n", median(rw, n), x, median(aw, n)
        if (ni > 0)
            printf "# ratio: take-over'"'"'s capacity / the slowest balloon step inside it: %.2f (median of %d; what the executor adds to the balloon it waits for)\n", median(ri, ni), ni
    }
    if (x > 0 && s > 0)
        printf "# ratio: take-over, the whole command / its slowest balloon step alone to capacity (a command'"'"'s fixed cost against none): %.2f (%d / %d ms)\n", x / s, x, s
    if (x > 0 && t["measure-true"] > 0)
        printf "# of the whole command'"'"'s %d ms, the shell'"'"'s clock alone takes %d ms and with /bin/true between its readings %d ms\n", x, t["measure-nothing"], t["measure-true"]
    # xenshiftd (50-daemon): medians of three like apply'"'"'s when there
    # are; capacity against capacity, the whole against apply'"'"'s whole
    d = t["daemon-takeover-median"]; if (!d) d = t["daemon-takeover"]
    dc = t["daemon-capacity-median"]
    if (dc > 0 && c > 0)
        printf "# take-over by xenshiftd / by apply, medians: capacity %d / %d ms, request -> answer ended %d ms / the whole command %d ms (reaction %d ms)\n", dc, c, d, x, t["daemon-reaction-median"]
    if (t["daemon-busywait-capacity-median"] > 0)
        printf "# take-over by xenshiftd waited for by a shell that looks every 0.1 s (xenstore-read, sleep): capacity %d ms, request -> answer ended %d ms (medians)\n", t["daemon-busywait-capacity-median"], t["daemon-busywait-takeover-median"]
    if (dc > 0 && s > 0)
        printf "# ratio: take-over by xenshiftd / its slowest balloon step alone, each to capacity from its first step: %.2f (%d / %d ms; apply'"'"'s above)\n", dc / s, dc, s
    if (d > 0 && s > 0)
        printf "# ratio: take-over by xenshiftd (request -> answer ended) / its slowest balloon step alone to capacity: %.2f (%d / %d ms; apply'"'"'s whole command: %.2f)\n", d / s, d, s, x / s
    if (x > 0 && t["xl-takeover"] > 0)
        printf "# ratio: sequential xl / xenshift take-over: %.2f (%d / %d ms; goal >= 3)\n", t["xl-takeover"] / x, t["xl-takeover"], x
    m = t["takeover-direct-capacity"]; p = t["takeover-plain-capacity"]
    if (m > 0 && p > 0)
        printf "# ratio: guarded take-over capacity with vm1 moved to node 1 / without the move: %.2f (%d / %d ms; goal <= 1.5; placement at %d ms)\n", m / p, m, p, t["takeover-direct-placement"]
}'
# guests of the bed that died while booting and were built again
# (boot_guest in dom0/tap.sh), per boot
for b in stock$tag guarded; do
    [ $b != guarded ] || [ $guarded_n = 1 ] || continue
    c=$(sed -n 's/^.*XS-E2E-COUNT bed-boot-deaths //p' "$logdir/check-xen-$b.log" 2>/dev/null | tail -n 1)
    [ -n "$c" ] && [ "$c" != 0 ] && echo "# $b boot: $c guest(s) of the bed died while booting and were built again"
done
[ "$stock_attempts" -gt 1 ] && echo "# the stock boot was booted again $((stock_attempts - 1)) time(s): see $logdir/panic-stock$tag-*.log, guest-death-stock$tag-*.log, hang-stock$tag-*.log"
[ -n "$stock_deaths" ] && printf '# guests of the bed that died in the stock boot:\n%s\n' "$stock_deaths"
[ -n "$guarded_deaths" ] && printf '# guests of the bed that died in the guarded boot:\n%s\n' "$guarded_deaths"
[ "$guarded_attempts" -gt 1 ] && echo "# the guarded boot was booted again $((guarded_attempts - 1)) time(s): see $logdir/panic-guarded-*.log, guest-death-guarded-*.log, hang-guarded-*.log"

if [ $failed = 1 ]; then
    if [ -s "$work/why" ]; then
        sed '2,$s/^/    /' "$work/why-report" >&2
        sed 's/^/check-xen: failed: /' "$work/why" >&2
    fi
    echo "check-xen: the run failed (see above)" >&2
    exit 1
fi
if grep -q '^not ok' "$work/tap.all"; then
    echo "check-xen: $(grep -c '^not ok' "$work/tap.all") test(s) failed" >&2
    exit 1
fi
echo "check-xen: all $total tests passed"
