/*
 * wire.c
 *		Decoding the helper's responses, and the helper's messages.
 *
 * Every record of a response is described by one row of a table: what it
 * opens (the global section, a target's), or which field of the filter
 * being read or of the whole response its payload fills. The helper is a
 * process of our own, but its answer is still checked as input: lengths,
 * NUL termination, records that need a section.
 */
#include "wire.h"

#include <stddef.h>

/* What a record does. */
typedef enum RecordKind
{
	OPENS_GLOBAL,				/* records that follow are the global filter's */
	OPENS_TARGET,				/* ... the next target's */
	FILTER_PROGRAM,				/* the program of the open filter */
	FILTER_NO_PROGRAM,			/* the open filter needs no program */
	FILTER_TEXT,				/* a text field of the open filter */
	FILTER_ERROR,				/* the open filter failed: message, detail, hint */
	NOTE_OR_WARNING,		/* a note on a target, or a response warning */
	RESPONSE_TEXT				/* a text field of the whole response */
} RecordKind;

typedef struct RecordRule
{
	WireTag		tag;
	RecordKind	kind;
	size_t		field;			/* FILTER_TEXT, RESPONSE_TEXT: offset of a char * */
} RecordRule;

static const RecordRule record_rules[] = {
	{WIRE_TAG_GLOBAL, OPENS_GLOBAL, 0},
	{WIRE_TAG_TARGET, OPENS_TARGET, 0},
	{WIRE_TAG_BPF, FILTER_PROGRAM, 0},
	{WIRE_TAG_NONE, FILTER_NO_PROGRAM, 0},
	{WIRE_TAG_LAYOUT, FILTER_TEXT, offsetof(CompiledFilter, layout)},
	{WIRE_TAG_ROWS, FILTER_TEXT, offsetof(CompiledFilter, rows)},
	{WIRE_TAG_LINT, FILTER_TEXT, offsetof(CompiledFilter, lint)},
	{WIRE_TAG_OCI, FILTER_TEXT, offsetof(CompiledFilter, oci)},
	{WIRE_TAG_SYSTEMD, FILTER_TEXT, offsetof(CompiledFilter, systemd)},
	{WIRE_TAG_STRICTER, FILTER_TEXT, offsetof(CompiledFilter, stricter)},
	{WIRE_TAG_ERROR, FILTER_ERROR, 0},
	{WIRE_TAG_WARNING, NOTE_OR_WARNING, 0},
	{WIRE_TAG_NAMES, RESPONSE_TEXT, offsetof(HelperResponse, names)},
	{WIRE_TAG_ERRNOS, RESPONSE_TEXT, offsetof(HelperResponse, errnos)},
	{WIRE_TAG_GROUPS, RESPONSE_TEXT, offsetof(HelperResponse, groups)},
	{WIRE_TAG_FACTS, RESPONSE_TEXT, offsetof(HelperResponse, facts)},
	{WIRE_TAG_SUGGEST, RESPONSE_TEXT, offsetof(HelperResponse, suggestion)},
};

/* Size of a record's header: the tag and the payload's length. */
#define RECORD_HEADER (1 + (int) sizeof(uint32))

void
pgseccomp_set_message(HelperMessage *msg, const char *message, const char *detail,
					  const char *hint)
{
	msg->message = pstrdup(message);
	msg->detail = detail && *detail ? pstrdup(detail) : NULL;
	msg->hint = hint && *hint ? pstrdup(hint) : NULL;
}

/* How many strings of a request are the section marker mark. */
int
pgseccomp_wire_count(const char *request, int len, const char *mark)
{
	int			mlen = strlen(mark);
	int			n = 0;
	int			pos = 0;

	while (pos < len)
	{
		int			flen = strnlen(request + pos, len - pos);

		n += (flen == mlen && memcmp(request + pos, mark, mlen) == 0);
		pos += flen + 1;
	}
	return n;
}

/*
 * Does a request hold exactly one target section, NUL-terminated, and ask
 * for a filter? Only such requests are compiled together: the answers are
 * matched to them by position.
 */
bool
pgseccomp_wire_single_target(const char *request, int len)
{
	return pgseccomp_wire_count(request, len, WIRE_MARK_TARGET) == 1 &&
		pgseccomp_wire_count(request, len, WIRE_MARK_SUGGEST) == 0 &&
		len > 0 && request[len - 1] == '\0';
}

/* Does a request ask for seccomp_suggest()'s lines, NUL-terminated? */
bool
pgseccomp_wire_is_suggest(const char *request, int len)
{
	return pgseccomp_wire_count(request, len, WIRE_MARK_SUGGEST) == 1 &&
		len > 0 && request[len - 1] == '\0';
}

static const RecordRule *
rule_of(char tag)
{
	int			i;

	for (i = 0; i < lengthof(record_rules); i++)
		if (record_rules[i].tag == (WireTag) tag)
			return &record_rules[i];
	return NULL;
}

/* A new target's filter, at the end of resp->targets. */
static CompiledFilter *
open_target(HelperResponse *resp, int *cap)
{
	CompiledFilter *f;

	if (resp->ntargets == *cap)
	{
		*cap = *cap ? *cap * 2 : 8;
		resp->targets = resp->targets ?
			repalloc(resp->targets, *cap * sizeof(CompiledFilter)) :
			palloc(*cap * sizeof(CompiledFilter));
	}
	f = &resp->targets[resp->ntargets++];
	memset(f, 0, sizeof(*f));
	f->ok = true;
	return f;
}

