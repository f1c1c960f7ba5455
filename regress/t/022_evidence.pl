# Evidence that a plain role cannot erase, and lint of the whole cluster.
#
# 1. A flood of denials by a plain role pushes other roles' denials out of
#    the ring of seccomp_denials(), never out of the evidence: the first
#    and the latest denial of each (role, backend type, syscall) stay, with
#    a count; seccomp_report_stats_by_role() says what was dropped for whom,
#    and the log line that counts the denials it did not log names whose.
# 2. One role takes at most its share of the evidence.
# 3. seccomp_lint() shows every target of the cluster to whoever may call
#    it: the global rows once, every role's and backend type's override.
# 4. A crash restart (any process that can kill a backend can cause one)
#    keeps the denials and the evidence, and does not log them again.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes ();
use FindBin;
use lib $FindBin::RealBin;
use PgSeccomp;

if ($^O ne 'linux' || `uname -m` !~ /^x86_64/)
{
	plan skip_all => 'syscall numbers of x86_64';
}

my %NR = (getcwd => 79, sethostname => 170);

# regress_capped denies every syscall that it is not allowed by name, so
# that it can make denials of many syscall numbers without running any.
my $node = seccomp_node('evidence', first => q{
session_syscall_error.regress_over = 'clone, pidfd_send_signal:EROFS'
session_syscall_default.regress_capped = 'error'
session_syscall_allow.regress_capped = '@system-service'
backend_syscall_error.autovacuum_worker = 'clone'
}, conf => q{pgseccomp.global_syscall_error = 'sethostname:EPERM'
pgseccomp.session_syscall_error = 'getcwd'
pgseccomp.session_roles = 'regress_over, regress_capped'
pgseccomp.backend_types = 'autovacuum_worker'
restart_after_crash = on
}, roles => 'CREATE ROLE regress_over LOGIN; CREATE ROLE regress_capped LOGIN;');

$node->safe_psql('postgres', q{
CREATE EXTENSION pgseccomp;
CREATE EXTENSION plperlu;
CREATE FUNCTION sys(nr int, arg text DEFAULT NULL) RETURNS int LANGUAGE plperlu AS $$
  my ($nr, $arg) = @_;
  my $buf = defined $arg ? $arg : "\0" x 4096;
  my $r = syscall($nr, $buf, length $buf);
  return $r < 0 ? -($! + 0) : $r;
$$;
CREATE ROLE regress_flood LOGIN;
CREATE ROLE regress_plain LOGIN;
GRANT EXECUTE ON FUNCTION sys(int, text) TO regress_flood, regress_capped, regress_over;
GRANT EXECUTE ON FUNCTION seccomp_lint() TO regress_plain, regress_over;
GRANT EXECUTE ON FUNCTION seccomp_filter() TO regress_capped, regress_over;
});
my $superuser = $node->safe_psql('postgres', 'SELECT current_user');

############################################################################
# 1. A flood by a plain role.
############################################################################
$node->safe_psql('postgres', "SELECT sys($NR{getcwd}) /* superuser first */");
$node->safe_psql('postgres', "SELECT sys($NR{sethostname}, 'x') /* superuser sethostname */");
$node->safe_psql('postgres', "SELECT sys($NR{getcwd}) /* superuser latest */");
sleep 2;    # the compile worker logs these three
my $offset = -s $node->logfile;

my $flood = "DO \$\$BEGIN FOR i IN 1..11000 LOOP PERFORM sys($NR{getcwd}); END LOOP; END\$\$ /* flood */";
my $t0 = [Time::HiRes::gettimeofday];
$node->safe_psql('postgres', $flood, extra_params => [ '-U', 'regress_flood' ]);
my $elapsed = Time::HiRes::tv_interval($t0);
note sprintf('11000 denials in one DO block (with psql\'s start): %.3f s', $elapsed);

is($node->safe_psql('postgres', q{SELECT denials, denials_dropped FROM seccomp_report_stats()}),
	'10240|763', 'the ring kept the newest 10240 denials and dropped 763');
is($node->safe_psql('postgres', q{SELECT count(*) FROM seccomp_denials() WHERE role = 'regress_flood'}),
	10241, 'seccomp_denials() has the flooder\'s newest 10240, in the ring, and its first');

# The superuser's denials are still listed: the first and the latest of
# each of its (backend type, syscall), oldest first.
is($node->safe_psql('postgres', q{SELECT string_agg(concat_ws(' ', syscall, errno, source, backend_type, role, '|', query), E'\n' ORDER BY n)
 FROM (SELECT *, row_number() OVER () AS n FROM seccomp_denials()) d WHERE role <> 'regress_flood'}),
	join("\n",
		"getcwd EACCES session client backend $superuser | SELECT sys($NR{getcwd}) /* superuser first */",
		"sethostname EPERM global client backend $superuser | SELECT sys($NR{sethostname}, 'x') /* superuser sethostname */",
		"getcwd EACCES session client backend $superuser | SELECT sys($NR{getcwd}) /* superuser latest */"),
	'seccomp_denials() still has the superuser\'s earlier denials, oldest first, before the ring');
