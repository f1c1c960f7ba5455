# Learning costs less: new processes' learning filters allow what their
# level has already learned, so that they trap only on syscalls new to the
# cluster. The postmaster compiles them again at a reload, and the compile
# worker has it reload when learning found something new, at most every
# 10 seconds.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use PgSeccomp;

my $node = seccomp_node('learncost', conf => q{
pgseccomp.session_syscall_default = 'learn'
log_min_messages = debug1
});
$node->safe_psql('postgres', q{
CREATE EXTENSION pgseccomp;
-- The session-level calls of one syscall so far.
CREATE FUNCTION learned_calls(sc text) RETURNS int8 LANGUAGE sql
  AS $$SELECT coalesce(sum(calls), 0)::int8 FROM seccomp_learned() WHERE level = 'session' AND syscall = sc$$;
-- Lists a directory n times: getdents64, which nothing else here makes;
-- true when its session-level calls grew meanwhile.
CREATE FUNCTION listing_grows(n int) RETURNS bool LANGUAGE plpgsql AS $$
DECLARE c0 int8 := learned_calls('getdents64');
BEGIN
  PERFORM count(*) FROM generate_series(1, n), pg_ls_dir('.');
  RETURN learned_calls('getdents64') > c0;
END $$;
-- Runs a statement; true when session-level learned calls grew meanwhile.
CREATE FUNCTION grows(stmt text) RETURNS bool LANGUAGE plpgsql AS $$
DECLARE c0 int8 := (SELECT sum(calls) FROM seccomp_learned() WHERE level = 'session');
BEGIN
  EXECUTE stmt;
  RETURN (SELECT sum(calls) FROM seccomp_learned() WHERE level = 'session') > c0;
END $$;
});

# Queries, one per line: each reads the socket (recvfrom) and answers.
my $queries = $node->basedir . '/queries.sql';
open(my $fh, '>', $queries) or die;
print $fh "SELECT 1;\n" x 200;
close($fh);
sub run_queries
{
	$node->command_ok([ 'psql', '-X', '-q', '-f', $queries, '-p', $node->port, '-h', $node->host, 'postgres' ],
		$_[0]);
}

run_queries('a first session learns');
is($node->safe_psql('postgres', q{SELECT learned_calls('recvfrom') > 0}), 't',
	'client backends learned recvfrom at the session level');

# A reload compiles the learning filters with what was learned; the
# postmaster does it as it takes the reload.
$node->safe_psql('postgres', 'SELECT pg_reload_conf()');
sleep 3;
my $before = $node->safe_psql('postgres', q{SELECT learned_calls('recvfrom')});
run_queries('a session after the reload runs');
is($node->safe_psql('postgres', q{SELECT learned_calls('recvfrom')}), $before,
	'a new session does not trap on a syscall its level learned: the count stays');
is($node->safe_psql('postgres', q{SELECT count(*) FROM seccomp_learned() WHERE level = 'session'
  AND syscall = 'recvfrom' AND first_at IS NOT NULL AND calls > 0}) > 0, 1,
	'the learned row keeps its first time and count');

# A syscall new to the cluster traps in the process that makes it, every
# time; the compile worker then has the filters compiled again by itself,
# without a reload from here, and new sessions stop trapping on it.
# Which statement makes one depends on what the cluster did so far: the
# first of these that traps twice in one session.
my $fresh;
foreach my $stmt (
	# trace_sort times a sort with getrusage
	'DO $d$ BEGIN PERFORM set_config(\'trace_sort\', \'on\', true); '
	  . 'PERFORM count(*) FROM (SELECT g FROM generate_series(1, 1000) g ORDER BY g DESC) s; END $d$',
	'SELECT count(*) FROM pg_ls_dir(\'.\')', 'SELECT pg_stat_file(\'postgresql.conf\')',
	'SELECT pg_database_size(\'postgres\')', 'SELECT pg_read_binary_file(\'postgresql.conf\')',
	'SELECT count(*) FROM pg_ls_waldir()', 'SELECT pg_current_logfile()')
{
	my $q = "SELECT grows(\$q\$$stmt\$q\$)";
	my $offset = -s $node->logfile;
	next unless $node->safe_psql('postgres', "$q; $q") eq "t\nt";
	$fresh = $stmt;
	my $t0 = time;
	$node->poll_query_until('postgres', "SELECT NOT grows(\$q\$$stmt\$q\$)")
	  or die 'the learning filters were not compiled again by themselves';
	my $waited = time - $t0;
	cmp_ok($waited, '<=', 40, "the compile worker had them compiled again by itself ($waited s)");
	ok($node->log_contains('pgseccomp asks the postmaster to reload', $offset), 'the worker asked for it');
	is($node->safe_psql('postgres', $q), 'f', 'new sessions do not trap on it');
	last;
}
ok(defined $fresh, 'a statement made syscalls new to the cluster, which trapped at every call in its process: '
	  . ($fresh // 'none'));

# The schedule is bounded: the worker asks at most every 10 seconds.
$node->safe_psql('postgres', q{SELECT count(*) FROM pg_stat_file('postgresql.conf')});
sleep 12;
my @asked = map { /(\d\d):(\d\d):(\d\d\.\d+) UTC/ ? $1 * 3600 + $2 * 60 + $3 : () }
  grep { /pgseccomp asks the postmaster to reload/ } split /\n/, slurp_file($node->logfile);
my @gaps = map { $asked[$_] - $asked[ $_ - 1 ] } 1 .. $#asked;
ok(!grep({ $_ < 9.9 } @gaps), 'the worker asked ' . scalar(@asked) . ' times, at least 10 s apart (' . join(', ', map { sprintf '%.1f', $_ } @gaps) . ')');

ok(!$node->log_contains('PANIC|server process .* was terminated'), 'no process crashed');
$node->stop;
done_testing();
