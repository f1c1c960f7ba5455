# A backend that can run native code registers a dynamic background worker
# with a library of its own. PostgreSQL loads it and runs its code before
# any hook; pgseccomp confines the worker as it is forked, with its backend
# type's filter or else the session filter, never the global filter alone.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use PgSeccomp;

my $node = seccomp_node('dynamic_worker', conf => qq{
pgseccomp.session_syscall_error = 'readlink'
include_if_exists = 'types.conf'
});

# The library plays the attacker's, loaded by path.
my $lib = test_tool('dynworker.so');
my $link = $node->basedir . '/link';
symlink('/', $link) or die "symlink: $!";

$node->safe_psql('postgres', qq{
CREATE FUNCTION dynworker_start(text, text, text) RETURNS int AS '$lib' LANGUAGE C STRICT;
});

sub run_worker
{
	my $offset = -s $node->logfile;
	$node->safe_psql('postgres', "SELECT dynworker_start('$lib', 'dynworker', '$link')");
	$node->wait_for_log(qr/dynworker filters/, $offset);
	my ($filters, $readlink) = slurp_file($node->logfile, $offset) =~ /dynworker filters (-?\d+) readlink ([^\n]*)/;
	return ($filters, $readlink);
}

my ($filters, $readlink) = run_worker();
is($filters, 2, 'a dynamic worker of a library loaded by path carries the global and the session filter');
is($readlink, 'Permission denied', 'and the session filter denies it readlink');

# With a backend-type filter of its own (here: like the global one), the
# worker gets that instead: the denial above was the session filter's.
# The override comes after the last pgseccomp setting: the compile worker
# has the postmaster reload once more to compile it.
reload_with($node, 'types.conf', "pgseccomp.backend_types = 'dynworker'\nbackend_syscall_error.dynworker = ''\n",
	log => qr/pgseccomp asks the postmaster to reload once more(?s:.*)checked \d+ session(?s:.*)checked \d+ session, role and backend-type filters after a reload/);
($filters, $readlink) = run_worker();
is($filters, 1, 'with its own backend type listed, it carries what that type gets');
is($readlink, 'allowed', 'and may read the link');

ok(!$node->log_contains(qr/was terminated by signal/), 'no process crashed');
$node->stop;
done_testing();
