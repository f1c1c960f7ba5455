# Session settings change at reload: new sessions get the new filter, old
# sessions keep theirs, bad values change nothing, a bad role override
# refuses only that role, and connections compile nothing.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use PgSeccomp;

my $node = seccomp_node('reload', conf => qq{
pgseccomp.global_syscall_default = 'allow'
pgseccomp.global_syscall_log = 'getppid'
pgseccomp.session_syscall_error = 'readlink'
restart_after_crash = on
include_if_exists = 'session.conf'
});

add_tablespace($node);
$node->safe_psql('postgres', qq{
CREATE EXTENSION pgseccomp;
CREATE ROLE regress_ann LOGIN SUPERUSER;
CREATE ROLE regress_bob LOGIN SUPERUSER;
});

my $session_rows = "SELECT syscall || ' ' || filter_action FROM seccomp_filter()"
  . " WHERE context = 'session' ORDER BY syscallnum";

sub readlink_denied
{
	my ($user) = @_;
	my ($ret, $out, $err) = readlink_probe($node, $user // 'postgres');
	return $ret != 0 && $err =~ /could not read symbolic link .*: Permission denied/;
}

sub count_log
{
	my ($re) = @_;
	my @m = slurp_file($node->logfile) =~ /$re/g;
	return scalar @m;
}

ok(readlink_denied(), 'the session error list denies readlink');
is($node->safe_psql('postgres', $session_rows),
	"<default> session->allow\nreadlink session->error\ngetppid session->log\nreadlinkat session->error",
	'seccomp_filter() shows the session filter');

# A session that stays open across the reload.
my $old = $node->background_psql('postgres', on_error_stop => 0);
$old->query_safe("SELECT 1");

reload_with($node, 'session.conf', "pgseccomp.session_syscall_error = 'sysinfo'\n",
	show => [ 'pgseccomp.session_syscall_error', 'sysinfo' ]);
ok(!readlink_denied(), 'after reload, a new session may read links');
is($node->safe_psql('postgres', $session_rows),
	"<default> session->allow\nsysinfo session->error\ngetppid session->log",
	'after reload, a new session shows the new filter');
like($old->query($READLINK) // '', qr/^$/, 'the old session still may not read links');
like($old->{stderr}, qr/Permission denied/, 'the old session got permission denied');
$old->{stderr} = '';
is($old->query_safe($session_rows),
	"<default> session->allow\nreadlink session->error\ngetppid session->log\nreadlinkat session->error",
	'the old session still shows its own filter');

# Connections compile nothing: the postmaster compiled during the reload,
# and new sessions inherit what it compiled.
$node->wait_for_log(qr/pgseccomp checked \d+ session, role and backend-type filters after a reload/);
$node->safe_psql('postgres', 'SELECT 1') for 1 .. 20;
is(count_log(qr/pgseccomp compiled the filter of this connection itself/), 0,
	'20 connections after the reload compiled nothing');

# A bad value at reload is rejected by PostgreSQL and the old one stays.
reload_with($node, 'session.conf', "pgseccomp.session_syscall_error = 'sysinfo'\npgseccomp.session_syscall_log = 'readlnk'\n",
	show => [ 'pgseccomp.session_syscall_log', '*' ]);
$node->wait_for_log(qr/invalid value for parameter "pgseccomp.session_syscall_log": "readlnk"\n.*DETAIL:  Syscall "readlnk" is unknown\.\n.*HINT:  Did you mean "readlink"\?/);
is($node->safe_psql('postgres', 'SHOW pgseccomp.session_syscall_log'), '*', 'the bad value is not taken');
is($node->safe_psql('postgres', $session_rows),
	"<default> session->allow\nsysinfo session->error\ngetppid session->log",
	'new sessions keep the previous filter');

# A conflict between two lists is found by the worker; the old filter stays.
reload_with($node, 'session.conf', "pgseccomp.session_syscall_error = 'sysinfo'\npgseccomp.session_syscall_allow = 'uname'\npgseccomp.session_syscall_kill = 'uname'\n",
	show => [ 'pgseccomp.session_syscall_kill', 'uname' ]);
$node->wait_for_log(qr/invalid value for parameter "pgseccomp.session_syscall_kill"\n.*DETAIL:  Syscall "uname" is also listed in "pgseccomp.session_syscall_allow"\.\n(?:.*HINT:.*\n)?.*LOG:  pgseccomp keeps the previous session filter/);
is($node->safe_psql('postgres', $session_rows),
	"<default> session->allow\nsysinfo session->error\ngetppid session->log",
	'a conflicting reload keeps the previous session filter');

# The kept filter lives in the postmaster: a crash-restart does not lose it.
my $bg = $node->background_psql('postgres');
my $bg_pid = $bg->query_safe('SELECT pg_backend_pid()');
kill('KILL', $bg_pid) or die "kill $bg_pid: $!";
$node->wait_for_log(qr/all server processes terminated; reinitializing(?s:.*)database system is ready to accept connections/);
eval { $bg->quit };
$node->poll_query_until('postgres', 'SELECT 1', '1') or die 'no restart';
is($node->safe_psql('postgres', $session_rows),
	"<default> session->allow\nsysinfo session->error\ngetppid session->log",
	'after a crash-restart, new sessions still get the kept filter');

# A list longer than pgseccomp accepts is refused when it is set.
my $long = join(',', ('readlink') x 2000);
my $offset_long = reload_with($node, 'session.conf', "pgseccomp.session_syscall_error = 'sysinfo'\npgseccomp.session_syscall_log = '$long'\n",
	show => [ 'pgseccomp.session_syscall_error', 'sysinfo' ]);
$node->wait_for_log(qr/invalid value for parameter "pgseccomp.session_syscall_log"(?s:.*)DETAIL:  The list has 17999 bytes; at most 16384 are accepted\./, $offset_long);
is($node->safe_psql('postgres', 'SHOW pgseccomp.session_syscall_log'), '*', 'a list that is too long is refused at reload');

# A role override is not checked by PostgreSQL: a bad one refuses that
# role's connections with the reason, and no one else's.
reload_with($node, 'session.conf', "pgseccomp.session_syscall_error = 'sysinfo'\npgseccomp.session_roles = 'regress_ann'\nsession_syscall_error.regress_ann = 'readlink,nosuchcall'\n",
	show => [ 'pgseccomp.session_roles', 'regress_ann' ]);
$node->connect_fails('dbname=postgres user=regress_ann', 'a bad role override refuses the role',
	expected_stderr => qr/FATAL:  could not load the pgseccomp filter for role "regress_ann": invalid value for parameter "session_syscall_error.regress_ann"\nDETAIL:  Syscall "nosuchcall" is unknown\./);
$node->connect_ok('dbname=postgres user=regress_bob', 'other roles still connect');

# Fixed, the role gets its own filter.
reload_with($node, 'session.conf', "pgseccomp.session_syscall_error = 'sysinfo'\npgseccomp.session_roles = 'regress_ann'\nsession_syscall_error.regress_ann = 'readlink'\n",
	show => [ "session_syscall_error.regress_ann", 'readlink' ]);
ok(readlink_denied('regress_ann'), 'the role override denies readlink to its role');
ok(!readlink_denied('regress_bob'), 'and not to other roles');

$old->quit;
$node->stop;
done_testing();
