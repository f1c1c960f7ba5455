# A backend that runs native code forges what it announces in shared memory,
# or rewrites every seccomp program it can find there; SET, LOAD and ALTER
# SYSTEM try the same from SQL; io_uring tries to do what a denied syscall
# does. None of it lets a parallel worker, a new session or a program the
# session runs do what the session filter denies.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);
use FindBin;
use lib $FindBin::RealBin;
use PgSeccomp;

# No role or backend type is configured: every target the postmaster
# compiles has a program of its own, so base program 0 is never valid.
my $node = seccomp_node('forgery', conf => qq{
pgseccomp.session_syscall_error = 'readlink'
max_parallel_workers_per_gather = 2
statement_timeout = '20s'
include_if_exists = 'session.conf'
});

# The tools play the attacker's code, loaded by path.
my $forge = test_tool('forge.so');
my $probe_load = test_tool('probe_load.so');
my $uring_probe = test_tool('uring_probe');

my $tsdir = add_tablespace($node);
$node->safe_psql('postgres', qq{
CREATE EXTENSION pgseccomp;
CREATE FUNCTION forge(text) RETURNS text AS '$forge' LANGUAGE C STRICT;
});

my $in_worker = "SET $FORCE_PARALLEL = on; SET parallel_leader_participation = off;";
my $readlink = $READLINK;
my $status = "SELECT regexp_replace(pg_read_file('/proc/self/status'),"
  . " '.*\\nPid:\\s*(\\d+).*Seccomp_filters:\\s*(\\d+).*', '\\1 \\2', 's')";
my $denied_in_worker = qr/could not read symbolic link .*: Permission denied\nCONTEXT:  parallel worker/;

sub session
{
	my $s = $node->background_psql('postgres', on_error_stop => 0, timeout => 60);
	return $s;
}

# The program a session announced when it was confined, as its worker
# reports it when the slot claims another; the slot is then set to it,
# which leaves the session's workers as they were.
sub announced
{
	my ($session) = @_;
	$session->query_safe("SELECT forge('base:9999')");
	my (undef, $e) = query_err($session, "SET $FORCE_PARALLEL = on; SELECT 1; RESET $FORCE_PARALLEL");
	my ($program) = $e =~ /Program (\d+) announced, 9999 in its slot/
	  or die "no announced program in: $e";
	$session->query_safe("SELECT forge('base:$program')");
	return $program;
}

# A new session denies readlink in the leader and in a worker. Reading the
# link is an escape; any other failure is not, but is a failure too.
sub new_session_denies
{
	my ($what) = @_;
	my $s = session();
	my ($out, $err) = query_err($s, $readlink);
	# A failure here is a hole: a forgery reached a new session.
	isnt($out, $tsdir, "$what: a new session does not read the link in the leader");
	like($err, qr/could not read symbolic link .*: Permission denied/,
		"$what: a new session denies readlink in the leader");
	($out, $err) = query_err($s, "$in_worker $readlink");
	# A failure here is a hole: a forgery reached a new session's worker.
	isnt($out, $tsdir, "$what: a new session's worker does not read the link");
	like($err, $denied_in_worker, "$what: a new session's worker denies readlink")
	  or diag("out: $out\nerr: $err");
	$s->quit;
}

my ($out, $err);

# The baseline, on the same server: the worker carries the leader's filters.
my $s = session();
($out) = query_err($s, "$in_worker $status");
is((split / /, $out)[1], 2, 'baseline: a worker carries the global and the session filter');
(undef, $err) = query_err($s, "$in_worker $readlink");
like($err, $denied_in_worker, 'baseline: the worker denies readlink');
my $own_pid = $s->query_safe('SELECT pg_backend_pid()');
unlike($s->query_safe("SELECT forge('show')"), qr/^pid $own_pid /,
	'baseline: a session without client filters writes no slot');
