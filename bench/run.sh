#!/bin/sh
# run.sh BUILDDIR [SRCDIR] - the benchmarks, side by side in one run.
# Prints the planner's time for 10..10000 domains, the transitions on the
# simulated host against their slowest balloon and, with valgrind,
# the instructions callgrind counts for each, as ratios; then the
# instructions xenshiftd spends per request on the simulated host.
set -u
src=${2:-${1:-.}}
bd=${1:-.}/bench/bench_daemon
b=${1:-.}/bench/bench_plan
"$b" || exit 1
echo
"${1:-.}/bench/bench_exec" "$src" || exit 1
command -v valgrind >/dev/null || { echo "(valgrind not installed: no instruction counts)"; exit 0; }
echo
# Instructions callgrind counts inside function $1 for $2 domains.
plan_ir() {
    out=$(mktemp)
    valgrind --tool=callgrind --toggle-collect="$1" \
        --callgrind-out-file=/dev/null "$b" --once "$2" \
        > /dev/null 2> "$out" || { cat "$out" >&2; rm -f "$out"; return 1; }
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$out"
    rm -f "$out"
}
printf '%8s %16s %14s %14s %16s\n' domains instructions "x (vs 10)" \
    "per-domain x" "graph instr."
first=
for n in 10 100 1000 10000; do
    ir=$(plan_ir PLAN_MakeTo "$n") || exit 1
    gir=$(plan_ir PLAN_GraphMake "$n") || exit 1
    [ -n "$first" ] || first=$ir
    awk -v n="$n" -v ir="$ir" -v f="$first" -v g="$gir" 'BEGIN {
        printf "%8d %16d %14.1f %14.2f %16d\n", n, ir, ir / f,
               (ir / n) / (f / 10), g }'
done
echo "(instructions inside PLAN_MakeTo, and inside PLAN_GraphMake on its plan)"

# xenshiftd: instructions per request (1 request vs 21, the difference
# over 20 takes start-up and table loading out).
echo
irs=
for n in 1 21; do
    out=$(mktemp)
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bd" \
        "$src/examples/fig9-host.json" "$src/examples/fig9.json" "$n" \
        > /dev/null 2> "$out" || { cat "$out"; rm -f "$out"; exit 1; }
    irs="$irs $(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$out")"
    rm -f "$out"
done
set -- $irs
awk -v a="$1" -v b="$2" 'BEGIN {
    printf "xenshiftd on the simulated host: %d instructions to start and " \
           "serve 1 request, %d for 21:\n", a, b
    printf "  %.0f instructions per request (a whole Fig. 9 transition: " \
           "read, parse, queue, plan, run, answer; %.2fx the first)\n",
           (b - a) / 20, ((b - a) / 20) / a }'
