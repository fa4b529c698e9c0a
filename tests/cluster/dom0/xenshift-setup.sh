#!/bin/sh
# xenshift-setup.sh - in a cluster host's dom0: xenshift as the Xen bed
# (tests/e2e) installs it, its package from the payload with dpkg -i;
# its table, the patent's Fig. 9 (examples/fig9.json), where the
# resource agent reads it by default (/etc/xenshift/xenshift.json); and
# the table's guests vm1, vm2, vm3 in its standby phase, normal (128,
# 512, 128 MiB, maxmem 640: PV guests, as on the stock bed), built with
# the bed's own helpers (guest_cfg, create_guest, wait_hello from
# tests/e2e/dom0/tap.sh, on the payload as /payload/e2e/tap.sh).
# Then xenshiftd, as the package's unit runs it (xenshiftd-supervise.sh:
# checked with -n, run with -F, restarted when it dies), before the
# cluster's resources start: the agent's requests go through it.
# Prints what it did; exits 0 when the host is in phase normal as xl
# shows it (tap.sh's xl_phase) and xenshiftd runs.
. /payload/e2e/tap.sh
deb=$(ls /payload/deb/xenshift_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || { echo "no package on the payload"; exit 1; }
dpkg -i "$deb" > /tmp/dpkg-i.out 2>&1 || { cat /tmp/dpkg-i.out; exit 1; }
echo "installed $(dpkg-query -W -f '${Package} ${Version}' xenshift)"
install -D -m 0644 /payload/tables/fig9.json /etc/xenshift/xenshift.json
xenshift -c /etc/xenshift/xenshift.json check || exit 1
rm -f /var/log/xen/console/guest-vm*.log
for spec in vm1:128 vm2:512 vm3:128; do
    guest_cfg ${spec%%:*} pv ${spec#*:} 640 "" "maxvcpus = 2"
    create_guest ${spec%%:*} || create_guest ${spec%%:*} || exit 1
done
for name in vm1 vm2 vm3; do
    wait_hello $name 300 || {
        echo "$name: no hello on its console"
        tail -n 20 /var/log/xen/console/guest-$name.log
        exit 1
    }
    echo "$name: hello after $waited s"
done
xl list
phase=$(xl_phase)
echo "phase as xl shows it: $phase"
[ "$phase" = normal ] || exit 1
# xenshiftd: ready once it logged "started" (after its watch is set,
# where the unit's Type=notify would get READY=1)
rm -f /var/log/xenshiftd.log /var/log/xenshiftd-supervise.log
setsid sh /payload/dom0/xenshiftd-supervise.sh </dev/null >/dev/null 2>&1 &
i=0
until grep -q "xenshiftd .* started: " /var/log/xenshiftd.log 2>/dev/null; do
    i=$((i + 1))
    [ $i -le 300 ] || {
        echo "xenshiftd did not start"
        cat /var/log/xenshiftd-supervise.log /var/log/xenshiftd.log 2>&1
        exit 1
    }
    sleep 0.1
done
pid=$(xenstore-read /local/domain/0/xenshift/daemon)
[ "$(cat /proc/$pid/comm 2>/dev/null)" = xenshiftd ] || { echo "xenstore's daemon node: '$pid', no xenshiftd"; exit 1; }
echo "xenshiftd runs: pid $pid"
cat /var/log/xenshiftd-supervise.log /var/log/xenshiftd.log
