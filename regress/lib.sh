# Shared by the scripts of regress/: where PostgreSQL is, and how to run
# something as the user that owns the throwaway servers.
export PATH="/usr/local/go/bin:$PATH"
PG_CONFIG=${PG_CONFIG:-pg_config}
bindir=$($PG_CONFIG --bindir)
pgxsdir=$(dirname "$($PG_CONFIG --pgxs)")/../..
pg_regress="$pgxsdir/src/test/regress/pg_regress"
export PATH="$bindir:$PATH"
# The server's major version, and the setting that runs every query in a
# parallel worker (renamed in 16).
pg_major=$($PG_CONFIG --version | grep -oP '[0-9]+' | head -n1)
if [ "$pg_major" -ge 16 ]; then force_parallel=debug_parallel_query; else force_parallel=force_parallel_mode; fi

# PostgreSQL refuses to run as root: servers run as postgres then, from a
# directory that user can enter.
as_server_user() {
	if [ "$(id -u)" = 0 ]; then
		(cd / && runuser -u postgres -- env PATH="$PATH" "$@")
	else
		"$@"
	fi
}

# A scratch directory the server user can write.
scratch_dir() {
	local d
	d=$(mktemp -d "${TMPDIR:-/tmp}/pgseccomp-$1.XXXXXX")
	chmod 755 "$d"
	[ "$(id -u)" = 0 ] && chown postgres: "$d"
	echo "$d"
}

# A throwaway cluster in a scratch directory, removed at exit: sets $dir
# and $port, writes postgresql.conf with pgseccomp preloaded plus the
# lines on stdin, and does not start it.
throwaway_server() {
	dir=$(scratch_dir "$1")
	port=$2
	trap 'as_server_user pg_ctl -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
	as_server_user initdb -D "$dir/data" -A trust >/dev/null
	{
		echo "port = $port"
		echo "unix_socket_directories = '$dir'"
		echo "shared_preload_libraries = 'pgseccomp'"
		cat
	} >>"$dir/data/postgresql.conf"
}

# A copy of this tree, without .git, in a scratch directory the server user
# owns: make installcheck and make prove_installcheck write results/,
# tmp_check/ and the test tools there, as that user.
server_tree() {
	local d
	d=$(scratch_dir "$1")
	tar --exclude=.git -cf - . | tar -C "$d" -xf -
	[ "$(id -u)" = 0 ] && chown -R postgres: "$d"
	echo "$d"
}

# make in such a tree, as the server user, for this PostgreSQL.
server_make() {
	as_server_user env PG_CONFIG="$PG_CONFIG" PG_TEST_EXTRA="${PG_TEST_EXTRA:-}" make -s -C "$@"
}
