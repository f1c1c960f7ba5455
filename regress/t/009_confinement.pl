# Confinement that holds: a grantee cannot restart the cluster through
# set_client_filter, siblings named only by inheritance are denied too,
# listed roles that do not exist are reported, backend-type settings are
# checked, and a reload that changes an override after the last pgseccomp
# setting costs at most one connection a compile.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use PgSeccomp;

my $node = seccomp_node('confinement', conf => qq{
pgseccomp.global_syscall_allow = '\@system-service'
pgseccomp.session_syscall_error = 'readlink'
pgseccomp.session_roles = 'regress_ghost, regress_reader'
pgseccomp.backend_types = 'autovacuum_worker'
backend_syscall_error.autovacuum_worker = 'readlink, uname'
include_if_exists = 'extra.conf'
session_syscall_error.regress_reader = 'uname'
}, roles => 'CREATE ROLE regress_reader LOGIN;');
my $postmaster = postmaster_pid($node);
$node->safe_psql('postgres', q{
CREATE EXTENSION pgseccomp;
CREATE ROLE regress_grantee LOGIN;
GRANT EXECUTE ON FUNCTION set_client_filter(text, text, text, text, text) TO regress_grantee;
GRANT EXECUTE ON FUNCTION seccomp_filter() TO regress_grantee, regress_reader;
});

