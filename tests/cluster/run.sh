#!/bin/bash
# run.sh - the cluster bed (make check-cluster): two Xen 4.17 hosts in
# two QEMUs, xen500 (computer 500, "A") and xen600 (computer 600, "B"),
# booted from the same cached image (tests/cluster/image.sh: the Xen
# bed's image plus Debian's corosync, pacemaker, sbd and fence-agents),
# each on a qcow2 overlay of it.  docs/cluster-bed.md says what runs.
#
#   run.sh --srcdir DIR --builddir DIR [--keep] [--timeout SECONDS]
#
# The hosts are joined by one virtual network: QEMU's UDP socket netdev
# on 127.0.0.1, each host sending to the other's port (no other
# address); in each dom0 the NIC is in a bridge with its service
# guest's, a Pacemaker Remote node that boots the same image read-only
# (tests/cluster/guest/).  Each host keeps the bed's management path
# (its serial console, logged in tests/cluster/logs/NAME.log in the
# build tree, and a payload disk) and has a control port (virtio-serial,
# a TCP server on 127.0.0.1) through which this script runs commands in
# its dom0 (dom0/ctl.sh).  Both QEMUs also open one raw disk image
# shared and writable: the SBD disk.
#
# Needs root and ~7 GB of free RAM (2 x 3 GiB of guest RAM).  Prints TAP;
# exits 0 only when every test passed.
set -uo pipefail

srcdir=
builddir=
keep=0
timeout=${XENSHIFT_CLUSTER_TIMEOUT:-1500}
cache=${XENSHIFT_CLUSTER_CACHE:-/var/cache/xenshift-e2e-cluster}
cpu=${XENSHIFT_E2E_CPU:-qemu64,+svm,+npt}
accel=${XENSHIFT_E2E_ACCEL:-tcg}
qemu=${XENSHIFT_E2E_QEMU:-qemu-system-x86_64}
host_mem=${XENSHIFT_CLUSTER_MEM:-3072}
host_cpus=2
dom0_mem=1024
while [ $# -gt 0 ]; do
    case "$1" in
    --srcdir) srcdir=$2; shift 2 ;;
    --builddir) builddir=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --timeout) timeout=$2; shift 2 ;;
    *) echo "check-cluster: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${builddir:-$srcdir}
