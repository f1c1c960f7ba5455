# Code that runs while a connection is made, and which filter confines it:
#
# - login event triggers (17+) fire after authentication, so they run under
#   the session filter that the authentication hook installed;
# - OAuth validator libraries (18) are loaded and called inside
#   authentication, before the authentication hook: they run under the
#   global filter only, like the postmaster that forked the backend.
#
# The probe is the session's readlink denial (a tablespace link) and the
# number of seccomp filters /proc/self/status shows where the code runs.
use strict;
use warnings;
use IO::Socket::UNIX;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use PgSeccomp;

plan skip_all =>
  "PostgreSQL $PG_MAJOR has no login event triggers (17) and no OAuth validators (18)"
  if $PG_MAJOR < 17;

my $node = seccomp_node('connection_code', conf => qq{
pgseccomp.session_syscall_error = 'readlink'
include_if_exists = 'case.conf'
});
my $tsdir = add_tablespace($node);
my $tsoid = $node->safe_psql('postgres', "SELECT oid FROM pg_tablespace WHERE spcname = 'ts'");
$node->safe_psql('postgres', 'CREATE EXTENSION pgseccomp');

# The filters of a client backend after authentication: global and session.
my $session_filters = $node->safe_psql('postgres',
	q{SELECT substring(pg_read_file('/proc/self/status') FROM 'Seccomp_filters:\s*(\d+)')});
is($session_filters, '2', 'a client backend carries two filters (global, session)');

############################################################################
# Login event triggers (17+).
############################################################################
$node->safe_psql('postgres', q{
CREATE TABLE login_log (at timestamptz DEFAULT clock_timestamp(), who name, filters text, link text);
CREATE FUNCTION on_login() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE
  n text := substring(pg_read_file('/proc/self/status') FROM 'Seccomp_filters:\s*(\d+)');
BEGIN
  BEGIN
    INSERT INTO login_log (who, filters, link)
      SELECT current_user, n, pg_tablespace_location(oid) FROM pg_tablespace WHERE spcname = 'ts';
  EXCEPTION WHEN OTHERS THEN
    INSERT INTO login_log (who, filters, link) VALUES (current_user, n, SQLERRM);
  END;
END $$;
CREATE EVENT TRIGGER on_login ON login EXECUTE FUNCTION on_login();
ALTER EVENT TRIGGER on_login ENABLE ALWAYS;
});

sub last_login
{
	return $node->safe_psql('postgres',
		'SELECT filters, link FROM login_log ORDER BY at DESC LIMIT 1');
}

$node->safe_psql('postgres', 'SELECT seccomp_denials_reset()');
$node->safe_psql('postgres', 'SELECT 1');
my ($filters, $link) = split /\|/, last_login(), 2;
is($filters, '2', 'a login event trigger runs with the session filter installed');
like($link, qr/could not read symbolic link .*: Permission denied/,
	'a login event trigger is denied what the session filter denies (readlink)');
is($node->safe_psql('postgres',
		q{SELECT count(*) > 0 FROM seccomp_denials() WHERE syscall = 'readlink' AND source = 'session'}),
	't', 'the denial is recorded with source session');

# The same trigger, with a session filter that allows readlink, reads the link.
reload_with($node, 'case.conf', "pgseccomp.session_syscall_error = 'getcwd'",
	query => "SELECT link = '$tsdir' FROM login_log ORDER BY at DESC LIMIT 1");
($filters, $link) = split /\|/, last_login(), 2;
is($link, $tsdir, 'with readlink allowed the login event trigger reads the link');
$node->safe_psql('postgres', 'DROP EVENT TRIGGER on_login');
reload_with($node, 'case.conf', '', show => [ 'pgseccomp.session_syscall_error', 'readlink' ]);

