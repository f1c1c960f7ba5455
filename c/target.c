/*
 * target.c
 *		Owner keys, level names, and which setting holds a field of an
 *		owner's filter.
 */
#include "target.h"

#include "utils/guc.h"

/* Whose a program is, in PGSECCOMP_OWNER_LEN bytes at key. */
void
pgseccomp_owner_key(TargetKind kind, const char *name, char *key)
{
	if (kind == TARGET_SESSION)
		strlcpy(key, "S", PGSECCOMP_OWNER_LEN);
	else
		snprintf(key, PGSECCOMP_OWNER_LEN, "%c:%s", kind == TARGET_ROLE ? 'R' : 'T', name);
}

/* Levels as seccomp_filter() names the source of a rule. */
const char *
pgseccomp_level_name(int level)
{
	switch (level)
	{
		case PGSECCOMP_LEVEL_GLOBAL:
			return "global";
		case PGSECCOMP_LEVEL_SESSION:
			return "session";
		case PGSECCOMP_LEVEL_CLIENT:
			return "client";
	}
	return "unknown";
}

/* The name of an owner's override of field, or NULL for other owners. */
static char *
override_name(const char *owner, const char *field)
{
	if (owner[0] != 'R' && owner[0] != 'T')
		return NULL;
	return psprintf("%s_syscall_%s.%s", owner[0] == 'R' ? "session" : "backend",
					field, owner + 2);
}

/*
 * The setting that holds field for an owner at a level: its override if
 * set, or else the level's own.
 */
char *
pgseccomp_owner_setting(int level, const char *owner, const char *field)
{
	char	   *override;

	if (level == PGSECCOMP_LEVEL_GLOBAL)
		return psprintf("pgseccomp.global_syscall_%s", field);
	override = override_name(owner, field);
	if (override != NULL && GetConfigOption(override, true, false) != NULL)
		return override;
	return psprintf("pgseccomp.session_syscall_%s", field);
}

/* The default setting that makes an owner's level learn. */
const char *
pgseccomp_learning_setting(int level, const char *owner)
{
	if (level != PGSECCOMP_LEVEL_GLOBAL && owner[0] == '\0')
		return NULL;
	return pgseccomp_owner_setting(level, owner, "default");
}

/* A backend type's description as a type key. */
const char *
pgseccomp_type_key(const char *desc)
{
	char	   *key;
	char	   *c;

	key = pstrdup(desc);
	for (c = key; *c; c++)
	{
		if (*c >= 'A' && *c <= 'Z')
			*c += 'a' - 'A';
		else if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9')))
			*c = '_';
	}
	return key;
}

/*
 * Does a process of this type pass a point where pgseccomp installs a
 * filter of its own (confine.c: authentication, or the end of the start-up
 * transaction of a process connected to a database)? The others (the
 * checkpointer, the WAL writer, the startup process, io workers, ...) run
 * no role's code, and the global filter confines them.
 */
bool
pgseccomp_type_reaches_hooks(BackendType type)
{
	switch (type)
	{
		case B_BACKEND:
		case B_AUTOVAC_LAUNCHER:
		case B_AUTOVAC_WORKER:
		case B_BG_WORKER:
		case B_WAL_SENDER:
#if PGSECCOMP_SLOTSYNC
		case B_SLOTSYNC_WORKER:
#endif
			return true;
		default:
			return false;
	}
}