sub rows
{
	my ($sql_in, $user) = @_;
	return $node->safe_psql('postgres',
		"SELECT string_agg(syscall || ' ' || filter_action, ', ' ORDER BY syscallnum)"
		  . " FROM seccomp_filter() WHERE context = 'session' AND syscall IN ($sql_in)",
		extra_params => [ '-U', $user // 'postgres' ]);
}

# A sibling that the session names only through the global list it inherits
# ('*': @system-service allows readlinkat) is denied with readlink.
is(rows("'readlink', 'readlinkat'"), 'readlink session->error, readlinkat session->error',
	'a denial extends to a sibling the session allows only by inheritance');
like($node->safe_psql('postgres', "SELECT issue FROM seccomp_lint() WHERE syscall = 'readlinkat'"),
	qr/readlinkat gets the action error too, because readlink/, 'and the lint says so');

# A listed role that does not exist: a LOG at start and a lint row.
$node->wait_for_log(qr/LOG:  role "regress_ghost" of "pgseccomp.session_roles" does not exist/);
pass('a listed role that does not exist is logged at start');
like($node->safe_psql('postgres', "SELECT issue FROM seccomp_lint() WHERE setting = 'pgseccomp.session_roles'"),
	qr/Role "regress_ghost" does not exist/, 'and seccomp_lint() reports it');
is($node->safe_psql('postgres', "SELECT count(*) FROM seccomp_lint() WHERE issue LIKE '%regress_reader%does not exist%'"),
	'0', 'an existing listed role is not reported');
like($node->safe_psql('postgres', "SELECT string_agg(issue, E'\\n') FROM seccomp_lint() WHERE issue LIKE 'Role \"regress_reader\" has%'"),
	qr/a looser filter than roles without an override/, 'it is reported as looser than the session filter');

# What each kind of process gets, as the postmaster compiled it.
my $bf = $node->safe_psql('postgres', q{SELECT string_agg(backend_type || '/' || coalesce(role::text, '-') || '/' || syscall || '/' || filter_action, ' ' ORDER BY 1, 2, 3)
  FROM (SELECT backend_type, role, syscall, filter_action FROM seccomp_backend_filters() WHERE syscall IN ('readlink', 'uname')) f});
like($bf, qr{autovacuum_worker/-/readlink/session->error}, 'the backend-type filter denies readlink');
like($bf, qr{autovacuum_worker/-/uname/session->error}, 'and uname');
like($bf, qr{client backend/-/readlink/session->error}, 'the session filter denies readlink');
like($bf, qr{client backend/regress_reader/uname/session->error}, 'the role filter denies uname');
like($bf, qr{client backend/-/uname/session->allow}, 'the session filter allows uname, as the global list it inherits');

# A bad backend type at reload is refused and the old value stays.
reload_with($node, 'extra.conf', "pgseccomp.backend_types = 'checkpointer'\n",
	log => qr/invalid value for parameter "pgseccomp.backend_types": "checkpointer"/);
is($node->safe_psql('postgres', 'SHOW pgseccomp.backend_types'), 'autovacuum_worker',
	'a backend type no hook reaches is refused at reload');
unlink($node->data_dir . '/extra.conf');

# An override changed at reload after the last pgseccomp setting: the
# postmaster compiled before it was applied. At most one connection
# compiles for itself and has the postmaster compile again; the role gets
# its new filter either way.
my $offset = -s $node->logfile;
$node->safe_psql('postgres', 'SELECT 1');
$node->append_conf('postgresql.conf', "session_syscall_error.regress_reader = 'getppid'\n");
$node->reload;
$node->poll_query_until('postgres', 'SHOW session_syscall_error.regress_reader', 'getppid')
  or die 'the reload did not arrive';
my @seen = map { rows("'uname', 'getppid'", 'regress_reader') } 1 .. 10;
is($seen[-1], 'uname session->allow, getppid session->error', 'the role gets its new override');
ok(!grep({ $_ ne $seen[-1] } @seen), 'every connection after the reload has it');
my @compiled = slurp_file($node->logfile, $offset) =~ /compiled the filter of this connection itself/g;
cmp_ok(scalar @compiled, '<=', 1, 'at most one connection compiled its own filter');

# Many listed roles: every one gets its filter from the postmaster's
# compile, none compiles at connection.
my @many = map { "regress_many_$_" } 1 .. 100;
$node->safe_psql('postgres', join('', map { "CREATE ROLE $_ LOGIN; GRANT EXECUTE ON FUNCTION seccomp_filter() TO $_;" } @many));
reload_with($node, 'extra.conf',
	join('', map { "session_syscall_error.$_ = 'uname'\n" } @many)
	  . "pgseccomp.session_roles = '" . join(', ', 'regress_ghost', 'regress_reader', @many) . "'\n",
	query => "SELECT current_setting('pgseccomp.session_roles') LIKE '%regress_many_100'");
$offset = -s $node->logfile;
my $with_role_filter = grep { rows("'uname'", $_) eq 'uname session->error' } @many;
is($with_role_filter, 100, '100 listed roles each get their own filter');
is(scalar(() = slurp_file($node->logfile, $offset) =~ /compiled the filter of this connection itself/g), 0,
	'and none of their connections compiled');
unlink($node->data_dir . '/extra.conf');
$node->reload;

# A grantee's kill list: kill acts as error, so the backend is not killed
# and the cluster does not restart.
my $bystander = $node->background_psql('postgres');
my $g = $node->background_psql('postgres', on_error_stop => 0, extra_params => [ '-U', 'regress_grantee' ]);
is($g->query("SELECT set_client_filter(NULL, NULL, NULL, NULL, 'getppid, sendto')"), 'OK',
	'a grantee loads a kill list');
like($g->{stderr}, qr/WARNING:  set_client_filter cannot kill: "kill" acts as "error"/,
	'with a warning that kill acts as error');
like($g->{stderr}, qr/WARNING:  set_client_filter keeps syscall "sendto" allowed\nDETAIL:  A client backend needs it to report an error and exit\./,
	'and that sendto stays allowed');
$g->{stderr} = '';
is($g->query_safe(q{SELECT string_agg(syscall || ' ' || filter_action, ', ' ORDER BY syscallnum)
  FROM seccomp_filter() WHERE context = 'session' AND syscall IN ('sendto', 'getppid')}),
	'sendto pgseccomp->allow, getppid client->error', 'seccomp_filter() shows both');
is($g->query_safe('SELECT 1'), '1', 'the session goes on');
$g->quit;

# A client filter that denies everything: the backend still reports the
# error (here: reading a directory, getdents64) and goes on or exits
# cleanly. Waiting, as pg_sleep does, stays allowed: the session needs it
# to wait for its client.
my ($ret, $out, $err) = $node->psql('postgres',
	"SELECT set_client_filter('error', '', '', '', ''); SELECT pg_sleep(0.1); SELECT pg_database_size('postgres');",
	extra_params => [ '-U', 'regress_grantee' ]);
like($err, qr/(ERROR|FATAL):  .*Permission denied/,
	'a grantee that denies itself everything gets a message that says why');
# What PostgreSQL must write and sync at commit stays allowed: a denial
# there is a PANIC, which restarts the cluster.
$node->safe_psql('postgres', 'GRANT CREATE ON SCHEMA public TO regress_grantee');
($ret, $out, $err) = $node->psql('postgres',
	"SELECT set_client_filter(NULL, NULL, NULL, 'fdatasync, fsync, openat, pwrite64, setitimer', NULL);"
	  . " CREATE TABLE grantee_t AS SELECT g FROM generate_series(1, 100000) g; DROP TABLE grantee_t;",
	extra_params => [ '-U', 'regress_grantee' ]);
like($err, qr/WARNING:  set_client_filter keeps syscalls "openat", "pwrite64", "fsync", "fdatasync", "setitimer" allowed/,
	'a grantee may not deny what WAL and data files and timers in critical sections need, and is told so');
unlike($err, qr/PANIC|server closed the connection/, 'its statements commit');
($ret, $out, $err) = $node->psql('postgres',
	"BEGIN; CREATE TEMP TABLE x (i int); SELECT set_client_filter('error', '', '', '', ''); COMMIT;",
	extra_params => [ '-U', 'regress_grantee' ]);
unlike($err, qr/PANIC/, 'denying everything else before COMMIT is no PANIC');
is($bystander->query_safe('SELECT 1'), '1', 'another session goes on');
is((split /\n/, slurp_file($node->data_dir . '/postmaster.pid'))[0], $postmaster,
	'the postmaster is the same');
$bystander->quit;
ok(!$node->log_contains(qr/was terminated by signal|terminating any other active server processes/),
	'no process crashed and the cluster did not restart');

$node->stop;
done_testing();