my $session_program = announced($s);
cmp_ok($session_program, '>', 0, "baseline: the session announced program $session_program");
($out) = query_err($s, "$in_worker $status");
is((split / /, $out)[1], 2, 'baseline: with its slot written to match, a worker still carries two filters');
$s->quit;

# 1. Forgeries of a compromised backend, each in a session of its own.
#    What its worker must do: be refused, or install the leader's real
#    filters and deny readlink. What it must never do: read the link.
my $refused = qr/parallel worker failed to initialize/;
# The worker installed, as it was forked, the program its leader announced
# when it was confined (not what the slot says now), and is refused when
# the slot disagrees.
my $not_announced = qr/filters of the leader of this parallel worker are not the ones it announced\nDETAIL:  Program (\d+) announced, -?\d+ in its slot\.\nCONTEXT:  parallel worker/;
my %expect = (
	base0 => $not_announced,
	base0ff => $not_announced,
	base9999 => $not_announced,
	basenext => $not_announced,
	# Client programs the leader announces but does not carry: the kernel's
	# count of its filters gives them away. Refused in the worker's start-up
	# transaction callback; that FATAL must leave no lock behind for the
	# next worker of the same PGPROC ("after forgery badhandle: a new
	# session's worker denies readlink").
	dsm => qr/filters of the leader of this parallel worker do not add up\nDETAIL:  The leader has 2 filters; it announces 3\.\nCONTEXT:  parallel worker/,
	badhandle => qr/filters of the leader of this parallel worker do not add up\n.*\nCONTEXT:  parallel worker/,
	scan => $denied_in_worker,);
foreach my $mode ('base0', 'base0ff', 'base9999', 'basenext', 'dsm', 'badhandle', 'scan')
{
	$s = session();
	# Its slot written as the session would, so that only the forgery differs.
	announced($s) if $mode ne 'scan';
	if ($mode eq 'scan')
	{
		# Put programs where the scan can find them: this session's client
		# program in its DSM segment, and the compile queue's copy.
		is($s->query_safe("SELECT set_client_filter(NULL, NULL, NULL, 'getdents64', NULL)"), 'OK',
			'scan: the session loads a client filter first');
	}
	my $forged = $s->query_safe("SELECT forge('$mode')");
	note "forge('$mode'): $forged";
	if ($mode eq 'scan')
	{
		like($forged, qr/patched [1-9]\d* programs/, 'scan: programs were found in shared memory and patched');
	}
	else
	{
		like($forged, qr/-> pid \d+ base (?:0|9999|\d+) nclients [01] handle \d+$/, "$mode: the slot is forged");
	}
	my $slot = $s->query_safe("SELECT forge('show')");

	my $offset = -s $node->logfile;
	($out, $err) = query_err($s, "$in_worker $readlink");
	# A failure here is a hole: the worker of a forging leader read the link.
	isnt($out, $tsdir, "$mode: the forging session's worker never reads the link");
	like($err, $expect{$mode}, "$mode: its worker is refused or denies readlink")
	  or diag("out: $out\nerr: $err");
	note "$mode: parallel query error: $err";
	if ($mode =~ /^base/)
	{
		my ($announced) = $err =~ $not_announced;
		is($announced, $session_program, "$mode: the worker took the program its leader announced");
	}
	elsif ($mode eq 'scan')
	{
		# The worker took the forged client programs: the forgery was real.
		($out) = query_err($s, "$in_worker $status");
		is((split / /, $out)[1], 3, "$mode: the worker stacked global, session and the forged client program");
	}
	if ($mode eq 'scan')
	{
		(undef, $err) = query_err($s, "RESET $FORCE_PARALLEL; SELECT count(*) FROM pg_ls_dir('.')");
		like($err, qr/could not read directory/, 'scan: the leader still denies getdents64 (its client filter)');
		($out, $err) = query_err($s, "$in_worker SELECT count(*) > 0 FROM pg_ls_dir('.')");
		is($out, 't', 'scan: the worker installed the patched client program, which allows getdents64');
	}
	is($s->query_safe("SELECT forge('show')"), $slot, "$mode: the forged slot was in place during the query");

	(undef, $err) = query_err($s, "RESET $FORCE_PARALLEL; $readlink");
	like($err, qr/Permission denied/, "$mode: the forging leader itself still denies readlink");
	$s->quit;
	new_session_denies("after forgery $mode");
}

