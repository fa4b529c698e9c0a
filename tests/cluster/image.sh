#!/bin/bash
# image.sh CACHE_DIR - the cluster bed's dom0 image (make check-cluster).
#
# Made from the Xen bed's image (tests/e2e/image.sh, Debian 12, Xen
# 4.17, cached in XENSHIFT_E2E_CACHE as check-xen caches it; this
# script only reads it) plus Debian's cluster packages: corosync,
# pacemaker, sbd, fence-agents (fence_sbd), resource-agents (IPaddr2,
# anything: the service's address and its process), socat (the service
# and its client), iproute2 and ping; and the kernel modules a cluster
# host needs beyond the bed's (the cluster NIC and its bridge, the
# control port, the watchdogs).
#
# The same root filesystem is the service guests' (a Pacemaker Remote
# node in a guest, docs/failover.md's form for Xen), with
# pacemaker-remoted from Debian's pacemaker-remote unpacked in
# /usr/local/sbin: a host gives it to its guest read-only, and the
# guest's own initrd (remote-initrd.gz, made here:
# tests/cluster/guest/initrd-init) mounts it under a tmpfs overlay and
# runs tests/cluster/guest/remote-init, installed in the image as
# /usr/local/sbin/xenshift-remote-guest.  The bed's root filesystem is
# copied out with debugfs (no loop device, no mount), the packages are
# installed in a chroot of the copy, and a new ext4 image is made with
# mke2fs -d.  The hypervisor, kernel and initrd are the bed's.
#
# Cached in CACHE_DIR/<key>/ ("ready" when finished); the key is the
# bed image's own key (its directory name), the candidate versions of
# the cluster packages and a hash of this script.  Older images in
# CACHE_DIR are removed.  Prints the image directory on stdout.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
e2e=$here/../e2e
cache=${1:?usage: image.sh CACHE_DIR}
log() { echo "cluster-image: $*" >&2; }
pkgs="corosync pacemaker pacemaker-cli-utils sbd fence-agents resource-agents socat iproute2 iputils-ping"
# virtio_net: the cluster network; virtio_console: the control port;
# xen_wdt (Xen's per-domain watchdog) and softdog: SBD's watchdog;
# bridge: the guests' NICs on the cluster network
mods="virtio_net virtio_console xen_wdt softdog bridge"
# the service guest's initrd: its disk, its NIC, the overlay root
guest_mods="xen-blkfront xen-netfront crc32c_generic ext4 overlay"

base=$("$e2e/image.sh" "${XENSHIFT_E2E_CACHE:-/var/cache/xenshift-e2e}") || {
    log "the Xen bed's image could not be built"; exit 1; }
versions=$(for p in $pkgs pacemaker-remote; do
               printf '%s=%s ' "$p" "$(apt-cache policy "$p" | awk '/Candidate:/ { print $2 }')"
           done)
