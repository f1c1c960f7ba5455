# Learning: with 'learn' defaults a workload runs as without filters, while
# every level records what it allowed without naming it; seccomp_suggest()
# turns that into deny-by-default settings, under which the same workload
# runs again with no failure and no denial. A real neighbour takes part:
# pg_cron runs a job in a background worker at each start.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use FindBin;
use lib $FindBin::RealBin;
use PgSeccomp;

# pg_cron is not built for every major (see regress/pg18.sh): without it,
# the workload runs without its job.
my $cron = have_extension('pg_cron');
my $no_cron = "pg_cron is not installed for PostgreSQL $PG_MAJOR (no pg_cron.control)";
my $node = seccomp_node('learning', preload => $cron ? 'pgseccomp,pg_cron' : 'pgseccomp', conf => qq{
cron.database_name = 'postgres'
cron.use_background_workers = on
pgseccomp.global_syscall_default = 'learn'
pgseccomp.session_syscall_default = 'learn'
pgseccomp.session_roles = 'regress_learner'
max_worker_processes = 16
max_connections = 30
});
$node->safe_psql('postgres', q{
CREATE EXTENSION pgseccomp;
CREATE ROLE regress_learner LOGIN;
GRANT pg_read_all_data, pg_write_all_data, pg_execute_server_program TO regress_learner;
});
$node->safe_psql('postgres', q{
CREATE EXTENSION pg_cron;
CREATE TABLE cron_done (at timestamptz);
SELECT cron.schedule('@reboot', 'INSERT INTO cron_done SELECT now() FROM generate_series(1, 1000)');
}) if $cron;
# pg_cron 1.4 runs @reboot jobs when its scheduler starts: restart, and
# learn from then on (a restart empties what was learned).
$node->restart;

# Waits for this start's pg_cron job, and returns its status.
sub cron_job
{
	$node->poll_query_until('postgres', q{SELECT count(*) = 1 FROM cron.job_run_details
 WHERE status IN ('succeeded', 'failed') AND start_time > pg_postmaster_start_time()})
	  or die 'the pg_cron job did not finish';
	return $node->safe_psql('postgres', q{SELECT status || ': ' || coalesce(return_message, '')
 FROM cron.job_run_details WHERE start_time > pg_postmaster_start_time()});
}
SKIP:
{
	skip $no_cron, 1 unless $cron;
	like(cron_job(), qr/^succeeded: INSERT 0 1000/, 'learning: the pg_cron job succeeds');
}

my $copy = $node->basedir . '/branches.copy';

# The workload: pgbench initialization, read-write and -C runs, CREATE
# INDEX, VACUUM ANALYZE, a parallel query, COPY to a file, CHECKPOINT; and
# read-only runs as a listed role.
sub workload
{
	my ($what) = @_;
	$node->command_ok([ 'pgbench', '-i', '-s', '4', '-q', '-p', $node->port, '-h', $node->host, 'postgres' ],
		"$what: pgbench initialization");
	foreach my $run ([ '-T', '3', '-c', '4', '-j', '2' ], [ '-T', '2', '-c', '2', '-C' ])
	{
		my $cmd = [ 'pgbench', @$run, '-p', $node->port, '-h', $node->host, 'postgres' ];
		my ($stdout, $stderr) = run_command($cmd);
		like($stdout, qr/number of failed transactions: 0 /, "$what: pgbench @$run has no failed transaction");
		unlike($stderr, qr/ERROR|FATAL|PANIC/, "$what: pgbench @$run reports no error");
	}
	my ($stdout, $stderr) = run_command([ 'pgbench', '-T', '2', '-c', '2', '-S', '-C', '-U', 'regress_learner',
		'-p', $node->port, '-h', $node->host, 'postgres' ]);
	like($stdout, qr/number of failed transactions: 0 /, "$what: pgbench as a listed role has no failed transaction");
	is($node->safe_psql('postgres', qq{
CREATE INDEX IF NOT EXISTS accounts_balance ON pgbench_accounts (abalance);
VACUUM ANALYZE;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT count(*) FROM pgbench_accounts WHERE abalance > -1000000;
COPY pgbench_branches TO '$copy';
CHECKPOINT;
}), '400000', "$what: index, vacuum, parallel query, copy and checkpoint work");
}

# Learning changes nothing the workload sees: signals still interrupt
# (a timeout, a termination), and programs still run.
my ($ret, $out, $err) = $node->psql('postgres', q{SET statement_timeout = '200ms'; SELECT pg_sleep(5)});
like($err, qr/canceling statement due to statement timeout/, 'learning: a timeout interrupts pg_sleep');
is($node->safe_psql('postgres', q{
CREATE TEMP TABLE echoed (t text);
COPY echoed FROM PROGRAM 'echo learned';
SELECT t FROM echoed}), 'learned', 'learning: COPY FROM PROGRAM runs its program');
my ($sleep_out, $sleep_err) = ('', '');
my $sleeper = IPC::Run::start([ 'psql', '-X', '-h', $node->host, '-p', $node->port, '-d', 'postgres',
	'-c', "SELECT pg_sleep(60) /* sleeper */" ], '>', \$sleep_out, '2>', \$sleep_err);