############################################################################
# OAuth validator libraries (18).
############################################################################
SKIP:
{
	skip "PostgreSQL $PG_MAJOR has no OAuth validators (18)", 9 if $PG_MAJOR < 18;

	# Who may set it: a reload setting, superuser only, and ALTER SYSTEM
	# writes it (no GUC_DISALLOW_IN_AUTO_FILE).
	is($node->safe_psql('postgres',
			q{SELECT context FROM pg_settings WHERE name = 'oauth_validator_libraries'}),
		'sighup', 'oauth_validator_libraries takes effect at a reload');
	my ($ret, $out, $err) = $node->psql('postgres',
		q{ALTER SYSTEM SET oauth_validator_libraries = 'anything'});
	like($err, qr/cannot be changed with ALTER SYSTEM while pgseccomp is enabled/,
		'ALTER SYSTEM of oauth_validator_libraries is refused: what it names runs under the global filter only');
	unlike(slurp_file($node->data_dir . '/postgresql.auto.conf'), qr/oauth_validator_libraries/,
		'the refused value is not written to postgresql.auto.conf');

	# A validator that reads the tablespace link named by the token and
	# reports its filters, and authorizes every token.
	my $src = "$PostgreSQL::Test::Utils::tmp_check/oauth_probe.c";
	my $lib = "$PostgreSQL::Test::Utils::tmp_check/oauth_probe.so";
	open(my $fh, '>', $src) or die "$src: $!";
	print $fh <<'C';
#include "postgres.h"
#include <errno.h>
#include <unistd.h>
#include "fmgr.h"
#include "libpq/oauth.h"

PG_MODULE_MAGIC;

static int
filters(void)
{
	FILE	   *f = fopen("/proc/self/status", "r");
	char		line[256];
	int			n = -1;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Seccomp_filters: %d", &n) == 1)
			break;
	if (f)
		fclose(f);
	return n;
}

static bool
validate(const ValidatorModuleState *state, const char *token,
		 const char *role, ValidatorModuleResult *result)
{
	char		target[MAXPGPATH];
	ssize_t		len = readlink(token, target, sizeof(target) - 1);

	if (len >= 0)
		target[len] = '\0';
	else
		strlcpy(target, strerror(errno), sizeof(target));
	elog(LOG, "oauth probe: filters %d, readlink %s: %s", filters(), token, target);
	result->authorized = true;
	result->authn_id = pstrdup(role);
	return true;
}

static const OAuthValidatorCallbacks callbacks = {
	PG_OAUTH_VALIDATOR_MAGIC, NULL, NULL, validate
};

const OAuthValidatorCallbacks *
_PG_oauth_validator_module_init(void)
{
	return &callbacks;
}
C
	close($fh);
	my $inc = `pg_config --includedir-server`;
	chomp $inc;
	system(($ENV{CC} // 'gcc') . " -O2 -shared -fPIC -I'$inc' -o '$lib' '$src'") == 0
	  or BAIL_OUT("could not build $lib");

	$node->safe_psql('postgres', 'CREATE ROLE oauser LOGIN');
	my $hba = $node->data_dir . '/pg_hba.conf';
	my $rules = slurp_file($hba);
	open($fh, '>', $hba) or die "$hba: $!";
	print $fh qq{local all oauser oauth issuer="https://issuer.example" scope="openid" delegate_ident_mapping=1\n$rules};
	close($fh);
	my $offset = reload_with($node, 'case.conf', "oauth_validator_libraries = '$lib'\n",
		show => [ 'oauth_validator_libraries', $lib ]);

	# A client of the OAUTHBEARER exchange (RFC 7628) over the protocol: the
	# token is handed over directly, as libpq's token hook would.
	my %conn = oauth_connect($node, 'oauser', "pg_tblspc/$tsoid", $READLINK);
	is($conn{mechanisms}, 'OAUTHBEARER', 'the server asks for OAUTHBEARER');
	ok($conn{authenticated}, 'the validator authorized the token')
	  or diag(explain \%conn);
	$node->wait_for_log(qr/oauth probe: filters/, $offset);
	my $log = slurp_file($node->logfile, $offset);
	my ($vfilters, $vlink) = $log =~ /oauth probe: filters (-?\d+), readlink \S+: (.*)/;
	is($vfilters, '1', 'the OAuth validator runs with the global filter only');
	is($vlink, $tsdir, 'the OAuth validator reads the link that the session filter denies');
	like($conn{error} // '', qr/could not read symbolic link .*: Permission denied/,
		'the same connection, authenticated, is denied readlink by its session filter');

	# The validator ran before the session filter: a session denying
	# readlink still lets it through, which only the DBA's choice of
	# library (postgresql.conf) can decide. oauser's one denial is its query.
	ok($node->poll_query_until('postgres',
			q{SELECT count(*) FROM seccomp_denials() WHERE syscall = 'readlink' AND role = 'oauser'}, '1'),
		'one readlink denial of oauser is recorded: the query, not the validator');
}

$node->stop;
done_testing();

# Connects as user with the OAUTHBEARER mechanism and token; when
# authenticated, runs sql. Returns mechanisms (offered), authenticated,
# rows (the first column, joined by newlines) and error (the server's
# message, if any).
sub oauth_connect
{
	my ($n, $user, $token, $sql) = @_;
	my %r;
	my $path = $n->host . '/.s.PGSQL.' . $n->port;
	my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Peer => $path)
	  or die "connect $path: $!";

	my $startup = pack('N', 196608) . "user\0$user\0database\0postgres\0\0";
	print $s pack('N', 4 + length $startup) . $startup;

	my $read = sub {
		my ($head, $body) = ('', '');
		read($s, $head, 5) == 5 or return;
		my ($type, $len) = unpack('a N', $head);
		read($s, $body, $len - 4) if $len > 4;
		return ($type, $body);
	};
	my $error = sub {
		my ($body) = @_;
		my %f = map { substr($_, 0, 1) => substr($_, 1) } split /\0/, $body;
		return $f{M};
	};

	my ($type, $body) = $read->();
	if ($type ne 'R' || unpack('N', $body) != 10)
	{
		$r{error} = $type eq 'E' ? $error->($body) : "unexpected message $type";
		return %r;
	}
	$r{mechanisms} = join(',', grep { length } split /\0/, substr($body, 4));
	my $data = "n,,\x01auth=Bearer $token\x01\x01";
	my $msg = "OAUTHBEARER\0" . pack('N', length $data) . $data;
	print $s 'p' . pack('N', 4 + length $msg) . $msg;

	while (my ($t, $b) = $read->())
	{
		if ($t eq 'R' && unpack('N', $b) == 0) { $r{authenticated} = 1 }
		elsif ($t eq 'E') { $r{error} = $error->($b); return %r }
		elsif ($t eq 'Z') { last }
	}
	return %r unless $r{authenticated};

	print $s 'Q' . pack('N', 4 + length($sql) + 1) . "$sql\0";
	my @rows;
	while (my ($t, $b) = $read->())
	{
		if ($t eq 'D')
		{
			my ($len) = unpack('x2 N', $b);
			push @rows, substr($b, 6, $len);
		}
		elsif ($t eq 'E') { $r{error} = $error->($b) }
		elsif ($t eq 'Z') { last }
	}
	$r{rows} = join("\n", @rows);
	print $s 'X' . pack('N', 4);
	close($s);
	return %r;
}
