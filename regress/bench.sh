#!/usr/bin/env bash
# Benchmark, not a test: the extension disabled against enabled, alternating
# in one run on one throwaway server. Prints per round and medians of
#   connect: pgbench -C -S connections (transactions) per second
#   select:  pgbench -S transactions per second
#   parallel: pgbench -S transactions per second with every query run in a
#            parallel worker (force_parallel_mode), which must install the
#            session filter: the added startup time of a parallel query
#   rss/private: resident and private memory (kB) of an idle backend
# for four modes: disabled, enabled, learning (enabled, with 'learn'
# as the global and session defaults) and learnsession ('learn' as the
# session default only), each after the same warm-up, and the select
# ratios against disabled and the learning ratios against enabled
# (PGSECCOMP_BENCH_QUICK=1 stops there); then the cost of one syscall that a filter allows, denies
# (recorded or not) and learns; the wall time of one set_client_filter
# call; the attach cost of both filter layouts and their crossover; the
# minor page faults a connection, a parallel worker and an autovacuum
# worker take with the extension disabled and enabled, and what one fault
# costs on this machine (regress/faults.sh); as root with perf, the
# connection hook beside seccomp(2); and last the full soak test
# (regress/t/014_soak.pl, about two minutes).
# Usage: regress/bench.sh [rounds] [seconds per pgbench run]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
secs=${2:-5}
regress/deps.sh
. regress/lib.sh
make -s
make -s install

throwaway_server bench "${PGSECCOMP_BENCH_PORT:-55433}" <<CONF
include = 'mode.conf'
CONF
# Enabled: a global deny list and a session filter that differs from it.
enabled_conf="pgseccomp.enabled = on
pgseccomp.global_syscall_kill = 'init_module,finit_module,delete_module,kexec_load,reboot'
pgseccomp.global_syscall_error = 'ptrace,process_vm_readv,process_vm_writev'
pgseccomp.session_syscall_error = 'readlink,dup3,ptrace,process_vm_readv,process_vm_writev,mount,umount2'"
disabled_conf="pgseccomp.enabled = off"
learning_conf="$enabled_conf
pgseccomp.global_syscall_default = 'learn'
pgseccomp.session_syscall_default = 'learn'"
# Learning at the session level only: what new sessions' filters allow
# without a trap grows as learning goes (the global filter is the
# postmaster's, fixed at start, and traps on whatever it learns).
learnsession_conf="$enabled_conf
pgseccomp.session_syscall_default = 'learn'"
modes="disabled enabled learning learnsession"

pg() { as_server_user "$@" -h "$dir" -p "$port"; }
start_mode() {
	as_server_user pg_ctl -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
	case $1 in
	enabled) echo "$enabled_conf" ;;
	learning) echo "$learning_conf" ;;
	learnsession) echo "$learnsession_conf" ;;
	*) echo "$disabled_conf" ;;
	esac >"$dir/data/mode.conf"
	as_server_user pg_ctl -D "$dir/data" -l "$dir/log" -w start >/dev/null
}
tps() { grep -oP 'tps = \K[0-9.]+' | head -1; }


start_mode disabled
pg pgbench -i -q -s 10 postgres >/dev/null 2>&1