$node->poll_query_until('postgres', q{SELECT count(*) = 1 FROM pg_stat_activity
 WHERE query LIKE '%/* sleeper */' AND pid <> pg_backend_pid()}) or die 'no sleeper';
is($node->safe_psql('postgres', q{SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity
 WHERE query LIKE '%/* sleeper */' AND pid <> pg_backend_pid()}), 't', 'learning: a backend can be terminated');
$sleeper->finish;
like($sleep_err, qr/terminating connection due to administrator command/, 'learning: the terminated backend said why');
# A spawn that fails: glibc reaps the child with every signal blocked.
($ret, $out, $err) = $node->psql('postgres',
	q{DO $$ BEGIN EXECUTE format('COPY (SELECT 1) TO PROGRAM %L', 'true ' || repeat('x', 140000)); END $$},
	extra_params => [ '-U', 'regress_learner' ]);
like($err, qr/ERROR:  could not execute command/, 'learning: a spawn that fails is an ERROR');
unlike(slurp_file($node->logfile), qr/terminated by signal/, 'learning: no process was killed');
workload('learning');

is($node->safe_psql('postgres', 'SELECT count(*) FROM seccomp_denials()'), '0', 'learning denies nothing');
my $learned = $node->safe_psql('postgres', q{
SELECT level || ' ' || setting || ' ' || role FROM seccomp_learned()
 WHERE syscall = 'recvfrom' AND calls > 0 AND backend_type = 'client backend' GROUP BY 1 ORDER BY 1});
is($learned, join("\n",
	'global pgseccomp.global_syscall_default postgres',
	'global pgseccomp.global_syscall_default regress_learner',
	'session pgseccomp.session_syscall_default postgres',
	'session pgseccomp.session_syscall_default regress_learner'),
	'both learning levels learned recvfrom, for each role');
my $kinds = $node->safe_psql('postgres', q{
SELECT string_agg(DISTINCT backend_type, ',' ORDER BY backend_type) FROM seccomp_learned()});
like($kinds, qr/autovacuum.*checkpointer.*client backend.*parallel worker.*postmaster/,
	'learned in every kind of process');
SKIP:
{
	skip $no_cron, 1 unless $cron;
	like($kinds, qr/parallel worker.*pg_cron.*postmaster/, 'learned in pg_cron\'s workers too');
}
is($node->safe_psql('postgres', q{
SELECT count(*) > 0 FROM seccomp_learned() WHERE query LIKE 'COPY pgbench_branches TO%'}),
	't', 'learned rows keep a statement that made the syscall');

# Comments say what each level observed; the settings follow them.
my @all = split /\n/, $node->safe_psql('postgres', 'SELECT * FROM seccomp_suggest()');
my @lines = grep { !/^#/ } @all;
is_deeply([ map { /^(\S+) = / ? $1 : $_ } @lines ],
	[ 'pgseccomp.global_syscall_default', 'pgseccomp.global_syscall_allow',
	  'pgseccomp.session_syscall_default', 'pgseccomp.session_syscall_allow',
	  'session_syscall_allow.regress_learner' ],
	'the suggestion sets the default and allow list of each learning level')
  or diag(join("\n", @lines));
like($lines[0], qr/^pgseccomp.global_syscall_default = 'error'$/, 'the global default becomes error');
like($lines[1], qr/'.*\bclone\b.*'/, 'the global list keeps what learning cannot see (the postmaster forks)');
unlike($lines[3], qr/\b(clone3?|execve)\b/, 'the session list does not add what creates processes');
like($lines[3], qr/\bsendto\b.*\bsendmsg\b/, 'the session list adds a learned syscall with its family');

# Applied: the suggested lines after everything else.
$node->append_conf('postgresql.conf', join("\n", @all) . "\n");
$node->restart;
is($node->safe_psql('postgres', q{SELECT filter_action FROM seccomp_filter()
 WHERE syscall = '<default>' AND context = 'session'}), 'session->error', 'the session level now denies by default');
SKIP:
{
	skip $no_cron, 1 unless $cron;
	like(cron_job(), qr/^succeeded: INSERT 0 1000/, 'enforcing: the pg_cron job succeeds');
}
workload('enforcing');
is($node->safe_psql('postgres', q{SELECT count(*) FROM seccomp_denials()}), '0',
	'the same workload under the suggestion has no denial')
  or diag($node->safe_psql('postgres', q{SELECT backend_type, syscall, source, query FROM seccomp_denials() LIMIT 20}));
# What was learned survives the restart; nothing new is learned.
is($node->safe_psql('postgres', q{SELECT count(*) FROM seccomp_learned() WHERE last_at > pg_postmaster_start_time()}),
	'0', 'nothing learns any more');
unlike(slurp_file($node->logfile), qr/terminated by signal|PANIC/, 'no process died');

$node->stop;
done_testing();
