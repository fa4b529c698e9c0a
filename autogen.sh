#!/bin/sh
# Regenerate the build system.  The TAP driver ships with automake; copy
# it rather than keep a copy in the tree.
set -e
cd "$(dirname "$0")"
mkdir -p build-aux m4
for d in /usr/share/automake-*; do
    if [ -f "$d/tap-driver.sh" ]; then
        cp -f "$d/tap-driver.sh" build-aux/tap-driver.sh
        break
    fi
done
autoreconf -fi
