# A session cannot take a looser filter by becoming another role. Filters
# are chosen by login name: a confined session that gave a role with a
# looser override a password (or renamed a role into its name, granted
# membership in it, created it) could log in as that role and shed filters.
# pgseccomp refuses those commands, naming the role; the same commands on a
# role that is not looser succeed.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use PgSeccomp;

# free (a superuser) and loose (not) have empty overrides: looser than the
# session filter. ghost is listed like them and does not exist. tight is
# stricter. plain, cr and grantee get the session filter.
my $node = seccomp_node('roles', first => q{
session_syscall_error.free = ''
session_syscall_error.loose = ''
session_syscall_error.ghost = ''
session_syscall_error.tight = 'readlink, mkdir, chdir'
}, conf => q{
pgseccomp.session_syscall_error = 'readlink, mkdir'
pgseccomp.session_roles = 'free, loose, ghost, tight'
include_if_exists = 'roles.conf'
}, start => 0);

# What no confined session may do (the session filter denies mkdir, and
# the roles are looser or stricter than it), done from outside.
my $tsdir = $node->basedir . '/ts';
mkdir($tsdir) or die "mkdir $tsdir: $!";
single_user($node, qq{
CREATE TABLESPACE ts LOCATION '$tsdir';
CREATE ROLE free LOGIN SUPERUSER PASSWORD 'free0';
CREATE ROLE loose NOLOGIN PASSWORD 'loose0';
CREATE ROLE tight LOGIN SUPERUSER PASSWORD 'tight0';
CREATE ROLE plain LOGIN PASSWORD 'plain0';
CREATE ROLE grantee LOGIN;
CREATE ROLE cr LOGIN CREATEROLE;
GRANT loose TO cr WITH ADMIN OPTION;
GRANT plain TO cr WITH ADMIN OPTION;
GRANT grantee TO cr WITH ADMIN OPTION;
});

# Logins as the listed roles and plain need their password, so that taking
# a role over needs one; everyone else (the test's own superuser, cr) is
# trusted as before.
my $hba = $node->data_dir . '/pg_hba.conf';
my $rules = slurp_file($hba);
open(my $fh, '>', $hba) or die "$hba: $!";
print $fh "local all free,loose,tight,plain scram-sha-256\n$rules";
close($fh);
$node->start;

$node->safe_psql('postgres', 'CREATE EXTENSION pgseccomp');
my $connstr = 'host=' . $node->host . ' port=' . $node->port . ' dbname=postgres';

# Everything the refused commands could change.
my $catalog = q{
SELECT (SELECT string_agg(concat_ws(':', rolname, rolpassword, rolcanlogin, rolvaliduntil, rolconnlimit), ',' ORDER BY rolname)
          FROM pg_authid WHERE rolname !~ '^pg_') || ' / ' ||
       (SELECT coalesce(string_agg(r.rolname || '>' || m.rolname, ',' ORDER BY r.rolname, m.rolname), '')
          FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member)
};

# A session as user (undef: the test's own superuser), with password.
sub session
{
	my ($user, $password) = @_;
	local $ENV{PGPASSWORD} = $password if $password;
	return $node->background_psql('postgres', on_error_stop => 0,
		$user ? (extra_params => [ '-U', $user ]) : ());
}

# Runs sql in session s: it must fail naming role, and leave the catalog
# as it was.
sub refused
{
	my ($s, $who, $sql, $role, $what) = @_;
	my $before = $node->safe_psql('postgres', $catalog);
	my (undef, $err) = query_err($s, $sql);
	like($err, qr/ERROR:  permission denied to \Q$what\E "\Q$role\E"\n(?:.*\n)*?DETAIL:  .*role "\Q$role\E"/,
		"$who: $sql is refused, naming role $role");
	is($node->safe_psql('postgres', $catalog), $before, "$who: $sql changes nothing");
	return $err;
}

sub allowed
{
	my ($s, $who, $sql) = @_;
	my (undef, $err) = query_err($s, $sql);
	is($err, '', "$who: $sql succeeds");
}

# 1. The test's own superuser, under the session filter.
my $su = session();
my $err = refused($su, 'a confined superuser', "ALTER ROLE free PASSWORD 'attack'", 'free', 'set the password of role');
like($err, qr/DETAIL:  Sessions of role "free" get the filter of role "free", which is looser than the session filter that confines this session/,
	'the detail says whose filter is looser than whose');
like($err, qr/HINT:  Run the command in a session whose filter is at least as strict/, 'and the hint what to do');
(undef, $err) = query_err($su, q{DO $$BEGIN ALTER ROLE free PASSWORD 'attack';
  EXCEPTION WHEN insufficient_privilege THEN RAISE NOTICE 'caught %', SQLSTATE; END$$});