is($node->safe_psql('postgres', q{SELECT count(*) FROM (SELECT at < lag(at) OVER () AS back FROM seccomp_denials()) s WHERE back}),
	0, 'and every row is in time order');

my $summary = q{SELECT concat_ws(' | ', backend_type, syscall, syscallnum, count, first_errno, first_source, first_query,
 last_errno, last_source, last_query, first_database, last_database, first_pid = last_pid, first_at <= last_at)
 FROM seccomp_denial_summary() WHERE role = '%s' ORDER BY syscallnum};
is($node->safe_psql('postgres', sprintf($summary, $superuser)),
	join("\n",
		"client backend | getcwd | 79 | 2 | EACCES | session | SELECT sys($NR{getcwd}) /* superuser first */"
		  . " | EACCES | session | SELECT sys($NR{getcwd}) /* superuser latest */ | postgres | postgres | f | t",
		"client backend | sethostname | 170 | 1 | EPERM | global | SELECT sys($NR{sethostname}, 'x') /* superuser sethostname */"
		  . " | EPERM | global | SELECT sys($NR{sethostname}, 'x') /* superuser sethostname */ | postgres | postgres | t | t"),
	'seccomp_denial_summary(): the superuser\'s first and latest denial of each syscall, with a count');
is($node->safe_psql('postgres', sprintf($summary, 'regress_flood')),
	"client backend | getcwd | 79 | 11000 | EACCES | session | $flood | EACCES | session | $flood | postgres | postgres | t | t",
	'and the flooder\'s, counted: 11000');

is($node->safe_psql('postgres', q{SELECT string_agg(concat_ws(' ', role, other_roles, denials, denials_dropped, summaries,
 summaries_dropped, summaries_limit), E'\n' ORDER BY role) FROM seccomp_report_stats_by_role()}),
	join("\n", sort("regress_flood f 11000 760 1 0 256", "$superuser f 3 3 2 0 256")),
	'seccomp_report_stats_by_role(): the flood dropped 760 of the flooder\'s ring rows and all 3 of the superuser\'s');

{
	local $PostgreSQL::Test::Utils::timeout_default = 10;
	ok( eval {
			$node->wait_for_log(
				qr/LOG:  pgseccomp did not log \d+ denials\n.*DETAIL:  At most 10 denials are logged per second; seccomp_denials\(\) keeps the last 10240\. Not logged, by role and process type: role "regress_flood" \(client backend\) \d+\./,
				$offset);
		},
		'the log line that counts the denials it did not log names the flooder and its process type')
	  or diag(slurp_file($node->logfile, $offset));
}
sleep 2;    # and the passes after it
my $log = slurp_file($node->logfile, $offset);
my $logged = () = $log =~ /LOG:  pgseccomp denied syscall "getcwd" with EACCES to role "regress_flood"/g;
my $named = 0;
$named += $1 while $log =~ /Not logged, by role and process type: role "regress_flood" \(client backend\) (\d+)/g;
is($logged + $named, 11000, "logged ($logged) and named as not logged ($named) add up to the flood");
unlike($log, qr/role "\Q$superuser\E" \(client backend\)/, 'and the superuser is not named: its denials were logged before');

############################################################################
# 2. One role takes at most its share of the evidence.
############################################################################
# regress_capped denies by default every syscall it is not allowed by name:
# 400 numbers that x86_64 does not have are 400 keys of the evidence, and
# none of them runs.
is($node->safe_psql('postgres', 'SELECT count(*) FROM generate_series(600, 999) n WHERE sys(n) = -13',
		extra_params => [ '-U', 'regress_capped' ]),
	400, 'regress_capped makes 400 denials of 400 syscall numbers, each with EACCES');
my ($cdenials, $csummaries, $cdropped) = split /\|/, $node->safe_psql('postgres',
	q{SELECT denials, summaries, summaries_dropped FROM seccomp_report_stats_by_role() WHERE role = 'regress_capped'});
cmp_ok($cdenials, '>=', 400, "seccomp_report_stats_by_role() counts its denials ($cdenials)");
is($csummaries, 256, 'it holds 256 entries of the summary, its share');
cmp_ok($cdropped, '>=', 144, "and counts the denials that found no entry as dropped ($cdropped)");
is($node->safe_psql('postgres', q{SELECT count(*) FROM seccomp_denial_summary() WHERE role = 'regress_capped'}),
	256, 'seccomp_denial_summary() lists those 256');
