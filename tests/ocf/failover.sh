#!/bin/sh
# failover.sh - docs/failover.md's cluster configurations, run as
# written, and what Pacemaker's scheduler does with them.
#
# The blocks of docs/failover.md marked
#   <!-- tests/ocf/failover.sh runs this block: NAME -->
# are run word for word on CIB files: "pcs" and "pcs-group" with
# `pcs -f` (except `pcs cluster node add-remote HOST NAME`, which needs
# the guest's pcsd and becomes `pcs resource create NAME
# ocf:pacemaker:remote server=HOST --force`), "crm" with `crm configure
# load update`.  Then crm_simulate (Pacemaker's scheduler, no cluster,
# nothing run) takes each CIB through the rows of the doc's table:
# hosts up, host 500 failing, a refused take-over, a failing IP or
# service, a host moved behind the cluster's back, a failed stop, host
# 500 back.
#
# pcs and crm need the agent's meta-data, so the agent is put in
# resource.d inside a private mount namespace: needs root and unshare.
# Skips (TAP "1..0 # SKIP") without them or without Pacemaker's tools;
# a missing pcs or crm skips its half.  Prints TAP.

src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
agent=$src/hooks/ocf/xenshift
doc=$src/docs/failover.md

skip_all() {
    echo "1..0 # SKIP $*"
    exit 0
}

if [ "${XS_FAILOVER_INNER:-}" != 1 ]; then
    [ "$(id -u)" = 0 ] || skip_all "needs root (a mount namespace)"
    for c in unshare crm_simulate cibadmin crm_attribute; do
        command -v "$c" >/dev/null 2>&1 || skip_all "$c not installed"
    done
    command -v pcs >/dev/null 2>&1 || command -v crm >/dev/null 2>&1 ||
        skip_all "neither pcs nor crm (crmsh) installed"
    unshare --mount true 2>/dev/null ||
        skip_all "cannot make a mount namespace here"
    XS_FAILOVER_INNER=1 top_srcdir=$src
    export XS_FAILOVER_INNER top_srcdir
    exec unshare --mount sh "$0" "$@"
fi

# --- inside the mount namespace ----------------------------------------

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
t() {
    n=$((n + 1))
    if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }
diag() { sed 's/^/# /' "$@"; }

# resource.d with the agent added (a tmpfs, never under $tmp: the rm -rf
# at exit must not reach into a bind mount of a system directory); logs
# and caches of pcs and crmsh stay in the namespace.
mount -t tmpfs tmpfs /run || skip_all "cannot mount a tmpfs"
mkdir -p /run/ocf-ra/xenshift /run/log/crmsh
for d in /usr/lib/ocf/resource.d/*; do
    [ -d "$d" ] || continue
    [ "${d##*/}" = xenshift ] && continue
    mkdir -p "/run/ocf-ra/${d##*/}"
    mount --bind "$d" "/run/ocf-ra/${d##*/}"
done
ln -s "$agent" /run/ocf-ra/xenshift/xenshift
mount --rbind /run/ocf-ra /usr/lib/ocf/resource.d
mount --bind /run/log /var/log
HOME=$tmp
export HOME
cd "$tmp" || exit 1