# 2. SET: no pgseccomp setting can be SET, and placeholders change nothing.
is($node->safe_psql('postgres',
		"SELECT string_agg(name, ',') FROM pg_settings WHERE name LIKE 'pgseccomp.%' AND context IN ('user', 'superuser')"),
	'', 'no pgseccomp setting can be changed by SET');
$s = session();
my @settings = split /\n/, $s->query_safe(
	"SELECT name || ' ' || vartype FROM pg_settings WHERE name LIKE 'pgseccomp.%' ORDER BY name");
cmp_ok(scalar @settings, '>=', 10, 'the pgseccomp settings are listed');
foreach my $row (@settings)
{
	my ($name, $type) = split / /, $row;
	my $value = $type eq 'bool' ? 'off' : $type eq 'enum' ? 'allow' : '';
	(undef, $err) = query_err($s, "SET $name = '$value'");
	like($err, qr/ERROR/, "SET $name fails");
	(undef, $err) = query_err($s, "SELECT set_config('$name', '$value', false)");
	like($err, qr/ERROR/, "set_config('$name') fails");
}
foreach my $placeholder (
	"session_syscall_error.postgres = ''",
	"session_syscall_default.postgres = 'allow'",
	"session_syscall_allow.postgres = 'readlink, readlinkat'",
	"backend_syscall_error.parallel_worker = ''",
	"backend_syscall_error.client_backend = ''")
{
	(undef, $err) = query_err($s, "SET $placeholder");
	note "SET $placeholder: $err";
}
(undef, $err) = query_err($s, $readlink);
like($err, qr/Permission denied/, 'after SET of placeholders, the leader denies readlink');
($out, $err) = query_err($s, "$in_worker $readlink");
ok($out ne $tsdir && $err =~ $denied_in_worker, 'after SET of placeholders, the worker denies readlink')
  or diag("out: $out\nerr: $err");
$s->quit;

# 3. LOAD: the library's code runs in the worker after the worker is confined.
$s = session();
my $offset = -s $node->logfile;
(undef, $err) = query_err($s, "LOAD '$probe_load'");
is($err, '', 'LOAD of a library by path');
($out) = query_err($s, "$in_worker $status");
my ($worker_pid) = split / /, $out;
ok($node->wait_for_log(qr/probe_load pid $worker_pid filters -?\d+ parallel_worker 1/, $offset),
	'the worker ran the library\'s _PG_init');
my $log = slurp_file($node->logfile, $offset);
my ($leader_filters) = $log =~ /probe_load pid \d+ filters (-?\d+) parallel_worker 0/;
my ($worker_filters) = $log =~ /probe_load pid $worker_pid filters (-?\d+) parallel_worker 1/;
is($leader_filters, 2, 'in the leader, the library\'s code runs under the global and the session filter');
# A failure here is a hole: the library ran in the worker before it was confined.
is($worker_filters, 2, 'in the worker, the library\'s code runs under the global and the session filter');
(undef, $err) = query_err($s, "$in_worker $readlink");
like($err, $denied_in_worker, 'after LOAD, the worker denies readlink');
$s->quit;

