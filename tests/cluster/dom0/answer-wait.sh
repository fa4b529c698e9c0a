#!/bin/sh
# answer-wait.sh ADDR PORT WANT FILE - the service's client, in a dom0:
# ask the service at ADDR:PORT (it answers with its host's name) every
# second until the answer is WANT, then write the time (ms since
# the epoch, this host's clock) into FILE.  Started in the background
# before a take-over: FILE says when the service answered from the new
# host.
while :; do
    # -T 3: a connection made to the host that then died would wait
    # for its answer for ever
    got=$(socat -T 3 -u "TCP:$1:$2,connect-timeout=1" - 2>/dev/null)
    [ "$got" = "$3" ] && break
    sleep 1
done
date +%s%3N > "$4"
