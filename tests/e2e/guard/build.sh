#!/bin/sh
# build.sh OUTDIR [SRCDIR] - build guard-probe, the dom0 probe of
# XEN_DOMCTL_relocate_memory (see guard-probe.c and xen-patches/README.md).
#
# SRCDIR is the xenshift source tree (for lib/xen_relocate.h); by default
# the tree this script sits in.  Needs cc and libxen-dev (xencall.h,
# libxencall).  Builds OUTDIR/guard-probe, dynamically linked against
# libxencall (dom0 has it with the Xen tools).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build.sh OUTDIR [SRCDIR]}
src=${2:-$here/../../..}
die() { echo "guard/build.sh: $*" >&2; exit 1; }

cc=${CC:-cc}
command -v "$cc" > /dev/null || die "no C compiler '$cc' (apt-get install gcc)"
[ -f "$src/lib/xen_relocate.h" ] || die "no lib/xen_relocate.h under $src"
printf '#include <xencall.h>\n' | "$cc" -E -x c - > /dev/null 2>&1 ||
    die "no xencall.h (apt-get install libxen-dev)"

mkdir -p "$out"
out=$(cd "$out" && pwd)
flags="-O2 -Wall -Wextra -Werror"
# shellcheck disable=SC2086
"$cc" $flags -I"$src/lib" -o "$out/guard-probe" "$here/guard-probe.c" \
    -lxencall
echo "guard: built $out/guard-probe" >&2
