#!/bin/bash
# image.sh CACHE_DIR - build (or reuse) the bootable Xen test image.
#
# Everything comes from Debian's archive: Debian's stock Xen hypervisor
# (from the security suite, so it matches the tools in dom0), Debian's
# kernel for dom0 and the guests, a debootstrap dom0 with the Xen tools.
# XENSHIFT_E2E_DIST picks the release: bookworm (Debian 12, Xen 4.17,
# the default) or trixie (Debian 13, Xen 4.20).  A trixie image takes
# its package versions and .debs from the apt of the trixie chroot named
# by XENSHIFT_E2E_APT_ROOT (tests/e2e/trixie-chroot.sh), as this
# Debian 12 host's apt has no trixie sources.
# The result is cached in CACHE_DIR/<key>/ where the key is made of the
# release, the package versions and this harness's own image files; a
# finished image has a "ready" stamp.  Older images in CACHE_DIR are
# removed, so each release needs a CACHE_DIR of its own.  Prints the
# image directory on stdout.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${1:?usage: image.sh CACHE_DIR}
log() { echo "e2e-image: $*" >&2; }
dist=${XENSHIFT_E2E_DIST:-bookworm}
apt_root=
case "$dist" in
bookworm) xen_series=4.17 ;;
trixie)
    xen_series=4.20
    apt_root=${XENSHIFT_E2E_APT_ROOT:?a trixie image needs XENSHIFT_E2E_APT_ROOT}
    ;;
*) log "unknown XENSHIFT_E2E_DIST '$dist' (bookworm or trixie)"; exit 2 ;;
esac
xen_pkg=xen-hypervisor-$xen_series-amd64
utils_pkg=xen-utils-$xen_series

# apt of the image's release: this host's, or the trixie chroot's.
apt_do() {
    if [ -n "$apt_root" ]; then
        chroot "$apt_root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
            LC_ALL=C "$@"
    else
        "$@"
    fi
}

# The archive this host's apt uses, from apt-cache's own view (the
# bookworm mirror serves trixie too).
mirror_of() {   # $1 = suite, e.g. "bookworm" or "bookworm-security"
    apt-cache policy | awk -v s="$1/main" '$3 == s && $2 ~ /^https?:/ {
        print $2; exit }'
}

pkg_version() { apt_do apt-cache policy "$1" | awk '/Candidate:/ { print $2 }'; }

