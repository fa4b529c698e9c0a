# The installed package purged on real Xen, after its daemon died:
# dpkg --purge leaves none of its files, nor what it
# made at run time (the transition lock and its folder, the daemon's
# pid file, its nodes in xenstore).  Last: the package is gone after it.
. /payload/dom0/tap.sh
D=/usr/sbin/xenshiftd
R=/local/domain/0/xenshift
tap_packaged "$XENSHIFT" "$D"

# What a host that used it has, left as a daemon that died leaves it
# (SIGKILL): the transition lock the daemon held, its pid file, its
# nodes in xenstore.
"$D" -F -c "$XENSHIFT_TABLE" > /tmp/xenshiftd-purge.log 2>&1 &
DPID=$!
i=0
while [ $i -lt 200 ] && [ "$(xenstore-read $R/daemon 2>/dev/null)" != "$DPID" ]; do
    sleep 0.1; i=$((i + 1))
done
tap_is "the daemon published the phase" "$(xenstore-read $R/phase 2>/dev/null)" normal
kill -KILL $DPID; wait $DPID 2>/dev/null
tap_check "it left /run/xenshift/transition.lock" [ -e /run/xenshift/transition.lock ]
tap_check "and /run/xenshiftd.pid" [ -e /run/xenshiftd.pid ]
tap_check "and $R in xenstore" xenstore-exists $R

dpkg -L xenshift | sort -r > /tmp/pkg-files
tap_check "the package has files ($(wc -l < /tmp/pkg-files))" [ -s /tmp/pkg-files ]
dpkg --purge xenshift > /tmp/purge.out 2>&1
rc=$?
sed 's/^/XS-TAP: #   /' /tmp/purge.out
tap_is "dpkg --purge xenshift exits 0" "$rc" 0
tap_check "dpkg -s: not installed" sh -c '! dpkg -s xenshift > /dev/null 2>&1'
# What is left of its list is another package's too (/usr/sbin,
# /usr/share/man/man1, ...: dpkg -S names the owner) or a leftover.
left=$(while read -r f; do
           [ "$f" = /. ] && continue
           [ -e "$f" ] || [ -L "$f" ] || continue
           dpkg -S "$f" > /dev/null 2>&1 || echo "$f"
       done < /tmp/pkg-files)
tap_is "none of its files or own folders are left" "$left" ""
tap_check "no command xenshift on the PATH" sh -c '! command -v xenshift'
tap_check "/run/xenshift is gone" [ ! -e /run/xenshift ]
tap_check "/run/xenshiftd.pid is gone" [ ! -e /run/xenshiftd.pid ]
tap_check "$R is gone from xenstore" sh -c "! xenstore-exists $R"