# 4. ALTER SYSTEM, ALTER ROLE and ALTER DATABASE are refused.
foreach my $stmt (
	"ALTER SYSTEM SET pgseccomp.session_syscall_error = ''",
	"ALTER SYSTEM SET pgseccomp.session_roles = 'postgres'",
	"ALTER SYSTEM SET session_syscall_error.postgres = ''",
	"ALTER SYSTEM SET backend_syscall_error.autovacuum_worker = ''",
	"ALTER ROLE postgres SET session_syscall_error.postgres = ''",
	"ALTER ROLE postgres SET pgseccomp.session_syscall_error = ''",
	"ALTER DATABASE postgres SET session_syscall_error.postgres = ''",
	# These run commands or load code in processes only the global filter confines.
	"ALTER SYSTEM SET ssl_passphrase_command = 'sh -c ''mkdir /tmp/x; echo pw'''",
	"ALTER SYSTEM SET archive_command = 'mkdir /tmp/x'",
	"ALTER SYSTEM SET restore_command = 'mkdir /tmp/x'",
	"ALTER SYSTEM SET shared_preload_libraries = 'pgseccomp, evil'",
	"ALTER SYSTEM SET dynamic_library_path = '/tmp:\$libdir'",
	# The logger makes this directory at the next reload.
	"ALTER SYSTEM SET log_directory = '/tmp/x'")
{
	my ($ret, $stdout, $stderr) = $node->psql('postgres', $stmt);
	isnt($ret, 0, "$stmt fails") or diag($stderr);
}
my ($sys_ret, $sys_out, $sys_err) = $node->psql('postgres', "ALTER SYSTEM SET ssl_passphrase_command = 'true'");
like($sys_err, qr/ERROR:  parameter "ssl_passphrase_command" cannot be changed with ALTER SYSTEM while pgseccomp is enabled/,
	'ALTER SYSTEM of a command run outside any session says why');
