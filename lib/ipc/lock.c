/*
 * lock.c - a shared counter under each kind of lock, and a deadlock.
 */
#include "ipc/lock.h"

#include "base/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_WORKERS 256
#define SPINS_BEFORE_YIELD 1024u

const char *const lock_mech_names[LOCK_MECH_COUNT + 1] = {
	"none", "mutex", "spin", "atomic", "sem", "flock", "fcntl", NULL,
};

const char *const lock_mech_explain[LOCK_MECH_COUNT] = {
	[LOCK_NONE] = "no lock: a load and a store; two workers that load the same value both store\n"
	              "value + 1, and one of the two updates is lost",
	[LOCK_MUTEX] = "pthread_mutex_lock/unlock (PTHREAD_PROCESS_SHARED): an atomic exchange when free;\n"
	               "when taken, the waiter sleeps in futex(2) and the holder wakes it on unlock",
	[LOCK_SPIN] = "a test-and-set flag: atomic exchanges in a loop until it is free (sched_yield\n"
	              "after 1,024 tries, so a preempted holder can run); no system call when uncontended",
	[LOCK_ATOMIC] = "no lock: one atomic read-modify-write (lock xadd on x86), indivisible by\n"
	                "construction; the cache line still moves between cores on every add",
	[LOCK_SEM] = "a POSIX semaphore of value 1 (sem_wait/sem_post, pshared): a mutex without an owner,\n"
	             "futex(2) when contended",
	[LOCK_FLOCK] = "flock(2) on a file: two system calls per increment, the lock kept by the kernel\n"
	               "on the open file description (each worker opens the file itself)",
	[LOCK_FCNTL] = "fcntl(2) F_OFD_SETLKW record locks: two system calls per increment; open file\n"
	               "description locks, because classic F_SETLKW locks belong to the process and\n"
	               "would not keep two threads of one process apart",
};

struct shared {
	_Atomic uint64_t counter;
	_Atomic unsigned ready;
	_Atomic int go;
	_Atomic uint64_t last_done_ns;
	atomic_flag spin;
	pthread_mutex_t mutex;
	sem_t sem;
	char path[64]; /* flock, fcntl: the lock file */
};

struct worker {
	struct shared *sh;
	struct lock_count *lc;
	pthread_t thread;
	int error; /* errno of a failure, 0 */
};

