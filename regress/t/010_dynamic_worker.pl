# A backend that can run native code registers a dynamic background worker
# with a library of its own, or with a library loaded at start (pgseccomp's
# own included) and any entry point it resolves, libc's system() among
# them. PostgreSQL loads it and runs its code before any hook; pgseccomp
# confines every dynamic worker as it is forked, with its backend type's
# filter or else the session filter, never the global filter alone, with
# or without a database connection. Workers registered at start are told
# apart by where the postmaster keeps them and what they are; those that
# connect to no database get their type's filter at fork if it is listed.
use strict;
use warnings;
use File::Copy;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use PgSeccomp;

# dynworker.so is loaded at start; a copy of it plays a library of the
# attacker's own, loaded by path.
my $lib = test_tool('dynworker.so');
my $node = PostgreSQL::Test::Cluster->new('dynamic_worker');
my $link = $node->basedir . '/link';
my $out = $node->basedir . '/system.out';
my $own = $node->basedir . '/attacker.so';
copy($lib, $own) or die "copy $lib: $!";
chmod(0755, $own);
symlink('/', $link) or die "symlink: $!";

$node->init;
$node->append_conf('postgresql.conf', qq{
backend_syscall_error.dynstatic = 'readlink'
session_syscall_error.regress_tight = 'readlink, getcwd'
shared_preload_libraries = 'pgseccomp, $lib'
pgseccomp.enabled = on
pgseccomp.session_syscall_error = 'readlink'
pgseccomp.backend_types = 'dynstatic'
pgseccomp.session_roles = 'regress_tight'
dynworker.library = '$lib'
dynworker.static_types = 'dynstatic, dynstatic_other'
dynworker.link = '$link'
dynworker.command = '{ readlink -v $link; echo "readlink=\$?"; grep Seccomp_filters: /proc/self/status; } > $out 2>&1'
max_worker_processes = 16
include_if_exists = 'types.conf'
});
$node->start;

my ($postmaster_filters) = slurp_file('/proc/' . postmaster_pid($node) . '/status') =~ /Seccomp_filters:\s*(\d+)/;
is($postmaster_filters, 1, 'the postmaster carries the global filter');

$node->safe_psql('postgres', qq{
CREATE ROLE regress_tight LOGIN;
CREATE FUNCTION dynworker_start(text, text, text) RETURNS int AS '$own' LANGUAGE C STRICT;
CREATE FUNCTION dynworker_run(text, text, text, bool, text, bool, text) RETURNS int
  AS '$lib' LANGUAGE C STRICT;
});

# What a worker of type $type logged: filters, readlink, and once
# connected, filters and getcwd.
sub logged
{
	my ($type, $offset, $connect) = @_;
	$node->wait_for_log(qr/dynworker \[\Q$type\E\] filters/, $offset);
	$node->wait_for_log(qr/dynworker \[\Q$type\E\] connected/, $offset) if $connect;
	my $log = slurp_file($node->logfile, $offset);
	my ($filters, $readlink) = $log =~ /dynworker \[\Q$type\E\] filters (-?\d+) readlink ([^\n]*)/;
	my ($cfilters, $getcwd) = $log =~ /dynworker \[\Q$type\E\] connected filters (-?\d+) getcwd ([^\n]*)/;
	return ($filters, $readlink, $cfilters, $getcwd);
}

sub run_worker
{
	my $offset = -s $node->logfile;
	$node->safe_psql('postgres', "SELECT dynworker_start('$own', 'dynworker', '$link')");
	return logged('dynworker', $offset);
}

