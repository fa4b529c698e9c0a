#!/bin/sh
# xenshift-setup.sh - in a cluster host's dom0: xenshift as the Xen bed
# (tests/e2e) installs it, its package from the payload with dpkg -i;
# its table, the patent's Fig. 9 (examples/fig9.json), where the
# resource agent reads it by default (/etc/xenshift/xenshift.json); and
# the table's guests vm1, vm2, vm3 in its standby phase, normal (128,
# 512, 128 MiB, maxmem 640: PV guests, as on the stock bed; vm1 the
# service guest, a Pacemaker Remote node with a Debian userland), built with
# the bed's own helpers (guest_cfg, create_guest, wait_hello from
# tests/e2e/dom0/tap.sh, on the payload as /payload/e2e/tap.sh).
# Then xenshiftd, as the package's unit runs it (xenshiftd-supervise.sh:
# checked with -n, run with -F, restarted when it dies), before the
# cluster's resources start: the agent's requests go through it.
# Prints what it did; exits 0 when the host is in phase normal as xl
# shows it (tap.sh's xl_phase) and xenshiftd runs.
. /payload/e2e/tap.sh
. /payload/host.env
deb=$(ls /payload/deb/xenshift_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || { echo "no package on the payload"; exit 1; }
dpkg -i "$deb" > /tmp/dpkg-i.out 2>&1 || { cat /tmp/dpkg-i.out; exit 1; }
echo "installed $(dpkg-query -W -f '${Package} ${Version}' xenshift)"
install -D -m 0644 /payload/tables/fig9.json /etc/xenshift/xenshift.json
xenshift -c /etc/xenshift/xenshift.json check || exit 1
rm -f /var/log/xen/console/guest-vm*.log
# vm1 is the host's service guest (docs/failover.md: the guest that
# carries the service is a Pacemaker Remote node): its disk is the
# cluster image's root filesystem, which QEMU gives dom0 read-only
# (virtio serial "guestroot"), its NIC is on the cluster network's
# bridge, and its initrd runs tests/cluster/guest/remote-init with the
# name, address and authkey given here.  Their hotplug scripts are the
# bed's own (Xen's block script timed out in this minimal dom0; its
# vif-bridge, which shares its helpers, was not tried): the Xen bed's
# block-loop, and vif-bridge here.
groot=
for b in /sys/block/vd*; do
    [ "$(cat "$b/serial" 2>/dev/null)" = guestroot ] && groot=/dev/${b##*/}
done
[ -b "$groot" ] || { echo "no guest root disk (serial guestroot)"; exit 1; }
[ -s /payload/cluster/authkey ] || { echo "no authkey on the payload"; exit 1; }
cp /payload/guest/remote-initrd.gz /root/guest/
guest_cfg vm1 pv 128 640 \
    "xs_name=$GUEST_NAME xs_ip=$GUEST_IP/24 xs_authkey=$(base64 -w0 /payload/cluster/authkey)" \
    "maxvcpus = 2" \
    "disk = [ 'format=raw, vdev=xvda, access=ro, script=/payload/e2e/block-loop, target=$groot' ]" \
    "vif = [ 'mac=$GUEST_MAC, bridge=xenbr0, script=/payload/dom0/vif-bridge' ]"
sed -i 's|^ramdisk = .*|ramdisk = "/root/guest/remote-initrd.gz"|' /etc/xen/vm1.cfg
create_guest vm1 || create_guest vm1 || exit 1
for spec in vm2:512 vm3:128; do
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
wait_console vm1 XS-GUEST-REMOTE 120 && grep XS-GUEST-REMOTE /var/log/xen/console/guest-vm1.log
grep -q "XS-GUEST-REMOTE pacemaker-remoted [0-9]" /var/log/xen/console/guest-vm1.log || {
    echo "vm1 ($GUEST_NAME): pacemaker-remoted did not start"
    tail -n 20 /var/log/xen/console/guest-vm1.log
    exit 1
}
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
