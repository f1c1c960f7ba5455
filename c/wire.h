/*
 * wire.h
 *		The protocol between the C layer and the Go helper, in one place:
 *		the section markers and keys of a request, the record tags of a
 *		response, the request encoder and the response decoder.
 *
 * A request is a sequence of NUL-terminated strings: a section marker,
 * then name/value pairs (the Go side: internal/wire/request.go). A response is a
 * sequence of records: a tag byte, a native-endian uint32 length and the
 * payload (the Go side: internal/wire/response.go).
 */
#ifndef PGSECCOMP_WIRE_H
#define PGSECCOMP_WIRE_H

#include "compat.h"

#include <linux/filter.h>

#include "lib/stringinfo.h"
#include "nodes/pg_list.h"

/* Lengths a request may have. */
#define PGSECCOMP_REQUEST_MAX	(256 * 1024)
#define PGSECCOMP_LIST_MAX		(16 * 1024)	/* one list setting or argument */

/* Section markers of a request. */
#define WIRE_MARK_START		"[start]"	/* first, in the postmaster's at start */
#define WIRE_MARK_GLOBAL	"[global]"	/* the global settings, once */
#define WIRE_MARK_TARGET	"[target]"	/* a session, role or backend type */
#define WIRE_MARK_CLIENT	"[client]"	/* one set_client_filter call */
#define WIRE_MARK_SUGGEST	"[suggest]"	/* after [global]: seccomp_suggest() */

/* Keys of a request besides settings and arguments. */
#define WIRE_KEY_TRAP		"trap"	/* [global]: code whose syscalls trap */
#define WIRE_KEY_IO_METHOD	"io_method"	/* [global]: the server's, or "" */
#define WIRE_KEY_SCOPE		"scope"	/* [global]: "landlock N" or "none" (scope.c) */
#define WIRE_KEY_ROLE		"role"	/* [target]: a listed role */
#define WIRE_KEY_TYPE		"type"	/* [target]: a listed backend type */
#define WIRE_KEY_STORED		"stored"	/* [suggest]: targets that are the store's */
#define WIRE_KEY_LEARNED	"learned"	/* [suggest]: "LEVEL:NR,NR,...:OWNER" */
#define WIRE_KEY_OBSERVED	"observed"	/* [suggest]: "LEVEL:PROCESSES:SECONDS:OWNERLEN:OWNER TYPE" */
#define WIRE_KEY_PROGRAM	"program"	/* [suggest]: "LEVEL:COUNT:OWNERLEN:TYPELEN:OWNER TYPE COMMAND" */

/* Record tags of a response. */
typedef enum WireTag
{
	WIRE_TAG_GLOBAL = 'G',		/* the global section starts */
	WIRE_TAG_TARGET = 'T',		/* the next target's section starts */
	WIRE_TAG_BPF = 'B',			/* a filter program */
	WIRE_TAG_NONE = 'N',		/* no filter is needed */
	WIRE_TAG_LAYOUT = 'Y',		/* its layout: "linear" or "tree" */
	WIRE_TAG_ROWS = 'R',		/* seccomp_filter() rows */
	WIRE_TAG_LINT = 'I',		/* seccomp_lint() rows */
	WIRE_TAG_ERROR = 'E',		/* message NUL detail NUL hint */
	WIRE_TAG_WARNING = 'W',		/* message NUL detail NUL hint */
	WIRE_TAG_NAMES = 'L',		/* what a list item may name, one per line */
	WIRE_TAG_ERRNOS = 'X',		/* errno names, one per line */
	WIRE_TAG_GROUPS = 'P',		/* seccomp_groups() rows */
	WIRE_TAG_FACTS = 'K',		/* tables the C layer looks up (names.c) */
	WIRE_TAG_OCI = 'O',			/* seccomp_export('oci') of the filter */
	WIRE_TAG_SYSTEMD = 'S',		/* seccomp_export('systemd') of the filter */
	WIRE_TAG_SUGGEST = 'Q',		/* seccomp_suggest() lines */
	WIRE_TAG_STRICTER = 'A'		/* per target of the request: at least as strict? */
} WireTag;