# A worker of the library loaded at start, by its entry point, as a
# dynamic worker; connect says whether it connects to a database, as the
# role name names ("dynworker": none given).
sub run_preloaded
{
	my ($type, $connect, $name) = @_;
	my $offset = -s $node->logfile;
	$node->safe_psql('postgres',
		"SELECT dynworker_run('$lib', 'dynworker_main', '$type', $connect, '$link', true, '"
		  . ($name // 'dynworker') . "')");
	return logged($type, $offset, $connect eq 'true');
}

# libc's system() as the entry point, looked up through pgseccomp's own
# library: the shell reports the readlink and its filters.
sub run_system
{
	my ($type, $connect) = @_;
	unlink($out);
	$node->safe_psql('postgres',
		"SELECT dynworker_run('pgseccomp', 'system', '$type', $connect, '', true, 'dynworker')");
	my $said = -e $out ? slurp_file($out) : '';
	my ($filters) = $said =~ /Seccomp_filters:\s*(\d+)/;
	my ($status) = $said =~ /readlink=(\d+)/;
	return ($filters // -1, $status // -1, $said);
}

# Workers registered at start by the preloaded library, which connect to
# no database: with a listed type, its filter at fork; otherwise the
# global filter (their code is the DBA's). They do not restart: once they
# exited, the postmaster frees their entries, where the dynamic workers
# below may land; only their descriptions tell them apart.
my ($filters, $readlink) = logged('dynstatic', 0);
is($filters, 2, 'a static worker without a database, of a listed type, carries its type\'s filter');
is($readlink, 'Permission denied', 'which denies it readlink');
($filters, $readlink) = logged('dynstatic_other', 0);
is($filters, 1, 'one of a type not listed keeps the global filter alone');
is($readlink, 'allowed', 'and may read the link');

($filters, $readlink) = run_worker();
is($filters, 2, 'a dynamic worker of a library loaded by path carries the global and the session filter');
is($readlink, 'Permission denied', 'and the session filter denies it readlink');

# The same code, from the library loaded at start.
($filters, $readlink) = run_preloaded('dynpre', 'false');
cmp_ok($filters, '>', $postmaster_filters,
	"a dynamic worker of a preloaded library, without a database, carries more filters than the postmaster ($filters)");
is($readlink, 'Permission denied', 'and the session filter denies it readlink');
my ($cfilters, $getcwd);
($filters, $readlink, $cfilters, $getcwd) = run_preloaded('dynpre_db', 'true');
is($filters, 2, 'one that connects to a database carries the session filter before it connects');
is($readlink, 'Permission denied', 'which denies it readlink');
is($cfilters, 2, 'and no more once connected as the bootstrap superuser');
is($getcwd, 'allowed', 'which may call getcwd');

# Connected as a role with filters of its own, the worker stacks them.
($filters, $readlink, $cfilters, $getcwd) = run_preloaded('dynpre_role', 'true', 'regress_tight');
is($filters, 2, 'a worker that will connect as a listed role carries the session filter at first');
is($cfilters, 3, 'connected as that role, it stacks the role\'s filter');
is($getcwd, 'Permission denied', 'which denies it getcwd');

# libc's system() through pgseccomp's own library.
my ($status, $said);
($filters, $status, $said) = run_system('dynsys', 'false');
cmp_ok($filters, '>', $postmaster_filters,
	"system() as the entry point of a worker of pgseccomp's library runs under more filters than the postmaster ($filters)")
  or diag($said);
is($status, 1, 'and its readlink is denied') or diag($said);
like($said, qr/Permission denied/, 'by the session filter\'s errno');
($filters, $status, $said) = run_system('dynsys_db', 'true');
cmp_ok($filters, '>', $postmaster_filters, 'the same with a database connection') or diag($said);
is($status, 1, 'and its readlink is denied there too') or diag($said);

# A dynamic copy of pgseccomp's compile worker is no compile worker.
my $copy = $node->safe_psql('postgres',
	"SELECT dynworker_run('pgseccomp', 'pgseccomp_worker_main', 'pgseccomp compiler', true, '', false, 'dynworker')");
my $copy_filters;
foreach (1 .. 50)
{
	($copy_filters) = (eval { slurp_file("/proc/$copy/status") } // '') =~ /Seccomp_filters:\s*(\d+)/;
	last if defined $copy_filters;
	select(undef, undef, undef, 0.1);
}
is($copy_filters, 2, 'a dynamic copy of the compile worker carries the session filter');
my $compiler = compiler_worker($node);
my ($real_filters) = slurp_file("/proc/$compiler/status") =~ /Seccomp_filters:\s*(\d+)/;
is($real_filters, 1, 'while the compile worker registered at start keeps the global filter alone');
$node->safe_psql('postgres', "SELECT pg_terminate_backend($copy)");

# With a backend-type filter of its own (here: like the global one), the
# worker gets that instead: the denial above was the session filter's.
# The override comes after the last pgseccomp setting: the compile worker
# has the postmaster reload once more to compile it.
reload_with($node, 'types.conf',
	"pgseccomp.backend_types = 'dynstatic, dynworker, dynsys'\nbackend_syscall_error.dynworker = ''\nbackend_syscall_error.dynsys = ''\n",
	log => qr/pgseccomp asks the postmaster to reload once more(?s:.*)checked \d+ session(?s:.*)checked \d+ session, role and backend-type filters after a reload/);
($filters, $readlink) = run_worker();
is($filters, 1, 'with its own backend type listed, it carries what that type gets');
is($readlink, 'allowed', 'and may read the link');
($filters, $status, $said) = run_system('dynsys', 'false');
is($filters, 1, 'so does system() in a worker of pgseccomp\'s library whose type is listed') or diag($said);
is($status, 0, 'and it may read the link') or diag($said);

ok(!$node->log_contains(qr/was terminated by signal/), 'no process crashed');
$node->stop;
done_testing();
