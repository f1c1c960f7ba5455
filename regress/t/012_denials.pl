# Denials: every syscall a filter denies with an errno, at any level and in
# any process, is recorded in shared memory (seccomp_denials()) and written
# to the server log, while the caller sees the same errno as without the
# recording. Programs the server executes get plain errnos, syscalls glibc
# makes with every signal blocked are never trapped, and a SIGSYS sent by
# someone still kills. 'learn' is a default, never a list item, and
# set_client_filter cannot learn.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Cwd ();
use FindBin;
use lib $FindBin::RealBin;
use PgSeccomp;

if ($^O ne 'linux' || `uname -m` !~ /^x86_64/)
{
	plan skip_all => 'syscall numbers of x86_64';
}

# x86_64 syscall numbers.
my %NR = (getcwd => 79, getppid => 110, sethostname => 170);
my ($EPERM, $ENOENT, $EIO, $EACCES) = (1, 2, 5, 13);

# Overrides first, so that every compile already has them (README, "How it
# works").
my $node = seccomp_node('denials', first => qq{
session_syscall_error.regress_role = 'getcwd:ENOENT'
session_syscall_error.regress_noclone = 'clone,clone3'
session_syscall_error.regress_nowait = 'wait4:EPERM'
backend_syscall_error.autovacuum_worker = 'getcwd:EIO'
}, conf => qq{pgseccomp.global_syscall_error = 'sethostname:EPERM'
pgseccomp.session_syscall_error = 'getcwd'
pgseccomp.session_roles = 'regress_role, regress_noclone, regress_nowait'
pgseccomp.backend_types = 'autovacuum_worker'
max_worker_processes = 16
max_parallel_workers_per_gather = 2
autovacuum_naptime = 1
restart_after_crash = on
}, roles => 'CREATE ROLE regress_noclone LOGIN; CREATE ROLE regress_nowait LOGIN;');
ok(!$node->log_contains(qr/pgseccomp cannot report denials/), 'the server can trap denials')
  or diag(slurp_file($node->logfile));

# sys(nr, arg) makes syscall nr with a buffer (arg, or 4 kB of NULs) and its
# length, and returns its result or -errno. getcwd_n(n) calls getcwd n times
# and counts the calls that failed with EACCES.
$node->safe_psql('postgres', q{
CREATE EXTENSION pgseccomp;
CREATE EXTENSION plperlu;
CREATE FUNCTION sys(nr int, arg text DEFAULT NULL) RETURNS int LANGUAGE plperlu PARALLEL SAFE AS $$
  my ($nr, $arg) = @_;
  my $buf = defined $arg ? $arg : "\0" x 4096;
  my $r = syscall($nr, $buf, length $buf);
  return $r < 0 ? -($! + 0) : $r;
$$;
CREATE FUNCTION getcwd_n(n int) RETURNS int LANGUAGE plperlu AS $$
  my $buf = "\0" x 4096;
  my $eacces = 0;
  for (1 .. $_[0]) { $eacces++ if syscall(79, $buf, 4096) < 0 && $! == 13; }
  return $eacces;
$$;
CREATE ROLE regress_role LOGIN;
GRANT pg_execute_server_program TO regress_noclone;
GRANT pg_execute_server_program TO regress_nowait;
GRANT EXECUTE ON FUNCTION sys(int, text) TO regress_role;
CREATE TABLE par AS SELECT g FROM generate_series(1, 100) g;
ANALYZE par;
});
my $superuser = $node->safe_psql('postgres', 'SELECT current_user');

# The denials of one process: "syscall syscallnum errno source
# backend_type database role | query" per row, oldest first. The query
# loses the "\n;" that background_psql adds to each statement.
my $denials_sql = q{SELECT string_agg(concat_ws(' ', syscall, syscallnum, errno, source, backend_type,
  database, role, '|', regexp_replace(query, E'\n;$', '')), E'\n' ORDER BY at, syscallnum) FROM seccomp_denials() WHERE pid = %d};

