/* pgseccomp--1.3--1.4.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION pgseccomp UPDATE TO '1.4'" to load this file. \quit

-- Per role, backend type and syscall: how many denials, and the first and
-- the latest of them, however many others came.
CREATE FUNCTION seccomp_denial_summary
(
  OUT role name,
  OUT backend_type text,
  OUT syscall text,
  OUT syscallnum int4,
  OUT count int8,
  OUT first_at timestamptz,
  OUT first_pid int4,
  OUT first_database name,
  OUT first_errno text,
  OUT first_source text,
  OUT first_query text,
  OUT last_at timestamptz,
  OUT last_pid int4,
  OUT last_database name,
  OUT last_errno text,
  OUT last_source text,
  OUT last_query text
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pg_get_seccomp_denial_summary'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

-- Per role: its denials since the last reset, how many of them the ring of
-- seccomp_denials() no longer has, its entries in seccomp_denial_summary(),
-- and its denials that found no entry there (its share was used up, or the
-- table was full).
CREATE FUNCTION seccomp_report_stats_by_role
(
  OUT role name,
  OUT other_roles bool,
  OUT denials int8,
  OUT denials_dropped int8,
  OUT summaries int4,
  OUT summaries_dropped int8,
  OUT summaries_limit int4
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pg_get_seccomp_report_stats_by_role'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

REVOKE EXECUTE ON FUNCTION seccomp_denial_summary() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION seccomp_report_stats_by_role() FROM PUBLIC;

-- What each learning level observed: per level, owner and backend type, how
-- many processes it confined while learning, from when to when, and how
-- many syscalls they learned.
CREATE FUNCTION seccomp_learning_coverage
(
  OUT level text,
  OUT setting text,
  OUT backend_type text,
  OUT role name,
  OUT processes int8,
  OUT first_at timestamptz,
  OUT last_at timestamptz,
  OUT learned int8
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pg_get_seccomp_learning_coverage'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

REVOKE EXECUTE ON FUNCTION seccomp_learning_coverage() FROM PUBLIC;

-- Programs that server processes ran while a learning level confined them
-- (COPY ... TO/FROM PROGRAM): per level, owner, backend type, role and
-- command, how often and from when to when. Their syscalls are not learned.
CREATE FUNCTION seccomp_learned_programs
(
  OUT level text,
  OUT setting text,
  OUT backend_type text,
  OUT role name,
  OUT command text,
  OUT count int8,
  OUT first_at timestamptz,
  OUT last_at timestamptz
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pg_get_seccomp_learned_programs'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

REVOKE EXECUTE ON FUNCTION seccomp_learned_programs() FROM PUBLIC;
