/*
 * shmring.h - a ring of fixed-size message slots in shared memory, one
 * producer and one consumer (two processes, or two threads), and the four
 * ways the waiting side can be woken.
 *
 * Promise: messages come out whole, in order, each exactly once.  The ring
 * is correct whatever the wake-up: the slot indexes are C11 atomics
 * (release on publish, acquire on read), so the data is visible before the
 * index that publishes it, in both processes and threads and under
 * ThreadSanitizer; the sync only decides how a side waits.
 *
 *	sem      POSIX semaphores in the ring (sem_init pshared): counts of
 *	         full and free slots; sem_wait sleeps in a futex when empty
 *	futex    futex(2) by hand: a word bumped on every publish, FUTEX_WAKE
 *	         only when the other side announced it sleeps
 *	eventfd  two eventfd(2) counters in semaphore mode: read to wait,
 *	         write to wake (always two system calls per message)
 *	spin     no system call: poll the other side's index; after 16,384
 *	         polls sched_yield(2), so one core shared by both sides still
 *	         makes progress
 *
 * A waiting thread can be cancelled (pthread_cancel) whatever the sync:
 * sem_wait and read are cancellation points, futex and spin test for it
 * at least every 100 ms or 16,384 polls.
 *
 * A struct shmring lives in memory both sides map (shm_open'ed and mapped
 * MAP_SHARED by ipc/mech); the eventfds are numbers both processes inherit.
 */
#ifndef SOCKBOX_IPC_SHMRING_H
#define SOCKBOX_IPC_SHMRING_H

#include <stddef.h>

enum shmring_sync { SHMRING_SEM, SHMRING_FUTEX, SHMRING_EVENTFD, SHMRING_SPIN };

struct shmring;

/* Bytes a ring of slots messages of size bytes takes. */
size_t shmring_bytes(size_t size, unsigned slots);
/* Lays out a ring in mem (shmring_bytes long, zeroed, shared); with
 * SHMRING_EVENTFD it opens two eventfds.  0, or -1 with errno. */
int shmring_init(void *mem, size_t size, unsigned slots, enum shmring_sync sync);
/* Releases what init opened (semaphores, eventfds), once, after both sides are done. */
void shmring_destroy(void *mem);
/* Copies size bytes in, waiting while the ring is full.  0, or -1 with errno. */
int shmring_push(void *mem, const void *msg);
/* Copies the oldest message out, waiting while the ring is empty.  0, or -1 with errno. */
int shmring_pop(void *mem, void *msg);

#endif