# Runs $sql (whose first column is pg_backend_pid()) and returns the pid,
# the rest of the result and that process's denials.
sub probe
{
	my ($sql, @params) = @_;
	my $out = $node->safe_psql('postgres', $sql, @params);
	my ($pid, $rest) = split /\|/, $out, 2;
	return ($pid, $rest, $node->safe_psql('postgres', sprintf($denials_sql, $pid)));
}

############################################################################
# 1. Levels: global, session, role, client.
############################################################################
$node->safe_psql('postgres', 'SELECT seccomp_denials_reset()');
my $offset = -s $node->logfile;

my $q = "SELECT pg_backend_pid(), sys($NR{getcwd}) /* session getcwd */";
my ($pid, $ret, $rows) = probe($q);
is($ret, -$EACCES, 'session filter: getcwd fails with EACCES, as without recording');
is($rows, "getcwd 79 EACCES session client backend postgres $superuser | $q",
	'seccomp_denials() has the row: syscall, number, errno, source, backend type, database, role, query');
is($node->safe_psql('postgres', "SELECT at BETWEEN now() - interval '1 minute' AND now() FROM seccomp_denials() WHERE pid = $pid"),
	't', 'its time is when the syscall was made');
{
	# Within seconds: wait_for_log gives up after 10.
	local $PostgreSQL::Test::Utils::timeout_default = 10;
	ok(eval { $node->wait_for_log(qr/LOG:  pgseccomp denied syscall "getcwd" with EACCES to role "\Q$superuser\E" in database "postgres"\n.*DETAIL:  Process $pid \(client backend\), session filter, statement: \Q$q\E/,
				$offset) }, 'within seconds, the server log gets the denial with its process, level and statement')
	  or diag(slurp_file($node->logfile, $offset));
}

# The server user could not set the host name anyway (EPERM): the row is
# what shows that the global filter denied it.
$q = "SELECT pg_backend_pid(), sys($NR{sethostname}, 'regress') /* global sethostname */";
($pid, $ret, $rows) = probe($q);
is($ret, -$EPERM, 'global filter: sethostname fails with EPERM');
is($rows, "sethostname 170 EPERM global client backend postgres $superuser | $q",
	'seccomp_denials() names the global level and its errno');

$q = "SELECT pg_backend_pid(), sys($NR{getcwd}) /* role getcwd */";
($pid, $ret, $rows) = probe($q, extra_params => [ '-U', 'regress_role' ]);
is($ret, -$ENOENT, 'role filter: getcwd fails with the role\'s ENOENT');
is($rows, "getcwd 79 ENOENT session client backend postgres regress_role | $q",
	'seccomp_denials() names the role and the role filter\'s errno, at the session level');

# A client filter on an open session.
my $s = $node->background_psql('postgres', on_error_stop => 0);
my $spid = $s->query_safe('SELECT pg_backend_pid()');
cmp_ok($s->query_safe("SELECT sys($NR{getppid})"), '>', 0, 'getppid works before set_client_filter');
is($s->query_safe("SELECT set_client_filter('allow', NULL, NULL, 'getppid', NULL)"), 'OK', 'set_client_filter denies getppid');
is($s->query_safe("SELECT sys($NR{getppid}) /* client getppid */"), -$EACCES, 'client filter: getppid fails with EACCES');
is($s->query_safe("SELECT sys($NR{getcwd}) /* session under client */"), -$EACCES,
	'getcwd is still denied by the session filter under the client filter');
is($s->query_safe("SELECT set_client_filter(NULL, NULL, NULL, 'getcwd:ENOENT', NULL)"), 'OK',
	'a second client filter denies getcwd with ENOENT');
is($s->query_safe("SELECT sys($NR{getcwd}) /* newest client getcwd */"), -$ENOENT,
	'two filters deny getcwd: the newest one\'s errno, as without recording');
