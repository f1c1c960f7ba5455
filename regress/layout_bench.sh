#!/usr/bin/env bash
# Benchmark, not a test: what seccomp(2) takes to attach a session filter
# in each layout pgseccomp can build (internal/bpf/layout.go), for filters of 1
# to 200 error rules, each attached in a fresh child on top of a first
# filter, rounds alternating. Two first filters: one that allows all but
# one syscall, and one that denies all but 150 (the kernel runs a new
# filter only for the syscalls the filters before it always allow). Prints
# per rule count the instructions and median microseconds of both layouts,
# the model's pick, the layout that measured faster, and the crossover:
# the fewest rules from which the tree measured faster.
# Usage: regress/layout_bench.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-200}
. regress/lib.sh
work=$(mktemp -d "${TMPDIR:-/tmp}/pgseccomp-layouts.XXXXXX")
trap 'rm -rf "$work"' EXIT
counts="1 2 3 4 5 6 7 8 10 12 16 20 30 50 80 120 200"

go run ./regress/tools/layouts "$work" $counts >"$work/model"
${CC:-cc} -O2 -Wall -o "$work/attach" regress/tools/attach.c

for first in allow deny; do
	(cd "$work" && ./attach "first-$first.bpf" "$rounds" linear-*.bpf tree-*.bpf) >"$work/measured"
	# model columns: 5 on the allow-all first filter, 7 on the deny-all one
	col=5
	[ "$first" = deny ] && col=7
	if [ "$first" = allow ]; then
		echo "on a first filter that allows every syscall but one:"
	else
		echo "on a first filter that denies every syscall but 150:"
	fi
	printf '%6s %13s %11s %11s %11s %8s %9s\n' rules linear_insns linear_us tree_insns tree_us model measured
	awk -v col=$col 'FNR == NR {if (FNR > 1) {model[$1, $2] = $col + 0}; next}
		{n = $1; sub(/^[a-z]+-/, "", n); sub(/\.bpf$/, "", n); lay = $1; sub(/-.*/, "", lay);
		 insns[n, lay] = $2; us[n, lay] = $3 + 0; seen[n] = 1}
		END {for (n in seen) {
			pick = model[n, "tree"] < model[n, "linear"] ? "tree" : "linear"
			if (n + 0 < 5) pick = "linear"	# internal/bpf/layout.go: treeMinRules
			fast = us[n, "tree"] < us[n, "linear"] ? "tree" : "linear"
			printf "%6d %13d %11.1f %11d %11.1f %8s %9s\n", n, insns[n, "linear"], us[n, "linear"], insns[n, "tree"], us[n, "tree"], pick, fast}}' \
		"$work/model" "$work/measured" | sort -n >"$work/table"
	cat "$work/table"
	awk '$7 == "tree" && !c {c = $1} $6 != $7 {miss++; cost += ($6 == "tree" ? $5 - $3 : $3 - $5)} END {
		printf "crossover: the tree measured faster from %s rules; the model picked the slower layout for %d of %d rule counts, %.1f us slower in all\n", c ? c : "(never)", miss, NR, cost}' "$work/table"
done
