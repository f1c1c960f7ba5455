# Asynchronous I/O (PostgreSQL 18): io_method = worker (the default) and
# sync work under deny-by-default filters built from the shipped groups,
# and io workers carry the global filter; io_method = io_uring is refused
# when a level denies what io_uring can do, since io_uring operations bypass
# seccomp on rings that every process inherits unrestricted.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use PgSeccomp;

plan skip_all => "PostgreSQL $PG_MAJOR has no asynchronous I/O (io_method, 18)" if $PG_MAJOR < 18;

my $deny_default = qq{
pgseccomp.global_syscall_default = 'error'
pgseccomp.global_syscall_allow = '\@postgres-server'
pgseccomp.session_syscall_default = 'error'
pgseccomp.session_syscall_allow = '\@postgres-backend'
};

# Filters of the process with that pid: "mode filters" from /proc.
sub seccomp_status
{
	my ($pid) = @_;
	my $status = slurp_file("/proc/$pid/status");
	my ($mode) = $status =~ /^Seccomp:\s*(\d+)/m;
	my ($n) = $status =~ /^Seccomp_filters:\s*(\d+)/m;
	return "$mode $n";
}

############################################################################
# worker and sync, deny by default, with reads that do not fit in
# shared_buffers, so that they go through asynchronous I/O.
############################################################################
foreach my $method ('worker', 'sync')
{
	my $node = seccomp_node("aio_$method", conf => qq{
io_method = $method
shared_buffers = 1MB
$deny_default
});
	$node->safe_psql('postgres', q{
CREATE EXTENSION pgseccomp;
CREATE TABLE big AS SELECT g, md5(g::text) AS m FROM generate_series(1, 200000) g;
CREATE INDEX ON big (m);
CHECKPOINT;
});
	# Read back cold: a restart empties shared_buffers.
	$node->restart;
	is($node->safe_psql('postgres', q{
SET max_parallel_workers_per_gather = 0;
SELECT count(*), count(DISTINCT m) FROM big;
}), '200000|200000', "$method: a sequential scan larger than shared_buffers reads every row");
	is($node->safe_psql('postgres', q{
SET enable_seqscan = off;
SELECT count(*) FROM big WHERE m > 'f';
}), $node->safe_psql('postgres', q{SELECT count(*) FROM big WHERE m > 'f'}),
		"$method: an index scan reads the same rows");
	$node->safe_psql('postgres', 'VACUUM ANALYZE big; CHECKPOINT');

	my @io = split /\n/, $node->safe_psql('postgres',
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'io worker' ORDER BY pid");
	if ($method eq 'worker')
	{
		ok(@io >= 1, 'worker: io workers run (' . scalar(@io) . ')');
		is(seccomp_status($io[0]), '2 1', 'worker: an io worker carries the global filter only')
		  if @io;
		like($node->safe_psql('postgres',
				"SELECT sum(reads) FROM pg_stat_io WHERE object = 'relation' AND reads > 0"),
			qr/^[1-9]/, 'worker: relation reads happened');
	}
	else
	{
		is(scalar(@io), 0, 'sync: no io workers');
	}
	is($node->safe_psql('postgres', 'SELECT count(*) FROM seccomp_denials()'), '0',
		"$method: no denial under deny-by-default filters")
	  or diag($node->safe_psql('postgres',
			'SELECT backend_type, syscall, source, query FROM seccomp_denials() LIMIT 20'));
	ok(!$node->log_contains(qr/terminated by signal|PANIC|could not read/), "$method: no process died, no read failed");
	$node->stop;
}

############################################################################
# io_uring.
############################################################################
my $node = seccomp_node('aio_io_uring', start => 0, conf => qq{
io_method = io_uring
include_if_exists = 'case.conf'
});

sub start_with
{
	my ($settings) = @_;
	write_conf($node, 'case.conf', $settings);
	my $offset = -s $node->logfile;
	my $started = $node->start(fail_ok => 1);
	my $log = slurp_file($node->logfile, $offset);
	return ($started, $log);
}

my @refused = (
	[
		'a session denies openat',
		"pgseccomp.session_syscall_error = 'openat'",
		qr/FATAL:  parameter "pgseccomp.session_syscall_error" conflicts with io_method = io_uring\n.*DETAIL:  It denies openat, which io_uring can do without the syscall.*\n.*HINT:  Set io_method to worker or sync/
	],
	[
		'deny-by-default filters from the shipped groups',
		$deny_default,
		qr/FATAL:  parameter "pgseccomp.global_syscall_default" conflicts with io_method = io_uring/
	],
	[
		'a session denies the io_uring syscalls themselves',
		"pgseccomp.session_syscall_error = 'io_uring_enter'",
		qr/FATAL:  parameter "pgseccomp.session_syscall_error" conflicts with io_method = io_uring\n.*DETAIL:  It denies io_uring_enter, without which every read and write/
	],
	[
		'a backend type denies pipe2 (IORING_OP_PIPE)',
		"backend_syscall_error.autovacuum_worker = 'pipe2'\npgseccomp.backend_types = 'autovacuum_worker'",
		qr/FATAL:  parameter "backend_syscall_error.autovacuum_worker" conflicts with io_method = io_uring/
	],
);
foreach my $case (@refused)
{
	my ($name, $settings, $want) = @$case;
	my ($started, $log) = start_with($settings);
	ok(!$started, "io_uring, $name: the server refuses to start");
	like($log, $want, "io_uring, $name: the message names io_method and the setting");
	$node->stop if $started;
}

# A level that denies only what io_uring cannot do is accepted: the server
# reads through io_uring and the denial holds.
my ($started, $log) = start_with("pgseccomp.session_syscall_error = 'readlink'");
ok($started, 'io_uring with a session that denies readlink only: the server starts') or diag($log);
SKIP:
{
	skip 'the server did not start', 4 unless $started;
	$node->safe_psql('postgres', q{
CREATE EXTENSION pgseccomp;
CREATE TABLE t AS SELECT g FROM generate_series(1, 100000) g;
});
	is($node->safe_psql('postgres', 'SELECT count(*) FROM t'), '100000', 'io_uring: reads work');
	my $tsdir = add_tablespace($node);
	my ($ret, $out, $err) = readlink_probe($node);
	like($err, qr/could not read symbolic link .*: Permission denied/, 'io_uring: the session filter denies readlink');
	like($node->safe_psql('postgres', "SELECT issue FROM seccomp_lint() WHERE setting = 'io_method'"),
		qr/io_uring operations bypass seccomp/, 'seccomp_lint() explains io_method = io_uring');
	($ret, $out, $err) = reload_with_err($node);
	like($log = slurp_file($node->logfile),
		qr/parameter "pgseccomp.session_syscall_error" conflicts with io_method = io_uring/,
		'a reload that would deny openat is refused with the same message');
	$node->stop;
}

# Reloads a setting that conflicts with io_uring.
sub reload_with_err
{
	my ($n) = @_;
	my $offset = -s $n->logfile;
	write_conf($n, 'case.conf', "pgseccomp.session_syscall_error = 'readlink, openat'");
	$n->reload;
	$n->wait_for_log(qr/conflicts with io_method = io_uring/, $offset);
	return $n->psql('postgres', 'SELECT 1');
}

done_testing();
