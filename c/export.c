/*
 * export.c
 *		seccomp_export(): the effective filter of a context in the format of
 *		another enforcer, so that the same policy can confine the server from
 *		outside it as well.
 *
 * It reads the rows seccomp_filter() shows ("syscall TAB number TAB
 * source->action", the <default> row first) and writes either an OCI
 * seccomp profile (JSON, as Docker, Podman, containerd and Kubernetes read
 * it) or systemd unit settings (SystemCallFilter= and friends). Where the
 * target cannot say what pgseccomp enforces, the systemd output says so in
 * comment lines; the OCI format can say all of it but "learn", which it
 * turns into the kernel's log action.
 */
#include "compat.h"

#include <errno.h>

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/json.h"

#include "confine.h"
#include "settings.h"
#include "store.h"

/* What a row does, once its source is stripped; learn is kept as a flag. */
typedef enum ExportAction
{
	EXPORT_ALLOW,
	EXPORT_LOG,
	EXPORT_ERRNO,
	EXPORT_KILL
} ExportAction;

typedef struct ExportRule
{
	const char *name;			/* syscall name; "<default>" for the default */
	ExportAction action;
	int			errnum;			/* EXPORT_ERRNO only */
	bool		learn;			/* the action was "learn" (defaults only) */
} ExportRule;

typedef struct ExportFilter
{
	const char *context;
	ExportRule	def;
	ExportRule *rules;			/* sorted by name */
	int			nrules;
} ExportFilter;

/*
 * Errno names as the policy shows them (Go's unix.ErrnoName) and as the
 * kernel's headers name them. Kernel names come first: a reverse look-up
 * takes the first match, and systemd knows only the kernel's names.
 */
typedef struct ErrnoName
{
	const char *name;
	int			num;
	bool		kernel;
} ErrnoName;

#define K(e) {#e, e, true}
static const ErrnoName errno_names[] = {
	K(EPERM), K(ENOENT), K(ESRCH), K(EINTR), K(EIO), K(ENXIO), K(E2BIG),
	K(ENOEXEC), K(EBADF), K(ECHILD), K(EAGAIN), K(ENOMEM), K(EACCES),
	K(EFAULT), K(ENOTBLK), K(EBUSY), K(EEXIST), K(EXDEV), K(ENODEV),
	K(ENOTDIR), K(EISDIR), K(EINVAL), K(ENFILE), K(EMFILE), K(ENOTTY),
	K(ETXTBSY), K(EFBIG), K(ENOSPC), K(ESPIPE), K(EROFS), K(EMLINK), K(EPIPE),
	K(EDOM), K(ERANGE), K(EDEADLK), K(ENAMETOOLONG), K(ENOLCK), K(ENOSYS),
	K(ENOTEMPTY), K(ELOOP), K(ENOMSG), K(EIDRM), K(ECHRNG), K(EL2NSYNC),
	K(EL3HLT), K(EL3RST), K(ELNRNG), K(EUNATCH), K(ENOCSI), K(EL2HLT),
	K(EBADE), K(EBADR), K(EXFULL), K(ENOANO), K(EBADRQC), K(EBADSLT),
	K(EBFONT), K(ENOSTR), K(ENODATA), K(ETIME), K(ENOSR), K(ENONET),
	K(ENOPKG), K(EREMOTE), K(ENOLINK), K(EADV), K(ESRMNT), K(ECOMM), K(EPROTO),
	K(EMULTIHOP), K(EDOTDOT), K(EBADMSG), K(EOVERFLOW), K(ENOTUNIQ), K(EBADFD),
	K(EREMCHG), K(ELIBACC), K(ELIBBAD), K(ELIBSCN), K(ELIBMAX), K(ELIBEXEC),
	K(EILSEQ), K(ERESTART), K(ESTRPIPE), K(EUSERS), K(ENOTSOCK),
	K(EDESTADDRREQ), K(EMSGSIZE), K(EPROTOTYPE), K(ENOPROTOOPT),
	K(EPROTONOSUPPORT), K(ESOCKTNOSUPPORT), K(EOPNOTSUPP), K(EPFNOSUPPORT),
	K(EAFNOSUPPORT), K(EADDRINUSE), K(EADDRNOTAVAIL), K(ENETDOWN),
	K(ENETUNREACH), K(ENETRESET), K(ECONNABORTED), K(ECONNRESET), K(ENOBUFS),
	K(EISCONN), K(ENOTCONN), K(ESHUTDOWN), K(ETOOMANYREFS), K(ETIMEDOUT),
	K(ECONNREFUSED), K(EHOSTDOWN), K(EHOSTUNREACH), K(EALREADY),
	K(EINPROGRESS), K(ESTALE), K(EUCLEAN), K(ENOTNAM), K(ENAVAIL), K(EISNAM),
	K(EREMOTEIO), K(EDQUOT), K(ENOMEDIUM), K(EMEDIUMTYPE), K(ECANCELED),
	K(ENOKEY), K(EKEYEXPIRED), K(EKEYREVOKED), K(EKEYREJECTED),
	K(EOWNERDEAD), K(ENOTRECOVERABLE), K(ERFKILL), K(EHWPOISON),
	/* Other names the policy accepts or shows for the same numbers. */
	{"EWOULDBLOCK", EWOULDBLOCK, false},
	{"EDEADLOCK", EDEADLOCK, false},
	{"ENOTSUP", ENOTSUP, false},
	{"EFSCORRUPTED", EUCLEAN, false},
	/* Go's name for 134, which the kernel's headers do not name. */
	{"EFTYPE", 134, false},
};
#undef K

