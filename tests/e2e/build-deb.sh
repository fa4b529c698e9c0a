#!/bin/bash
# build-deb.sh CACHE_DIR SRCDIR [CHROOT] - build (or reuse) this tree's
# Debian package, xenshift_*.deb, for the bed's dom0, and print its path.
#
# It is built with dpkg-buildpackage -b from debian/, on this host (a
# Debian 12 one, like the Debian 12 dom0) or, given CHROOT, in that build
# chroot (tests/e2e/trixie-chroot.sh for the Debian 13 bed), so that its
# Depends name the dom0 release's libraries.  The tree's files (git's
# tracked and untracked-but-not-ignored ones, as they are in the work
# tree: uncommitted changes too, unlike "make deb") are copied to a
# scratch folder (in the chroot: under /build) and built there.  The
# package's tests are not run (nocheck: "make check" runs them) and no
# debug symbols package is made (noautodbgsym).
#
# Cached in CACHE_DIR/<key>/, the key a hash of the release, the versions
# of the build packages, this script and the contents of every file of
# the tree except tests/e2e/ and tests/cluster/ (nothing of them is in
# the package; the beds' scenarios change without a rebuild); a finished package has a "ready"
# stamp.  The four newest packages are kept, so trees that take turns
# on the bed (branches, worktrees) do not rebuild each other's.
set -euo pipefail

usage="usage: build-deb.sh CACHE_DIR SRCDIR [CHROOT]"
cache=${1:?$usage}
src=${2:?$usage}
root=${3:-}
log() { echo "e2e-deb: $*" >&2; }

git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1 || {
    log "$src is not a git checkout: the package is built from git's file list"
    exit 1; }
if [ -n "$root" ] && [ ! -x "$root/usr/bin/dpkg-buildpackage" ]; then
    log "$root has no dpkg-buildpackage: not a build chroot"
    exit 1
fi

# run: a command on the build root, with a clean environment
run() {
    if [ -n "$root" ]; then
        chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
            HOME=/root LC_ALL=C.UTF-8 "$@"
    else
        /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
            LC_ALL=C.UTF-8 "$@"
    fi
}

# the tree's files, NUL-separated, those that exist (a deleted tracked
# file is left out)
tree_files() {
    (cd "$src" && git ls-files -z -co --exclude-standard |
         while IFS= read -r -d '' f; do
             [ -f "$f" ] && printf '%s\0' "$f"
         done)
}

build_vers=$(run dpkg-query -W -f '${Package}=${Version} ' \
                 libxen-dev libyajl-dev debhelper dpkg-dev gcc) || {
    log "the build packages are missing (libxen-dev libyajl-dev debhelper dpkg-dev gcc)"
    exit 1; }
key=$( { run cat /etc/debian_version; echo "$build_vers"
         cat "$0"
         tree_files | grep -zv '^tests/\(e2e\|cluster\)/' |
             (cd "$src" && xargs -0 sha256sum); } | sha256sum | cut -c1-16)
out=$cache/$key
if [ -f "$out/ready" ]; then
    log "cached $(basename "$out"/*.deb) ($key)"
    ls "$out"/*.deb
    exit 0
fi

t=$SECONDS
mkdir -p "$cache"
if [ -n "$root" ]; then
    mkdir -p "$root/build"
    scratch=$(mktemp -d "$root/build/deb.XXXXXX")
    inner=${scratch#"$root"}
else
    scratch=$(mktemp -d "$cache/build.XXXXXX")
    inner=$scratch
fi
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/xenshift"
(cd "$src" && tree_files | tar --null -T - -cf -) |
    tar -xpf - -C "$scratch/xenshift"
log "building the package in ${root:-this host} ($build_vers)"
run env DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=2" sh -ec "
    cd '$inner/xenshift'
    nice -n 19 dpkg-buildpackage -us -uc -b" > "$scratch/build.log" 2>&1 || {
    tail -n 40 "$scratch/build.log" >&2
    log "dpkg-buildpackage failed"
    exit 1; }
debs=("$scratch"/xenshift_*.deb)
[ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] || {
    log "dpkg-buildpackage left no single xenshift_*.deb"; exit 1; }
rm -rf "$out" "$out.tmp"
mkdir "$out.tmp"
cp "${debs[0]}" "$out.tmp/"
touch "$out.tmp/ready"
mv "$out.tmp" "$out"
# the four newest are kept
ls -dt "$cache"/*/ | tail -n +5 | while read -r old; do
    case $old in "$cache"/build.*) ;; *) rm -rf "$old" ;; esac
done
log "built $(basename "${debs[0]}") in $((SECONDS - t)) s ($key)"
ls "$out"/*.deb
