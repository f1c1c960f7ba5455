-- pgseccomp against a real server: what is loaded, and what it denies.
CREATE EXTENSION pgseccomp;

-- Neither function is open to PUBLIC.
CREATE ROLE regress_pgseccomp_nobody LOGIN;
SELECT has_function_privilege('regress_pgseccomp_nobody', 'seccomp_filter()', 'EXECUTE');
SET ROLE regress_pgseccomp_nobody;
SELECT count(*) FROM seccomp_filter();
RESET ROLE;

-- This backend: the global filter plus its session filter.
SELECT line FROM regexp_split_to_table(pg_read_file('/proc/self/status'), E'\n') AS line
 WHERE line ~ '^(Seccomp|Seccomp_filters|NoNewPrivs|Threads):' ORDER BY 1;
-- The postmaster: the global filter only.
SELECT line FROM regexp_split_to_table(
         pg_read_file('/proc/' || split_part(pg_read_file('postmaster.pid'), E'\n', 1) || '/status'),
         E'\n') AS line
 WHERE line ~ '^(Seccomp|Seccomp_filters|NoNewPrivs|Threads):' ORDER BY 1;
-- No Go runtime in this backend.
SELECT pg_read_file('/proc/self/maps') ~ 'pgseccomp_policy' AS maps_go_library;

-- The whole effective filter, row by row.
SELECT * FROM seccomp_filter() ORDER BY syscallnum, context;

-- A session allow cannot lift a global restriction.
SELECT * FROM seccomp_filter() WHERE syscall = 'chown' ORDER BY context;

-- The session error list denies readlink: pg_tablespace_location() fails.
\getenv abs_builddir PG_ABS_BUILDDIR
\set tsdir :abs_builddir '/testtablespace'
CREATE TABLESPACE regress_pgseccomp_ts LOCATION :'tsdir';
DO $$
DECLARE
  state text;
  msg text;
BEGIN
  PERFORM pg_tablespace_location(oid) FROM pg_tablespace WHERE spcname = 'regress_pgseccomp_ts';
  RAISE NOTICE 'readlink was allowed';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
  RAISE NOTICE '%: %', state, regexp_replace(msg, '[0-9]+', 'N');
END $$;
-- The same, trapped, as the original's test does.
DO $$
BEGIN
  PERFORM pg_tablespace_location(oid) FROM pg_tablespace WHERE spcname = 'regress_pgseccomp_ts';
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'could not read symbolic link for tablespace: Permission denied';
END $$;

-- A role whose override clears the error list would read it, so no confined
-- session may create one (it could then log in as it): regress/t/020_roles.pl
-- creates such roles from outside and logs in as them.
CREATE ROLE regress_pgseccomp_reader LOGIN;

-- Clean up.
DROP TABLESPACE regress_pgseccomp_ts;
DROP ROLE regress_pgseccomp_nobody;
