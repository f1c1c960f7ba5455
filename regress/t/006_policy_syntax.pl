# The policy language on a real server: numbers, @groups, per-rule errno,
# syscalls of other architectures, families, suggestions for typos, the
# lint and group listings, and the 1.0 to 1.1 upgrade.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use PgSeccomp;

my $node = seccomp_node('policy_syntax', conf => qq{
# 80 is chdir on x86_64; stat64 exists on i386 and ARM, not here.
pgseccomp.session_syscall_error = 'readlink:EPERM, 80, \@clock'
pgseccomp.session_syscall_kill = 'stat64'
# A role confined to the measured group: everything else fails.
pgseccomp.session_roles = 'regress_grouped'
session_syscall_default.regress_grouped = 'error'
session_syscall_allow.regress_grouped = '\@postgres-backend, seccomp'
session_syscall_error.regress_grouped = ''
session_syscall_kill.regress_grouped = ''
include_if_exists = 'session.conf'
}, roles => 'CREATE ROLE regress_grouped LOGIN SUPERUSER;');
ok($node->log_contains(qr/WARNING:  parameter "pgseccomp.session_syscall_kill" names syscall "stat64", which this architecture does not have\n.*DETAIL:  It is skipped\./),
	'a syscall of another architecture is skipped with a warning');

add_tablespace($node);
$node->safe_psql('postgres', "CREATE EXTENSION pgseccomp VERSION '1.0'");
my $rows = "SELECT string_agg(syscall || ' ' || filter_action, ', ' ORDER BY syscallnum)"
  . " FROM seccomp_filter() WHERE context = 'session' AND syscall IN (%s)";

# The 1.0 script is the original's; 1.1 adds the listings.
my ($ret, $out, $err) = $node->psql('postgres', 'SELECT count(*) FROM seccomp_groups()');
like($err, qr/function seccomp_groups\(\) does not exist/, 'version 1.0 has no seccomp_groups()');
$node->safe_psql('postgres', "ALTER EXTENSION pgseccomp UPDATE TO '1.1'");
is($node->safe_psql('postgres', "SELECT extversion FROM pg_extension WHERE extname = 'pgseccomp'"),
	'1.1', 'the extension updates to 1.1');

is($node->safe_psql('postgres', sprintf($rows, "'chdir', 'readlink', 'readlinkat', 'stat64'")),
	'chdir session->error, readlink session->error:EPERM, readlinkat session->error:EPERM',
	'a number is shown by name, an errno per rule, a sibling follows, a foreign name is left out');
($ret, $out, $err) = readlink_probe($node);
like($err, qr/could not read symbolic link .*: Operation not permitted/,
	'readlink:EPERM really returns EPERM');

# @postgres-backend, measured on a real server, carries ordinary SQL work.
is($node->safe_psql('postgres', q{
CREATE TABLE grouped AS SELECT g, md5(g::text) AS m FROM generate_series(1, 20000) g;
CREATE INDEX ON grouped (m);
SET work_mem = '64kB';
SELECT count(*) FROM (SELECT m FROM grouped ORDER BY m DESC) s;
UPDATE grouped SET m = upper(m) WHERE g % 7 = 0;
VACUUM ANALYZE grouped;
SELECT count(*) FROM grouped WHERE m LIKE 'A%';
DROP TABLE grouped;
SELECT filter_action FROM seccomp_filter() WHERE context = 'session' AND syscall = '<default>';
}, extra_params => [ '-U', 'regress_grouped' ]),
	"20000\n" . $node->safe_psql('postgres', "SELECT count(*) FROM generate_series(1, 20000) g WHERE upper(md5(g::text)) LIKE 'A%' AND g % 7 = 0 OR (g % 7 <> 0 AND md5(g::text) LIKE 'A%')") . "\nsession->error",
	'a session confined to @postgres-backend sorts, writes, indexes and vacuums');

# A group expands to its members on this architecture.
my $clock = $node->safe_psql('postgres',
	"SELECT string_agg(syscall, ',' ORDER BY syscall) FROM seccomp_groups() WHERE \"group\" = '\@clock'");
like($clock, qr/\bsettimeofday\b/, 'seccomp_groups() lists the members of @clock');
my $members = $node->safe_psql('postgres', "SELECT string_agg(syscall || ' session->error', ', ' ORDER BY syscallnum)"
	  . " FROM seccomp_groups() WHERE \"group\" = '\@clock'");
is($node->safe_psql('postgres', sprintf($rows, join(',', map { "'$_'" } split(/,/, $clock)))),
	$members, 'every member of @clock is denied');

# The lint says what the settings imply.
my $lint = $node->safe_psql('postgres', "SELECT string_agg(coalesce(syscall, '-') || ': ' || issue, E'\\n') FROM seccomp_lint()");
like($lint, qr/readlinkat: readlinkat gets the action error too, because readlink does the same/,
	'seccomp_lint() reports the sibling a family adds');