idle_memory() {
	# An idle session: psql waits on its stdin.
	(sleep 4 | pg psql -X -q -d "dbname=postgres application_name=bench_idle" >/dev/null) &
	local waiter=$! pid=""
	for _ in $(seq 50); do
		pid=$(pg psql -X -At -d postgres -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'bench_idle'")
		[ -n "$pid" ] && break
		sleep 0.1
	done
	sleep 1
	if [ -r "/proc/$pid/smaps_rollup" ]; then
		awk '/^Rss:/ {r=$2} /^Private_(Clean|Dirty):/ {p+=$2} END {print r, p}' "/proc/$pid/smaps_rollup"
	else
		awk '/^VmRSS:/ {print $2, "n/a"}' "/proc/$pid/status"
	fi
	wait "$waiter"
}

results=$(mktemp)
printf '%-6s %-9s %12s %12s %12s %10s %10s\n' round mode connect/s select/s parallel/s rss_kB private_kB
for r in $(seq "$rounds"); do
	for mode in $modes; do
		start_mode "$mode"
		# Warm-up, the same in every mode: learning filters are compiled
		# again with what was learned at most every 10 s.
		pg pgbench -n -C -S -c 2 -j 2 -T 3 postgres >/dev/null 2>&1
		pg pgbench -n -S -c 2 -j 2 -T 2 postgres >/dev/null 2>&1
		sleep 12
		c=$(pg pgbench -n -C -S -c 2 -j 2 -T "$secs" postgres 2>/dev/null | tps)
		s=$(pg pgbench -n -S -c 2 -j 2 -T "$secs" postgres 2>/dev/null | tps)
		p=$(PGOPTIONS="-c $force_parallel=on" pg pgbench -n -S -c 2 -j 2 -T "$secs" postgres 2>/dev/null | tps)
		read -r rss priv < <(idle_memory)
		printf '%-6s %-9s %12s %12s %12s %10s %10s\n' "$r" "$mode" "$c" "$s" "$p" "$rss" "$priv"
		echo "$mode $c $s $p $rss $priv" >>"$results"
	done
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo "medians over $rounds rounds of ${secs}s:"
for mode in $modes; do
	printf '%-16s' "$mode"
	for col in 2 3 4 5 6; do
		printf ' %12s' "$(awk -v m=$mode -v c=$col '$1==m {print $c}' "$results" | median)"
	done
	echo
done
sel() { awk -v m="$1" '$1==m {print $3}' "$results" | median; }
echo "pgbench -S, median against disabled: enabled $(echo "$(sel enabled) $(sel disabled)" | awk '{printf "%.3f", $1/$2}'), learning $(echo "$(sel learning) $(sel disabled)" | awk '{printf "%.3f", $1/$2}')"
con() { awk -v m="$1" '$1==m {print $2}' "$results" | median; }
ratio() { echo "$1 $2" | awk '{printf "%.3f", $1/$2}'; }
echo "against enabled: pgbench -C -S learning $(ratio "$(con learning)" "$(con enabled)"), learning at the session level $(ratio "$(con learnsession)" "$(con enabled)"); pgbench -S learning $(ratio "$(sel learning)" "$(sel enabled)"), learning at the session level $(ratio "$(sel learnsession)" "$(sel enabled)")"
# PGSECCOMP_BENCH_QUICK=1: only the table above.
[ -z "${PGSECCOMP_BENCH_QUICK:-}" ] || exit 0

# One syscall, timed over a loop of 200,000 in plperlu: getppid allowed,
# readlink denied by the session filter (so recorded), and getppid again
# under learning (no level names it, so each call is learned). The loop's
# own cost is in every figure: compare them with each other.
syscall_ns() {
	pg psql -X -At -d postgres -c "SELECT syscall_loop($1, 200000)"
}
for mode in enabled learning; do
	start_mode "$mode"
	pg psql -X -q -d postgres -c "CREATE EXTENSION IF NOT EXISTS plperlu" -c "
		CREATE OR REPLACE FUNCTION syscall_loop(nr int, n int) RETURNS int LANGUAGE plperlu AS \$\$
		  use Time::HiRes qw(time);
		  my (\$nr, \$n) = @_; my \$buf = ' ' x 64; my \$path = '/';
		  my \$t0 = time; syscall(\$nr, \$path, \$buf, 64) for 1 .. \$n;
		  return int((time - \$t0) / \$n * 1e9);
		\$\$" >/dev/null
	if [ "$mode" = enabled ]; then
		echo "one syscall, ns: allowed $(syscall_ns 110), denied and recorded $(syscall_ns 89), denied with a plain errno (dup3, untrapped) $(syscall_ns 292)"
	else
		echo "one syscall, ns: learned $(syscall_ns 110)"
	fi
done
pg psql -X -q -d postgres -c "SELECT seccomp_denials_reset(), seccomp_learned_reset()" >/dev/null 2>&1 || true

# set_client_filter: fresh sessions, a few calls each (every call stacks a
# filter, and a deep stack slows every syscall of the session).
start_mode enabled
pg psql -X -q -d postgres -c "CREATE EXTENSION IF NOT EXISTS pgseccomp" >/dev/null
calls=$(mktemp)
for _ in $(seq 40); do
	pg psql -X -At -d postgres -c "
		DO \$\$
		DECLARE t0 timestamptz;
		BEGIN
		  FOR i IN 1..5 LOOP
		    t0 := clock_timestamp();
		    PERFORM set_client_filter(NULL, NULL, NULL, 'getppid', NULL);
		    RAISE NOTICE '%', extract(epoch FROM clock_timestamp() - t0) * 1000000;
		  END LOOP;
		END \$\$" 2>&1 | grep -oP 'NOTICE:  \K[0-9.]+' >>"$calls"
done
echo "set_client_filter: median $(median <"$calls") us over $(wc -l <"$calls") calls"
rm -f "$calls"
# Under contention: 40 sessions calling it at once, 5 times each.
echo "SELECT set_client_filter(NULL, NULL, NULL, 'getppid', NULL);" >"$dir/scf.sql"
chmod a+r "$dir/scf.sql"
as_server_user bash -c "cd '$dir' && pgbench -n -C -c 40 -j 4 -t 5 -l -f '$dir/scf.sql' -h '$dir' -p $port postgres" >/dev/null 2>&1
cat "$dir"/pgbench_log.* | awk '{print $3 / 1000}' | sort -n |
	awk '{a[NR]=$1} END {printf "set_client_filter, 40 at once: p50 %.1f ms, p99 %.1f ms, max %.1f ms over %d calls\n", a[int(NR*0.5)], a[int(NR*0.99)], a[NR], NR}'
rm -f "$dir"/pgbench_log.*
grep -E 'pgseccomp (global|compiled)' "$dir/log" | tail -3
rm -f "$results"

# What seccomp(2) takes to attach each layout, and where they cross over.
regress/layout_bench.sh 100

# Page faults per process, machine-independent, and what one costs here.
as_server_user pg_ctl -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
regress/faults.sh 25

# The connection hook beside seccomp(2) itself, with uprobes (root, perf).
if [ "$(id -u)" = 0 ] && command -v perf >/dev/null; then
	regress/hook_timing.sh 200
else
	echo "connection hook: run regress/hook_timing.sh as root with perf installed"
fi

# The full soak: 5,000 connections and 200 reloads (the test suite runs a
# short one unless PG_TEST_EXTRA names soak).
PG_TEST_EXTRA=soak server_make "$(server_tree soak)" prove_installcheck \
	PROVE_TESTS=regress/t/014_soak.pl PROVE_FLAGS=--timer

# PostgreSQL 18: pgbench -S disabled against enabled, alternating, with each
# io_method. pgseccomp refuses io_uring beside a level that denies what an
# io_uring operation can do (dup3 here), so io_uring runs the enabled
# filters without dup3, if the server accepts them; the seccomp_lint() rows
# other than io_method's own note are counted.
# At scale 10 the table fits in shared_buffers: this is the cost of the
# filters beside each method, not of cold reads.
if [ "$pg_major" -ge 18 ]; then
	start_io() {
		as_server_user pg_ctl -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
		{
			if [ "$1" = enabled ] && [ "$2" = io_uring ]; then
				echo "${enabled_conf//dup3,/}"
			elif [ "$1" = enabled ]; then
				echo "$enabled_conf"
			else
				echo "$disabled_conf"
			fi
			echo "io_method = $2"
		} >"$dir/data/mode.conf"
		as_server_user pg_ctl -D "$dir/data" -l "$dir/log" -w start >/dev/null 2>&1
	}
	io_results=$(mktemp)
	methods="sync worker"
	if start_io enabled io_uring; then
		methods="$methods io_uring"
		pg psql -X -q -d postgres -c "CREATE EXTENSION IF NOT EXISTS pgseccomp" >/dev/null
		echo "io_uring: the enabled filters without dup3 start; seccomp_lint() rows other than io_method: $(pg psql -X -At -d postgres -c "SELECT count(*) FROM seccomp_lint() WHERE setting IS DISTINCT FROM 'io_method'")"
	else
		echo "io_uring: the server refuses the enabled filters: $(grep -a FATAL "$dir/log" | tail -n1)"
	fi
	for r in $(seq "$rounds"); do
		for method in $methods; do
			for mode in disabled enabled; do
				start_io "$mode" "$method"
				s=$(pg pgbench -n -S -c 2 -j 2 -T "$secs" postgres 2>/dev/null | tps)
				printf '%-6s %-9s %-9s %12s\n' "$r" "$method" "$mode" "$s"
				echo "$method $mode $s" >>"$io_results"
			done
		done
	done
	for method in $methods; do
		d=$(awk -v m=$method '$1==m && $2=="disabled" {print $3}' "$io_results" | median)
		e=$(awk -v m=$method '$1==m && $2=="enabled" {print $3}' "$io_results" | median)
		echo "io_method = $method, pgbench -S median over $rounds rounds: disabled $d, enabled $e, ratio $(echo "$e $d" | awk '{printf "%.3f", $1/$2}')"
	done
	rm -f "$io_results"
fi
