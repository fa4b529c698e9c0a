#!/bin/sh
# ctl.sh DEV - the host side's commands, one at a time, from the control
# port DEV: each line is "ID BASE64" (a shell command, base64 so that any
# text passes); the command's output and stderr come back, then
# "XS-CTL-END ID RC".  Output goes through a file, so a daemon a command
# starts cannot hold the answer open.  "exit" as the command ends the
# loop (and dom0-init reboots the host).
exec 3<>"$1"
while :; do
    if ! IFS=' ' read -r id b64 <&3; then
        # the host side is not connected: nothing to read yet
        sleep 0.2
        continue
    fi
    [ -n "$id" ] || continue
    cmd=$(printf '%s\n' "$b64" | base64 -d 2>/dev/null)
    if [ "$cmd" = exit ]; then
        echo "XS-CTL-END $id 0" >&3
        break
    fi
    sh -c "$cmd" </dev/null >/run/ctl/out 2>&1
    rc=$?
    # every line of output ends in a newline, so the marker is a line
    sed -e '$a\' /run/ctl/out >&3
    echo "XS-CTL-END $id $rc" >&3
done
exec 3>&-
