#!/bin/bash
# build.sh CACHE_DIR [guarded|control] - build (or reuse) Debian's Xen
# hypervisor from Debian's source package, with this directory's patch
# series for the source's base (guarded, the default) or without it
# (control: the same source, config, compiler and flags, unpatched).
#
# Only the hypervisor is built, with Debian's hypervisor configuration
# (debian/xen-kconfig + olddefconfig).  The source is the xen source
# package of the first suite in XEN_SRC_SUITE (default "bookworm-security
# bookworm") whose files Debian's archive actually serves; the series is
# the one in BASE/ where BASE is the source's major.minor (4.17, 4.20).
# The result is cached in CACHE_DIR/<key>/, the key a hash of everything
# that went into it: the build (guarded/control), the source version and
# its .dsc's checksum (the .dsc pins Debian's tarballs, patch queue and
# xen-kconfig), the patches' names and contents, this script, the
# compiler's and binutils' versions and the debug flag.  A finished build
# has a "ready" stamp.  The directory holds:
#   xen        the uncompressed multiboot image (what QEMU's -kernel takes,
#              like tests/e2e/image.sh's img/xen)
#   xen.gz     the same, gzipped (what Debian installs as /boot/xen-*.gz)
#   xen-syms   the unstripped image with symbols, for debugging
#   config     the hypervisor .config
#   versions   build, source suite and version, patch hashes, compiler
# Prints the directory on stdout; everything else goes to stderr.
#
# apt is used with a private source list and package lists under
# CACHE_DIR/apt (nothing is added to /etc/apt); the lists are refreshed
# when older than a day or missing.  Installing the build packages (gcc
# make flex bison python3 ...) when they are missing needs root.
# Environment: XEN_BUILD (guarded|control, the argument wins),
# XEN_SRC_SUITE, XEN_SRC_MIRROR and XEN_SRC_SECURITY_MIRROR (default:
# the mirrors apt uses for bookworm and bookworm-security, or
# deb.debian.org), XEN_PATCH_BASE (fail unless the source is that base),
# XEN_DEBUG=y (CONFIG_DEBUG: assertions,
# poisoned free pages; cached apart).
# Exit codes: 0 built or cached, 1 failure, 2 usage, 3 no source reachable.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: build.sh CACHE_DIR [guarded|control]" >&2; exit 2; }
cache=$1
build=${2:-${XEN_BUILD:-guarded}}
case $build in
guarded|control) ;;
*) echo "build.sh: build '$build' is neither guarded nor control" >&2; exit 2 ;;
esac
suites=${XEN_SRC_SUITE:-bookworm-security bookworm}
log() { echo "xen-patches: $*" >&2; }
die() { log "error: $*"; exit 1; }
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

