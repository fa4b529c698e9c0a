#!/bin/sh
# test_schema.sh - the xenstore paths in lib/base/xspath.h and the ones
# documented in xenstore-schema/xenshift-paths.pandoc are the same set,
# and no other source file spells a path under the root itself.
src=${top_srcdir:-.}
h=$src/lib/base/xspath.h
doc=$src/xenstore-schema/xenshift-paths.pandoc
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

def() { sed -n "s/^#define $1 \(XSP_ROOT \)\{0,1\}\"\(.*\)\"\$/\2/p" "$h"; }
root=$(def XSP_ROOT)
{
    echo "$root"
    for n in DAEMON PHASE RESULT; do echo "$root$(def XSP_$n)"; done
    echo "$root$(def XSP_REQUEST)/\$ID"
    for leaf in $(sed -n 's/^#define XSP_A_[A-Z_]* "\(.*\)"$/\1/p' "$h"); do
        echo "$root$(def XSP_ANSWER)/\$ID/$leaf"
    done
    for leaf in $(sed -n 's/^#define XSP_J_[A-Z_]* "\(.*\)"$/\1/p' "$h"); do
        echo "$root$(def XSP_JOURNAL)/$leaf"
    done
    for list in $(sed -n 's/^#define XSP_JL_[A-Z_]* "\(.*\)"$/\1/p' "$h"); do
        echo "$root$(def XSP_JOURNAL)/$list/\$N"
    done
} | sort > "$tmp/code"
sed -n 's/^#### \([^ ]*\) = .*/\1/p' "$doc" | sort > "$tmp/doc"

n=0
check() {
    n=$((n + 1))
    if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
[ -n "$root" ] && [ "$(wc -l < "$tmp/code")" -gt 10 ]
check $? "lib/base/xspath.h read: $(wc -l < "$tmp/code") paths under $root"
diff "$tmp/code" "$tmp/doc" > "$tmp/diff"
check $? "the code's paths and the documented ones are the same set"
sed 's/^/# /' "$tmp/diff"
grep -rn '"/local/domain/0/xenshift' "$src/lib" "$src/policyd" \
    "$src/xl-ext" | grep -v 'lib/base/xspath.h' > "$tmp/literal"
[ ! -s "$tmp/literal" ]
check $? "no path under the root is spelt outside lib/base/xspath.h"
sed 's/^/# /' "$tmp/literal"
echo "1..$n"
