#!/usr/bin/env bash
# Measures what each kind of PostgreSQL process needs for work a learning
# window can easily miss, and prints it as the groups of
# internal/names/groups.txt (@postgres-<backend type>), one per backend
# type, for the PostgreSQL of PG_CONFIG and this machine's glibc.
#
# Method: two throwaway clusters, a publisher and a subscriber, both with
# 'learn' as the global and session defaults and empty lists, so that
# every syscall a process makes from libc is learned (seccomp_learned()).
# On them runs: autovacuum (a table with dead tuples, a naptime of 1 s,
# until both vacuum and analyze ran), checkpoints, WAL switches with
# archive_command, pg_basebackup (a physical walsender), a logical
# replication subscription (logical walsender, apply and tablesync workers
# connecting to the publisher), parallel queries and a parallel index
# build, SSL connections (ssl = on, a self-signed certificate), pg_cron's
# scheduler and job workers where pg_cron is installed, and pgbench.
# A type's group is what its processes learned at the session level (every
# syscall but those that never trap, bpf.Untrapped, which suggestions add
# anyway) and at the global level (less what the global filter allows for
# pgseccomp itself, policy.SelfNeeds, which suggestions add anyway);
# @postgres-session is what the session level learned over all the types
# it confines, and @postgres-not-initialized what children of the
# postmaster make before they know their type.
# Traps see only syscalls made from PostgreSQL's libc, dynamic loader and
# vDSO: the programs archive_command runs are traced with strace -f and
# printed apart (@postgres-archive-command), since they are not
# PostgreSQL's own.
#
# Usage: PG_CONFIG=... regress/baseline.sh [port]   (prints to stdout)
set -euo pipefail
cd "$(dirname "$0")/.."
. regress/lib.sh
make -s >&2
make -s install >&2
port=${1:-55491}
sub_port=$((port + 1))

# SSL where this build has it (the 18 build of regress/pg18.sh has not).
have_ssl= ssl=off
$PG_CONFIG --configure | grep -q -- '--with-ssl\|--with-openssl' && have_ssl=1 ssl=on
have_cron=
[ -f "$($PG_CONFIG --sharedir)/extension/pg_cron.control" ] && have_cron=1
preload=pgseccomp
[ -n "$have_cron" ] && preload=pgseccomp,pg_cron

learn_conf="shared_preload_libraries = '$preload'
pgseccomp.enabled = on
pgseccomp.global_syscall_default = 'learn'
pgseccomp.session_syscall_default = 'learn'
autovacuum_naptime = 1s
max_worker_processes = 20
max_wal_senders = 10
max_replication_slots = 10
wal_level = logical
log_min_messages = warning"

throwaway_server baseline "$port" <<CONF
$learn_conf
listen_addresses = '127.0.0.1'
ssl = $ssl
archive_mode = on
archive_command = 'cp %p ARCHIVE/%f'
cron.database_name = 'postgres'
cron.use_background_workers = on
CONF
pub=$dir
mkdir -p "$pub/archive" "$pub/trace"
chown postgres: "$pub/archive" "$pub/trace" 2>/dev/null || true
sed -i "s|ARCHIVE|$pub/archive|" "$pub/data/postgresql.conf"
(cd "$pub/data" && openssl req -new -x509 -days 2 -nodes -subj /CN=localhost \
	-keyout server.key -out server.crt >/dev/null 2>&1 && chmod 600 server.key)
[ "$(id -u)" = 0 ] && chown postgres: "$pub/data/server.key" "$pub/data/server.crt"
# A second cluster subscribes; the trap above removes only the first.
sub=$(scratch_dir baseline-sub)
trap 'as_server_user pg_ctl -D "$pub/data" -m immediate stop >/dev/null 2>&1 || true;
	as_server_user pg_ctl -D "$sub/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$pub" "$sub"' EXIT
as_server_user initdb -D "$sub/data" -A trust >/dev/null
printf 'port = %s\nunix_socket_directories = %s\n%s\n' "$sub_port" "'$sub'" "$learn_conf" >>"$sub/data/postgresql.conf"

as_server_user pg_ctl -D "$pub/data" -l "$pub/log" -w start >&2 || { cat "$pub/log" >&2; exit 1; }
as_server_user pg_ctl -D "$sub/data" -l "$sub/log" -w start >&2 || { cat "$sub/log" >&2; exit 1; }
psql_pub() { as_server_user psql -X -q -At -h "$pub" -p "$port" -d postgres "$@"; }
psql_sub() { as_server_user psql -X -q -At -h "$sub" -p "$sub_port" -d postgres "$@"; }
wait_for() {
	local what=$1 i
	shift
	for i in $(seq 1 120); do
		[ "$("$@")" = t ] && return 0
		sleep 1
	done
	echo "baseline.sh: timed out waiting for $what" >&2
	exit 1
}

psql_pub -c 'CREATE EXTENSION pgseccomp'
psql_sub -c 'CREATE EXTENSION pgseccomp'
if [ -n "$have_cron" ]; then
	psql_pub -c "CREATE EXTENSION pg_cron; CREATE TABLE cron_done (at timestamptz);
