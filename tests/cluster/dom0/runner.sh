#!/bin/sh
# runner.sh - in each cluster host's dom0 (run by the bed's dom0-init from
# the payload disk): give the host its identity (/payload/host.env: name,
# machine-id, cluster address), bring up the cluster NIC in its bridge, then serve the
# control port until told to stop.  When this returns, dom0-init reboots
# the host, and QEMU (-no-reboot) exits.
. /payload/host.env
echo "XS-CLUSTER: host $HOST_NAME up after $(cut -d' ' -f1 /proc/uptime) s"
hostname "$HOST_NAME"
echo "$HOST_NAME" > /etc/hostname
echo "$HOST_MACHINE_ID" > /etc/machine-id
{
    echo "127.0.0.1 localhost"
    echo "$HOST_A_IP $HOST_A_NAME"
    echo "$HOST_B_IP $HOST_B_NAME"
    echo "$GUEST_A_IP $GUEST_A_NAME"
    echo "$GUEST_B_IP $GUEST_B_NAME"
} > /etc/hosts
for m in virtio_net virtio_console; do
    modprobe $m || echo "XS-CLUSTER: modprobe $m failed"
done
# libqb's IPC (corosync, pacemaker) lives in /dev/shm
mkdir -p /dev/shm
mount -t tmpfs tmpfs /dev/shm
ip link set lo up
# the one NIC: the cluster network (QEMU's UDP socket on the loopback)
nic=
for i in $(seq 50); do
    nic=$(ls /sys/class/net | grep -v '^lo$' | head -n 1)
    [ -n "$nic" ] && break
    sleep 0.1
done
# dom0's address is on a bridge with the NIC in it, where the service
# guest's NIC goes too (its vif: bridge=xenbr0): the guests are on the
# cluster network as the hosts are.
modprobe bridge || echo "XS-CLUSTER: modprobe bridge failed"
ip link add xenbr0 type bridge forward_delay 0
ip link set xenbr0 address "$(cat /sys/class/net/$nic/address)"
ip link set "$nic" master xenbr0
ip link set "$nic" up
ip link set xenbr0 up
ip addr add "$HOST_IP/24" dev xenbr0
echo "XS-CLUSTER: $nic in xenbr0, $HOST_IP"
# The control port: a virtio-serial port named xenshift.ctl; its device
# node is /dev/vportNpM, found by name.
dev=
for i in $(seq 100); do
    for p in /sys/class/virtio-ports/*; do
        [ "$(cat "$p/name" 2>/dev/null)" = xenshift.ctl ] && dev=/dev/${p##*/}
    done
    [ -n "$dev" ] && [ -c "$dev" ] && break
    sleep 0.1
done
[ -c "$dev" ] || { echo "XS-CLUSTER: no control port"; exit 1; }
mkdir -p /run/ctl
echo "XS-CLUSTER: control port $dev ready"
exec /bin/sh /payload/dom0/ctl.sh "$dev"
