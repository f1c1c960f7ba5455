/*
 * roles.c
 *		A session cannot take a looser filter by becoming another role.
 *
 * Filters are chosen by login name. A session that could log in as a role
 * whose filter is looser than its own (by giving it a password, renaming a
 * role into its name, granting itself membership in it, creating it) would
 * shed filters; such commands are refused here, from the ProcessUtility
 * hook, in every process that runs them. Whether one filter is at least as
 * strict as another is the helper's decision (internal/policy/strict.go),
 * made when the postmaster compiled the targets and inherited by this
 * process (store.c): here, only the two targets are looked up.
 *
 * Not covered, and said in docs/security.md: a superuser editing the
 * catalog directly (UPDATE pg_authid).
 */
#include "roles.h"

#include "commands/defrem.h"
#include "libpq/libpq-be.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "utils/acl.h"

#include "confine.h"
#include "settings.h"
#include "store.h"

/* The filter that sessions of role would get now, or NULL if unknown. */
static const StoredTarget *
target_of_role(const char *role)
{
	const StoredTarget *t = pgseccomp_store_find(TARGET_SESSION, NULL);
	ListCell   *lc;

	foreach(lc, pgseccomp_listed_roles())
		if (strcmp(lfirst(lc), role) == 0)
			t = pgseccomp_store_find(TARGET_ROLE, role);
	/* A reload since this process started may have changed it. */
	if (t == NULL || !pgseccomp_target_matches(t->section, t->section_len, t->kind, t->name))
		return NULL;
	return t;
}

/* Whose filter t is, for a message. */
static char *
filter_text(const StoredTarget *t)
{
	switch (t->kind)
	{
		case TARGET_ROLE:
			return psprintf("the filter of role \"%s\"", t->name);
		case TARGET_TYPE:
			return psprintf("the filter of backend type \"%s\"", t->name);
		case TARGET_SESSION:
			break;
	}
	return pstrdup("the session filter");
}

/* The role this process logged in as (or runs as, for a worker). */
static const char *
login_name(void)
{
	if (MyProcPort && MyProcPort->user_name)
		return MyProcPort->user_name;
	if (OidIsValid(GetSessionUserId()))
		return GetUserNameFromId(GetAuthenticatedUserId(), true);
	return NULL;
}

/*
 * Refuse what would let this session log in as role, unless sessions of
 * role are at least as strict as this one. doing is the errmsg, with one
 * %s for the role's name.
 */
static void
check_becoming(const char *role, const char *doing)
{
	const StoredTarget *own = pgseccomp_stack->base;
	const StoredTarget *theirs;
	const char *self = login_name();

	if (role == NULL || (self && strcmp(role, self) == 0))
		return;					/* becoming itself sheds nothing */
	if (pgseccomp_stack->nclients > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg(doing, role),
				 errdetail("This session stacked filters with set_client_filter, which a session of role \"%s\" would not have.", role),
				 errhint("Run the command in a session without client filters.")));
	theirs = target_of_role(role);
	switch (theirs ? pgseccomp_store_compare(own, theirs) : -1)
	{
		case 1:
			return;
		case 0:
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg(doing, role),
					 errdetail("Sessions of role \"%s\" get %s, which is looser than %s that confines this session: this session could shed filters by logging in as that role.",
							   role, filter_text(theirs), filter_text(own)),
					 errhint("Run the command in a session whose filter is at least as strict as that of role \"%s\", or change the filters in postgresql.conf.", role)));
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg(doing, role),
					 errdetail("pgseccomp cannot tell whether the filter of role \"%s\" is at least as strict as this session's: the settings changed since this session started, or failed.", role),
					 errhint("Start a new session and try again.")));
	}
}

/*
 * Settings that decide who may log in as which role without a password
 * the catalog holds: the files of pg_hba.conf and pg_ident.conf, the
 * certificate authority (and revocation lists) that cert authentication
 * trusts, the Kerberos key of GSSAPI. Written by ALTER SYSTEM to name a
 * file the session wrote, they would let it log in as any role.
 */
