# Soak: thousands of connections interleaved with hundreds of reloads leak
# no memory, no file descriptors and no children in the postmaster or the
# "pgseccomp compiler" worker, and fail no connection; malformed input to
# set_client_filter and to every session setting at reload is an ERROR
# that changes nothing, never a FATAL, a PANIC or a restart.
#
# The full churn (5,000 connections, 200 reloads, about two minutes) runs
# only when PG_TEST_EXTRA names soak, as regress/bench.sh has it. By
# default a short one (100 connections to warm up, then 400 connections
# and 20 reloads) makes the same checks, which then catch only larger
# leaks.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use IPC::Run;
use Time::HiRes qw(usleep);
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use PgSeccomp;

# Nothing here should take long to show up in the log.
$PostgreSQL::Test::Utils::timeout_default = 30;

# Transactions per pgbench client (4 clients, one connection each) of the
# warm-up and of the churn, and reloads of the churn.
my ($warmup_per_client, $churn_per_client, $churn_reloads) =
  test_extra('soak') ? (100, 1250, 200) : (25, 100, 20);
note(test_extra('soak') ? 'the full soak' : 'the short soak; PG_TEST_EXTRA=soak runs the full one');

my $node = seccomp_node('soak', conf => qq{
pgseccomp.global_syscall_default = 'allow'
pgseccomp.global_syscall_log = 'getppid'
pgseccomp.session_syscall_error = 'readlink'
max_connections = 20
include_if_exists = 'session.conf'
});
$node->safe_psql('postgres', 'CREATE EXTENSION pgseccomp');

my $session_rows = "SELECT string_agg(syscall || ' ' || filter_action, ', ' ORDER BY syscallnum)"
  . " FROM seccomp_filter() WHERE context = 'session'";

