# The process model: no PostgreSQL process loads the Go library or runs more
# than its own thread, and a helper that dies becomes a clear message, never
# a crash of the cluster or an unfiltered session.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use PgSeccomp;

# The preloaded module has no link-time dependency on the Go library.
my $pkglibdir = `pg_config --pkglibdir`;
chomp $pkglibdir;
my $dynamic = `readelf -d $pkglibdir/pgseccomp.so`;
like($dynamic, qr/NEEDED/, 'readelf lists the dependencies of pgseccomp.so');
unlike($dynamic, qr/pgseccomp_policy|libgo/, 'pgseccomp.so does not link the Go library');
unlike(`readelf -S $pkglibdir/pgseccomp.so`, qr/go\.buildinfo/, 'pgseccomp.so holds no Go code');
like(`readelf -S $pkglibdir/pgseccomp_policy.so`, qr/go\.buildinfo/, 'the Go library is the other file');

sub status
{
	my ($pid) = @_;
	my %s;
	open(my $fh, '<', "/proc/$pid/status") or return undef;
	while (<$fh>) { $s{$1} = $2 if /^(\w+):\s*(.*)$/; }
	return \%s;
}

sub check_processes
{
	my ($node, $when) = @_;
	# The postmaster and every process it forked.
	my $postmaster = postmaster_pid($node);
	my @pids = ($postmaster, children($postmaster));
	cmp_ok(scalar @pids, '>=', 6, "$when: the postmaster and its children are found");
	foreach my $pid (@pids)
	{
		my $s = status($pid) or next;    # gone meanwhile
		my $who = "$when: $s->{Name} ($pid)";
		is($s->{Threads}, 1, "$who runs one thread");
		is($s->{Seccomp}, 2, "$who is in seccomp filter mode");
		is($s->{NoNewPrivs}, 1, "$who has no_new_privs");
	}
	is($node->safe_psql('postgres', "SELECT pg_read_file('/proc/self/maps') ~ 'pgseccomp_policy'"),
		'f', "$when: a backend has not mapped the Go library");
	return $postmaster;
}

my $node = seccomp_node('process_model', conf => qq{
pgseccomp.global_syscall_default = 'log'
pgseccomp.global_syscall_allow = 'read,write'
pgseccomp.session_syscall_error = 'sysinfo'
include_if_exists = 'session.conf'
});
$node->safe_psql('postgres', 'CREATE EXTENSION pgseccomp');
check_processes($node, 'after start');

# A reload makes the worker fork the helper; the worker itself stays Go-free.
my $checked = qr/pgseccomp checked \d+ session, role and backend-type filters after a reload/;
reload_with($node, 'session.conf', "pgseccomp.session_syscall_error = 'uname'\n", log => $checked);
check_processes($node, 'after a compile');
is($node->safe_psql('postgres',
		"SELECT filter_action FROM seccomp_filter() WHERE syscall = 'uname' AND context = 'session'"),
	'session->error', 'the recompiled session filter is in force');
$node->stop;

# A global filter that denies everything but what PostgreSQL was measured
# to need: what pgseccomp adds for its helper (source "pgseccomp") is enough
# to compile after a reload and for set_client_filter.
my $deny = seccomp_node('deny_default', conf => qq{
pgseccomp.global_syscall_default = 'error'
pgseccomp.global_syscall_allow = '\@postgres-server'
include_if_exists = 'session.conf'
});
$deny->safe_psql('postgres', 'CREATE EXTENSION pgseccomp');
like($deny->safe_psql('postgres',
		"SELECT string_agg(syscall, ',' ORDER BY syscall) FROM seccomp_filter() WHERE filter_action = 'pgseccomp->allow'"),
	qr/\bsched_getaffinity\b.*\bsigaltstack\b/, 'the helper\'s needs are allowed with source pgseccomp');
reload_with($deny, 'session.conf', "pgseccomp.session_syscall_error = 'uname'\n", log => $checked);
is($deny->safe_psql('postgres',
		"SELECT filter_action FROM seccomp_filter() WHERE context = 'session' AND syscall = 'uname'"),
	'session->error', 'under a deny-by-default global filter the worker still compiles after a reload');
is($deny->safe_psql('postgres',
		"SELECT filter_action FROM seccomp_filter() WHERE context = 'session' AND syscall = 'memfd_create'"),
	'pgseccomp->allow', 'a session filter that decides memfd_create only by its default shows the source pgseccomp');
is($deny->safe_psql('postgres', "SELECT set_client_filter(NULL, NULL, NULL, 'getppid', NULL)"),
	'OK', 'and set_client_filter works');
ok(!$deny->log_contains(qr/pgseccomp helper/), 'no helper failed');
$deny->stop;

# A global filter that kills what the helper needs: the helper dies of
# SIGSYS. That is a message, not a crash, and sessions fail closed.
my $strict = seccomp_node('helper_killed', conf => qq{
pgseccomp.global_syscall_kill = 'sched_getaffinity'
pgseccomp.session_syscall_error = 'sysinfo'
include_if_exists = 'session.conf'
});
ok($strict->log_contains(qr/WARNING:  parameter "pgseccomp.global_syscall_kill" denies syscall "sched_getaffinity", which pgseccomp needs after start/),
	'the start warns that the helper will be killed');
my $postmaster = postmaster_pid($strict);
my $old = $strict->background_psql('postgres');
$old->query_safe('CREATE EXTENSION pgseccomp');

reload_with($strict, 'session.conf', "pgseccomp.session_syscall_error = 'uname'\n",
	log => qr/LOG:  pgseccomp helper was terminated by a signal\n.*DETAIL:  Signal 31: Bad system call\.\n.*HINT:  The global filter kills a syscall that pgseccomp needs; see the warnings at server start/);
$strict->connect_fails('dbname=postgres', 'a session whose filter cannot be built is refused',
	expected_stderr => qr/FATAL:  could not compile the pgseccomp filter of this connection: pgseccomp helper was terminated by a signal\nDETAIL:  Signal 31: Bad system call\./);
is($old->query_safe('SELECT 1'), '1', 'an existing session goes on');
ok(!$strict->log_contains(qr/server process .* was terminated|terminating any other active server processes/),
	'no PostgreSQL process crashed');
my $pm = status($postmaster);
ok($pm && $pm->{Name} eq 'postgres', 'the postmaster is the same process');
$old->quit;
$strict->stop;

done_testing();
