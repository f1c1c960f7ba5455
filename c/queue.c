/*
 * queue.c
 *		Shared memory slots through which set_client_filter asks the compile
 *		worker for a program, and gets it back.
 *
 * A session's own filter may deny fork and what a Go runtime needs, so it
 * cannot compile; the worker, which only the global filter confines, can.
 * What a slot holds may have been written by any process, so both sides
 * check every length they read from it. A forged answer only reaches the
 * session that asked, which stacks it on what it already enforces.
 */
#include "queue.h"


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

/*
 * How long set_client_filter waits for the compile worker: a compile takes
 * milliseconds, so a worker that has not answered within this is stopped or
 * stuck, and the caller gets an ERROR (statement_timeout and cancel end the
 * wait sooner).
 */
#define REMOTE_TIMEOUT_MS	5000

/* A compiled filter in shared memory. */
typedef struct StoredFilter
{
	bool		ok;
	bool		has_program;
	int			ninsns;
	struct sock_filter program[BPF_MAXINSNS];
	char		text[PGSECCOMP_ROWS_MAX];	/* rows NUL notes NUL lint NUL oci NUL
											 * systemd, or message NUL detail
											 * NUL hint */
} StoredFilter;

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
	uint64		seq;			/* arrival order */
	pid_t		owner;			/* -1: the owner gave up waiting */
	bool		ok;				/* the worker could run the helper ... */
	char		message[512];	/* ... or why not */
	char		detail[1024];
	StoredFilter result;
	int			len;
	char		request[PGSECCOMP_REQUEST_MAX];
} RequestSlot;

typedef struct PgseccompShared
{
	LWLock	   *lock;
	ConditionVariable cv;		/* a request was finished or a slot freed */
	Latch	   *worker_latch;
	uint64		next_seq;
	RequestSlot slots[PGSECCOMP_REQUEST_SLOTS];
} PgseccompShared;

static PgseccompShared *shared = NULL;

Size
pgseccomp_queue_size(void)
{
	return MAXALIGN(sizeof(PgseccompShared));
}

