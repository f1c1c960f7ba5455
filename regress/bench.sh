#!/usr/bin/env bash
# Benchmark, not a test: the extension disabled against enabled, alternating
# in one run on one throwaway server. Prints per round and medians of
#   connect: pgbench -C -S connections (transactions) per second
#   select:  pgbench -S transactions per second
#   parallel: pgbench -S transactions per second with every query run in a
#            parallel worker (force_parallel_mode), which must install the
#            session filter: the added startup time of a parallel query
#   rss/private: resident and private memory (kB) of an idle backend
# and, enabled only, the wall time of one set_client_filter call.
# Usage: regress/bench.sh [rounds] [seconds per pgbench run]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
secs=${2:-5}
regress/deps.sh
. regress/lib.sh
make -s
make -s install

throwaway_server bench 55433 <<CONF
include = 'mode.conf'
CONF
# Enabled: a global deny list and a session filter that differs from it.
enabled_conf="pgseccomp.enabled = on
pgseccomp.global_syscall_kill = 'init_module,finit_module,delete_module,kexec_load,reboot'
pgseccomp.global_syscall_error = 'ptrace,process_vm_readv,process_vm_writev'
pgseccomp.session_syscall_error = 'readlink,ptrace,process_vm_readv,process_vm_writev,mount,umount2'"
disabled_conf="pgseccomp.enabled = off"

pg() { as_server_user "$@" -h "$dir" -p "$port"; }
start_mode() {
	as_server_user pg_ctl -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
	if [ "$1" = enabled ]; then echo "$enabled_conf"; else echo "$disabled_conf"; fi >"$dir/data/mode.conf"
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
	for mode in disabled enabled; do
		start_mode "$mode"
		c=$(pg pgbench -n -C -S -c 2 -j 2 -T "$secs" postgres 2>/dev/null | tps)
		s=$(pg pgbench -n -S -c 2 -j 2 -T "$secs" postgres 2>/dev/null | tps)
		p=$(PGOPTIONS='-c force_parallel_mode=on' pg pgbench -n -S -c 2 -j 2 -T "$secs" postgres 2>/dev/null | tps)
		read -r rss priv < <(idle_memory)
		printf '%-6s %-9s %12s %12s %12s %10s %10s\n' "$r" "$mode" "$c" "$s" "$p" "$rss" "$priv"
		echo "$mode $c $s $p $rss $priv" >>"$results"
	done
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo "medians over $rounds rounds of ${secs}s:"
for mode in disabled enabled; do
	printf '%-16s' "$mode"
	for col in 2 3 4 5 6; do
		printf ' %12s' "$(awk -v m=$mode -v c=$col '$1==m {print $c}' "$results" | median)"
	done
	echo
done

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
grep -E 'pgseccomp (global|compiled)' "$dir/log" | tail -3
rm -f "$results"
