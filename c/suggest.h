/*
 * suggest.h
 *		seccomp_suggest(), and the syscall facts it shares with reports.c.
 */
#ifndef PGSECCOMP_SUGGEST_H
#define PGSECCOMP_SUGGEST_H

#include "postgres.h"

extern void pgseccomp_set_facts(const char *facts);
extern const char *pgseccomp_syscall_name(int nr);
extern const char *pgseccomp_learning_setting(int level, const char *owner);

#endif							/* PGSECCOMP_SUGGEST_H */
