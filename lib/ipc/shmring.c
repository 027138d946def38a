/*
 * shmring.c - a one-producer, one-consumer ring of slots in shared memory.
 */
#include "ipc/shmring.h"

#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define SPINS_BEFORE_YIELD 16384u

struct shmring {
	/* written by the producer only; its own cache line, so the consumer's
	 * writes to tail do not bounce the line the producer writes */
	alignas(64) _Atomic uint64_t head; /* messages published */
	_Atomic uint32_t items_word;       /* futex: bumped on every publish */
	_Atomic uint32_t spaces_waiters;   /* futex: the producer sleeps on spaces_word */
	alignas(64) _Atomic uint64_t tail; /* messages consumed */
	_Atomic uint32_t spaces_word;      /* futex: bumped on every consume */
	_Atomic uint32_t items_waiters;    /* futex: the consumer sleeps on items_word */
	alignas(64) sem_t items, spaces;
	int efd_items, efd_spaces;
	enum shmring_sync sync;
	uint32_t slots;
	size_t size;
	alignas(64) unsigned char data[];
};

size_t shmring_bytes(size_t size, unsigned slots)
{
	return sizeof(struct shmring) + (size_t)slots * size;
}

int shmring_init(void *mem, size_t size, unsigned slots, enum shmring_sync sync)
{
	struct shmring *r = mem;

	r->sync = sync;
	r->slots = slots;
	r->size = size;
	r->efd_items = r->efd_spaces = -1;
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	atomic_init(&r->items_word, 0);
	atomic_init(&r->spaces_word, 0);
	atomic_init(&r->items_waiters, 0);
	atomic_init(&r->spaces_waiters, 0);
	if (sync == SHMRING_SEM) {
		if (sem_init(&r->items, 1, 0) < 0)
			return -1;
		if (sem_init(&r->spaces, 1, slots) < 0) {
			sem_destroy(&r->items);
			return -1;
		}
	} else if (sync == SHMRING_EVENTFD) {
		r->efd_items = eventfd(0, EFD_SEMAPHORE | EFD_CLOEXEC);
		r->efd_spaces = eventfd(slots, EFD_SEMAPHORE | EFD_CLOEXEC);
		if (r->efd_items < 0 || r->efd_spaces < 0) {
			int saved = errno;
			shmring_destroy(r);
			errno = saved;
			return -1;
		}
	}
	return 0;
}

void shmring_destroy(void *mem)
{
	struct shmring *r = mem;

	if (r->sync == SHMRING_SEM) {
		sem_destroy(&r->items);
		sem_destroy(&r->spaces);
	}
	if (r->efd_items >= 0)
		close(r->efd_items);
	if (r->efd_spaces >= 0)
		close(r->efd_spaces);
	r->efd_items = r->efd_spaces = -1;
}

/* A wait gives up after 100 ms, so a thread cancelled while it sleeps here
 * (pthread_testcancel below: futex(2) through syscall() is no cancellation
 * point) ends within that time. */
static long futex(_Atomic uint32_t *word, int op, uint32_t value)
{
	struct timespec wait = { .tv_sec = 0, .tv_nsec = 100 * 1000 * 1000 };

	return syscall(SYS_futex, word, op, value, op == FUTEX_WAIT ? &wait : NULL, NULL, 0);
}

static int can_push(struct shmring *r)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	return head - atomic_load_explicit(&r->tail, memory_order_acquire) < r->slots;
}

static int can_pop(struct shmring *r)
{
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	return atomic_load_explicit(&r->head, memory_order_acquire) != tail;
}

/* Sleeps on word until ready(r): announce the sleep in waiters, then read the
 * word and check again, so a publish between the check and FUTEX_WAIT either
 * changes the word (the wait returns at once) or sees the waiter and wakes it. */
static void futex_wait_until(struct shmring *r, _Atomic uint32_t *word, _Atomic uint32_t *waiters,
                             int (*ready)(struct shmring *))
{
	while (!ready(r)) {
		atomic_fetch_add(waiters, 1);
		uint32_t seen = atomic_load(word);
		if (!ready(r)) {
			futex(word, FUTEX_WAIT, seen);
		}
		atomic_fetch_sub(waiters, 1);
		pthread_testcancel();
	}
}

static void futex_post(_Atomic uint32_t *word, _Atomic uint32_t *waiters)
{
	atomic_fetch_add(word, 1);
	if (atomic_load(waiters) > 0)
		futex(word, FUTEX_WAKE, 1);
}

static void spin_until(struct shmring *r, int (*ready)(struct shmring *))
{
	for (unsigned n = 1; !ready(r); n++) {
		if (n % SPINS_BEFORE_YIELD == 0) {
			sched_yield();
			pthread_testcancel();
		}
	}
}

static int eventfd_take(int fd)
{
	uint64_t one;

	while (read(fd, &one, sizeof one) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

static int eventfd_give(int fd)
{
	uint64_t one = 1;

	while (write(fd, &one, sizeof one) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

static int sem_take(sem_t *s)
{
	while (sem_wait(s) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

/* Waits until ready(r), the sync's way. */
static int wait_for(struct shmring *r, sem_t *s, int efd, _Atomic uint32_t *word, _Atomic uint32_t *waiters,
                    int (*ready)(struct shmring *))
{
	switch (r->sync) {
	case SHMRING_SEM:
		if (sem_take(s) < 0)
			return -1;
		break;
	case SHMRING_EVENTFD:
		if (eventfd_take(efd) < 0)
			return -1;
		break;
	case SHMRING_FUTEX:
		futex_wait_until(r, word, waiters, ready);
		break;
	case SHMRING_SPIN:
		spin_until(r, ready);
		break;
	}
	/* The count said yes; the acquire load in ready() makes the data visible. */
	while (!ready(r))
		sched_yield();
	return 0;
}

static int wake(struct shmring *r, sem_t *s, int efd, _Atomic uint32_t *word, _Atomic uint32_t *waiters)
{
	switch (r->sync) {
	case SHMRING_SEM:
		return sem_post(s);
	case SHMRING_EVENTFD:
		return eventfd_give(efd);
	case SHMRING_FUTEX:
		futex_post(word, waiters);
		break;
	case SHMRING_SPIN:
		break;
	}
	return 0;
}

int shmring_push(void *mem, const void *msg)
{
	struct shmring *r = mem;
	uint64_t head;

	if (wait_for(r, &r->spaces, r->efd_spaces, &r->spaces_word, &r->spaces_waiters, can_push) < 0)
		return -1;
	head = atomic_load_explicit(&r->head, memory_order_relaxed);
	memcpy(r->data + (head % r->slots) * r->size, msg, r->size);
	atomic_store_explicit(&r->head, head + 1, memory_order_release);
	return wake(r, &r->items, r->efd_items, &r->items_word, &r->items_waiters);
}

int shmring_pop(void *mem, void *msg)
{
	struct shmring *r = mem;
	uint64_t tail;

	if (wait_for(r, &r->items, r->efd_items, &r->items_word, &r->items_waiters, can_pop) < 0)
		return -1;
	tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	memcpy(msg, r->data + (tail % r->slots) * r->size, r->size);
	atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
	return wake(r, &r->spaces, r->efd_spaces, &r->spaces_word, &r->spaces_waiters);
}
