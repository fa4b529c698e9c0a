#!/bin/sh
# pacemaker.sh - the xenshift OCF agent run by a real Pacemaker (Debian's
# pacemaker 2.1) on the simulated host (--sim FIXTURE --sim-state FILE).
#
#  1. crm_resource --force-check/--force-start/--force-stop with --class,
#     --provider, --agent and --option: Pacemaker's executor library runs
#     the agent's actions itself, without a cluster.
#  2. A single-node cluster (corosync on 127.0.0.1 and pacemakerd) in
#     private mount, network, pid and uts namespaces, so nothing of the
#     machine is touched and everything it starts dies with the test: the
#     Fig. 1 group (xenshift take-over phase, the IP, the service; Dummy
#     agents stand in for the last two), stopped and started, a refused
#     take-over, a host moved behind the cluster's back, a failing service.
#
# Needs root and util-linux's unshare; skips (TAP "1..0 # SKIP") when
# Pacemaker or the namespaces are not there.  Prints TAP.
#
# Usage: tests/ocf/pacemaker.sh  (top_srcdir / top_builddir as in make
# check; by default the tree this script is in, xenshift built there).

src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${top_builddir:-$src}
bin=$build/xenshift
agent=$src/hooks/ocf/xenshift
table=$src/examples/fig9.json
fixture=$src/examples/fig9-host.json

skip_all() {
    echo "1..0 # SKIP $*"
    exit 0
}

if [ "${XS_PCMK_INNER:-}" != 1 ]; then
    [ "$(id -u)" = 0 ] || skip_all "needs root (namespaces, corosync)"
    for c in unshare crm_resource corosync pacemakerd crm_mon cibadmin ip; do
        command -v "$c" >/dev/null 2>&1 || skip_all "$c not installed"
    done
    [ -x "$bin" ] || skip_all "$bin not built"
    unshare --mount --net --pid --uts --fork --mount-proc true 2>/dev/null ||
        skip_all "cannot make mount, network, pid and uts namespaces here"
    # Inside: this script is pid 1; every process it starts goes when
    # it ends.
    XS_PCMK_INNER=1 top_srcdir=$src top_builddir=$build
    export XS_PCMK_INNER top_srcdir top_builddir
    exec unshare --mount --net --pid --uts --fork --mount-proc sh "$0" "$@"
fi

# --- inside the namespaces ---------------------------------------------

tmp=$(mktemp -d)
# XS_PCMK_KEEP=DIR: keep the cluster's logs there.
keep() {
    if [ -n "${XS_PCMK_KEEP:-}" ]; then
        mkdir -p "$XS_PCMK_KEEP"
        cp -r "$tmp/log" "$tmp"/*.out "$XS_PCMK_KEEP/" 2>/dev/null
    fi
    rm -rf "$tmp"
}
trap keep EXIT
n=0
t() {
    n=$((n + 1))
    if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
is() { [ "$1" = "$2" ]; t $? "$3 (got '$1', want '$2')"; }
diag() { sed 's/^/# /' "$@"; }

# The host's phase, as xenshift sees it in a state file.
phase_of() {
    "$bin" --sim "${2:-$fixture}" --sim-state "$1" -c "$table" status -j |
        sed -n 's/^  "phase": "\{0,1\}\([a-z]*\)"\{0,1\},\{0,1\}$/\1/p'
}

# Private /run, /dev/shm (libqb's IPC), /var/lib/pacemaker, /var/log,
# and a resource.d that adds the provider xenshift.
mount -t tmpfs tmpfs /run || skip_all "cannot mount a tmpfs"
mount -t tmpfs tmpfs /dev/shm
# resource.d: a tmpfs directory (never under $tmp: the rm -rf at exit
# must not reach into a bind mount of a system directory) with the
# machine's providers bound in (their agents use relative links such as
# heartbeat/.ocf-shellfuncs -> ../../lib/heartbeat/ocf-shellfuncs) and
# the xenshift agent added.
mkdir -p /run/ocf-ra/xenshift "$tmp/varlib" "$tmp/log"
for d in /usr/lib/ocf/resource.d/*; do
    [ -d "$d" ] || continue
    [ "${d##*/}" = xenshift ] && continue   # an installed one: not it
    mkdir -p "/run/ocf-ra/${d##*/}"
    mount --bind "$d" "/run/ocf-ra/${d##*/}"
