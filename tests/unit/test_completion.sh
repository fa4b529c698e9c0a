#!/bin/sh
# test_completion.sh - the bash completion (completion/xenshift), sourced
# in bash as bash-completion would, completes from the programs and the
# simulated host: commands and options from the built binaries' help,
# phases and @events from a table given with -c (one whose names appear
# nowhere in the code), domains and NUMA nodes from the host (--sim).
src=${top_srcdir:-.}
build=${top_builddir:-$src}
if ! command -v bash >/dev/null 2>&1; then
    echo "1..0 # SKIP no bash"
    exit 0
fi
if [ ! -x "$build/xenshift" ] || [ ! -x "$build/xenshiftd" ]; then
    echo "Bail out! no xenshift or xenshiftd in $build (run make first)"
    exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The Fig. 9 table with its phases and event renamed: a completion that
# knew "normal" or "failover" by heart would fail here.
sed -e 's/"normal"/"office-hours"/g' -e 's/"takeover"/"rush"/g' \
    -e 's/"failover"/"site-lost"/g' "$src/examples/fig9.json" > "$tmp/t.json"
# And its host with vm3 called something no table names.
sed 's/"vm3"/"batch-long-name"/' "$src/examples/fig9-host.json" > "$tmp/host.json"
# A file and a folder for -c and --hooks-dir to find.
mkdir "$tmp/hooks.d"
# A folder of timelines for show (its ids are its files' names).
mkdir "$tmp/tl"
printf '<svg><title>xenshift: rush: reached</title></svg>\n' \
    > "$tmp/tl/1764143998000-42.svg"

# comp FUNC WORD...: COMPREPLY, sorted (C locale), one line, for the line WORD...
# with the cursor on its last word.
cat > "$tmp/run.bash" <<'EOS'
. "$1/completion/xenshift"
PATH=$2:$PATH
cd "$3" || exit 1
f=$4; shift 4
COMP_WORDS=("$@")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMPREPLY=()
"$f"
printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//'
EOS
comp() { bash "$tmp/run.bash" "$src" "$build" "$tmp" "$@" 2>"$tmp/err"; }

n=0
fails=0
is() {
    n=$((n + 1))
    if [ "$1" = "$2" ]; then
        echo "ok $n - $3"
    else
        echo "not ok $n - $3"
        echo "#   got:  '$1'"
        echo "#   want: '$2'"
        fails=$((fails + 1))
    fi
    if [ -s "$tmp/err" ]; then
        sed 's/^/# stderr: /' "$tmp/err"
    fi
}
sim="-c $tmp/t.json --sim $tmp/host.json"

echo "1..22"
is "$(comp _xenshift xenshift '')" \
    "apply check help mem-move phases plan recover schedule show status version" \
    "every command of 'xenshift help'"
is "$(comp _xenshift xenshift r)" "recover" "a command by prefix"
is "$(comp _xenshift xenshift p)" "phases plan" "commands by prefix"
is "$(comp _xenshift xenshift --si)" "--sim --sim-state" "global options"
is "$(comp _xenshift xenshift -c t.)" "t.json" "-c completes a file name"
is "$(comp _xenshift xenshift apply --no-)" \
    "--no-hooks --no-rollback --no-wait" "a command's options (apply)"
is "$(comp _xenshift xenshift $sim mem-move --strategy c)" "cooperative" \
    "mem-move --strategy's values"
is "$(comp _xenshift xenshift $sim apply --hooks-dir hoo)" "hooks.d" \
    "--hooks-dir completes a folder"
is "$(comp _xenshift xenshift help me)" "mem-move" "help COMMAND"
is "$(comp _xenshift xenshift status --)" \
    "--count --help --interval --json --until-idle --verbose --watch" \
    "status: its options, --watch's too"
is "$(comp _xenshift xenshift status --watch --interval '')" "" \
    "status --interval: seconds, no file names"
is "$(comp _xenshift xenshift $sim plan '')" "@site-lost office-hours rush" \
    "plan: the phases and @EVENTs of the table given with -c"
is "$(comp _xenshift xenshift $sim apply -n r)" "rush" \
    "apply: a phase by prefix, after an option"
is "$(comp _xenshift xenshift $sim apply @)" "@site-lost" \
    "apply: @EVENT from the table's triggers"
is "$(comp _xenshift xenshift -c "$tmp/none.json" plan '')$(cat "$tmp/err")" "" \
    "no table: no phase, and nothing on the terminal"
is "$(comp _xenshift xenshift $sim mem-move b)" "batch-long-name" \
    "mem-move: a domain of the host"
is "$(comp _xenshift xenshift $sim mem-move batch-long-name '')" "0 1" \
    "mem-move: the host's NUMA nodes"
is "$(comp _xenshift xenshift apply --timeline t.)" "t.json" \
    "apply --timeline completes a file name"
is "$(comp _xenshift xenshift show -d hoo)" "hooks.d" "show -d completes a folder"
is "$(comp _xenshift xenshift show -d "$tmp/tl" '')" "1764143998000-42 last" \
    "show: the timelines of the -d folder, and last"
is "$(comp _xenshiftd xenshiftd --no)" "--no-hooks" "xenshiftd's options"
is "$(comp _xenshiftd xenshiftd --hooks-dir h)" "hooks.d" \
    "xenshiftd --hooks-dir completes a folder"
[ $fails = 0 ]
