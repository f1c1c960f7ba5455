/*
 * keep.c
 *		Memory the postmaster keeps for the processes it forks, outside
 *		malloc's heap.
 *
 * A child of the postmaster takes a page fault for every inherited page
 * it writes. What the postmaster keeps in TopMemoryContext, and what it
 * frees there, changes where a backend's own allocations land in the heap
 * it inherits, and so how many pages it writes: measured, 10-12 faults per
 * connection. So the filters, their descriptions and the name tables the
 * postmaster keeps for its children go into pages of their own, mapped
 * apart from the heap, which children only read; start-up work that is
 * not kept goes into a memory context that is deleted when it is done.
 */
#include "keep.h"

#include <sys/mman.h>

#define KEEP_CHUNK (64 * 1024)

typedef struct Chunk
{
	struct Chunk *next;
	Size		size;			/* of the mapping, this header included */
	Size		used;
} Chunk;

struct Keep
{
	Chunk	   *chunks;			/* newest first; this struct is in the last */
};

static Chunk *
new_chunk(Size need)
{
	Size		size = Max(KEEP_CHUNK, TYPEALIGN(KEEP_CHUNK, MAXALIGN(sizeof(Chunk)) + need));
	Chunk	   *c = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (c == MAP_FAILED)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("pgseccomp could not map %zu bytes: %m", size)));
	c->next = NULL;
	c->size = size;
	c->used = MAXALIGN(sizeof(Chunk));
	return c;
}

Keep *
pgseccomp_keep_create(void)
{
	Chunk	   *c = new_chunk(sizeof(Keep));
	Keep	   *keep = (Keep *) ((char *) c + c->used);

	c->used += MAXALIGN(sizeof(Keep));
	keep->chunks = c;
	return keep;
}

/* Unmap everything keep holds, keep itself included. */
void
pgseccomp_keep_free(Keep *keep)
{
	Chunk	   *c = keep->chunks;

	while (c)
	{
		Chunk	   *next = c->next;

		munmap(c, c->size);
		c = next;
	}
}

void *
pgseccomp_keep_alloc(Keep *keep, Size size)
{
	Chunk	   *c = keep->chunks;
	void	   *p;

	size = MAXALIGN(Max(size, 1));
	if (c->size - c->used < size)
	{
		Chunk	   *fresh = new_chunk(size);

		/* The chunk that holds keep itself stays last. */
		fresh->next = c;
		keep->chunks = c = fresh;
	}
	p = (char *) c + c->used;
	c->used += size;
	return p;
}

void *
pgseccomp_keep_copy(Keep *keep, const void *data, Size size)
{
	void	   *p = pgseccomp_keep_alloc(keep, size);

	memcpy(p, data, size);
	return p;
}

char *
pgseccomp_keep_strdup(Keep *keep, const char *s)
{
	return pgseccomp_keep_copy(keep, s, strlen(s) + 1);
}

Keep *
pgseccomp_kept(void)
{
	static Keep *kept = NULL;

	if (kept == NULL)
		kept = pgseccomp_keep_create();
	return kept;
}
