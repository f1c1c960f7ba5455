-- seccomp_export(): the effective filter of a context as an OCI seccomp
-- profile or as systemd unit settings, from the rows seccomp_filter() shows.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgseccomp;
RESET client_min_messages;

-- Not open to PUBLIC; a grant opens it.
CREATE ROLE regress_export_nobody LOGIN;
SELECT has_function_privilege('regress_export_nobody', 'seccomp_export(text, text)', 'EXECUTE');
SET ROLE regress_export_nobody;
SELECT seccomp_export('oci');
RESET ROLE;
GRANT EXECUTE ON FUNCTION seccomp_export(text, text) TO regress_export_nobody;
SET ROLE regress_export_nobody;
SELECT length(seccomp_export('systemd', 'session')) > 0 AS granted_exports;
RESET ROLE;

-- Global: a log default and an allow list. The whole profile, as text.
\pset format unaligned
\pset tuples_only on
SELECT seccomp_export('oci');
\pset format aligned
\pset tuples_only off
-- 'global' is the default context.
SELECT seccomp_export('oci') = seccomp_export('oci', 'global') AS global_by_default;
-- Valid JSON, with every allowed global syscall in its one group.
SELECT p->'defaultAction' AS default_action, jsonb_array_length(p->'syscalls') AS groups,
       p->'syscalls'->0->'action' AS action,
       jsonb_array_length(p->'syscalls'->0->'names') AS names,
       (SELECT count(*) FROM seccomp_filter()
         WHERE context = 'global' AND filter_action LIKE '%->allow') AS allowed_rows
  FROM (SELECT seccomp_export('oci')::jsonb AS p) s;

-- Session: the merge of the global and session filters. readlink and its
-- sibling readlinkat are errors (EACCES is 13); chown stays global->log,
-- which the default does too, so no group names it.
SELECT jsonb_pretty(p - 'syscalls') FROM (SELECT seccomp_export('oci', 'session')::jsonb AS p) s;
SELECT g->>'action' AS action, g->'errnoRet' AS errno, jsonb_array_length(g->'names') AS names,
       CASE WHEN jsonb_array_length(g->'names') < 5 THEN g->'names' END AS which,
       g->'names' ? 'chown' AS has_chown
  FROM (SELECT seccomp_export('oci', 'session')::jsonb AS p) s,
       jsonb_array_elements(p->'syscalls') AS g;
-- Every allowed session row is in the profile, and only those.
SELECT (SELECT jsonb_agg(n ORDER BY n)
          FROM jsonb_array_elements_text(seccomp_export('oci', 'session')::jsonb->'syscalls'->0->'names') n)
     = (SELECT jsonb_agg(syscall ORDER BY syscall) FROM seccomp_filter()
         WHERE context = 'session' AND filter_action LIKE '%->allow') AS same_allowed;

-- systemd: lines as a unit file takes them. The global filter denies
-- nothing and logs what it does not allow; the session one denies readlink
-- and readlinkat, with their errno.
\pset format unaligned
\pset tuples_only on
SELECT seccomp_export('systemd');
SELECT seccomp_export('systemd', 'session');
\pset format aligned
\pset tuples_only off

-- Bad arguments name themselves.
SELECT seccomp_export('docker');
SELECT seccomp_export('oci', 'client');
SELECT seccomp_export('', 'session');
-- Case does not matter; NULL gives NULL.
SELECT seccomp_export('OCI', 'Global') = seccomp_export('oci') AS case_ignored;
SELECT seccomp_export(NULL) IS NULL AS null_format, seccomp_export('oci', NULL) IS NULL AS null_context;

-- Clean up.
DROP OWNED BY regress_export_nobody;
DROP ROLE regress_export_nobody;
