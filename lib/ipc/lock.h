/*
 * lock.h - the race and the locks: N workers (processes or threads) each
 * add 1 to one shared counter M times under a chosen lock, and the two
 * bank accounts that deadlock when two workers lock them in opposite
 * orders.
 *
 * Promise: lock_count_run starts every worker, releases them together,
 * and returns the final counter and the elapsed time; with any lock but
 * none the final counter is exactly workers * count.  none is the race
 * made on purpose, and made without undefined behaviour: each increment
 * is a relaxed atomic load followed by a relaxed atomic store, so two
 * workers that read the same value both store value + 1 and one update
 * is lost, yet no access is a data race (ThreadSanitizer stays quiet;
 * the loss is real).  The counter under every lock is the same load and
 * store: only the lock makes the pair indivisible.
 *
 * lock_deadlock_run makes two workers move money between two accounts,
 * each guarded by a mutex; with ordered 0 worker 1 locks A then B and
 * worker 2 B then A, and the first transfer deadlocks every time (each
 * takes its first lock and waits until the other holds its own before
 * reaching for the second).  Every wait is pthread_mutex_timedlock: the
 * first worker whose wait times out records who holds what and who waits
 * for what, gives its lock back, and both stop.  With ordered 1 both
 * lock A before B and every transfer completes.
 *
 * Both run the workers themselves (fork or pthread_create) and reap
 * them; neither prints.  Memory shared by the workers is one anonymous
 * MAP_SHARED mapping; flock and fcntl lock a temporary file.
 */
#ifndef SOCKBOX_IPC_LOCK_H
#define SOCKBOX_IPC_LOCK_H

#include <stdint.h>
#include <sys/types.h>

enum lock_mech {
	LOCK_NONE,
	LOCK_MUTEX,
	LOCK_SPIN,
	LOCK_ATOMIC,
	LOCK_SEM,
	LOCK_FLOCK,
	LOCK_FCNTL,
	LOCK_MECH_COUNT
};

/* "none", "mutex", ... by enum lock_mech, NULL-terminated. */
extern const char *const lock_mech_names[LOCK_MECH_COUNT + 1];
/* What one increment costs under each lock, for --explain. */
extern const char *const lock_mech_explain[LOCK_MECH_COUNT];

struct lock_count {
	enum lock_mech mech;
	unsigned workers;
	uint64_t count; /* increments per worker */
	int threads;    /* 1: threads of this process; 0: forked processes */
	/* results */
	uint64_t final;
	uint64_t elapsed_ns; /* from the release of the workers to the last one done */
};

/* Runs the workers.  0, or -1 with errno (a worker that could not start
 * or failed: its errno). */
int lock_count_run(struct lock_count *lc);

struct lock_worker_state {
	long id;   /* pid, or thread id (gettid) */
	int holds; /* bit 0: account A, bit 1: account B */
	int waits; /* -1, or 0 (A) or 1 (B) */
};

struct lock_deadlock {
	int threads;
	int ordered;
	double timeout;     /* seconds a worker waits for a lock */
	uint64_t transfers; /* per worker */
	/* results */
	int deadlocked;                   /* a wait timed out */
	int timed_out_worker;             /* 0 or 1, when deadlocked */
	struct lock_worker_state seen[2]; /* both workers at the moment of the timeout */
	long balance[2];                  /* A and B at the end (they start at 0) */
	uint64_t done[2];                 /* transfers each worker completed */
};

/* 0 (deadlocked says whether the wait timed out), or -1 with errno. */
int lock_deadlock_run(struct lock_deadlock *ld);

#endif