kernel_pkg=$(apt_do apt-cache depends linux-image-amd64 |
             awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
xen_ver=$(pkg_version "$xen_pkg")
kernel_ver=$(pkg_version "$kernel_pkg")
if [ -z "$kernel_pkg" ] || [ -z "$xen_ver" ] || [ "$xen_ver" = "(none)" ]; then
    log "cannot find the Xen or kernel packages: run 'apt-get update' first"
    exit 1
fi
key=$( { echo "$dist $xen_ver $kernel_pkg $kernel_ver"
         cat "$here/image.sh" "$here/dom0/dom0-init" "$here/dom0/initrd-init" \
             "$here/guest/init"; } | sha256sum | cut -c1-16)
out="$cache/$key"
if [ -f "$out/ready" ]; then
    log "cached $dist image $out (xen $xen_ver, $kernel_pkg $kernel_ver)"
    echo "$out"
    exit 0
fi

log "building $dist image $key: xen $xen_ver, $kernel_pkg $kernel_ver"
main_mirror=$(mirror_of bookworm)
sec_mirror=$(mirror_of bookworm-security)
[ -n "$main_mirror" ] && [ -n "$sec_mirror" ] || {
    log "apt has no bookworm and bookworm-security sources"; exit 1; }

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
mkdir -p debs x/xen x/linux img

# --- hypervisor and kernel ---------------------------------------------
t=$SECONDS
if [ -n "$apt_root" ]; then
    dl=$(mktemp -d "$apt_root/tmp/debs.XXXXXX")
    apt_do sh -c "cd '${dl#"$apt_root"}' && apt-get download -q \
        -o APT::Sandbox::User=root \
        '$xen_pkg=$xen_ver' '$kernel_pkg=$kernel_ver'" >&2
    mv "$dl"/*.deb debs/
    rmdir "$dl"
else
    (cd debs && apt-get download -q "$xen_pkg=$xen_ver" \
         "$kernel_pkg=$kernel_ver" >&2)
fi
dpkg-deb -x debs/"$xen_pkg"_*.deb x/xen
dpkg-deb -x debs/"$kernel_pkg"_*.deb x/linux
# trixie's kernel package has its modules under /usr/lib (merged /usr)
if [ -d x/linux/usr/lib/modules ]; then
    mkdir -p x/linux/lib
    mv x/linux/usr/lib/modules x/linux/lib/
fi
# QEMU's multiboot loader takes the uncompressed 32-bit ELF, not the .gz
zcat x/xen/boot/xen-$xen_series-amd64.gz > img/xen
# trixie's kernel ships its modules xz-compressed, which the initrd's
# busybox modprobe cannot load: they are unpacked here, once.
find x/linux/lib/modules -name '*.ko.xz' -exec xz -d {} +
kver=$(ls x/linux/lib/modules)
cp x/linux/boot/vmlinuz-"$kver" img/vmlinuz
depmod -b x/linux "$kver"
log "fetched in $((SECONDS - t)) s"

# Copy modules and what they depend on from the kernel package.
copy_modules() {   # dest module...
    local dest=$1 m f rel
    shift
    mkdir -p "$dest/lib/modules/$kver"
    cp x/linux/lib/modules/"$kver"/modules.{order,builtin,builtin.modinfo} \
       "$dest/lib/modules/$kver/"
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

# --- dom0 root filesystem ------------------------------------------------
t=$SECONDS
debootstrap --variant=minbase --include=busybox,kmod,procps "$dist" \
    rootfs "$main_mirror" >&2
# The hypervisor may be from the security suite: so must the tools be.
{
    echo "deb $main_mirror $dist main"
    [ "$dist" = bookworm ] || echo "deb $main_mirror $dist-updates main"
    echo "deb $sec_mirror $dist-security main"
} > rootfs/etc/apt/sources.list
mount -t proc proc rootfs/proc
mount --bind /dev rootfs/dev
mount -t sysfs sys rootfs/sys
chroot rootfs sh -c 'apt-get update -q && DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends '"$utils_pkg"' \
    xen-utils-common xenstore-utils libyajl2' >&2
for m in proc dev sys; do umount -l "rootfs/$m"; done
[ -x rootfs/usr/lib/xen-$xen_series/bin/xl ] || { log "xen-utils did not install"; exit 1; }
tools_ver=$(chroot rootfs dpkg-query -W -f '${Version}' "$utils_pkg")
[ "$tools_ver" = "$xen_ver" ] || {
    log "dom0 tools $tools_ver do not match the hypervisor $xen_ver"; exit 1; }
rm -rf rootfs/var/cache/apt/archives/*.deb rootfs/var/lib/apt/lists/* \
       rootfs/usr/share/doc/* rootfs/usr/share/man/* rootfs/usr/share/locale/*
log "dom0 rootfs in $((SECONDS - t)) s"

copy_modules rootfs xenfs xen-evtchn xen-gntdev xen-gntalloc xen-privcmd \
    xen-blkback xen-netback virtio_pci virtio_blk ext4 loop
install -m 755 "$here/dom0/dom0-init" rootfs/sbin/xenshift-dom0-init
echo 'XENCONSOLED_ARGS="--log=guest --log-dir=/var/log/xen/console"' \
    > rootfs/etc/default/xen
mkdir -p rootfs/var/log/xen/console rootfs/payload rootfs/root/guest

# --- the guests' kernel and initrd ----------------------------------------
# Modules the workload guests of the guarded-hypervisor tests load (a
# disk, a page granted to dom0): kept beside the image, not in the
# stock guests' initrd.
copy_modules img/guest-modules xen-blkfront xen-gntalloc
mkdir -p guest/bin guest/proc guest/sys guest/dev
cp /bin/busybox guest/bin/busybox
install -m 755 "$here/guest/init" guest/init
# xenstore's own client, for the test that a guest may not write
# xenshift's nodes: the programs and the libraries they load, from the
# dom0 root (same Debian release).
for b in xenstore-read xenstore-write; do
    real=$(chroot rootfs readlink -f "/usr/bin/$b")
    mkdir -p "guest$(dirname "$real")" guest/usr/bin
    cp -L "rootfs$real" "guest$real"
    [ "$real" = "/usr/bin/$b" ] || ln -sf "$real" "guest/usr/bin/$b"
    for lib in $(chroot rootfs ldd "$real" |
                 awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
        mkdir -p "guest$(dirname "$lib")"
        cp -L "rootfs$lib" "guest$lib"
    done
done
[ -x guest/usr/bin/xenstore-write ] || { log "no xenstore client for the guests"; exit 1; }
(cd guest && find . | cpio -o -H newc 2>/dev/null | gzip -9) \
    > rootfs/root/guest/initrd.gz
cp img/vmlinuz rootfs/root/guest/vmlinuz

# --- dom0's own initrd: mount the root disk, switch to it -----------------
mkdir -p initrd/bin initrd/proc initrd/sys initrd/dev initrd/newroot
cp /bin/busybox initrd/bin/
copy_modules initrd virtio_pci virtio_blk crc32c_generic ext4
install -m 755 "$here/dom0/initrd-init" initrd/init
(cd initrd && find . | cpio -o -H newc 2>/dev/null | gzip -9) > img/initrd.gz

size=$(( $(du -sm rootfs | cut -f1) * 13 / 10 + 64 ))
mke2fs -q -t ext4 -L xenshift-dom0 -d rootfs img/rootfs.ext4 "${size}M" >&2
echo "dist=$dist xen=$xen_ver kernel=$kernel_pkg/$kernel_ver kver=$kver" > img/versions
touch img/ready
rm -rf "$out"
mv img "$out"
# Older images (other package versions or harness files) are not needed.
for old in "$cache"/*/; do
    [ "${old%/}" = "$out" ] || [ "${old%/}" = "$work" ] || rm -rf "${old%/}"
done
log "image ready: $out"
echo "$out"
