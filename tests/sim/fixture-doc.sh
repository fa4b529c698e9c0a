#!/bin/sh
# fixture-doc.sh - docs/sim-fixture.md stays true to the loader: every
# key the fixture reader accepts (the keys[]/nkeys[] lists of
# lib/hv/sim_fixture.c), every fault kind (kind_names of
# lib/hv/sim_faults.c) and every op a fault can name (fault_ops) is in
# the page, and each of its ```json examples loads with xenshift --sim.
# (The page was referred to by the sources but did not exist.)  Prints TAP.
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${top_builddir:-$src}
bin="$build/xenshift"
doc="$src/docs/sim-fixture.md"
LC_ALL=C
export LC_ALL

if [ ! -x "$bin" ]; then
    echo "Bail out! no xenshift binary at $bin (run make first)"
    exit 1
fi
if [ ! -r "$doc" ]; then
    echo "Bail out! no $doc"
    exit 1
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# The quoted strings of the C arrays whose declaration matches $2, from
# the line of their name to the "};" that ends them.
strings_of() {
    # through the environment: awk -v would eat the regex's backslashes
    RE="$2" awk '$0 ~ ENVIRON["RE"] { on = 1 } on { print }
                 on && /};/ { on = 0 }' "$1" |
        grep -oE '"[a-z_]+"' | tr -d '"' | sort -u
}

# Names missing from the page, each as `name` (in backquotes).
missing_from_doc() {
    out=""
    for k in $1; do
        grep -qF -- "\`$k\`" "$doc" || out="$out $k"
    done
    printf '%s' "$out"
}

keys=$(strings_of "$src/lib/hv/sim_fixture.c" '(keys|nkeys)\[\] = \{')
kinds=$(strings_of "$src/lib/hv/sim_faults.c" 'kind_names\[.*\] = \{')
ops=$(strings_of "$src/lib/hv/sim_faults.c" 'fault_ops\[\] = \{')
awk -v dir="$tmp" '
    /^```json$/ { n++; on = 1; next }
    /^```$/ { on = 0 }
    on { print > (dir "/example" n ".json") }' "$doc"
examples=$(ls "$tmp"/example*.json 2>/dev/null)

echo "1..$((4 + $(printf '%s\n' "$examples" | grep -c .)))"

# A parse that finds nothing would pass everything below.
nk=$(printf '%s\n' "$keys" | grep -c .)
nf=$(printf '%s\n' "$kinds" | grep -c .)
no=$(printf '%s\n' "$ops" | grep -c .)
if [ "$nk" -ge 30 ] && [ "$nf" -eq 6 ] && [ "$no" -ge 15 ] &&
   [ -n "$examples" ]; then
    echo "ok 1 - found $nk keys, $nf fault kinds, $no fault ops, examples"
else
    echo "not ok 1 - found $nk keys, $nf fault kinds, $no fault ops, examples: ${examples:-none}"
fi

m=$(missing_from_doc "$keys")
if [ -z "$m" ]; then
    echo "ok 2 - every fixture key is in sim-fixture.md"
else
    echo "not ok 2 - fixture keys missing from sim-fixture.md:$m"
fi
m=$(missing_from_doc "$kinds")
if [ -z "$m" ]; then
    echo "ok 3 - every fault kind is in sim-fixture.md"
else
    echo "not ok 3 - fault kinds missing from sim-fixture.md:$m"
fi
m=$(missing_from_doc "$ops")
if [ -z "$m" ]; then
    echo "ok 4 - every fault op is in sim-fixture.md"
else
    echo "not ok 4 - fault ops missing from sim-fixture.md:$m"
fi

n=4
for e in $examples; do
    n=$((n + 1))
    if out=$("$bin" --sim "$e" -c "$src/examples/fig9.json" status 2>&1); then
        echo "ok $n - $(basename "$e") of sim-fixture.md loads"
    else
        echo "not ok $n - $(basename "$e") of sim-fixture.md does not load"
        printf '%s\n' "$out" | sed 's/^/# /'
    fi
done
