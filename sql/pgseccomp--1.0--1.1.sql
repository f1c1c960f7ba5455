/* pgseccomp--1.0--1.1.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION pgseccomp UPDATE TO '1.1'" to load this file. \quit

-- The @groups a syscall list may name, with their members on this
-- architecture.
CREATE FUNCTION seccomp_groups
(
  OUT "group" text,
  OUT syscall text,
  OUT syscallnum int4
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pg_get_seccomp_groups'
LANGUAGE C STABLE PARALLEL SAFE;

-- What a DBA should know about the global settings and this session's.
CREATE FUNCTION seccomp_lint
(
  OUT context text,
  OUT setting text,
  OUT syscall text,
  OUT issue text
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pg_get_seccomp_lint'
LANGUAGE C STABLE PARALLEL RESTRICTED;

REVOKE EXECUTE ON FUNCTION seccomp_lint() FROM PUBLIC;
