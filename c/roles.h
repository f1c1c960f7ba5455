/*
 * roles.h
 *		Refusing the role commands by which a session would take a looser
 *		filter.
 */
#ifndef PGSECCOMP_ROLES_H
#define PGSECCOMP_ROLES_H

#include "compat.h"

#include "nodes/nodes.h"

extern void pgseccomp_check_role_command(Node *stmt);
extern void pgseccomp_check_login_setting(const char *name);

#endif							/* PGSECCOMP_ROLES_H */
