#!/usr/bin/env bash
# Benchmark, not a test: how long the connection hook takes, beside the
# kernel's seccomp(2) and landlock_restrict_self(2) inside it (the Landlock
# domain a confined process enters, c/scope.c), with uprobes on
# pgseccomp_client_authentication and the syscall tracepoints, over N
# connections (pgbench -C), for a small and a large session filter. Prints
# medians in microseconds.
#
# A uprobe on a function's entry and return costs time of its own, which
# falls inside the interval it measures: a third pass times the same pair
# of probes on pgseccomp_store_program, which only looks an array up, and
# the last column takes that from the hook's median.
# Needs root (tracefs, perf). Usage: regress/hook_timing.sh [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-300}
. regress/lib.sh
so="$($PG_CONFIG --pkglibdir)/pgseccomp.so"
command -v perf >/dev/null || { echo "hook_timing: perf is not installed" >&2; exit 1; }
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing

perf probe -q -d 'probe_pgseccomp:*' 2>/dev/null || true
for fn in pgseccomp_client_authentication pgseccomp_store_program; do
	perf probe -q -x "$so" "$fn"
	perf probe -q -x "$so" "$fn%return"
done
trap 'perf probe -q -d "probe_pgseccomp:*" 2>/dev/null || true' EXIT

throwaway_server hooktime 55434 <<CONF
pgseccomp.enabled = on
include = 'filter.conf'
CONF
trap 'perf probe -q -d "probe_pgseccomp:*" 2>/dev/null || true; as_server_user pg_ctl -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT

echo 'SELECT 1;' >"$dir/select1.sql"
chmod a+r "$dir/select1.sql"

median() { sort -n | awk '{a[NR]=$1} END {if (NR) printf "%.1f\n", (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2); else print "n/a"}'; }

probe_overhead=""

# measure NAME SETTING FUNCTION: FUNCTION's entry-to-return time per
# connection, and seccomp(2)'s and landlock_restrict_self(2)'s inside it.
measure() {
	local name=$1 setting=$2 fn=$3 data hook sc ll
	echo "$setting" >"$dir/data/filter.conf"
	as_server_user pg_ctl -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
	as_server_user pg_ctl -D "$dir/data" -l "$dir/log" -w start >/dev/null
	data=$(mktemp)
	perf record -q -o "$data.perf" -a \
		-e "probe_pgseccomp:$fn" -e "probe_pgseccomp:${fn}__return" \
		-e syscalls:sys_enter_seccomp -e syscalls:sys_exit_seccomp \
		-e syscalls:sys_enter_landlock_restrict_self -e syscalls:sys_exit_landlock_restrict_self -- \
		runuser -u postgres -- env PATH="$PATH" pgbench -n -C -f "$dir/select1.sql" -c 1 -t "$n" -h "$dir" -p "$port" postgres >/dev/null
	perf script --ns -i "$data.perf" -F pid,time,event 2>/dev/null >"$data"
	# Pair entry and exit per process; the syscalls only inside the function.
	awk -v fn="$fn" '{pid=$1; t=$2; sub(":","",t); ev=$3}
		ev == "probe_pgseccomp:" fn "__return:" {if (pid in h) print "fn", (t-h[pid])*1e6; delete h[pid]; delete in_fn[pid]; next}
		ev == "probe_pgseccomp:" fn ":" {h[pid]=t; in_fn[pid]=1; next}
		ev ~ /sys_enter_seccomp/ {if (pid in in_fn) s[pid]=t; next}
		ev ~ /sys_exit_seccomp/ {if (pid in s) {print "seccomp", (t-s[pid])*1e6; delete s[pid]}; next}
		ev ~ /sys_enter_landlock_restrict_self/ {if (pid in in_fn) l[pid]=t; next}
		ev ~ /sys_exit_landlock_restrict_self/ {if (pid in l) {print "landlock", (t-l[pid])*1e6; delete l[pid]}}' "$data" >"$data.pairs"
	hook=$(awk '$1=="fn" {print $2}' "$data.pairs" | median)
	sc=$(awk '$1=="seccomp" {print $2}' "$data.pairs" | median)
	ll=$(awk '$1=="landlock" {print $2}' "$data.pairs" | median)
	if [ "$fn" = pgseccomp_store_program ]; then
		probe_overhead=$hook
		printf '%-8s probe pair on %s: median %s us (%s calls)\n' "$name" "$fn" "$hook" "$(grep -c '^fn' "$data.pairs" || true)"
	else
		printf '%-8s hook median %6s us (%s calls)  seccomp(2) median %6s us (%s calls)  hook - seccomp(2) %6s us' "$name" \
			"$hook" "$(grep -c '^fn' "$data.pairs" || true)" "$sc" "$(grep -c '^seccomp' "$data.pairs" || true)" \
			"$(awk -v h="$hook" -v s="$sc" 'BEGIN {print h - s}')"
		if [[ "$probe_overhead" =~ ^[0-9.]+$ && "$hook" =~ ^[0-9.]+$ && "$sc" =~ ^[0-9.]+$ ]]; then
			printf '  less the probes %6s us' "$(awk -v h="$hook" -v s="$sc" -v p="$probe_overhead" 'BEGIN {print h - s - p}')"
		fi
		printf '  landlock_restrict_self(2) median %6s us (%s calls)\n' "$ll" "$(grep -c '^landlock' "$data.pairs" || true)"
	fi
	rm -f "$data" "$data.perf" "$data.pairs"
}

small="pgseccomp.session_syscall_error = 'readlink'"
large="pgseccomp.session_syscall_error = '@obsolete, @debug, @mount, @swap, @reboot, @module, @raw-io, @cpu-emulation, @clock, @privileged'"
measure probes "$small" pgseccomp_store_program
measure small "$small" pgseccomp_client_authentication
measure large "$large" pgseccomp_client_authentication