here=$srcdir/tests/cluster
fail() { echo "check-cluster: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "needs root (image building)"
"$srcdir/scripts/deps.sh" test || fail "cannot install the host packages"
command -v "$qemu" >/dev/null || fail "$qemu is missing"
. "$here/lib.sh"

t_all=$SECONDS
image=$("$here/image.sh" "$cache") || fail "building the cluster image failed"
t_image=$((SECONDS - t_all))

# xenshift's package, as the Xen bed builds it (tests/e2e/build-deb.sh,
# its cache shared with check-xen): both hosts install it in dom0.
t=$SECONDS
deb=$("$srcdir/tests/e2e/build-deb.sh" "${XENSHIFT_E2E_CACHE:-/var/cache/xenshift-e2e}-deb" "$srcdir") ||
    fail "building the Debian package failed"
t_deb=$((SECONDS - t))

logdir=$builddir/tests/cluster/logs
mkdir -p "$logdir"
rm -f "$logdir"/*.log
# not under /tmp: the SBD disk is opened with O_DIRECT, which tmpfs lacks
work=$(mktemp -d /var/tmp/xenshift-cluster.XXXXXX)
A=xen500
B=xen600
limiter=
cleanup() {
    for n in $A $B; do
        [ -n "${H_PID[$n]:-}" ] && host_kill "$n"
    done
    kill "$limiter" 2>/dev/null
    [ $keep = 1 ] && echo "# check-cluster: kept $work" || rm -rf "$work"
}
trap cleanup EXIT
trap "exit 143" INT TERM HUP
# The whole run's time limit: the QEMUs are killed by cleanup.
# Its sleep is killed with it: a sleep left behind would keep the
# caller's lock (flock /work/bed.lock) open for the rest of the limit.
(
    trap 'kill $sleeper 2>/dev/null; exit 0' TERM
    sleep "$timeout" &
    sleeper=$!
    wait $sleeper || exit 0
    echo "check-cluster: not finished within $timeout s" >&2
    kill -TERM $$
) &
limiter=$!

host_define $A 172.30.0.50 52:54:00:30:00:50
host_define $B 172.30.0.60 52:54:00:30:00:60
# Each host's service guest (its xl name vm1, the table's; a Pacemaker
# Remote node): its node name, address and MAC on the cluster network.
declare -A G_NAME G_IP G_MAC
G_NAME[$A]=svc500 G_IP[$A]=172.30.0.51 G_MAC[$A]=00:16:3e:30:00:51
G_NAME[$B]=vm1 G_IP[$B]=172.30.0.61 G_MAC[$B]=00:16:3e:30:00:61
GA=${G_NAME[$A]}
GB=${G_NAME[$B]}
# The SBD disk: zeroed, raw, shared by both QEMUs.
truncate -s 16M "$work/sbd.img"
# SBD's timeouts (written into the disk's header by "sbd create"): the
# watchdog's, and msgwait, after which a message in a node's slot is
# taken as delivered (the node read it and reset itself, or its
# watchdog did): how long fencing takes.
sbd_watchdog=${XENSHIFT_CLUSTER_SBD_WATCHDOG:-10}
sbd_msgwait=$((sbd_watchdog * 2))
watchdog=${XENSHIFT_CLUSTER_WATCHDOG:-xen_wdt}
# corosync's token timeout (ms): how long until a silent node is lost
token=${XENSHIFT_CLUSTER_TOKEN:-5000}
mkdir -p "$work/cluster"
# Pacemaker Remote's key, shared by the cluster nodes and the guests
head -c 256 /dev/urandom > "$work/cluster/authkey"
cat > "$work/cluster/corosync.conf" <<END
totem {
    version: 2
    cluster_name: xenshift
    transport: knet
    crypto_cipher: none
    crypto_hash: none
    token: $token
}
logging {
    to_stderr: no
    to_syslog: no
    to_logfile: yes
    logfile: /var/log/corosync/corosync.log
    timestamp: hires
}
quorum {
    provider: corosync_votequorum
    two_node: 1
}
nodelist {
    node {
        name: $A
        nodeid: 1
        ring0_addr: ${H_IP[$A]}
    }
    node {
        name: $B
        nodeid: 2
        ring0_addr: ${H_IP[$B]}
    }
}
END
cat > "$work/cluster/sbd" <<END
SBD_DEVICE=/dev/vdc
SBD_PACEMAKER=yes
SBD_STARTMODE=always
SBD_DELAY_START=no
SBD_WATCHDOG_DEV=/dev/watchdog
SBD_TIMEOUT_ACTION=flush,reboot
SBD_SYNC_RESOURCE_STARTUP=yes
SBD_OPTS=
END
for n in $A $B; do
    mkdir -p "$work/$n.payload"
    cp -r "$here/dom0" "$work/cluster" "$work/$n.payload/"
    # xenshift: its package, the Fig. 9 table, the Xen bed's dom0
    # helpers (guest_cfg, create_guest: tests/cluster/dom0/xenshift-setup.sh)
    mkdir -p "$work/$n.payload/deb" "$work/$n.payload/tables" "$work/$n.payload/e2e"
    cp "$deb" "$work/$n.payload/deb/"
    cp "$srcdir/examples/fig9.json" "$work/$n.payload/tables/"
    cp "$srcdir/tests/e2e/dom0/tap.sh" "$srcdir/tests/e2e/dom0/block-loop" "$work/$n.payload/e2e/"
    mkdir -p "$work/$n.payload/guest"
    cp "$image/remote-initrd.gz" "$work/$n.payload/guest/"
    {
        echo "HOST_NAME=$n"
        echo "HOST_IP=${H_IP[$n]}"
        echo "HOST_MACHINE_ID=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
        echo "HOST_A_NAME=$A HOST_A_IP=${H_IP[$A]}"
        echo "HOST_B_NAME=$B HOST_B_IP=${H_IP[$B]}"
        echo "GUEST_NAME=${G_NAME[$n]} GUEST_IP=${G_IP[$n]} GUEST_MAC=${G_MAC[$n]}"
        echo "GUEST_A_NAME=$GA GUEST_A_IP=${G_IP[$A]}"
        echo "GUEST_B_NAME=$GB GUEST_B_IP=${G_IP[$B]}"
        echo "CLUSTER_WATCHDOG=$watchdog"
    } > "$work/$n.payload/host.env"
    host_disk "$n" || fail "cannot make $n's disks"
done

# --- both hosts up ---------------------------------------------------------
t_boot=$SECONDS
host_boot $A $B
host_boot $B $A
for n in $A $B; do
    if wait_serial "$n" "XS-CLUSTER: control port .* ready" 900; then
        ok "$n: dom0 up, control port ready ($((SECONDS - t_boot)) s after both QEMUs started)"
    else
        nok "$n: dom0 did not come up; its console's tail:"
        tail -n 30 "$logdir/$n.log" | tr -d '\r' | diag
    fi
done
t_up=$((SECONDS - t_boot))
declare -A mid
for n in $A $B; do
    is "$(on $n hostname)" "$n" "$n: hostname is $n"
    is "$(on $n "xl list | awk '\$1 == \"Domain-0\" { print \$2 }'")" 0 \
        "$n: xl list shows Domain-0 (dom0 of a running Xen)"
    mid[$n]=$(on $n cat /etc/machine-id)
    is "$(on $n "ip -4 -o addr show | awk '\$2 != \"lo\" { print \$4 }'")" "${H_IP[$n]}/24" \
        "$n: its cluster address"
done
[ -n "${mid[$A]}" ] && [ "${mid[$A]}" != "${mid[$B]}" ] &&
    ok "the machine-ids differ (${mid[$A]}, ${mid[$B]})" ||
    nok "the machine-ids differ: '${mid[$A]}', '${mid[$B]}'"
on $A "ping -c 3 -W 5 $B" > "$work/ping.out"
rc=$?
is $rc 0 "$A pings $B over the cluster network" || diag < "$work/ping.out"
on $B "ping -c 3 -W 5 ${H_IP[$A]}" > "$work/ping.out"
rc=$?
is $rc 0 "$B pings $A's address" || diag < "$work/ping.out"
grep rtt "$work/ping.out" | diag
echo "# resident memory of the QEMUs after boot: $A $(rss_mib $A) MiB, $B $(rss_mib $B) MiB"

# --- the cluster: SBD, corosync, pacemaker ---------------------------------
t=$SECONDS
on $A "sbd -d /dev/vdc -1 $sbd_watchdog -4 $sbd_msgwait create && sbd -d /dev/vdc dump" > "$work/sbd.out" 2>&1
is $? 0 "sbd create on the shared disk (watchdog ${sbd_watchdog} s, msgwait ${sbd_msgwait} s)" ||
    diag < "$work/sbd.out"
is "$(on $B "sbd -d /dev/vdc dump | awk '/msgwait/ { print \$NF }'")" "$sbd_msgwait" \
    "$B reads the header $A wrote on the shared disk (msgwait)"
for n in $A $B; do
    on $n /payload/dom0/cluster-start.sh > "$work/start.out" 2>&1
    is $? 0 "$n: sbd ($watchdog), corosync and pacemakerd started" || diag < "$work/start.out"
done
# crm_mon's own view, on each host: both nodes online
for n in $A $B; do
    online=$(wait_online $n "$A $B" 180)
    is "$online" "$A $B" "$n: crm_mon -1 shows both nodes online ($((SECONDS - t)) s after start)" ||
        on $n "crm_mon -1; tail -n 20 /var/log/corosync/corosync.log" 2>&1 | diag
done
t_cluster=$((SECONDS - t))
on $A "corosync-quorumtool -s" > "$work/quorum.out"
grep -q "2Node" "$work/quorum.out" && grep -q "Quorate: *Yes" "$work/quorum.out"
is $? 0 "corosync-quorumtool: quorate, two_node" || diag < "$work/quorum.out"
# Fencing: on by default, stonith-timeout above msgwait (sbd(8)), the
# fence_sbd device on the shared disk.  It also fences each host's
# service guest, a Pacemaker Remote node, by resetting its host
# (pcmk_host_map: the guest's name to its host's slot): a remote node
# whose connection is lost while it ran resources is fenced before they
# start elsewhere, and nothing else can reach a guest whose host is
# gone.  A host and its guest are fenced at once (concurrent-fencing,
# two actions on the device), not one msgwait after the other.
on $A "crm_attribute -t crm_config -n stonith-enabled -v true &&
    crm_attribute -t crm_config -n stonith-timeout -v $((sbd_msgwait * 3))s &&
    crm_attribute -t crm_config -n concurrent-fencing -v true &&
    cibadmin -C -o resources -X '<primitive id=\"fence-sbd\" class=\"stonith\" type=\"fence_sbd\"><instance_attributes id=\"fence-sbd-ia\"><nvpair id=\"fence-sbd-devices\" name=\"devices\" value=\"/dev/vdc\"/><nvpair id=\"fence-sbd-map\" name=\"pcmk_host_map\" value=\"$A:$A;$B:$B;$GA:$A;$GB:$B\"/><nvpair id=\"fence-sbd-limit\" name=\"pcmk_action_limit\" value=\"2\"/></instance_attributes><operations><op id=\"fence-sbd-monitor\" name=\"monitor\" interval=\"120s\" timeout=\"60s\"/></operations></primitive>'" > "$work/cib.out" 2>&1
is $? 0 "the fence_sbd device is configured (cibadmin)" || diag < "$work/cib.out"
for i in $(seq 60); do
    on $A "crm_mon -1" > "$work/crm_mon.out"
    grep -q "fence-sbd.*Started" "$work/crm_mon.out" && break
    sleep 2
done
grep -q "fence-sbd.*Started" "$work/crm_mon.out"
is $? 0 "crm_mon: fence-sbd started" || diag < "$work/crm_mon.out"
diag < "$work/crm_mon.out"
for n in $A $B; do
    is "$(on $n "crm_attribute -t crm_config -G -n have-watchdog -q")" true \
        "$n: pacemaker sees sbd's watchdog (have-watchdog)"
done
on $B "sbd -d /dev/vdc list" > "$work/list.out"
is "$(awk '{ print $2 }' "$work/list.out" | sort | tr '\n' ' ')" "$A $B " \
    "sbd list: both nodes have a slot on the disk" || diag < "$work/list.out"

# --- xenshift on both hosts: the patent's layout --------------------------
# Each dom0 installs the package and the Fig. 9 table, and builds the
# table's guests in its standby phase (normal), both hosts at once.
t=$SECONDS
declare -A setup_pid
# each host's control connection opened here, used by its background job
for n in $A $B; do [ -n "${H_FD[$n]}" ] || ctl_open $n; done
for n in $A $B; do
    on $n -t 600 /payload/dom0/xenshift-setup.sh > "$work/$n.setup.out" 2>&1 &
    setup_pid[$n]=$!
done
for n in $A $B; do
    wait "${setup_pid[$n]}"
    is $? 0 "$n: xenshift installed, vm1 vm2 vm3 built, the host in phase normal (xl) ($((SECONDS - t)) s)" ||
        diag < "$work/$n.setup.out"
    # xenshiftd as the package's unit runs it: the agent's requests go
    # through it (xenshift apply hands them to a running daemon)
    [ -n "$(daemon_runs $n)" ]
    is $? 0 "$n: xenshiftd runs, under its supervisor (xenstore's daemon node names it)" ||
        diag < "$work/$n.setup.out"
done
# The resources, as docs/failover.md's form for Xen ("Fig. 1 on two Xen
# hosts: the service in a guest"): each host's service guest is a
# Pacemaker Remote node (ocf:pacemaker:remote, its connection held by its
# own host's dom0: svc500 on A, vm1 on B), the node attribute xenhost
# names the host of each node; the group g-service (ip: IPaddr2 on the
# cluster network; svc: ocf:heartbeat:anything running socat, which
# answers each connection to the address with its host's name, the
# guest's) runs only in guests, xs (ocf:xenshift:xenshift) only in
# dom0s, on the host whose guest carries the service (a colocation by
# xenhost) and before the group (an order).  The service prefers A's
# guest (100); stickiness (200 a member) keeps it where it runs.
vip=172.30.0.100
port=7000
xs_prim='<primitive id="xs" class="ocf" provider="xenshift" type="xenshift"><instance_attributes id="xs-ia"><nvpair id="xs-config" name="config" value="/etc/xenshift/xenshift.json"/><nvpair id="xs-phase" name="phase" value="takeover"/><nvpair id="xs-standby" name="standby_phase" value="normal"/></instance_attributes><operations><op id="xs-start" name="start" interval="0s" timeout="300s"/><op id="xs-stop" name="stop" interval="0s" timeout="300s"/><op id="xs-monitor" name="monitor" interval="30s" timeout="30s"/></operations></primitive>'
ip_prim="<primitive id=\"ip\" class=\"ocf\" provider=\"heartbeat\" type=\"IPaddr2\"><instance_attributes id=\"ip-ia\"><nvpair id=\"ip-ip\" name=\"ip\" value=\"$vip\"/><nvpair id=\"ip-mask\" name=\"cidr_netmask\" value=\"24\"/></instance_attributes><operations><op id=\"ip-monitor\" name=\"monitor\" interval=\"10s\" timeout=\"60s\"/></operations></primitive>"
svc_prim="<primitive id=\"svc\" class=\"ocf\" provider=\"heartbeat\" type=\"anything\"><instance_attributes id=\"svc-ia\"><nvpair id=\"svc-bin\" name=\"binfile\" value=\"/usr/bin/socat\"/><nvpair id=\"svc-opts\" name=\"cmdline_options\" value=\"TCP-LISTEN:$port,bind=$vip,reuseaddr,fork EXEC:/bin/hostname\"/></instance_attributes><operations><op id=\"svc-monitor\" name=\"monitor\" interval=\"10s\" timeout=\"60s\"/></operations></primitive>"
# remote_prim NAME: the connection to NAME's pacemaker-remoted
remote_prim() {
    echo "<primitive id=\"$1\" class=\"ocf\" provider=\"pacemaker\" type=\"remote\"><instance_attributes id=\"$1-ia\"><nvpair id=\"$1-server\" name=\"server\" value=\"$2\"/></instance_attributes><operations><op id=\"$1-monitor\" name=\"monitor\" interval=\"30s\" timeout=\"30s\"/></operations></primitive>"
}
# xenhost_node NAME VALUE [remote]: NAME's node entry with xenhost=VALUE
xenhost_node() {
    local id=$1
    [ -n "${3:-}" ] || id=$(on $A "crm_node -l" | awk -v n=$1 '$2 == n { print $1 }')
    echo "<node id=\"$id\" uname=\"$1\"${3:+ type=\"remote\"}><instance_attributes id=\"$1-na\"><nvpair id=\"$1-xenhost\" name=\"xenhost\" value=\"$2\"/></instance_attributes></node>"
}
kind_rule() {   # kind_rule ID RSC KIND: RSC only on nodes of KIND, probed only there
    echo "<rsc_location id=\"$1\" rsc=\"$2\" resource-discovery=\"never\"><rule id=\"$1-r\" score=\"-INFINITY\"><expression id=\"$1-e\" attribute=\"#kind\" operation=\"ne\" value=\"$3\"/></rule></rsc_location>"
}
# op_defaults timeout: every operation without its own timeout, the
# probes above all, gets 120 s instead of 20: an emulated dom0 busy with
# a transition has been seen to take longer than 20 s for one (and a
# probe or stop that times out is a failure, a failed stop a fence).
cib_objects=(
    "nodes|$(xenhost_node $A 500)" "nodes|$(xenhost_node $B 600)"
    "nodes|$(xenhost_node $GA 500 remote)" "nodes|$(xenhost_node $GB 600 remote)"
    "resources|$(remote_prim $GA ${G_IP[$A]})" "resources|$(remote_prim $GB ${G_IP[$B]})"
    "constraints|<rsc_location id=\"$GA-on-A\" rsc=\"$GA\" node=\"$B\" score=\"-INFINITY\"/>"
    "constraints|<rsc_location id=\"$GB-on-B\" rsc=\"$GB\" node=\"$A\" score=\"-INFINITY\"/>"
    # the service: configured once both guests are online (below)
    "resources|$xs_prim" "resources|<group id=\"g-service\">$ip_prim$svc_prim</group>"
    "constraints|$(kind_rule service-in-guests g-service remote)"
    "constraints|$(kind_rule xs-in-dom0 xs cluster)"
    "constraints|<rsc_location id=\"service-prefers-A\" rsc=\"g-service\" node=\"$GA\" score=\"100\"/>"
    "constraints|<rsc_colocation id=\"xs-with-service\" rsc=\"xs\" with-rsc=\"g-service\" score=\"INFINITY\" node-attribute=\"xenhost\"/>"
    "constraints|<rsc_order id=\"xs-before-service\" first=\"xs\" then=\"g-service\" kind=\"Mandatory\"/>"
)
n_remote=8
# cib_cmd FIRST LAST: the one cibadmin command that makes objects
# FIRST..LAST in one update of the CIB (as crm configure load update
# does): made one at a time, the scheduler would place a resource
# before its constraints exist (and stickiness keep it there).
cib_cmd() {
    local i o sec xml=
    for sec in nodes resources constraints; do
        local part=
        for ((i = $1; i <= $2; i++)); do
            o=${cib_objects[$i]}
            [ "${o%%|*}" = $sec ] && part=$part${o#*|}
        done
        [ -n "$part" ] && xml="$xml<$sec>$part</$sec>"
    done
    echo "cibadmin -M -c -o configuration -X '<configuration>$xml</configuration>'"
}
# The guests first: the service is placed when they are both online,
# or the first guest whose connection comes up gets it (and keeps it:
# stickiness), whatever the preference says.
{
    echo "crm_attribute -t rsc_defaults -n resource-stickiness -v 200 &&"
    echo "crm_attribute -t op_defaults -n timeout -v 120s &&"
    cib_cmd 0 $((n_remote - 1))
} > "$work/cib.cmds"
on $A "$(cat "$work/cib.cmds")" > "$work/cib.out" 2>&1
is $? 0 "the guests $GA and $GB configured as Pacemaker Remote nodes (cibadmin)" ||
    { diag < "$work/cib.out"; diag < "$work/cib.cmds"; }
for i in $(seq 90); do
    on $A "crm_mon -1" > "$work/crm_mon.out"
    grep -q "RemoteOnline: \[ $GA $GB \]" "$work/crm_mon.out" && break
    sleep 2
done
grep -q "RemoteOnline: \[ $GA $GB \]" "$work/crm_mon.out"
is $? 0 "crm_mon: the guests $GA and $GB are Pacemaker Remote nodes, online ($((SECONDS - t)) s)" ||
    diag < "$work/crm_mon.out"
cib_cmd $n_remote $((${#cib_objects[@]} - 1)) > "$work/cib.cmds"
on $A "$(cat "$work/cib.cmds")" > "$work/cib.out" 2>&1
is $? 0 "xs, the group g-service (ip $vip, svc) and their constraints configured (cibadmin)" ||
    { diag < "$work/cib.out"; diag < "$work/cib.cmds"; }
# where_is RSC: the node crm_resource --locate names, on B
where_is() { on $B -t 30 "crm_resource --locate -r $1 -Q 2>/dev/null"; }
# answer FROM: what the service at the address answers FROM's dom0
answer() { on $1 -t 30 "socat -T 10 -u TCP:$vip:$port,connect-timeout=5 - 2>&1"; }
for i in $(seq 120); do
    [ "$(where_is svc)" = $GA ] && break
    sleep 2
done
is "$(where_is xs)" $A "crm_resource: xs runs on $A ($((SECONDS - t)) s)" ||
    { on $A "crm_mon -1rf" | diag; save_logs $A start; save_logs $B start; }
is "$(where_is ip)" $GA "crm_resource: ip runs on $GA ($A's guest vm1), after xs"
is "$(where_is svc)" $GA "crm_resource: svc runs on $GA, after ip"
is "$(on $A ". /payload/e2e/tap.sh; xl_phase")" takeover "$A: the agent's start moved it to takeover (xl)"
is "$(on $B ". /payload/e2e/tap.sh; xl_phase")" normal "$B: in the standby phase, normal (xl)"
is "$(answer $B)" $GA "the service answers at $vip:$port from $GA, $A's guest, to a client on $B (over the cluster network)"
b_normal=$(xl_state $B)
diag <<< "$b_normal"
on $B "crm_mon -1r" | diag

# --- host A dies: its QEMU is killed --------------------------------------
# B's cluster must see A go, fence it through SBD (fence_sbd writes
# "reset" into A's slot and waits msgwait: a live A would have read it
# and reset itself, or its watchdog would have; a dead one cannot
# object) and confirm the fence: A offline, not UNCLEAN.  A client on
# B asks the service's address from before the kill until it answers
# from B.
on $B "rm -f /run/answered; setsid sh /payload/dom0/answer-wait.sh $vip $port $GB /run/answered </dev/null >/dev/null 2>&1 &"
t0=$(on $B "date +%s%3N")
t0=${t0:-0}
host_kill $A
t_kill=$SECONDS
# wait_fenced NODE SECONDS: until B's fencing history has NODE's reboot
# (its output in $work/history.out); prints the time ($SECONDS) it did
wait_fenced() {
    local i
    for i in $(seq "$2"); do
        on $B -t 30 "stonith_admin --history $1" > "$work/history.out" 2>&1
        grep -q "reboot of $1 successful" "$work/history.out" && { echo $SECONDS; return 0; }
        sleep 1
    done
    return 1
}
fenced=$(wait_fenced $A 120)
[ -n "$fenced" ]
is $? 0 "$A killed: $B fenced it, confirmed (stonith_admin --history; $((${fenced:-$SECONDS} - t_kill)) s after the kill)" ||
    diag < "$work/history.out"
diag < "$work/history.out"
# A's guest ran the service: it is fenced too (its host reset, the
# device's pcmk_host_map), before the service may start elsewhere
g_fenced=$(wait_fenced $GA 60)
[ -n "$g_fenced" ]
is $? 0 "$B fenced $GA, $A's guest that ran the service, confirmed ($((${g_fenced:-$SECONDS} - t_kill)) s after the kill)" ||
    diag < "$work/history.out"
diag < "$work/history.out"
on $B "crm_mon -1" > "$work/crm_mon.out"
grep -q " OFFLINE: \[ $A \]" "$work/crm_mon.out" && grep -q "RemoteOFFLINE: \[ $GA \]" "$work/crm_mon.out" &&
    ! grep -q UNCLEAN "$work/crm_mon.out"
is $? 0 "$B: crm_mon shows $A and its guest $GA offline (clean), not UNCLEAN" || diag < "$work/crm_mon.out"
grep -q "partition with quorum" "$work/crm_mon.out"
is $? 0 "$B: alone, its partition keeps quorum (two_node)"
# Pacemaker starts the group on B: xenshift's agent moves B to takeover.
for i in $(seq 150); do
    [ "$(where_is svc)" = $GB ] && break
    sleep 2
done
t_started=$SECONDS
is "$(where_is xs)" $B "crm_resource: xs started on $B ($((t_started - ${fenced:-$t_kill})) s after the fence)" ||
    on $B "crm_mon -1rf" | diag
is "$(where_is ip)" $GB "crm_resource: ip started on $GB ($B's guest vm1), after xs"
is "$(where_is svc)" $GB "crm_resource: svc started on $GB, after ip"
on $B "crm_mon -1r" > "$work/crm_mon.out"
grep -Eq "xs[[:space:]]+\(ocf:xenshift:xenshift\):[[:space:]]+Started $B" "$work/crm_mon.out"
is $? 0 "crm_mon on $B: xs Started $B" || diag < "$work/crm_mon.out"
on $B "xl list; xl list -c; xl cpupool-list -c" > "$work/xl.out"
diag < "$work/xl.out"
mem_of() { awk -v d=$1 '$1 == d && NF == 6 { print $3 }' "$work/xl.out" | head -n 1; }
pool_of() { awk -v d=$1 '$1 == d && NF == 7 { print $7 }' "$work/xl.out"; }
# within 1 MiB (a balloon's target is met to the page, xl rounds)
near() { [ -n "$1" ] && [ $(( $1 > $2 ? $1 - $2 : $2 - $1 )) -le 1 ] && echo "$2" || echo "${1:-none}"; }
# examples/fig9.json's takeover: vm1 512 MiB on its own pCPU (pool
# xenshift-vm1, pCPU 1), vm2 down to 128, vm3 stays at 128, Pool-0 keeps pCPU 0
is "$(near "$(mem_of vm1)" 512)" 512 "$B: xl list: vm1 grew from 128 to 512 MiB"
is "$(near "$(mem_of vm2)" 128)" 128 "$B: xl list: vm2 shrank from 512 to 128 MiB"
is "$(near "$(mem_of vm3)" 128)" 128 "$B: xl list: vm3 stayed at 128 MiB"
is "$(pool_of vm1)" xenshift-vm1 "$B: xl list -c: vm1 in cpupool xenshift-vm1"
is "$(awk '$1 == "xenshift-vm1" { print $2 }' "$work/xl.out")" 1 \
    "$B: xl cpupool-list -c: xenshift-vm1 holds pCPU 1"
is "$(awk '$1 == "Pool-0" { print $2 }' "$work/xl.out")" 0 \
    "$B: xl cpupool-list -c: Pool-0 keeps pCPU 0"
# the client started before the kill: the service answered from B
for i in $(seq 30); do
    t_answer=$(on $B "cat /run/answered 2>/dev/null")
    [ -n "$t_answer" ] && break
    sleep 1
done
[ -n "$t_answer" ]
is $? 0 "the service answers at $vip:$port from $GB, $B's guest, to the client that asked since the kill ($(( (${t_answer:-$t0} - t0) / 1000 )) s after it)" ||
    on $B "ps -ef | grep -E 'answer-wait|socat' | grep -v grep; socat -T 10 -u TCP:$vip:$port,connect-timeout=5 - 2>&1" | diag
# the address is the guest's (IPaddr2 ran in it): B's dom0 reached it at
# the guest's MAC
is "$(on $B "ip neigh show $vip | awk '{ print \$5 }'")" "${G_MAC[$B]}" \
    "$B: ip neigh: $vip is at $GB's MAC (${G_MAC[$B]}), on the bridge"
b_takeover=$(xl_state $B)
save_logs $B kill
daemon_logs $B kill
grep -Eq "request [0-9-]+: reached takeover in [0-9]+ ms" "$logdir/$B.kill.xenshiftd.log"
is $? 0 "$B: the agent's start went through xenshiftd (its log: the request reached takeover)" ||
    diag < "$logdir/$B.kill.xenshiftd.log"
# The timeline, from B's own logs (its clock): the kill, corosync's
# new membership, the fence's completion.
grep -E "A processor failed|new membership|Members\[1\]" "$logdir/$B.kill.corosync.log" |
    tail -n 3 | diag
grep -E "Operation .reboot. .*targeting $A.*(OK|returned)|Peer $A was terminated" \
    "$logdir/$B.kill.pacemaker.log" | head -n 4 | diag
echo "# B's clock at the kill: $(date -u -d @$((t0 / 1000)) +%T).$(printf %03d $((t0 % 1000)))"
# The agent's start on B, as pacemaker-execd logged it (the agent's
# stderr: "moving the host to phase takeover", xenshift apply's last line)
grep -E "xs_start_0|xs start|Result of start operation for (xs|ip|svc)" \
    "$logdir/$B.kill.pacemaker.log" | grep -v "^#" | tail -n 10 | diag
# The split, on B's clock (seconds of the day from the logs' hh:mm:ss.ms)
sod() { awk '{ split($3, t, ":"); printf "%.3f\n", t[1] * 3600 + t[2] * 60 + t[3] }'; }
ms_sod() { [ -n "$1" ] || return 0; date -u -d @$(($1 / 1000)) +%T | awk -v ms=$(($1 % 1000)) '{ split($1, t, ":"); printf "%.3f\n", t[1] * 3600 + t[2] * 60 + t[3] + ms / 1000 }'; }
kill_s=$(ms_sod "$t0")
lost_s=$(grep -m 1 "A processor failed" "$logdir/$B.kill.corosync.log" | sod)
fence_s=$(grep -E "Operation .reboot. .*targeting $A.*(OK|returned)" "$logdir/$B.kill.pacemaker.log" | tail -n 1 | sod)
xs_begin_s=$(grep -E "executing - rsc:xs action:start" "$logdir/$B.kill.pacemaker.log" | tail -n 1 | sod)
xs_end_s=$(grep -E "Result of start operation for xs on $B" "$logdir/$B.kill.pacemaker.log" | tail -n 1 | sod)
# xenshift's own line, through the agent (xenshift apply, its request
# answered by xenshiftd): "takeover: capacity reached after 2.7 s; the
# memory moves go on ..." (or, done before capacity was read, "takeover:
# reached takeover in 2900 ms (...)"); the rest of the agent's start is
# its checks before and after (xenshift check, status)
xs_own=$(sed -n -e 's/.*takeover: capacity reached after \([0-9.]*\) s.*/\1/p' \
    -e 's/.*takeover: reached takeover in \([0-9]*\) ms.*/\1 ms/p' "$logdir/$B.kill.pacemaker.log" |
    tail -n 1 | awk '$2 == "ms" { printf "%.1f\n", $1 / 1000; next } { print }')
