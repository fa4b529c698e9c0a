#!/bin/sh
# run.sh BUILDDIR - the benchmarks, side by side in one run.
# Prints the planner's time for 10..10000 domains and, with valgrind,
# the instructions callgrind counts for each, as ratios.
set -u
b=${1:-.}/bench/bench_plan
"$b" || exit 1
command -v valgrind >/dev/null || { echo "(valgrind not installed: no instruction counts)"; exit 0; }
echo
printf '%8s %16s %14s %14s\n' domains instructions "x (vs 10)" "per-domain x"
first=
for n in 10 100 1000 10000; do
    out=$(mktemp)
    valgrind --tool=callgrind --toggle-collect=PLAN_MakeTo \
        --callgrind-out-file=/dev/null "$b" --once "$n" \
        > /dev/null 2> "$out" || { cat "$out"; rm -f "$out"; exit 1; }
    ir=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$out")
    rm -f "$out"
    [ -n "$first" ] || first=$ir
    awk -v n="$n" -v ir="$ir" -v f="$first" 'BEGIN {
        printf "%8d %16d %14.1f %14.2f\n", n, ir, ir / f, (ir / n) / (f / 10) }'
done
echo "(instructions inside PLAN_MakeTo only)"
