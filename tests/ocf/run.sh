#!/bin/sh
# run.sh - the xenshift OCF resource agent (hooks/ocf/xenshift) on the
# simulated host: its meta-data against the OCF DTD, Debian's
# ocf-tester, and every action by hand with the exit codes the OCF spec
# asks for.  Each simulated host lives in a --sim-state file, so
# consecutive actions see one host, as on Xen.  The xenshiftd path
# (xenstore) runs against a stand-in xenstore-read and xenshift.
#
# Prints TAP.  Parts whose tools are missing (xmllint: libxml2-utils,
# ocf-tester: resource-agents) are skipped, not failed.
#
# Usage: tests/ocf/run.sh  (top_srcdir / top_builddir as in make check;
# by default the tree this script is in, xenshift built there).

src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
build=$(cd "${top_builddir:-$src}" && pwd)
bin=$build/xenshift
agent=$src/hooks/ocf/xenshift
table=$src/examples/fig9.json
fixture=$src/examples/fig9-host.json
fixtures=$src/tests/fixtures
# The agent runs under dash, as /bin/sh on Debian, when there is one.
sh=$(command -v dash || echo sh)
rtd=/usr/share/resource-agents

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
t() {
    n=$((n + 1))
    if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
is() { [ "$1" = "$2" ]; t $? "$3 (got '$1', want '$2')"; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }
diag() { sed 's/^/# /' "$@"; }

if [ ! -x "$bin" ]; then
    echo "1..0 # SKIP $bin not built"
    exit 0
fi

# ra ACTION [VAR=VALUE...]: run the agent in a clean environment made of
# the defaults below and the assignments given (later ones win).
# Sets rc; the agent's stdout is in $tmp/out, stderr in $tmp/err.
state=$tmp/host.json
ra() {
    __a=$1
    shift
    env -i PATH="$PATH" TMPDIR="$tmp" HOME="$tmp" HA_RSCTMP="$tmp" \
        OCF_ROOT="${OCF_ROOT:-/usr/lib/ocf}" \
        OCF_RA_VERSION_MAJOR=1 OCF_RA_VERSION_MINOR=1 \
        OCF_RESOURCE_INSTANCE=xs-test OCF_RESOURCE_TYPE=xenshift \
        OCF_RESKEY_CRM_meta_interval=30000 \
        OCF_RESKEY_CRM_meta_timeout=300000 \
        OCF_RESKEY_config="$table" \
        OCF_RESKEY_phase=takeover OCF_RESKEY_standby_phase=normal \
        OCF_RESKEY_binary="$bin" \
        OCF_RESKEY_xenshift_opts="--sim $fixture --sim-state $state" \
        "$@" "$sh" "$agent" "$__a" >"$tmp/out" 2>"$tmp/err"
    rc=$?
}
# sim FIXTURE STATE: the extra options for a simulated host.
sim() { echo "OCF_RESKEY_xenshift_opts=--sim $1 --sim-state $2"; }
# The phase a simulated host is in, as xenshift reports it.
phase_of() {    # phase_of STATE [FIXTURE]
    "$bin" --sim "${2:-$fixture}" --sim-state "$1" -c "$table" status -j |
        sed -n 's/^  "phase": "\{0,1\}\([a-z]*\)"\{0,1\},\{0,1\}$/\1/p'
}
reason() { sed -n 's/^ocf-exit-reason://p' "$tmp/err" | tail -n 1; }

# --- meta-data -------------------------------------------------------------

ra meta-data
is "$rc" 0 "meta-data exits 0"
cp "$tmp/out" "$tmp/meta.xml"
env -i PATH="$PATH" "$sh" "$agent" meta-data >"$tmp/meta2.xml" 2>&1
cmp -s "$tmp/meta.xml" "$tmp/meta2.xml"
t $? "meta-data needs no parameter and no OCF environment"
if command -v xmllint >/dev/null 2>&1; then
    xmllint --noout "$tmp/meta.xml" 2>"$tmp/xml.err"
    t $? "meta-data is well-formed XML"
    if [ -r "$rtd/ra-api-1.dtd" ]; then
        # As ocf-tester checks it: the DOCTYPE names ra-api-1.dtd.
        (cd "$rtd" && xmllint --noout --valid - <"$tmp/meta.xml") \
            2>"$tmp/xml.err"
        t $? "meta-data is valid against $rtd/ra-api-1.dtd"
    else
        skip "no $rtd/ra-api-1.dtd (resource-agents)"
    fi
    if [ -r "$rtd/metadata.rng" ]; then
        (cd "$rtd" && xmllint --noout --relaxng metadata.rng - \
            <"$tmp/meta.xml") >"$tmp/xml.err" 2>&1
        t $? "meta-data is valid against $rtd/metadata.rng"
    else
        skip "no $rtd/metadata.rng (resource-agents)"
    fi
    [ -s "$tmp/xml.err" ] && grep -qv 'validates$' "$tmp/xml.err" &&
        diag "$tmp/xml.err"
else
    skip "xmllint not installed (libxml2-utils)"
    skip "xmllint not installed (libxml2-utils)"
    skip "xmllint not installed (libxml2-utils)"
fi
for p in phase standby_phase; do
    grep -q "<parameter name=\"$p\" unique=\"0\" required=\"1\">" \
        "$tmp/meta.xml"
    t $? "meta-data: $p is required"
done
for p in config timeout binary xenshift_opts; do
    grep -q "<parameter name=\"$p\" unique=\"0\" required=\"0\">" \
        "$tmp/meta.xml"
    t $? "meta-data: $p is optional"
done
grep -q 'default="/etc/xenshift/xenshift.json"' "$tmp/meta.xml"
t $? "meta-data: config defaults to /etc/xenshift/xenshift.json"
for a in start stop; do
    s=$(sed -n "s/.*<action name=\"$a\" timeout=\"\([0-9]*\)s\".*/\1/p" \
        "$tmp/meta.xml")
    [ "${s:-0}" -ge 300 ]
    t $? "meta-data: $a timeout ${s:-?}s, at least 300s"
done
for a in monitor validate-all meta-data; do
    grep -q "<action name=\"$a\"" "$tmp/meta.xml"
    t $? "meta-data lists $a"
done

# --- ocf-tester ------------------------------------------------------------

if command -v ocf-tester >/dev/null 2>&1; then
    for how in ocf-shellfuncs fallback; do
        if [ "$how" = fallback ]; then
            fd=$tmp/no-shellfuncs
        else
            fd=
        fi
        OCF_FUNCTIONS_DIR=$fd
        export OCF_FUNCTIONS_DIR
        [ -n "$fd" ] || unset OCF_FUNCTIONS_DIR
        rm -f "$tmp/tester.json"
        ocf-tester -n xs-test -o "config=$table" -o phase=takeover \
            -o standby_phase=normal -o "binary=$bin" \
            -o "xenshift_opts=--sim $fixture --sim-state $tmp/tester.json" \
            "$agent" >"$tmp/tester.out" 2>&1
        x=$?
        t $x "ocf-tester reports no errors ($how)"
        [ $x = 0 ] || diag "$tmp/tester.out"
        unset OCF_FUNCTIONS_DIR
    done
else
    skip "ocf-tester not installed (resource-agents)"
    skip "ocf-tester not installed (resource-agents)"
fi

# --- the actions by hand ---------------------------------------------------

for how in ocf-shellfuncs fallback; do
    if [ "$how" = fallback ]; then
        fd="OCF_FUNCTIONS_DIR=$tmp/no-shellfuncs"
    else
        fd="OCF_RESOURCE_INSTANCE=xs-test"     # (a no-op)
    fi
    state=$tmp/hand-$how.json
    ra validate-all "$fd"
    is "$rc" 0 "$how: validate-all on a good table"
    ra monitor "$fd" OCF_RESKEY_CRM_meta_interval=0
    is "$rc" 7 "$how: probe of a host in normal: not running"
    ra monitor "$fd"
    is "$rc" 7 "$how: monitor: not running"
    ra stop "$fd"
    is "$rc" 0 "$how: stop of a stopped resource"
    is "$(phase_of "$state")" normal "$how: which leaves the host in normal"
    ra start "$fd"
    is "$rc" 0 "$how: start"
    is "$(phase_of "$state")" takeover "$how: the host is in takeover"
    ra monitor "$fd"
    is "$rc" 0 "$how: monitor: running"
    ra monitor "$fd" OCF_RESKEY_CRM_meta_interval=0
    is "$rc" 0 "$how: probe: running"
    ra start "$fd"
    is "$rc" 0 "$how: start of a started resource"
    grep -q "in phase takeover already" "$tmp/err"
    t $? "$how: which does nothing"
    ra monitor "$fd"
    is "$rc" 0 "$how: monitor: still running"
    ra stop "$fd"
    is "$rc" 0 "$how: stop"
    is "$(phase_of "$state")" normal "$how: the host is back in normal"
    ra monitor "$fd"
    is "$rc" 7 "$how: monitor: not running"
    ra stop "$fd"
    is "$rc" 0 "$how: stop again"
    ra monitor "$fd"
    is "$rc" 7 "$how: monitor: still not running"
done
state=$tmp/host.json

# --- a node goal short of 95% (issue 12) -------------------------------------

# The man page's EXAMPLE on a host whose memory is spread over both
# nodes: the balloon cycles leave vm1 at 87% on node 1.  The node goal is
# soft, so start succeeds, monitor says running, and starting again
# changes nothing.
st=$tmp/spread.json
ex=OCF_RESKEY_config=$src/tests/sim/data/example.json
spread=$(sim "$fixtures/fig9-spread.json" "$st")
spread_phase() {
    "$bin" --sim "$fixtures/fig9-spread.json" --sim-state "$st" \
        -c "$src/tests/sim/data/example.json" status -j |
        sed -n 's/^  "phase": "\{0,1\}\([a-z]*\)"\{0,1\},\{0,1\}$/\1/p'
}
ra start "$ex" "$spread"
is "$rc" 0 "EXAMPLE on fig9-spread: start"
is "$(spread_phase)" takeover "... the host is in takeover"
ra monitor "$ex" "$spread"
is "$rc" 0 "... monitor: running"
ra start "$ex" "$spread"
is "$rc" 0 "... start again"
grep -q "in phase takeover already" "$tmp/err"
t $? "... which does nothing"
ra stop "$ex" "$spread"
is "$rc" 0 "... stop"
is "$(spread_phase)" normal "... the host is back in normal"

# --- validation --------------------------------------------------------------

printf '{ "phases": { "a": { "vm1": { "memory": "12x" } } }\n' >"$tmp/bad.json"
ra validate-all OCF_RESKEY_config="$tmp/bad.json"
is "$rc" 6 "validate-all: a table with an error: not configured"
reason | grep -q "bad.json:1:"
t $? "with xenshift check's file:line: $(reason)"
ra start OCF_RESKEY_config="$tmp/bad.json"
is "$rc" 6 "start with that table: not configured"
ra validate-all OCF_RESKEY_phase=nosuch
is "$rc" 6 "validate-all: a phase the table does not have"
reason | grep -q 'no phase "nosuch" in .*; the phases are: normal takeover'
t $? "which lists the phases: $(reason)"
ra validate-all OCF_RESKEY_standby_phase=nosuch
is "$rc" 6 "validate-all: a standby phase the table does not have"
ra start OCF_RESKEY_phase=nosuch
is "$rc" 6 "start of an unknown phase: not configured"
is "$(phase_of "$state")" normal "which changes nothing"
ra validate-all OCF_RESKEY_phase=
is "$rc" 6 "validate-all: no phase given"
ra validate-all OCF_RESKEY_standby_phase=
is "$rc" 6 "validate-all: no standby_phase given"
ra validate-all OCF_RESKEY_standby_phase=takeover
is "$rc" 6 "validate-all: phase and standby_phase the same"
ra validate-all OCF_RESKEY_timeout=soon
is "$rc" 6 "validate-all: a timeout that is not a number"
ra validate-all OCF_RESKEY_timeout=0
is "$rc" 6 "validate-all: a timeout of 0"
ra validate-all OCF_RESKEY_timeout=90
is "$rc" 0 "validate-all: a timeout of 90"
ra validate-all OCF_RESKEY_config="$tmp/none.json"
is "$rc" 5 "validate-all: no table file: not installed"
ra monitor OCF_RESKEY_config="$tmp/none.json" OCF_RESKEY_CRM_meta_interval=0
is "$rc" 7 "probe without the table file: not running"
ra stop OCF_RESKEY_config="$tmp/none.json"
is "$rc" 0 "stop without the table file: nothing to do"
ra validate-all OCF_RESKEY_binary="$tmp/no-xenshift"
is "$rc" 5 "validate-all: no xenshift command: not installed"
ra monitor OCF_RESKEY_binary="$tmp/no-xenshift"
is "$rc" 5 "monitor without xenshift: not installed"
ra monitor OCF_RESKEY_binary="$tmp/no-xenshift" OCF_RESKEY_CRM_meta_interval=0
is "$rc" 7 "probe without xenshift: not running"
ra stop OCF_RESKEY_binary="$tmp/no-xenshift"
is "$rc" 0 "stop without xenshift: nothing to do"
ra start OCF_RESKEY_binary="$tmp/no-xenshift"
is "$rc" 5 "start without xenshift: not installed"

# --- failures ----------------------------------------------------------------

# A take-over xenshift rolls back (creating the cpupool fails).
st=$tmp/pool-fail.json
ra start "$(sim "$fixtures/fig9-pool-fail.json" "$st")"
is "$rc" 1 "start rolled back by xenshift: generic error"
reason | grep -q "phase takeover not reached: vm1: cannot create cpupool"
t $? "with xenshift's reason: $(reason)"
# The log has what failed and the verdict, not a line per undo (each
# ocf_log forks); the whole report is kept in HA_RSCTMP.
grep -q "xenshift's whole report: $tmp/xenshift-xs-test.report" "$tmp/err"
t $? "the log names the kept report"
grep -q "undo" "$tmp/xenshift-xs-test.report" &&
    grep -q "^FAILED: .*rolled back: every domain is back as it was" \
        "$tmp/xenshift-xs-test.report"
t $? "which is xenshift's whole report, undo lines and verdict"
grep -q "xenshift: FAILED: vm1: cannot create cpupool .*rolled back" "$tmp/err"
t $? "the log has the verdict"
is "$(grep -c 'xenshift: .* undo ' "$tmp/err")" 0 "and no undo line"
is "$(phase_of "$st" "$fixtures/fig9-pool-fail.json")" normal \
    "the host is back in normal"
ra monitor "$(sim "$fixtures/fig9-pool-fail.json" "$st")"
is "$rc" 7 "monitor after the roll-back: not running"
ra stop "$(sim "$fixtures/fig9-pool-fail.json" "$st")"
is "$rc" 0 "stop after it"
ra start "$(sim "$fixtures/fig9-pool-fail.json" "$st")"
is "$rc" 0 "start again (the fault fired once): ok"

# A stuck balloon: the same, through another path of the executor.
st=$tmp/stuck.json
ra start "$(sim "$fixtures/fig9-stuck-donor.json" "$st")"
is "$rc" 1 "start with a stuck donor balloon: generic error"
reason | grep -q "balloon stuck at 300 MiB"
t $? "with the reason: $(reason)"

# The way back fails: stop says so, the host stays in the phase.
sed 's/"op": "pool_create"/"op": "pool_destroy"/' \
    "$fixtures/fig9-pool-fail.json" >"$tmp/destroy-fail-host.json"
st=$tmp/destroy-fail.json
ra start "$(sim "$tmp/destroy-fail-host.json" "$st")"
is "$rc" 0 "start on a host whose cpupool cannot be destroyed"
ra stop "$(sim "$tmp/destroy-fail-host.json" "$st")"
is "$rc" 1 "stop rolled back by xenshift: generic error"
reason | grep -q "standby phase normal not reached: vm1: cannot destroy cpupool"
t $? "with xenshift's reason: $(reason)"
ra monitor "$(sim "$tmp/destroy-fail-host.json" "$st")"
is "$rc" 0 "monitor: still running (the host is still in takeover)"
ra stop "$(sim "$tmp/destroy-fail-host.json" "$st")"
is "$rc" 0 "stop again: ok"
ra monitor "$(sim "$tmp/destroy-fail-host.json" "$st")"
is "$rc" 7 "monitor: not running"

# A host in no phase of the table (vm2 at 300 MiB): monitor fails, stop
# brings it to the standby phase.
sed 's/"memory": "512M"/"memory": "300M"/' "$fixture" >"$tmp/between-host.json"
st=$tmp/between.json
ra monitor "$(sim "$tmp/between-host.json" "$st")"
is "$rc" 1 "monitor of a host between phases: generic error"
reason | grep -q "the host is in no phase of"
t $? "saying so: $(reason)"
ra monitor "$(sim "$tmp/between-host.json" "$st")" \
    OCF_RESKEY_CRM_meta_interval=0
is "$rc" 1 "probe of it: generic error too"
ra stop "$(sim "$tmp/between-host.json" "$st")"
is "$rc" 0 "stop moves it to the standby phase"
is "$(phase_of "$st" "$tmp/between-host.json")" normal "the host is in normal"
ra monitor "$(sim "$tmp/between-host.json" "$st")"
is "$rc" 7 "monitor: not running"

# A host moved out of the phase behind the agent's back.
st=$tmp/behind.json
ra start "$(sim "$fixture" "$st")"
"$bin" --sim "$fixture" --sim-state "$st" -c "$table" apply normal \
    >/dev/null 2>&1
ra monitor "$(sim "$fixture" "$st")"
is "$rc" 7 "a host moved to normal by hand: monitor says not running"

# Two phases with one allocation: the host is in both; monitor asks about
# its own phase, not the first that matches.
cat >"$tmp/twin.json" <<'END'
{
  "host": { "reserve": "256M" },
  "domains": { "vm1": { "min": "128M" }, "vm2": { "min": "128M" } },
  "phases": {
    "normal": { "vm1": { "memory": "128M" }, "vm2": { "memory": "512M" } },
    "twin":   { "vm1": { "memory": "128M" }, "vm2": { "memory": "512M" } },
    "big":    { "vm1": { "memory": "512M" }, "vm2": { "memory": "128M" } }
  }
}
END
ra monitor OCF_RESKEY_config="$tmp/twin.json" OCF_RESKEY_phase=twin \
    "$(sim "$fixture" "$tmp/twin-host.json")"
is "$rc" 0 "a host in normal is in twin too (same allocation): running"

# --- the time limit ----------------------------------------------------------

mkdir -p "$tmp/slow"
cat >"$tmp/slow/xenshift" <<'END'
#!/bin/sh
# A xenshift whose transitions never end.
for a; do
    case $a in
    phases) echo '{ "phases": [ { "name": "normal" }, { "name": "takeover" } ] }'
            exit 0 ;;
    status) echo '{ "phase": "normal" }'; exit 0 ;;
    apply) exec sleep 60 ;;
    esac
