# seccomp_export() writes profiles that real consumers read as pgseccomp
# enforces them: an OCI profile, loaded by moby's loader and libseccomp into
# a kernel filter, denies and allows what the exported filter does; systemd
# settings are what systemd-analyze accepts, line by line as expected.
use strict;
use warnings;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use PgSeccomp;

# Global: allow by default, an error list with two errnos, a kill and a log.
# Session: deny by default, the measured backend group allowed, one errno
# of its own. A listed role allows a long list, to split systemd's lines.
my $node = seccomp_node('export', conf => qq{
pgseccomp.global_syscall_default = 'allow'
pgseccomp.global_syscall_error = 'getcwd, mknod:EPERM'
pgseccomp.global_syscall_kill = 'acct'
pgseccomp.global_syscall_log = 'getppid'
pgseccomp.session_syscall_default = 'error'
pgseccomp.session_syscall_allow = '\@postgres-backend, getppid'
pgseccomp.session_syscall_error = 'uname:ENOENT'
pgseccomp.session_roles = 'regress_wide'
session_syscall_allow.regress_wide = '\@system-service'
session_syscall_error.regress_wide = ''
include_if_exists = 'session.conf'
}, roles => 'CREATE ROLE regress_wide LOGIN SUPERUSER;');
$node->safe_psql('postgres', q{
CREATE EXTENSION pgseccomp;
});

# The checker is a Go program of its own module, built with the toolchain
# regress/lib.sh puts on PATH.
my $dir = $node->basedir;
my $ocicheck = test_tool('ocicheck');