$rows = $node->safe_psql('postgres', sprintf($denials_sql, $spid));
is($rows, join("\n",
	"getppid 110 EACCES client client backend postgres $superuser | SELECT sys(110) /* client getppid */",
	"getcwd 79 EACCES session client backend postgres $superuser | SELECT sys(79) /* session under client */",
	"getcwd 79 ENOENT client client backend postgres $superuser | SELECT sys(79) /* newest client getcwd */"),
	'seccomp_denials() names the client level where a client filter decides, the session level where it does not');
$s->quit;

############################################################################
# 2. A parallel worker.
############################################################################
$s = $node->background_psql('postgres', on_error_stop => 0);
$spid = $s->query_safe('SELECT pg_backend_pid()');
$s->query_safe('SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;'
	  . " SET $FORCE_PARALLEL = on; SET parallel_leader_participation = off;");
$q = "SELECT min(sys($NR{getcwd})) FROM par /* parallel getcwd */";
like($s->query_safe("EXPLAIN (COSTS OFF) $q"), qr/Gather/, 'the query runs in a parallel worker');
is($s->query_safe($q), -$EACCES, 'parallel worker: getcwd fails with EACCES');
$s->quit;
$rows = $node->safe_psql('postgres', "SELECT string_agg(DISTINCT concat_ws(' ', syscall, errno, source, backend_type,"
	  . " database, role, '|', query), E'\\n') FROM seccomp_denials() WHERE query = E'$q\\n;' AND pid <> $spid");
is($rows, "getcwd EACCES session parallel worker postgres $superuser | $q\n;",
	'seccomp_denials() has rows of the parallel worker, with its leader\'s statement');
is($node->safe_psql('postgres', "SELECT count(*) FROM seccomp_denials() WHERE pid = $spid AND query = E'$q\\n;'"), 0,
	'and none of the leader, which did not scan');

############################################################################
# 3. The log: at most LOG_PER_PASS (10) lines a second, then a count.
############################################################################
# Everything so far is logged once the last denial is.
ok($node->wait_for_log(qr/DETAIL:  Process \d+ \(parallel worker\), session filter, statement: \Q$q\E/, $offset),
	'the parallel worker\'s denial is logged with its backend type');
sleep 2;
$offset = -s $node->logfile;
is($node->safe_psql('postgres', 'SELECT getcwd_n(200) /* 200 denials */'), 200, '200 denied getcwd calls, each with EACCES');
ok(eval { $node->wait_for_log(qr/LOG:  pgseccomp did not log \d+ denials\n.*DETAIL:  At most 10 denials are logged per second; seccomp_denials\(\) keeps the last 10240\./,
			$offset) }, 'the log says how many denials it did not log')
  or diag(slurp_file($node->logfile, $offset));
sleep 3;    # and later passes
my $log = slurp_file($node->logfile, $offset);
my $logged = () = $log =~ /LOG:  pgseccomp denied syscall "getcwd"/g;
my $skipped = 0;
$skipped += $1 while $log =~ /LOG:  pgseccomp did not log (\d+) denials/g;
cmp_ok($logged, '>=', 10, 'the first pass logs 10 denials');
cmp_ok($logged, '<=', 30, "far fewer than 200 denials are logged ($logged)");
is($logged + $skipped, 200, 'logged and not logged add up to the 200 denials');

############################################################################
# 4. Counts, the ring's limit, reset, and who may read.
############################################################################
$node->safe_psql('postgres', 'SELECT seccomp_denials_reset()');
my $stats = 'SELECT denials, denials_dropped FROM seccomp_report_stats()';
is($node->safe_psql('postgres', $stats), '0|0', 'after a reset no denial is counted');
is($node->safe_psql('postgres', 'SELECT count(*) FROM seccomp_denials()'), 0, 'and none is listed');
$node->safe_psql('postgres', "SELECT sys($NR{getcwd}), sys($NR{getcwd}), sys($NR{sethostname}, 'x')");
is($node->safe_psql('postgres', $stats), '3|0', 'seccomp_report_stats() counts three denials');

