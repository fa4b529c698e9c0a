# The man page's EXAMPLE table, taken from xenshift.json(5) as the
# package installed it (tests/sim/reached.sh reads the same table from
# docs/), on the bed: apply says it reached takeover, and status, the
# daemon's predicate and xl agree; a second apply runs no step; back to
# normal.  vm1 is a PV guest on stock Xen: its node goal is met only as
# far as balloon cycles get it, and the goal is soft (the phase is
# reached with a shortfall reported, never "reached" then denied by
# status).
. /payload/dom0/tap.sh
man5=$(pkg_file /man5/xenshift.json.5.gz)
tap_packaged "$XENSHIFT" "$man5"
ex=/tmp/man-example.json
zcat "$man5" | sed -n '/^\.SH EXAMPLE$/,/^\.SH FILES/p' |
    sed -n '/^{/,/^}/p' | sed 's/\\-/-/g' > "$ex"
tap_check "the EXAMPLE read from the installed xenshift.json(5) is a table" \
    grep -q '^  "phases": {' "$ex"
tap_is "the host starts in normal (xl)" "$(xl_phase)" normal

xs_apply "$ex" takeover
tap_is "apply takeover (the man page's EXAMPLE) exits 0" "$XS_RC" 0
tap_check "apply says it reached phase takeover" \
    grep -q "^reached phase takeover" /tmp/apply.out
tap_is "xl shows the host in takeover" "$(xl_phase)" takeover
tap_is "vm1 has 1 vCPU online (xl vcpu-list)" \
    "$(xlq vcpu-list vm1 | awk 'NR > 1 && $4 != "-" { n++ } END { print n + 0 }')" 1
"$XENSHIFT" -c "$ex" status -j > /tmp/status.json 2>&1
tap_is "status -j agrees: phase takeover" \
    "$(sed -n 's/^  "phase": "\(.*\)".*/\1/p' /tmp/status.json)" takeover
"$XENSHIFT" -c "$ex" status > /tmp/status.out 2>&1
sed 's/^/XS-TAP: #   /' /tmp/status.out
tap_check "status (text) says phase takeover" grep -q "^phase: *takeover" /tmp/status.out

m1=$(xl_mem vm1); m2=$(xl_mem vm2)
xs_apply "$ex" takeover
tap_is "a second apply takeover exits 0" "$XS_RC" 0
tap_check "it says the host was in takeover already" \
    grep -q "already in phase takeover" /tmp/apply.out
tap_is "and runs no step" \
    "$(grep -cE '^\[ *[0-9.]+s\]' /tmp/apply.out)" 0
tap_is "vm1 unchanged by it ($m1 MiB)" "$(xl_mem vm1)" "$m1"
tap_is "vm2 unchanged by it ($m2 MiB)" "$(xl_mem vm2)" "$m2"

xs_apply "$ex" normal
tap_is "apply normal (the EXAMPLE) exits 0" "$XS_RC" 0
tap_is "xl shows the host back in normal" "$(xl_phase)" normal
"$XENSHIFT" -c "$ex" status -j > /tmp/status.json 2>&1
tap_is "status -j agrees: phase normal" \
    "$(sed -n 's/^  "phase": "\(.*\)".*/\1/p' /tmp/status.json)" normal