answer_s=$([ -n "$t_answer" ] && ms_sod "$t_answer")
# (seconds of the day: a span across midnight gets its day back)
split() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { d = b - a; if (d < -43200) d += 86400; printf "%.1f s", d }' || echo "?"; }
echo "# time split on $B: detection (kill -> corosync's processor failed) $(split "$kill_s" "$lost_s"), fencing (-> fence_sbd OK) $(split "$lost_s" "$fence_s"), scheduling (-> the agent's start executing) $(split "$fence_s" "$xs_begin_s"), the agent's start (-> its result) $(split "$xs_begin_s" "$xs_end_s") of which xenshift's transition ${xs_own:-?} s, the service (-> ip, svc started, the client's first answer) $(split "$xs_end_s" "$answer_s"); kill -> xs started $(split "$kill_s" "$xs_end_s"), kill -> the service answers $(split "$kill_s" "$answer_s")"

# --- host A comes back: the group stays on B ------------------------------
# As docs/failover.md says a host comes back: its guests start as its
# boot makes them (their configuration files hold the standby phase,
# normal), then its cluster stack; Pacemaker probes xs on A (monitor: 7,
# cleanly in normal), and stickiness (200 a member) outweighs the
# preference for A (100): the group stays on B.
t=$SECONDS
host_boot $A $B
wait_serial $A "XS-CLUSTER: control port .* ready" 900
is $? 0 "$A boots again (the same disk: its overlay) in $((SECONDS - t)) s"
on $A -t 600 /payload/dom0/xenshift-setup.sh > "$work/$A.setup.out" 2>&1
is $? 0 "$A: its guests vm1 vm2 vm3 started in normal, before the cluster (xl) ($((SECONDS - t)) s)" ||
    diag < "$work/$A.setup.out"
