#!/bin/sh
# build.sh OUTDIR [SRCDIR] - build guard-probe, the dom0 probe of
# XEN_DOMCTL_relocate_memory (see guard-probe.c and xen-patches/README.md),
# and the series' own test program, test-relocate-memory.
#
# SRCDIR is the xenshift source tree (for lib/hv/xen_relocate.h); by default
# the tree this script sits in.  Needs cc and libxen-dev (xencall.h,
# libxencall).  Builds OUTDIR/guard-probe, dynamically linked against
# libxencall (dom0 has it with the Xen tools), and
# OUTDIR/test-relocate-memory: tools/tests/relocate-memory from the
# 4.17 series' patches (git apply, that folder only), on the stock
# libxenctrl with xc-relocate-shim.c in place of the patched wrappers.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build.sh OUTDIR [SRCDIR]}
src=$(cd "${2:-$here/../../..}" && pwd)
die() { echo "guard/build.sh: $*" >&2; exit 1; }

cc=${CC:-cc}
command -v "$cc" > /dev/null || die "no C compiler '$cc' (apt-get install gcc)"
[ -f "$src/lib/hv/xen_relocate.h" ] || die "no lib/hv/xen_relocate.h under $src"
printf '#include <xencall.h>\n' | "$cc" -E -x c - > /dev/null 2>&1 ||
    die "no xencall.h (apt-get install libxen-dev)"

mkdir -p "$out"
out=$(cd "$out" && pwd)
flags="-O2 -Wall -Wextra -Werror"
# shellcheck disable=SC2086
"$cc" $flags -I"$src/lib/hv" -o "$out/guard-probe" "$here/guard-probe.c" \
    -lxencall
echo "guard: built $out/guard-probe" >&2

command -v git > /dev/null || die "no git (apt-get install git)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for p in "$src"/xen-patches/4.17/[0-9][0-9][0-9][0-9]-*.patch; do
    (cd "$tmp" && git apply --include='tools/tests/relocate-memory/*' "$p") ||
        die "cannot take tools/tests/relocate-memory from $p"
done
t=$tmp/tools/tests/relocate-memory/test-relocate-memory.c
[ -f "$t" ] || die "no patch of xen-patches/4.17 adds $t"
# -iquote: lib/ has an err.h of its own, the test wants the C library's
# shellcheck disable=SC2086
"$cc" -O2 -Wall -Werror -iquote "$src/lib/hv" -include "$here/xc-relocate-shim.h" \
    -o "$out/test-relocate-memory" "$t" "$here/xc-relocate-shim.c" \
    -lxenctrl -lxencall
echo "guard: built $out/test-relocate-memory" >&2
