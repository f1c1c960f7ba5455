/*
 * programs.h
 *		Programs that server processes ran while a learning level confined
 *		them, in shared memory, and their SQL.
 */
#ifndef PGSECCOMP_PROGRAMS_H
#define PGSECCOMP_PROGRAMS_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "nodes/nodes.h"

#include "target.h"
#include "wire.h"

extern Size pgseccomp_programs_size(void);
extern void pgseccomp_programs_init(void);

/* From the utility hook: note COPY ... TO/FROM PROGRAM. */
extern void pgseccomp_programs_utility(Node *stmt);

/* For seccomp_suggest(): one "program" entry per program recorded or configured. */
extern void pgseccomp_programs_suggest(WireSink *sink);

#endif							/* PGSECCOMP_PROGRAMS_H */