[ -n "$(daemon_runs $A)" ]
is $? 0 "$A: xenshiftd started again, before the cluster" || diag < "$work/$A.setup.out"
on $A /payload/dom0/cluster-start.sh > "$work/start.out" 2>&1
is $? 0 "$A: its cluster stack starts again" || diag < "$work/start.out"
online=$(wait_online $B "$A $B" 240)
is "$online" "$A $B" "$A rejoined: crm_mon -1 on $B shows both online ($((SECONDS - t)) s after its boot)"
on $B -t 200 "crm_resource --wait --timeout=180s" > "$work/wait.out" 2>&1
is $? 0 "the cluster settles after $A's return (crm_resource --wait)" || diag < "$work/wait.out"
is "$(where_is xs)" $B "crm_resource: xs stays on $B (stickiness)"
is "$(where_is svc)" $GB "crm_resource: svc stays on $GB, $B's guest"
on $B "crm_mon -1" > "$work/crm_mon.out"
grep -q "RemoteOnline: \[ $GA $GB \]" "$work/crm_mon.out"
is $? 0 "crm_mon: $A's guest $GA is a remote node online again" || diag < "$work/crm_mon.out"
on $B "crm_mon -1rf" > "$work/crm_mon.out"
! sed -n '/Failed Resource Actions/,$p' "$work/crm_mon.out" | grep -Eq '^ *\* (xs|ip|svc)[ _]'
is $? 0 "crm_mon: no failed action of xs, ip, svc (xs's probe on $A found it cleanly in normal)" ||
    diag < "$work/crm_mon.out"