key=$( { basename "$base"; echo "$versions"; cat "$here/image.sh" "$here"/guest/*; } |
       sha256sum | cut -c1-16)
out=$cache/$key
if [ -f "$out/ready" ]; then
    log "cached cluster image $out"
    echo "$out"
    exit 0
fi

log "building cluster image $key on $base: $versions"
t0=$SECONDS
mkdir -p "$cache"
work=$(mktemp -d "$cache/build.XXXXXX")
cleanup() {
    for m in proc dev sys; do
        mountpoint -q "$work/rootfs/$m" 2>/dev/null && umount -l "$work/rootfs/$m"
    done
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
mkdir -p rootfs img x/linux x/remote debs

# The bed's root, copied out of its image (rdump keeps owners, modes
# and symlinks).
debugfs -R "rdump / $work/rootfs" "$base/rootfs.ext4" >/dev/null 2>debugfs.err || {
    cat debugfs.err >&2; log "debugfs rdump failed"; exit 1; }
[ -x rootfs/usr/lib/xen-4.17/bin/xl ] || { log "the copied root has no xl"; exit 1; }
log "root copied out in $((SECONDS - t0)) s"

# Nothing is started in the chroot (no init there).
printf '#!/bin/sh\nexit 101\n' > rootfs/usr/sbin/policy-rc.d
chmod 755 rootfs/usr/sbin/policy-rc.d
mount -t proc proc rootfs/proc
mount --bind /dev rootfs/dev
mount -t sysfs sys rootfs/sys
t=$SECONDS
# shellcheck disable=SC2086
chroot rootfs sh -c 'apt-get update -q && DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends '"$pkgs" >&2
for m in proc dev sys; do umount -l "rootfs/$m"; done
rm -f rootfs/usr/sbin/policy-rc.d
for p in $pkgs; do
    chroot rootfs dpkg-query -W -f '${Status}\n' "$p" | grep -q 'ok installed' || {
        log "$p did not install"; exit 1; }
done
[ -x rootfs/usr/sbin/fence_sbd ] || { log "no fence_sbd"; exit 1; }
# pacemaker-remoted for the service guests, from pacemaker-remote,
# unpacked beside pacemaker (Debian's two packages conflict: a node is a
# full cluster node or a remote one; its libraries are pacemaker's).
pcmk_ver=$(chroot rootfs dpkg-query -W -f '${Version}' pacemaker)
(cd x/remote && apt-get download -q "pacemaker-remote=$pcmk_ver" >&2)
dpkg-deb -x x/remote/pacemaker-remote_*.deb x/remote
install -m 755 x/remote/usr/sbin/pacemaker-remoted rootfs/usr/local/sbin/pacemaker-remoted
chroot rootfs /usr/local/sbin/pacemaker-remoted --version >&2 || { log "pacemaker-remoted does not run"; exit 1; }
install -m 755 "$here/guest/remote-init" rootfs/usr/local/sbin/xenshift-remote-guest
for a in IPaddr2 anything; do
    [ -x rootfs/usr/lib/ocf/resource.d/heartbeat/$a ] || { log "no ocf:heartbeat:$a"; exit 1; }
done
installed=$(for p in $pkgs; do
                printf '%s=%s ' "$p" "$(chroot rootfs dpkg-query -W -f '${Version}' "$p")"
            done)
rm -rf rootfs/var/cache/apt/archives/*.deb rootfs/var/lib/apt/lists/* \
       rootfs/usr/share/doc/* rootfs/usr/share/man/* rootfs/usr/share/locale/*
log "packages installed in $((SECONDS - t)) s"

# The extra modules, from the bed's kernel package (same version).
kver=$(sed -n 's/.* kver=\([^ ]*\).*/\1/p' "$base/versions")
kpkg=$(sed -n 's/.* kernel=\([^/]*\)\/\([^ ]*\).*/\1=\2/p' "$base/versions")
(cd debs && apt-get download -q "$kpkg" >&2)
dpkg-deb -x debs/*.deb x/linux
depmod -b x/linux "$kver"
# copy_modules DEST MODULE...: the modules and what they load first,
# from the kernel package into DEST, indexed there
copy_modules() {
    local dest=$1 m f rel
    shift
    for m in "$@"; do
        modprobe -d x/linux -S "$kver" --show-depends "$m" |
            awk '$1 == "insmod" { print $2 }'
    done | sort -u | while read -r f; do
        rel=${f#*x/linux/}
        mkdir -p "$dest/$(dirname "$rel")"
        cp "$f" "$dest/$rel"
    done
    depmod -b "$dest" "$kver"
}
# shellcheck disable=SC2086
copy_modules rootfs $mods
for m in $mods; do
    modprobe -d rootfs -S "$kver" --show-depends "$m" >/dev/null || {
        log "module $m missing in the image"; exit 1; }
done

# The service guest's initrd: busybox (static, as the bed's guests'),
# the modules above with what they need, and initrd-init.
mkdir -p ginitrd/bin ginitrd/proc ginitrd/sys ginitrd/dev ginitrd/lower ginitrd/rw ginitrd/newroot
cp /bin/busybox ginitrd/bin/
mkdir -p "ginitrd/lib/modules/$kver"
cp x/linux/lib/modules/"$kver"/modules.{order,builtin,builtin.modinfo} "ginitrd/lib/modules/$kver/"
# shellcheck disable=SC2086
copy_modules ginitrd $guest_mods
install -m 755 "$here/guest/initrd-init" ginitrd/init
(cd ginitrd && find . | cpio -o -H newc 2>/dev/null | gzip -9) > img/remote-initrd.gz

size=$(( $(du -sm rootfs | cut -f1) * 13 / 10 + 64 ))
mke2fs -q -t ext4 -L xenshift-dom0 -d rootfs img/rootfs.ext4 "${size}M" >&2
for f in xen vmlinuz initrd.gz; do cp "$base/$f" img/; done
cp -r "$base/guest-modules" img/
{ cat "$base/versions"; echo "base=$(basename "$base") $installed"; } > img/versions
touch img/ready
rm -rf "$out"
mv img "$out"
for old in "$cache"/*/; do
    [ "${old%/}" = "$out" ] || [ "${old%/}" = "$work" ] || rm -rf "${old%/}"
done
log "cluster image ready in $((SECONDS - t0)) s: $out"
echo "$out"