like($err, qr/NOTICE:  caught 42501/, 'with SQLSTATE 42501 (insufficient_privilege)');
refused($su, 'a confined superuser', "ALTER USER free PASSWORD NULL", 'free', 'set the password of role');
refused($su, 'a confined superuser', "ALTER ROLE free VALID UNTIL 'infinity'", 'free', 'set the validity of role');
refused($su, 'a confined superuser', "ALTER ROLE free CONNECTION LIMIT 5", 'free', 'change the connection limit of role');
refused($su, 'a confined superuser', "ALTER ROLE loose LOGIN", 'loose', 'enable login for role');
refused($su, 'a confined superuser', "ALTER ROLE plain RENAME TO ghost", 'ghost', 'rename a role to');
refused($su, 'a confined superuser', "GRANT free TO plain", 'free', 'grant membership in role');
refused($su, 'a confined superuser', "GRANT loose TO plain WITH ADMIN OPTION", 'loose', 'grant membership in role');
refused($su, 'a confined superuser', "GRANT loose TO plain WITH INHERIT FALSE, SET FALSE", 'loose', 'grant membership in role')
  if $PG_MAJOR >= 16;
refused($su, 'a confined superuser', "ALTER GROUP free ADD USER plain", 'free', 'grant membership in role');
refused($su, 'a confined superuser', "CREATE ROLE ghost", 'ghost', 'create role');
refused($su, 'a confined superuser', "CREATE USER ghost PASSWORD 'attack'", 'ghost', 'create role');
refused($su, 'a confined superuser', "CREATE ROLE newbie IN ROLE free", 'free', 'grant membership in role');
refused($su, 'a confined superuser', q{DO $$BEGIN EXECUTE 'ALTER ROLE free PASSWORD ''attack'''; END$$},
	'free', 'set the password of role');

# What is not looser: tight's filter is stricter, plain's the same.
allowed($su, 'a confined superuser', "ALTER ROLE tight PASSWORD 'tight1'");
allowed($su, 'a confined superuser', "ALTER ROLE tight VALID UNTIL 'infinity' CONNECTION LIMIT 5");
allowed($su, 'a confined superuser', "ALTER ROLE plain PASSWORD 'plain1'");
allowed($su, 'a confined superuser', "GRANT tight TO plain");
allowed($su, 'a confined superuser', "REVOKE tight FROM plain");
allowed($su, 'a confined superuser', "CREATE ROLE newbie IN ROLE plain");
allowed($su, 'a confined superuser', "ALTER ROLE newbie RENAME TO newbie2");
allowed($su, 'a confined superuser', "DROP ROLE newbie2");
allowed($su, 'a confined superuser', "ALTER ROLE loose NOLOGIN");
$su->quit;

# 2. The end-to-end attack: a login as free with the password a confined
#    session tried to set fails; with free's real password it works and
#    sheds the session filter, so the attack was worth refusing.
my $as_free = "$connstr user=free password=free0";
my ($ret, $out);
($ret, $out, $err) = $node->psql('postgres', $READLINK, connstr => "$connstr user=free password=attack");
like($err, qr/password authentication failed for user "free"/, 'a login as free with the refused password fails');
($ret, $out, $err) = $node->psql('postgres', $READLINK, connstr => $as_free);
is($out, $tsdir, 'with its own password, free may read the link that the session filter denies');
($ret, $out, $err) = $node->psql('postgres', $READLINK);
like($err, qr/Permission denied/, 'the test\'s own session may not');
SKIP:
{
	skip 'dblink is not installed', 2 unless have_extension('dblink');
	$node->safe_psql('postgres', 'CREATE EXTENSION dblink');
	my $via = "SELECT * FROM dblink('%s', \$\$$READLINK\$\$) AS t(location text)";
	($ret, $out, $err) = $node->psql('postgres', sprintf($via, "$connstr user=free password=attack"));
	like($err, qr/password authentication failed for user "free"/,
		'through dblink, from the confined session: the login as free fails');
	($ret, $out, $err) = $node->psql('postgres', sprintf($via, $as_free));
	is($out, $tsdir, 'through dblink with free\'s own password it would have worked');
}

# 3. A confined non-superuser with CREATEROLE that administers the roles.
my $cr = session('cr');
refused($cr, 'CREATEROLE', "ALTER ROLE loose PASSWORD 'attack'", 'loose', 'set the password of role');
refused($cr, 'CREATEROLE', "ALTER ROLE loose LOGIN", 'loose', 'enable login for role');
refused($cr, 'CREATEROLE', "GRANT loose TO grantee", 'loose', 'grant membership in role');
refused($cr, 'CREATEROLE', "ALTER ROLE plain RENAME TO ghost", 'ghost', 'rename a role to');
refused($cr, 'CREATEROLE', "CREATE ROLE ghost LOGIN PASSWORD 'attack'", 'ghost', 'create role');
allowed($cr, 'CREATEROLE', "ALTER ROLE plain PASSWORD 'plain2'");
allowed($cr, 'CREATEROLE', "GRANT plain TO grantee");
allowed($cr, 'CREATEROLE', "CREATE ROLE newbie3 LOGIN PASSWORD 'x'");
allowed($cr, 'CREATEROLE', "ALTER ROLE newbie3 RENAME TO newbie4");
allowed($cr, 'CREATEROLE', "DROP ROLE newbie4");
$cr->quit;