like($lint, qr/stat64", which this architecture does not have/, 'seccomp_lint() reports the skipped syscall');

# A client filter takes the same syntax; on a tie of actions the newest
# filter's errno is what the kernel returns.
my $s = $node->background_psql('postgres', on_error_stop => 0);
is($s->query_safe("SELECT set_client_filter(NULL, NULL, NULL, 'readlink:ENOSYS', NULL)"), 'OK',
	'set_client_filter with an errno');
$s->query($READLINK);
like($s->{stderr}, qr/could not read symbolic link .*: Function not implemented/,
	'the client filter\'s errno is returned');
$s->{stderr} = '';
is($s->query_safe(sprintf($rows, "'readlink'")), 'readlink client->error:ENOSYS',
	'seccomp_filter() shows the client rule and its errno');
$s->query("SELECT set_client_filter(NULL, NULL, NULL, 'getppid,stat64', NULL)");
like($s->{stderr}, qr/WARNING:  parameter "error_list" names syscall "stat64", which this architecture does not have/,
	'set_client_filter warns about a syscall of another architecture');
$s->{stderr} = '';
$s->query("SELECT set_client_filter(NULL, NULL, NULL, 'getpid:EPRM', NULL)");
like($s->{stderr}, qr/ERROR:  invalid value for parameter "error_list"\nDETAIL:  Errno "EPRM" is unknown\.\nHINT:  Did you mean "EPERM"\?/,
	'an errno typo gets a suggestion');
$s->{stderr} = '';
$s->query("SELECT set_client_filter(NULL, 'getpid:EPERM', NULL, NULL, NULL)");
like($s->{stderr}, qr/ERROR:  invalid value for parameter "allow_list"\nDETAIL:  Only error lists take an errno/,
	'an errno outside an error list is refused');
$s->{stderr} = '';
$s->quit;

# Calls stack until the kernel's limit on the filters of a process: then a
# clear ERROR, nothing loaded, and the session goes on.
$s = $node->background_psql('postgres', on_error_stop => 0);
my $filters = "SELECT substring(pg_read_file('/proc/self/status') FROM 'Seccomp_filters:\\s*(\\d+)')";
my $before = $s->query_safe($filters);
$s->query(q{
DO $$
DECLARE
  n int := 0;
BEGIN
  LOOP
    PERFORM set_client_filter(NULL, NULL, NULL, NULL,
      '@obsolete, @cpu-emulation, @debug, @module, @reboot, @swap, @raw-io, @mount, @keyring');
    n := n + 1;
  END LOOP;
EXCEPTION WHEN program_limit_exceeded THEN
  RAISE NOTICE 'calls %: %', n, SQLERRM;
END $$;
});
like($s->{stderr}, qr/NOTICE:  calls (\d+): client filter would exceed the kernel's limit on the filters of a process/,
	'stacking stops at the kernel\'s limit with a clear error');
my ($loaded) = $s->{stderr} =~ /calls (\d+):/;
$s->{stderr} = '';
cmp_ok($loaded, '>', 50, 'many filters were stacked before the limit');
is($s->query_safe($filters), $before + $loaded, 'the refused call loaded nothing');
is($s->query_safe('SELECT 1'), '1', 'the session goes on');
$s->quit;

# At reload, PostgreSQL's own check (in C, without Go) gives the same
# messages and keeps the old value.
my @reload = (
	[ "pgseccomp.session_syscall_log = 'readlnk'",
		qr/invalid value for parameter "pgseccomp.session_syscall_log": "readlnk"\n.*DETAIL:  Syscall "readlnk" is unknown\.\n.*HINT:  Did you mean "readlink"\?/ ],
	[ "pgseccomp.session_syscall_error = 'readlink:EPRM'",
		qr/invalid value for parameter "pgseccomp.session_syscall_error": "readlink:EPRM"\n.*DETAIL:  Errno "EPRM" is unknown\.\n.*HINT:  Did you mean "EPERM"\?/ ],
	[ "pgseccomp.session_syscall_allow = 'readlink:EPERM'",
		qr/invalid value for parameter "pgseccomp.session_syscall_allow": "readlink:EPERM"\n.*DETAIL:  Only error lists take an errno/ ],
	[ "pgseccomp.session_syscall_kill = '\@clok'",
		qr/invalid value for parameter "pgseccomp.session_syscall_kill": "\@clok"\n.*DETAIL:  Group "\@clok" is unknown\.\n.*HINT:  Did you mean "\@clock"\?/ ],);
foreach my $case (@reload)
{
	my ($setting, $expected) = @$case;
	reload_with($node, 'session.conf', "$setting\n", log => $expected);
	pass("reload of $setting is refused with the setting, the token and a suggestion");
}
is($node->safe_psql('postgres', sprintf($rows, "'chdir', 'readlink'")),
	'chdir session->error, readlink session->error:EPERM', 'the old values stay');

$node->stop;
done_testing();
