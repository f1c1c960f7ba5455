#!/usr/bin/env bash
# Runs every pgseccomp test on a fresh machine: installs what is missing,
# builds and installs, then runs the Go unit tests, the pg_regress suite
# (make installcheck, on a temp instance) and the TAP suites (make
# prove_installcheck), each starting its own throwaway servers.
# PG_TEST_EXTRA=soak runs the full soak (regress/t/014_soak.pl) instead of
# its short form; PROVE_TESTS=regress/t/NNN_name.pl runs only those TAP files.
#
# PGSECCOMP_PG=18 runs the same on PostgreSQL 18, built from Debian's source
# package by regress/pg18.sh (cached; the first run builds it, as root) and
# installed into with its pg_config; PGSECCOMP_PG_COPY=DIR uses a private
# copy of that build in DIR instead of the shared cache. Otherwise PG_CONFIG
# (default: PostgreSQL 15 from the Debian packages) says which server.
set -euo pipefail
cd "$(dirname "$0")/.."
regress/deps.sh
case "${PGSECCOMP_PG:-15}" in
15) ;;
18)
	PG_CONFIG=$(regress/pg18.sh ${PGSECCOMP_PG_COPY:+"$PGSECCOMP_PG_COPY"} | tail -n1)
	export PG_CONFIG
	;;
*)
	echo "run.sh: PGSECCOMP_PG=$PGSECCOMP_PG: pgseccomp is tested on 15 and 18" >&2
	exit 1
	;;
esac
. regress/lib.sh

echo "=== PostgreSQL: $(${PG_CONFIG:-pg_config} --version) ($(command -v ${PG_CONFIG:-pg_config}))"
make -s
make -s install

# The server user must write the tests' tree wherever this one is checked out.
tree=$(server_tree tests)

passed=0
failed=0
suite() {
	local name=$1
	shift
	echo "=== $name"
	if "$@"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "=== $name FAILED"
	fi
}

regress_suite() {
	# TAP_TESTS= leaves the TAP suites to prove_installcheck below.
	if ! server_make "$tree" installcheck TAP_TESTS=; then
		cat "$tree/regression.diffs" 2>/dev/null || true
		return 1
	fi
}

tap_suite() {
	if ! server_make "$tree" prove_installcheck PROVE_FLAGS=--timer \
		${PROVE_TESTS:+PROVE_TESTS="$PROVE_TESTS"}; then
		tail -n 60 "$tree"/tmp_check/log/* 2>/dev/null || true
		return 1
	fi
}

suite "go test" go test ./...
suite "pg_regress" regress_suite
suite "tap" tap_suite

echo "suites: $passed passed, $failed failed"
[ "$failed" = 0 ]
