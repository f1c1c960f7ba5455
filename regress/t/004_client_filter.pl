# set_client_filter: a session tightens itself from SQL, also when its
# session filter denies fork and what a Go runtime needs; bad input loads
# nothing; PL/Perl's external commands follow the filters.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use PgSeccomp;

# What client backends of this test need, measured with strace -f on a
# server running the same statements (x86_64, glibc 2.36, PostgreSQL 15),
# plus syscalls PostgreSQL uses under other load. No clone, clone3,
# sigaltstack or sched_getaffinity: nothing here can fork or start Go.
my $backend = join(',', qw(
	accept access bind brk chmod close connect dup dup2 dup3 epoll_create1
	epoll_ctl epoll_pwait epoll_wait exit exit_group fadvise64 fallocate
	fcntl fdatasync flock fstat fstatfs fsync ftruncate futex getcwd
	getdents64 getegid geteuid getgid getpeername getpid getppid getrandom
	getrusage getsockname getsockopt gettid getuid ioctl kill lseek lstat
	madvise mkdir mmap mprotect mremap munmap nanosleep newfstatat openat
	pipe pipe2 poll ppoll prctl pread64 preadv prlimit64 pselect6 pwrite64
	pwritev read readlink recvfrom recvmsg rename restart_syscall rmdir
	rseq rt_sigaction rt_sigprocmask rt_sigreturn sched_yield seccomp
	select sendmsg sendto set_robust_list set_tid_address setitimer
	setsockopt setsid shutdown signalfd4 socket stat statfs statx symlink
	sync_file_range sysinfo tgkill truncate umask uname unlink write));

my $node = seccomp_node('client_filter', conf => qq{
pgseccomp.session_syscall_default = 'error'
pgseccomp.session_syscall_allow = '$backend'
pgseccomp.session_syscall_error = 'clone'
# This role may run external commands.
pgseccomp.session_roles = 'regress_forker'
session_syscall_allow.regress_forker = '$backend,clone,clone3,wait4,execve,arch_prctl'
session_syscall_error.regress_forker = ''
}, roles => 'CREATE ROLE regress_forker LOGIN;');

add_tablespace($node);
my $file = $node->basedir . '/hello.txt';
PostgreSQL::Test::Utils::append_to_file($file, "hello\n");
$node->safe_psql('postgres', qq{
CREATE EXTENSION pgseccomp;
CREATE EXTENSION plperlu;
CREATE FUNCTION cat(path text) RETURNS text LANGUAGE plperlu AS \$\$
  my \$out = `cat \$_[0]`;
  die "could not run cat: \$!\\n" unless defined \$out;
  chomp \$out;
  return \$out;
\$\$;
CREATE ROLE regress_nobody LOGIN;
GRANT EXECUTE ON FUNCTION set_client_filter(text, text, text, text, text), seccomp_filter() TO regress_forker;
});

my $filters = "SELECT regexp_replace(pg_read_file('/proc/self/status'), '.*Seccomp_filters:\\s*(\\d+).*', '\\1', 's')";
my $rows = "SELECT string_agg(syscall || ' ' || filter_action, ', ' ORDER BY syscallnum)"
  . " FROM seccomp_filter() WHERE context = 'session' AND syscall IN (%s)";

# The hardened session: no fork, no Go.
my $s = $node->background_psql('postgres', on_error_stop => 0);
is($s->query_safe($filters), '2', 'a hardened session has the global and its session filter');
is($s->query_safe(sprintf($rows, "'<default>','clone','clone3','sigaltstack','sched_getaffinity'")),
	'<default> session->error, clone session->error, clone3 session->error:ENOSYS',
	'its session filter denies what fork and a Go runtime need (clone by name, clone3 with ENOSYS, the rest by default)');
$s->query("SELECT cat('$file')");
like($s->{stderr}, qr/could not run cat: Permission denied/,
	'the session error list holding clone stops an external command');
$s->{stderr} = '';

is($s->query_safe("SELECT set_client_filter('error', NULL, NULL, 'readlink', NULL)"),
	'OK', 'set_client_filter works in a session that cannot fork');
is($s->query_safe($filters), '3', 'the client filter is loaded');
$s->query($READLINK);
like($s->{stderr}, qr/could not read symbolic link .*: Permission denied/, 'and readlink is denied');
$s->{stderr} = '';
is($s->query_safe(sprintf($rows, "'readlink','getdents64'")),
	'readlink client->error, getdents64 client->allow',
	'seccomp_filter() names the client source, also where it inherits the session allow list');

is($s->query_safe("SELECT set_client_filter(NULL, NULL, NULL, 'getdents64', NULL)"),
	'OK', 'a second call stacks another client filter');
