# lib.sh - the cluster bed's host side (sourced by tests/cluster/run.sh):
# boot a Xen host in QEMU, talk to its dom0 over its control port, kill
# it.  Each host NAME has its files in $work/NAME.* and its serial log
# in $logdir/NAME.log.
#
# Needs: image (the cluster image's directory), work, logdir, qemu,
# accel, cpu, timeout, and per host the variables set by host_define.

# TAP on the host side.
tap_n=0
tap_failed=0
ok()   { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
nok()  { tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1)); echo "not ok $tap_n - $*"; }
diag() { sed 's/^/# /'; }
is() {   # is GOT WANT DESC
    if [ "$1" = "$2" ]; then ok "$3"; else nok "$3: got '$1', want '$2'"; return 1; fi
}
now_ms() { date +%s%3N; }

# free_port tcp|udp: a port of 127.0.0.1 nothing listens on now.
free_port() {
    local p flag=-Hlnt
    [ "$1" = udp ] && flag=-Hlnu
    while :; do
        p=$((20000 + RANDOM % 40000))
        [ -z "$(ss $flag "sport = :$p" 2>/dev/null)" ] && { echo $p; return; }
    done
}

# host_define NAME IP MAC: a host's address on the cluster network and
# its ports on the loopback (UDP for the cluster NIC, TCP for the
# control port).
declare -A H_IP H_MAC H_NET H_CTL H_PID H_FD H_OVL H_PAYLOAD H_BOOTS
host_define() {
    H_IP[$1]=$2
    H_MAC[$1]=$3
    H_NET[$1]=$(free_port udp)
    H_CTL[$1]=$(free_port tcp)
}

# host_disk NAME: the host's root disk, a qcow2 overlay on the cached
# image (its writes stay in the overlay and survive a restart of the
# host, as a real host's disk would), and its payload disk from
# $work/NAME.payload.
host_disk() {
    H_OVL[$1]=$work/$1.qcow2
    qemu-img create -q -f qcow2 -F raw -b "$image/rootfs.ext4" "${H_OVL[$1]}" ||
        return 1
    H_PAYLOAD[$1]=$work/$1.payload.ext4
    rm -f "${H_PAYLOAD[$1]}"
    mke2fs -q -t ext4 -L payload -d "$work/$1.payload" "${H_PAYLOAD[$1]}" 32M >/dev/null 2>&1
}

# host_boot NAME PEER: start the host's QEMU in the background (H_PID is
# QEMU's own pid: killing it kills the host; run.sh bounds every wait).  The
# cluster NIC sends its frames to PEER's UDP port and receives on its
# own, both on 127.0.0.1 (connectionless: either side can die and come
# back).  The SBD disk ($work/sbd.img, raw) is opened by both QEMUs,
# writable and shared (share-rw=on), uncached on the host (cache=none,
# O_DIRECT) so each side reads the other's writes from the file.  The
# cached image's root filesystem, read-only (serial "guestroot"), is the
# disk the host gives its service guest.
host_boot() {
    local n=$1 peer=$2
    # a host booted again keeps its earlier boots' consoles
    H_BOOTS[$n]=$(( ${H_BOOTS[$n]:-0} + 1 ))
    [ -f "$logdir/$n.log" ] && mv "$logdir/$n.log" "$logdir/$n.boot$(( H_BOOTS[$n] - 1 )).log"
    "$qemu" \
        -name "xenshift-cluster-$n" \
        -accel "$accel" -cpu "$cpu" -m "$host_mem" -smp "$host_cpus" \
        -nographic -no-reboot \
        -kernel "$image/xen" \
        -append "console=com1 com1=115200,8n1 dom0_mem=${dom0_mem}M,max:${dom0_mem}M loglvl=all guest_loglvl=all sched=credit" \
        -initrd "$image/vmlinuz console=hvc0 earlyprintk=xen root=/dev/vda rw loglevel=4,$image/initrd.gz" \
        -drive file="${H_OVL[$n]}",format=qcow2,if=none,id=root,cache=unsafe \
        -device virtio-blk-pci,drive=root,addr=0x5 \
        -drive file="${H_PAYLOAD[$n]}",format=raw,if=none,id=payload,cache=unsafe,snapshot=on \
        -device virtio-blk-pci,drive=payload,addr=0x6 \
        -drive file="$work/sbd.img",format=raw,if=none,id=sbd,cache=none,aio=threads \
        -device virtio-blk-pci,drive=sbd,share-rw=on,addr=0x7 \
        -netdev socket,id=cl,udp=127.0.0.1:${H_NET[$peer]},localaddr=127.0.0.1:${H_NET[$n]} \
        -device virtio-net-pci,netdev=cl,mac=${H_MAC[$n]},addr=0x8 \
        -device virtio-serial-pci,addr=0x9 \
        -drive file="$image/rootfs.ext4",format=raw,if=none,id=groot,readonly=on \
        -device virtio-blk-pci,drive=groot,serial=guestroot,addr=0xa \
        -chardev socket,id=ctl,host=127.0.0.1,port=${H_CTL[$n]},server=on,wait=off \
        -device virtserialport,chardev=ctl,name=xenshift.ctl \
        </dev/null >"$logdir/$n.log" 2>&1 &
    H_PID[$n]=$!
    H_FD[$n]=
}

