# harness.sh - sourced by the tests/sim scripts that run xenshiftd on a
# simulated host shared through --sim-state (daemon.sh, watch.sh): TAP,
# the shared host's xenstore nodes, the daemon started and stopped.
# Wants build, fixture, table, tmp and st set; on exit the daemon is
# stopped and $tmp removed.
tpid=
stop_daemon() {
    [ -n "$tpid" ] || return 0
    kill "$tpid" 2>/dev/null
    wait "$tpid" 2>/dev/null
    tpid=
}
trap 'stop_daemon; rm -rf "$tmp"' EXIT
TZ=UTC LC_ALL=C
export TZ LC_ALL

n=0
t() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
is() { [ "$1" = "$2" ]; t $? "$3 (got '$1', want '$2')"; }
# A xenstore node of the saved host, "" when absent.
node() { sed -n "s|^    \"/local/domain/0/xenshift/$1\": \"\\(.*\\)\",\\{0,1\\}\$|\\1|p" "$st"; }
# Up to 10 s for a node to read $2.
wait_node() {
    i=0
    while [ "$(node "$1")" != "$2" ] && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
}
# Start xenshiftd on the shared host with "$@"; tpid is its timeout(1),
# dpid its pid once it has published it.  daemon_env: VAR=VALUE words
# for its environment; daemon_life: seconds before timeout(1) ends it.
start_daemon() {
    env ${daemon_env:-} timeout "${daemon_life:-60}" "$build/xenshiftd" \
        --sim "$fixture" --sim-state "$st" -c "$table" -F "$@" \
        2>> "$tmp/daemon.log" &
    tpid=$!
    i=0
    dpid=
    while [ -z "$dpid" ] && [ $i -lt 100 ]; do
        sleep 0.1
        [ -f "$st" ] && dpid=$(node daemon)
        i=$((i + 1))
    done
}
