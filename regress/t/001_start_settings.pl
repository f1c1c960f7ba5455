# A bad setting stops the server at start, with a message that names the
# setting and the offending token. PostgreSQL itself would only warn and
# start with the default, that is with less confinement than configured.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use FindBin;
use lib $FindBin::RealBin;
use PgSeccomp;

my $node = seccomp_node('start_settings', start => 0, conf => qq{
include_if_exists = 'case.conf'
});

# Start with the settings of one case; return whether it started and the log.
sub start_with
{
	my ($settings) = @_;
	write_conf($node, 'case.conf', $settings);
	my $offset = -s $node->logfile;
	my $started = $node->start(fail_ok => 1);
	my $log = slurp_file($node->logfile, $offset);
	$node->stop if $started;
	return ($started, $log);
}

my @bad = (
	[
		'unknown syscall in a global list',
		"pgseccomp.global_syscall_allow = 'read,wrte'",
		qr/FATAL:  invalid value for parameter "pgseccomp.global_syscall_allow"\n.*DETAIL:  Syscall "wrte" is unknown\.\n.*HINT:  Did you mean "write"\?/
	],
	[
		'unknown global default action',
		"pgseccomp.global_syscall_default = 'erorr'",
		qr/FATAL:  invalid value for parameter "pgseccomp.global_syscall_default": "erorr"\n.*HINT:  Available values: allow, log, error, kill, learn\./
	],
	[
		'unknown session default action',
		"pgseccomp.session_syscall_default = 'deny'",
		qr/FATAL:  invalid value for parameter "pgseccomp.session_syscall_default": "deny"/
	],
	[
		'malformed global list',
		"pgseccomp.global_syscall_error = 'read,,write'",
		qr/FATAL:  invalid value for parameter "pgseccomp.global_syscall_error"\n.*DETAIL:  List syntax is invalid: item 2 of the list is empty\./
	],
	[
		'malformed list whose action is the default',
		"pgseccomp.global_syscall_allow = 'read,'",
		qr/FATAL:  invalid value for parameter "pgseccomp.global_syscall_allow"\n.*DETAIL:  List syntax is invalid/
	],
	[
		'one syscall in two global lists',
		"pgseccomp.global_syscall_log = 'getppid,read'\npgseccomp.global_syscall_error = 'getppid'",
		qr/FATAL:  invalid value for parameter "pgseccomp.global_syscall_error"\n.*DETAIL:  Syscall "getppid" is also listed in "pgseccomp.global_syscall_log"\./
	],
	[
		'"*" in a global list',
		"pgseccomp.global_syscall_log = '*'",
		qr/FATAL:  invalid value for parameter "pgseccomp.global_syscall_log"\n.*DETAIL:  "\*" means the global list/
	],
	[
		'unknown syscall in a session list',
		"pgseccomp.session_syscall_error = 'readlnk'",
		qr/FATAL:  invalid value for parameter "pgseccomp.session_syscall_error"\n.*DETAIL:  Syscall "readlnk" is unknown\.\n.*HINT:  Did you mean "readlink"\?/
	],
	[
		'one syscall in two session lists',
		"pgseccomp.session_syscall_allow = 'getppid'\npgseccomp.session_syscall_kill = 'getppid'",
		qr/FATAL:  invalid value for parameter "pgseccomp.session_syscall_kill"\n.*DETAIL:  Syscall "getppid" is also listed in "pgseccomp.session_syscall_allow"\./
	],
	[
		'bad role override',
		"pgseccomp.session_roles = 'joe'\nsession_syscall_error.joe = 'readlink,nosuchcall'",
		qr/FATAL:  invalid value for parameter "session_syscall_error.joe"\n.*DETAIL:  Syscall "nosuchcall" is unknown\./
	],
	[
		'malformed role list',
		"pgseccomp.session_roles = 'joe,,ann'",
		qr/FATAL:  invalid value for parameter "pgseccomp.session_roles": "joe,,ann"\n.*DETAIL:  List syntax is invalid\./
	],
	[
		'misspelt setting name',
		"pgseccomp.global_sycall_allow = 'read'",
		qr/FATAL:  unrecognized configuration parameter "pgseccomp.global_sycall_allow"/
	],
	[
		'misspelt role override name',
		"session_syscall_eror.joe = ''",
		qr/FATAL:  unrecognized configuration parameter "session_syscall_eror.joe"/
	],
	[
		'unknown syscall in a backend-type override',
		"pgseccomp.backend_types = 'autovacuum_worker'\nbackend_syscall_error.autovacuum_worker = 'readlnk'",
		qr/FATAL:  invalid value for parameter "backend_syscall_error.autovacuum_worker"\n.*DETAIL:  Syscall "readlnk" is unknown\./
	],
	[
		'misspelt backend-type override name',
		"backend_syscall_alow.autovacuum_worker = ''",
		qr/FATAL:  unrecognized configuration parameter "backend_syscall_alow.autovacuum_worker"/
	],
	[
		'a backend type that no hook reaches',
		"pgseccomp.backend_types = 'autovacuum_worker, checkpointer'",
		qr/FATAL:  invalid value for parameter "pgseccomp.backend_types": "autovacuum_worker, checkpointer"\n.*DETAIL:  The checkpointer runs no role's code and passes no point where pgseccomp could install a filter of its own; the global filter confines it\./
	],
	# Derived from the server's own list of process types: 18's io workers
	# and WAL summarizer too, which 15 does not have.
	(
		map {
			[
				"a backend type that no hook reaches: $_",
				"pgseccomp.backend_types = '$_'",
				qr/FATAL:  invalid value for parameter "pgseccomp.backend_types": "$_"\n.*DETAIL:  The $_ runs no role's code and passes no point/
			]
		} ('background_writer', 'archiver',
			$PG_MAJOR >= 18 ? ('io_worker', 'walsummarizer') : ())),
	[
		'a client backend is not a backend-type override',
		"pgseccomp.backend_types = 'client_backend'",
		qr/FATAL:  invalid value for parameter "pgseccomp.backend_types".*\n.*DETAIL:  Client backends take the session filter or their role's\./
	],
	[
		'a backend type that is not a key',
		"pgseccomp.backend_types = '\"autovacuum worker\"'",
		qr/FATAL:  invalid value for parameter "pgseccomp.backend_types".*\n.*DETAIL:  Backend type "autovacuum worker" is not a type key/
	],
	[
		'non-boolean pgseccomp.enabled',
		"pgseccomp.enabled = 'onn'",
		qr/FATAL:  parameter "pgseccomp.enabled" requires a Boolean value\n.*DETAIL:  The value is "onn"\./
	],);

