#!/bin/sh
# cluster-start.sh - start the cluster stack in this dom0 as the Debian
# packages' systemd units would at boot (dom0 here has no systemd):
# the watchdog driver, sbd (before corosync, as sbd.service is), corosync,
# then pacemakerd, with the units' environment files
# (/etc/default/sbd, /etc/default/pacemaker).  The configuration comes
# from the payload (/payload/cluster: corosync.conf, sbd).  Exits 0 when
# corosync answers and pacemakerd runs.
. /payload/host.env
set -e
modprobe "$CLUSTER_WATCHDOG"
[ -c /dev/watchdog ] || { echo "no /dev/watchdog after modprobe $CLUSTER_WATCHDOG"; exit 1; }
install -m 0644 /payload/cluster/corosync.conf /etc/corosync/corosync.conf
install -m 0644 /payload/cluster/sbd /etc/default/sbd
mkdir -p /var/log/corosync /var/log/pacemaker /var/lib/corosync
chown hacluster:haclient /var/log/pacemaker
# the key the cluster shares with its Pacemaker Remote nodes (the
# service guests have the same, xenshift-setup.sh)
install -D -m 0640 -o hacluster -g haclient /payload/cluster/authkey /etc/pacemaker/authkey
set -a
. /etc/default/sbd
[ -f /etc/default/pacemaker ] && . /etc/default/pacemaker
set +a
# sbd.service: ExecStart=/usr/sbin/sbd $SBD_OPTS -p /run/sbd.pid watch
# (it forks); its own options come from the SBD_* variables
sbd $SBD_OPTS -p /run/sbd.pid watch
i=0
until [ -s /run/sbd.pid ]; do
    i=$((i + 1)); [ $i -le 100 ] || { echo "sbd did not start"; exit 1; }
    sleep 0.1
done
corosync
i=0
until corosync-cfgtool -s >/dev/null 2>&1; do
    i=$((i + 1)); [ $i -le 200 ] || { echo "corosync did not answer"; exit 1; }
    sleep 0.1
done
# pacemaker.service: ExecStart=/usr/sbin/pacemakerd (in the foreground)
setsid pacemakerd </dev/null >/var/log/pacemaker/pacemakerd.out 2>&1 &
sleep 1
pidof pacemakerd >/dev/null || { echo "pacemakerd did not start"; cat /var/log/pacemaker/pacemakerd.out; exit 1; }
echo "sbd $(cat /run/sbd.pid), corosync $(pidof corosync), pacemakerd $(pidof pacemakerd)"