is($node->safe_psql('postgres', sprintf($summary, $superuser) . ' LIMIT 1'),
	"client backend | getcwd | 79 | 2 | EACCES | session | SELECT sys($NR{getcwd}) /* superuser first */"
	  . " | EACCES | session | SELECT sys($NR{getcwd}) /* superuser latest */ | postgres | postgres | f | t",
	'the superuser\'s entries are still there');

# Another role's statements are shown as pg_stat_activity shows them: only
# to its members and to pg_read_all_stats.
$node->safe_psql('postgres',
	'GRANT EXECUTE ON FUNCTION seccomp_denial_summary(), seccomp_denials() TO regress_flood');
is($node->safe_psql('postgres', qq{SET ROLE regress_flood; SELECT string_agg(DISTINCT concat_ws(' ', role, first_query, last_query), E'\n')
 FROM seccomp_denial_summary() WHERE role IN ('regress_flood', '$superuser') AND syscall = 'getcwd'}),
	join("\n", sort("regress_flood $flood $flood",
		"$superuser <insufficient privilege> <insufficient privilege>")),
	'a role sees its own statements in the summary, not another role\'s');
is($node->safe_psql('postgres', q{SET ROLE regress_flood; SELECT count(*) FROM seccomp_denials()
 WHERE role = 'regress_flood' AND query = '<insufficient privilege>'}),
	0, 'nor hidden in seccomp_denials()');
# A denial in regress_flood's code that another session runs holds that
# session's statement: it is that session's to see, not regress_flood's.
$node->safe_psql('postgres', qq{
CREATE FUNCTION flood_definer() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT sys($NR{getcwd})';
ALTER FUNCTION flood_definer() OWNER TO regress_flood;
SELECT flood_definer() /* the superuser's secret */;});
is($node->safe_psql('postgres', q{SET ROLE regress_flood; SELECT count(*) FILTER (WHERE query = '<insufficient privilege>')
 || ' ' || count(*) FILTER (WHERE query ~ 'secret') FROM seccomp_denials() WHERE role = 'regress_flood'}),
	'1 0', 'a denial in its SECURITY DEFINER code does not show the caller\'s statement to its owner');
is($node->safe_psql('postgres', q{SELECT count(*) FROM seccomp_denials() WHERE role = 'regress_flood' AND query ~ 'secret'}),
	'1', 'the superuser sees it');
$node->safe_psql('postgres', 'GRANT pg_read_all_stats TO regress_flood');
is($node->safe_psql('postgres', qq{SET ROLE regress_flood; SELECT count(*) FROM seccomp_denial_summary()
 WHERE last_query = '<insufficient privilege>'}),
	0, 'pg_read_all_stats sees every statement');

$node->safe_psql('postgres', 'SELECT seccomp_denials_reset()');
is($node->safe_psql('postgres', 'SELECT (SELECT count(*) FROM seccomp_denial_summary()) + (SELECT count(*) FROM seccomp_report_stats_by_role())'),
	0, 'seccomp_denials_reset() empties the summary and the counts by role');
$node->safe_psql('postgres', "SELECT sys($NR{getcwd}) /* after reset */");
is($node->safe_psql('postgres', sprintf($summary, $superuser)),
	"client backend | getcwd | 79 | 1 | EACCES | session | SELECT sys($NR{getcwd}) /* after reset */"
	  . " | EACCES | session | SELECT sys($NR{getcwd}) /* after reset */ | postgres | postgres | t | t",
	'a denial after the reset starts a new entry');

# Every number regress_capped does not allow, the gap of x86_64 (335 to
# 423) and the numbers above its table included, returns the errno, and
# none takes the backend down. uretprobe (335) and uprobe (336) are the
# exception the kernel makes: since Linux 6.11 they pass every seccomp
# filter, and uretprobe made from anywhere but its trampoline forces SIGILL
# on the caller, which the handler turns into the syscall's own result
# (EPERM); uprobe returns ENXIO. On older kernels they are denied as well.
my $denied_nrs = q{SELECT n FROM generate_series(0, 1023) n WHERE n NOT IN
	(SELECT syscallnum FROM seccomp_filter() WHERE context = 'session' AND filter_action NOT LIKE '%error%' AND syscallnum IS NOT NULL)};
my ($gap_rc, $gap) = $node->psql('postgres',
	"SELECT string_agg(n || ':' || r, ',' ORDER BY n) FROM (SELECT n, sys(n) r FROM ($denied_nrs) d) s WHERE r <> -13 AND NOT (n, r) IN ((335, -1), (336, -6)); SELECT 'alive'",
	extra_params => [ '-U', 'regress_capped' ]);