/* What an "error" row returns when it names no errno. */
#define EXPORT_DEFAULT_ERRNO EACCES

/* systemd's lines get long; it merges repeated list settings. */
#define EXPORT_LINE_MAX 1000

#if defined(__x86_64__)
#define OCI_ARCH "SCMP_ARCH_X86_64"
#elif defined(__aarch64__)
#define OCI_ARCH "SCMP_ARCH_AARCH64"
#endif

static int
errno_by_name(const char *name)
{
	int			i;

	for (i = 0; i < lengthof(errno_names); i++)
		if (pg_strcasecmp(errno_names[i].name, name) == 0)
			return errno_names[i].num;
	elog(ERROR, "unrecognized errno \"%s\" in the pgseccomp filter", name);
	return 0;					/* keep compiler quiet */
}

/* The kernel's name of an errno, or its number when it has none. */
static const char *
kernel_errno_name(int num)
{
	int			i;

	for (i = 0; i < lengthof(errno_names); i++)
		if (errno_names[i].kernel && errno_names[i].num == num)
			return errno_names[i].name;
	return psprintf("%d", num);
}

/* "source->action" as seccomp_filter() shows it, into r. */
static void
parse_action(ExportRule *r, const char *text)
{
	const char *arrow = strstr(text, "->");
	const char *action = arrow ? arrow + 2 : text;

	r->errnum = 0;
	r->learn = false;
	if (strcmp(action, "allow") == 0)
		r->action = EXPORT_ALLOW;
	else if (strcmp(action, "log") == 0)
		r->action = EXPORT_LOG;
	else if (strcmp(action, "learn") == 0)
	{
		/* Allowed and recorded: the kernel's log is the nearest outside. */
		r->action = EXPORT_LOG;
		r->learn = true;
	}
	else if (strcmp(action, "kill") == 0)
		r->action = EXPORT_KILL;
	else if (strcmp(action, "error") == 0)
	{
		r->action = EXPORT_ERRNO;
		r->errnum = EXPORT_DEFAULT_ERRNO;
	}
	else if (strncmp(action, "error:", 6) == 0)
	{
		r->action = EXPORT_ERRNO;
		r->errnum = errno_by_name(action + 6);
	}
	else
		elog(ERROR, "unrecognized pgseccomp action \"%s\"", text);
}

static int
rule_cmp(const void *a, const void *b)
{
	return strcmp(((const ExportRule *) a)->name, ((const ExportRule *) b)->name);
}