static const char *const chooses_logins[] = {
	"hba_file", "ident_file", "ssl_ca_file", "ssl_crl_file", "ssl_crl_dir",
	"krb_server_keyfile",
};

void
pgseccomp_check_login_setting(const char *name)
{
	int			i;

	if (!pgseccomp_enabled || name == NULL)
		return;
	for (i = 0; i < lengthof(chooses_logins); i++)
		if (pg_strcasecmp(name, chooses_logins[i]) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("parameter \"%s\" cannot be changed with ALTER SYSTEM while pgseccomp is enabled", name),
					 errdetail("It decides who may log in as which role, and so which filter a session gets."),
					 errhint("Set it in postgresql.conf.")));
}

/* A role named in a statement, or NULL for PUBLIC. */
static const char *
spec_name(RoleSpec *spec)
{
	if (spec == NULL || spec->roletype == ROLESPEC_PUBLIC)
		return NULL;
	if (spec->roletype == ROLESPEC_CSTRING)
		return spec->rolename;
	return get_rolespec_name(spec);
}

static void
check_create(CreateRoleStmt *stmt)
{
	ListCell   *lc;

	check_becoming(stmt->role, "permission denied to create role \"%s\"");
	foreach(lc, stmt->options)
	{
		DefElem    *opt = lfirst(lc);
		ListCell   *m;

		/* IN ROLE: the new role becomes a member of each. */
		if (strcmp(opt->defname, "addroleto") == 0)
			foreach(m, (List *) opt->arg)
				check_becoming(spec_name(lfirst(m)), "permission denied to grant membership in role \"%s\"");
	}
}

static void
check_alter(AlterRoleStmt *stmt)
{
	const char *role = spec_name(stmt->role);
	ListCell   *lc;

	foreach(lc, stmt->options)
	{
		DefElem    *opt = lfirst(lc);

		if (strcmp(opt->defname, "password") == 0)
			check_becoming(role, "permission denied to set the password of role \"%s\"");
		else if (strcmp(opt->defname, "validUntil") == 0)
			check_becoming(role, "permission denied to set the validity of role \"%s\"");
		else if (strcmp(opt->defname, "canlogin") == 0 && defGetBoolean(opt))
			check_becoming(role, "permission denied to enable login for role \"%s\"");
		else if (strcmp(opt->defname, "connectionlimit") == 0)
			check_becoming(role, "permission denied to change the connection limit of role \"%s\"");
		/* ALTER GROUP role ADD USER ... */
		else if (strcmp(opt->defname, "rolemembers") == 0 && stmt->action > 0)
			check_becoming(role, "permission denied to grant membership in role \"%s\"");
	}
}

void
pgseccomp_check_role_command(Node *stmt)
{
	/* A process that carries the global filter alone is the loosest. */
	if (!pgseccomp_enabled || !IsUnderPostmaster || pgseccomp_stack == NULL ||
		pgseccomp_stack->base == NULL)
		return;
	if (IsA(stmt, CreateRoleStmt))
		check_create((CreateRoleStmt *) stmt);
	else if (IsA(stmt, AlterRoleStmt))
		check_alter((AlterRoleStmt *) stmt);
	else if (IsA(stmt, RenameStmt) && ((RenameStmt *) stmt)->renameType == OBJECT_ROLE)
		check_becoming(((RenameStmt *) stmt)->newname, "permission denied to rename a role to \"%s\"");
	else if (IsA(stmt, GrantRoleStmt) && ((GrantRoleStmt *) stmt)->is_grant)
	{
		ListCell   *lc;

		foreach(lc, ((GrantRoleStmt *) stmt)->granted_roles)
			check_becoming(((AccessPriv *) lfirst(lc))->priv_name,
						   "permission denied to grant membership in role \"%s\"");
	}
}
