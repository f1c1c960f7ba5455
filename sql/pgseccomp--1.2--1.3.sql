/* pgseccomp--1.2--1.3.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION pgseccomp UPDATE TO '1.3'" to load this file. \quit

-- Denials: every syscall a filter denied with an errno, newest last.
CREATE FUNCTION seccomp_denials
(
  OUT at timestamptz,
  OUT pid int4,
  OUT backend_type text,
  OUT database name,
  OUT role name,
  OUT syscall text,
  OUT syscallnum int4,
  OUT errno text,
  OUT source text,
  OUT query text
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pg_get_seccomp_denials'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

-- How many denials and learned syscalls are kept, and how many were dropped
-- for want of room, since the last reset.
CREATE FUNCTION seccomp_report_stats
(
  OUT denials int8,
  OUT denials_dropped int8,
  OUT learned int8,
  OUT learned_dropped int8,
  OUT since timestamptz
)
RETURNS record
AS 'MODULE_PATHNAME', 'pg_get_seccomp_report_stats'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

CREATE FUNCTION seccomp_denials_reset()
RETURNS void
AS 'MODULE_PATHNAME', 'pg_seccomp_denials_reset'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

-- Learning: syscalls a level whose default is 'learn' allowed without
-- naming them, per level setting, backend type and role.
CREATE FUNCTION seccomp_learned
(
  OUT level text,
  OUT setting text,
  OUT backend_type text,
  OUT role name,
  OUT syscall text,
  OUT syscallnum int4,
  OUT calls int8,
  OUT first_at timestamptz,
  OUT last_at timestamptz,
  OUT query text
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pg_get_seccomp_learned'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

CREATE FUNCTION seccomp_learned_reset()
RETURNS void
AS 'MODULE_PATHNAME', 'pg_seccomp_learned_reset'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

-- Setting lines that turn every learning level into deny-by-default.
CREATE FUNCTION seccomp_suggest()
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'pg_seccomp_suggest'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

REVOKE EXECUTE ON FUNCTION seccomp_denials() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION seccomp_report_stats() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION seccomp_denials_reset() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION seccomp_learned() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION seccomp_learned_reset() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION seccomp_suggest() FROM PUBLIC;

-- Export: the effective filter of a context in another enforcer's format.
CREATE FUNCTION seccomp_export(format text, context text DEFAULT 'global')
RETURNS text
AS 'MODULE_PATHNAME', 'pg_seccomp_export'
LANGUAGE C STABLE PARALLEL RESTRICTED;

REVOKE EXECUTE ON FUNCTION seccomp_export(text, text) FROM PUBLIC;
