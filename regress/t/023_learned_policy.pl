# A learned policy that holds afterwards: learning with autovacuum off and
# no walsender, then the suggestion applied; autovacuum forced under it runs
# with no denial, a walsender type that learned nothing is left learning
# (pg_basebackup works), set_client_filter works, and what was learned
# survives restarts until seccomp_learned_reset(). And the lint's warning
# for a denied syscall that cannot fail.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use PgSeccomp;

my $node = seccomp_node('learned_policy', init => { allows_streaming => 1 },
	first => q{
pgseccomp.backend_types = 'walsender'
backend_syscall_default.walsender = 'learn'
}, conf => q{
autovacuum = off
pgseccomp.global_syscall_default = 'learn'
pgseccomp.session_syscall_default = 'learn'
include_if_exists = 'suggested.conf'
});
$node->safe_psql('postgres', q{
CREATE EXTENSION pgseccomp;
CREATE ROLE regress_client LOGIN;
GRANT EXECUTE ON FUNCTION set_client_filter(text, text, text, text, text) TO regress_client;
});

# The learning window: ordinary SQL work, no vacuum, no walsender.
# pgbench's initialization without its VACUUM: nothing vacuums while learning.
$node->command_ok([ 'pgbench', '-i', '-I', 'dtg', '-s', '1', '-q', '-p', $node->port, '-h', $node->host, 'postgres' ],
	'learning: pgbench initialization');
$node->command_ok([ 'pgbench', '-T', '2', '-c', '2', '-p', $node->port, '-h', $node->host, 'postgres' ],
	'learning: pgbench run');
$node->safe_psql('postgres', q{CREATE TABLE dead (id int, t text); CHECKPOINT});

is($node->safe_psql('postgres', q{SELECT count(*) FROM seccomp_denials()}), '0', 'learning denies nothing');
my $coverage = $node->safe_psql('postgres', q{
SELECT level || ' ' || backend_type FROM seccomp_learning_coverage() WHERE processes > 0 ORDER BY 1});
like($coverage, qr/^global client backend$/m, 'coverage: the global level observed client backends');
like($coverage, qr/^session client backend$/m, 'coverage: the session level observed client backends');
like($coverage, qr/^global checkpointer$/m, 'coverage: the global level observed the checkpointer');
unlike($coverage, qr/walsender|autovacuum worker/, 'coverage: no walsender, no autovacuum worker observed');
is($node->safe_psql('postgres', q{
SELECT count(*) FROM seccomp_learning_coverage()
 WHERE processes > 0 AND (first_at IS NULL OR last_at < first_at OR setting IS NULL)}),
	'0', 'coverage: each observation has a setting and a window');

# Learned data survive a restart (a fast shutdown writes them; the
# postmaster reads them back).
my $rows = q{SELECT level || ' ' || coalesce(backend_type, '-') || ' ' || coalesce(role::text, '-') || ' ' || syscall
 FROM seccomp_learned() ORDER BY 1};
my $before = $node->safe_psql('postgres', $rows);
my $nbefore = () = $before =~ /\n/g;
my $procs_before = $node->safe_psql('postgres',
	q{SELECT sum(processes) FROM seccomp_learning_coverage() WHERE level = 'global'});
$node->restart;
is($node->safe_psql('postgres', q{SELECT count(*) FROM seccomp_learned() WHERE coalesce(first_at, '-infinity') < pg_postmaster_start_time()}),
	$nbefore + 1, 'the learned rows of before the restart are back, as many as before');
my %after = map { $_ => 1 } split /\n/, $node->safe_psql('postgres', $rows);
is(join("\n", grep { !$after{$_} } split /\n/, $before), '', 'and each of them is back');
cmp_ok($node->safe_psql('postgres', q{SELECT sum(processes) FROM seccomp_learning_coverage() WHERE level = 'global'}),
	'>=', $procs_before, 'the process counts are back');

# The suggestion: comments say what each level observed; the walsender
# type, which observed nothing, gets no deny-by-default line.
my @all = split /\n/, $node->safe_psql('postgres', 'SELECT * FROM seccomp_suggest()');
my $suggestion = join("\n", @all);
like($suggestion, qr/^# backend_syscall_allow\.walsender: not suggested: this level observed no process/m,
	'the walsender type, which observed nothing, is not suggested');
