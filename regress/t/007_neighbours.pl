# Processes that run a role's code without a client connection: autovacuum
# workers (an index expression that ANALYZE evaluates), pg_cron's background
# worker jobs, and logical replication apply workers (a trigger). Each must
# get its filter before that code runs: the session filter, or its backend
# type's, or (background workers) its role's stacked on the session filter.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use PgSeccomp;

# pg_cron is not built for every major (see regress/pg18.sh): without it,
# its part is skipped.
my $cron = have_extension('pg_cron');
my $node = seccomp_node('neighbours', init => { allows_streaming => 'logical' },
	preload => $cron ? 'pgseccomp,pg_cron' : 'pgseccomp', conf => qq{
pgseccomp.session_syscall_error = 'readlink'
pgseccomp.session_roles = 'regress_trusted'
session_syscall_error.regress_trusted = ''
max_connections = 20
max_worker_processes = 32
autovacuum_naptime = 1
cron.database_name = 'postgres'
cron.use_background_workers = on
include_if_exists = 'types.conf'
}, roles => 'CREATE ROLE regress_trusted LOGIN;');

# types.conf holds the backend type settings. Their overrides come before
# pgseccomp.backend_types so that the postmaster's compile at the reload
# includes them (see "How it works" in README.md).

my $tsdir = add_tablespace($node);
my $readlink = $READLINK;

# Tries the readlink and returns what happened: the path, or the error,
# prefixed with the backend type of the process that tried.
my $probe_fn = qq{
CREATE FUNCTION readlink_probe() RETURNS text LANGUAGE plpgsql AS \$\$
DECLARE
  who text := (SELECT backend_type FROM pg_stat_activity WHERE pid = pg_backend_pid());
  r text;
BEGIN
  BEGIN
    r := 'ok ' || ($readlink);
  EXCEPTION WHEN OTHERS THEN
    r := SQLERRM;
  END;
  r := 'readlink_probe [' || coalesce(who, '?') || '] ' || r;
  RAISE LOG '%', r;
  RETURN r;
END \$\$;
};

$node->safe_psql('postgres', qq{
CREATE EXTENSION pgseccomp;
CREATE ROLE regress_plain LOGIN;
-- backend_type of its own process, also where the role differs from it.
GRANT pg_read_all_stats TO regress_plain, regress_trusted;
GRANT CREATE ON SCHEMA public TO regress_plain;
});

# The probe and the readlink SELECT themselves work: a listed role with an
# empty error list reads the link, the plain role is denied.
my $ok = qr/^\Q$tsdir\E$/;
my ($ret, $out, $err) = readlink_probe($node, 'regress_trusted');
like($out, $ok, 'client backend of a listed role with a permissive override reads the link');
($ret, $out, $err) = readlink_probe($node, 'regress_plain');
like($err, qr/could not read symbolic link .*: Permission denied/, 'client backend of a plain role is denied readlink');

############################################################################
# 1. Autovacuum: ANALYZE evaluates a plain role's index expression.
############################################################################
$node->safe_psql('postgres', qq{
SET ROLE regress_plain;
$probe_fn
CREATE FUNCTION av_probe(i int) RETURNS int IMMUTABLE LANGUAGE plpgsql AS \$\$
BEGIN
  IF i % 10 = 0 THEN
    PERFORM public.readlink_probe();
  END IF;
  RETURN i;
END \$\$;
CREATE TABLE av (i int);
CREATE INDEX av_probe_idx ON av (av_probe(i));
ALTER TABLE av SET (autovacuum_analyze_threshold = 1, autovacuum_analyze_scale_factor = 0);
});

my $offset = -s $node->logfile;
$node->safe_psql('postgres', 'INSERT INTO av SELECT generate_series(1, 30)', extra_params => [ '-U', 'regress_plain' ]);
ok($node->wait_for_log(qr/readlink_probe \[autovacuum worker\] could not read symbolic link .*: Permission denied/, $offset),
	'autovacuum worker: the session filter denies readlink in an index expression ANALYZE evaluates');
ok(!$node->log_contains(qr/readlink_probe \[autovacuum worker\] ok/, $offset),
	'no autovacuum worker read the link under the session filter');
like(slurp_file($node->logfile, $offset),
	qr/readlink_probe \[client backend\] could not read symbolic link .*: Permission denied/,
	'the INSERT that built the index entries was denied too');

is($node->safe_psql('postgres', "SELECT count(*) FROM seccomp_backend_filters() WHERE backend_type = 'autovacuum_worker'"),
	0, 'seccomp_backend_filters lists no autovacuum_worker type before it is configured');