my $auto = slurp_file($node->data_dir . '/postgresql.auto.conf');
unlike($auto, qr/^[^#]*(syscall|pgseccomp|command|preload|library_path|log_directory)/m, 'postgresql.auto.conf names none of them');
is($node->safe_psql('postgres', "SELECT count(*) FROM pg_db_role_setting WHERE array_to_string(setconfig, ',') ~ 'syscall|pgseccomp'"),
	'0', 'no role or database setting names one');
$node->reload;
new_session_denies('after the refused ALTERs and a reload');

# 5. io_uring: a level that denies mkdir denies io_uring too.
reload_with($node, 'session.conf', "pgseccomp.session_syscall_error = 'mkdir'\n",
	show => [ 'pgseccomp.session_syscall_error', 'mkdir' ]);
my $dirs = $node->basedir . '/mkdir';
mkdir($dirs) or die "mkdir $dirs: $!";

my $direct = `$uring_probe $dirs/direct`;
is($direct, "io_uring_setup OK\nio_uring_enter EBADF\nio_uring_register EBADF\nmkdir OK\n",
	'control: outside the server, io_uring works and mkdir creates the directory');
ok(-d "$dirs/direct", 'control: the directory exists');

$s = session();
my $mkdir_program = announced($s);
($out, $err) = query_err($s, "$in_worker $readlink");
is($out, $tsdir, 'control: after the reload, a new session\'s worker reads the link');
($out, $err) = query_err($s, "CREATE TEMP TABLE probe (n serial, line text); COPY probe (line) FROM PROGRAM '$uring_probe $dirs/server';"
	  . " SELECT string_agg(line, ',' ORDER BY n) FROM probe");
is($out, 'io_uring_setup EACCES,io_uring_enter EACCES,io_uring_register EACCES,mkdir EACCES',
	'a program the session runs: io_uring_setup, io_uring_enter, io_uring_register and mkdir fail with EACCES')
  or diag("err: $err");
ok(!-e "$dirs/server", 'and the directory was not created');
is($s->query_safe("SELECT string_agg(syscall || ' ' || filter_action, ',' ORDER BY syscall) FROM seccomp_filter()"
		  . " WHERE context = 'session' AND syscall LIKE 'io_uring%'"),
	'io_uring_enter session->error,io_uring_register session->error,io_uring_setup session->error',
	'seccomp_filter() shows io_uring denied by the session filter');
is($s->query_safe("SELECT filter_action FROM seccomp_filter() WHERE context = 'session' AND syscall = 'io_uring_setup'"),
	'session->error', 'io_uring_setup: session->error');
my $lint = $s->query_safe("SELECT string_agg(concat_ws(' | ', context, setting, syscall, issue), E'\\n') FROM seccomp_lint() WHERE syscall = 'io_uring_setup'");
note "lint: $lint";
like($lint, qr/io_uring_setup/, 'seccomp_lint() has a row about io_uring_setup');
$s->quit;

# 6. A reload that tightens the session filter: program numbers stay valid
#    for the life of the postmaster, so a compromised backend that
#    connected after it can still claim the program of before for its
#    workers. A leader may claim only a program that some target had when
#    it started (by the kernel's start time of its process), or has now.
my $tight_conf = "pgseccomp.session_syscall_error = 'mkdir, readlink'\n";
reload_with($node, 'session.conf', $tight_conf,
	show => [ 'pgseccomp.session_syscall_error', 'mkdir, readlink' ]);
# Process start times are whole clock ticks: start clearly after the reload.
select(undef, undef, undef, 0.1);
$s = session();
my $tight = announced($s);
($out, $err) = query_err($s, "$in_worker $readlink");
like($err, $denied_in_worker, 'after the tightening reload, a new session\'s worker denies readlink');
isnt($tight, $mkdir_program, 'the tightened session filter is a program of its own');
note "claiming program $mkdir_program: " . $s->query_safe("SELECT forge('base:$mkdir_program')");
($out, $err) = query_err($s, "$in_worker $readlink");
isnt($out, $tsdir, 'a leader claiming the program a reload replaced before it started: its worker does not read the link')
  or diag("err: $err");
like($err, $not_announced, 'the worker is refused');
$s->quit;

# 7. Another session's slot: a compromised backend rewrites what an
#    innocent session announces. A role listed with a looser filter gives
#    it a program worth claiming.
$node->safe_psql('postgres', 'CREATE ROLE regress_reader LOGIN SUPERUSER');
reload_with($node, 'session.conf',
	$tight_conf . "session_syscall_error.regress_reader = 'mkdir'\npgseccomp.session_roles = 'regress_reader'\n",
	show => [ 'pgseccomp.session_roles', 'regress_reader' ]);
select(undef, undef, undef, 0.1);
my $reader = $node->background_psql('postgres', on_error_stop => 0, timeout => 60,
	extra_params => [ '-U', 'regress_reader' ]);
my $reader_program = announced($reader);
($out, $err) = query_err($reader, "$in_worker $readlink");
is($out, $tsdir, 'control: the listed role\'s workers read the link');
my $victim = session();
my $victim_pid = $victim->query_safe('SELECT pg_backend_pid()');
my $attacker = session();
note $attacker->query_safe("SELECT forge('other:$victim_pid:base:$reader_program')");
($out, $err) = query_err($victim, "$in_worker $readlink");
isnt($out, $tsdir, 'a session whose slot another backend gave the listed role\'s program: its worker does not read the link');
like($err, $not_announced, 'the worker is refused');
$victim->quit;

# 8. The role its workers run as is the leader's to write too (in the
#    parallel state it hands them). A session that denies readlink makes
#    its worker run as the listed role that may read links, with or without
#    that role's program claimed in its slot: the worker, down to its
#    library's _PG_init, carries the program the session announced.
$node->safe_psql('postgres', "CREATE FUNCTION forge_parallel(int, oid, text) RETURNS text AS '$forge' LANGUAGE C STRICT");
my $reader_oid = $node->safe_psql('postgres', "SELECT oid FROM pg_roles WHERE rolname = 'regress_reader'");
foreach my $claim ($reader_program, -1)
{
	my $what = $claim < 0 ? 'as the role' : 'as the role, with its program claimed';
	$s = session();
	my $offset = -s $node->logfile;
	($out, $err) = query_err($s, "SELECT forge_parallel($claim, $reader_oid, '$forge')");
	my $log = slurp_file($node->logfile, $offset);
	like($log, qr/forge worker _PG_init: readlink Permission denied/,
		"a worker made to run $what: its library's _PG_init cannot read the link");
	unlike($log, qr/forge worker \w+: readlink ok/, "a worker made to run $what never reads the link");
	if ($claim < 0)
	{
		like($log, qr/forge worker main: readlink Permission denied/,
			"a worker made to run $what runs under the session's filter");
	}
	else
	{
		like($err, $not_announced, "a worker made to run $what is refused");
	}
	$s->quit;
}

# Dropping an innocent session's client programs from its slot.
$victim = session();
$victim_pid = $victim->query_safe('SELECT pg_backend_pid()');
is($victim->query_safe("SELECT set_client_filter(NULL, NULL, NULL, 'getdents64', NULL)"), 'OK',
	'the innocent session loads a client filter');
note $attacker->query_safe("SELECT forge('other:$victim_pid:noclients')");
($out, $err) = query_err($victim, "$in_worker SELECT count(*) FROM pg_ls_dir('.')");
is($out, '', 'with its client programs dropped from its slot, its worker does not list the directory');
like($err, qr/do not add up|Permission denied|$refused/, 'the worker is refused, or denied');
$victim->quit;

# 9. The registry (c/registry.c). A second announcement changes nothing:
#    the first of a process counts. Here the session claims the listed
#    role's program, then writes its slot to match, as a leader that did
#    announce it would have.
$s = session();
note $s->query_safe("SELECT forge('registry:claim:$reader_program')");
note $s->query_safe("SELECT forge('base:$reader_program')");
($out, $err) = query_err($s, "$in_worker $readlink");
isnt($out, $tsdir, 'a session that announces the listed role\'s program a second time: its worker does not read the link');
like($err, $not_announced, 'the worker is refused: its slot is not what the session announced first');
$s->quit;
# A socket shut down by one process is replaced for those to come.
$s = session();
like($s->query_safe("SELECT forge('registry:shutdown')"), qr/^shut down fd \d+$/, 'a session shuts the registry socket down');
$s->quit;
foreach my $i (1 .. 3)
{
	my ($ret) = $node->psql('postgres', 'SELECT 1');
	is($ret, 0, "connection $i after the shutdown succeeds");
}
$s = session();
($out, $err) = query_err($s, "$in_worker $readlink");
like($err, $denied_in_worker, 'and its parallel workers carry its filter');
$s->quit;

# A backend clears its slot when it exits: a later process with its pid is
# not taken for it. The attacker looks, so that no new backend takes the
# slot over first.
my $leaver = session();
my $leaver_pid = $leaver->query_safe('SELECT pg_backend_pid()');
is($leaver->query_safe("SELECT set_client_filter(NULL, NULL, NULL, 'getdents64', NULL)"), 'OK',
	'a session writes its slot with its first client filter');
($out) = query_err($attacker, "SELECT forge('other:$leaver_pid:base:1')");
like($out, qr/^pid $leaver_pid /, 'the slot of a live backend is found by its pid');
$leaver->quit;
for (1 .. 300)
{
	last if $attacker->query_safe("SELECT count(*) FROM pg_stat_activity WHERE pid = $leaver_pid") eq '0';
	usleep(100_000);
}
($out, $err) = query_err($attacker, "SELECT forge('other:$leaver_pid:base:1')");
like($err, qr/no slot of process $leaver_pid/, 'the slot of a backend that exited is cleared');
$attacker->quit;
$reader->quit;

ok(!$node->log_contains(qr/was terminated by signal/), 'no process was terminated by a signal');
$node->stop;
done_testing();