my $since = $node->safe_psql('postgres', 'SELECT since FROM seccomp_report_stats()');
is($node->safe_psql('postgres', 'SELECT getcwd_n(11000) /* flood */'), 11000, '11000 denied getcwd calls, each with EACCES');
is($node->safe_psql('postgres', $stats), '10240|763', 'seccomp_report_stats(): 10240 kept, 763 dropped');
is($node->safe_psql('postgres', q{SELECT count(*), count(*) FILTER (WHERE query = 'SELECT getcwd_n(11000) /* flood */'
 AND syscall = 'getcwd' AND errno = 'EACCES' AND source = 'session') FROM seccomp_denials()}),
	'10242|10240', 'seccomp_denials() returns the newest 10240 denials, and two older ones');
is($node->safe_psql('postgres', q{SELECT string_agg(syscall || ' ' || query, ', ') FROM seccomp_denials() WHERE query NOT LIKE '%flood%'}),
	"getcwd SELECT sys($NR{getcwd}), sys($NR{getcwd}), sys($NR{sethostname}, 'x'), sethostname SELECT sys($NR{getcwd}), sys($NR{getcwd}), sys($NR{sethostname}, 'x')",
	'the ones the ring no longer has, kept as the first of their role, backend type and syscall (022_evidence.pl)');
is($node->safe_psql('postgres', q{SELECT count(*) FROM (SELECT at < lag(at) OVER () AS back FROM seccomp_denials()) s WHERE back}),
	0, 'oldest first');
$node->safe_psql('postgres', 'SELECT seccomp_denials_reset()');
is($node->safe_psql('postgres', 'SELECT count(*) FROM seccomp_denials()'), 0, 'seccomp_denials_reset() empties it');
is($node->safe_psql('postgres', $stats), '0|0', 'and resets the counts');
is($node->safe_psql('postgres', "SELECT since > '$since' FROM seccomp_report_stats()"), 't', 'and the time since');
$node->safe_psql('postgres', "SELECT sys($NR{getcwd}) /* after reset */");
is($node->safe_psql('postgres', "SELECT count(*) || ' ' || min(query) FROM seccomp_denials()"), '1 SELECT sys(79) /* after reset */',
	'a denial after the reset is listed alone');
is($node->safe_psql('postgres', $stats), '1|0', 'and counted');

foreach my $f ('seccomp_denials()', 'seccomp_report_stats()', 'seccomp_denials_reset()')
{
	my $name = $f =~ s/\(\)$//r;
	my ($r, $o, $e) = $node->psql('postgres', "SELECT * FROM $f", extra_params => [ '-U', 'regress_role' ]);
	like($e, qr/permission denied for function \Q$name\E/, "a non-superuser may not call $f");
}

############################################################################
# 5. An autovacuum worker: ANALYZE evaluates an index expression.
############################################################################
# Three rows of 30 deny, so that the INSERT's denials and the worker's
# stay within the 10 that one pass of the compile worker logs.
$node->safe_psql('postgres', qq{
CREATE FUNCTION av_probe(i int) RETURNS int IMMUTABLE LANGUAGE plperlu AS \$\$
  my \$buf = "\\0" x 4096;
  syscall($NR{getcwd}, \$buf, 4096) if \$_[0] % 10 == 0;
  return \$_[0];
\$\$;
CREATE TABLE av (i int);
CREATE INDEX av_probe_idx ON av (av_probe(i));
ALTER TABLE av SET (autovacuum_analyze_threshold = 1, autovacuum_analyze_scale_factor = 0);
INSERT INTO av SELECT generate_series(1, 30);
});
ok($node->poll_query_until('postgres',
		"SELECT count(*) > 0 FROM seccomp_denials() WHERE backend_type = 'autovacuum worker'"),
	'autovacuum worker: its denial is recorded');