SELECT cron.schedule('@reboot', 'INSERT INTO cron_done VALUES (now())')" >/dev/null
	as_server_user pg_ctl -D "$pub/data" -l "$pub/log" -w restart >&2
	wait_for 'the pg_cron job' psql_pub -c 'SELECT count(*) > 0 FROM cron_done'
fi

# The archiver's programs, traced (they have no handler of ours).
archiver=$(psql_pub -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'archiver'")
strace -f -qq -e trace=all -o "$pub/trace/archiver" -p "$archiver" &
strace_pid=$!
sleep 1

# Autovacuum: dead tuples, then wait for both vacuum and analyze.
psql_pub -c "CREATE TABLE dead (id int primary key, t text);
INSERT INTO dead SELECT g, repeat('x', 100) FROM generate_series(1, 50000) g;
DELETE FROM dead WHERE id % 2 = 0;
CREATE TABLE pub_t (id int primary key, t text);
INSERT INTO pub_t SELECT g, 'a' FROM generate_series(1, 10000) g;
CREATE PUBLICATION pub FOR TABLE pub_t"
wait_for autovacuum psql_pub -c "SELECT last_autovacuum IS NOT NULL AND last_autoanalyze IS NOT NULL
 FROM pg_stat_user_tables WHERE relname = 'dead'"

# Checkpoints, WAL switches and archiving.
psql_pub -c 'CHECKPOINT'
psql_pub -c 'SELECT pg_switch_wal()' >/dev/null
psql_pub -c "INSERT INTO dead SELECT g, 'y' FROM generate_series(100001, 101000) g"
psql_pub -c 'SELECT pg_switch_wal()' >/dev/null
wait_for archiving psql_pub -c 'SELECT archived_count >= 2 FROM pg_stat_archiver'

# A base backup through a physical walsender, WAL streamed.
as_server_user pg_basebackup -h "$pub" -p "$port" -D "$pub/backup" -X stream -c fast >&2
rm -rf "$pub/backup"

# Logical replication: tablesync, then apply.
psql_sub -c 'CREATE TABLE pub_t (id int primary key, t text)'
psql_sub -c "CREATE SUBSCRIPTION sub CONNECTION 'host=$pub port=$port dbname=postgres' PUBLICATION pub"
wait_for tablesync psql_sub -c "SELECT count(*) = 10000 FROM pub_t"
psql_pub -c "INSERT INTO pub_t SELECT g, 'b' FROM generate_series(10001, 12000) g; UPDATE pub_t SET t = 'c' WHERE id < 100"
wait_for apply psql_sub -c "SELECT count(*) = 12000 FROM pub_t"

# Parallel queries and a parallel index build.
psql_pub -c "SET $force_parallel = on; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0; SELECT count(*) FROM dead;
SET max_parallel_maintenance_workers = 2; CREATE INDEX ON dead (t)" >/dev/null
psql_pub -c 'VACUUM (PARALLEL 2) dead'

# SSL connections, and pgbench.
[ -n "$have_ssl" ] && for i in 1 2 3; do
	as_server_user psql -X -At "host=127.0.0.1 port=$port dbname=postgres sslmode=require" \
		-c 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()' | grep -qx t
done
as_server_user pgbench -i -q -s 1 -h "$pub" -p "$port" postgres >/dev/null 2>&1
as_server_user pgbench -T 3 -c 2 -h "$pub" -p "$port" postgres >/dev/null 2>&1
as_server_user pgbench -T 2 -c 2 -C -S -h "$pub" -p "$port" postgres >/dev/null 2>&1
sleep 3
kill "$strace_pid" 2>/dev/null || true
wait "$strace_pid" 2>/dev/null || true

# Each cluster's learned syscalls by backend type (both levels), merged.
# The session level's rows also as one type, "session": what the session
# level needed over every process type it confines.
learned() {
	"$@" -c "SELECT backend_type || ' ' || syscall FROM seccomp_learned()
 WHERE backend_type IS NOT NULL GROUP BY 1
 UNION SELECT 'session ' || syscall FROM seccomp_learned() WHERE level = 'session'"
}
{
	learned psql_pub
	learned psql_sub
} | sort -u >"$pub/learned"

echo "# Measured by regress/baseline.sh on $($PG_CONFIG --version)${have_ssl:+ with SSL}${have_cron:+ and pg_cron}, $(ldd --version | head -n1 | grep -oP '[0-9.]+$' | sed 's/^/glibc /'), $(uname -m)"
awk '
{ type = $0; sub(/ [^ ]+$/, "", type); sc = $NF; g = tolower(type); gsub(/[^a-z0-9]+/, "-", g); set[g] = set[g] " " sc; n[g]++ }
END { for (g in set) { printf "@postgres-%s\n", g; printf "%s\n", set[g] } }' "$pub/learned" |
	awk '/^@/ { print; next } { n = split($0, a, " "); out = ""; len = 0; for (i = 1; i <= n; i++) { if (len + length(a[i]) > 70) { print out; out = ""; len = 0 } out = out (out == "" ? "" : " ") a[i]; len += length(a[i]) + 1 } print out }'
# The archiver's programs (not PostgreSQL's: their syscalls are not trapped).
echo "@postgres-archive-command"
sed -n 's/^[0-9]* *\([a-z_0-9]*\)(.*/\1/p' "$pub/trace/archiver"* | sort -u | xargs | fold -s -w 72 | sed 's/ *$//'