done
exit 0
END
chmod +x "$tmp/slow/xenshift"
start_s=$(date +%s)
ra start OCF_RESKEY_binary="$tmp/slow/xenshift" OCF_RESKEY_timeout=2 \
    OCF_RESKEY_xenshift_opts=
end_s=$(date +%s)
is "$rc" 1 "a transition that does not end within timeout=2: generic error"
[ $((end_s - start_s)) -lt 10 ]
t $? "after $((end_s - start_s)) s"
reason | grep -q "not reached within 2 s"
t $? "saying so: $(reason)"
ra start OCF_RESKEY_timeout= OCF_RESKEY_CRM_meta_timeout=300000
grep -q "at most 200 s" "$tmp/err"
t $? "no timeout given: 2/3 of the operation's 300 s"

# --- xenshiftd: the state from xenstore --------------------------------------

# A stand-in xenstore (a directory) and xenshift that answers as the
# daemon does, and a live process named xenshiftd.
xsd=$tmp/xenstore
mkdir -p "$tmp/stub" "$xsd/journal"
cat >"$tmp/stub/xenstore-read" <<'END'
#!/bin/sh
f=$XS_STUB/${1#/local/domain/0/xenshift/}
[ -f "$f" ] || { echo "couldn't read path $1" >&2; exit 1; }
cat "$f"
echo
END
cat >"$tmp/stub/xenshift" <<'END'
#!/bin/sh
# xenshift talking to xenshiftd, on the stand-in xenstore in $XS_STUB.
while [ $# -gt 0 ]; do
    case $1 in
    -c) shift 2 ;;
    -*) shift ;;
    *) break ;;
    esac
