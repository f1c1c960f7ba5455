#!/usr/bin/env bash
# Benchmark, not a test: the minor page faults a process has taken when it
# first runs a query, pgseccomp disabled against enabled, with a small and a
# large session filter (those of hook_timing.sh), on one throwaway server:
#
#   connection: a client backend's minflt (field 10 of /proc/self/stat) read
#               by its first query, pg_read_file('/proc/self/stat');
#   parallel:   the same read by a parallel worker (force_parallel_mode or 16's debug_parallel_query), as
#               it runs its leader's query;
#   autovacuum: the same read by an autovacuum worker as ANALYZE evaluates an
#               expression index (a PL/pgSQL function that logs it).
#
# Every fault of a child of the postmaster from its fork to that point is
# counted: the same work in every mode, but for what pgseccomp adds. Prints
# medians and the added faults against disabled; then the floor, the
# faults seccomp(2) itself takes to attach a 9- and an 88-instruction
# filter in a fresh child (regress/tools/attach.c -f); then what one
# fault costs on this machine (regress/tools/faultcost.c), to read faults
# as time.
# Needs pgseccomp installed.
# Usage: regress/faults.sh [connections per round] [rounds] [autovacuum workers]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-25}
rounds=${2:-3}
nav=${3:-11}
. regress/lib.sh

throwaway_server faults 55435 <<CONF
include = 'mode.conf'
log_line_prefix = '%p %b '
autovacuum_naptime = 1
CONF
small="pgseccomp.session_syscall_error = 'readlink'"
large="pgseccomp.session_syscall_error = '@obsolete, @debug, @mount, @swap, @reboot, @module, @raw-io, @cpu-emulation, @clock, @privileged'"
modes="disabled small large"

pg() { as_server_user "$@" -h "$dir" -p "$port"; }
start_mode() {
	as_server_user pg_ctl -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
	case $1 in
	small) printf 'pgseccomp.enabled = on\n%s\n' "$small" ;;
	large) printf 'pgseccomp.enabled = on\n%s\n' "$large" ;;
	*) echo "pgseccomp.enabled = off" ;;
	esac >"$dir/data/mode.conf"
	as_server_user pg_ctl -D "$dir/data" -l "$dir/log" -w start >/dev/null
}
median() { sort -n | awk '{a[NR]=$1} END {if (NR) print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2); else print "n/a"}'; }
stat_query="SELECT pg_read_file('/proc/self/stat')"

# minflt of n fresh backends at their first query (three first, unrecorded).
connections() {
	local i
	for i in $(seq $((n + 3))); do
		pg psql -X -At -d postgres -c "$stat_query" | awk -v i="$i" 'i > 3 && NF > 10 {print $10}'
	done
}

# minflt of n parallel workers, each a fresh session's first.
parallel_workers() {
	local i out leader
	for i in $(seq $((n + 3))); do
		out=$(pg psql -X -At -d postgres -c "SELECT pg_backend_pid()" \
			-c "SET $force_parallel = on" -c "$stat_query")
		leader=$(echo "$out" | head -1)
		# Only a read the worker made, not one its leader made for it.
		echo "$out" | tail -n +2 | awk -v i="$i" -v l="$leader" 'i > 3 && NF > 10 && $1 != l {print $10}'
	done
}

# minflt of autovacuum workers, as each analyzes the probe table.
autovacuum_workers() {
	local since i
	since=$(wc -l <"$dir/log")
	for i in $(seq $((nav + 1))); do
		pg psql -X -q -d postgres -c "INSERT INTO av_probe VALUES ($i)"
		for _ in $(seq 100); do
			[ "$(av_reads | wc -l)" -ge "$i" ] && break
			sleep 0.1
		done
	done
	# The first worker's is dropped.
	av_reads | awk -v n="$nav" 'NR > 1 && NR <= n + 1'
}
# The first read of each autovacuum worker since the mode started.
av_reads() {
	tail -n +"$((since + 1))" "$dir/log" | awk '/autovacuum worker LOG:  minflt/ && !seen[$1]++ {print $NF}'
}

start_mode disabled
pg psql -X -q -d postgres <<'SQL' >/dev/null
CREATE FUNCTION minflt_log(i int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  RAISE LOG 'minflt %', split_part(pg_read_file('/proc/self/stat'), ' ', 10);
  RETURN i;
END $$;
CREATE TABLE av_probe (i int) WITH (autovacuum_analyze_threshold = 0,
  autovacuum_analyze_scale_factor = 0, autovacuum_vacuum_threshold = 100000);
CREATE INDEX ON av_probe (minflt_log(i));
SQL

# Where the postmaster's heap and shared memory put their pages moves a
# few faults either way from one start to the next: modes alternate over
# rounds, each on a fresh start, and the medians take every round.
results=$(mktemp)
for r in $(seq "$rounds"); do
	for mode in $modes; do
		start_mode "$mode"
		connections | sed "s/^/$mode connection /" >>"$results"
		parallel_workers | sed "s/^/$mode parallel /" >>"$results"
		if [ "$r" = 1 ]; then
			autovacuum_workers | sed "s/^/$mode autovacuum /" >>"$results"
		fi
	done
done

printf 'minor faults by the first query, median (count); added against disabled\n'
printf '%-12s %16s %22s %22s\n' process disabled "enabled, small filter" "enabled, large filter"
for what in connection parallel autovacuum; do
	base=$(awk -v w=$what '$1=="disabled" && $2==w {print $3}' "$results" | median)
	printf '%-12s %10s (%3s)' "$what" "$base" "$(awk -v w=$what '$1=="disabled" && $2==w' "$results" | wc -l)"
	for mode in small large; do
		m=$(awk -v w=$what -v m=$mode '$1==m && $2==w {print $3}' "$results" | median)
		printf ' %9s (%3s) %+5s' "$m" "$(awk -v w=$what -v m=$mode '$1==m && $2==w' "$results" | wc -l)" \
			"$(awk -v a="$m" -v b="$base" 'BEGIN {if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/) printf "%+g", a - b; else print "n/a"}')"
	done
	echo
done
rm -f "$results"

work=$(mktemp -d "${TMPDIR:-/tmp}/pgseccomp-faults.XXXXXX")
go run ./regress/tools/layouts "$work" 1 64 >/dev/null
${CC:-cc} -O2 -Wall -o "$work/attach" regress/tools/attach.c
echo "faults inside seccomp(2) itself, median (least, most) of 51 attaches in fresh children:"
(cd "$work" && ./attach -f first-allow.bpf 51 linear-1.bpf tree-64.bpf) |
	awk '{printf "  %3d instructions: %d (%d, %d)\n", $2, $3, $4, $5}'
${CC:-cc} -O2 -Wall -o "$work/faultcost" regress/tools/faultcost.c
echo "one minor fault on this machine (median of 9 rounds of 4096 pages):"
"$work/faultcost" 4096 9 | sed 's/^/  /'
rm -rf "$work"
