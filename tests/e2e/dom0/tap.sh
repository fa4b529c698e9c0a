# tap.sh - TAP for scenarios in dom0.  Every line carries the XS-TAP:
# marker so kernel and Xen messages on the console cannot be mistaken
# for results.  The test counter lives in a file: scenarios are separate
# processes.
XS_TAP_COUNTER=${XS_TAP_COUNTER:-/tmp/xs-tap.count}
[ -f "$XS_TAP_COUNTER" ] || echo 0 > "$XS_TAP_COUNTER"

tap_next() {
    n=$(($(cat "$XS_TAP_COUNTER") + 1))
    echo "$n" > "$XS_TAP_COUNTER"
    echo "$n"
}
tap_ok()   { echo "XS-TAP: ok $(tap_next) - $*"; }
tap_fail() { echo "XS-TAP: not ok $(tap_next) - $*"; }
tap_diag() { echo "XS-TAP: # $*"; }
# tap_check DESC CMD...: ok when CMD exits 0
tap_check() {
    d=$1
    shift
    if "$@"; then tap_ok "$d"; else tap_fail "$d (exit $?: $*)"; return 1; fi
}
# tap_is DESC GOT WANT
tap_is() {
    if [ "$2" = "$3" ]; then tap_ok "$1"; else tap_fail "$1: got '$2', want '$3'"; return 1; fi
}
tap_plan() { echo "XS-TAP: 1..$(cat "$XS_TAP_COUNTER")"; }

