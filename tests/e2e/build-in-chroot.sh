#!/bin/bash
# build-in-chroot.sh CHROOT SRCDIR OUTDIR [MAKE TARGET...] - build this
# tree's xenshift and xenshiftd in a build chroot (tests/e2e/trixie-
# chroot.sh: Debian 13, Xen 4.20's libraries) for the dom0 of that
# release, and copy both programs to OUTDIR.
#
# The tree's files (git's tracked and untracked-but-not-ignored ones) are
# copied to /build/src in the chroot with their times, and built out of
# tree in /build/obj with --enable-werror, configured once: a later run
# rebuilds only what changed.  Extra arguments are make targets run
# there afterwards (e.g. "check").
set -euo pipefail

root=${1:?usage: build-in-chroot.sh CHROOT SRCDIR OUTDIR [TARGET...]}
src=${2:?usage: build-in-chroot.sh CHROOT SRCDIR OUTDIR [TARGET...]}
out=${3:?usage: build-in-chroot.sh CHROOT SRCDIR OUTDIR [TARGET...]}
shift 3
log() { echo "e2e-chroot-build: $*" >&2; }

git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1 || {
    log "$src is not a git checkout: the chroot build copies git's file list"
    exit 1; }

mounted=()
cleanup() {
    local m
    for m in "${mounted[@]}"; do umount -l "$m" 2>/dev/null || true; done
}
trap cleanup EXIT
for m in proc dev; do
    if ! mountpoint -q "$root/$m"; then
        case $m in
        proc) mount -t proc proc "$root/proc" ;;
        # /dev/pts too (the golden tests of terminal output need a pty);
        # a slave, so unmounting it leaves the host's /dev alone
        dev) mount --rbind /dev "$root/dev"
             mount --make-rslave "$root/dev" ;;
        esac
        mounted+=("$root/$m")
    fi
done

mkdir -p "$root/build/src" "$root/build/obj"
(cd "$src" && git ls-files -z -co --exclude-standard |
     tar --null -T - -cf -) | tar -xpf - -C "$root/build/src"

in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
                HOME=/root LC_ALL=C.UTF-8 "$@"; }
t=$SECONDS
in_root sh -ec '
    cd /build/src
    [ -x configure ] || ./autogen.sh
    cd /build/obj
    [ -f Makefile ] || ../src/configure --quiet --enable-werror
    nice -n 19 make -j2 xenshift xenshiftd
' >&2 || { log "the build in $root failed"; exit 1; }
log "built against $(in_root pkg-config --modversion xenlight 2>/dev/null |
    sed 's/^/libxenlight /') in $((SECONDS - t)) s"
mkdir -p "$out"
cp "$root/build/obj/xenshift" "$root/build/obj/xenshiftd" "$out/"
if [ $# -gt 0 ]; then
    in_root sh -c 'cd /build/obj && nice -n 19 make -j2 "$@"' make "$@" >&2 || {
        log "make $* in the chroot failed"; exit 1; }
fi
