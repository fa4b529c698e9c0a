#!/bin/bash
# trixie-chroot.sh CACHE_DIR - build (or reuse) a Debian 13 (trixie) build
# chroot with Xen 4.20's development files, for the Debian 13 bed:
# xenshift's Debian package is built there against 4.20's libraries
# (tests/e2e/build-deb.sh; build-in-chroot.sh builds the programs alone)
# and image.sh asks its apt which trixie packages to take.
#
# Cached in CACHE_DIR/<key>/ where the key is made of this script (its
# suite and package list); a finished chroot has a "ready" stamp.  Its
# package lists are refreshed when older than a day, and the build
# packages upgraded then, so libxen-dev follows trixie's Xen.  Prints the
# chroot directory on stdout.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${1:?usage: trixie-chroot.sh CACHE_DIR}
log() { echo "e2e-trixie-chroot: $*" >&2; }
suite=trixie
build_pkgs="autoconf automake libtool pkg-config libxen-dev libyajl-dev tzdata debhelper"

# The archive this host's apt uses (a Debian 12 host: its bookworm
# sources name the mirror that also serves trixie).
mirror_of() {   # $1 = suite, e.g. "bookworm" or "bookworm-security"
    apt-cache policy | awk -v s="$1/main" '$3 == s && $2 ~ /^https?:/ {
        print $2; exit }'
}

key=$( { echo "$suite $build_pkgs"; cat "$here/trixie-chroot.sh"; } |
       sha256sum | cut -c1-16)
root="$cache/$key"

in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
                DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"; }

if [ ! -f "$root/ready" ]; then
    main_mirror=$(mirror_of bookworm)
    sec_mirror=$(mirror_of bookworm-security)
    [ -n "$main_mirror" ] && [ -n "$sec_mirror" ] || {
        log "apt has no bookworm and bookworm-security sources: run 'apt-get update' first"
        exit 1; }
    log "building the $suite chroot $key from $main_mirror"
    mkdir -p "$cache"
    rm -rf "$root" "$root.tmp"
    t=$SECONDS
    debootstrap --variant=buildd "$suite" "$root.tmp" "$main_mirror" >&2
    # Xen's security releases come through trixie-security.
    cat > "$root.tmp/etc/apt/sources.list" <<EOF
deb $main_mirror $suite main
deb $main_mirror $suite-updates main
deb $sec_mirror $suite-security main
EOF
    mv "$root.tmp" "$root"
    rm -f "$root/var/lib/apt/lists/stamp"
    log "debootstrap in $((SECONDS - t)) s"
fi

# Fresh lists (and the build packages at their newest) once a day.
stamp="$root/var/lib/apt/lists/stamp"
if [ -z "$(find "$stamp" -mmin -1440 2>/dev/null)" ]; then
    t=$SECONDS
    # shellcheck disable=SC2086
    in_root sh -c "apt-get update -q && apt-get install -y -q \
        --no-install-recommends $build_pkgs" >&2 || {
        log "apt-get in the chroot failed"; exit 1; }
    in_root apt-get clean
    touch "$stamp"
    log "package lists and build packages refreshed in $((SECONDS - t)) s"
fi
touch "$root/ready"
# Older chroots (another suite or package list) are not needed.
for old in "$cache"/*/; do
    [ "${old%/}" = "$root" ] || rm -rf "${old%/}"
done
echo "$root"
