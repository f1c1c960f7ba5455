#!/usr/bin/env bash
# Benchmark, not a test: how long the connection hook takes, beside the
# kernel's seccomp(2) inside it, with uprobes on pgseccomp_client_authentication
# and the seccomp syscall tracepoints, over N connections (pgbench -C), for
# a small and a large session filter. Prints medians in microseconds.
# Needs root (tracefs, perf). Usage: regress/hook_timing.sh [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-300}
. regress/lib.sh
so="$($PG_CONFIG --pkglibdir)/pgseccomp.so"
command -v perf >/dev/null || { echo "hook_timing: perf is not installed" >&2; exit 1; }
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing

perf probe -q -d 'probe_pgseccomp:*' 2>/dev/null || true
perf probe -q -x "$so" pgseccomp_client_authentication
perf probe -q -x "$so" 'pgseccomp_client_authentication%return'
trap 'perf probe -q -d "probe_pgseccomp:*" 2>/dev/null || true' EXIT

throwaway_server hooktime 55434 <<CONF
pgseccomp.enabled = on
include = 'filter.conf'
CONF
trap 'perf probe -q -d "probe_pgseccomp:*" 2>/dev/null || true; as_server_user pg_ctl -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT

echo 'SELECT 1;' >"$dir/select1.sql"
chmod a+r "$dir/select1.sql"

median() { sort -n | awk '{a[NR]=$1} END {if (NR) print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2); else print "n/a"}'; }

measure() {
	local name=$1 setting=$2 data
	echo "$setting" >"$dir/data/filter.conf"
	as_server_user pg_ctl -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
	as_server_user pg_ctl -D "$dir/data" -l "$dir/log" -w start >/dev/null
	data=$(mktemp)
	perf record -q -o "$data.perf" -a \
		-e probe_pgseccomp:pgseccomp_client_authentication \
		-e probe_pgseccomp:pgseccomp_client_authentication__return \
		-e syscalls:sys_enter_seccomp -e syscalls:sys_exit_seccomp -- \
		runuser -u postgres -- env PATH="$PATH" pgbench -n -C -f "$dir/select1.sql" -c 1 -t "$n" -h "$dir" -p "$port" postgres >/dev/null
	perf script -i "$data.perf" -F pid,time,event 2>/dev/null >"$data"
	# Pair entry and exit per process; seccomp(2) only inside the hook.
	awk '{pid=$1; t=$2; sub(":","",t); ev=$3}
		ev ~ /client_authentication__return/ {if (pid in h) print "hook", (t-h[pid])*1e6; delete h[pid]; delete in_hook[pid]; next}
		ev ~ /client_authentication:/ {h[pid]=t; in_hook[pid]=1; next}
		ev ~ /sys_enter_seccomp/ {if (pid in in_hook) s[pid]=t; next}
		ev ~ /sys_exit_seccomp/ {if (pid in s) {print "seccomp", (t-s[pid])*1e6; delete s[pid]}}' "$data" >"$data.pairs"
	printf '%-8s hook median %8s us (%s calls)   seccomp(2) median %8s us (%s calls)\n' "$name" \
		"$(awk '$1=="hook" {print $2}' "$data.pairs" | median)" "$(grep -c '^hook' "$data.pairs" || true)" \
		"$(awk '$1=="seccomp" {print $2}' "$data.pairs" | median)" "$(grep -c '^seccomp' "$data.pairs" || true)"
	rm -f "$data" "$data.perf" "$data.pairs"
}

measure small "pgseccomp.session_syscall_error = 'readlink'"
measure large "pgseccomp.session_syscall_error = '@obsolete, @debug, @mount, @swap, @reboot, @module, @raw-io, @cpu-emulation, @clock, @privileged'"
