# Families by generation: for every job of internal/names/jobs.txt that
# two or more native syscalls (or argument-level siblings) do, a session
# level denies one member with EROFS (then a set_client_filter call with
# EXDEV), and a program the session runs
# (COPY TO PROGRAM) tries every other member with arguments no syscall
# accepts: each must fail with EROFS (clone3: ENOSYS), and each
# argument-level sibling must fail so only with the arguments of its
# condition. Jobs that PostgreSQL, the shell or the probe needs cannot be
# denied in a session that still works; the Go tests check those in the
# compiled program (internal/targets TestFamiliesProgram). seccomp_lint()
# states what a syscall filter cannot stop for the jobs denied.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use PgSeccomp;

my $EROFS = 30;
my $ENOSYS = 38;
my $EXDEV = 18;

# What the session, the shell of COPY TO PROGRAM and the probe need beyond
# what the families tool marks (pgseccomp's own lists): a backend creates
# epoll sets for waits, checks its database directory with access() and
# reads the extension directory (getdents) at CREATE EXTENSION.
my %needed_here = map { $_ => 1 } qw(epoll-create access getdents);

my $tool = test_tool('families');
my $probe = test_tool('sysprobe');
my (@families, %fam);
open(my $fh, '-|', $tool) or die "could not run $tool: $!";
my $cur;
while (my $line = <$fh>)
{
	chomp $line;
	my @f = split / /, $line;
	if ($f[0] eq 'family')
	{
		$cur = { name => $f[1], needed => $f[2], tries => [] };
		push @families, $cur;
		$fam{ $f[1] } = $cur;
	}
	elsif ($f[0] eq 'deny') { $cur->{deny} = $f[1]; }
	elsif ($f[0] eq 'try') { push @{ $cur->{tries} }, [ @f[ 1 .. $#f ] ]; }
	elsif ($f[0] eq 'note') { $cur->{note} = 1; }
}
close($fh) or die "$tool failed";
cmp_ok(scalar(@families), '>=', 60, scalar(@families) . ' families in the table');

my (@tested, @skipped);
foreach my $f (@families)
{
	if ($f->{needed} ne '-' || $needed_here{ $f->{name} })
	{
		push @skipped, $f;
		next;
	}
	push @tested, $f;
}
note('not denied in a live session (needed): '
	  . join(', ', map { "$_->{name} ($_->{needed})" } @skipped));
cmp_ok(scalar(@tested), '>=', 40, scalar(@tested) . ' families denied in a live session');

my $errors = join(', ', map { "$_->{deny}:EROFS" } @tested);
my $node = seccomp_node('families', conf => qq{
pgseccomp.session_syscall_error = '$errors'
});
$node->safe_psql('postgres', 'CREATE EXTENSION pgseccomp');

my $dir = PostgreSQL::Test::Utils::tempdir;
my $specs = "$dir/specs";
open(my $sp, '>', $specs) or die "could not write $specs: $!";
my $n = 0;
foreach my $f (@tested)
{
	foreach my $t (@{ $f->{tries} })
	{
		print $sp join(' ', @$t), "\n";
		$n++;
	}
}
close($sp);

# Runs the probe from a session (after sql, if given) and checks every
# family: each member fails with errno (clone3: ENOSYS), each
# argument-level sibling only with the arguments of its condition.
sub probe_families
{
	my ($level, $errno, $sql) = @_;
	my $out = "$dir/results-$level";
	my $start = time;
	my ($r, $o, $e) = $node->psql('postgres',
		($sql // '') . "COPY (SELECT 1 WHERE false) TO PROGRAM '$probe $out < $specs'");
	is($r, 0, "$level: the session runs the probe ($n calls, " . (time - $start) . ' s)') or diag($e);

	my %got;
	if (open(my $rf, '<', $out))
	{
		while (my $line = <$rf>)
		{
			chomp $line;
			my ($name, $nr, $expect, $res) = split / /, $line;
			push @{ $got{"$name $expect"} }, $res;
		}
		close($rf);
	}
	foreach my $f (@tested)
	{
		my @bad;
		foreach my $t (@{ $f->{tries} })
		{
			my ($name, $nr, $expect) = @$t;
			my $res = shift @{ $got{"$name $expect"} // [] } // 'missing';
			my $ok = $expect eq 'denied' ? $res eq $errno
			  : $expect eq 'enosys' ? $res eq $ENOSYS
			  : $res ne $errno && $res ne 'missing';
			push @bad, "$name ($expect): $res" unless $ok;
		}
		is(join('; ', @bad), '',
			"$level: job $f->{name}: $f->{deny} denied, and every other member too ("
			  . scalar(@{ $f->{tries} }) . ' calls)');
	}
}

probe_families('session', $EROFS);

# The same at the client level, stacked on the session's: the newest
# filter's errno wins.
my $client = join(', ', map { "$_->{deny}:EXDEV" } @tested);
probe_families('set_client_filter', $EXDEV,
	"SELECT set_client_filter(NULL, NULL, NULL, '$client', NULL);");

# The session still works, and the lint states what a filter cannot stop
# for each job denied that has a note.
is($node->safe_psql('postgres', 'SELECT 1'), '1', 'the session still works');
foreach my $f (grep { $_->{note} } @tested)
{
	like(
		$node->safe_psql('postgres',
			"SELECT string_agg(issue, ' ') FROM seccomp_lint() WHERE context = 'session' AND syscall = '$f->{deny}'"),
		qr/A syscall filter cannot stop all of what $f->{deny} does \(job $f->{name}\)/,
		"seccomp_lint() states what a filter cannot stop of job $f->{name}");
}
# and the argument-level siblings it denies.
like($node->safe_psql('postgres',
		"SELECT string_agg(issue, ' ') FROM seccomp_lint() WHERE context = 'session' AND syscall = 'clone'"),
	qr/clone with arg0&0x7e020080 gets the action error too, because it then does what unshare does/,
	'seccomp_lint() names the argument-level sibling clone(CLONE_NEW*)');

$node->stop;
done_testing();