is "$(on $A ". /payload/e2e/tap.sh; xl_phase")" normal "$A: in normal (xl)"
same_state "$b_takeover" "$(xl_state $B)"
is $? 0 "$B: still in takeover as xl shows (memory, vCPUs, cpupools, pins unchanged)"
is "$(answer $A)" $GB "the service answers at $vip from $GB, to a client on $A"

# --- the move back, as the guide has a person do it ------------------------
# crm_resource --move (pcs resource move) puts a location constraint on
# A; the group stops on B (the agent's stop: B back to normal) and starts
# on A (A to takeover); --clear (pcs resource clear) takes the constraint
# away, and stickiness keeps the group on A.
t=$SECONDS
on $B -t 400 "crm_resource --move -r g-service -N $GA && crm_resource --wait --timeout=360s &&
    crm_resource --clear -r g-service && crm_resource --wait --timeout=60s" > "$work/move.out" 2>&1
is $? 0 "crm_resource --move -r g-service -N $GA, then --clear ($((SECONDS - t)) s)" || diag < "$work/move.out"
is "$(where_is xs)" $A "crm_resource: xs runs on $A again"
is "$(where_is svc)" $GA "crm_resource: svc runs on $GA again"
on $B "cibadmin -Q -o constraints" > "$work/constraints.out"
! grep -q "cli-prefer" "$work/constraints.out"
is $? 0 "no cli-prefer constraint left (cibadmin -Q)" || diag < "$work/constraints.out"
is "$(on $A ". /payload/e2e/tap.sh; xl_phase")" takeover "$A: in takeover again (xl)"
b_now=$(xl_state $B)
same_state "$b_normal" "$b_now"
is $? 0 "$B: back in normal exactly as before the take-over (xl: memory, vCPUs, cpupools, pins)" ||
    { diag <<< "$b_now"; }
