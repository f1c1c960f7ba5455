# No way around the session filter: parallel workers enforce their leader's
# session and client filters, as the leader has them, not as the settings
# say later.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use PgSeccomp;

my $node = seccomp_node('parallel', conf => qq{
pgseccomp.session_syscall_error = 'readlink'
pgseccomp.session_roles = 'regress_reader'
session_syscall_error.regress_reader = ''
max_parallel_workers_per_gather = 2
include_if_exists = 'session.conf'
}, roles => 'CREATE ROLE regress_reader LOGIN SUPERUSER;');

my $tsdir = add_tablespace($node);
$node->safe_psql('postgres', qq{
CREATE EXTENSION pgseccomp;
-- Large enough for the planner to choose a parallel scan on its own.
CREATE TABLE big AS SELECT g, (SELECT oid FROM pg_tablespace WHERE spcname = 'ts') AS ts
  FROM generate_series(1, 1600000) g;
VACUUM ANALYZE big;
});

my $in_worker = "SET $FORCE_PARALLEL = on; SET parallel_leader_participation = off;";
my $readlink = $READLINK;
my $planned = "SET $FORCE_PARALLEL = off; SET parallel_leader_participation = off;"
  . " SELECT count(pg_tablespace_location(ts)) FROM big WHERE g % 1000 = 0";
my $status = "SELECT regexp_replace(pg_read_file('/proc/self/status'),"
  . " '.*\\nPid:\\s*(\\d+).*Seccomp_filters:\\s*(\\d+).*', '\\1 \\2', 's')";

# The plain session: readlink is denied, in the leader and in workers.
my $s = $node->background_psql('postgres', on_error_stop => 0);
my $leader = $s->query_safe('SELECT pg_backend_pid()');
my (undef, $err) = query_err($s, $readlink);
like($err, qr/Permission denied/, 'the session filter denies readlink in the leader');

like($s->query_safe("$in_worker EXPLAIN (COSTS OFF) $readlink"), qr/Gather/,
	'force_parallel_mode puts the call in a worker');
my ($out) = query_err($s, "$in_worker $status");
my ($worker_pid, $worker_filters) = split / /, $out;
isnt($worker_pid, $leader, 'the status comes from a parallel worker');
is($worker_filters, 2, 'the worker has the global and the session filter');
(undef, $err) = query_err($s, "$in_worker $readlink");
like($err, qr/could not read symbolic link .*: Permission denied\nCONTEXT:  parallel worker/,
	'force_parallel_mode: the session filter denies readlink in the worker');

like($s->query_safe("SET $FORCE_PARALLEL = off; SET parallel_leader_participation = off;"
		. " EXPLAIN (COSTS OFF) SELECT count(pg_tablespace_location(ts)) FROM big WHERE g % 1000 = 0"),
	qr/Gather.*\n.*\n.*Parallel Seq Scan on big/s, 'the planner chooses a parallel plan for the large table');
(undef, $err) = query_err($s, $planned);
like($err, qr/Permission denied\nCONTEXT:  parallel worker/,
	'a parallel plan of the planner: the session filter denies readlink in the workers');

# A parallel index build: the leader always takes part, so a denial there
# proves nothing about the workers. Instead every process that evaluates
# the index expression checks its own filters and logs its PID.
$node->safe_psql('postgres', q{
CREATE FUNCTION filters_probe(int) RETURNS int IMMUTABLE PARALLEL SAFE LANGUAGE plpgsql AS $$
DECLARE
  n int;
BEGIN
  IF $1 % 1000 = 0 THEN
    n := substring(pg_read_file('/proc/self/status') FROM 'Seccomp_filters:\s*(\d+)')::int;
    IF n < 2 THEN
      RAISE EXCEPTION 'process % evaluates the index with % filters', pg_backend_pid(), n;
    END IF;
    IF $1 % 100000 = 0 THEN
      RAISE LOG 'filters_probe pid % filters %', pg_backend_pid(), n;
    END IF;
  END IF;
  RETURN $1;
END $$;
});
my $offset = -s $node->logfile;
(undef, $err) = query_err($s, "SET max_parallel_maintenance_workers = 2; SET maintenance_work_mem = '256MB';"
	  . " CREATE INDEX big_probe ON big (filters_probe(g)); DROP INDEX big_probe");
is($err, '', 'a parallel index build: every process that evaluates the expression has the session filter');
my %probes = slurp_file($node->logfile, $offset) =~ /filters_probe pid (\d+) filters (\d+)/g;
cmp_ok(scalar keys %probes, '>=', 2, 'the index was built by the leader and parallel workers');
ok(!grep({ $_ != 2 } values %probes), 'each of them with two filters');

