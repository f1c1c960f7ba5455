# No acting through a less confined process: a program that a confined
# session runs (COPY ... TO PROGRAM) tries ptrace, /proc/<pid>/mem and
# process_vm_writev (and pidfd_getfd) against processes that carry fewer
# filters: the shell of archive_command (the global filter alone), the
# postmaster, the backend and a program of a session of a role whose
# override is looser, and the compile worker. Every attempt fails: each
# confined process is in a Landlock domain of its own (c/scope.c). The
# control: the same program, run as the same user from outside the
# server, reaches the archiver's shell and the looser session's program
# (exec makes them dumpable again; the others are not dumpable at all).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use PgSeccomp;

my $reach = test_tool('reach');
my $base = PostgreSQL::Test::Utils::tempdir();
my $stop = "$base/archive.stop";

# An archive_command that lives until the test ends, then fails.
my $script = "$base/slow_archive.sh";
open(my $fh, '>', $script) or die "could not write $script: $!";
print $fh "#!/bin/sh\nwhile [ ! -e '$stop' ]; do sleep 0.1; done\nexit 1\n";
close($fh);
chmod(0755, $script) or die "chmod $script: $!";

my $node = seccomp_node('scope',
	first => q{
pgseccomp.session_roles = 'free'
session_syscall_error.free = ''
},
	conf => qq{
pgseccomp.session_syscall_error = 'mkdir'
wal_level = replica
archive_mode = on
archive_command = '$script %p'
}, roles => 'CREATE ROLE free SUPERUSER LOGIN;');

$node->safe_psql('postgres', q{
CREATE EXTENSION pgseccomp;
CREATE TABLE t AS SELECT 1 AS a;
});

like($node->safe_psql('postgres', "SELECT issue FROM seccomp_lint() WHERE issue LIKE '%Landlock%'"),
	qr/enters a Landlock domain of its own \(landlock \d+\).*Signals are not scoped/s,
	'seccomp_lint() says that processes are scoped, and that signals are not');

# (a) The archiver's shell: a segment to archive, and the child that runs it.
$node->safe_psql('postgres', 'SELECT pg_switch_wal()');
my $archiver = $node->safe_psql('postgres', "SELECT pid FROM pg_stat_activity WHERE backend_type = 'archiver'");
ok($archiver, 'the archiver runs');
my $shell;
foreach (1 .. 100)
{
	($shell) = children($archiver, live => 1);
	last if $shell;
	usleep(100_000);
}
ok($shell, 'archive_command is running');

# (c) A session of the looser role, and a program it left running.
my $free = $node->background_psql('postgres', on_error_stop => 0, extra_params => [ '-U', 'free' ]);
my $free_backend = $free->query_safe('SELECT pg_backend_pid()');
$free->query_safe(qq{COPY (SELECT 1) TO PROGRAM 'sleep 300 </dev/null >/dev/null 2>&1 & echo \$! > $base/free_child.pid'});
my $free_child = slurp_file("$base/free_child.pid");
chomp $free_child;
ok($free_child, "the looser role's session left a program running");

# (b) the postmaster, (d) the compile worker.
my $postmaster = postmaster_pid($node);
my $compiler = compiler_worker($node);
ok($compiler, 'the compile worker runs');

my %target = (
	"archive_command's shell" => $shell,
	'postmaster' => $postmaster,
	"the looser role's backend" => $free_backend,
	"the looser role's program" => $free_child,
	'compile worker' => $compiler);
my @pids = map { $target{$_} } sort keys %target;

sub parse
{
	my ($out) = @_;
	my %r;
	foreach (split /\n/, $out)
	{
		my ($pid, @kv) = split / /;
		$r{$pid} = { map { split /=/, $_, 2 } @kv };
	}
	return \%r;
}

# The control: from outside the server, as the same user.
my $outside = parse(scalar `$reach @pids`);
is($outside->{$shell}{ptrace}, 'ok', "from outside, ptrace reaches archive_command's shell");
is($outside->{$shell}{mem}, 'ok', "from outside, /proc/<pid>/mem of archive_command's shell opens for writing");
is($outside->{$free_child}{ptrace}, 'ok', "from outside, ptrace reaches the looser role's program");

# From a program of a confined session.
my $out = "$base/reach.out";
$node->safe_psql('postgres', "COPY (SELECT 1) TO PROGRAM '$reach @pids > $out 2>&1'");
my $inside = parse(slurp_file($out));
note "from a confined session:\n" . slurp_file($out);
foreach my $who (sort keys %target)
{
	my $r = $inside->{ $target{$who} };
	ok($r, "the confined session's program tried $who");
	foreach my $how ('ptrace', 'mem', 'vm_writev', 'getfd')
	{
		like($r->{$how} // '', qr/^E(PERM|ACCES)$/, "$how against $who is refused");
	}
}

# What a domain leaves: a program reaches its own children.
$node->safe_psql('postgres', "COPY (SELECT 1) TO PROGRAM '$reach child > $out 2>&1'");
like(slurp_file($out), qr/ptrace=ok mem=ok vm_writev=ok getfd=ok/,
	"the confined session's program still reaches its own child");

# And the looser role's session, with no filter of its own, enters no domain.
$free->query_safe("COPY (SELECT 1) TO PROGRAM '$reach $shell > $out 2>&1'");
like(slurp_file($out), qr/ptrace=ok/, "a session with the global filter alone reaches archive_command's shell, which carries as much");

$free->quit;
kill 'KILL', $free_child;
open($fh, '>', $stop) && close($fh);
$node->stop;
done_testing();