done
case $1 in
check) echo "config OK" ;;
phases) echo '{ "phases": [ { "name": "normal" }, { "name": "takeover" } ] }' ;;
status) echo "status -j" >>"$XS_STUB/.status-called"
        echo '{ "phase": "normal" }' ;;
apply)
    echo "$2" >>"$XS_STUB/.applied"
    if [ -f "$XS_STUB/.veto" ]; then
        printf 'failed %s: vetoed by 20-backup (exit 3): backup running' \
            "$2" >"$XS_STUB/result"
        echo "xenshift: $2: vetoed by 20-backup (exit 3): backup running" >&2
        exit 1
    fi
    printf '%s' "$2" >"$XS_STUB/phase"
    printf 'ok %s' "$2" >"$XS_STUB/result"
    echo "$2: reached $2 in 5 ms"
    ;;
esac
END
chmod +x "$tmp/stub/xenstore-read" "$tmp/stub/xenshift"
cp "$(command -v sleep)" "$tmp/stub/xenshiftd"
"$tmp/stub/xenshiftd" 300 &
dpid=$!
printf '%s' "$dpid" >"$xsd/daemon"
printf 'normal' >"$xsd/phase"
printf 'ok normal' >"$xsd/result"
d() {   # d ACTION [VAR=VALUE...]: the agent, talking to the stand-ins
    __a=$1
    shift
    ra "$__a" PATH="$tmp/stub:$PATH" XS_STUB="$xsd" \
        OCF_RESKEY_binary="$tmp/stub/xenshift" OCF_RESKEY_xenshift_opts= "$@"
}
d monitor
is "$rc" 7 "xenshiftd: monitor of a host in normal: not running"
[ ! -f "$xsd/.status-called" ]
t $? "read from xenstore, not from xenshift status"
d start
is "$rc" 0 "xenshiftd: start"
is "$(cat "$xsd/phase")" takeover "the daemon was asked for takeover"
d monitor
is "$rc" 0 "xenshiftd: monitor: running"
d stop
is "$rc" 0 "xenshiftd: stop"
is "$(cat "$xsd/phase")" normal "the daemon was asked for normal"
: >"$xsd/.veto"
d start
is "$rc" 1 "xenshiftd: a vetoed start: generic error"
reason | grep -q "vetoed by 20-backup (exit 3): backup running"
t $? "with the daemon's reason: $(reason)"
reason | grep -q "phase takeover not reached: vetoed by"
t $? "the phase named once (apply's line through the daemon begins with it)"
d monitor
is "$rc" 7 "monitor after it: not running (the host is cleanly in normal)"
grep -q "last transition failed and was rolled back: failed takeover" \
    "$tmp/err"
