# What the TAP suites of pgseccomp share, beside PostgreSQL::Test::Cluster:
# a node with the extension preloaded, settings rewritten in an included
# file and reloaded, the readlink probe through a tablespace, the processes
# of a cluster, and the test tools, each built once per run.
#
# Load it from a test with
#   use FindBin;
#   use lib $FindBin::RealBin;
#   use PgSeccomp;
package PgSeccomp;

use strict;
use warnings;
use Carp;
use Exporter 'import';
use Fcntl qw(:flock);
use IPC::Run;
use File::Path qw(make_path);
use FindBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

our @EXPORT = qw(
  seccomp_node single_user write_conf reload_with
  add_tablespace $READLINK readlink_probe query_err
  postmaster_pid processes children compiler_worker
  test_tool test_extra
  $PG_MAJOR $FORCE_PARALLEL have_extension);

# The major version of the PostgreSQL under test (the pg_config in PATH, as
# PostgreSQL::Test::Cluster finds it).
our $PG_MAJOR = do
{
	my $v = `pg_config --version`;
	$v =~ /PostgreSQL (\d+)/ or die "pg_config --version said: $v";
	$1;
};

# The setting that runs every query in a parallel worker: force_parallel_mode
# until 15, debug_parallel_query since 16.
our $FORCE_PARALLEL = $PG_MAJOR >= 16 ? 'debug_parallel_query' : 'force_parallel_mode';

# Reads the target of the tablespace add_tablespace() makes: a readlink(2)
# in the backend that runs it.
our $READLINK = "SELECT pg_tablespace_location(oid) FROM pg_tablespace WHERE spcname = 'ts'";

=pod

=head1 Nodes and settings

=over

=item seccomp_node(name, %opts)

A PostgreSQL::Test::Cluster node, initialized, with pgseccomp preloaded
and enabled, then started. Options:

  conf     settings written after "pgseccomp.enabled = on"
  first    settings written before shared_preload_libraries (role and
           backend-type overrides that every compile must already see)
  preload  shared_preload_libraries ('pgseccomp' by default)
  init     a hash reference of parameters to init()
  roles    SQL run before the first start, in single-user mode (see
           single_user): roles whose filters are looser than the
           session's, which no confined session may create
  start    0 to leave the node stopped

=cut

