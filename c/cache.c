/*
 * cache.c
 *		Shared memory: compiled session filters, keyed by their settings, and
 *		the queue of compile requests served by the background worker.
 *
 * A connecting backend looks up the filter compiled for its exact settings
 * (the bytes of its request section). The worker fills the cache at start
 * and after each reload, so the connection path normally compiles nothing;
 * a miss (a connection that beats the worker to a reload) queues a request
 * and waits for the worker. set_client_filter queues its compile the same
 * way and gets the result back in its request slot.
 */
#include "pgseccomp.h"

#include <signal.h>

#include "miscadmin.h"
#include "pgstat.h"
#include "storage/condition_variable.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "utils/timestamp.h"

#define REMOTE_TIMEOUT_MS	60000

/* A compiled filter in shared memory. */
typedef struct StoredFilter
{
	bool		ok;
	bool		has_program;
	int			ninsns;
	struct sock_filter program[BPF_MAXINSNS];
	char		text[PGSECCOMP_ROWS_MAX];	/* rows NUL notes NUL lint, or
											 * message NUL detail NUL hint */
} StoredFilter;

typedef struct CacheEntry
{
	bool		used;
	uint64		stamp;			/* for LRU eviction */
	uint8		key[PGSECCOMP_KEY_LEN];
	StoredFilter filter;
} CacheEntry;

typedef enum SlotState
{
	SLOT_FREE,
	SLOT_PENDING,
	SLOT_RUNNING,
	SLOT_DONE
} SlotState;

typedef struct RequestSlot
{
	SlotState	state;
	pid_t		owner;			/* -1: the owner gave up waiting */
	RequestKind kind;
	bool		ok;				/* the worker could run the helper ... */
	char		message[512];	/* ... or why not */
	char		detail[1024];
	StoredFilter result;		/* for REQUEST_CLIENT */
	int			len;
	char		request[PGSECCOMP_REQUEST_MAX];
} RequestSlot;

typedef struct PgseccompShared
{
	LWLock	   *lock;
	ConditionVariable cv;		/* a request was finished or a slot freed */
	Latch	   *worker_latch;
	uint64		clock;
	CacheEntry	entries[PGSECCOMP_CACHE_ENTRIES];
	RequestSlot slots[PGSECCOMP_REQUEST_SLOTS];
} PgseccompShared;

static PgseccompShared *shared = NULL;

Size
pgseccomp_shmem_size(void)
{
	return add_size(MAXALIGN(sizeof(PgseccompShared)), pgseccomp_leaders_size());
}

void
pgseccomp_shmem_init(void)
{
	bool		found;

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	shared = ShmemInitStruct("pgseccomp", sizeof(PgseccompShared), &found);
	if (!found)
	{
		memset(shared, 0, sizeof(PgseccompShared));
		shared->lock = &(GetNamedLWLockTranche("pgseccomp"))[0].lock;
		ConditionVariableInit(&shared->cv);
	}
	pgseccomp_leaders_init(&(GetNamedLWLockTranche("pgseccomp"))[1].lock);
	LWLockRelease(AddinShmemInitLock);
}

void
pgseccomp_target_key(const StringInfo section, uint8 *key)
{
	pgseccomp_key(section->data, section->len, key);
}

static void
put_text(char *dst, const char *const *parts, int nparts)
{
	Size		used = 0;
	int			i;

	for (i = 0; i < nparts; i++)
	{
		const char *p = parts[i] ? parts[i] : "";
		Size		n = Min(strlen(p), PGSECCOMP_ROWS_MAX - used - (nparts - i));

		memcpy(dst + used, p, n);
		dst[used + n] = '\0';
		used += n + 1;
	}
}

/*
 * Store a compiled filter. One whose program or rows do not fit is stored
 * as an error, so that it is refused rather than enforced in part.
 */
static void
store_filter(StoredFilter *s, const CompiledFilter *f)
{
	Size		textlen = strlen(f->rows ? f->rows : "") +
		strlen(f->notes ? f->notes : "") + strlen(f->lint ? f->lint : "") + 3;
	bool		fits = !f->ok ||
		((!f->has_program || f->ninsns <= BPF_MAXINSNS) && textlen <= PGSECCOMP_ROWS_MAX);

	s->ok = f->ok && fits;
	s->has_program = s->ok && f->has_program;
	s->ninsns = s->has_program ? f->ninsns : 0;
	if (s->has_program)
		memcpy(s->program, f->program, sizeof(struct sock_filter) * f->ninsns);
	if (s->ok)
	{
		const char *parts[3] = {f->rows, f->notes, f->lint};

		put_text(s->text, parts, 3);
	}
	else if (!f->ok)
	{
		const char *parts[3] = {f->error.message, f->error.detail, f->error.hint};

		put_text(s->text, parts, 3);
	}
	else
	{
		const char *parts[3] = {"filter is too large for pgseccomp's shared memory",
			psprintf("It has %d instructions and %zu bytes of description.",
					 f->ninsns, textlen), NULL};

		put_text(s->text, parts, 3);
	}
}

