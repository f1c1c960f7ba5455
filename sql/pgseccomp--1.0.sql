/* pgseccomp--1.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION pgseccomp" to load this file. \quit

CREATE FUNCTION seccomp_filter
(
  OUT syscall text,
  OUT syscallnum int4,
  OUT filter_action text,
  OUT context text
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pg_get_seccomp_filter'
LANGUAGE C STABLE PARALLEL RESTRICTED;

REVOKE EXECUTE ON FUNCTION seccomp_filter() FROM PUBLIC;
