# The io worker as a deputy (PostgreSQL 18, io_method = worker): io workers
# carry the global filter only and read relation blocks into shared buffers
# for every backend. A role whose filter denies the read syscalls (pread64,
# preadv, preadv2) still reads a cold table with io_method = worker, since
# an io worker makes the syscall; with io_method = sync the backend reads
# itself and is denied. What the deputy does not do: read for a backend's
# local buffers (temporary tables), or single-block reads (ReadBuffer, as
# catalog and index lookups make them), which the backend makes itself.
# docs/security.md ("The io worker as a deputy") says what else it will and
# will not do.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use PgSeccomp;

plan skip_all => "PostgreSQL $PG_MAJOR has no io workers (io_method, 18)" if $PG_MAJOR < 18;

my $node = seccomp_node('io_deputy',
	first => qq{
pgseccomp.session_roles = 'reader'
session_syscall_error.reader = 'pread64,preadv,preadv2'
},
	conf => qq{
include_if_exists = 'method.conf'
});
$node->safe_psql('postgres', q{
CREATE EXTENSION pgseccomp;
CREATE ROLE reader LOGIN;
CREATE TABLE cold AS SELECT g, md5(g::text) AS m FROM generate_series(1, 20000) g;
GRANT SELECT ON cold TO reader;
VACUUM (FREEZE, ANALYZE) cold;
CHECKPOINT;
});

my $cold = $node->safe_psql('postgres', q{SELECT pg_relation_filenode('cold')});

foreach my $method ('worker', 'sync')
{
	write_conf($node, 'method.conf', "io_method = $method\n");
	# A restart empties shared buffers; a first session (not confined as
	# reader, but with reader's privileges, so that the same catalog pages
	# are read: single-block reads of catalogs and indexes are made by the
	# backend itself) reads what reader's statements need but cold's data.
	$node->restart;
	is($node->safe_psql('postgres', 'SHOW io_method'), $method, "$method: io_method is $method");
	$node->safe_psql('postgres', 'SELECT seccomp_denials_reset()');
	$node->safe_psql('postgres', qq{
SET ROLE reader;
EXPLAIN SELECT count(*), max(m) FROM cold;
});

	my ($ret, $out, $err) = $node->psql('postgres', 'SELECT count(*), max(m) FROM cold',
		extra_params => [ '-U', 'reader' ]);
	if ($method eq 'worker')
	{
		is($out, $node->safe_psql('postgres', 'SELECT count(*), max(m) FROM cold'), 'worker: reader reads the cold table: an io worker made the reads')
		  or diag($err);
		my @io = split /\n/, $node->safe_psql('postgres',
			"SELECT pid FROM pg_stat_activity WHERE backend_type = 'io worker'");
		my ($filters) = slurp_file("/proc/$io[0]/status") =~ /^Seccomp_filters:\s*(\d+)/m;
		is($filters, '1', 'worker: the io worker that read for it carries the global filter only');
	}
	else
	{
		like($err, qr/could not read blocks? .* in file "base\/\d+\/$cold": Permission denied/,
			'sync: reader is denied the read of the cold table it makes itself');
		ok($node->poll_query_until('postgres',
				q{SELECT count(*) > 0 FROM seccomp_denials() WHERE role = 'reader' AND syscall IN ('pread64', 'preadv')}),
			'sync: the denial is recorded for reader');
	}

	# Local buffers: the backend reads its temporary tables itself, whatever
	# io_method says. A session fills a temporary table larger than
	# temp_buffers (100 blocks), then denies itself the read syscalls with
	# set_client_filter (its catalogs are read by then): reading the
	# temporary table back is denied.
	($ret, $out, $err) = $node->psql('postgres', q{
SET temp_buffers = 100;
CREATE TEMP TABLE t AS SELECT g, md5(g::text) AS m FROM generate_series(1, 100000) g;
SELECT count(*) FROM t WHERE g < 0;
SELECT set_client_filter(NULL, NULL, NULL, 'pread64,preadv,preadv2', NULL) IS NOT NULL;
SELECT count(*) FROM t;
});
	like($err, qr/could not read blocks? .* in file "base\/\d+\/t\d+_\d+": Permission denied/,
		"$method: no io worker reads a temporary table (local buffers): the backend is denied")
	  or diag($out);
	ok(!$node->log_contains(qr/terminated by signal|PANIC/), "$method: no process died");
}

$node->stop;
done_testing();
