#!/usr/bin/env bash
# Benchmark, not a test: what seccomp(2) takes to attach a session filter
# in each layout pgseccomp can build (hooks/layout.go), for filters of 1
# to 200 error rules, each attached in a fresh child on top of a first
# filter, rounds alternating. Prints per rule count the instructions and
# median microseconds of both layouts, the model's pick, the layout that
# measured faster, and the crossover: the fewest rules from which the tree
# measured faster. Usage: regress/layout_bench.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-200}
. regress/lib.sh
work=$(mktemp -d "${TMPDIR:-/tmp}/pgseccomp-layouts.XXXXXX")
trap 'rm -rf "$work"' EXIT
counts="1 2 3 4 5 6 7 8 10 12 16 20 30 50 80 120 200"

go run ./regress/tools/layouts "$work" $counts >"$work/model"
${CC:-cc} -O2 -Wall -o "$work/attach" regress/tools/attach.c
# The first filter: one rule, as a global filter with a short deny list.
"$work/attach" "$work/linear-1.bpf" "$rounds" "$work"/linear-*.bpf "$work"/tree-*.bpf >"$work/measured"

printf '%6s %13s %13s %13s %13s %8s %9s\n' rules linear_insns linear_us tree_insns tree_us model measured
awk 'FNR == NR {if (FNR > 1) {model[$1, $2] = $5}; next}
	{n = $1; sub(/.*-/, "", n); sub(/\.bpf$/, "", n); lay = $1; sub(/.*\//, "", lay); sub(/-.*/, "", lay);
	 insns[n, lay] = $2; us[n, lay] = $3; seen[n] = 1}
	END {for (n in seen) {
		pick = model[n, "tree"] < model[n, "linear"] ? "tree" : "linear"
		fast = us[n, "tree"] < us[n, "linear"] ? "tree" : "linear"
		printf "%6d %13d %13.1f %13d %13.1f %8s %9s\n", n, insns[n, "linear"], us[n, "linear"], insns[n, "tree"], us[n, "tree"], pick, fast}}' \
	"$work/model" "$work/measured" | sort -n >"$work/table"
cat "$work/table"
awk '$7 == "tree" && !c {c = $1} $6 != $7 {miss++} END {
	printf "crossover: the tree measured faster from %s rules; the model picked the slower layout for %d of %d rule counts\n", c ? c : "(never)", miss, NR}' "$work/table"