# wait_serial NAME PATTERN SECONDS: until PATTERN is on the host's
# serial console; 1 when the time is up or QEMU is gone.
wait_serial() {
    local end=$((SECONDS + $3))
    while ! grep -q "$2" "$logdir/$1.log" 2>/dev/null; do
        kill -0 "${H_PID[$1]}" 2>/dev/null || return 1
        [ $SECONDS -ge $end ] && return 1
        sleep 1
    done
}

# ctl_open NAME: connect to the host's control port (once).
ctl_open() {
    local fd
    exec {fd}<>"/dev/tcp/127.0.0.1/${H_CTL[$1]}" || return 1
    H_FD[$1]=$fd
}

# on NAME [-t SECONDS] CMD: run CMD (a shell command line) in NAME's
# dom0; prints its output and returns its exit status (124 when no
# answer came within SECONDS, default 120; 125 when the host is gone).
on() {
    local n=$1 limit=120 id line rc=124 end
    shift
    [ "$1" = -t ] && { limit=$2; shift 2; }
    [ -n "${H_FD[$n]}" ] || ctl_open "$n" || return 125
    id=$RANDOM$RANDOM
    printf '%s %s\n' "$id" "$(printf '%s' "$*" | base64 -w0)" >&"${H_FD[$n]}" 2>/dev/null ||
        return 125
    end=$((SECONDS + limit))
    while [ $SECONDS -lt $end ]; do
        if IFS= read -r -t 5 line <&"${H_FD[$n]}"; then
            case $line in
            "XS-CTL-END $id "*) rc=${line##* }; break ;;
            *) printf '%s\n' "$line" ;;
            esac
        elif [ $? -le 128 ]; then
            return 125   # end of file: QEMU is gone
        fi
    done
    return "$rc"
}

# host_stop NAME: end the control loop (dom0-init then reboots the host,
# which ends QEMU); killed after 60 s.
host_stop() {
    local n=$1 i
    kill -0 "${H_PID[$n]}" 2>/dev/null || return 0
    on "$1" -t 20 exit >/dev/null
    for i in $(seq 60); do
        kill -0 "${H_PID[$n]}" 2>/dev/null || break
        sleep 1
    done
    host_kill "$n"
}

# host_kill NAME: the host dies now (its QEMU is killed, SIGKILL).
host_kill() {
    local n=$1 fd=${H_FD[$1]}
    if [ -n "$fd" ]; then
        exec {fd}>&-
        H_FD[$n]=
    fi
    kill -KILL "${H_PID[$n]}" 2>/dev/null
    wait "${H_PID[$n]}" 2>/dev/null
    tr -d '\r' < "$logdir/$n.log" > "$logdir/$n.log.tmp" && mv "$logdir/$n.log.tmp" "$logdir/$n.log"
    return 0
}

# rss_mib NAME: the resident memory of the host's QEMU, MiB.
rss_mib() { echo $(( $(ps -o rss= -p "${H_PID[$1]}" 2>/dev/null || echo 0) / 1024 )); }