# 4. tight is stricter than the session filter: for it, plain is looser.
my $tight = session('tight', 'tight1');
$err = refused($tight, 'tight', "ALTER ROLE plain PASSWORD 'attack'", 'plain', 'set the password of role');
like($err, qr/DETAIL:  Sessions of role "plain" get the session filter, which is looser than the filter of role "tight"/,
	'for a stricter role, roles without an override are looser');
refused($tight, 'tight', "CREATE ROLE newbie5", 'newbie5', 'create role');
allowed($tight, 'tight', "ALTER ROLE tight PASSWORD 'tight2'");
$tight->quit;

# 5. free is the loosest: it may give tight a password.
my $free = session('free', 'free0');
allowed($free, 'free', "ALTER ROLE tight PASSWORD 'tight3'");
allowed($free, 'free', "ALTER ROLE free PASSWORD 'free0'");
$free->quit;

# 6. A session that stacked a client filter is stricter than any other
#    role's sessions: even plain's.
$su = session();
$su->query_safe("SELECT set_client_filter(NULL, NULL, NULL, 'uname', NULL)");
$err = refused($su, 'with a client filter', "ALTER ROLE plain PASSWORD 'attack'", 'plain', 'set the password of role');
like($err, qr/DETAIL:  This session stacked filters with set_client_filter/, 'the detail says why');
$su->quit;

# 7. A session from before a reload that changed tight's filter cannot tell
#    whether tight is still stricter: it refuses; a new session does not.
$su = session();
# The override comes after the last pgseccomp setting: the compile worker
# has the postmaster reload once more to compile it.
reload_with($node, 'roles.conf', "session_syscall_error.tight = 'readlink, mkdir, chdir, uname'\n",
	log => qr/pgseccomp asks the postmaster to reload once more(?s:.*)checked \d+ session(?s:.*)checked \d+ session, role and backend-type filters after a reload/);
$su->query_safe('SELECT 1');    # the reload reaches it at its next command
$err = refused($su, 'a session from before a reload', "ALTER ROLE tight PASSWORD 'attack'", 'tight', 'set the password of role');
like($err, qr/DETAIL:  pgseccomp cannot tell whether the filter of role "tight" is at least as strict/, 'it says it cannot tell');
$su->quit;
$su = session();
allowed($su, 'a session after the reload', "ALTER ROLE tight PASSWORD 'tight4'");
$su->quit;

# 8. Settings that decide who may log in as which role without a password
#    in the catalog cannot be pointed by ALTER SYSTEM at a file a session
#    wrote; other settings can still be written.
$su = session();
foreach my $setting (qw(hba_file ident_file ssl_ca_file ssl_crl_file ssl_crl_dir krb_server_keyfile))
{
	(undef, $err) = query_err($su, "ALTER SYSTEM SET $setting = '/tmp/attack'");
	like($err, qr/ERROR:  parameter "$setting" cannot be changed with ALTER SYSTEM while pgseccomp is enabled\nDETAIL:  It decides who may log in as which role/,
		"ALTER SYSTEM SET $setting is refused");
}
allowed($su, 'a confined superuser', "ALTER SYSTEM SET work_mem = '5MB'");
allowed($su, 'a confined superuser', "ALTER SYSTEM RESET work_mem");
unlike(slurp_file($node->data_dir . '/postgresql.auto.conf'), qr/hba_file|ident_file|ssl_c|krb_server/,
	'postgresql.auto.conf names none of them');
$su->quit;

# 9. Lint names the looser filters and who could take them over.
my $lint = $node->safe_psql('postgres',
	"SELECT string_agg(issue, E'\\n') FROM seccomp_lint() WHERE setting = 'pgseccomp.session_roles'");
like($lint, qr/Role "free" has a looser filter than roles without an override \(the session filter\), role "tight" \(it allows mkdir, which the session filter denies\)/,
	'lint names free as looser than the session and tight');
like($lint, qr/Roles without an override have a looser filter than role "tight"/, 'and the session filter as looser than tight');
like($lint, qr/a superuser among them can still edit the catalog directly \(UPDATE pg_authid\)/, 'and what remains open');
unlike($lint, qr/Role "tight" has/, 'but not tight');

ok(!$node->log_contains(qr/was terminated by signal/), 'no process crashed');
$node->stop;
done_testing();