/* Rows as seccomp_filter() shows them, into a filter. */
static ExportFilter *
parse_rows(const char *context, const char *text)
{
	ExportFilter *f = palloc0(sizeof(ExportFilter));
	char	   *copy = pstrdup(text ? text : "");
	char	   *line;
	char	   *save = NULL;
	int			size = 64;
	bool		have_default = false;

	f->context = context;
	f->rules = palloc(sizeof(ExportRule) * size);
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
	{
		char	   *nr = strchr(line, '\t');
		char	   *action = nr ? strchr(nr + 1, '\t') : NULL;
		ExportRule	r;

		if (action == NULL)
			elog(ERROR, "malformed pgseccomp description: \"%s\"", line);
		*nr++ = '\0';
		*action++ = '\0';
		r.name = line;
		parse_action(&r, action);
		if (pg_strtoint32(nr) == -1)
		{
			f->def = r;
			have_default = true;
			continue;
		}
		/* Both formats name syscalls; a number alone cannot be exported. */
		if (strncmp(line, "syscall_", 8) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("syscall number %s has no name on this architecture", nr),
					 errdetail("Exported filters name their syscalls.")));
		if (f->nrules == size)
		{
			size *= 2;
			f->rules = repalloc(f->rules, sizeof(ExportRule) * size);
		}
		f->rules[f->nrules++] = r;
	}
	if (!have_default)
		elog(ERROR, "the pgseccomp filter of context \"%s\" has no default", context);
	qsort(f->rules, f->nrules, sizeof(ExportRule), rule_cmp);
	return f;
}

static bool
same_action(const ExportRule *a, const ExportRule *b)
{
	return a->action == b->action &&
		(a->action != EXPORT_ERRNO || a->errnum == b->errnum);
}

static const char *
oci_action(ExportAction a)
{
	switch (a)
	{
		case EXPORT_ALLOW:
			return "SCMP_ACT_ALLOW";
		case EXPORT_LOG:
			return "SCMP_ACT_LOG";
		case EXPORT_ERRNO:
			return "SCMP_ACT_ERRNO";
		case EXPORT_KILL:
			return "SCMP_ACT_KILL_PROCESS";
	}
	return NULL;				/* keep compiler quiet */
}

static void
oci_group(StringInfo out, const ExportFilter *f, ExportAction action, int errnum,
		  bool *first)
{
	ExportRule	want = {.action = action,.errnum = errnum};
	bool		any = false;
	int			i;

	for (i = 0; i < f->nrules; i++)
	{
		const ExportRule *r = &f->rules[i];

		if (!same_action(r, &want) || same_action(r, &f->def))
			continue;
		if (!any)
		{
			appendStringInfoString(out, *first ? "\n" : ",\n");
			appendStringInfoString(out, "    {\n      \"names\": [\n        ");
			*first = false;
			any = true;
		}
		else
			appendStringInfoString(out, ",\n        ");
		escape_json(out, r->name);
	}
	if (!any)
		return;
	appendStringInfo(out, "\n      ],\n      \"action\": \"%s\"", oci_action(action));
	if (action == EXPORT_ERRNO)
		appendStringInfo(out, ",\n      \"errnoRet\": %d", errnum);
	appendStringInfoString(out, "\n    }");
}

static int
int_cmp(const void *a, const void *b)
{
	return *(const int *) a - *(const int *) b;
}

/*
 * An OCI runtime-spec (Docker) seccomp profile. Rules that act as the
 * default does are left out; the rest are grouped by action and errno, in
 * the order allow, log, errno (ascending), kill, each with sorted names.
 */
static char *
export_oci(const ExportFilter *f)
{
	StringInfoData out;
	int		   *errnos = palloc(sizeof(int) * (f->nrules + 1));
	int			nerrnos = 0;
	bool		first = true;
	int			i;

	initStringInfo(&out);
	appendStringInfo(&out, "{\n  \"defaultAction\": \"%s\"", oci_action(f->def.action));
	if (f->def.action == EXPORT_ERRNO)
		appendStringInfo(&out, ",\n  \"defaultErrnoRet\": %d", f->def.errnum);
#ifdef OCI_ARCH
	/* Only the native one: every pgseccomp filter kills foreign syscalls. */
	appendStringInfoString(&out, ",\n  \"architectures\": [\n    \"" OCI_ARCH "\"\n  ]");
#endif
	/* pgseccomp's filters log every denial; so does this one. */
	appendStringInfoString(&out, ",\n  \"flags\": [\n    \"SECCOMP_FILTER_FLAG_LOG\"\n  ]");
	appendStringInfoString(&out, ",\n  \"syscalls\": [");

	for (i = 0; i < f->nrules; i++)
		if (f->rules[i].action == EXPORT_ERRNO)
			errnos[nerrnos++] = f->rules[i].errnum;
	qsort(errnos, nerrnos, sizeof(int), int_cmp);

	oci_group(&out, f, EXPORT_ALLOW, 0, &first);
	oci_group(&out, f, EXPORT_LOG, 0, &first);
	for (i = 0; i < nerrnos; i++)
		if (i == 0 || errnos[i] != errnos[i - 1])
			oci_group(&out, f, EXPORT_ERRNO, errnos[i], &first);
	oci_group(&out, f, EXPORT_KILL, 0, &first);
	appendStringInfoString(&out, first ? "]\n}" : "\n  ]\n}");
	return out.data;
}