is("$gap_rc|$gap", "0|\nalive", 'every number regress_capped does not allow returns EACCES, 335 and 336 what the kernel gives them; the backend lives');
is($node->safe_psql('postgres', 'SELECT count(*) FROM generate_series(337, 423) n WHERE sys(n) = -13',
		extra_params => [ '-U', 'regress_capped' ]),
	87, 'the numbers of the gap after 336 are denied with EACCES');
like($node->safe_psql('postgres', 'SELECT sys(335) || \',\' || sys(336)'), qr/^(-1|-13),(-6|-13)$/,
	'uretprobe and uprobe from a session that does not deny them: their own result, no crash');
unlike(slurp_file($node->logfile), qr/terminated by signal|server process .* was terminated/,
	'no server process died');

# pidfd_send_signal (424), which libseccomp 2.5.4 knows: the row that
# regress_over's filter shows is what the call gets.
is($node->safe_psql('postgres',
		q{SELECT filter_action || ' ' || context FROM seccomp_filter() WHERE syscallnum = 424}
		  . ' UNION ALL SELECT sys(424)::text',
		extra_params => [ '-U', 'regress_over' ]),
	"session->error:EROFS session\n-30", 'a role that denies pidfd_send_signal gets the errno its row shows');

foreach my $f ('seccomp_denial_summary()', 'seccomp_report_stats_by_role()')
{
	my $name = $f =~ s/\(\)$//r;
	my ($r, $o, $e) = $node->psql('postgres', "SELECT * FROM $f", extra_params => [ '-U', 'regress_plain' ]);
	like($e, qr/permission denied for function \Q$name\E/, "a non-superuser may not call $f");
}

############################################################################
# 3. seccomp_lint() shows the whole cluster.
############################################################################
my $lint = $node->safe_psql('postgres',
	q{SELECT string_agg(DISTINCT context || ' ' || syscall, ', ') FROM seccomp_lint() WHERE syscall = 'clone3'},
	extra_params => [ '-U', 'regress_plain' ]);
is($lint, 'role regress_over clone3, type autovacuum_worker clone3',
	'a plain granted role sees the lint of another role\'s override and of a backend type\'s, named in the context');
like($node->safe_psql('postgres', q{SELECT string_agg(DISTINCT split_part(context, ' ', 1), ',') FROM seccomp_lint()},
		extra_params => [ '-U', 'regress_plain' ]),
	qr/^global,role,(session,)?type$/, 'the global level, roles and backend types have rows');
is($node->safe_psql('postgres', q{SELECT count(*) - count(DISTINCT (setting, syscall, issue)) FROM seccomp_lint() WHERE context = 'global'},
		extra_params => [ '-U', 'regress_plain' ]),
	0, 'each global row is shown once');
is($node->safe_psql('postgres', q{SELECT string_agg(context || ' ' || syscall, ', ' ORDER BY context) FROM seccomp_lint() WHERE syscall = 'clone3'},
		extra_params => [ '-U', 'regress_over' ]),
	'role regress_over clone3, type autovacuum_worker clone3', 'the role with the override sees the same');

############################################################################
# 4. A crash restart keeps the denials and the evidence.
############################################################################
$node->safe_psql('postgres', "SELECT sys($NR{getcwd}) /* before the crash */",
	extra_params => [ '-U', 'regress_flood' ]);
sleep 2;    # the compile worker logs it
my $evidence = q{SELECT (SELECT string_agg(concat_ws(' ', role, syscall, count, first_query), E'\n' ORDER BY role, syscallnum)
 FROM seccomp_denial_summary()) || E'\n' || (SELECT string_agg(concat_ws(' ', role, syscall, query), E'\n')
 FROM seccomp_denials()) || E'\n' || (SELECT since FROM seccomp_report_stats())};
my $before = $node->safe_psql('postgres', $evidence);
like($before, qr/^regress_flood getcwd 1 SELECT sys\($NR{getcwd}\) \/\* before the crash \*\/$/m,
	'before the crash: the summary has regress_flood\'s denial');
$offset = -s $node->logfile;

my $victim = $node->background_psql('postgres');
my $pid = $victim->query_safe('SELECT pg_backend_pid()');
kill 'KILL', $pid;
$victim->quit;
$node->poll_query_until('postgres', 'SELECT true') or die 'the server did not come back';
ok($node->log_contains(qr/terminated by signal 9/, $offset), "backend $pid killed: the server restarted after a crash");
is($node->safe_psql('postgres', $evidence), $before,
	'after the crash restart: seccomp_denial_summary(), seccomp_denials() and seccomp_report_stats().since are unchanged');
sleep 2;    # a new compile worker's passes
unlike(slurp_file($node->logfile, $offset), qr/pgseccomp (denied syscall|did not log)/,
	'and the new compile worker does not log the earlier denials again');

$node->stop;
done_testing();
