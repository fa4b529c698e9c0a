#!/bin/bash
# check.sh [CACHE_DIR] - does each base's patch series apply and build?
#
# For every base folder here (4.17/, 4.20/, staging/, ... : a folder with
# NNNN-*.patch files), the Xen source of that base is taken from Debian's
# archive when the archive serves it, the series applied (a dry run
# first, no fuzz; a patch that does not apply is named with its failing
# hunks) and the hypervisor built, all by build.sh, whose cache
# (CACHE_DIR, default $XENSHIFT_E2E_CACHE-guarded, i.e. the one
# "make check-xen" uses) makes a second call, or one after check-xen,
# cost seconds.  One line per base:
#   BASE: applied+built ...
#   BASE: FAILED ...
#   BASE: no source reachable for base BASE (Debian's archive serves ...)
# A base whose source cannot be had is said so, never counted as built.
# Exit codes: 0 every reachable base applied and built, 1 a base failed,
# 2 usage.  Logs of each base's build: CACHE_DIR/check-BASE.log.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
[ $# -le 1 ] || { echo "usage: check.sh [CACHE_DIR]" >&2; exit 2; }
cache=${1:-${XENSHIFT_E2E_CACHE:-/var/cache/xenshift-e2e}-guarded}
mkdir -p "$cache" 2>/dev/null && [ -w "$cache" ] ||
    { echo "check.sh: cannot write $cache (root, or another CACHE_DIR)" >&2; exit 1; }

# Debian's suites carrying each base's source, the first served wins
# (the security suite has the newest point release).
suites_for() {
    case $1 in
    4.17) echo "bookworm-security bookworm" ;;
    4.20) echo "trixie-security trixie" ;;
    *) echo "" ;;
    esac
}

bases=()
for d in "$here"/*/; do
    d=${d%/}
    ls "$d"/[0-9][0-9][0-9][0-9]-*.patch >/dev/null 2>&1 && bases+=("${d##*/}")
done
[ ${#bases[@]} -gt 0 ] || { echo "check.sh: no base folder with patches in $here" >&2; exit 1; }

rc=0
for base in "${bases[@]}"; do
    n=$(ls "$here/$base"/[0-9][0-9][0-9][0-9]-*.patch | wc -l)
    suites=$(suites_for "$base")
    if [ -z "$suites" ]; then
        echo "$base: no source reachable for base $base (Debian's archive packages Xen's releases only, no $base tree)"
        continue
    fi
    blog=$cache/check-$base.log
    t=$SECONDS
    out=$(XEN_SRC_SUITE=$suites XEN_PATCH_BASE=$base \
          "$here/build.sh" "$cache" guarded 2> "$blog")
    brc=$?
    t=$((SECONDS - t))
    case $brc in
    0)
        v=$(sed -n 's/^xen-source=//p' "$out/versions")
        s=$(sed -n 's/^xen-suite=//p' "$out/versions")
        nr=$(sed -n 's/^not-reachable=//p' "$out/versions")
        how=built
        grep -q '^xen-patches: cached hypervisor' "$blog" && how="built (cached)"
        echo "$base: applied+$how: $n patch(es) on xen $v ($s) in ${t} s -> $out${nr:+; not reachable: $nr}"
        ;;
    3)
        why=$(sed -n 's/^xen-patches: no xen source reachable in: [^(]*(\(.*\))$/\1/p' "$blog" | tail -n 1)
        echo "$base: no source reachable for base $base (what Debian's archive serves: ${why:-nothing for $suites})"
        ;;
    *)
        rc=1
        echo "$base: FAILED ($n patch(es), log $blog):"
        grep -E '^xen-patches: |^    ' "$blog" | grep -v '^xen-patches: applying' |
            tail -n 20 | sed 's/^/    /'
        grep -qE '^xen-patches: (error|.* does not apply)' "$blog" ||
            tail -n 20 "$blog" | sed 's/^/    | /'
        ;;
    esac
done
exit $rc