t $? "and the failure is logged"
rm -f "$xsd/.veto"
printf 'failed takeover: vm2: balloon stuck' >"$xsd/result"
printf 'failed' >"$xsd/journal/state"
d monitor
is "$rc" 1 "journal/state failed (a roll-back that did not complete): generic error"
reason | grep -q "roll-back did not complete"
t $? "saying so: $(reason)"
rm -f "$xsd/journal/state"
printf '' >"$xsd/phase"
d monitor
is "$rc" 1 "daemon's phase \"\" (in no phase): generic error"
printf 'normal' >"$xsd/phase"
kill "$dpid" 2>/dev/null
wait "$dpid" 2>/dev/null
d monitor
is "$rc" 7 "a daemon that is gone: the agent asks xenshift status instead"
[ -f "$xsd/.status-called" ]
t $? "(it did)"

# --- cron and systemd (examples/) --------------------------------------------

# xenshift as cron and systemd find it in PATH, on a simulated host.
mkdir -p "$tmp/cronbin"
cat >"$tmp/cronbin/xenshift" <<END
#!/bin/sh
exec "$bin" -c "$table" --sim "\$XS_FIXTURE" --sim-state "\$XS_STATE" "\$@"
END
chmod +x "$tmp/cronbin/xenshift"
cronfile=$src/examples/cron.d-xenshift
# The active lines: 5 time fields, the user, the command.
grep -v '^[[:space:]]*#' "$cronfile" | grep -v '^[[:space:]]*$' |
    grep -v '^[A-Z_]*=' >"$tmp/cron.lines"