/*
 * systemd unit settings. Lines start with prefix and hold as many tokens as
 * fit in EXPORT_LINE_MAX; a list setting given on several lines is merged
 * (the deny form needs its "~" on each).
 */
static void
put_list(StringInfo out, const char *prefix, List *tokens)
{
	int			line_start = out->len;
	bool		empty_line = true;
	ListCell   *lc;

	if (tokens == NIL)
		return;
	appendStringInfoString(out, prefix);
	foreach(lc, tokens)
	{
		const char *t = lfirst(lc);

		if (!empty_line && out->len - line_start + 1 + (int) strlen(t) > EXPORT_LINE_MAX)
		{
			appendStringInfoChar(out, '\n');
			line_start = out->len;
			appendStringInfoString(out, prefix);
			empty_line = true;
		}
		if (!empty_line)
			appendStringInfoChar(out, ' ');
		appendStringInfoString(out, t);
		empty_line = false;
	}
	appendStringInfoChar(out, '\n');
}

static char *
denied_token(const ExportRule *r)
{
	if (r->action == EXPORT_ERRNO)
		return psprintf("%s:%s", r->name, kernel_errno_name(r->errnum));
	return (char *) r->name;
}

static char *
export_systemd(const ExportFilter *f)
{
	StringInfoData out;
	bool		default_denies = f->def.action >= EXPORT_ERRNO;
	List	   *listed = NIL;	/* allowed, or denied, as the form needs */
	List	   *logged = NIL;
	List	   *unlogged = NIL;
	List	   *denied = NIL;
	bool		errnos = f->def.action == EXPORT_ERRNO;
	List	   *log_list = NIL;
	const char *log_prefix = "SystemCallLog=";
	List	   *other_errno = NIL;
	List	   *not_killed = NIL;
	List	   *killed = NIL;
	bool		kills = false;
	int			i;

	for (i = 0; i < f->nrules; i++)
	{
		const ExportRule *r = &f->rules[i];
		bool		denies = r->action >= EXPORT_ERRNO;

		if (r->action == EXPORT_LOG)
			logged = lappend(logged, (char *) r->name);
		else if (r->action == EXPORT_ALLOW)
			unlogged = lappend(unlogged, (char *) r->name);
		else
			denied = lappend(denied, (char *) r->name);
		errnos |= r->action == EXPORT_ERRNO;
		if (!default_denies)
		{
			/* A deny list: each entry with its own errno, or none to kill. */
			if (denies)
				listed = lappend(listed, denied_token(r));
			kills |= r->action == EXPORT_KILL;
			continue;
		}
		/* An allow list: every other syscall gets the one default action. */
		if (!denies)
			listed = lappend(listed, (char *) r->name);
		else if (same_action(r, &f->def))
			continue;
		else if (r->action == EXPORT_KILL)
			not_killed = lappend(not_killed, (char *) r->name);
		else if (f->def.action == EXPORT_KILL)
			killed = lappend(killed, denied_token(r));
		else
			other_errno = lappend(other_errno, denied_token(r));
	}

	initStringInfo(&out);
	appendStringInfo(&out, "# pgseccomp filter of context %s, as systemd [Service] settings\n",
					 f->context);
	appendStringInfoString(&out, "SystemCallArchitectures=native\n");
	if (!default_denies)
	{
		if (listed == NIL)
			appendStringInfoString(&out, "# This filter denies no syscall.\n");
		else if (kills)
			appendStringInfoString(&out, "# Syscalls listed without an errno kill the process.\n");
		put_list(&out, "SystemCallFilter=~", listed);
	}
	else
	{
		appendStringInfoString(&out, "# systemd also allows the syscalls of its @default set.\n");
		/* An empty SystemCallFilter= would remove the filter. */
		if (listed == NIL)
			listed = list_make1("@default");
		put_list(&out, "SystemCallFilter=", listed);
		if (f->def.action == EXPORT_ERRNO)
			appendStringInfo(&out, "SystemCallErrorNumber=%s\n",
							 kernel_errno_name(f->def.errnum));
		else
			appendStringInfoString(&out, "# Syscalls not listed kill the process.\n");
		if (other_errno != NIL)
			put_list(&out, psprintf("# systemd cannot express: these fail with %s, not their own errno: ",
									kernel_errno_name(f->def.errnum)), other_errno);
		if (not_killed != NIL)
			put_list(&out, psprintf("# systemd cannot express: these fail with %s instead of killing the process: ",
									kernel_errno_name(f->def.errnum)), not_killed);
		if (killed != NIL)
			put_list(&out, "# systemd cannot express: these kill the process instead of failing with their errno: ",
					 killed);
	}

	if (errnos)
		appendStringInfoString(&out, "# systemd logs errno denials only when it runs with SYSTEMD_LOG_SECCOMP=1.\n");

	/* Logging is a filter of its own in systemd, stacked on the other. */
	if (f->def.action != EXPORT_LOG)
		log_list = logged;
	else if (unlogged != NIL || denied != NIL)
	{
		log_prefix = "SystemCallLog=~";
		log_list = unlogged;
		if (log_list == NIL)
		{
			/* Denied anyway: leaving them out of the log changes nothing. */
			appendStringInfoString(&out, "# SystemCallLog=~ needs a syscall to leave out: these are denied anyway.\n");
			log_list = denied;
		}
	}
	else
		appendStringInfoString(&out, "# systemd cannot express: logging every syscall (SystemCallLog= needs one to leave out).\n");
	if (f->def.learn)
		appendStringInfoString(&out, "# systemd cannot express: learning; the default logs instead, and seccomp_learned() records nothing.\n");
	if (log_list != NIL)
		appendStringInfoString(&out, "# SystemCallLog= needs systemd 247 or later; earlier versions ignore it.\n");
	put_list(&out, log_prefix, log_list);

	/* The text ends with its last line, without a newline. */
	if (out.len > 0 && out.data[out.len - 1] == '\n')
		out.data[--out.len] = '\0';
	return out.data;
}