unlike($suggestion, qr/^backend_syscall_(default|allow)\.walsender =/m, 'and gets no setting line');
like($suggestion, qr/^# WARNING: pgseccomp\.global_syscall_allow observed briefly/m, 'a brief window is warned about');
like($suggestion, qr/^# pgseccomp\.global_syscall_allow: never observed: .*\bautovacuum-worker\b/m,
	'the types never observed are named');
like($suggestion, qr/^pgseccomp\.session_syscall_allow = '.*\bseccomp\b/m, 'the session list allows seccomp for set_client_filter');
like($suggestion, qr/^pgseccomp\.session_syscall_allow = '.*\bgeteuid\b/m, 'the session list allows geteuid');

# Applied, with autovacuum on, a short naptime, and its runs logged (which
# measures their resource usage).
write_conf($node, 'suggested.conf', "$suggestion\nautovacuum = on\nautovacuum_naptime = 1s\nlog_autovacuum_min_duration = 0\n");
$node->restart;
is($node->safe_psql('postgres', q{SELECT filter_action FROM seccomp_filter()
 WHERE syscall = '<default>' AND context = 'global'}), 'global->error', 'the global level now denies by default');
is($node->safe_psql('postgres', q{SELECT filter_action FROM seccomp_filter()
 WHERE syscall = '<default>' AND context = 'session'}), 'session->error', 'and the session level');

# Autovacuum, never seen while learning, vacuums and analyzes.
$node->safe_psql('postgres', q{
INSERT INTO dead SELECT g, repeat('x', 50) FROM generate_series(1, 20000) g;
DELETE FROM dead WHERE id % 2 = 0;
});
ok($node->poll_query_until('postgres', q{SELECT last_autovacuum IS NOT NULL AND last_autoanalyze IS NOT NULL
 FROM pg_stat_user_tables WHERE relname = 'dead'}), 'autovacuum vacuums and analyzes under the suggestion');

# A walsender: pg_basebackup to a temporary directory.
my $backup = PostgreSQL::Test::Utils::tempdir;
$node->command_ok([ 'pg_basebackup', '-D', "$backup/b", '-X', 'stream', '-c', 'fast',
	'-h', $node->host, '-p', $node->port ], 'pg_basebackup works under the suggestion');

# set_client_filter, which the learning window never called.
my ($ret, $out, $err) = $node->psql('postgres',
	q{SELECT set_client_filter('error', NULL, NULL, 'readlink', NULL); SELECT 1},
	extra_params => [ '-U', 'regress_client' ]);
is($out, "OK\n1", 'set_client_filter works under the learned policy') or diag($err);

is($node->safe_psql('postgres', q{SELECT count(*) FROM seccomp_denials()}), '0',
	'no denial under the suggestion')
  or diag($node->safe_psql('postgres', q{SELECT backend_type, syscall, source, query FROM seccomp_denials() LIMIT 20}));
unlike(slurp_file($node->logfile), qr/terminated by signal|PANIC|epoll_wait\(\) failed/, 'no process died');

# seccomp_learned_reset() forgets, on disk too.
my $reset_at = $node->safe_psql('postgres', q{SELECT seccomp_learned_reset(); SELECT now()});
$node->restart;
is($node->safe_psql('postgres', qq{SELECT count(*) FROM seccomp_learned() WHERE first_at < '$reset_at'}),
	'0', 'after seccomp_learned_reset() and a restart, nothing of before is back');

# The file is input: one that is not what the server wrote is ignored.
$node->stop;
my $file = $node->data_dir . '/pg_stat/pgseccomp_learned.stat';
ok(-f $file, 'the learned data are kept in pg_stat/pgseccomp_learned.stat');
my $data = slurp_file($file);
open(my $fh, '>', $file) or die "could not write $file: $!";
binmode $fh;
print $fh substr($data, 0, 12) . pack('l', 1 << 30) . substr($data, 16);
close($fh);
my $offset = -s $node->logfile;
$node->start;
like(slurp_file($node->logfile, $offset), qr/ignoring pgseccomp's learned syscalls in "pg_stat\/pgseccomp_learned.stat": the file is not one this server wrote/,
	'a learned file whose counts do not match its size is ignored, with a LOG');
is($node->safe_psql('postgres', q{SELECT count(*) FROM seccomp_learned() WHERE coalesce(first_at, '-infinity') < pg_postmaster_start_time()}),
	'0', 'and nothing of it is restored');
$node->stop;

# The lint warns about a syscall that cannot fail denied with an errno.
my $lint = seccomp_node('learned_lint', conf => q{
pgseccomp.session_syscall_error = 'geteuid'
});
$lint->safe_psql('postgres', 'CREATE EXTENSION pgseccomp');
like($lint->safe_psql('postgres', q{SELECT setting || ': ' || issue FROM seccomp_lint() WHERE syscall = 'geteuid'}),
	qr/^pgseccomp\.session_syscall_error: geteuid only reads the process's own identity .* returns a user id of -13/,
	'seccomp_lint() says what a caller of a denied geteuid sees');
$lint->stop;

done_testing();