done
ln -s "$agent" /run/ocf-ra/xenshift/xenshift
mount --rbind /run/ocf-ra /usr/lib/ocf/resource.d
mount --bind "$tmp/varlib" /var/lib/pacemaker
mount --bind "$tmp/log" /var/log
ip link set lo up
# The node's name, as corosync.conf and Dummy's fail_start_on (uname -n)
# see it.
echo node1 >/proc/sys/kernel/hostname
# resource-agents' state directory (made by tmpfiles.d at boot).
mkdir -p /run/resource-agents

# --- 1. crm_resource runs the agent, no cluster ------------------------

force() {   # force ACTION STATEFILE [FIXTURE]: crm_resource --force-ACTION
    crm_resource "--force-$1" --class ocf --provider xenshift \
        --agent xenshift --option "config=$table" --option phase=takeover \
        --option standby_phase=normal --option "binary=$bin" \
        --option "xenshift_opts=--sim ${3:-$fixture} --sim-state $2" \
        >"$tmp/force.out" 2>&1
}

st=$tmp/force-host.json
crm_resource --validate --class ocf --provider xenshift --agent xenshift \
    --option "config=$table" --option phase=takeover \
    --option standby_phase=normal --option "binary=$bin" \
    --option "xenshift_opts=--sim $fixture --sim-state $st" \
    >"$tmp/force.out" 2>&1
t $? "crm_resource --validate runs validate-all: ok"
crm_resource --validate --class ocf --provider xenshift --agent xenshift \
    --option "config=$table" --option phase=nosuch \
    --option standby_phase=normal --option "binary=$bin" \
    --option "xenshift_opts=--sim $fixture --sim-state $st" \
    >"$tmp/force.out" 2>&1
rc=$?
grep -q 'no phase "nosuch"' "$tmp/force.out"
t $? "crm_resource --validate with an unknown phase fails (exit $rc) and says why"
force check "$st"
is $? 7 "--force-check on a host in normal: not running"
force start "$st"
is $? 0 "--force-start"
is "$(phase_of "$st")" takeover "the host is in takeover"
force check "$st"
is $? 0 "--force-check: running"
force start "$st"
is $? 0 "--force-start again: still ok"
force stop "$st"
is $? 0 "--force-stop"
is "$(phase_of "$st")" normal "the host is back in normal"
force check "$st"
is $? 7 "--force-check: not running"
force start "$tmp/force-fail.json" "$src/tests/fixtures/fig9-pool-fail.json"
rc=$?
[ "$rc" -ne 0 ] && grep -q "cannot create cpupool" "$tmp/force.out"
x=$?
t $x "--force-start of a refused take-over fails (exit $rc) with xenshift's reason"
[ $x = 0 ] || diag "$tmp/force.out"

# --- 2. a single-node cluster -------------------------------------------

cat >"$tmp/corosync.conf" <<'END'
totem {
    version: 2
    cluster_name: xenshift-test
    crypto_cipher: none
    crypto_hash: none
}
logging {
    to_stderr: no
    to_syslog: no
    to_logfile: yes
    logfile: /var/log/corosync/corosync.log
}
quorum {
    provider: corosync_votequorum
}
nodelist {
    node {
        name: node1
        nodeid: 1
        ring0_addr: 127.0.0.1
    }
}
END
mkdir -p /var/lib/pacemaker/cib /var/lib/pacemaker/pengine \
    /var/lib/pacemaker/blackbox /var/lib/pacemaker/cores \
    /var/log/pacemaker /var/log/corosync