/* Copy a stored filter out into local memory. */
static void
load_filter(const StoredFilter *s, CompiledFilter *out)
{
	memset(out, 0, sizeof(*out));
	out->ok = s->ok;
	out->has_program = s->has_program;
	out->ninsns = s->ninsns;
	if (s->has_program)
	{
		out->program = palloc(sizeof(struct sock_filter) * s->ninsns);
		memcpy(out->program, s->program, sizeof(struct sock_filter) * s->ninsns);
	}
	{
		const char *first = s->text;
		const char *second = first + strlen(first) + 1;
		const char *third = second + strlen(second) + 1;

		if (s->ok)
		{
			out->rows = pstrdup(first);
			out->notes = *second ? pstrdup(second) : NULL;
			out->lint = pstrdup(third);
		}
		else
		{
			out->error.message = pstrdup(first);
			out->error.detail = *second ? pstrdup(second) : NULL;
			out->error.hint = *third ? pstrdup(third) : NULL;
		}
	}
}

static CacheEntry *
find_entry(const uint8 *key)
{
	int			i;

	for (i = 0; i < PGSECCOMP_CACHE_ENTRIES; i++)
	{
		CacheEntry *e = &shared->entries[i];

		if (e->used && memcmp(e->key, key, PGSECCOMP_KEY_LEN) == 0)
			return e;
	}
	return NULL;
}

bool
pgseccomp_cache_lookup(const uint8 *key, CompiledFilter *out)
{
	CacheEntry *e;

	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	e = find_entry(key);
	if (e != NULL)
	{
		e->stamp = ++shared->clock;
		load_filter(&e->filter, out);
	}
	LWLockRelease(shared->lock);
	return e != NULL;
}

/* Store a compiled filter under its key, evicting the least recently used. */
void
pgseccomp_cache_store(const uint8 *key, const CompiledFilter *f)
{
	CacheEntry *e;
	int			i;

	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	e = find_entry(key);
	if (e == NULL)
	{
		/* a free entry, or else the least recently used one */
		e = &shared->entries[0];
		for (i = 0; i < PGSECCOMP_CACHE_ENTRIES && e->used; i++)
		{
			CacheEntry *c = &shared->entries[i];

			if (!c->used || c->stamp < e->stamp)
				e = c;
		}
	}
	e->used = true;
	e->stamp = ++shared->clock;
	memcpy(e->key, key, PGSECCOMP_KEY_LEN);
	store_filter(&e->filter, f);
	LWLockRelease(shared->lock);
	/* The postmaster seeds the cache before anyone can wait on it. */
	if (MyProc != NULL)
		ConditionVariableBroadcast(&shared->cv);
}

/* Is the backend that queued a request gone? Its slot can be reused. */
static bool
owner_gone(const RequestSlot *s)
{
	return s->owner > 0 && kill(s->owner, 0) < 0 && errno == ESRCH;
}

static void
set_why(HelperMessage *why, const char *message, char *detail, const char *hint)
{
	why->message = pstrdup(message);
	why->detail = detail;
	why->hint = hint ? pstrdup(hint) : NULL;
}

/*
 * Ask the worker to compile a request, and wait. A REQUEST_TARGET section
 * is compiled into the cache; a REQUEST_CLIENT request's result comes back
 * in *result. Returns false with *why set if it could not be done.
 */
/* Give up a slot: a running request is freed by the worker when done. */
static void
abandon_slot(RequestSlot *slot)
{
	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	if (slot->state == SLOT_RUNNING)
		slot->owner = -1;
	else
	{
		slot->state = SLOT_FREE;
		slot->owner = 0;
	}
	LWLockRelease(shared->lock);
	ConditionVariableBroadcast(&shared->cv);
}

/*
 * Queue a request and wait until the worker has done it or the deadline
 * has passed. Returns the slot, still held, or NULL on timeout.
 */