# --- apt: a private deb-src list per suite -------------------------------
# The archive this host's apt uses for bookworm (or bookworm-security),
# from apt-cache's own view; trixie's source lives on the same mirror.
mirror_of() {   # $1 = suite
    local s=bookworm
    case $1 in *-security) s=bookworm-security ;; esac
    apt-cache policy 2>/dev/null | awk -v s="$s/main" '$3 == s && $2 ~ /^https?:/ {
        print $2; exit }'
}
mirror_for() {  # $1 = suite
    local m=${XEN_SRC_MIRROR:-}
    case $1 in *-security) m=${XEN_SRC_SECURITY_MIRROR:-} ;; esac
    [ -n "$m" ] || m=$(mirror_of "$1")
    if [ -z "$m" ]; then
        case $1 in
        *-security) m=http://deb.debian.org/debian-security ;;
        *) m=http://deb.debian.org/debian ;;
        esac
    fi
    echo "$m"
}
# apt_suite SUITE ARGS...: apt-get restricted to SUITE's deb-src only.
apt_suite() {
    local suite=$1 d=$cache/apt/$1
    shift
    apt-get -q -o Dir::Etc::SourceList="$d/sources.list" \
        -o Dir::Etc::SourceParts="$d/parts" \
        -o Dir::State::Lists="$d/lists" -o Dir::Cache="$d/cache" \
        -o APT::Sandbox::User=root "$@"
}
# apt_update SUITE [force]: the suite's Sources list, fetched if missing,
# older than a day, or forced.
apt_update() {
    local d=$cache/apt/$1 keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    mkdir -p "$d/parts" "$d/lists/partial" "$d/cache/archives/partial"
    echo "deb-src [signed-by=$keyring] $(mirror_for "$1") $1 main" > "$d/sources.list"
    if [ "${2:-}" = force ] || [ ! -f "$d/updated" ] ||
       [ -n "$(find "$d/updated" -mmin +1440)" ]; then
        log "apt-get update for $1's sources ($(mirror_for "$1"))"
        if ! apt_suite "$1" update >&2; then
            # offline: older lists still name what a cached build used
            [ -f "$d/updated" ] || return 1
            log "apt-get update for $1 failed: using the lists of $(date -r "$d/updated")"
            return 0
        fi
        touch "$d/updated"
    fi
}
# src_uris SUITE: apt-get's "'URI' NAME SIZE HASH" lines for xen's source
src_uris() {
    local empty uris
    empty=$(mktemp -d)
    # apt-get leaves out files already in the current directory: use an
    # empty one
    uris=$(cd "$empty" && apt_suite "$1" source --print-uris --only-source \
           "xen/$1" 2>/dev/null) || true
    rmdir "$empty"
    grep "^'" <<< "$uris" || true
}
# unreachable URIS: nothing when every file answers (HTTP 200), else the
# first that does not, with its status ("404 NAME").
unreachable() {
    local uri code
    for uri in $(awk '{ gsub(/\047/, "", $1); print $1 }' <<< "$1"); do
        code=$(curl -s -o /dev/null -I -L -w '%{http_code}' "$uri") || code=000
        [ "$code" = 200 ] || { echo "$code ${uri##*/}"; return 0; }
    done
}

# The first suite whose source Debian's archive serves.  Whatever is not
# reachable is said (stderr, and in the "versions" file's notes).
suite= uris= notes=
for s in $suites; do
    apt_update "$s" || { notes+="$s: apt-get update failed; "; continue; }
    u=$(src_uris "$s")
    if [ -z "$u" ]; then
        notes+="$s: no xen source package; "
        continue
    fi
    v=$(awk '$2 ~ /^xen_.*\.dsc$/ { sub(/^xen_/, "", $2); sub(/\.dsc$/, "", $2); print $2 }' <<< "$u")
    # a cached build needs no download: look before probing the archive
    bad=
    if ! ls "$cache"/*/versions >/dev/null 2>&1 ||
       ! grep -lqx "xen-source=$v" "$cache"/*/versions; then
        bad=$(unreachable "$u")
        if [ -n "$bad" ] &&
           [ -n "$(find "$cache/apt/$s/updated" -mmin +60)" ]; then
            # the lists may be stale (the archive moved on): once more
            apt_update "$s" force || true
            u=$(src_uris "$s")
            v=$(awk '$2 ~ /^xen_.*\.dsc$/ { sub(/^xen_/, "", $2); sub(/\.dsc$/, "", $2); print $2 }' <<< "$u")
            bad=$(unreachable "$u")
        fi
    fi
    if [ -n "$bad" ]; then
        log "$s lists xen $v, but the archive answers HTTP ${bad% *} for ${bad#* }"
        notes+="$s: xen $v listed, HTTP ${bad% *} for ${bad#* }; "
        continue
    fi
    suite=$s uris=$u src_ver=$v
    break
done
if [ -z "$suite" ]; then
    log "no xen source reachable in: $suites (${notes%; })"
    exit 3
fi
dsc_sum=$(awk '$2 ~ /\.dsc$/ { print $4 }' <<< "$uris")
base=$(sed -n 's/^\([0-9]*\.[0-9]*\)\..*/\1/p' <<< "$src_ver")
[ -n "$base" ] || die "cannot tell the base of xen $src_ver"
if [ -n "${XEN_PATCH_BASE:-}" ] && [ "$XEN_PATCH_BASE" != "$base" ]; then
    die "$suite's xen $src_ver is base $base, not $XEN_PATCH_BASE"
fi

