#!/bin/sh
# xenshiftd-supervise.sh - run xenshiftd in this dom0 as the package's
# systemd unit does (debian/xenshift.xenshiftd.service), for a dom0
# without systemd: ExecStartPre "xenshiftd -n" (the table checked
# against the host), ExecStart "xenshiftd -F", and Restart=on-failure:
# started again RestartSec (systemd's default, 100 ms) after it exits
# with a status other than 0 or dies of a signal other than SIGHUP,
# SIGINT, SIGTERM, SIGPIPE (systemd's clean signals), unless it started
# more than 5 times in 10 s (systemd's default start limit).
#
# Logs, each line with the time in ms since the epoch first:
#   /var/log/xenshiftd-supervise.log  "MS start PID", "MS exit PID STATUS",
#                                     "MS check failed STATUS", "MS ..."
#   /var/log/xenshiftd.log            xenshiftd's own log (standard error
#                                     with -F), as the journal would keep it
# Started detached (setsid) by xenshift-setup.sh; its own pid is in
# /run/xenshiftd-supervise.pid.  (XS_SUPERVISE_LOG and XS_SUPERVISE_RUN
# move /var/log and /run, to try it elsewhere.)
PATH=$PATH:/usr/sbin:/sbin
export PATH
slog=${XS_SUPERVISE_LOG:-/var/log}/xenshiftd-supervise.log
dlog=${XS_SUPERVISE_LOG:-/var/log}/xenshiftd.log
run=${XS_SUPERVISE_RUN:-/run}
fifo=$run/xenshiftd.stderr
echo $$ > "$run/xenshiftd-supervise.pid"
ms() { date +%s%3N; }
# stamp: each line of standard input, with the time, appended to $dlog
stamp() {
    while IFS= read -r line; do
        printf '%s %s\n' "$(ms)" "$line"
    done >> "$dlog"
}
starts=
while :; do
    # the start limit: the times of the last starts within 10 s
    now=$(ms)
    recent=
    for t in $starts; do
        [ $((now - t)) -lt 10000 ] && recent="$recent $t"
    done
    starts="$recent $now"
    # shellcheck disable=SC2086  # split on purpose
    set -- $starts
    if [ $# -gt 5 ]; then
        echo "$(ms) start limit hit (more than 5 starts in 10 s): not started again" >> "$slog"
        exit 1
    fi
    xenshiftd -n > "$run/xenshiftd-check.out" 2>&1
    rc=$?
    stamp < "$run/xenshiftd-check.out"
    if [ $rc -ne 0 ]; then
        echo "$(ms) check failed $rc (xenshiftd -n)" >> "$slog"
    else
        rm -f "$fifo"
        mkfifo "$fifo"
        stamp < "$fifo" &
        stamper=$!
        xenshiftd -F > "$fifo" 2>&1 &
        pid=$!
        echo "$(ms) start $pid" >> "$slog"
        wait $pid
        rc=$?
        # 128 + N: killed by signal N (the shell's way of saying it)
        if [ $rc -gt 128 ]; then
            echo "$(ms) exit $pid signal $((rc - 128)) ($(kill -l $((rc - 128)) 2>/dev/null))" >> "$slog"
        else
            echo "$(ms) exit $pid status $rc" >> "$slog"
        fi
        wait $stamper
        case $rc in
        0 | 129 | 130 | 141 | 143)
            echo "$(ms) clean end: not restarted (Restart=on-failure)" >> "$slog"
            exit 0
            ;;
        esac
    fi
    sleep 0.1
done