# A type override for autovacuum workers: readlink allowed there only.
reload_with($node, 'types.conf', qq{
backend_syscall_error.autovacuum_worker = ''
pgseccomp.backend_types = 'autovacuum_worker'
}, query => "SELECT count(*) > 0 FROM seccomp_backend_filters() WHERE backend_type = 'autovacuum_worker'");
my $av_rows = $node->safe_psql('postgres',
	"SELECT string_agg(syscall || ' ' || filter_action, ', ' ORDER BY syscall) FROM seccomp_backend_filters()"
	  . " WHERE backend_type = 'autovacuum_worker'");
like($av_rows, qr/<default> /, 'seccomp_backend_filters lists the autovacuum_worker type after the reload');
unlike($av_rows, qr/readlink/, 'its filter has no rule for readlink');
like($node->safe_psql('postgres',
		"SELECT filter_action FROM seccomp_backend_filters() WHERE backend_type = 'client backend' AND role IS NULL AND syscall = 'readlink'"),
	qr/session->error/, 'while the session filter still denies it');

$offset = -s $node->logfile;
$node->safe_psql('postgres', 'INSERT INTO av SELECT generate_series(31, 60)', extra_params => [ '-U', 'regress_plain' ]);
ok($node->wait_for_log(qr/readlink_probe \[autovacuum worker\] ok \Q$tsdir\E/, $offset),
	'autovacuum worker with backend_syscall_error.autovacuum_worker = \'\' reads the link');
my $log = slurp_file($node->logfile, $offset);
unlike($log, qr/readlink_probe \[autovacuum worker\] could not/, 'and no autovacuum worker was denied after the reload');
like($log, qr/readlink_probe \[client backend\] could not read symbolic link .*: Permission denied/,
	'the client backend that inserted is still denied: the type override is the autovacuum worker\'s alone');

############################################################################
# 2. pg_cron jobs in background workers.
############################################################################
SKIP:
{
	skip "pg_cron is not installed for PostgreSQL $PG_MAJOR (no pg_cron.control)", 5 unless $cron;
	$node->safe_psql('postgres', q{
	CREATE EXTENSION pg_cron;
	GRANT USAGE ON SCHEMA cron TO regress_plain, regress_trusted;
	});
	# pg_cron 1.4 has no schedules in seconds; @reboot jobs run as soon as the
	# scheduler starts after a restart.
	my %job;
	$job{plain} = $node->safe_psql('postgres', "SELECT cron.schedule('\@reboot', \$\$$readlink\$\$)",
		extra_params => [ '-U', 'regress_plain' ]);
	$job{harmless} = $node->safe_psql('postgres', "SELECT cron.schedule('\@reboot', 'SELECT 1')",
		extra_params => [ '-U', 'regress_plain' ]);
	$job{trusted} = $node->safe_psql('postgres', "SELECT cron.schedule('\@reboot', \$\$$readlink\$\$)",
		extra_params => [ '-U', 'regress_trusted' ]);

	sub cron_runs
	{
		$node->poll_query_until('postgres',
			"SELECT count(*) = 3 FROM cron.job_run_details WHERE status IN ('succeeded', 'failed') AND start_time > "
			  . "(SELECT pg_postmaster_start_time())")
		  or die 'the pg_cron jobs did not finish';
		my %r;
		foreach my $k (keys %job)
		{
			$r{$k} = $node->safe_psql('postgres',
				"SELECT status || ': ' || coalesce(return_message, '') FROM cron.job_run_details"
				  . " WHERE jobid = $job{$k} AND start_time > pg_postmaster_start_time()");
		}
		return %r;
	}

	$node->restart;
	my %r = cron_runs();
	like($r{plain}, qr/^failed: ERROR: could not read symbolic link .*: Permission denied/,
		'pg_cron job of a plain role: the session filter denies readlink');
	like($r{harmless}, qr/^succeeded: SELECT 1/, 'pg_cron job with a harmless command succeeds');
	# A job worker is a dynamic background worker: it takes the session
	# filter as it is forked, before anyone knows as which role it will
	# connect, and a role's filter can only be stacked on top of it.
	like($r{trusted}, qr/^failed: ERROR: could not read symbolic link .*: Permission denied/,
		'pg_cron job of a listed role with a permissive override: the session filter still denies readlink');

	write_conf($node, 'types.conf', qq{
	backend_syscall_error.autovacuum_worker = ''
	backend_syscall_error.pg_cron = ''
	pgseccomp.backend_types = 'autovacuum_worker, pg_cron'
	});
	$node->restart;
	%r = cron_runs();
	like($r{plain}, qr/^succeeded: SELECT 1/, 'with backend_syscall_error.pg_cron = \'\' the plain role\'s job reads the link');
	is($node->safe_psql('postgres', "SELECT count(*) FROM seccomp_backend_filters() WHERE backend_type = 'pg_cron'") > 0,
		1, 'seccomp_backend_filters lists the pg_cron type');
	$node->safe_psql('postgres', 'SELECT cron.unschedule(jobid) FROM cron.job');
}

