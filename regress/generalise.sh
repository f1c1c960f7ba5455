#!/usr/bin/env bash
# Generalisation of a learned policy, measured: learn on the first half of
# PostgreSQL's own regression schedule ('learn' as the global and session
# defaults), apply seccomp_suggest() and restart, then run the whole
# schedule, which the learning never saw half of. Prints pg_regress's
# summary of both runs, the denials by backend type and level, how many of
# each carried a statement, and the denied syscalls.
# Usage: regress/generalise.sh [regress-dir]
#   regress-dir: a built src/test/regress of the server's major (default:
#   the PostgreSQL 18 source tree regress/pg18.sh unpacks); run with
#   PG_CONFIG of that major (for 18: PGSECCOMP_PG_COPY's bin/pg_config).
set -euo pipefail
cd "$(dirname "$0")/.."
. regress/lib.sh
src=${1:-/var/cache/pgseccomp/src/postgresql-18_18.6-3/src/src/test/regress}
[ -x "$src/pg_regress" ] || { echo "generalise.sh: no built pg_regress in $src" >&2; exit 1; }
make -s
make -s install

throwaway_server generalise "${PGSECCOMP_GENERALISE_PORT:-55498}" <<CONF
pgseccomp.enabled = on
max_connections = 40
include_if_exists = 'suggested.conf'
CONF
cat >"$dir/data/learning.conf" <<CONF
pgseccomp.global_syscall_default = 'learn'
pgseccomp.session_syscall_default = 'learn'
CONF
echo "include_if_exists = 'learning.conf'" >>"$dir/data/postgresql.conf"
pg() { as_server_user "$@" -h "$dir" -p "$port"; }
start() { as_server_user pg_ctl -D "$dir/data" -l "$dir/log" -w start >/dev/null; }
stop() { as_server_user pg_ctl -D "$dir/data" -m fast -w stop >/dev/null; }

# The first half of the schedule's groups (test_setup first), and all.
groups=$(grep -c '^test:' "$src/parallel_schedule")
grep '^test:' "$src/parallel_schedule" | head -n $((groups / 2)) >"$dir/half_schedule"
grep '^test:' "$src/parallel_schedule" >"$dir/all_schedule"
cp -r "$src/sql" "$src/expected" "$dir/"
[ -d "$src/data" ] && cp -r "$src/data" "$dir/"
chown -R postgres: "$dir" 2>/dev/null || true
regress_run() {
	as_server_user "$src/pg_regress" --bindir="$bindir" --dlpath="$src" --inputdir="$dir" \
		--expecteddir="$dir" --outputdir="$dir/out-$1" --schedule="$dir/$1_schedule" \
		--host="$dir" --port="$port" --max-connections=20 2>&1 | grep -E '^(# )?(All|[0-9]+ of [0-9]+|not ok|FAILED)|tests (passed|failed)' | head -20 || true
}

start
echo "== learning on $((groups / 2)) of $groups groups"
regress_run half
pg psql -X -At -d postgres -c "CREATE EXTENSION IF NOT EXISTS pgseccomp" >/dev/null
pg psql -X -At -d postgres -c "SELECT count(*) || ' learned rows' FROM seccomp_learned()"
pg psql -X -At -d postgres -c "SELECT * FROM seccomp_suggest()" >"$dir/data/suggested.conf"
# test_setup creates a tablespace, which outlives the database.
pg psql -X -q -d postgres -c "DROP DATABASE IF EXISTS regression" -c "DROP TABLESPACE IF EXISTS regress_tblspace"
rm "$dir/data/learning.conf"
stop
start
echo "== enforcing the suggestion on all $groups groups"
regress_run all
pg psql -X -At -d postgres -c "CREATE EXTENSION IF NOT EXISTS pgseccomp" >/dev/null
echo "== denials by backend type and level: count, with a statement"
pg psql -X -A -F ' | ' -d postgres -c "SELECT backend_type, source, count(*), count(query) FROM seccomp_denials() GROUP BY 1, 2 ORDER BY 1, 2"
echo "== denied syscalls"
pg psql -X -A -F ' | ' -d postgres -c "SELECT backend_type, syscall, count(*), min(left(query, 60)) FROM seccomp_denials() GROUP BY 1, 2 ORDER BY 1, 2"
echo "== what failed: the first changed lines of each failed test"
[ -f "$dir/out-all/regression.diffs" ] &&
	awk '/^diff /{n=0; print; next} /^[+-][^+-]/ && n < 4 {print; n++}' "$dir/out-all/regression.diffs" | cut -c1-160
true