PG_FUNCTION_INFO_V1(pg_seccomp_export);

/*
 * seccomp_export(format, context): the filter of a context, as
 * seccomp_filter() shows it, in another enforcer's format.
 */
Datum
pg_seccomp_export(PG_FUNCTION_ARGS)
{
	char	   *format;
	char	   *context;
	bool		oci = false;
	ExportFilter *f = NULL;

	/* The function is not declared STRICT: act as if it were. */
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	format = text_to_cstring(PG_GETARG_TEXT_PP(0));
	context = text_to_cstring(PG_GETARG_TEXT_PP(1));

	if (!pgseccomp_enabled)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("seccomp is not enabled")));
	/* Case does not matter, as in the settings. */
	if (pg_strcasecmp(format, "oci") == 0)
		oci = true;
	else if (pg_strcasecmp(format, "systemd") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unrecognized pgseccomp export format \"%s\"", format),
				 errhint("Valid formats are \"oci\" and \"systemd\".")));
	if (pg_strcasecmp(context, "global") == 0)
		f = parse_rows("global", pgseccomp_global_rows);
	else if (pg_strcasecmp(context, "session") == 0)
	{
		if (pgseccomp_stack == NULL || pgseccomp_stack->rows == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("this process has no session filter to export"),
					 errdetail("This process enforces the global filter alone."),
					 errhint("Export context \"global\", or call seccomp_export in a client session.")));
		f = parse_rows("session", pgseccomp_stack->rows);
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unrecognized pgseccomp export context \"%s\"", context),
				 errhint("Valid contexts are \"global\" and \"session\".")));

	if (oci)
		PG_RETURN_TEXT_P(cstring_to_text(export_oci(f)));
	PG_RETURN_TEXT_P(cstring_to_text(export_systemd(f)));
}
