#!/usr/bin/env bash
# Builds and installs pgseccomp, then shows it working on a throwaway
# server: the filters every process carries, seccomp_filter(), and a syscall
# denied to one role and allowed to another. The server is removed at exit.
set -euo pipefail
cd "$(dirname "$0")/.."
regress/deps.sh
. regress/lib.sh
make -s
make -s install

throwaway_server demo 55432 <<CONF
pgseccomp.enabled = on
# Nothing in the cluster may load kernel modules, reboot, swap or trace.
pgseccomp.global_syscall_kill = '@module, @reboot, @swap'
pgseccomp.global_syscall_error = '@debug:EPERM'
# Client sessions may not read symbolic links either ...
pgseccomp.session_syscall_error = 'readlink'
# ... except the role dba.
pgseccomp.session_roles = 'dba'
session_syscall_error.dba = ''
CONF
as_server_user mkdir "$dir/ts"
# dba's filter is looser than the session's: a confined session may not
# create it (it could then log in as dba), so the DBA does before the start.
echo "CREATE ROLE dba LOGIN SUPERUSER;" |
	as_server_user "$bindir/postgres" --single -D "$dir/data" postgres >/dev/null
as_server_user pg_ctl -D "$dir/data" -l "$dir/log" -w start >/dev/null
psql() { as_server_user "$bindir/psql" -X -h "$dir" -p "$port" -d postgres "$@"; }

psql -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION pgseccomp" \
	-c "CREATE TABLESPACE demo LOCATION '$dir/ts'"

echo "--- every process of the cluster is filtered (Seccomp: 2), one thread each"
postmaster=$(head -1 "$dir/data/postmaster.pid")
for pid in $postmaster $(pgrep -P "$postmaster"); do
	printf '%-45s %s\n' "$(tr '\0' ' ' </proc/$pid/cmdline | cut -c1-44)" \
		"$(grep -E '^(Seccomp|Seccomp_filters|Threads):' /proc/$pid/status | tr -s '\t\n' '  ')"
done

echo "--- seccomp_filter(): what this session enforces, besides allow"
psql -c "SELECT * FROM seccomp_filter() WHERE filter_action NOT LIKE '%allow' ORDER BY context, syscallnum"

echo "--- seccomp_lint(): what the settings imply"
psql -c "SELECT context, syscall, issue FROM seccomp_lint()"

echo "--- the session error list denies readlink to a plain session ..."
psql -c "SELECT pg_tablespace_location(oid) FROM pg_tablespace WHERE spcname = 'demo'" || true
echo "--- ... and the role override allows it to dba"
psql -U dba -c "SELECT pg_tablespace_location(oid) FROM pg_tablespace WHERE spcname = 'demo'"
echo "--- a confined session may not become dba: it may not set dba's password"
psql -c "ALTER ROLE dba PASSWORD 'secret'" || true
echo "--- seccomp_denials(): the denial, with who, where and what"
psql -c "SELECT backend_type, database, role, syscall, errno, source, query FROM seccomp_denials()"
echo "--- seccomp_export(): the global filter as a systemd unit would enforce it"
psql -At -c "SELECT seccomp_export('systemd')" | grep -v '^#'
echo "--- server log"
sleep 1.5	# the worker logs denials about once a second
grep pgseccomp "$dir/log"
