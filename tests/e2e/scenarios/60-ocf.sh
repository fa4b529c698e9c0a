# The Pacemaker resource agent (hooks/ocf/xenshift) run in dom0 as
# Pacemaker would run it (OCF_RESKEY_* in the environment, the action as
# the argument; dom0 has no resource-agents, so the agent's own OCF
# definitions are used): start, monitor and stop move the host between
# phases as xl shows, without and then with xenshiftd.  The agent is
# the installed package's ocf:xenshift:xenshift (Pacemaker runs
# $OCF_ROOT/resource.d/PROVIDER/TYPE), with its default binary: the
# package's xenshift on the PATH.
. /payload/dom0/tap.sh
A=/usr/lib/ocf/resource.d/xenshift/xenshift
D=/usr/sbin/xenshiftd
R=/local/domain/0/xenshift
tap_packaged "$XENSHIFT" "$D" "$A"
unset OCF_RESKEY_binary
export OCF_RESKEY_config=$XENSHIFT_TABLE OCF_RESKEY_phase=takeover \
    OCF_RESKEY_standby_phase=normal OCF_RESKEY_timeout=120
ocf() { "$A" "$1" > /tmp/ocf.out 2>&1; rc=$?; sed 's/^/XS-TAP: #   /' /tmp/ocf.out; return $rc; }

for mode in alone daemon; do
    if [ $mode = daemon ]; then
        "$D" -F -c "$XENSHIFT_TABLE" > /tmp/xenshiftd-ocf.log 2>&1 &
        DPID=$!
        i=0
        while [ $i -lt 200 ] && [ "$(xenstore-read $R/daemon 2>/dev/null)" != "$DPID" ]; do
            sleep 0.1; i=$((i + 1))
        done
    fi
    ocf meta-data > /dev/null; tap_is "[$mode] meta-data exits 0" "$?" 0
    ocf validate-all; tap_is "[$mode] validate-all exits 0" "$?" 0
    ocf monitor; tap_is "[$mode] monitor in normal: 7 (not running)" "$?" 7
    ocf start; tap_is "[$mode] start exits 0" "$?" 0
    tap_is "[$mode] after start the host is in takeover, as xl shows" "$(xl_phase)" takeover
    ocf monitor; tap_is "[$mode] monitor: 0 (running)" "$?" 0
    ocf start; tap_is "[$mode] start again (idempotent): 0" "$?" 0
    ocf stop; tap_is "[$mode] stop exits 0" "$?" 0
    tap_is "[$mode] after stop the host is in normal, as xl shows" "$(xl_phase)" normal
    ocf monitor; tap_is "[$mode] monitor: 7 again" "$?" 7
    ocf stop; tap_is "[$mode] stop again (idempotent): 0" "$?" 0
    if [ $mode = daemon ]; then
        tap_check "[$mode] the transitions went through xenshiftd" \
            grep -q "reached takeover" /tmp/xenshiftd-ocf.log
        kill -TERM $DPID; wait $DPID
    fi
done
OCF_RESKEY_phase=nosuch ocf validate-all
tap_is "validate-all with a phase the table lacks: 6 (not configured)" "$?" 6