is "$(answer $B)" $GA "the service answers at $vip from $GA again, to a client on $B"

# --- the take-over fails on B: a donor is stuck; A fenced live -------------
# B's vm2 is built again with the Xen bed's stuck guest (xs_floor_kb:
# its OS will not go below 300 MiB, tests/e2e/guest/init, as
# tests/e2e/scenarios/30-stuck.sh), so takeover cannot shrink it to
# 128.  Then B fences A, which runs the group, with stonith_admin: A is
# up, so only SBD on A can end it (it reads the reset in its slot and
# resets the host; Xen reboots, and QEMU, run with -no-reboot, exits):
# the test that the fencing is real.  Pacemaker then starts xs on B, and
# xenshift calls the balloon stuck and rolls back.  docs/failover.md:
# the start fails with xenshift's reason (crm_mon's failed actions),
# start-failure-is-fatal makes its fail count INFINITY, which bans xs
# from B; with A down the group runs nowhere; B is in normal exactly.
on $B -t 300 ". /payload/e2e/tap.sh; xl destroy vm2 && rm -f /var/log/xen/console/guest-vm2.log &&
    guest_cfg vm2 pv 512 640 xs_floor_kb=307200 'maxvcpus = 2' &&
    create_guest vm2 && wait_hello vm2 240" > "$work/vm2.out" 2>&1
