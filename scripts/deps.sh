#!/bin/sh
# deps.sh build|test - install the Debian 12 packages xenshift needs,
# only those that are missing.  Uses sudo when not run as root.
set -eu

build_pkgs="build-essential autoconf automake libtool pkg-config libxen-dev libyajl-dev tzdata"
test_pkgs="valgrind qemu-system-x86 qemu-utils debootstrap busybox-static cpio e2fsprogs file kmod"
# xz: the Debian 13 kernel's modules come xz-compressed (tests/e2e/image.sh)
test_pkgs="$test_pkgs xz-utils"
# The bed's dom0 runs the Debian package (tests/e2e/build-deb.sh).
test_pkgs="$test_pkgs dpkg-dev debhelper lintian"
# The Pacemaker resource agent's tests: ocf-tester and the OCF DTD,
# xmllint, a real Pacemaker and corosync, and both cluster shells.
test_pkgs="$test_pkgs resource-agents libxml2-utils pacemaker pacemaker-cli-utils corosync crmsh pcs dash"
# The timeline's test (tests/sim/timeline.sh): xmllint (above), a real
# SVG renderer, and python3 to read the pixels of its PNG.
test_pkgs="$test_pkgs librsvg2-bin python3"
# The fuzzers: clang with libFuzzer and the sanitizers' runtimes.
test_pkgs="$test_pkgs clang libclang-rt-14-dev"

case "${1:-build}" in
build) want="$build_pkgs" ;;
test)  want="$build_pkgs $test_pkgs" ;;
*)     echo "usage: $0 build|test" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

echo "deps: installing:$missing"
if [ "$(id -u)" -eq 0 ]; then
    sudo=""
elif command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
else
    echo "deps: need root (or sudo) to install:$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing
