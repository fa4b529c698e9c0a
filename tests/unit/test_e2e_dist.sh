#!/bin/sh
# test_e2e_dist.sh - the e2e harness's choice of Debian release
# (XENSHIFT_E2E_DIST) refuses what it cannot build before it needs root,
# the archive or the bed: an unknown release, a trixie image without the
# trixie chroot whose apt it takes its packages from, a chroot build of
# a tree that is not a git checkout.
src=${top_srcdir:-.}
e2e=$src/tests/e2e
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0
check() {   # description expected-rc expected-text command...
    desc=$1 want_rc=$2 want=$3
    shift 3
    "$@" > "$tmp/out" 2>&1
    rc=$?
    n=$((n + 1))
    if [ $rc -eq "$want_rc" ] && grep -qF -- "$want" "$tmp/out"; then
        echo "ok $n - $desc"
    else
        echo "not ok $n - $desc (exit $rc, wanted $want_rc and '$want')"
        sed 's/^/#   /' "$tmp/out"
    fi
}

check "run.sh refuses an unknown release before anything else" 1 \
    "unknown XENSHIFT_E2E_DIST 'sid' (bookworm or trixie)" \
    env XENSHIFT_E2E_DIST=sid XENSHIFT_E2E_CACHE="$tmp/cache" \
        bash "$e2e/run.sh" --srcdir "$src" --builddir "$tmp"
check "image.sh refuses an unknown release" 2 \
    "unknown XENSHIFT_E2E_DIST 'sid' (bookworm or trixie)" \
    env XENSHIFT_E2E_DIST=sid bash "$e2e/image.sh" "$tmp/cache"
check "a trixie image needs the chroot's apt (XENSHIFT_E2E_APT_ROOT)" 1 \
    "a trixie image needs XENSHIFT_E2E_APT_ROOT" \
    env -u XENSHIFT_E2E_APT_ROOT XENSHIFT_E2E_DIST=trixie \
        bash "$e2e/image.sh" "$tmp/cache"
mkdir -p "$tmp/notgit" "$tmp/root"
check "build-in-chroot.sh copies git's file list: a tree outside git is refused" 1 \
    "is not a git checkout" \
    env GIT_CEILING_DIRECTORIES="$tmp" \
        bash "$e2e/build-in-chroot.sh" "$tmp/root" "$tmp/notgit" "$tmp/out"
check "build-deb.sh builds from git's file list: a tree outside git is refused" 1 \
    "is not a git checkout: the package is built from git's file list" \
    env GIT_CEILING_DIRECTORIES="$tmp" \
        bash "$e2e/build-deb.sh" "$tmp/cache" "$tmp/notgit"
git init -q "$tmp/tree"
check "build-deb.sh refuses a chroot that cannot build a package" 1 \
    "$tmp/root has no dpkg-buildpackage: not a build chroot" \
    bash "$e2e/build-deb.sh" "$tmp/cache" "$tmp/tree" "$tmp/root"
[ -d "$tmp/cache" ] && { n=$((n + 1)); echo "not ok $n - a refused run left $tmp/cache"; } ||
    { n=$((n + 1)); echo "ok $n - nothing was built by a refused run"; }
echo "1..$n"