/* Between a note's message and its detail, in CompiledFilter.notes. */
#define WIRE_NOTE_SEP		'\x1f'

/* First byte of an export that is refused: message WIRE_NOTE_SEP detail. */
#define WIRE_EXPORT_REFUSED	'\x01'

/* An error or warning from the helper, in PostgreSQL's style. */
typedef struct HelperMessage
{
	char	   *message;
	char	   *detail;			/* NULL if none */
	char	   *hint;			/* NULL if none */
} HelperMessage;

/* One compiled filter: a program, "none needed", or why it failed. */
typedef struct CompiledFilter
{
	bool		ok;
	HelperMessage error;		/* when !ok */
	bool		has_program;	/* false: the global filter already does it */
	int			ninsns;
	struct sock_filter *program;
	char	   *layout;			/* "linear" or "tree", or NULL */
	char	   *rows;			/* seccomp_filter() rows, NUL-terminated */
	char	   *notes;			/* warnings: "message US detail" lines, or NULL */
	char	   *lint;			/* seccomp_lint() rows, or NULL */
	char	   *oci;			/* seccomp_export() texts, or NULL */
	char	   *systemd;
	char	   *stricter;		/* '1', '0' or '?' per target of the request, or NULL */
} CompiledFilter;

/* A decoded helper response. */
typedef struct HelperResponse
{
	CompiledFilter global;
	List	   *warnings;		/* of HelperMessage * */
	char	   *names;			/* what list items may name, '\n'-separated */
	char	   *errnos;			/* errno names, '\n'-separated */
	char	   *groups;			/* seccomp_groups() rows */
	char	   *facts;			/* tables for names.c */
	char	   *suggestion;		/* seccomp_suggest() lines */
	int			ntargets;
	CompiledFilter *targets;
} HelperResponse;

/*
 * Where the strings of a request section go: appended to buf or, with buf
 * NULL, compared with the bytes at expect. A connection checks the
 * postmaster's copy of its section this way, without allocating: every
 * page it writes after fork is a copy-on-write fault on the connection
 * path. Inline, so that the code a connection runs stays together.
 */
typedef struct WireSink
{
	StringInfo	buf;
	const char *expect;
	int			expect_len;
	int			pos;
	bool		differs;
} WireSink;

static inline void
pgseccomp_wire_put(WireSink *sink, const char *s)
{
	int			len = strlen(s) + 1;

	if (sink->buf)
		appendBinaryStringInfo(sink->buf, s, len);
	else if (sink->differs || len > sink->expect_len - sink->pos ||
			 memcmp(sink->expect + sink->pos, s, len) != 0)
		sink->differs = true;
	else
		sink->pos += len;
}

static inline void
pgseccomp_wire_put_pair(WireSink *sink, const char *name, const char *value)
{
	pgseccomp_wire_put(sink, name);
	pgseccomp_wire_put(sink, value);
}

/* Did a comparing sink see exactly the bytes it expected? */
static inline bool
pgseccomp_wire_matched(const WireSink *sink)
{
	return !sink->differs && sink->pos == sink->expect_len;
}

extern int	pgseccomp_wire_count(const char *request, int len, const char *mark);
extern bool pgseccomp_wire_single_target(const char *request, int len);
extern bool pgseccomp_wire_is_suggest(const char *request, int len);
extern bool pgseccomp_wire_decode(const char *data, int len, HelperResponse *resp,
								  HelperMessage *why);

extern void pgseccomp_set_message(HelperMessage *msg, const char *message,
								  const char *detail, const char *hint);
extern void pgseccomp_ereport_message(int elevel, const HelperMessage *msg);
extern void pgseccomp_ereport_notes(int elevel, const char *notes);

#endif							/* PGSECCOMP_WIRE_H */