is "$(wc -l <"$tmp/cron.lines" | tr -d ' ')" 1 "cron.d-xenshift has one active line"
when=$(awk '{ print $1, $2, $3, $4, $5 }' "$tmp/cron.lines")
is "$when" "0 8 * * 1-5" "its time is the table's \"normal\" trigger"
"$bin" -c "$table" -j phases | tr -d ' \n' |
    grep -qF "\"phase\":\"normal\",\"at\":\"$(echo "$when" | tr -d ' ')\""
t $? "(which xenshift phases -j lists)"
is "$(awk '{ print $6 }' "$tmp/cron.lines")" root "it runs as root"
cmd=$(sed 's/^\([^ ]* *\)\{6\}//' "$tmp/cron.lines")
case $cmd in *%*) t 1 "no unescaped % in the command" ;; esac
# Run the command as cron does (sh -c, cron's PATH from the file).
cronpath=$(sed -n 's/^PATH=//p' "$cronfile")
XS_FIXTURE=$fixture XS_STATE=$tmp/cron-ok.json
export XS_FIXTURE XS_STATE
"$bin" -c "$table" --sim "$fixture" --sim-state "$XS_STATE" \
    apply takeover >/dev/null 2>&1
env PATH="$tmp/cronbin:$cronpath" sh -c "$cmd" >"$tmp/cron.out" 2>&1
is "$?" 0 "the cron command applies normal: exit 0"
[ ! -s "$tmp/cron.out" ]
t $? "and prints nothing (no mail)"
is "$(phase_of "$XS_STATE")" normal "the host is in normal"
XS_FIXTURE=$tmp/destroy-fail-host.json XS_STATE=$tmp/cron-fail.json
"$bin" -c "$table" --sim "$XS_FIXTURE" --sim-state "$XS_STATE" \
    apply takeover >/dev/null 2>&1
