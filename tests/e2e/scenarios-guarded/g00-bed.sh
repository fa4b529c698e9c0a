# The second bed: Debian's Xen built from source with xen-patches/, PVH
# guests.  xenshift must see the guard (XEN_DOMCTL_relocate_memory).
. /payload/dom0/tap.sh
tap_show sh -c "xl info | grep -E '^(xen_version|xen_changeset|nr_nodes)'"
"$XENSHIFT" -c "$XENSHIFT_TABLE" status -j > /tmp/st.json 2>/tmp/st.err
tap_is "xenshift status -j exits 0" "$?" 0
tap_check "xenshift sees the page-move guard (status: \"guarded\": true)" \
    grep -q '"guarded": *true' /tmp/st.json
tap_is "the Fig. 9 guests are PVH (xl list -l: vm1)" \
    "$(xl list -l vm1 | sed -n 's/.*"type": "\([a-z]*\)".*/\1/p' | head -n 1)" pvh