my $postmaster = postmaster_pid($node);
my $compiler = compiler_worker($node);
ok($compiler, "the pgseccomp compiler worker is found (pid " . ($compiler // 'none') . ")");
is($node->safe_psql('postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE pid = $compiler AND backend_type = 'pgseccomp compiler'"),
	'1', 'pg_stat_activity agrees on the worker');

sub vmrss_kb
{
	my ($pid) = @_;
	my ($kb) = slurp_file("/proc/$pid/status") =~ /^VmRSS:\s+(\d+) kB/m;
	return $kb;
}

# pgseccomp makes the processes it confines non-dumpable, so the test's
# user (the same uid) may not list /proc/PID/fd of the postmaster or the
# worker; only root could. Two readable views stand in:
# - every fd of the postmaster is inherited by a backend it forks, so the
#   fds a fresh backend has (it lists /proc/self/fd, which it may) count
#   the postmaster's, less the ones a backend closes at start;
# - FDSize in /proc/PID/status is the size of the fd table (64, 128, 256,
#   ...): a leak of one fd per connection or per reload grows it.
sub fdsize
{
	my ($pid) = @_;
	my ($n) = slurp_file("/proc/$pid/status") =~ /^FDSize:\s+(\d+)/m;
	return $n;
}

sub backend_fds
{
	return $node->safe_psql('postgres', "SELECT count(*) FROM pg_ls_dir('/proc/self/fd')");
}

# Zombie children of the postmaster or the worker; they may exist for a
# moment before their parent reaps them, so wait a little for them to go.
sub zombies
{
	my @z;
	foreach (1 .. 100)
	{
		my $procs = processes();
		@z = grep {
			$procs->{$_}{state} eq 'Z'
			  && ($procs->{$_}{ppid} == $postmaster || $procs->{$_}{ppid} == $compiler)
		} keys %$procs;
		last unless @z;
		usleep(100_000);
	}
	return @z;
}

my $script = $node->basedir . '/select1.sql';
PostgreSQL::Test::Utils::append_to_file($script, "SELECT 1;\n");

sub start_pgbench
{
	my ($transactions, $out, $err) = @_;
	return IPC::Run::start(
		[
			'pgbench', '-n', '-C', '-c', '4', '-j', '2', '-t', $transactions,
			'-f', $script, '-h', $node->host, '-p', $node->port, 'postgres'
		],
		'>', $out, '2>', $err);
}

sub check_pgbench
{
	my ($h, $out, $err, $total, $name) = @_;
	my $ok = $h->finish;
	ok($ok, "$name: pgbench exits 0") or diag("stdout:\n$$out\nstderr:\n$$err");
	like($$out, qr/^number of transactions actually processed: $total\/$total$/m,
		"$name: pgbench processed all $total transactions");
	like($$out, qr/^number of failed transactions: 0 \(/m, "$name: pgbench reports 0 failed transactions");
	unlike($$err, qr/connection|FATAL|ERROR|abort/i, "$name: pgbench reports no connection errors")
	  or diag($$err);
}

my $values = [ "pgseccomp.session_syscall_error = 'readlink'\n",
	"pgseccomp.session_syscall_error = 'readlink,getcwd'\n" ];

# Warm up: the first connections and reloads allocate what later ones reuse.
{
	my ($out, $err) = ('', '');
	my $h = start_pgbench($warmup_per_client, \$out, \$err);
	foreach my $i (1 .. 10)
	{
		write_conf($node, 'session.conf', $values->[ $i % 2 ]);
		$node->reload;
		usleep(20_000);
	}
	check_pgbench($h, \$out, \$err, 4 * $warmup_per_client, 'warm-up');
	reload_with($node, 'session.conf', $values->[0], show => [ 'pgseccomp.session_syscall_error', 'readlink' ]);
	sleep(1);
}

my %before = (
	postmaster => [ vmrss_kb($postmaster), fdsize($postmaster) ],
	compiler => [ vmrss_kb($compiler), fdsize($compiler) ]);
my $backend_fds0 = backend_fds();

# Churn: 5,000 connections (400 in the short soak), each of which loads
# its filter, while the session settings flip 200 times (20).
my $t0 = time;
my ($out, $err) = ('', '');
my $h = start_pgbench($churn_per_client, \$out, \$err);
my $reloads_during = 0;
foreach my $i (1 .. $churn_reloads)
{
	write_conf($node, 'session.conf', $values->[ $i % 2 ]);
	$node->reload;
	$h->pump_nb;
	$reloads_during++ if $h->pumpable;
	usleep(10_000);
}
check_pgbench($h, \$out, \$err, 4 * $churn_per_client, 'churn');
note("churn took " . (time - $t0) . " s; $reloads_during of $churn_reloads reloads while pgbench ran");
cmp_ok($reloads_during, '>=', $churn_reloads * 3 / 4, 'the reloads were interleaved with the connections');

# The last reload (the count is even) set 'readlink'; make sure new
# sessions see a last flip, and the filter it compiled.
reload_with($node, 'session.conf', $values->[1], show => [ 'pgseccomp.session_syscall_error', 'readlink,getcwd' ]);
like($node->safe_psql('postgres', $session_rows), qr/getcwd session->error.*readlink session->error|readlink session->error.*getcwd session->error/,
	'after the churn, new sessions get the filter of the last reload');
reload_with($node, 'session.conf', $values->[0], show => [ 'pgseccomp.session_syscall_error', 'readlink' ]);
sleep(1);

# 2 MB: over 5,000 connections and 200 reloads, a leak of 0.4 kB per
# connection or 10 kB per reload goes over it, while allocator noise and a
# page or two of stack or catalog cache stay well below it (the postmaster
# grows about 150 kB here). The worker's own limit below is tighter: it
# once leaked about 5.5 kB of TopMemoryContext per reload (work done after
# a transaction's commit, which leaves TopMemoryContext current), which
# only the full soak's 200 reloads take over it. The short soak's 400
# connections and 20 reloads catch leaks about ten times larger.
my $rss_limit = 2048;
foreach my $who ([ 'postmaster', $postmaster ], [ 'compiler worker', $compiler ])
{
	my ($name, $pid) = @$who;
	my $key = $name eq 'postmaster' ? 'postmaster' : 'compiler';
	my ($rss0, $fd0) = @{ $before{$key} };
	my ($rss1, $fd1) = (vmrss_kb($pid), fdsize($pid));
	note("$name: VmRSS $rss0 -> $rss1 kB, FDSize $fd0 -> $fd1");
	cmp_ok($rss1 - $rss0, '<', $rss_limit, "$name: VmRSS grew less than $rss_limit kB ($rss0 -> $rss1 kB)");
	cmp_ok($rss1 - $rss0, '<', 512, "$name: VmRSS grew less than 512 kB ($rss0 -> $rss1 kB)")
	  if $key eq 'compiler';
	is($fd1, $fd0, "$name: its fd table did not grow (FDSize $fd0 -> $fd1)");
}
my $backend_fds1 = backend_fds();
cmp_ok(abs($backend_fds1 - $backend_fds0), '<=', 2,
	"postmaster: the fds a fresh backend inherits stayed flat ($backend_fds0 -> $backend_fds1)");
ok(kill(0, $compiler), 'the compiler worker is the same process');
is(join(',', zombies()), '', 'no zombie children of the postmaster or the worker');

my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal|PANIC|server process .* exited with exit code/, 'no process died, no PANIC');
unlike($log, qr/pgseccomp compiled the filter of this connection itself/,
	'connections compiled nothing themselves during the churn');

# Malformed input to set_client_filter: an ERROR naming SQLSTATE 22023 or
# 54000, nothing loaded, the session and the server go on.
my $s = $node->background_psql('postgres', on_error_stop => 0);
$s->query_safe('\set VERBOSITY verbose');
my $pid = $s->query_safe('SELECT pg_backend_pid()');
my $agg = "SELECT string_agg(context || ' ' || syscall || ' ' || filter_action, ',' ORDER BY context, syscallnum) FROM seccomp_filter()";
my $before = $s->query_safe($agg);
my $long = "repeat('readlink,', 2300) || 'readlink'";
my @list_bad = (
	"'readlnk'", "'read,*'", "'*,read'", "'**'", "'readlink,,uname'", "','",
	"'learn'", "'readlink:learn'", "'\@nosuchgroup'", "'99999'", "'-1'",
	$long, "'%\$#\@!&'", "chr(1) || chr(2) || chr(127)", "'\"readlink'", "'\"nosuchcall\"'",
	"'''readlink'''", "'read\"link'", "'réadlink'", "'読み込み'", "'📖'",
	"'readlink:'", "':EPERM'");
my @cases = (
	(map { "$_, NULL, NULL, NULL, NULL" }
		  ("'deny'", "'learn'", "''", "'*'", "'allow,error'", "' '", $long,
			"'%\$#\@!&'", "chr(1) || chr(127)", "'\"error\"'", "'''error'''", "'érror'", "'📖'", "'readlink'")),
	(map { my $v = $_; map { my @a = ('NULL') x 5; $a[$_] = $v; join(', ', @a) } 1 .. 4 } @list_bad),
	# ':EPERM' outside the error list.
	"NULL, 'readlink:EPERM', NULL, NULL, NULL",
	"NULL, NULL, 'readlink:EPERM', NULL, NULL",
	"NULL, NULL, NULL, NULL, 'readlink:EPERM'",
	"NULL, NULL, NULL, 'readlink:EBOGUS', NULL",
	"NULL, NULL, NULL, 'readlink:1', NULL",
	"NULL, 'uname', NULL, 'uname', NULL",
	"NULL, NULL, 'uname', NULL, 'uname'");
my $nerr = 0;
foreach my $case (@cases)
{
	my $shown = length($case) > 60 ? substr($case, 0, 60) . '...' : $case;
	$s->{stderr} = '';
	$s->query("SELECT set_client_filter($case)");
	my $stderr = $s->{stderr};
	if ($stderr =~ /ERROR:  (22023|54000):/ && $stderr !~ /FATAL|PANIC|server closed the connection/)
	{
		$nerr++;
	}
	else
	{
		fail("set_client_filter($shown) is an ERROR 22023/54000");
		diag("stderr: $stderr");
	}
	$s->{stderr} = '';
	my $now = $s->query_safe($agg);
	if ($now ne $before)
	{
		fail("seccomp_filter() unchanged after set_client_filter($shown)");
		diag("before: $before\nafter: $now");
		$before = $now;
	}
}
is($nerr, scalar @cases, scalar(@cases) . ' malformed set_client_filter calls are each an ERROR 22023/54000');
is($s->query_safe($agg), $before, 'seccomp_filter() is as before after every failure');
is($s->query_safe('SELECT pg_backend_pid()'), $pid, 'the same session goes on');
is($s->query_safe("SELECT set_client_filter(NULL, NULL, NULL, 'getcwd', NULL)"), 'OK',
	'and a valid call still works after them');
$s->quit;

# Malformed session settings at reload: each is rejected, SHOW keeps the
# old value, new sessions get the old filter, the server stays up.
my $baseline = $values->[0];
my $fresh_filter = $node->safe_psql('postgres', $session_rows);
my @settings = (
	[ 'pgseccomp.session_syscall_allow', '*', [ 'readlnk', 'read,*', 'readlink:EPERM', 'learn', 'réadlink', '%$#@!&' ] ],
	[ 'pgseccomp.session_syscall_log', '*', [ 'nosuchcall', '*,read', 'uname:ENOSYS', ',', '"readlink', '"nosuchcall"', 'readlink,' x 2300 ] ],
	[ 'pgseccomp.session_syscall_error', 'readlink', [ 'readlink:EBOGUS', 'readlink:1', "read'link", '読み込み', '@nosuchgroup', '99999' ] ],
	[ 'pgseccomp.session_syscall_kill', '*', [ 'readlink,,uname', 'getppid:EPERM', '📖', 'learn' ] ],
	[ 'pgseccomp.session_syscall_default', 'allow', [ 'deny', '', 'allow,error', '*', 'érror', 'readlink' ] ],
	[ 'pgseccomp.session_roles', '', [ 'joe,,ann', ',', '"joe', 'joe ann' ] ],
	[ 'pgseccomp.backend_types', '', [ 'checkpointer', 'client_backend', 'parallel_worker', '"autovacuum worker"', 'autovacuum_worker,,walsender', 'Autovacuum Worker!' ] ]);
my $nbad = 0;
foreach my $setting (@settings)
{
	my ($name, $old, $bads) = @$setting;
	foreach my $bad (@$bads)
	{
		(my $quoted = $bad) =~ s/'/''/g;
		my $shown = length($bad) > 40 ? substr($bad, 0, 40) . '...' : $bad;
		# The worker checks the session filters after each reload, after
		# the postmaster has logged what it refused.
		my $offset = reload_with($node, 'session.conf', $baseline . "$name = '$quoted'\n",
			log => qr/pgseccomp checked \d+ session, role and backend-type filters after a reload/);
		my $logged = substr(slurp_file($node->logfile), $offset);
		my $show = $node->safe_psql('postgres', "SHOW $name");
		my $ok = $logged =~ /invalid value for parameter "\Q$name\E"/
		  && $show eq $old
		  && $node->safe_psql('postgres', $session_rows) eq $fresh_filter
		  && $node->safe_psql('postgres', 'SELECT 1') eq '1'
		  && kill(0, $postmaster)
		  && $logged !~ /PANIC|FATAL|terminated by signal/;
		$nbad++ if $ok;
		ok($ok, "$name = '$shown' is rejected at reload and changes nothing")
		  or diag("SHOW: $show\nlog:\n$logged");
	}
}
my $nsettings = 0;
$nsettings += scalar @{ $_->[2] } foreach @settings;
is($nbad, $nsettings, "$nsettings malformed settings are each rejected at reload, SHOW and the filter unchanged");

# Still the same server, and still serving.
reload_with($node, 'session.conf', $baseline, show => [ 'pgseccomp.session_syscall_error', 'readlink' ]);
is(postmaster_pid($node), $postmaster, 'the postmaster is the same process');
ok(kill(0, $compiler), 'the compiler worker is the same process');
$log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal|PANIC|all server processes terminated/, 'no crash, no PANIC, no restart in the log');
is(join(',', zombies()), '', 'no zombie children at the end');

$node->stop;
done_testing();