/* Under AddinShmemInitLock. */
void
pgseccomp_queue_init(void)
{
	bool		found;

	shared = ShmemInitStruct("pgseccomp", sizeof(PgseccompShared), &found);
	if (!found)
	{
		memset(shared, 0, sizeof(PgseccompShared));
		shared->lock = &(GetNamedLWLockTranche("pgseccomp"))[0].lock;
		ConditionVariableInit(&shared->cv);
	}
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

/* The texts of a filter, in the order a stored filter holds them. */
#define FILTER_TEXTS 5

static void
filter_texts(const CompiledFilter *f, const char **parts)
{
	parts[0] = f->rows;
	parts[1] = f->notes;
	parts[2] = f->lint;
	parts[3] = f->oci;
	parts[4] = f->systemd;
}

/*
 * Store a compiled filter. One whose program or texts do not fit is stored
 * as an error, so that it is refused rather than enforced in part.
 */
static void
store_filter(StoredFilter *s, const CompiledFilter *f)
{
	const char *parts[FILTER_TEXTS];
	Size		textlen = FILTER_TEXTS;
	bool		fits;
	int			i;

	filter_texts(f, parts);
	for (i = 0; i < FILTER_TEXTS; i++)
		textlen += strlen(parts[i] ? parts[i] : "");
	fits = !f->ok ||
		((!f->has_program || f->ninsns <= BPF_MAXINSNS) && textlen <= PGSECCOMP_ROWS_MAX);
	s->ok = f->ok && fits;
	s->has_program = s->ok && f->has_program;
	s->ninsns = s->has_program ? f->ninsns : 0;
	if (s->has_program)
		memcpy(s->program, f->program, sizeof(struct sock_filter) * f->ninsns);
	if (s->ok)
		put_text(s->text, parts, FILTER_TEXTS);
	else if (!f->ok)
	{
		const char *why[3] = {f->error.message, f->error.detail, f->error.hint};

		put_text(s->text, why, 3);
	}
	else
	{
		const char *why[3] = {"filter is too large for pgseccomp's shared memory",
			psprintf("It has %d instructions and %zu bytes of description.",
					 f->ninsns, textlen), NULL};

		put_text(s->text, why, 3);
	}
}

/*
 * Copy a stored filter out into local memory. Any process may have written
 * it: lengths are checked and the text is cut at the end of its buffer.
 */
static bool
load_filter(const StoredFilter *s, CompiledFilter *out)
{
	char		text[PGSECCOMP_ROWS_MAX + FILTER_TEXTS];
	char	   *part[FILTER_TEXTS];
	int			i;

	memset(out, 0, sizeof(*out));
	out->ok = s->ok;
	out->has_program = s->has_program;
	out->ninsns = s->ninsns;
	if (s->has_program && (s->ninsns <= 0 || s->ninsns > BPF_MAXINSNS))
		return false;
	if (s->has_program)
	{
		out->program = palloc(sizeof(struct sock_filter) * s->ninsns);
		memcpy(out->program, s->program, sizeof(struct sock_filter) * s->ninsns);
	}
	memcpy(text, s->text, PGSECCOMP_ROWS_MAX);
	memset(text + PGSECCOMP_ROWS_MAX, 0, FILTER_TEXTS);
	part[0] = text;
	for (i = 1; i < FILTER_TEXTS; i++)
		part[i] = part[i - 1] + strlen(part[i - 1]) + 1;
	if (s->ok)
	{
		out->rows = pstrdup(part[0]);
		out->notes = *part[1] ? pstrdup(part[1]) : NULL;
		out->lint = pstrdup(part[2]);
		out->oci = pstrdup(part[3]);
		out->systemd = pstrdup(part[4]);
	}
	else
	{
		out->error.message = pstrdup(part[0]);
		out->error.detail = *part[1] ? pstrdup(part[1]) : NULL;
		out->error.hint = *part[2] ? pstrdup(part[2]) : NULL;
	}
	return true;
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
queue_and_wait(const StringInfo request, RequestSlot *volatile *held)
{
	TimestampTz deadline = GetCurrentTimestamp() + (TimestampTz) REMOTE_TIMEOUT_MS * 1000;

	for (;;)
	{
		RequestSlot *slot = *held;
		Latch	   *worker;
		TimestampTz now;
		int			i;

		LWLockAcquire(shared->lock, LW_EXCLUSIVE);
		for (i = 0; i < PGSECCOMP_REQUEST_SLOTS && slot == NULL; i++)
		{
			RequestSlot *s = &shared->slots[i];

			if (s->state == SLOT_FREE || (s->state == SLOT_DONE && owner_gone(s)))
			{
				slot = *held = s;
				slot->state = SLOT_PENDING;
				slot->seq = ++shared->next_seq;
				slot->owner = MyProcPid;
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
		CHECK_FOR_INTERRUPTS();
		now = GetCurrentTimestamp();
		if (now >= deadline)
			return NULL;

		/*
		 * Sleeps on the latch: a cancel or statement_timeout sets it and is
		 * served above; the postmaster's death ends this process.
		 */
		(void) ConditionVariableTimedSleep(&shared->cv,
										   Min(1000, (deadline - now) / 1000 + 1),
										   PG_WAIT_EXTENSION);
	}
}

/*
 * Ask the worker to compile a request, and wait; the result comes back in
 * *result. Returns false with *why set if it could not be done. An error
 * while waiting (a cancel) gives the slot up.
 */
bool
pgseccomp_compile_remote(const StringInfo request,
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
		done = queue_and_wait(request, &held);
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
	{
		done->message[sizeof(done->message) - 1] = '\0';
		done->detail[sizeof(done->detail) - 1] = '\0';
		set_why(why, done->message, done->detail[0] ? pstrdup(done->detail) : NULL, NULL);
	}
	else if (!load_filter(&done->result, result))
	{
		ok = false;
		set_why(why, "malformed answer from the pgseccomp background worker", NULL, NULL);
	}
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

static int
by_arrival(const void *a, const void *b)
{
	uint64		x = shared->slots[*(const int *) a].seq;
	uint64		y = shared->slots[*(const int *) b].seq;

	return x < y ? -1 : x > y;
}

/*
 * Take every pending request, in the order they arrived, into one batch:
 * slots[i] is the slot of the i-th, which ends at ends[i] in batch.
 * Returns how many.
 */
int
pgseccomp_next_requests(StringInfo batch, int *slots, int *ends)
{
	int			n = 0;
	int			i;

	resetStringInfo(batch);
	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	for (i = 0; i < PGSECCOMP_REQUEST_SLOTS; i++)
	{
		RequestSlot *s = &shared->slots[i];

		/* A request whose backend is gone is not compiled. */
		if (s->state == SLOT_PENDING && (s->owner == -1 || owner_gone(s)))
		{
			s->state = SLOT_FREE;
			s->owner = 0;
		}
		else if (s->state == SLOT_PENDING)
			slots[n++] = i;
	}
	qsort(slots, n, sizeof(int), by_arrival);
	for (i = 0; i < n; i++)
	{
		RequestSlot *s = &shared->slots[slots[i]];

		s->state = SLOT_RUNNING;
		/* Its writer may be hostile: never read past the slot. */
		if (s->len > 0 && s->len <= PGSECCOMP_REQUEST_MAX)
			appendBinaryStringInfo(batch, s->request, s->len);
		ends[i] = batch->len;
	}
	LWLockRelease(shared->lock);
	return n;
}

/* Hand back a request: why it failed, or its result. */
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
	else
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