# alive NAME: the host's QEMU runs.
alive() { kill -0 "${H_PID[$1]}" 2>/dev/null; }

# wait_online NAME NODES SECONDS: until crm_mon -1 on NAME lists exactly
# NODES (space-separated) online; prints the last list seen.
wait_online() {
    local end=$((SECONDS + $3)) online=
    while :; do
        online=$(on "$1" -t 30 "crm_mon -1 2>/dev/null | sed -n 's/^ *\\* Online: \\[ \\(.*\\) \\]/\\1/p'")
        [ "$online" = "$2" ] && break
        [ $SECONDS -ge $end ] && break
        sleep 2
    done
    echo "$online"
    [ "$online" = "$2" ]
}

# save_logs NAME TAG: the cluster daemons' logs of NAME's dom0, kept in
# $logdir/NAME.TAG.{corosync,pacemaker}.log.
save_logs() {
    on "$1" -t 30 "cat /var/log/corosync/corosync.log" > "$logdir/$1.$2.corosync.log" 2>&1
    on "$1" -t 30 "cat /var/log/pacemaker/pacemaker.log" > "$logdir/$1.$2.pacemaker.log" 2>&1
}

# xl_state NAME: what xl on NAME shows of a phase's resources, sorted,
# one line per domain (memory in MiB, vCPUs, cpupool, each vCPU's hard
# and soft affinity) and one line of cpupools with their pCPUs.
xl_state() {
    on "$1" -t 60 "xl list -c; echo ==; xl vcpu-list; echo ==; xl cpupool-list -c" | awk '
        /^==$/ { part++; next }
        $1 == "Name" { next }
        part == 0 && NF == 7 { d[$1] = 1; mem[$1] = $3; vc[$1] = $4; pool[$1] = $7 }
        part == 1 && NF >= 8 { pin[$1] = pin[$1] " " $3 ":" $(NF - 2) "/" $NF }
        part == 2 && NF >= 2 { pools = pools " " $1 "=" $2 }
        END {
            for (n in d)
                print n, "mem=" mem[n], "vcpus=" vc[n], "pool=" pool[n], "pins=" pin[n]
            print "~cpupools" pools
        }' | sort
}

# same_state WANT GOT: two xl_state outputs are the same, but for a
# domain's memory within 1 MiB (xl rounds the pages a balloon reached).
same_state() {
    W=$1 G=$2 awk 'BEGIN {
        nw = split(ENVIRON["W"], a, "\n"); ng = split(ENVIRON["G"], b, "\n")
        if (nw != ng || nw < 2) exit 1
        for (i = 1; i <= nw; i++) {
            if (a[i] == b[i]) continue
            x = a[i]; y = b[i]
            if (!match(x, / mem=[0-9]+/)) exit 1
            mx = substr(x, RSTART + 5, RLENGTH - 5); sub(/ mem=[0-9]+/, "", x)
            if (!match(y, / mem=[0-9]+/)) exit 1
            my = substr(y, RSTART + 5, RLENGTH - 5); sub(/ mem=[0-9]+/, "", y)
            if (x != y || mx - my > 1 || my - mx > 1) exit 1
        }
    }'
}

# daemon_logs NAME TAG: xenshiftd's log and its supervisor's of NAME's
# dom0 (tests/cluster/dom0/xenshiftd-supervise.sh: each line begins with
# the time in ms since the epoch), kept in
# $logdir/NAME.TAG.xenshiftd{,-supervise}.log.
daemon_logs() {
    on "$1" -t 30 "cat /var/log/xenshiftd.log" > "$logdir/$1.$2.xenshiftd.log" 2>&1
    on "$1" -t 30 "cat /var/log/xenshiftd-supervise.log" > "$logdir/$1.$2.xenshiftd-supervise.log" 2>&1
}

# daemon_runs NAME: the pid xenstore names as NAME's xenshiftd, when
# that process is a live xenshiftd (else nothing, and 1).
daemon_runs() {
    on "$1" -t 30 'p=$(xenstore-read /local/domain/0/xenshift/daemon 2>/dev/null) &&
        [ "$(cat /proc/$p/comm 2>/dev/null)" = xenshiftd ] && echo $p'
}
