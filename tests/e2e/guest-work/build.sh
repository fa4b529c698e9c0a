#!/bin/sh
# build.sh OUTDIR [MODDIR [BASE_INITRD]] - the workload guest's programs.
#
# Builds into OUTDIR:
#   memcheck, grant   static, for the busybox guests
#   grantmap          dynamic (-lxengnttab), for dom0
#   work.cpio         uncompressed newc archive: init (755), bin/memcheck,
#                     bin/grant, and with MODDIR every *.ko below it, flat
#                     in lib/modules/ (init loads them all)
# work.cpio is meant to be appended to the guests' initrd.gz: Linux
# unpacks concatenated archives in order, later files replacing earlier
# ones, so its init replaces the stock one.  The kernel only takes an
# uncompressed archive that starts at a multiple of 4 bytes into the
# initrd: pad the gzip with zero bytes first (truncate -s %4), as done
# for BASE_INITRD.
#
# MODDIR: a directory with the guest's modules below it (image.sh's
# guest-modules: xen-blkfront, xen-gntalloc and what they need), all of
# them copied.  Debian 12's kernel builds gntalloc as a module
# (CONFIG_XEN_GRANT_DEV_ALLOC=m, kernel/drivers/xen/xen-gntalloc.ko, no
# dependencies), so /bin/grant needs it: MODDIR must hold it.  BASE_INITRD: also write OUTDIR/initrd-work.img = BASE_INITRD,
# zero-padded to 4 bytes, + work.cpio.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build.sh OUTDIR [MODDIR [BASE_INITRD]]}
moddir=${2:-}
base=${3:-}
die() { echo "guest-work/build.sh: $*" >&2; exit 1; }

cc=${CC:-cc}
command -v "$cc" > /dev/null || die "no C compiler '$cc' (apt-get install gcc)"
command -v cpio > /dev/null || die "no cpio (apt-get install cpio)"
libc_a=$("$cc" -print-file-name=libc.a)
[ -f "$libc_a" ] || die "no static libc.a for -static (apt-get install libc6-dev)"
printf '#include <xengnttab.h>\n' | "$cc" -E -x c - > /dev/null 2>&1 ||
    die "no xengnttab.h for grantmap (apt-get install libxen-dev)"

mkdir -p "$out"
out=$(cd "$out" && pwd)
flags="-O2 -Wall -Wextra -Werror"
# shellcheck disable=SC2086
"$cc" -static $flags -o "$out/memcheck" "$here/memcheck.c"
# shellcheck disable=SC2086
"$cc" -static $flags -I"$here" -o "$out/grant" "$here/grant.c"
# shellcheck disable=SC2086
"$cc" $flags -I"$here" -o "$out/grantmap" "$here/grantmap.c" -lxengnttab

stage=$(mktemp -d "${TMPDIR:-/tmp}/guest-work.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin"
install -m 755 "$here/init" "$stage/init"
install -m 755 "$out/memcheck" "$stage/bin/memcheck"
install -m 755 "$out/grant" "$stage/bin/grant"
if [ -n "$moddir" ]; then
    [ -d "$moddir" ] || die "module directory $moddir does not exist"
    [ -n "$(find "$moddir" -name 'xen-gntalloc.ko' -type f)" ] ||
        die "no xen-gntalloc.ko under $moddir"
    mkdir -p "$stage/lib/modules"
    find "$moddir" -name '*.ko' -type f -exec install -m 644 {} "$stage/lib/modules/" \;
fi
# Directories before their files (the kernel does not make parents), no
# "." entry (it would chmod the guest's root), owned by root.
(cd "$stage" && find . -mindepth 1 | sed 's,^\./,,' | LC_ALL=C sort |
     cpio -o -H newc -R 0:0 --quiet) > "$out/work.cpio"

if [ -n "$base" ]; then
    [ -f "$base" ] || die "no initrd $base"
    cp "$base" "$out/initrd-work.img"
    truncate -s %4 "$out/initrd-work.img"
    cat "$out/work.cpio" >> "$out/initrd-work.img"
fi
echo "guest-work: built $out/memcheck $out/grant $out/grantmap $out/work.cpio${base:+ $out/initrd-work.img}" >&2
