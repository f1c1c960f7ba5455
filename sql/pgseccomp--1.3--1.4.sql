/* pgseccomp--1.3--1.4.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION pgseccomp UPDATE TO '1.4'" to load this file. \quit

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