# No fencing (one simulated node), a short election, quick re-checks.
cat >/var/lib/pacemaker/cib/cib.xml <<'END'
<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="opt-stonith" name="stonith-enabled" value="false"/>
        <nvpair id="opt-dc-deadtime" name="dc-deadtime" value="2s"/>
        <nvpair id="opt-recheck" name="cluster-recheck-interval" value="1min"/>
      </cluster_property_set>
    </crm_config>
    <nodes/>
    <resources/>
    <constraints/>
  </configuration>
  <status/>
</cib>
END
chown -R hacluster:haclient /var/lib/pacemaker /var/log/pacemaker
chmod 0600 /var/lib/pacemaker/cib/cib.xml

corosync -f -c "$tmp/corosync.conf" >"$tmp/corosync.out" 2>&1 &
for _ in $(seq 1 20); do
    corosync-cfgtool -s >/dev/null 2>&1 && break
    sleep 0.5
done
PCMK_logfile=/var/log/pacemaker/pacemaker.log pacemakerd -f \
    >"$tmp/pacemakerd.out" 2>&1 &
up=1
for _ in $(seq 1 90); do
    if crm_mon -1 2>/dev/null | grep -q "Current DC: node1"; then
        up=0
        break
    fi
    sleep 1
done
t $up "a single-node cluster (corosync on 127.0.0.1, pacemakerd) elects node1"
if [ "$up" != 0 ]; then
    diag "$tmp/corosync.out" "$tmp/pacemakerd.out"
    echo "1..$n"
    exit 1
fi

settle() { crm_resource --wait -T 120s >/dev/null 2>&1; }
mon() { crm_mon -1 -r >"$tmp/mon.out" 2>&1; }
started() {     # started RSC: crm_mon says RSC is Started on node1
    grep -Eq "\* $1[[:space:]].*Started node1" "$tmp/mon.out"
}
stopped() {
    grep -Eq "\* $1[[:space:]].*Stopped" "$tmp/mon.out"
}
role() {        # role RSC ROLE: set RSC's target-role
    crm_resource -r "$1" --meta -p target-role -v "$2" >/dev/null 2>&1
}

# Fig. 1's group on this node: the take-over phase first, then the IP and
# the service (Dummy agents), created stopped.
cs=$tmp/cluster-host.json
cibadmin --create -o resources --xml-text "
<group id=\"g-service\">
  <meta_attributes id=\"g-service-meta\">
    <nvpair id=\"g-service-role\" name=\"target-role\" value=\"Stopped\"/>
  </meta_attributes>
  <primitive id=\"xs\" class=\"ocf\" provider=\"xenshift\" type=\"xenshift\">
    <instance_attributes id=\"xs-params\">
      <nvpair id=\"xs-config\" name=\"config\" value=\"$table\"/>
      <nvpair id=\"xs-phase\" name=\"phase\" value=\"takeover\"/>
      <nvpair id=\"xs-standby\" name=\"standby_phase\" value=\"normal\"/>
      <nvpair id=\"xs-binary\" name=\"binary\" value=\"$bin\"/>
      <nvpair id=\"xs-opts\" name=\"xenshift_opts\" value=\"--sim $fixture --sim-state $cs\"/>
    </instance_attributes>
    <operations>
      <op id=\"xs-start\" name=\"start\" interval=\"0\" timeout=\"300s\"/>
      <op id=\"xs-stop\" name=\"stop\" interval=\"0\" timeout=\"300s\"/>
      <op id=\"xs-monitor\" name=\"monitor\" interval=\"5s\" timeout=\"30s\"/>
    </operations>
  </primitive>
  <primitive id=\"ip\" class=\"ocf\" provider=\"pacemaker\" type=\"Dummy\">
    <operations>
      <op id=\"ip-monitor\" name=\"monitor\" interval=\"5s\" timeout=\"20s\"/>
    </operations>
  </primitive>
  <primitive id=\"svc\" class=\"ocf\" provider=\"pacemaker\" type=\"Dummy\">
    <operations>
      <op id=\"svc-monitor\" name=\"monitor\" interval=\"5s\" timeout=\"20s\"/>
    </operations>
  </primitive>