static RequestSlot *
queue_and_wait(RequestKind kind, const StringInfo request, RequestSlot *volatile *held)
{
	TimestampTz deadline = GetCurrentTimestamp() + (TimestampTz) REMOTE_TIMEOUT_MS * 1000;

	for (;;)
	{
		RequestSlot *slot = *held;
		Latch	   *worker;
		int			i;

		LWLockAcquire(shared->lock, LW_EXCLUSIVE);
		for (i = 0; i < PGSECCOMP_REQUEST_SLOTS && slot == NULL; i++)
		{
			RequestSlot *s = &shared->slots[i];

			if (s->state == SLOT_FREE || (s->state == SLOT_DONE && owner_gone(s)))
			{
				slot = *held = s;
				slot->state = SLOT_PENDING;
				slot->owner = MyProcPid;
				slot->kind = kind;
				slot->len = request->len;
				memcpy(slot->request, request->data, request->len);
			}
		}
		worker = shared->worker_latch;
		if (slot && slot->state == SLOT_DONE)
		{
			LWLockRelease(shared->lock);
			return slot;
		}
		LWLockRelease(shared->lock);

		/* Wake the worker each round: it may have (re)started meanwhile. */
		if (worker && slot)
			SetLatch(worker);
		if (GetCurrentTimestamp() >= deadline)
			return NULL;
		(void) ConditionVariableTimedSleep(&shared->cv, 1000, PG_WAIT_EXTENSION);
	}
}

/*
 * Ask the worker to compile a request, and wait. A REQUEST_TARGET section
 * is compiled into the cache; a REQUEST_CLIENT request's result comes back
 * in *result. Returns false with *why set if it could not be done. An
 * error while waiting (a cancel) gives the slot up.
 */
bool
pgseccomp_compile_remote(RequestKind kind, const StringInfo request,
						 CompiledFilter *result, HelperMessage *why)
{
	RequestSlot *volatile held = NULL;
	RequestSlot *done = NULL;
	bool		ok;

	if (request->len > PGSECCOMP_REQUEST_MAX)
	{
		set_why(why, "pgseccomp request is too long",
				psprintf("It has %d bytes; at most %d fit.", request->len, PGSECCOMP_REQUEST_MAX),
				"Shorten the syscall lists.");
		return false;
	}

	ConditionVariablePrepareToSleep(&shared->cv);
	PG_TRY();
	{
		done = queue_and_wait(kind, request, &held);
	}
	PG_CATCH();
	{
		if (held)
			abandon_slot(held);
		PG_RE_THROW();
	}
	PG_END_TRY();
	ConditionVariableCancelSleep();

	if (done == NULL)
	{
		if (held)
			abandon_slot(held);
		set_why(why, "pgseccomp background worker did not answer in time",
				psprintf("No answer within %d ms.", REMOTE_TIMEOUT_MS),
				"Check that the \"pgseccomp compiler\" background worker is running.");
		return false;
	}

	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	ok = done->ok;
	if (!ok)
		set_why(why, done->message, done->detail[0] ? pstrdup(done->detail) : NULL, NULL);
	else if (result)
		load_filter(&done->result, result);
	done->state = SLOT_FREE;
	done->owner = 0;
	LWLockRelease(shared->lock);
	ConditionVariableBroadcast(&shared->cv);
	return ok;
}

/*
 * The worker announces itself, so that backends can wake it, and takes over
 * what a previous worker left running.
 */
void
pgseccomp_worker_attach(void)
{
	int			i;

	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	shared->worker_latch = MyLatch;
	for (i = 0; i < PGSECCOMP_REQUEST_SLOTS; i++)
		if (shared->slots[i].state == SLOT_RUNNING)
			shared->slots[i].state = SLOT_PENDING;
	LWLockRelease(shared->lock);
}

/* Take the next pending request, if any. */
bool
pgseccomp_next_request(StringInfo request, RequestKind *kind, int *slotno)
{
	int			i;

	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	for (i = 0; i < PGSECCOMP_REQUEST_SLOTS; i++)
	{
		RequestSlot *s = &shared->slots[i];

		if (s->state == SLOT_PENDING)
		{
			s->state = SLOT_RUNNING;
			resetStringInfo(request);
			appendBinaryStringInfo(request, s->request, s->len);
			*kind = s->kind;
			*slotno = i;
			LWLockRelease(shared->lock);
			return true;
		}
	}
	LWLockRelease(shared->lock);
	return false;
}

/* Hand back a request: why it failed, or for REQUEST_CLIENT its result. */
void
pgseccomp_finish_request(int slotno, const HelperMessage *why,
						 const CompiledFilter *result)
{
	RequestSlot *s = &shared->slots[slotno];

	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	s->ok = (why == NULL);
	if (why)
	{
		strlcpy(s->message, why->message, sizeof(s->message));
		strlcpy(s->detail, why->detail ? why->detail : "", sizeof(s->detail));
	}
	else if (result)
		store_filter(&s->result, result);
	if (s->owner == -1)
	{
		s->state = SLOT_FREE;	/* its backend gave up waiting */
		s->owner = 0;
	}
	else
		s->state = SLOT_DONE;
	LWLockRelease(shared->lock);
	ConditionVariableBroadcast(&shared->cv);
}