static void *map_shared(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static int init_mutex(pthread_mutex_t *m)
{
	pthread_mutexattr_t attr;
	int rc = pthread_mutexattr_init(&attr);

	if (rc == 0)
		rc = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	if (rc == 0)
		rc = pthread_mutex_init(m, &attr);
	pthread_mutexattr_destroy(&attr);
	errno = rc;
	return rc ? -1 : 0;
}

static int file_lock(enum lock_mech mech, int fd, int lock)
{
	struct flock fl = { .l_type = (short)(lock ? F_WRLCK : F_UNLCK), .l_whence = SEEK_SET };
	int rc;

	do {
		if (mech == LOCK_FLOCK)
			rc = flock(fd, lock ? LOCK_EX : LOCK_UN);
		else
			rc = fcntl(fd, F_OFD_SETLKW, &fl);
	} while (rc < 0 && errno == EINTR);
	return rc;
}

static void spin_lock(atomic_flag *f)
{
	for (unsigned n = 1; atomic_flag_test_and_set_explicit(f, memory_order_acquire); n++)
		if (n % SPINS_BEFORE_YIELD == 0)
			sched_yield();
}

/* The increment every lock protects: a load and a store, not one atomic
 * add, so that without a lock two workers can interleave between them. */
static void increment(struct shared *sh)
{
	uint64_t v = atomic_load_explicit(&sh->counter, memory_order_relaxed);
	atomic_store_explicit(&sh->counter, v + 1, memory_order_relaxed);
}

static int add_under_lock(struct shared *sh, enum lock_mech mech, int fd)
{
	switch (mech) {
	case LOCK_NONE:
		increment(sh);
		break;
	case LOCK_ATOMIC:
		atomic_fetch_add_explicit(&sh->counter, 1, memory_order_relaxed);
		break;
	case LOCK_MUTEX:
		if ((errno = pthread_mutex_lock(&sh->mutex)) != 0)
			return -1;
		increment(sh);
		pthread_mutex_unlock(&sh->mutex);
		break;
	case LOCK_SPIN:
		spin_lock(&sh->spin);
		increment(sh);
		atomic_flag_clear_explicit(&sh->spin, memory_order_release);
		break;
	case LOCK_SEM:
		while (sem_wait(&sh->sem) < 0)
			if (errno != EINTR)
				return -1;
		increment(sh);
		sem_post(&sh->sem);
		break;
	case LOCK_FLOCK:
	case LOCK_FCNTL:
		if (file_lock(mech, fd, 1) < 0)
			return -1;
		increment(sh);
		if (file_lock(mech, fd, 0) < 0)
			return -1;
		break;
	case LOCK_MECH_COUNT:
		break;
	}
	return 0;
}

static void note_done(struct shared *sh)
{
	uint64_t now = clock_now_ns();
	uint64_t seen = atomic_load(&sh->last_done_ns);

	while (seen < now && !atomic_compare_exchange_weak(&sh->last_done_ns, &seen, now))
		;
}

/* One worker: open its own lock file, say it is ready, wait for the start,
 * add count times.  0, or an errno. */
static int work(struct shared *sh, const struct lock_count *lc)
{
	int fd = -1, error = 0;

	if (lc->mech == LOCK_FLOCK || lc->mech == LOCK_FCNTL) {
		fd = open(sh->path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			error = errno;
	}
	atomic_fetch_add(&sh->ready, 1);
	while (!atomic_load(&sh->go))
		sched_yield();
	for (uint64_t i = 0; i < lc->count && !error; i++)
		if (add_under_lock(sh, lc->mech, fd) < 0)
			error = errno;
	note_done(sh);
	if (fd >= 0)
		close(fd);
	return error;
}

static void *work_thread(void *arg)
{
	struct worker *w = arg;
	w->error = work(w->sh, w->lc);
	return NULL;
}

static int setup_shared(struct shared *sh, enum lock_mech mech)
{
	int fd;

	atomic_flag_clear(&sh->spin);
	if (init_mutex(&sh->mutex) < 0)
		return -1;
	if (sem_init(&sh->sem, 1, 1) < 0)
		return -1;
	if (mech != LOCK_FLOCK && mech != LOCK_FCNTL)
		return 0;
	snprintf(sh->path, sizeof sh->path, "/tmp/sockbox-lock-XXXXXX");
	fd = mkostemp(sh->path, O_CLOEXEC);
	if (fd < 0) {
		sh->path[0] = '\0';
		return -1;
	}
	close(fd);
	return 0;
}

static void teardown_shared(struct shared *sh)
{
	pthread_mutex_destroy(&sh->mutex);
	sem_destroy(&sh->sem);
	if (sh->path[0])
		unlink(sh->path);
}

/* Starts the workers as processes; *started how many.  0, or -1 (errno). */
static int start_processes(struct shared *sh, const struct lock_count *lc, pid_t *pids, unsigned *started)
{
	for (*started = 0; *started < lc->workers; (*started)++) {
		pid_t pid = fork();

		if (pid < 0)
			return -1;
		if (pid == 0)
			_exit(work(sh, lc) ? 1 : 0);
		pids[*started] = pid;
	}
	return 0;
}

/* Reaps the processes; the first failure's status as an errno-like code. */
static int reap_processes(const pid_t *pids, unsigned n)
{
	int failed = 0, status;

	for (unsigned i = 0; i < n; i++) {
		while (waitpid(pids[i], &status, 0) < 0)
			if (errno != EINTR)
				return errno;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed = EIO;
	}
	return failed;
}

int lock_count_run(struct lock_count *lc)
{
	struct shared *sh;
	struct worker *ws = NULL;
	pid_t *pids = NULL;
	unsigned started = 0;
	int error = 0;
	uint64_t start;

	if (lc->workers < 1 || lc->workers > MAX_WORKERS) {
		errno = EINVAL;
		return -1;
	}
	sh = map_shared(sizeof *sh);
	if (!sh)
		return -1;
	if (setup_shared(sh, lc->mech) < 0) {
		error = errno;
		goto out;
	}
	if (lc->threads) {
		ws = calloc(lc->workers, sizeof *ws);
		if (!ws) {
			error = errno;
			goto out;
		}
		for (; started < lc->workers; started++) {
			ws[started] = (struct worker){ .sh = sh, .lc = lc };
			if ((error = pthread_create(&ws[started].thread, NULL, work_thread, &ws[started])) != 0)
				break;
		}
	} else {
		pids = calloc(lc->workers, sizeof *pids);
		if (!pids || start_processes(sh, lc, pids, &started) < 0)
			error = errno;
	}
	/* release the workers together, once all of them wait at the start */
	while (!error && atomic_load(&sh->ready) < started)
		sched_yield();
	start = clock_now_ns();
	atomic_store(&sh->go, 1);
	if (lc->threads) {
		for (unsigned i = 0; i < started; i++) {
			pthread_join(ws[i].thread, NULL);
			if (!error && ws[i].error)
				error = ws[i].error;
		}
	} else {
		int failed = reap_processes(pids, started);
		if (!error)
			error = failed;
	}
	lc->final = atomic_load(&sh->counter);
	lc->elapsed_ns = atomic_load(&sh->last_done_ns) > start ? atomic_load(&sh->last_done_ns) - start : 0;
out:
	teardown_shared(sh);
	free(ws);
	free(pids);
	munmap(sh, sizeof *sh);
	errno = error;
	return error ? -1 : 0;
}

/* ---- the two bank accounts ---- */

struct bank {
	pthread_mutex_t account_lock[2];
	_Atomic long balance[2];
	_Atomic long id[2];
	_Atomic int holds[2];
	_Atomic int waits[2];
	_Atomic int tried_first[2]; /* the worker has reached for its first lock */
	_Atomic int stop;
	_Atomic int reporter; /* -1, or the worker that recorded the deadlock */
	struct lock_worker_state seen[2];
	_Atomic uint64_t done[2];
};

struct teller {
	struct bank *bank;
	const struct lock_deadlock *ld;
	int who;
	pthread_t thread;
};

static struct timespec deadline_after(double seconds)
{
	struct timespec ts;
	double whole;

	clock_gettime(CLOCK_REALTIME, &ts); /* pthread_mutex_timedlock's clock */
	ts.tv_nsec += (long)(modf(seconds, &whole) * 1e9);
	ts.tv_sec += (time_t)whole + ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	return ts;
}

/* Takes account lock; on a timeout the first worker to time out records
 * both workers' states (who holds what, who waits for what).  0, or -1. */
static int take(struct bank *b, int who, int account, double timeout)
{
	struct timespec until = deadline_after(timeout);
	int rc, nobody = -1;

	atomic_store(&b->waits[who], account);
	rc = pthread_mutex_timedlock(&b->account_lock[account], &until);
	if (rc == ETIMEDOUT) {
		if (atomic_compare_exchange_strong(&b->reporter, &nobody, who)) {
			for (int w = 0; w < 2; w++)
				b->seen[w] = (struct lock_worker_state){ atomic_load(&b->id[w]),
					                                 atomic_load(&b->holds[w]),
					                                 atomic_load(&b->waits[w]) };
		}
		atomic_store(&b->stop, 1);
		return -1;
	}
	if (rc != 0) {
		atomic_store(&b->stop, 1);
		return -1;
	}
	atomic_fetch_or(&b->holds[who], 1 << account);
	atomic_store(&b->waits[who], -1);
	return 0;
}

static void give(struct bank *b, int who, int account)
{
	atomic_fetch_and(&b->holds[who], ~(1 << account));
	pthread_mutex_unlock(&b->account_lock[account]);
}

/* Waits (bounded by the timeout) until the other worker has reached for its
 * first lock: from then on, opposite orders cannot miss each other. */
static void wait_for_other(struct bank *b, int who, double timeout)
{
	uint64_t until = clock_now_ns() + clock_seconds_to_ns(timeout);

	while (!atomic_load(&b->tried_first[!who]) && clock_now_ns() < until)
		sched_yield();
}

static void tell(struct bank *b, const struct lock_deadlock *ld, int who)
{
	/* worker `who` moves money from account who to the other one; in
	 * order, A is always locked first; out of order, the payer's first */
	int from = who, to = !who;
	int first = ld->ordered ? 0 : from;
	int second = !first;

	atomic_store(&b->id[who], ld->threads ? (long)gettid() : (long)getpid());
	for (uint64_t i = 0; i < ld->transfers && !atomic_load(&b->stop); i++) {
		atomic_store(&b->tried_first[who], 1);
		if (take(b, who, first, ld->timeout) < 0)
			return;
		if (i == 0)
			wait_for_other(b, who, ld->timeout);
		if (take(b, who, second, ld->timeout) < 0) {
			give(b, who, first);
			return;
		}
		atomic_fetch_sub(&b->balance[from], 1);
		atomic_fetch_add(&b->balance[to], 1);
		atomic_fetch_add(&b->done[who], 1);
		give(b, who, second);
		give(b, who, first);
	}
}

static void *tell_thread(void *arg)
{
	struct teller *t = arg;
	tell(t->bank, t->ld, t->who);
	return NULL;
}

int lock_deadlock_run(struct lock_deadlock *ld)
{
	struct bank *b = map_shared(sizeof *b);
	struct teller tellers[2];
	pid_t pids[2] = { -1, -1 };
	int error = 0, started = 0;

	if (!b)
		return -1;
	atomic_init(&b->reporter, -1);
	for (int i = 0; i < 2; i++) {
		atomic_init(&b->waits[i], -1);
		if (init_mutex(&b->account_lock[i]) < 0) {
			error = errno;
			goto out;
		}
	}
	for (; started < 2; started++) {
		tellers[started] = (struct teller){ .bank = b, .ld = ld, .who = started };
		if (ld->threads) {
			error = pthread_create(&tellers[started].thread, NULL, tell_thread, &tellers[started]);
		} else if ((pids[started] = fork()) == 0) {
			tell(b, ld, started);
			_exit(0);
		} else if (pids[started] < 0) {
			error = errno;
		}
		if (error)
			break;
	}
	for (int i = 0; i < started; i++) {
		if (ld->threads)
			pthread_join(tellers[i].thread, NULL);
		else
			while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR)
				;
	}
	ld->deadlocked = atomic_load(&b->reporter) >= 0;
	ld->timed_out_worker = atomic_load(&b->reporter);
	for (int i = 0; i < 2; i++) {
		ld->seen[i] = b->seen[i];
		ld->balance[i] = atomic_load(&b->balance[i]);
		ld->done[i] = atomic_load(&b->done[i]);
	}
out:
	for (int i = 0; i < 2; i++)
		pthread_mutex_destroy(&b->account_lock[i]);
	munmap(b, sizeof *b);
	errno = error;
	return error ? -1 : 0;
}