</group>" >"$tmp/cibadmin.out" 2>&1
t $? "cibadmin creates the group xs, ip, svc"
settle
mon
stopped xs && stopped ip && stopped svc
t $? "the group is configured stopped"
is "$(phase_of "$cs")" normal "the probes left the host in normal"

role g-service Started
settle
mon
started xs && started ip && started svc
x=$?
t $x "target-role Started: xs, ip and svc are started"
[ $x = 0 ] || diag "$tmp/mon.out"
is "$(phase_of "$cs")" takeover "the host is in the take-over phase"
log=/var/log/pacemaker/pacemaker.log
first() { grep -n "Result of start operation for $1 on node1: ok" "$log" |
          head -n 1 | cut -d: -f1; }
a=$(first xs) b=$(first ip) c=$(first svc)
[ -n "$a" ] && [ -n "$b" ] && [ -n "$c" ] && [ "$a" -lt "$b" ] &&
    [ "$b" -lt "$c" ]
t $? "the group started xs, then ip, then svc (log lines $a, $b, $c)"

role g-service Stopped
settle
mon
stopped xs && stopped ip && stopped svc
t $? "target-role Stopped: the group is stopped"
is "$(phase_of "$cs")" normal "the host is back in normal"

# The host is moved out of the phase behind the cluster's back: the
# recurring monitor sees it (7), the cluster recovers the group.
role g-service Started
settle
"$bin" --sim "$fixture" --sim-state "$cs" -c "$table" apply normal \
    >"$tmp/behind.out" 2>&1
ok=1
for _ in $(seq 1 60); do
    if grep -q "Result of monitor operation for xs on node1: not running" \
        "$log"; then
        ok=0
        break
    fi
    sleep 1
done
t $ok "a host moved to normal by hand: the next monitor says not running"
settle
mon
started xs && started ip && started svc
t $? "the cluster restarted the group"
is "$(phase_of "$cs")" takeover "and the host is in takeover again"
crm_resource -r xs --cleanup >/dev/null 2>&1
settle
role g-service Stopped
settle

# A take-over xenshift refuses and rolls back: start fails with its
# reason, the IP and the service are not started, the host stays normal.
cibadmin --modify --xml-text "<nvpair id=\"xs-opts\" name=\"xenshift_opts\" value=\"--sim $src/tests/fixtures/fig9-pool-fail.json --sim-state $tmp/pool-fail.json\"/>" \
    >/dev/null 2>&1
role g-service Started
settle
mon
grep -q "cannot create cpupool" "$tmp/mon.out"
x=$?
t $x "a failed take-over: crm_mon shows the agent's exit reason"
[ $x = 0 ] || diag "$tmp/mon.out"
stopped ip && stopped svc
t $? "after it the IP and the service are not started"
is "$(phase_of "$tmp/pool-fail.json" "$src/tests/fixtures/fig9-pool-fail.json")" \
    normal "the host was rolled back to normal"
role g-service Stopped
settle
crm_resource -r xs --cleanup >/dev/null 2>&1
settle

# The service fails to start: the members before it stay started (the
# host stays in the take-over phase on this, the only, node).
cibadmin --modify --xml-text "<nvpair id=\"xs-opts\" name=\"xenshift_opts\" value=\"--sim $fixture --sim-state $tmp/svc-fail.json\"/>" \
    >/dev/null 2>&1
crm_resource -r svc -p fail_start_on -v node1 >/dev/null 2>&1
role g-service Started
settle
mon
started xs && started ip && ! started svc
x=$?
t $x "a service that fails to start: xs and ip stay started, svc does not"
[ $x = 0 ] || diag "$tmp/mon.out"
is "$(phase_of "$tmp/svc-fail.json")" takeover "the host stays in takeover"
role g-service Stopped
settle
is "$(phase_of "$tmp/svc-fail.json")" normal "stopping the group brings it back to normal"

echo "1..$n"