############################################################################
# 3. Logical replication: a trigger fired by the apply worker.
############################################################################
# 18 (as upstream 17) calls the apply worker's backend type "logical replication apply
# worker" (15: "logical replication worker"), and so its type key.
my $apply = $PG_MAJOR >= 17 ? 'logical replication apply worker' : 'logical replication worker';
(my $apply_key = $apply) =~ s/ /_/g;
$node->safe_psql('postgres', 'CREATE DATABASE pub; CREATE DATABASE sub;');
$node->safe_psql('pub', q{
CREATE TABLE t (id int PRIMARY KEY);
CREATE PUBLICATION p FOR TABLE t;
SELECT pg_create_logical_replication_slot('sub1', 'pgoutput');
});
$node->safe_psql('sub', qq{
$probe_fn
CREATE TABLE t (id int PRIMARY KEY, note text);
CREATE FUNCTION t_probe() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN
  NEW.note := public.readlink_probe();
  RETURN NEW;
END \$\$;
CREATE TRIGGER t_probe BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION t_probe();
ALTER TABLE t ENABLE ALWAYS TRIGGER t_probe;
GRANT INSERT, SELECT ON t TO regress_trusted;
});
my $pubconn = $node->connstr('pub') =~ s/'/''/gr;
$node->safe_psql('sub', "CREATE SUBSCRIPTION s CONNECTION '$pubconn' PUBLICATION p"
	  . " WITH (create_slot = false, slot_name = 'sub1', copy_data = false)");

# Control: the trigger reads the link where no filter denies it.
$node->safe_psql('sub', 'INSERT INTO t VALUES (-1)', extra_params => [ '-U', 'regress_trusted' ]);
is($node->safe_psql('sub', 'SELECT note FROM t WHERE id = -1'), "readlink_probe [client backend] ok $tsdir",
	'the trigger reads the link in a listed role\'s session with a permissive override');

$node->safe_psql('pub', 'INSERT INTO t VALUES (1)');
$node->poll_query_until('sub', 'SELECT count(*) = 1 FROM t WHERE id = 1')
  or die 'the row did not arrive';
like($node->safe_psql('sub', 'SELECT note FROM t WHERE id = 1'),
	qr/^readlink_probe \[$apply\] could not read symbolic link .*: Permission denied$/,
	'apply worker: the session filter denies readlink in a trigger');

# Its type's filter: restart the apply worker after a reload.
reload_with($node, 'types.conf', qq{
backend_syscall_error.autovacuum_worker = ''
backend_syscall_error.pg_cron = ''
backend_syscall_error.$apply_key = ''
pgseccomp.backend_types = 'autovacuum_worker, pg_cron, $apply_key'
}, query => "SELECT count(*) > 0 FROM seccomp_backend_filters() WHERE backend_type = '$apply_key'");
$node->safe_psql('sub', 'ALTER SUBSCRIPTION s DISABLE');
$node->poll_query_until('sub', "SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = '$apply'")
  or die 'the apply worker did not stop';
$node->safe_psql('sub', 'ALTER SUBSCRIPTION s ENABLE');
$node->safe_psql('pub', 'INSERT INTO t VALUES (2)');
$node->poll_query_until('sub', 'SELECT count(*) = 1 FROM t WHERE id = 2')
  or die 'the second row did not arrive';
is($node->safe_psql('sub', 'SELECT note FROM t WHERE id = 2'), "readlink_probe [$apply] ok $tsdir",
	"apply worker with backend_syscall_error.$apply_key = '' reads the link");
$node->safe_psql('sub', 'ALTER SUBSCRIPTION s DISABLE; ALTER SUBSCRIPTION s SET (slot_name = NONE); DROP SUBSCRIPTION s');

ok(!$node->log_contains(qr/was terminated by signal/), 'no process was terminated by a signal');
ok(!$node->log_contains(qr/terminating any other active server processes|all server processes terminated; reinitializing/),
	'no crash restart');
$node->stop;
done_testing();