is($s->query_safe($filters), '4', 'four filters are loaded');
$s->query("SELECT pg_ls_dir('.')");
like($s->{stderr}, qr/could not read directory "\.": Permission denied/, 'the second filter denies getdents64');
$s->{stderr} = '';
$s->query($READLINK);
like($s->{stderr}, qr/Permission denied/, 'the first still denies readlink');
$s->{stderr} = '';

is($s->query_safe("SELECT set_client_filter('allow', 'readlink,getdents64', '*', '', '')"),
	'OK', 'an attempt to loosen loads a filter');
$s->query($READLINK);
like($s->{stderr}, qr/Permission denied/, 'but readlink stays denied');
$s->{stderr} = '';
is($s->query_safe(sprintf($rows, "'readlink','getdents64'")),
	'readlink client->error, getdents64 client->error', 'and seccomp_filter() shows what decides');
$s->quit;

# A client filter that denies everything it may: the session still waits
# for its client and talks to it (the floor), and what is denied is a
# clean ERROR, never a lost connection.
$s = $node->background_psql('postgres', on_error_stop => 0);
is($s->query_safe("SELECT set_client_filter('error', '', '', '', '')"), 'OK',
	'set_client_filter with default error and empty lists');
foreach my $i (1 .. 3)
{
	# Long enough for the backend to wait for the next query.
	select(undef, undef, undef, 0.3);
	my ($out, $err) = query_err($s, "SELECT $i");
	is("$out$err", $i, "after it, statement $i runs");
}
my (undef, $denied) = query_err($s, $READLINK);
like($denied, qr/ERROR:  could not read symbolic link .*: Permission denied/, 'a denied syscall is a clean ERROR');
select(undef, undef, undef, 0.3);
is(join('', query_err($s, "SELECT repeat('x', 1000000) = repeat('x', 1000000)")), 't',
	'and the session goes on');
$s->quit;

# A syscall named explicitly beats the inherited session allow list.
$s = $node->background_psql('postgres', on_error_stop => 0);
is($s->query_safe("SELECT set_client_filter('error', NULL, NULL, 'kill', NULL)"), 'OK',
	'set_client_filter with kill in the error list');
is($s->query_safe(sprintf($rows, "'kill'")), 'kill client->error',
	'kill is denied although the session allow list has it');
$s->quit;

# Bad input: an ERROR with SQLSTATE that names the token, and nothing loaded.
$s = $node->background_psql('postgres', on_error_stop => 0);
my $before = $s->query_safe("SELECT string_agg(syscall || filter_action, ',') FROM seccomp_filter()");
my @bad = (
	[ "'deny', NULL, NULL, NULL, NULL", qr/ERROR:  22023: invalid value for parameter "default_action"\nDETAIL:  Action "deny" is unknown\./ ],
	[ "NULL, NULL, NULL, 'readlnk', NULL", qr/ERROR:  22023: invalid value for parameter "error_list"\nDETAIL:  Syscall "readlnk" is unknown\.\nHINT:  Did you mean "readlink"\?/ ],
	[ "NULL, NULL, NULL, 'readlink,,uname', NULL", qr/ERROR:  22023: invalid value for parameter "error_list"\nDETAIL:  List syntax is invalid: item 2 of the list is empty\./ ],
	[ "NULL, 'uname', NULL, 'uname', NULL", qr/ERROR:  22023: invalid value for parameter "error_list"\nDETAIL:  Syscall "uname" is also listed in "allow_list"\./ ],
	[ "NULL, NULL, 'read,*', NULL, NULL", qr/ERROR:  22023: invalid value for parameter "log_list"\nDETAIL:  "\*" must be the whole value/ ],
	[ "NULL, NULL, NULL, repeat('readlink,', 20000) || 'readlink', NULL", qr/ERROR:  54000: set_client_filter argument "error_list" is too long\nDETAIL:  It has 180008 bytes; at most 16384 are accepted\./ ],);
$s->query_safe('\set VERBOSITY verbose');
foreach my $case (@bad)
{
	$s->query("SELECT set_client_filter($case->[0])");
	like($s->{stderr}, $case->[1], "set_client_filter($case->[0]) is refused");
	$s->{stderr} = '';
}
$s->query_safe('\set VERBOSITY default');
is($s->query_safe($filters), '2', 'no filter was loaded');
is($s->query_safe("SELECT string_agg(syscall || filter_action, ',') FROM seccomp_filter()"),
	$before, 'seccomp_filter() is as before');
is($s->query_safe('SELECT 1'), '1', 'the session goes on');
$s->quit;