sub export_to
{
	my ($file, $format, $context, $user) = @_;
	my $text = $node->safe_psql('postgres', "SELECT seccomp_export('$format', '$context')",
		extra_params => [ '-U', $user // 'postgres' ]);
	open(my $fh, '>', "$dir/$file") or die "$dir/$file: $!";
	print $fh "$text\n";
	close($fh);
	return $text;
}

sub ocicheck
{
	my ($file, @expect) = @_;
	my ($stdout, $stderr);
	my $ok = IPC::Run::run([ $ocicheck, "$dir/$file", @expect ], '>', \$stdout, '2>', \$stderr);
	note($stdout . $stderr);
	return ($ok, $stdout . $stderr);
}

# Global: the postmaster's filter, allow by default.
export_to('global.json', 'oci', 'global');
my ($ok, $out) = ocicheck('global.json',
	'--denied', 'getcwd=EACCES', '--denied', 'mknod=EPERM', '--denied', 'mknodat=EPERM',
	'--allowed', 'getpid', '--allowed', 'getppid', '--allowed', 'uname', '--killed', 'acct');
ok($ok, 'global OCI profile: getcwd EACCES, mknod EPERM, getpid allowed, acct kills');
like($out, qr/^all 7 expectations hold$/m, 'global OCI profile: every expectation checked');

# The checker can fail: a wrong errno and an allowed syscall that is denied.
($ok, $out) = ocicheck('global.json', '--denied', 'getcwd=EPERM', '--allowed', 'mknod');
ok(!$ok, 'ocicheck fails when the profile does not do what is expected');
like($out, qr/^FAILED denied getcwd: got EACCES with the filter, want EPERM$/m,
	'ocicheck names the errno it got');
like($out, qr/^FAILED allowed mknod: got EPERM with the filter, EFAULT without$/m,
	'ocicheck names a denial it did not expect');

# Session: this backend's merged stack, deny by default. uname has its own
# errno; getcwd and mknod get the session's (the newest filter's) EACCES;
# acct is still killed; getppid is allowed (and logged, from the global).
export_to('session.json', 'oci', 'session');
($ok, $out) = ocicheck('session.json',
	'--denied', 'getcwd=EACCES', '--denied', 'mknod=EACCES', '--denied', 'uname=ENOENT',
	'--denied', 'sethostname=EACCES', '--denied', 'getcpu=EACCES',
	'--allowed', 'getpid', '--allowed', 'getppid', '--killed', 'acct');
ok($ok, 'session OCI profile: denied by default, uname ENOENT, getpid and getppid allowed, acct kills');
like($out, qr/^all 8 expectations hold$/m, 'session OCI profile: every expectation checked');

# Both are what seccomp_filter() shows, group by group.
is( $node->safe_psql('postgres', q{
SELECT string_agg(format('%s %s %s', g->>'action', coalesce(g->>'errnoRet', '-'),
                         (SELECT string_agg(n, ',') FROM jsonb_array_elements_text(g->'names') n)), E'\n')
  FROM jsonb_array_elements(seccomp_export('oci')::jsonb->'syscalls') g}),
	"SCMP_ACT_LOG - getppid\nSCMP_ACT_ERRNO 1 mknod,mknodat\nSCMP_ACT_ERRNO 13 getcwd\nSCMP_ACT_KILL_PROCESS - acct",
	'global OCI groups, in order: log, errnos ascending, kill');
is( $node->safe_psql('postgres', q{
SELECT p->>'defaultAction', p->>'defaultErrnoRet', p->>'architectures', p->>'flags'
  FROM (SELECT seccomp_export('oci', 'session')::jsonb AS p) s}),
	'SCMP_ACT_ERRNO|13|["SCMP_ARCH_X86_64"]|["SECCOMP_FILTER_FLAG_LOG"]',
	'session OCI default: EACCES');
is( $node->safe_psql('postgres', q{
SELECT string_agg(n || ' ' || (g->>'action') || coalesce(':' || (g->>'errnoRet'), ''), E'\n' ORDER BY n)
  FROM jsonb_array_elements(seccomp_export('oci', 'session')::jsonb->'syscalls') g,
       jsonb_array_elements_text(g->'names') n}),
	$node->safe_psql('postgres', q{
SELECT string_agg(syscall || ' ' || CASE split_part(filter_action, '->', 2)
                                     WHEN 'allow' THEN 'SCMP_ACT_ALLOW'
                                     WHEN 'log' THEN 'SCMP_ACT_LOG'
                                     WHEN 'kill' THEN 'SCMP_ACT_KILL_PROCESS'
                                     WHEN 'error:ENOENT' THEN 'SCMP_ACT_ERRNO:2'
                                     WHEN 'error:ENOSYS' THEN 'SCMP_ACT_ERRNO:38' END,
                  E'\n' ORDER BY syscall)
  FROM seccomp_filter()
 WHERE context = 'session' AND syscallnum >= 0 AND filter_action !~ '->error$'}),
	'session OCI profile: every row of seccomp_filter() that the default does not decide');

# systemd, global: a deny list, each errno with its syscall, kill without.
my $systemd = export_to('global.service.lines', 'systemd', 'global');
is($systemd, q{# pgseccomp filter of context global, as systemd [Service] settings
SystemCallArchitectures=native
# Syscalls listed without an errno kill the process.
SystemCallFilter=~acct getcwd:EACCES mknod:EPERM mknodat:EPERM
# systemd logs errno denials only when it runs with SYSTEMD_LOG_SECCOMP=1.
# SystemCallLog= needs systemd 247 or later; earlier versions ignore it.
SystemCallLog=getppid}, 'systemd, global: deny list, errnos, kill and log');

# systemd, session: an allow list; what one errno for all cannot say is
# in comments (clone3 gets ENOSYS wherever clone may be denied, so that
# glibc falls back to clone).
my $backend = $node->safe_psql('postgres', q{
SELECT string_agg(syscall, ' ' ORDER BY syscall) FROM seccomp_filter()
 WHERE context = 'session' AND filter_action ~ '->(allow|log)$'});
like($backend, qr/^access .* write$/, 'the session allows the backend group');
$systemd = export_to('session.service.lines', 'systemd', 'session');
is($systemd, qq{# pgseccomp filter of context session, as systemd [Service] settings
SystemCallArchitectures=native
# systemd also allows the syscalls of its \@default set.
SystemCallFilter=$backend
SystemCallErrorNumber=EACCES
# systemd cannot express: these fail with EACCES, not their own errno: clone3:ENOSYS uname:ENOENT
# systemd cannot express: these fail with EACCES instead of killing the process: acct
# systemd logs errno denials only when it runs with SYSTEMD_LOG_SECCOMP=1.
# SystemCallLog= needs systemd 247 or later; earlier versions ignore it.
SystemCallLog=getppid}, 'systemd, session: allow list, errno, and what it cannot express');

# A long allow list is split over lines of at most 1000 characters, each a
# SystemCallFilter= of its own, which systemd merges.
$systemd = export_to('wide.service.lines', 'systemd', 'session', 'regress_wide');
my @filter = grep { /^SystemCallFilter=/ } split /\n/, $systemd;
cmp_ok(scalar(@filter), '>', 1, 'a long allow list takes several lines');
is(scalar(grep { length($_) > 1000 || !/^SystemCallFilter=[a-z_0-9]+( [a-z_0-9]+)*$/ } @filter), 0,
	'each line is at most 1000 characters, names only');
is( join(' ', map { s/^SystemCallFilter=//r } @filter),
	$node->safe_psql('postgres', q{
SELECT string_agg(syscall, ' ' ORDER BY syscall) FROM seccomp_filter()
 WHERE context = 'session' AND filter_action ~ '->(allow|log)$'},
		extra_params => [ '-U', 'regress_wide' ]),
	'the lines together list every allowed syscall, in order');

# systemd itself reads every line without a complaint, where it is installed.
SKIP:
{
	skip 'systemd-analyze is not installed', 3
	  unless system('command -v systemd-analyze >/dev/null 2>&1') == 0;
	foreach my $name ('global', 'session', 'wide')
	{
		my $unit = "$dir/pgseccomp-export-$name.service";
		open(my $fh, '>', $unit) or die "$unit: $!";
		print $fh "[Service]\nExecStart=/bin/true\n" . slurp_file("$dir/$name.service.lines");
		close($fh);
		my ($stdout, $stderr);
		IPC::Run::run([ 'systemd-analyze', 'verify', $unit ], '>', \$stdout, '2>', \$stderr);
		is($stderr, '', "systemd-analyze verify accepts the $name lines");
	}
}

# Learning: OCI and systemd both log instead, and systemd says what it
# loses. New sessions get the setting after a reload.
reload_with($node, 'session.conf', "pgseccomp.session_syscall_default = 'learn'\n",
	show => [ 'pgseccomp.session_syscall_default', 'learn' ]);
is( $node->safe_psql('postgres', q{
SELECT seccomp_export('oci', 'session')::jsonb->>'defaultAction'}),
	'SCMP_ACT_LOG', 'OCI: learn becomes the log action');
like(
	$node->safe_psql('postgres', "SELECT seccomp_export('systemd', 'session')"),
	qr/^SystemCallFilter=~acct getcwd:EACCES mknod:EPERM mknodat:EPERM uname:ENOENT\n(?:#.*\n)*# systemd cannot express: learning; the default logs instead, and seccomp_learned\(\) records nothing\.\n(?:#.*\n)*SystemCallLog=~\S/m,
	'systemd: learn becomes a deny list and a log filter, with a comment');

$node->stop;
done_testing();