# Index builds and rewrites that no statement hook sees start workers too:
# each must succeed, and the probe index rebuilt by REINDEX shows that its
# workers carry the session filter.
my @ddl = (
	[ 'ALTER TABLE ADD PRIMARY KEY', 'ALTER TABLE big ADD PRIMARY KEY (g)' ],
	[ 'ALTER TABLE ADD UNIQUE', 'ALTER TABLE big ADD CONSTRAINT big_g_ts UNIQUE (g, ts)' ],
	[ 'CREATE TABLE with a TOAST index under zero parallel costs',
		'SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;'
		  . ' SET min_parallel_index_scan_size = 0; CREATE TABLE toasty (t text); DROP TABLE toasty;'
		  . ' RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;'
		  . ' RESET min_parallel_index_scan_size' ],
	[ 'REFRESH MATERIALIZED VIEW', 'CREATE MATERIALIZED VIEW mv AS SELECT g FROM big WHERE g % 10 = 0;'
		  . ' CREATE UNIQUE INDEX ON mv (g); REFRESH MATERIALIZED VIEW mv; REFRESH MATERIALIZED VIEW CONCURRENTLY mv; DROP MATERIALIZED VIEW mv' ],
	[ 'VACUUM (PARALLEL 2)', 'VACUUM (PARALLEL 2) big' ],
	[ 'CLUSTER', 'CLUSTER big USING big_pkey' ],
	[ 'VACUUM FULL', 'VACUUM FULL big' ],
	[ 'ALTER TABLE ALTER COLUMN TYPE', 'ALTER TABLE big ALTER COLUMN g TYPE bigint' ],);
foreach my $case (@ddl)
{
	(undef, $err) = query_err($s, "SET max_parallel_maintenance_workers = 2; SET maintenance_work_mem = '256MB'; $case->[1]");
	is($err, '', "$case->[0] succeeds");
}
$node->safe_psql('postgres', 'CREATE INDEX big_probe2 ON big (filters_probe(g::int))');
$offset = -s $node->logfile;
(undef, $err) = query_err($s, "SET max_parallel_maintenance_workers = 2; SET maintenance_work_mem = '256MB'; REINDEX INDEX big_probe2");
is($err, '', 'REINDEX of an expression index: every process that evaluates it has the session filter');
%probes = slurp_file($node->logfile, $offset) =~ /filters_probe pid (\d+) filters (\d+)/g;
cmp_ok(scalar keys %probes, '>=', 2, 'REINDEX ran in the leader and parallel workers');
ok(!grep({ $_ != 2 } values %probes), 'each of them with two filters');
$node->safe_psql('postgres', 'DROP INDEX big_probe2');

# A client filter is carried too.
is($s->query_safe("SELECT set_client_filter(NULL, NULL, NULL, 'getdents64', NULL)"), 'OK',
	'a client filter is loaded');
($out) = query_err($s, "$in_worker $status");
is((split / /, $out)[1], 3, 'the worker has the client filter as well');
(undef, $err) = query_err($s, "$in_worker SELECT count(*) FROM pg_ls_dir('.')");
like($err, qr/could not read directory "\.": Permission denied\nCONTEXT:  parallel worker/,
	'the client filter denies getdents64 in the worker');

# A reload does not change what an existing session's workers enforce.
reload_with($node, 'session.conf', "pgseccomp.session_syscall_error = ''\n",
	show => [ 'pgseccomp.session_syscall_error', '' ]);
(undef, $err) = query_err($s, "$in_worker $readlink");
like($err, qr/Permission denied\nCONTEXT:  parallel worker/,
	'after a reload, the old session\'s workers still deny readlink');
(undef, $err) = query_err($s, $planned);
like($err, qr/Permission denied\nCONTEXT:  parallel worker/,
	'after a reload, so do the workers of a planned parallel query');
$s->quit;

# Without the filters the same statements succeed in workers: the tests
# above fail because of the filters, not because of something else.
$s = $node->background_psql('postgres', on_error_stop => 0);
($out, $err) = query_err($s, "$in_worker $readlink");
is($out, $tsdir, 'a new session after the reload reads the link in a worker');
($out, $err) = query_err($s, $planned);
is($out, '1600', 'and runs the planned parallel query');
is($err, '', 'without error');

$s->quit;
$s = $node->background_psql('postgres', on_error_stop => 0, extra_params => [ '-U', 'regress_reader' ]);
($out, $err) = query_err($s, "$in_worker $status");
is((split / /, $out)[1], 1, 'a role whose settings equal the global ones: its worker has the global filter alone');
($out, $err) = query_err($s, "$in_worker SELECT count(*) > 0 FROM pg_ls_dir('.')");
is($out, 't', 'and getdents64 works there without a client filter');
$s->quit;

ok(!$node->log_contains(qr/server process .* was terminated/), 'no backend crashed');
$node->stop;
done_testing();
