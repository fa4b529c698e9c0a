#!/bin/bash
# build.sh CACHE_DIR - build (or reuse) Debian's Xen 4.17 hypervisor with the
# patches in this directory (XENMEM_relocate_exclusive, see README.md).
#
# Only the hypervisor is built, with Debian's hypervisor configuration
# (debian/xen-kconfig + olddefconfig), from the Xen source package of
# Debian bookworm (main).  The result is cached in CACHE_DIR/<key>/, where
# the key is a hash of the source package version, the patch files and this
# script; a finished build has a "ready" stamp.  The directory holds:
#   xen        the uncompressed multiboot image (what QEMU's -kernel takes,
#              like tests/e2e/image.sh's img/xen)
#   xen.gz     the same, gzipped (what Debian installs as /boot/xen-*.gz)
#   xen-syms   the unstripped image with symbols, for debugging
#   config     the hypervisor .config
#   versions   source package version, patch hashes, compiler
# Prints the directory on stdout; everything else goes to stderr.
#
# Must run as root on Debian 12 (it may add a deb-src source to apt and
# install the build packages: gcc make flex bison python3 ...).
# Environment: XEN_SRC_SUITE (default bookworm) picks the suite whose
# source package is used; XEN_DEBUG=y builds a debug hypervisor
# (CONFIG_DEBUG: assertions, poisoned free pages), cached apart.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${1:?usage: build.sh CACHE_DIR}
suite=${XEN_SRC_SUITE:-bookworm}
log() { echo "xen-patches: $*" >&2; }
die() { log "error: $*"; exit 1; }

shopt -s nullglob
patches=("$here"/4.17/[0-9][0-9][0-9][0-9]-*.patch)
shopt -u nullglob
[ ${#patches[@]} -gt 0 ] || die "no patches in $here"

# --- apt: a deb-src source for the suite ---------------------------------
# The archive this host's apt uses for the suite, from apt-cache's own view.
mirror_of() {   # $1 = suite
    apt-cache policy | awk -v s="$1/main" '$3 == s && $2 ~ /^https?:/ {
        print $2; exit }'
}

# The .dsc file name of the suite's xen source package, if apt knows it.
# (apt-get leaves out files already in the current directory: use an
# empty one.)
src_dsc() {
    local uris empty
    empty=$(mktemp -d)
    uris=$(cd "$empty" &&
           apt-get source -q --print-uris --only-source "xen/$suite" \
           2>/dev/null) || true
    rmdir "$empty"
    awk '$2 ~ /^xen_.*\.dsc$/ { print $2 }' <<< "$uris" | head -n1
}

dsc=$(src_dsc)
if [ -z "$dsc" ]; then
    [ "$(id -u)" = 0 ] || die "need root to enable deb-src for $suite"
    mirror=$(mirror_of "$suite")
    if [ -z "$mirror" ]; then
        log "apt knows no $suite/main source yet: apt-get update"
        apt-get update -q >&2
        mirror=$(mirror_of "$suite")
    fi
    [ -n "$mirror" ] || die "apt has no $suite/main source"
    keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    list=/etc/apt/sources.list.d/xenshift-deb-src-$suite.sources
    log "enabling deb-src for $suite main from $mirror ($list)"
    {
        echo "Types: deb-src"
        echo "URIs: $mirror"
        echo "Suites: $suite"
        echo "Components: main"
        [ -f "$keyring" ] && echo "Signed-By: $keyring"
    } > "$list"
    apt-get update -q >&2
    dsc=$(src_dsc)
    [ -n "$dsc" ] || die "no xen source package in $suite"
fi

src_ver=${dsc#xen_}
src_ver=${src_ver%.dsc}
[ -n "$src_ver" ] || die "cannot tell the xen source version"

# --- cache ---------------------------------------------------------------
debug=${XEN_DEBUG:-}
[ "$debug" = 1 ] && debug=y
key=$( { echo "xen $src_ver${debug:+ debug}"
         for p in "${patches[@]}"; do basename "$p"; cat "$p"; done
         cat "$here/build.sh"; } | sha256sum | cut -c1-16)
out="$cache/$key"
if [ -f "$out/ready" ] && [ -f "$out/xen" ]; then
    log "cached hypervisor $out (xen $src_ver + ${#patches[@]} patch(es))"
    echo "$out"
    exit 0
fi

log "building $key: xen $src_ver + ${#patches[@]} patch(es)"

# --- build packages --------------------------------------------------------
need=()
for p in gcc make binutils libc6-dev flex bison python3 dpkg-dev xz-utils \
         patch; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
        need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        --no-install-recommends "${need[@]}" >&2 ||
        { apt-get update -q >&2
          DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
              --no-install-recommends "${need[@]}" >&2; }
fi

mkdir -p "$cache"
work=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
t=$SECONDS

# --- source: Debian's package, with Debian's own patch queue applied -----
(cd "$work" && apt-get source -q --only-source "xen=$src_ver" >&2)
srcdir=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'xen-*' | head -n1)
if [ -z "$srcdir" ] || [ ! -f "$srcdir/xen/Makefile" ]; then
    die "apt-get source did not unpack a xen tree"
fi

for p in "${patches[@]}"; do
    log "applying $(basename "$p")"
    patch -d "$srcdir" -p1 --forward --batch --dry-run < "$p" >&2 ||
        die "$(basename "$p") does not apply to xen $src_ver"
    patch -d "$srcdir" -p1 --forward --batch < "$p" >&2
done

# --- the hypervisor ----------------------------------------------------------
# Debian's rules do the same: its kconfig + olddefconfig, no dpkg CFLAGS.
unset CFLAGS CXXFLAGS CPPFLAGS LDFLAGS
export WGET=/bin/false GIT=/bin/false
mk=(make -C "$srcdir/xen" XEN_TARGET_ARCH=x86_64 XEN_VENDORVERSION=-xenshift)
cp "$srcdir/debian/xen-kconfig" "$srcdir/xen/.config"
if [ "$debug" = y ]; then
    sed -i '/^# CONFIG_DEBUG is not set$/d; /^CONFIG_DEBUG=/d' "$srcdir/xen/.config"
    echo CONFIG_DEBUG=y >> "$srcdir/xen/.config"
fi
"${mk[@]}" olddefconfig >&2
"${mk[@]}" -j"$(nproc)" >&2

img="$work/img"
mkdir -p "$img"
cp "$srcdir/xen/xen" "$img/xen"
cp "$srcdir/xen/xen.gz" "$img/xen.gz"
cp "$srcdir/xen/xen-syms" "$img/xen-syms"
cp "$srcdir/xen/.config" "$img/config"
{
    echo "xen-source=$src_ver"
    echo "xen-version=$("${mk[@]}" -s --no-print-directory xenversion)"
    for p in "${patches[@]}"; do
        echo "patch=$(basename "$p") $(sha256sum < "$p" | cut -c1-16)"
    done
    echo "cc=$(gcc --version | head -n1)"
    echo "debug=${debug:-n}"
    echo "key=$key"
} > "$img/versions"

rm -rf "$out"
mv "$img" "$out"
touch "$out/ready"
log "built $out in $((SECONDS - t))s"
echo "$out"