# block NAME: the fenced block after the doc's marker, with the lines a
# trailing backslash continues joined.
block() {
    awk -v mark="<!-- tests/ocf/failover.sh runs this block: $1 -->" '
        $0 == mark { armed = 1; next }
        armed && /^```/ { if (inside) exit; inside = 1; next }
        inside { print }' "$doc" |
        sed -e ':a' -e '/\\$/N' -e 's/\\\n *//' -e 'ta'
}

# A CIB with the two hosts as cluster nodes.  Fencing is off: the
# simulation has no fencing device (one is added for the failed stop).
base_cib() {
    cibadmin --empty >"$1"
    CIB_file=$1 cibadmin --create -o nodes \
        --xml-text '<node id="1" uname="xen500"/>' &&
    CIB_file=$1 cibadmin --create -o nodes \
        --xml-text '<node id="2" uname="xen600"/>' &&
    CIB_file=$1 crm_attribute -n stonith-enabled -v false >/dev/null
}

# run_pcs BLOCK CIB: every pcs command of the block on CIB.
run_pcs() {
    __cib=$2
    block "$1" >"$tmp/$1.cmds"
    [ -s "$tmp/$1.cmds" ] || { echo "no block $1 in $doc"; return 1; }
    while IFS= read -r line; do
        case $line in
        '' | '#'*) continue ;;
        "pcs cluster node add-remote "*)
            # shellcheck disable=SC2086  # HOST NAME
            set -- ${line#pcs cluster node add-remote }
            line="pcs resource create $2 ocf:pacemaker:remote server=$1 --force"
            ;;
        "pcs "*) ;;
        *) echo "not a pcs command: $line"; return 1 ;;
        esac
        echo "+ $line"
        eval "pcs -f \"\$__cib\" ${line#pcs }" </dev/null || {
            echo "FAILED: $line"
            return 1
        }
    done <"$tmp/$1.cmds"
}

# sim IN OUT [ARGS]: one crm_simulate step (with ARGS) and then steps
# without until nothing is left to do; the first step's output in
# $tmp/sim.out, every step's in $tmp/sim.all, the state in OUT.
sim() {
    __in=$1 __out=$2
    shift 2
    crm_simulate -x "$__in" -q 1 -S -O "$__out" "$@" >"$tmp/sim.out" 2>&1 ||
        return 1
    cp "$tmp/sim.out" "$tmp/sim.all"
    for _ in 1 2 3 4; do
        crm_simulate -x "$__out" -q 1 -S -O "$__out.next" \
            >"$tmp/sim.more" 2>&1 || return 1
        mv "$__out.next" "$__out"
        cat "$tmp/sim.more" >>"$tmp/sim.all"
        sed -n '/^Transition Summary:/,/^Executing/p' "$tmp/sim.more" |
            grep -q '^  \* ' || return 0
    done
}
# sim1 IN OUT [ARGS]: one crm_simulate step only (a failure injected
# here is not yet retried: the fail-count is set before the next step).
sim1() {
    __in=$1 __out=$2
    shift 2
    crm_simulate -x "$__in" -q 1 -S -O "$__out" "$@" >"$tmp/sim.out" 2>&1
}
# where STATE RSC: the node RSC is started on in STATE ("" if stopped).
where() {
    crm_simulate -x "$1" -q 1 -S 2>/dev/null |
        sed -n '/^Revised Cluster Status/,$p' |
        sed -n "s/^ *\* $2[[:space:]].*Started \([a-z0-9]*\).*/\1/p"
}
# line_of PATTERN: the line number of PATTERN in $tmp/sim.out (99999 if
# absent).
line_of() {
    __l=$(grep -n -E "$1" "$tmp/sim.out" | head -n 1 | cut -d: -f1)
    echo "${__l:-99999}"
}
# set_failcount STATE NODE RSC OP: start-failure-is-fatal, as the live
# controller does it (crm_simulate's injection only adds one).
set_failcount() {
    CIB_file=$1 crm_attribute -N "$2" -t status \
        -n "fail-count-$3#$4" -v INFINITY >/dev/null
}

scenarios() {   # scenarios FORM CIB
    f=$1
    c=$2
    d=$tmp/$f
    mkdir -p "$d"

    sim "$c" "$d/up.xml" -u xen500 -u xen600
    [ "$(where "$d/up.xml" xs)" = xen500 ] &&
        [ "$(where "$d/up.xml" ip)" = svc500 ] &&
        [ "$(where "$d/up.xml" svc)" = svc500 ]
    t $? "$f: both hosts up: xs on xen500, ip and svc on svc500"

    sim "$d/up.xml" "$d/failed.xml" -f xen500
    a=$(line_of 'Resource action: +xs +start on xen600')
    b=$(line_of 'Resource action: +ip +start on vm1')
    e=$(line_of 'Resource action: +svc +start on vm1')
    [ "$a" -lt "$b" ] && [ "$b" -lt "$e" ] && [ "$e" -lt 99999 ]
    t $? "$f: host 500 fails: xs starts on xen600, then ip and svc on vm1 (lines $a $b $e)"
    [ "$(where "$d/failed.xml" xs)" = xen600 ] &&
        [ "$(where "$d/failed.xml" svc)" = vm1 ]
    t $? "$f: and stay there"

    sim1 "$d/up.xml" "$d/xsfail1.xml" -f xen500 -F xs_start_0@xen600=1
    set_failcount "$d/xsfail1.xml" xen600 xs start_0
    sim "$d/xsfail1.xml" "$d/xsfail.xml"
    grep -q 'Start  *ip .*due to unrunnable xs start (blocked)' "$tmp/sim.out"
    x=$?
    [ $x = 0 ] && [ -z "$(where "$d/xsfail.xml" xs)" ] &&
        [ -z "$(where "$d/xsfail.xml" svc)" ]
    x=$?
    t $x "$f: xs start fails on xen600: ip and svc are blocked, xs stopped"
    [ $x = 0 ] || diag "$tmp/sim.out"

    cp "$d/xsfail1.xml" "$d/optional0.xml"
    case $f in
    pcs)
        pcs -f "$d/optional0.xml" constraint delete \
            order-xs-g-service-mandatory </dev/null >/dev/null &&
        pcs -f "$d/optional0.xml" constraint order start xs "then" \
            start g-service kind=Optional </dev/null >/dev/null
        ;;
    crm)
        echo 'order xs-before-service Optional: xs g-service' \
            >"$tmp/optional.crm"
        CIB_file=$d/optional0.xml crm configure load update \
            "$tmp/optional.crm" </dev/null >/dev/null 2>&1
        ;;
    esac
    t $? "$f: the doc's Optional order replaces the Mandatory one"
    sim "$d/optional0.xml" "$d/optional.xml"
    [ -z "$(where "$d/optional.xml" xs)" ] &&
        [ "$(where "$d/optional.xml" svc)" = vm1 ]
    t $? "$f: with it, svc runs on vm1 without xs"

    sim1 "$d/up.xml" "$d/ipfail1.xml" -f xen500 -F ip_start_0@vm1=1
    set_failcount "$d/ipfail1.xml" vm1 ip start_0
    sim "$d/ipfail1.xml" "$d/ipfail.xml"
    grep -q 'Stop  *xs .*xen600' "$tmp/sim.out" &&
        [ -z "$(where "$d/ipfail.xml" xs)" ]
    t $? "$f: ip fails to start on vm1: xs stops (the host goes back to normal)"

    sim "$d/failed.xml" "$d/svcmon.xml" -i svc_monitor_10000@vm1=7
    grep -q 'Recover  *svc .*vm1' "$tmp/sim.out" &&
        ! grep -q 'Recover  *xs\|Restart  *xs\|Stop  *xs' "$tmp/sim.out"
    t $? "$f: the service fails its monitor: restarted in place, xs untouched"

    sim "$d/failed.xml" "$d/xsmon.xml" -i xs_monitor_30000@xen600=7
    grep -q 'Recover  *xs .*xen600' "$tmp/sim.out" &&
        grep -q 'Restart  *ip .*due to required xs start' "$tmp/sim.out" &&
        grep -q 'Restart  *svc' "$tmp/sim.out"
    t $? "$f: xs's monitor says 7: xs recovered, ip and svc restarted"

    # A failed stop, with fencing on.
    cp "$d/up.xml" "$d/stop0.xml"
    CIB_file=$d/stop0.xml crm_attribute -n stonith-enabled -v true \
        >/dev/null
    CIB_file=$d/stop0.xml cibadmin --create -o resources --xml-text \
        '<primitive id="fence500" class="stonith" type="fence_ipmilan"/>'
    CIB_file=$d/stop0.xml crm_resource -r g-service --meta \
        -p target-role -v Stopped >/dev/null 2>&1
    sim "$d/stop0.xml" "$d/stop.xml" -F xs_stop_0@xen500=1
    grep -q "Fence (reboot) xen500 'xs failed there'" "$tmp/sim.all"
    t $? "$f: xs's stop fails: xen500 is fenced"

    # Host 500 fails with fencing on, the guide's device: its guest
    # svc500 ran the group, so it is fenced too (through the device's
    # pcmk_host_map: its host's reset) before the group starts on vm1.
    cp "$d/up.xml" "$d/fence0.xml"
    CIB_file=$d/fence0.xml crm_attribute -n stonith-enabled -v true \
        >/dev/null
    CIB_file=$d/fence0.xml crm_attribute -n concurrent-fencing -v true \
        >/dev/null
    CIB_file=$d/fence0.xml cibadmin --create -o resources --xml-text \
        '<primitive id="fence-sbd" class="stonith" type="fence_sbd"><instance_attributes id="fence-sbd-ia"><nvpair id="fence-sbd-map" name="pcmk_host_map" value="xen500:xen500;xen600:xen600;svc500:xen500;vm1:xen600"/><nvpair id="fence-sbd-limit" name="pcmk_action_limit" value="2"/></instance_attributes></primitive>'
    sim "$d/fence0.xml" "$d/fence.xml" -f xen500
    grep -q "Fence (reboot) xen500 'peer is no longer part of the cluster'" "$tmp/sim.all" &&
        grep -q "Fence (reboot) svc500 'resources are active but connection is unrecoverable'" "$tmp/sim.all"
    t $? "$f: host 500 fails, fencing on: xen500 and its guest svc500 are fenced"
    [ "$(where "$d/fence.xml" xs)" = xen600 ] &&
        [ "$(where "$d/fence.xml" svc)" = vm1 ]
    t $? "$f: and the group starts on vm1, xs on xen600"

    # Host 500 back (fenced: its history is gone): no fail-back.
    cp "$d/failed.xml" "$d/back0.xml"
    CIB_file=$d/back0.xml cibadmin --delete -o status \
        --xml-text '<node_state uname="xen500"/>' >/dev/null 2>&1
    CIB_file=$d/back0.xml cibadmin --delete -o status \
        --xml-text '<node_state id="svc500"/>' >/dev/null 2>&1
    sim "$d/back0.xml" "$d/back.xml" -u xen500
    [ "$(where "$d/back.xml" svc500)" = xen500 ] &&
        [ "$(where "$d/back.xml" svc)" = vm1 ] &&
        [ "$(where "$d/back.xml" xs)" = xen600 ]
    t $? "$f: host 500 back: svc500 rejoins, the group stays on vm1"
}

# --- pcs -------------------------------------------------------------------

if command -v pcs >/dev/null 2>&1; then
    base_cib "$tmp/pcs.xml"
    run_pcs pcs "$tmp/pcs.xml" >"$tmp/pcs.out" 2>&1
    x=$?
    t $x "the doc's pcs block runs on a CIB file"
    [ $x = 0 ] || diag "$tmp/pcs.out"
    crm_verify -x "$tmp/pcs.xml" >"$tmp/verify.out" 2>&1
    x=$?
    t $x "crm_verify finds the result valid"
    [ $x = 0 ] || diag "$tmp/verify.out"
    scenarios pcs "$tmp/pcs.xml"

    # The simplest form: one group on one node.
    cibadmin --empty >"$tmp/group.xml"
    CIB_file=$tmp/group.xml cibadmin --create -o nodes \
        --xml-text '<node id="1" uname="xen600"/>'
    CIB_file=$tmp/group.xml crm_attribute -n stonith-enabled -v false \
        >/dev/null
    run_pcs pcs-group "$tmp/group.xml" >"$tmp/group.out" 2>&1
    x=$?
    t $x "the doc's one-group pcs block runs on a CIB file"
    [ $x = 0 ] || diag "$tmp/group.out"
    sim "$tmp/group.xml" "$tmp/group-up.xml" -u xen600
    a=$(line_of 'Resource action: +xs +start on xen600')
    b=$(line_of 'Resource action: +ip +start on xen600')
    e=$(line_of 'Resource action: +svc +start on xen600')
    [ "$a" -lt "$b" ] && [ "$b" -lt "$e" ] && [ "$e" -lt 99999 ]
    t $? "one group: xs, then ip, then svc (lines $a $b $e)"
else
    skip "pcs not installed"
fi

# --- crm -------------------------------------------------------------------

if command -v crm >/dev/null 2>&1; then
    base_cib "$tmp/crm.xml"
    block crm >"$tmp/failover.crm"
    CIB_file=$tmp/crm.xml crm configure load update "$tmp/failover.crm" \
        </dev/null >"$tmp/crm.out" 2>&1
    x=$?
    [ $x = 0 ] && [ -s "$tmp/failover.crm" ] &&
        CIB_file=$tmp/crm.xml cibadmin -Q -o constraints |
        grep -q 'node-attribute="xenhost"'
    x=$?
    t $x "the doc's crm block loads with crm configure load update"
    [ $x = 0 ] || diag "$tmp/crm.out"
    crm_verify -x "$tmp/crm.xml" >"$tmp/verify.out" 2>&1
    x=$?
    t $x "crm_verify finds the result valid"
    [ $x = 0 ] || diag "$tmp/verify.out"
    scenarios crm "$tmp/crm.xml"
else
    skip "crm (crmsh) not installed"
fi

echo "1..$n"