# A call canceled while it waits gives its request slot up: more cancels
# than there are slots leave set_client_filter working.
my $compiler = compiler_worker($node);
ok($compiler && kill('STOP', $compiler), 'the compiler worker is stopped');
$s = $node->background_psql('postgres', on_error_stop => 0);
$s->query_safe("SET statement_timeout = '200ms'");
foreach my $i (1 .. 6)
{
	$s->query("SELECT set_client_filter(NULL, NULL, NULL, 'getppid', NULL)");
	like($s->{stderr}, qr/canceling statement due to statement timeout/, "call $i waits and is canceled");
	$s->{stderr} = '';
}
# Without a timeout, the wait is bounded all the same: a clear ERROR.
$s->query_safe("RESET statement_timeout");
my $asked = time;
$s->query("SELECT set_client_filter(NULL, NULL, NULL, 'getppid', NULL)");
my $waited = time - $asked;
like($s->{stderr}, qr/ERROR:  could not compile the client filter: pgseccomp background worker did not answer in time\nDETAIL:  No answer within 5000 ms\./,
	'with the worker stopped and no statement_timeout, the call is an ERROR');
$s->{stderr} = '';
cmp_ok($waited, '<=', 10, "within a few seconds ($waited s)");
ok(kill('CONT', $compiler), 'the compiler worker goes on');
is($s->query_safe("SELECT set_client_filter(NULL, NULL, NULL, 'getppid', NULL)"), 'OK',
	'after the cancels, a call gets a slot and its filter');
is($s->query_safe($filters), '3', 'one client filter was loaded, not eight');
$s->quit;

# The helper started ahead dies (say, to the OOM killer): a fresh one
# takes the request, and the call succeeds.
# The worker's one helper child, once earlier helpers have exited.
sub compiler_helper
{
	my @live = children($compiler, live => 1);
	return @live == 1 ? $live[0] : undef;
}
my $warm;
foreach (1 .. 50)
{
	last if ($warm = compiler_helper());
	select(undef, undef, undef, 0.1);
}
like(slurp_file("/proc/$warm/cmdline"), qr/pgseccomp compiler helper/, 'a helper has a title of its own');
like(slurp_file("/proc/$warm/comm"), qr/^pgseccomp helpr$/m, 'and a name of its own');
ok($warm && kill('KILL', $warm), 'the helper started ahead is killed');
$s = $node->background_psql('postgres', on_error_stop => 0);
is($s->query_safe("SELECT set_client_filter(NULL, NULL, NULL, 'getppid', NULL)"), 'OK',
	'set_client_filter still gets its filter');
$s->quit;
ok($node->log_contains(qr/LOG:  pgseccomp helper started ahead died before its request: pgseccomp helper was terminated by a signal/),
	'the server log says a fresh helper took the request');

# EXECUTE is revoked from PUBLIC.
my ($ret, $out, $err) = $node->psql('postgres',
	"SELECT set_client_filter(NULL, NULL, NULL, 'readlink', NULL)",
	extra_params => [ '-U', 'regress_nobody' ]);
like($err, qr/permission denied for function set_client_filter/, 'a caller without EXECUTE is refused');

# A role allowed to fork runs an external command, until it denies clone.
$s = $node->background_psql('postgres', on_error_stop => 0,
	extra_params => [ '-U', 'regress_forker' ]);
is($s->query_safe("SELECT cat('$file')"), 'hello', 'the role may run cat');
is($s->query_safe("SELECT set_client_filter('error', NULL, NULL, 'clone', NULL)"), 'OK',
	'the role denies itself clone');
$s->query("SELECT cat('$file')");
like($s->{stderr}, qr/could not run cat: Permission denied/, 'then cat fails in that session');
$s->quit;
is($node->safe_psql('postgres', "SELECT cat('$file')", extra_params => [ '-U', 'regress_forker' ]),
	'hello', 'a new session of the role runs cat again');

# A helper that stops answering holds nothing up: the worker waits in
# slices and reacts to SIGTERM, so a fast shutdown is fast.
my $stopped;
foreach (1 .. 50)
{
	last if ($stopped = compiler_helper());
	select(undef, undef, undef, 0.1);
}
ok($stopped && kill('STOP', $stopped), 'the helper started ahead is stopped');
$s = $node->background_psql('postgres', on_error_stop => 0);
$s->query_safe("SET statement_timeout = '500ms'");
$s->query("SELECT set_client_filter(NULL, NULL, NULL, 'getppid', NULL)");
like($s->{stderr}, qr/canceling statement due to statement timeout/, 'the call waits, and is canceled');
$s->quit;
my $t0 = time;
$node->stop('fast');
cmp_ok(time - $t0, '<', 20, 'a fast shutdown does not wait for the stopped helper');
ok(!kill(0, $stopped) || !(-e "/proc/$stopped"), 'and the stopped helper is gone');
done_testing();
