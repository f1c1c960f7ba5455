# Filter layouts in the kernel: a filter of a few rules is attached as
# libseccomp's linear list, a large one as its binary tree (internal/bpf/layout.go
# chooses; internal/targets/layout_test.go checks that both decide every syscall
# alike). Here real backends run both, as the postmaster's log names them:
# the syscalls at the edges and in the middle of a large role filter get
# its errnos, those around them are allowed, and a set_client_filter
# stacked on the tree decides as well.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use PgSeccomp;

if ($^O ne 'linux' || `uname -m` !~ /^x86_64/)
{
	plan skip_all => 'syscall numbers of x86_64';
}

# x86_64 syscall numbers. Made with a pointer and two zeros as arguments,
# each allowed one here succeeds or fails with an errno of its own.
my %NR = (
	getcwd => 79, getppid => 110, uselib => 134, acct => 163, settimeofday => 164,
	sethostname => 170, iopl => 172, ioperm => 173, fsmount => 432,
	mount_setattr => 442, getrandom => 318, memfd_create => 319);
my ($EPERM, $EIO, $EACCES, $EXDEV, $ERANGE) = (1, 5, 13, 18, 34);

my $node = seccomp_node('layout', first => q{
session_syscall_error.regress_big = '@mount:EXDEV, @swap, @reboot, @module, @raw-io:EIO, @cpu-emulation, @clock:EPERM, @privileged, @obsolete'
}, conf => q{pgseccomp.session_syscall_error = 'sethostname:EIO'
pgseccomp.session_roles = 'regress_big'
log_min_messages = debug1
});

# Which layout each filter was built in, as the postmaster logs at start.
like(slurp_file($node->logfile), qr/pgseccomp filter of the session: \d+ instructions in the linear layout/,
	'the one-rule session filter is linear');
my ($tree_insns) = slurp_file($node->logfile) =~ /pgseccomp filter of role "regress_big": (\d+) instructions in the tree layout/;
ok(defined $tree_insns, "the role filter is a tree (@{[ $tree_insns // 'no' ]} instructions)");

$node->safe_psql('postgres', q{
CREATE EXTENSION pgseccomp;
CREATE EXTENSION plperlu;
CREATE FUNCTION sys(nr int) RETURNS int LANGUAGE plperlu AS $$
  my $buf = "\0" x 64;
  my $r = syscall($_[0], $buf, 0, 0);
  return $r < 0 ? -($! + 0) : $r;
$$;
CREATE ROLE regress_big LOGIN;
GRANT EXECUTE ON FUNCTION sys(int) TO regress_big;
GRANT EXECUTE ON FUNCTION set_client_filter(text, text, text, text, text) TO regress_big;
});

# The results of sys() for the named syscalls, in one session of role.
sub results
{
	my ($role, $sql_before, @names) = @_;
	my $sql = join(' UNION ALL ', map { "SELECT '$_' AS name, sys($NR{$_}) AS r" } @names);
	my $out = $node->safe_psql('postgres', ($sql_before // '') . "SELECT string_agg(name || '=' || r, ' ' ORDER BY name) FROM ($sql) s",
		extra_params => [ '-U', $role ]);
	my $last = (split /\n/, $out)[-1];
	return { map { split /=/ } split / /, $last };
}

# The session filter, one rule: linear.
my $small = results('postgres', undef, qw(sethostname acct getppid));
is($small->{sethostname}, -$EIO, 'a one-rule session filter denies its syscall with its errno');
is($small->{acct}, -$EPERM, 'and allows the rest (acct fails as a non-root user does)');
cmp_ok($small->{getppid}, '>', 0, 'getppid is allowed');

# The role filter: nine groups, far past the crossover (7 rules): a tree.
my $rows = $node->safe_psql('postgres', q{SELECT count(*) FROM seccomp_backend_filters() WHERE role = 'regress_big' AND filter_action LIKE 'session->error%'});
cmp_ok($rows, '>=', 50, "the role's filter has $rows error rules");
my $big = results('regress_big', undef, qw(uselib acct settimeofday sethostname iopl ioperm fsmount mount_setattr getcwd getppid getrandom memfd_create));
is($big->{uselib}, -$EACCES, 'uselib (@obsolete) gets EACCES');
is($big->{acct}, -$EACCES, 'acct (@privileged) gets EACCES');
is($big->{settimeofday}, -$EPERM, 'settimeofday (@clock:EPERM) gets EPERM');
is($big->{sethostname}, -$EACCES, 'sethostname (@privileged) gets EACCES at the role level');
is($big->{iopl}, -$EIO, 'iopl (@raw-io:EIO) gets EIO');
is($big->{ioperm}, -$EIO, 'ioperm, its neighbour, too');
is($big->{fsmount}, -$EXDEV, 'fsmount (@mount:EXDEV) gets EXDEV');
is($big->{mount_setattr}, -$EXDEV, 'mount_setattr, the highest number of the list, too');
is($big->{getcwd}, -$ERANGE, 'getcwd, below the lowest, is allowed (ERANGE for a 0-byte buffer)');
cmp_ok($big->{getppid}, '>', 0, 'getppid, between rules, is allowed');
is($big->{getrandom}, 0, 'getrandom of 0 bytes, between rules, is allowed');
cmp_ok($big->{memfd_create}, '>', 0, 'memfd_create is allowed');

# A client filter stacked on the tree: its own rule and the tree's hold.
my $client = results('regress_big', q{SELECT set_client_filter(NULL, NULL, NULL, 'getppid', NULL);},
	qw(getppid iopl mount_setattr getcwd));
is($client->{getppid}, -$EACCES, 'a client filter on the tree denies getppid');
is($client->{iopl}, -$EIO, 'the tree still gives iopl EIO');
is($client->{mount_setattr}, -$EXDEV, 'and mount_setattr EXDEV');
is($client->{getcwd}, -$ERANGE, 'getcwd stays allowed');

ok(!$node->log_contains(qr/server process .* was terminated|PANIC/), 'no backend was killed');
$node->stop;
done_testing();