/* A payload of message NUL detail NUL hint (itself NUL-terminated). */
static void
split_message(const char *payload, uint32 len, HelperMessage *msg)
{
	const char *part[3] = {"", "", ""};
	const char *p = payload;
	int			i;

	for (i = 0; i < 3 && p <= payload + len; i++)
	{
		part[i] = p;
		p += strlen(p) + 1;
	}
	pgseccomp_set_message(msg, part[0], part[1], part[2]);
}

/*
 * Does the open section say what became of its filter as often as it must?
 * A target's says it exactly once (a program, none, or an error): one that
 * said nothing would otherwise read as "no program needed". The global
 * section says it at most once (only the answer at start has a program).
 */
static bool
section_complete(const HelperResponse *resp, const CompiledFilter *cur, int outcomes)
{
	if (cur == NULL)
		return true;
	return cur == &resp->global ? outcomes <= 1 : outcomes == 1;
}

/* Apply one record; false if it is out of place. */
static bool
apply(const RecordRule *rule, char *payload, uint32 len, HelperResponse *resp,
	  CompiledFilter **cur, int *cap, int *outcomes)
{
	HelperMessage msg;

	if (rule->kind >= FILTER_PROGRAM && rule->kind <= FILTER_ERROR && *cur == NULL)
		return false;
	if (rule->kind == FILTER_PROGRAM || rule->kind == FILTER_NO_PROGRAM ||
		rule->kind == FILTER_ERROR)
		(*outcomes)++;
	switch (rule->kind)
	{
		case OPENS_GLOBAL:
			if (*cur != NULL)
				return false;	/* the global section comes first, once */
			*cur = &resp->global;
			(*cur)->ok = true;
			break;
		case OPENS_TARGET:
			if (!section_complete(resp, *cur, *outcomes))
				return false;
			*cur = open_target(resp, cap);
			*outcomes = 0;
			break;
		case FILTER_PROGRAM:
			if (len % sizeof(struct sock_filter) != 0)
				return false;
			(*cur)->has_program = true;
			(*cur)->ninsns = len / sizeof(struct sock_filter);
			(*cur)->program = (struct sock_filter *) payload;
			break;
		case FILTER_NO_PROGRAM:
			(*cur)->has_program = false;
			break;
		case FILTER_TEXT:
			*(char **) ((char *) *cur + rule->field) = payload;
			break;
		case FILTER_ERROR:
			(*cur)->ok = false;
			split_message(payload, len, &(*cur)->error);
			break;
		case NOTE_OR_WARNING:
			split_message(payload, len, &msg);
			/* A target's warnings are notes, reported with it. */
			if (*cur && *cur != &resp->global)
				(*cur)->notes = psprintf("%s%s%c%s\n", (*cur)->notes ? (*cur)->notes : "",
										 msg.message, WIRE_NOTE_SEP,
										 msg.detail ? msg.detail : "");
			else
				resp->warnings = lappend(resp->warnings,
										 memcpy(palloc(sizeof(msg)), &msg, sizeof(msg)));
			break;
		case RESPONSE_TEXT:
			*(char **) ((char *) resp + rule->field) = payload;
			break;
	}
	return true;
}

/*
 * Decode the records of a response. False, with *why set, if they are
 * malformed; errors in the settings come back inside *resp.
 */
bool
pgseccomp_wire_decode(const char *data, int len, HelperResponse *resp, HelperMessage *why)
{
	int			pos = 0;
	int			cap = 0;
	int			outcomes = 0;
	CompiledFilter *cur = NULL;

	memset(resp, 0, sizeof(*resp));
	while (pos < len)
	{
		const RecordRule *rule;
		uint32		plen;
		char	   *payload;

		if (len - pos < RECORD_HEADER || (rule = rule_of(data[pos])) == NULL)
			goto malformed;
		memcpy(&plen, data + pos + 1, sizeof(plen));
		pos += RECORD_HEADER;
		if (plen > (uint32) (len - pos))
			goto malformed;
		payload = palloc(plen + 1);
		memcpy(payload, data + pos, plen);
		payload[plen] = '\0';
		pos += plen;
		if (!apply(rule, payload, plen, resp, &cur, &cap, &outcomes))
			goto malformed;
	}
	if (!section_complete(resp, cur, outcomes) ||
		(!resp->global.ok && resp->global.error.message == NULL))
		goto malformed;
	return true;

malformed:
	pgseccomp_set_message(why, "malformed answer from the pgseccomp helper",
						  psprintf("%d bytes could not be decoded.", len), NULL);
	return false;
}

/* Report warnings about settings: "message US detail" lines. */
void
pgseccomp_ereport_notes(int elevel, const char *notes)
{
	char	   *copy = pstrdup(notes ? notes : "");
	char	   *line;
	char	   *save = NULL;

	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
	{
		char	   *detail = strchr(line, WIRE_NOTE_SEP);

		if (detail)
			*detail++ = '\0';
		ereport(elevel,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg_internal("%s", line),
				 detail && *detail ? errdetail_internal("%s", detail) : 0));
	}
}

void
pgseccomp_ereport_message(int elevel, const HelperMessage *msg)
{
	ereport(elevel,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg_internal("%s", msg->message),
			 msg->detail ? errdetail_internal("%s", msg->detail) : 0,
			 msg->hint ? errhint("%s", msg->hint) : 0));
}