is $? 0 "$B: vm2 built again, stuck: its OS keeps 300 MiB (xs_floor_kb)" || diag < "$work/vm2.out"
b_normal=$(xl_state $B)
is "$(on $B ". /payload/e2e/tap.sh; xl_phase")" normal "$B: in normal (xl)"
t=$SECONDS
on $B -t 180 "stonith_admin --reboot $A --timeout $((sbd_msgwait * 3))" > "$work/fence.out" 2>&1
is $? 0 "$B: stonith_admin --reboot $A (running the group) exits 0 ($((SECONDS - t)) s)" || diag < "$work/fence.out"
for i in $(seq 60); do alive $A || break; sleep 1; done
! alive $A
is $? 0 "$A's QEMU ended by itself: the host was reset by SBD, nobody killed it" ||
    tail -n 20 "$logdir/$A.log" | diag
tr -d '\r' < "$logdir/$A.log" | grep -E "reboot|watchdog|Hardware Dom0" | tail -n 3 | diag
host_kill $A
for i in $(seq 90); do
    [ "$(on $B -t 30 "crm_failcount -G -r xs -N $B -q 2>/dev/null")" = INFINITY ] && break
    sleep 2
done
on $B -t 200 "crm_resource --wait --timeout=180s" > "$work/wait.out" 2>&1
on $B "crm_mon -1rf" > "$work/crm_mon.out"
diag < "$work/crm_mon.out"
# Pacemaker keeps the first 128 characters of an exit reason.  The
# reason is xenshiftd's answer as xenshift apply prints it ("takeover:
# rolled back: WHY"; in-process, without a daemon, apply's report says
# "FAILED: WHY; rolled back: every domain is back as it was").
sed -n '/Failed Resource Actions/,$p' "$work/crm_mon.out" |
    grep -q "\* xs start on $B returned 'error' (phase takeover not reached: rolled back: vm2: balloon stuck at 300 MiB"