sub seccomp_node
{
	my ($name, %opts) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init(%{ $opts{init} // {} });
	my $preload = $opts{preload} // 'pgseccomp';
	$node->append_conf('postgresql.conf',
		($opts{first} // '')
		  . "\nshared_preload_libraries = '$preload'\npgseccomp.enabled = on\n"
		  . ($opts{conf} // ''));
	single_user($node, $opts{roles}) if $opts{roles};
	$node->start if $opts{start} // 1;
	return $node;
}

=item single_user(node, sql)

Runs sql on the stopped node in single-user mode without preloaded
libraries, as a DBA does what no confined session may (creating a role
whose filter is looser than its own). Each statement runs on its own
(single-user mode reads one per line), so sql must hold no "--" comments
and no ";" but those that end statements. Dies on an error.

=cut

sub single_user
{
	my ($node, $sql) = @_;
	(my $lines = $sql) =~ s/\s*\n\s*/ /g;
	$lines =~ s/;\s*/;\n/g;
	my ($out, $err) = ('', '');
	my $postgres = $node->config_data('--bindir') . '/postgres';
	IPC::Run::run([ $postgres, '--single', '-D', $node->data_dir,
			'-c', 'shared_preload_libraries=', 'postgres' ],
		'<', \"$lines\n", '>', \$out, '2>', \$err)
	  or croak "single-user mode failed: $err";
	croak "single-user mode: $err$out" if "$err$out" =~ /ERROR:/;
	return;
}

=item write_conf(node, file, settings)

Replaces file (relative to the data directory, an included settings
file) with settings. Nothing is reloaded.

=cut

sub write_conf
{
	my ($node, $file, $settings) = @_;
	my $path = $node->data_dir . "/$file";
	open(my $fh, '>', $path) or croak "could not write $path: $!";
	print $fh $settings;
	close($fh) or croak "could not write $path: $!";
	return;
}

=item reload_with(node, file, settings, %wait)

write_conf(), then a reload, and waits until the postmaster logs that it
received it; then for what %wait names:

  show   => [ setting, value ]  until new sessions SHOW value
  query  => sql                 until sql returns true in a new session
  log    => regexp              until the log shows it after the reload

Returns the log offset from before the reload.

=cut

sub reload_with
{
	my ($node, $file, $settings, %wait) = @_;
	my $offset = -s $node->logfile;
	write_conf($node, $file, $settings);
	$node->reload;
	$node->wait_for_log(qr/received SIGHUP, reloading configuration files/, $offset);
	if (my $show = $wait{show})
	{
		my ($setting, $value) = @$show;
		$node->poll_query_until('postgres', "SHOW $setting", $value)
		  or croak "the reload did not reach new sessions: $setting is not $value";
	}
	if (my $query = $wait{query})
	{
		$node->poll_query_until('postgres', $query)
		  or croak "the reload did not reach new sessions: $query";
	}
	$node->wait_for_log($wait{log}, $offset) if $wait{log};
	return $offset;
}

=back

=head1 The readlink probe

=over

=item add_tablespace(node)

Creates the tablespace ts in a directory of the node's base directory, and
returns that directory. $READLINK reads its link.

=cut

sub add_tablespace
{
	my ($node) = @_;
	my $tsdir = $node->basedir . '/ts';
	mkdir($tsdir) or croak "mkdir $tsdir: $!";
	$node->safe_psql('postgres', "CREATE TABLESPACE ts LOCATION '$tsdir'");
	return $tsdir;
}

=item readlink_probe(node, [user])

Runs $READLINK in a new session (of user, or the default one); returns
psql's exit code, stdout and stderr.

=cut

sub readlink_probe
{
	my ($node, $user) = @_;
	return $node->psql('postgres', $READLINK,
		defined $user ? (extra_params => [ '-U', $user ]) : ());
}

=item query_err(session, sql)

Runs sql in a background_psql session that does not stop on errors;
returns its output and its stderr, and clears the stderr kept.

=cut

sub query_err
{
	my ($session, $sql) = @_;
	my $out = $session->query($sql);
	my $err = $session->{stderr};
	$session->{stderr} = '';
	return ($out, $err);
}

=back

=head1 Processes

=over

=item postmaster_pid(node)

=cut

sub postmaster_pid
{
	my ($node) = @_;
	my ($pid) = split /\n/, slurp_file($node->data_dir . '/postmaster.pid');
	return $pid;
}

=item processes()

Every process as /proc shows it: pid => { state, ppid, comm }.

=cut

sub processes
{
	my %p;
	foreach my $stat (glob('/proc/[0-9]*/stat'))
	{
		open(my $fh, '<', $stat) or next;
		my ($pid, $comm, $state, $ppid) = (<$fh> // '') =~ /^(\d+) \((.*)\) (\S) (\d+) /s;
		$p{$pid} = { state => $state, ppid => $ppid, comm => $comm } if $pid;
	}
	return \%p;
}

=item children(pid, [live => 1])

The pids of pid's children; with live, not those that are zombies.

=cut

sub children
{
	my ($parent, %opts) = @_;
	my $procs = processes();
	return grep {
		$procs->{$_}{ppid} == $parent
		  && !($opts{live} && $procs->{$_}{state} eq 'Z')
	} sort { $a <=> $b } keys %$procs;
}

=item compiler_worker(node)

The pid of the "pgseccomp compiler" worker of node's postmaster, waiting
up to 10 seconds for it; undef if there is none.

=cut

sub compiler_worker
{
	my ($node) = @_;
	my $postmaster = postmaster_pid($node);
	foreach (1 .. 100)
	{
		foreach my $pid (children($postmaster))
		{
			my $cmdline = eval { slurp_file("/proc/$pid/cmdline") } // '';
			return $pid if $cmdline =~ /pgseccomp compiler(?! helper)/;
		}
		usleep(100_000);
	}
	return undef;
}

=back

=head1 Test tools

=over

=item test_tool(name)

The path of a tool of regress/tools, built on first use in a run and
reused by every later test of it: forge.so, probe_load.so and
dynworker.so (libraries the server loads), uring_probe, attach and
reach and sysprobe (programs), ocicheck, layouts and families (Go programs). They are built in
$PGSECCOMP_TOOLS if set, else in tmp_check/tools of the run, under a lock,
so that tests run in parallel build each once.

=cut

my $srcdir = "$FindBin::RealBin/../..";
my $tooldir = "$srcdir/regress/tools";

my %tools = (
	'forge.so' => [ 'c_lib', 'forge.c' ],
	'probe_load.so' => [ 'c_lib', 'probe_load.c' ],
	'dynworker.so' => [ 'c_lib', 'dynworker.c' ],
	'uring_probe' => [ 'c_prog', 'uring_probe.c' ],
	'attach' => [ 'c_prog', 'attach.c' ],
	'reach' => [ 'c_prog', 'reach.c' ],
	'sysprobe' => [ 'c_prog', 'sysprobe.c' ],
	'ocicheck' => [ 'go', 'ocicheck' ],
	'layouts' => [ 'go', 'layouts' ],
	'families' => [ 'go', 'families' ],);

sub _newest_source
{
	my ($source) = @_;
	my @files = -d $source ? glob("$source/*") : ($source, glob("$tooldir/*.h"));
	my $newest = 0;
	foreach (@files)
	{
		my $mtime = (stat($_))[9] // 0;
		$newest = $mtime if $mtime > $newest;
	}
	return $newest;
}

sub test_tool
{
	my ($name) = @_;
	my $spec = $tools{$name} or croak "no test tool $name";
	my ($kind, $source) = @$spec;
	my $dir = $ENV{PGSECCOMP_TOOLS} // "$PostgreSQL::Test::Utils::tmp_check/tools";
	make_path($dir);
	my $out = "$dir/$name";

	open(my $lock, '>>', "$dir/.lock") or croak "could not open $dir/.lock: $!";
	flock($lock, LOCK_EX) or croak "could not lock $dir/.lock: $!";
	if (!-e $out || (stat($out))[9] < _newest_source("$tooldir/$source"))
	{
		my $cmd;
		if ($kind eq 'go')
		{
			# ocicheck is a module of its own; layouts is in pgseccomp's.
			$cmd = $source eq 'ocicheck'
			  ? "cd '$tooldir/ocicheck' && GOFLAGS=-buildvcs=false go build -o '$out.tmp' ."
			  : "cd '$srcdir' && GOFLAGS=-buildvcs=false go build -o '$out.tmp' ./regress/tools/$source";
		}
		else
		{
			my $flags = '-O2';
			if ($kind eq 'c_lib')
			{
				my $includedir = `pg_config --includedir-server`;
				my $pkgincludedir = `pg_config --pkgincludedir`;
				chomp($includedir, $pkgincludedir);
				$flags .= " -shared -fPIC -I$includedir -I$pkgincludedir/internal";
			}
			$cmd = ($ENV{CC} // 'gcc') . " $flags -o '$out.tmp' '$tooldir/$source'";
		}
		note("building $name: $cmd");
		system($cmd) == 0 && rename("$out.tmp", $out)
		  or BAIL_OUT("could not build $name");
	}
	close($lock);
	return $out;
}

=back

=head1 Expensive suites

=over

=item test_extra(name)

True when PG_TEST_EXTRA names name, as PostgreSQL gates its expensive
suites (for example PG_TEST_EXTRA=soak for the full soak).

=cut

sub test_extra
{
	my ($name) = @_;
	return ($ENV{PG_TEST_EXTRA} // '') =~ /(?:^|\s)\Q$name\E(?:\s|$)/;
}

=back

=head1 Neighbours

=over

=item have_extension(name)

Whether the PostgreSQL under test has extension name installed (its
control file in the share directory): neighbours such as pg_cron are not
built for every major.

=cut

sub have_extension
{
	my ($name) = @_;
	my $share = `pg_config --sharedir`;
	chomp $share;
	return -f "$share/extension/$name.control";
}

=back

=cut

1;
