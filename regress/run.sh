#!/usr/bin/env bash
# Runs every pgseccomp test on a fresh machine: installs what is missing,
# builds and installs, then runs the Go unit tests, the pg_regress suite on
# a temp instance and the TAP tests, each starting its own throwaway server.
set -euo pipefail
cd "$(dirname "$0")/.."
regress/deps.sh
. regress/lib.sh

make -s
make -s install

# The server user must read the tests wherever this tree is checked out.
tests=$(scratch_dir tests)
cp -r regress/. "$tests/"
chmod -R a+rX "$tests"

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
	local out
	out=$(scratch_dir regress)
	as_server_user mkdir "$out/testtablespace"
	if ! as_server_user "$pg_regress" --bindir="$bindir" \
		--inputdir="$tests" --outputdir="$out" \
		--temp-instance="$out/tmp_check" --temp-config="$tests/pgseccomp.conf" \
		pgseccomp export; then
		cat "$out/regression.diffs" 2>/dev/null || true
		return 1
	fi
}

tap_suite() {
	local out
	out=$(scratch_dir tap)
	if ! as_server_user env TESTDIR="$out" PG_REGRESS="$pg_regress" \
		PERL5LIB="$pgxsdir/src/test/perl" \
		prove --timer "$tests"/t/*.pl; then
		tail -n 60 "$out"/tmp_check/log/* 2>/dev/null || true
		return 1
	fi
}

suite "go test" go test ./...
suite "pg_regress" regress_suite
suite "tap" tap_suite

echo "suites: $passed passed, $failed failed"
[ "$failed" = 0 ]
