#!/bin/sh
# runner.sh - in dom0: install xenshift's Debian package from the payload
# disk, start the Fig. 9 guests, run every scenario on the payload disk,
# print the TAP plan.
. /payload/dom0/tap.sh
export XENSHIFT_TABLE=/payload/tables/fig9.json
export XS_TAP_COUNTER

# xenshift as an operator installs it: the package (debian/, built by
# tests/e2e/build-deb.sh for this dom0's release) installed with dpkg,
# its Depends met by dom0's own Debian packages.  Every scenario runs
# the installed programs (tap_packaged in tap.sh checks one).
deb=$(ls /payload/deb/xenshift_*.deb 2>/dev/null | head -n 1)
t=$(now_ms)
dpkg -i "$deb" > /tmp/dpkg-i.out 2>&1
rc=$?
tap_is "dpkg -i ${deb##*/} exits 0 in dom0 ($(( $(now_ms) - t )) ms)" "$rc" 0 ||
    tap_show cat /tmp/dpkg-i.out
XENSHIFT_DEB_VERSION=$(dpkg-deb -f "$deb" Version 2>/dev/null)
export XENSHIFT_DEB_VERSION
tap_is "dpkg -s xenshift: installed, the payload's version" \
    "$(dpkg-query -W -f '${Status} ${Version}' xenshift 2>&1)" \
    "install ok installed $XENSHIFT_DEB_VERSION"
tap_is "dpkg --verify xenshift: every file as shipped" "$(dpkg --verify xenshift 2>&1)" ""
XENSHIFT=$(command -v xenshift)
export XENSHIFT
tap_is "xenshift on dom0's PATH is the package's" "$XENSHIFT" /usr/sbin/xenshift

cons=/var/log/xen/console
rm -f "$cons"/*
echo "XS-E2E: $(xl info | awk '/^xen_version|^nr_cpus|^nr_nodes|^total_memory|^free_memory/')"

# Fig. 9 "before the event", memory x4: vm1 128, vm2 512, vm3 128 MiB.
# maxmem 640 so that each can grow (its static max).  PV guests on the
# stock hypervisor; PVH on the guarded one, whose pages Xen can move.
#
# A PVH guest built with less memory than maxmem runs on populate-on-
# demand until its balloon driver starts, and the 128 MiB ones never got
# that far (their kernel touched more than 128 MiB of the 640 first): a
# PVH guest is built with all its maxmem and ballooned down once it
# runs.  Built at 640 MiB such a guest would not go below 176 MiB (and
# booted in minutes under emulation), so the PVH bed is sized for that
# (tables/numa-pvh.json): built at 448 MiB, then vm1 192, vm2 384, vm3
# 192 MiB.
gtype=pv
specs="vm1:128 vm2:512 vm3:128"
maxmem=640
if [ "$(cat /payload/bed 2>/dev/null)" = guarded ]; then
    gtype=pvh
    specs="vm1:192 vm2:384 vm3:192"
    maxmem=448
fi
tap_diag "bed: $(cat /payload/bed 2>/dev/null || echo stock) hypervisor, $gtype guests"
for spec in $specs; do
    name=${spec%%:*}
    mem=${spec#*:}
    [ $gtype = pvh ] && mem=$maxmem
    guest_cfg $name $gtype $mem $maxmem "" "maxvcpus = 2"
    # PVH: down to its size once its balloon driver runs, before the
    # next one is built (three at 448 MiB would not fit beside dom0)
    if [ $gtype = pv ]; then
        create_guest $name || create_guest $name
    else
        boot_guest $name XS-GUEST-HELLO 600
        tap_diag "$name (PVH, $maxmem MiB): hello after $waited s"
        xl mem-set $name ${spec#*:}m
        wait_mem $name ${spec#*:} 120
    fi
done
echo "XS-E2E-COUNT bed-boot-deaths $(boot_deaths)"
for name in vm1 vm2 vm3; do
    wait_hello $name 300
    tap_check "$name booted (hello on its console after ${waited} s)" \
        grep -q XS-GUEST-HELLO "$cons/guest-$name.log" || {
        tap_show tail -n 30 "$cons/guest-$name.log"
        tap_show xl list
    }
done
if [ $gtype = pvh ]; then
    for spec in $specs; do
        tap_check "${spec%%:*} ballooned down to ${spec#*:} MiB (xl list: $(xl_mem ${spec%%:*}))" \
            wait_mem ${spec%%:*} ${spec#*:} 120
    done
fi
xl list

if ! ldd "$XENSHIFT" | grep -q "not found"; then
    tap_is "the packaged xenshift runs in dom0 and says the package's version" \
        "$("$XENSHIFT" version 2>&1)" "xenshift $XENSHIFT_DEB_VERSION"
else
    tap_fail "xenshift's libraries are missing in dom0: $(ldd "$XENSHIFT" | grep 'not found' | tr '\n' ' ')"
fi

# A heartbeat on the console while the scenarios run: a scenario's own
# time limit below needs a dom0 that still runs, and run.sh takes
# minutes without a line for a dom0 (or hypervisor) that no longer
# does.
( while :; do echo "XS-ALIVE"; sleep 20; done ) &
alive=$!
for s in /payload/scenarios/*.sh; do
    [ -f "$s" ] || continue
    t=$(now_ms)
    tap_diag "scenario $(basename "$s")"
    # the stress run (bench/relocate-stress.sh) takes as long as asked
    limit=900
    [ -f /payload/stress-seconds ] && [ "$(basename "$s")" = g95-stress.sh ] &&
        limit=$(( $(cat /payload/stress-seconds) + 600 ))
    timeout $limit sh "$s"
    rc=$?
    # 124: the time limit; above: killed by a signal.  Its remaining
    # tests never ran, so the scenario itself fails.
    [ $rc -ge 124 ] && tap_fail "scenario $(basename "$s") did not finish (exit $rc)"
    tap_diag "scenario $(basename "$s") took $(( $(now_ms) - t )) ms"
done
kill $alive
tap_plan
