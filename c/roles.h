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

#endif							/* PGSECCOMP_ROLES_H */