foreach my $case (@bad)
{
	my ($name, $settings, $expected) = @$case;
	my ($started, $log) = start_with($settings);
	ok(!$started, "$name: the server does not start");
	like($log, $expected, "$name: the message names the setting and the token");
}

# The same settings without the mistakes start, and are enforced.
my ($started, $log) = start_with(qq{
pgseccomp.global_syscall_default = 'log'
pgseccomp.global_syscall_allow = 'read,write'
pgseccomp.global_syscall_log = 'getppid'
pgseccomp.session_syscall_error = 'readlink'
pgseccomp.session_roles = 'joe'
session_syscall_error.joe = ''
});
ok($started, 'valid settings start the server');
like($log, qr/LOG:  pgseccomp global filter installed/, 'the global filter is installed at start');

# A global list that denies what pgseccomp needs after start is kept, with a warning.
($started, $log) = start_with("pgseccomp.global_syscall_error = 'sched_getaffinity'");
ok($started, 'a global list may deny what pgseccomp needs');
like($log,
	qr/WARNING:  parameter "pgseccomp.global_syscall_error" denies syscall "sched_getaffinity", which pgseccomp needs after start/,
	'and the server says so at start');

# A helper that cannot start its Go runtime (too little address space)
# stops the server with the runtime's own words, not a guess.
write_conf($node, 'case.conf', '');
my $offset = -s $node->logfile;
system('sh', '-c', 'ulimit -v 500000; pg_ctl -D "$0" -l "$1" -w start >/dev/null 2>&1',
	$node->data_dir, $node->logfile);
system('pg_ctl', '-D', $node->data_dir, '-m', 'immediate', 'stop');
like(slurp_file($node->logfile, $offset),
	qr/FATAL:  pgseccomp helper failed\n.*DETAIL:  It exited with status 2\. The helper said: fatal error: failed to reserve page summary memory\n.*HINT:  .*it lacks memory/,
	'a helper short of address space stops the server with its own reason');

# A single-user backend (the DBA's recovery tool) runs under the global
# filter alone: no authentication, no session filter, and no refusal.
write_conf($node, 'case.conf', "pgseccomp.session_syscall_error = 'readlink'\n");
my ($single_out, $single_err);
IPC::Run::run([ 'postgres', '--single', '-D', $node->data_dir, 'postgres' ],
	'<', \"SELECT 40 + 2 AS answer;\n", '>', \$single_out, '2>', \$single_err);
like($single_out, qr/answer = "42"/, 'a single-user backend runs with pgseccomp enabled');
unlike($single_err, qr/FATAL|PANIC/, 'and is not refused');

# Disabled, nothing is loaded.
($started, $log) = start_with("pgseccomp.enabled = off");
ok($started, 'disabled: the server starts');
unlike($log, qr/pgseccomp global filter installed/, 'disabled: no filter is installed');

done_testing();