is($node->safe_psql('postgres', q{SELECT string_agg(DISTINCT concat_ws(' ', syscall, errno, source, database), ',')
 FROM seccomp_denials() WHERE backend_type = 'autovacuum worker'}), 'getcwd EIO session postgres',
	'with its backend type\'s errno, EIO, at the session level, in its database');
is($node->safe_psql('postgres', q{SELECT string_agg(DISTINCT errno, ',') FROM seccomp_denials()
 WHERE backend_type = 'client backend' AND query = 'INSERT INTO av SELECT generate_series(1, 30);'}), 'EACCES',
	'the client backend that built the index got the session filter\'s EACCES');
ok($node->wait_for_log(qr/DETAIL:  Process \d+ \(autovacuum worker\), session filter/, $offset),
	'the autovacuum worker\'s denial is logged');
$node->safe_psql('postgres', 'DROP TABLE av');

############################################################################
# 6. Programs the server executes.
############################################################################
# Creating the process: clone and clone3 are denied with plain errnos (a
# trap there would kill, as glibc blocks every signal), so COPY fails.
$s = $node->background_psql('postgres', on_error_stop => 0, extra_params => [ '-U', 'regress_noclone' ]);
$offset = -s $node->logfile;
$s->query(q{COPY (SELECT 1) TO PROGRAM 'cat > /dev/null'});
# (glibc's popen reports a failed spawn as ENOMEM, whatever the cause.)
like($s->{stderr}, qr/ERROR:  could not execute command "cat > \/dev\/null": /,
	'COPY TO PROGRAM under a filter denying clone and clone3: an ERROR');
$s->{stderr} = '';
is($s->query_safe('SELECT 42'), '42', 'the backend goes on');
$s->quit;
is($node->safe_psql('postgres', q{SELECT count(*) FROM seccomp_denials() WHERE syscall IN ('clone', 'clone3')}), 0,
	'untrapped syscalls are not recorded');

# A program that cannot be executed (its arguments are too long): glibc
# reaps the child with wait4 while every signal is blocked. Denied there, it
# must return its errno, not kill the backend and restart the cluster.
$s = $node->background_psql('postgres', on_error_stop => 0, extra_params => [ '-U', 'regress_nowait' ]);
$s->query(q{DO $$ BEGIN EXECUTE format('COPY (SELECT 1) TO PROGRAM %L', 'true ' || repeat('x', 140000)); END $$});
like($s->{stderr}, qr/ERROR:  could not execute command/, 'a spawn that fails under a filter denying wait4: an ERROR');
$s->{stderr} = '';
is($s->query_safe('SELECT 42'), '42', 'the backend goes on after it');
$s->quit;
ok(!$node->log_contains(qr/terminated by signal 31/), 'no backend was killed by SIGSYS');

# In the program: the inherited filters deny getcwd with a plain errno.
my $script = $node->basedir . '/getcwd.pl';
PostgreSQL::Test::Utils::append_to_file($script,
	'my $b = "\0" x 4096; my $r = syscall(79, $b, 4096); print $r < 0 ? -($! + 0) : $r, "\n";');
chmod 0644, $script;
is($node->safe_psql('postgres', qq{
CREATE TEMP TABLE out (t text);
COPY out FROM PROGRAM 'perl $script';
SELECT t FROM out}), -$EACCES, 'a program the server runs gets EACCES for getcwd');
is($node->safe_psql('postgres', q{SELECT count(*) FROM seccomp_denials() WHERE query LIKE '%COPY out FROM PROGRAM%'}), 0,
	'its denial is not recorded (no handler there: it was not trapped)');
my $datadir = $node->safe_psql('postgres', "SHOW data_directory");
my ($r, $o, $e) = $node->psql('postgres', q{COPY (SELECT 1) TO PROGRAM '/bin/pwd -P > pwd.out; cat > /dev/null'});
unlike($e, qr/terminated by signal/, '/bin/pwd -P, whose getcwd is denied, is not killed');
is($r, 0, 'COPY TO PROGRAM /bin/pwd -P succeeds') or diag($e);
chomp(my $pwd = slurp_file("$datadir/pwd.out"));
is($pwd, Cwd::realpath($datadir), 'pwd found its directory without getcwd');
ok(!$node->log_contains(qr/terminated by signal|terminating any other active server processes/), 'no process was terminated by a signal so far');

