/* pgseccomp--1.1--1.2.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION pgseccomp UPDATE TO '1.2'" to load this file. \quit

-- What each kind of process stacks on the global filter, merged with it:
-- client backends (per listed role) and each listed backend type.
CREATE FUNCTION seccomp_backend_filters
(
  OUT backend_type text,
  OUT role name,
  OUT syscall text,
  OUT syscallnum int4,
  OUT filter_action text
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pg_get_seccomp_backend_filters'
LANGUAGE C STABLE PARALLEL RESTRICTED;

REVOKE EXECUTE ON FUNCTION seccomp_backend_filters() FROM PUBLIC;