patches=()
if [ "$build" = guarded ]; then
    shopt -s nullglob
    patches=("$here/$base"/[0-9][0-9][0-9][0-9]-*.patch)
    shopt -u nullglob
    [ ${#patches[@]} -gt 0 ] || die "no patches for xen $base in $here/$base"
fi

# --- cache ---------------------------------------------------------------
debug=${XEN_DEBUG:-}
[ "$debug" = 1 ] && debug=y
[ "$debug" = y ] || debug=n
cc_ver=$(gcc --version 2>/dev/null | head -n1 || echo "no gcc yet")
ld_ver=$(ld --version 2>/dev/null | head -n1 || echo "no ld yet")
key=$( { echo "build $build"
         echo "xen $src_ver $dsc_sum"
         echo "debug $debug"
         echo "cc $cc_ver"
         echo "ld $ld_ver"
         for p in "${patches[@]}"; do basename "$p"; cat "$p"; done
         cat "$here/build.sh"; } | sha256sum | cut -c1-16)
out="$cache/$key"
what="xen $src_ver ($suite), $build, ${#patches[@]} patch(es)"
if [ -f "$out/ready" ] && [ -f "$out/xen" ]; then
    log "cached hypervisor $out ($what)"
    echo "$out"
    exit 0
fi

log "building $key: $what"

# --- build packages --------------------------------------------------------
need=()
for p in gcc make binutils libc6-dev flex bison python3 dpkg-dev xz-utils \
         patch curl; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
        need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || die "missing ${need[*]} (root installs them)"
    log "installing ${need[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        --no-install-recommends "${need[@]}" >&2 ||
        { apt-get update -q >&2
          DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
              --no-install-recommends "${need[@]}" >&2; }
    # the compiler is part of the key: compute it again
    exec "$0" "$cache" "$build"
fi

# One build per key at a time (check-patches and check-xen may race):
# whoever waited finds the other's result.
exec 9> "$cache/.lock-$key"
flock 9
if [ -f "$out/ready" ] && [ -f "$out/xen" ]; then
    log "built meanwhile by another call: $out ($what)"
    echo "$out"
    exit 0
fi
work=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
t=$SECONDS

# --- source: Debian's package, with Debian's own patch queue applied -----
(cd "$work" && apt_suite "$suite" source --only-source "xen=$src_ver" >&2) ||
    die "apt-get source xen=$src_ver ($suite) failed"
srcdir=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'xen-*' | head -n1)
if [ -z "$srcdir" ] || [ ! -f "$srcdir/xen/Makefile" ]; then
    die "apt-get source did not unpack a xen tree"
fi

# A dry run of each patch first; a patch that does not apply exactly
# (no fuzz: a fuzzy hunk may land in the wrong place) is named with its
# failing hunks.
for p in "${patches[@]}"; do
    log "applying $(basename "$p")"
    if ! dry=$(patch -d "$srcdir" -p1 --forward --batch --fuzz=0 --dry-run < "$p" 2>&1); then
        log "$(basename "$p") does not apply to xen $src_ver:"
        awk '/^(patching|checking) file/ { f = $3 }
             /FAILED|Reversed|malformed|can.t find file/ {
                 print "    " (f ? f ": " : "") $0 }' <<< "$dry" >&2
        exit 1
    fi
    patch -d "$srcdir" -p1 --forward --batch --fuzz=0 < "$p" >&2
done

# --- the hypervisor ----------------------------------------------------------
# Debian's rules do the same: its kconfig + olddefconfig, no dpkg CFLAGS.
unset CFLAGS CXXFLAGS CPPFLAGS LDFLAGS
export WGET=/bin/false GIT=/bin/false
vendor=-xenshift
[ "$build" = control ] && vendor=-xenshift-control
mk=(make -C "$srcdir/xen" XEN_TARGET_ARCH=x86_64 XEN_VENDORVERSION=$vendor)
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
    echo "build=$build"
    echo "xen-source=$src_ver"
    echo "xen-suite=$suite"
    echo "xen-dsc=$dsc_sum"
    echo "xen-version=$("${mk[@]}" -s --no-print-directory xenversion)"
    for p in "${patches[@]}"; do
        echo "patch=$base/$(basename "$p") $(sha256sum < "$p" | cut -c1-16)"
    done
    echo "cc=$cc_ver"
    echo "ld=$ld_ver"
    echo "debug=$debug"
    [ -n "$notes" ] && echo "not-reachable=${notes%; }"
    echo "key=$key"
} > "$img/versions"

rm -rf "$out"
mv "$img" "$out"
touch "$out/ready"
log "built $out in $((SECONDS - t))s"
echo "$out"