# --- what xl itself says ---------------------------------------------------
# xl under a time limit, tried up to three times.  Under emulation,
# "xl vcpu-list NAME" (the form that looks the name up) failed or spun
# at 100% CPU now and then right after the take-over, while the plain
# "xl vcpu-list" never did: the helpers below use the plain forms and
# filter by name.  Every retry is printed, so a flake stays visible.
xlq() {
    for try in 1 2 3; do
        out=$(timeout 20 xl "$@" 2>/dev/null) && [ -n "$out" ] && {
            printf '%s\n' "$out"
            return 0
        }
        tap_diag "xl $* failed or hung (try $try)" >&2
        sleep 1
    done
    return 1
}
# Memory of a domain in MiB, from "xl list".
xl_mem() { xlq list | awk -v d="$1" '$1 == d { print $3 }'; }
# The cpupool a domain is in, from "xl list -c".
xl_pool() { xlq list -c | awk -v d="$1" '$1 == d { print $NF }'; }
# pCPUs of a cpupool, from "xl cpupool-list -c".
xl_pool_cpus() { xlq cpupool-list -c | awk -v p="$1" '$1 == p { print $2 }'; }
# Hard affinity of every vCPU of a domain, from "xl vcpu-list" (unique).
xl_affinity() {
    xlq vcpu-list |
        awk -v d="$1" '$1 == d && $3 ~ /^[0-9]+$/ { print $7 }' | sort -u |
        tr '\n' ' ' | sed 's/ $//'
}
# pCPUs a domain's vCPUs are on now, from "xl vcpu-list".
xl_running_on() {
    xlq vcpu-list |
        awk -v d="$1" '$1 == d && $4 ~ /^[0-9]+$/ { print $4 }' | sort -u |
        tr '\n' ' ' | sed 's/ $//'
}
# near A B TOL: |A - B| <= TOL
near() { [ -n "$1" ] && [ $(( $1 > $2 ? $1 - $2 : $2 - $1 )) -le "$3" ]; }
# wait_mem DOM MIB SECONDS: until xl list shows it (within 1 MiB)
wait_mem() {
    i=0
    while [ $i -lt $(($3 * 2)) ]; do
        near "$(xl_mem "$1")" "$2" 1 && return 0
        sleep 0.5
        i=$((i + 1))
    done
    return 1
}
# ms since the epoch
now_ms() { date +%s%3N; }
# tap_show CMD...: a command's output as TAP comments (for diagnosis)
tap_show() { "$@" 2>&1 | sed 's/^/XS-TAP: #   | /'; }
# xs_apply TABLE PHASE [OPTION...]: "xenshift apply" with its output
# shown as TAP comments and kept in /tmp/apply.out; sets XS_RC (exit)
# and XS_MS.
xs_apply() {
    t0=$(now_ms)
    xs_table=$1 xs_phase=$2
    shift 2
    # where the time went (stderr, "xenshift: times: ..."), in every log;
    # XS_HV_TIMES=trace: every call in order too
    XENSHIFT_HV_TIMES=${XS_HV_TIMES:-1} "$XENSHIFT" -c "$xs_table" apply "$@" "$xs_phase" \
        > /tmp/apply.out 2>&1
    XS_RC=$?
    XS_MS=$(( $(now_ms) - t0 ))
    sed 's/^/XS-TAP: #   /' /tmp/apply.out
}
# tap_packaged FILE...: each FILE is the installed xenshift package's
# (dpkg -S names it) and as the package shipped it (dpkg --verify), the
# package at the payload's version (runner.sh installed it): a scenario
# that ran anything else would fail here.
tap_packaged() {
    tap_is "dpkg -s xenshift: installed, version $XENSHIFT_DEB_VERSION" \
        "$(dpkg-query -W -f '${Status} ${Version}' xenshift 2>&1)" \
        "install ok installed $XENSHIFT_DEB_VERSION"
    for f in "$@"; do
        tap_is "dpkg -S $f: package xenshift's" "$(dpkg -S "$f" 2>&1)" "xenshift: $f"
        tap_is "$f as shipped (dpkg --verify)" \
            "$(dpkg --verify xenshift 2>&1 | grep -F " $f")" ""
    done
}
# pkg_file SUFFIX: the installed package's file whose path ends so (the
# systemd unit is under /lib or /usr/lib, as the release's debhelper
# puts it)
pkg_file() { dpkg -L xenshift | grep -m 1 -e "$1\$"; }
# xl_phase: the Fig. 9 phase the host is in, as xl shows it (memory of
# vm1 and vm2, vm1's cpupool), or "between (...)".
xl_phase() {
    m1=$(xl_mem vm1); m2=$(xl_mem vm2); p1=$(xl_pool vm1)
    if near "$m1" 128 1 && near "$m2" 512 1 && [ "$p1" = Pool-0 ]; then
        echo normal
    elif near "$m1" 512 1 && near "$m2" 128 1 && [ "$p1" = xenshift-vm1 ]; then
        echo takeover
    else
        echo "between (vm1 $m1 MiB in $p1, vm2 $m2 MiB)"
    fi
}
# xl's view of where a domain's memory lies: pages of domain $1 on node
# $2 in the last NUMA dump of xl dmesg (debug key 'u': "(XEN) Domain 2
# (total: N):", "(XEN) d2 (total: N):" from Xen 4.18, then "(XEN)     Node
# 0: P").  xl_dump_numa asks for one.
xl_dump_numa() { xl debug-keys u; sleep 1; }
xl_node_pages() {
    xl dmesg | awk -v d="$1" -v n="$2" '
        /dumping numa info/ { cur = ""; pages = "" }
        $2 == "Domain" && $4 == "(total:" { cur = $3 }
        $2 ~ /^d[0-9]+$/ && $3 == "(total:" { cur = substr($2, 2) }
        cur == d && $2 == "Node" && $3 == n ":" { pages = $4 }
        END { print pages }'
}
# Percent of domain $1's pages on node $2 in the last dump.
xl_node_pct() {
    id=$(xl domid "$1")
    a=$(xl_node_pages "$id" 0); b=$(xl_node_pages "$id" 1)
    [ -n "$a" ] && [ -n "$b" ] && [ $((a + b)) -gt 0 ] || { echo 0; return; }
    if [ "$2" = 0 ]; then echo $((a * 100 / (a + b))); else echo $((b * 100 / (a + b))); fi
}
# check_node_memory JSON DOMAIN: xenshift's per-node memory of DOMAIN in
# JSON (written by `xenshift -v status -j`) against xl's last NUMA dump,
# node by node, within 1 MiB (a tap_check each).
check_node_memory() {
    _id=$(xl domid "$2")
    for _node in 0 1; do
        _xl=$(( $(xl_node_pages "$_id" $_node) * 4 ))
        _xs=$(tr -d ' \n' < "$1" |
              sed -n "s/.*\"name\":\"$2\"[^}]*\"node_memory_kib\":\[\([0-9,]*\)\].*/\1/p" |
              cut -d, -f$((_node + 1)))
        tap_check "$2's memory on node $_node: xenshift ${_xs:-?} KiB, xl's dump $_xl KiB" \
            near "${_xs:-0}" "$_xl" 1024
    done
}
# guest_cfg NAME TYPE MEMORY MAXMEM ARGS [LINE...]: /etc/xen/NAME.cfg for
# a guest of the bed: its kernel and initrd, console on hvc0 (ARGS added
# to the command line), one vCPU, each LINE added as it is.  A PVH guest
# reads its TSC natively (tsc_mode "native"): QEMU offers no invariant
# TSC, so Xen would intercept and emulate every rdtsc, and each exit is
# a chance for the emulator's SVM faults (docs/xen-backend.md); a PVH
# guest's boot took 17-18 s to its hello that way, 9-10 s natively.  A guest
# that dies stays there to be looked at: Xen turns a triple fault into a
# reboot, and xl's default would bring the guest back under a new domid,
# hiding the fault from every check by name.
guest_cfg() {
    {
        echo "name = \"$1\""
        echo "type = \"$2\""
        echo 'kernel = "/root/guest/vmlinuz"'
        echo 'ramdisk = "/root/guest/initrd.gz"'
        echo "extra = \"console=hvc0 loglevel=4${5:+ $5}\""
        echo "memory = $3"
        echo "maxmem = $4"
        echo 'vcpus = 1'
        echo 'on_crash = "preserve"'
        echo 'on_reboot = "preserve"'
        [ "$2" = pvh ] && echo 'tsc_mode = "native"'
        shift 5
        for line in "$@"; do
            echo "$line"
        done
    } > "/etc/xen/$1.cfg"
}
# xl_down NAME: true when NAME no longer runs: gone, shut down (a triple
# fault is a reboot, kept by on_reboot = "preserve") or crashed.  An xl
# that does not answer says nothing either way: not down.
xl_down() {
    out=$(xlq list) || return 1
    printf '%s\n' "$out" |
        awk -v d="$1" '$1 == d { s = $5 } END { exit !(s == "" || s ~ /[sc]/) }'
}
# wait_console NAME PATTERN LIMIT: wait up to LIMIT s for PATTERN on
# NAME's console; "waited" says how long.  Gives up as soon as the guest
# is seen dead (no point waiting minutes for it), saying how it died.
wait_console() {
    waited=0
    while ! grep -q "$2" "/var/log/xen/console/guest-$1.log" 2>/dev/null; do
        [ $waited -ge "$3" ] && return 1
        if [ $((waited % 5)) = 4 ] && xl_down "$1"; then
            tap_diag "$1 died before '$2' (xl list: $(xlq list | awk -v d="$1" '$1 == d { print $5 }'))"
            tap_show sh -c "xl dmesg | grep -A4 'Triple fault' | tail -n 5"
            return 1
        fi
        sleep 1
        waited=$((waited + 1))
    done
}
wait_hello() { wait_console "$1" XS-GUEST-HELLO "$2"; }
# create_guest NAME: xl create /etc/xen/NAME.cfg, bounded (it has been
# seen to hang once under emulation); on failure what Xen and xl say is
# shown.  1 when it failed.
create_guest() {
    t=$(now_ms)
    if timeout 180 xl create /etc/xen/$1.cfg >/tmp/create-$1.log 2>&1; then
        tap_diag "xl create $1: $(( $(now_ms) - t )) ms"
        return 0
    fi
    tap_diag "xl create $1 failed or hung:"
    tap_show cat /tmp/create-$1.log
    tap_show tail -n 20 /var/log/xen/xl-$1.log
    tap_show xl list
    tap_show sh -c "xl dmesg | tail -n 20"
    xl destroy $1 >/dev/null 2>&1
    return 1
}
# boot_guest NAME PATTERN LIMIT: create a PVH guest of the bed and wait
# up to LIMIT s for PATTERN on its console; 1 when it never got there.
# A PVH guest can die while its kernel boots, before anything is done
# to it: under QEMU's SVM emulation, right after an instruction Xen
# intercepted (docs/xen-backend.md; the kernel's PIT calibration loop
# alone is about 100,000 such exits).  That is the bed, not a check:
# the death is printed with the RIP Xen saved, counted (boot_deaths),
# and the guest is built again, at most twice.  A guest that dies after
# PATTERN is never rebuilt: the checks see it.
boot_guest() {
    for try in 1 2 3; do
        rm -f "/var/log/xen/console/guest-$1.log"
        create_guest $1 || create_guest $1 || return 1
        wait_console $1 "$2" "$3" && return 0
        xl_down $1 || return 1
        echo "$1" >> /tmp/bed-boot-deaths
        tap_diag "$1 died while booting (try $try); Xen saved:"
        tap_show sh -c "xl dmesg | grep -A6 'd$(xl domid $1 2>/dev/null)v[0-9]* Triple fault' | grep 'Triple\\|RIP'"
        xl destroy $1 >/dev/null 2>&1
    done
    return 1
}
# How many guests of the bed died while booting, in this boot.
boot_deaths() { cat /tmp/bed-boot-deaths 2>/dev/null | wc -l; }
# The last XS-GUEST-TICK number a guest printed on its console.
guest_tick() {
    sed -n 's/.*XS-GUEST-TICK \([0-9]*\).*/\1/p' "/var/log/xen/console/guest-$1.log" | tail -n 1
}
