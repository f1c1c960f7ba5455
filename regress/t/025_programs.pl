# Programs a server process runs are learned as programs: execve cannot
# trap, so learning sees none of a program's syscalls, but COPY ... TO/FROM
# PROGRAM under a learning level is recorded with its process type, role
# and levels, and seccomp_suggest() warns that the program's syscalls need
# the list of each level it ran under; so it does for archive_command,
# which runs from the archiver (its value only for pg_read_all_settings).
# seccomp_learned_reset() forgets them.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use PgSeccomp;

my $node = seccomp_node('programs', conf => q{
pgseccomp.session_syscall_default = 'learn'
wal_level = replica
archive_mode = on
archive_command = 'true'
});
$node->safe_psql('postgres', q{
CREATE EXTENSION pgseccomp;
CREATE ROLE regress_prog LOGIN;
CREATE ROLE regress_noprog LOGIN;
GRANT pg_execute_server_program TO regress_prog;
});
my $rows = q{SELECT level, setting, backend_type, role, command, count, first_at <= last_at
 FROM seccomp_learned_programs() ORDER BY level, role, command};

is($node->safe_psql('postgres', $rows), '', 'nothing is recorded before a program runs');
my $as = sub {
	my ($role, $sql) = @_;
	return $node->psql('postgres', $sql, extra_params => [ '-U', $role ]);
};
my ($ret, $out, $err) = $as->('regress_prog', q{COPY (SELECT 1) TO PROGRAM 'cat > /dev/null'});
is($ret, 0, 'COPY TO PROGRAM runs under session learning') or diag $err;
$as->('regress_prog', q{COPY (SELECT 1) TO PROGRAM 'cat > /dev/null'});
($ret, $out, $err) = $as->('regress_noprog', q{COPY (SELECT 1) TO PROGRAM 'echo refused'});
like($err, qr/permission denied|must be superuser|pg_execute_server_program/, 'COPY TO PROGRAM is refused to a role without the privilege');
is($node->safe_psql('postgres', $rows),
	"session|pgseccomp.session_syscall_default|client backend|regress_prog|cat > /dev/null|2|t",
	'the program is recorded once per level with its process type, role and count; a refused one is not');

# The global level does not learn: its row appears when it does.
$node->append_conf('postgresql.conf', "pgseccomp.global_syscall_default = 'learn'\n");
$node->restart;
$as->('regress_prog', q{COPY (SELECT 1) TO PROGRAM 'cat > /dev/null'});
is($node->safe_psql('postgres', q{SELECT level || ':' || count FROM seccomp_learned_programs() ORDER BY 1}),
	"global:1\nsession:1", 'under two learning levels, a program is recorded for both');

my $suggest = $node->safe_psql('postgres', q{SELECT string_agg(s, E'\n') FROM seccomp_suggest() s});
like($suggest,
	qr/^# pgseccomp\.session_syscall_allow: programs ran under this level: client backend \[cat > \/dev\/null\] \(1 times\); their syscalls need this level's list \(a program has no SIGSYS handler: a denied syscall fails with the errno\)$/m,
	'the suggestion names the program on the session level');
like($suggest,
	qr/^# pgseccomp\.global_syscall_allow: programs ran under this level: .*client backend \[cat > \/dev\/null\] \(1 times\)/m,
	'and on the global level');
like($suggest, qr/^# pgseccomp\.global_syscall_allow: programs ran under this level: .*archiver \[archive_command = 'true'\] \(configured\)/m,
	'the archive_command is named on the global level');
unlike($suggest, qr/^# pgseccomp\.session_syscall_allow: .*archive_command/m,
	'but not on the session level, which does not confine the archiver');
# The setting's value may hold a credential: only for pg_read_all_settings.
$node->safe_psql('postgres', q{GRANT EXECUTE ON FUNCTION seccomp_suggest() TO regress_prog});
($ret, $out, $err) = $as->('regress_prog', q{SELECT string_agg(s, E'\n') FROM seccomp_suggest() s});
like($out, qr/archiver \[archive_command \(its value is for pg_read_all_settings\)\] \(configured\)/,
	'a role that may not read the settings sees the setting named without its value') or diag $err;
unlike($out, qr/archive_command = /, 'and not the value');
# Another role's commands, as another session's statements: only for its
# members and pg_read_all_stats.
$node->safe_psql('postgres', q{COPY (SELECT 1) TO PROGRAM 'cat > /dev/null # superuser secret'});
$node->safe_psql('postgres', q{GRANT EXECUTE ON FUNCTION seccomp_learned_programs() TO regress_prog});
($ret, $out, $err) = $as->('regress_prog', q{SELECT string_agg(s, E'\n') FROM seccomp_suggest() s});
unlike($out, qr/superuser secret/, 'the suggestion hides another role\'s command') or diag $err;
like($out, qr/<insufficient privilege>/, 'and says so');
like($out, qr/cat > \/dev\/null\]/, 'but shows the role its own');
($ret, $out, $err) = $as->('regress_prog',
	q{SELECT string_agg(DISTINCT coalesce(role::text, '-') || ' ' || command, E'\n' ORDER BY coalesce(role::text, '-') || ' ' || command) FROM seccomp_learned_programs()});
unlike($out, qr/secret/, 'seccomp_learned_programs() hides it too') or diag $err;

$node->safe_psql('postgres', q{SELECT seccomp_learned_reset()});
is($node->safe_psql('postgres', $rows), '', 'seccomp_learned_reset() forgets the programs');
unlike($node->safe_psql('postgres', q{SELECT string_agg(s, E'\n') FROM seccomp_suggest() s}),
	qr/cat > \/dev\/null/, 'and the suggestion no longer names them');

is($node->safe_psql('postgres', q{SELECT has_function_privilege('regress_noprog', 'seccomp_learned_programs()', 'EXECUTE')}),
	'f', 'seccomp_learned_programs() is not for every role');
unlike(slurp_file($node->logfile), qr/terminated by signal/, 'no process was killed');

$node->stop;
done_testing();