env PATH="$tmp/cronbin:$cronpath" sh -c "$cmd" >"$tmp/cron.out" 2>&1
grep -q "^FAILED: vm1: cannot destroy cpupool" "$tmp/cron.out"
t $? "when normal is not reached it prints the report, with the reason (a mail)"
unset XS_FIXTURE XS_STATE

svc=$src/examples/xenshift-phase@.service
tmr=$src/examples/xenshift-phase@.timer
exe=$(sed -n 's/^ExecStart=//p' "$svc")
is "$exe" "/usr/sbin/xenshift apply %I --wait" "the service runs xenshift apply %I --wait"
XS_FIXTURE=$fixture XS_STATE=$tmp/unit.json
export XS_FIXTURE XS_STATE
env PATH="$tmp/cronbin:$PATH" sh -c \
    "$(echo "$exe" | sed 's|^/usr/sbin/xenshift|xenshift|; s|%I|takeover|')" \
    >/dev/null 2>&1
is "$?" 0 "its command for xenshift-phase@takeover: exit 0"
is "$(phase_of "$XS_STATE")" takeover "the host is in takeover"
unset XS_FIXTURE XS_STATE
grep -q '^Unit=xenshift-phase@%i.service$' "$tmr"
t $? "the timer starts xenshift-phase@%i.service"
if command -v systemd-analyze >/dev/null 2>&1; then
    mkdir -p "$tmp/units"
    sed "s|/usr/sbin/xenshift|$bin|" "$svc" \
        >"$tmp/units/xenshift-phase@normal.service"
    cp "$tmr" "$tmp/units/xenshift-phase@normal.timer"
    systemd-analyze verify --man=no \
        "$tmp/units/xenshift-phase@normal.service" \
        "$tmp/units/xenshift-phase@normal.timer" >"$tmp/verify.out" 2>&1
    x=$?
    t $x "systemd-analyze verify: xenshift-phase@normal.service and .timer"
    [ $x = 0 ] || diag "$tmp/verify.out"
    cal=$(sed -n 's/^OnCalendar=//p' "$tmr")
    systemd-analyze calendar "$cal" >/dev/null 2>&1
    t $? "the timer's OnCalendar=$cal parses"
else
    skip "systemd-analyze not installed"
    skip "systemd-analyze not installed"
fi

# --- the rest of the interface -----------------------------------------------

ra usage
is "$rc" 0 "usage exits 0"
ra help
is "$rc" 0 "help exits 0"
ra promote
is "$rc" 3 "an action it does not have (promote): unimplemented"
ra reload
is "$rc" 3 "reload: unimplemented"
env -i PATH="$PATH" "$sh" "$agent" >/dev/null 2>&1
is "$?" 2 "no action: usage error"

echo "1..$n"
