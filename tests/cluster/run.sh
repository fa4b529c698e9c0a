#!/bin/bash
# run.sh - the cluster bed (make check-cluster): two Xen 4.17 hosts in
# two QEMUs, xen500 (computer 500, "A") and xen600 (computer 600, "B"),
# booted from the same cached image (tests/cluster/image.sh: the Xen
# bed's image plus Debian's corosync, pacemaker, sbd and fence-agents),
# each on a qcow2 overlay of it.  docs/cluster-bed.md says what runs.
#
#   run.sh --srcdir DIR --builddir DIR [--keep] [--timeout SECONDS]
#
# The hosts are joined by one virtual network: QEMU's UDP socket netdev
# on 127.0.0.1, each host sending to the other's port (no other
# address, nothing bridged).  Each host keeps the bed's management path
# (its serial console, logged in tests/cluster/logs/NAME.log in the
# build tree, and a payload disk) and has a control port (virtio-serial,
# a TCP server on 127.0.0.1) through which this script runs commands in
# its dom0 (dom0/ctl.sh).  Both QEMUs also open one raw disk image
# shared and writable: the SBD disk.
#
# Needs root and ~7 GB of free RAM (2 x 3 GiB of guest RAM).  Prints TAP;
# exits 0 only when every test passed.
set -uo pipefail

srcdir=
builddir=
keep=0
timeout=${XENSHIFT_E2E_TIMEOUT:-1800}
cache=${XENSHIFT_CLUSTER_CACHE:-/var/cache/xenshift-e2e-cluster}
cpu=${XENSHIFT_E2E_CPU:-qemu64,+svm,+npt}
accel=${XENSHIFT_E2E_ACCEL:-tcg}
qemu=${XENSHIFT_E2E_QEMU:-qemu-system-x86_64}
host_mem=${XENSHIFT_CLUSTER_MEM:-3072}
host_cpus=2
dom0_mem=1024
while [ $# -gt 0 ]; do
    case "$1" in
    --srcdir) srcdir=$2; shift 2 ;;
    --builddir) builddir=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --timeout) timeout=$2; shift 2 ;;
    *) echo "check-cluster: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${builddir:-$srcdir}
here=$srcdir/tests/cluster
fail() { echo "check-cluster: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "needs root (image building)"
"$srcdir/scripts/deps.sh" test || fail "cannot install the host packages"
command -v "$qemu" >/dev/null || fail "$qemu is missing"
. "$here/lib.sh"

t_all=$SECONDS
image=$("$here/image.sh" "$cache") || fail "building the cluster image failed"
t_image=$((SECONDS - t_all))

logdir=$builddir/tests/cluster/logs
mkdir -p "$logdir"
rm -f "$logdir"/*.log
# not under /tmp: the SBD disk is opened with O_DIRECT, which tmpfs lacks
work=$(mktemp -d /var/tmp/xenshift-cluster.XXXXXX)
A=xen500
B=xen600
cleanup() {
    for n in $A $B; do
        [ -n "${H_PID[$n]:-}" ] && host_kill "$n"
    done
    [ $keep = 1 ] && echo "# check-cluster: kept $work" || rm -rf "$work"
}
trap cleanup EXIT
trap "exit 143" INT TERM HUP

host_define $A 172.30.0.50 52:54:00:30:00:50
host_define $B 172.30.0.60 52:54:00:30:00:60
# The SBD disk: zeroed, raw, shared by both QEMUs.
truncate -s 16M "$work/sbd.img"
for n in $A $B; do
    mkdir -p "$work/$n.payload"
    cp -r "$here/dom0" "$work/$n.payload/"
    {
        echo "HOST_NAME=$n"
        echo "HOST_IP=${H_IP[$n]}"
        echo "HOST_MACHINE_ID=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
        echo "HOST_A_NAME=$A HOST_A_IP=${H_IP[$A]}"
        echo "HOST_B_NAME=$B HOST_B_IP=${H_IP[$B]}"
    } > "$work/$n.payload/host.env"
    host_disk "$n" || fail "cannot make $n's disks"
done

# --- both hosts up ---------------------------------------------------------
t_boot=$SECONDS
host_boot $A $B
host_boot $B $A
for n in $A $B; do
    if wait_serial "$n" "XS-CLUSTER: control port .* ready" 900; then
        ok "$n: dom0 up, control port ready ($((SECONDS - t_boot)) s after both QEMUs started)"
    else
        nok "$n: dom0 did not come up; its console's tail:"
        tail -n 30 "$logdir/$n.log" | tr -d '\r' | diag
    fi
done
t_up=$((SECONDS - t_boot))
declare -A mid
for n in $A $B; do
    is "$(on $n hostname)" "$n" "$n: hostname is $n"
    is "$(on $n "xl list | awk '\$1 == \"Domain-0\" { print \$2 }'")" 0 \
        "$n: xl list shows Domain-0 (dom0 of a running Xen)"
    mid[$n]=$(on $n cat /etc/machine-id)
    is "$(on $n "ip -4 -o addr show | awk '\$2 != \"lo\" { print \$4 }'")" "${H_IP[$n]}/24" \
        "$n: its cluster address"
done
[ -n "${mid[$A]}" ] && [ "${mid[$A]}" != "${mid[$B]}" ] &&
    ok "the machine-ids differ (${mid[$A]}, ${mid[$B]})" ||
    nok "the machine-ids differ: '${mid[$A]}', '${mid[$B]}'"
on $A "ping -c 3 -W 5 $B" > "$work/ping.out"
rc=$?
is $rc 0 "$A pings $B over the cluster network" || diag < "$work/ping.out"
on $B "ping -c 3 -W 5 ${H_IP[$A]}" > "$work/ping.out"
rc=$?
is $rc 0 "$B pings $A's address" || diag < "$work/ping.out"
grep rtt "$work/ping.out" | diag
echo "# resident memory of the QEMUs after boot: $A $(rss_mib $A) MiB, $B $(rss_mib $B) MiB"

for n in $A $B; do host_stop "$n"; done
echo "1..$tap_n"
echo "# image: ${t_image} s; both hosts up: ${t_up} s; all: $((SECONDS - t_all)) s"
[ $tap_failed = 0 ] || fail "$tap_failed test(s) failed"
echo "check-cluster: all $tap_n tests passed"