############################################################################
# 7. 'learn' cannot be a list item, nor a client filter's default.
############################################################################
$s = $node->background_psql('postgres', on_error_stop => 0);
my $before = $s->query_safe(q{SELECT string_agg(syscall || filter_action || context, ',' ORDER BY context, syscallnum) FROM seccomp_filter()});
$s->query(q{SELECT set_client_filter('learn', NULL, NULL, NULL, NULL)});
like($s->{stderr}, qr/ERROR:  invalid value for parameter "default_action"/, 'set_client_filter(\'learn\', ...) is an ERROR');
$s->{stderr} = '';
is($s->query_safe(q{SELECT count(*) FROM seccomp_filter() WHERE filter_action LIKE 'client->%'}), 0,
	'seccomp_filter() shows no client rows');
is($s->query_safe(q{SELECT string_agg(syscall || filter_action || context, ',' ORDER BY context, syscallnum) FROM seccomp_filter()}),
	$before, 'and the same filters as before');
$s->quit;

my $node2 = seccomp_node('learn_in_list', start => 0, conf => qq{
include_if_exists = 'bad.conf'
});
foreach my $case ([ 'pgseccomp.session_syscall_error', 'getcwd:learn' ],
	[ 'pgseccomp.session_syscall_error', 'learn' ],
	[ 'pgseccomp.global_syscall_allow', 'read, learn' ],
	[ 'session_syscall_allow.regress_role', 'learn', "pgseccomp.session_roles = 'regress_role'\n" ])
{
	my ($setting, $value, $extra) = @$case;
	write_conf($node2, 'bad.conf', "$setting = '$value'\n" . ($extra // ''));
	my $off = -s $node2->logfile // 0;
	ok(!$node2->start(fail_ok => 1), "$setting = '$value' stops the server at start");
	like(slurp_file($node2->logfile, $off),
		qr/FATAL:  invalid value for parameter "\Q$setting\E"\n.*DETAIL:  "learn" is an action for a level's default, not for a list\./,
		"the log names $setting and says why");
}
unlink $node2->data_dir . '/bad.conf';
$node2->start;
is($node2->safe_psql('postgres', 'SELECT 1'), 1, 'without it the server starts');
$node2->stop;

############################################################################
# 8. A SIGSYS that someone sends still kills (the cluster restarts).
############################################################################
my $kept = $node->safe_psql('postgres', 'SELECT count(*) FROM seccomp_denials()');
$s = $node->background_psql('postgres', on_error_stop => 0);
$spid = $s->query_safe('SELECT pg_backend_pid()');
$offset = -s $node->logfile;
kill 'SYS', $spid;
# 18 names the process by its backend type, 15 as "server process".
ok($node->wait_for_log(qr/(?:server process|client backend) \(PID $spid\) was terminated by signal 31: Bad system call/, $offset),
	'a backend sent SIGSYS is terminated by it');
eval { $s->quit };
ok($node->poll_query_until('postgres', 'SELECT true'), 'the server is back after the crash restart');
is($node->safe_psql('postgres', 'SELECT count(*) FROM seccomp_denials()'), $kept, "the restart kept the $kept denials (022 checks them)");
$q = "SELECT pg_backend_pid(), sys($NR{getcwd}) /* after restart */";
($pid, $ret, $rows) = probe($q);
is($ret, -$EACCES, 'after the restart getcwd still fails with EACCES');
is($rows, "getcwd 79 EACCES session client backend postgres $superuser | $q", 'and is recorded');
ok($node->wait_for_log(qr/DETAIL:  Process $pid \(client backend\), session filter, statement: \Q$q\E/, $offset),
	'and logged by the new compile worker');

$node->stop;
done_testing();