is $? 0 "crm_mon: the failed action is xs's start on $B, with xenshift's reason (vm2's balloon stuck)"
is "$(on $B "crm_failcount -G -r xs -N $B -q")" INFINITY \
    "crm_failcount: xs's fail count on $B is INFINITY (start-failure-is-fatal): banned from $B"
is "$(where_is xs)" "" "crm_resource: xs runs nowhere"
is "$(where_is ip)" "" "crm_resource: ip runs nowhere (the group's order)"
is "$(where_is svc)" "" "crm_resource: svc runs nowhere"
b_now=$(xl_state $B)
same_state "$b_normal" "$b_now"
is $? 0 "$B: rolled back, in normal exactly as before (xl: memory, vCPUs, cpupools, pins)" ||
    { diag <<< "$b_now"; }
on $B "xenshift -c /etc/xenshift/xenshift.json status" > "$work/status.out" 2>&1
grep -q "^phase: normal " "$work/status.out" && ! grep -q "^transition:" "$work/status.out"
is $? 0 "$B: xenshift status: phase normal, no transition" || diag < "$work/status.out"
is "$(on $B "xenstore-read /local/domain/0/xenshift/journal/state 2>/dev/null")" "" \
    "$B: no journal in xenstore"
save_logs $B stuck
grep -q "ocf-exit-reason:phase takeover not reached: rolled back: vm2: balloon stuck at [0-9]* MiB (target 128 MiB): no progress for" \
    "$logdir/$B.stuck.pacemaker.log"
is $? 0 "$B's pacemaker.log: the agent's whole reason, xenshiftd's answer: rolled back, vm2's balloon stuck"
daemon_logs $B stuck
grep -q "takeover not reached: rolled back: vm2: balloon stuck" "$logdir/$B.stuck.xenshiftd.log"
is $? 0 "$B's xenshiftd ran the take-over and rolled it back (its log)"
grep -E "rsc:xs action:start|xenshift\(xs\).*(moving|FAILED|rolled back$)|Result of start operation for xs" \
    "$logdir/$B.stuck.pacemaker.log" | grep -v "^#" | tail -n 6 | diag
st_fence_s=$(grep -E "Operation .reboot. .*targeting $A.*(OK|returned)" "$logdir/$B.stuck.pacemaker.log" | tail -n 1 | sod)
st_begin_s=$(grep -E "executing - rsc:xs action:start" "$logdir/$B.stuck.pacemaker.log" | tail -n 1 | sod)
st_end_s=$(grep -E "Result of start operation for xs on $B" "$logdir/$B.stuck.pacemaker.log" | tail -n 1 | sod)
# xenshiftd's log: the request's transition begun -> its failure logged
st_own=$(awk '/: to takeover, [0-9]+ steps/ { b = $1 } /takeover not reached: rolled back/ { e = $1 }
    END { if (b && e) printf "%.1f\n", (e - b) / 1000 }' "$logdir/$B.stuck.xenshiftd.log")
echo "# the failed take-over on $B: fence_sbd OK -> the agent's start executing $(split "$st_fence_s" "$st_begin_s"), the agent's start -> its error $(split "$st_begin_s" "$st_end_s") of which xenshift's transition and roll-back ${st_own:-?} s"

# --- xenshiftd killed on B during the take-over ---------------------------
. "$here/killed-daemon.sh"
scenario_killed_daemon

# The resources and their constraints leave the CIB before A comes back
# for the watchdog test (A comes back with no guests this time: a
# connection to its guest would fail, and fence A).
# (last made, first removed: the constraints before what they name)
on $B "$(for ((i = ${#cib_objects[@]} - 1; i >= 0; i--)); do
            o=${cib_objects[$i]}
            case $o in nodes\|*) continue ;; esac
            tag=${o#*|<}; tag=${tag%%[ >]*}
            id=${o#*id=\"}; id=${id%%\"*}
            printf "cibadmin -D -o %s -X '<%s id=\"%s\"/>' && " "${o%%|*}" "$tag" "$id"
        done) crm_resource --wait --timeout=120s" > "$work/cib.out" 2>&1
is $? 0 "the resources and their constraints removed (cibadmin -D)" || diag < "$work/cib.out"

# --- the watchdog: a host whose sbd stops is reset by Xen -------------------
# sbd pets the watchdog only while it can read the disk (and Pacemaker
# is healthy); stopped, it pets nothing, and the watchdog must reset
# the host on its own: Xen's for dom0 (xen_wdt), or softdog.
t=$SECONDS
host_boot $A $B
wait_serial $A "XS-CLUSTER: control port .* ready" 900
is $? 0 "$A boots again ($((SECONDS - t)) s)"
on $A /payload/dom0/cluster-start.sh > "$work/start.out" 2>&1
is $? 0 "$A: its cluster stack starts" || diag < "$work/start.out"
on $A 'kill -STOP $(cat /run/sbd.pid)'
is $? 0 "$A: sbd's main process stopped (SIGSTOP): the watchdog is no longer petted"
t=$SECONDS
for i in $(seq $((sbd_watchdog * 6))); do alive $A || break; sleep 1; done
! alive $A
is $? 0 "$A's QEMU ended by itself $((SECONDS - t)) s later: the $watchdog watchdog reset the host (timeout ${sbd_watchdog} s)" ||
    tail -n 20 "$logdir/$A.log" | diag
tr -d '\r' < "$logdir/$A.log" | grep -iE "watchdog|Hardware Dom0" | tail -n 3 | diag
host_kill $A

for n in $A $B; do host_stop "$n"; done
echo "1..$tap_n"
echo "# image: ${t_image} s; both hosts up: ${t_up} s; cluster formed: ${t_cluster:-?} s; all: $((SECONDS - t_all)) s"
[ $tap_failed = 0 ] || fail "$tap_failed test(s) failed"
echo "check-cluster: all $tap_n tests passed"
