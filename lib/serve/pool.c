/*
 * pool.c - tcp-echo's thread pool: a fixed set of --workers threads, started
 * before the first client, fed by the main thread through a bounded queue
 * of accepted connections (the course's ThreadPool, and the shape of most
 * Java and Python servers).
 *
 * The main thread is the acceptor (model_serve_forever): it accepts while
 * fewer than workers + --queue connections are held, and pushes each one
 * on the queue; an idle worker pops it and serves it to its end.  When
 * every worker is busy and the queue is full, the acceptor stops calling
 * accept(2): new clients complete their handshake in the kernel and wait
 * in the listen backlog (--backlog), and past that the kernel drops their
 * SYNs, so the load is pushed back to the clients instead of piling up in
 * memory.  Unlike the thread model, no thread is created per client: the
 * cost of pthread_create is paid N times, at the start.
 *
 * Threads: the queue is guarded by one mutex with one condition variable
 * (workers wait on it while the queue is empty).  A worker marks its
 * connection's slot done (an atomic) and writes the notify eventfd; only
 * the main thread frees slots.  Every signal stays blocked in the workers.
 */
#include "serve/model.h"

#include "cli/diag.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define POOL_STACK (512u * 1024)

struct pool_worker {
	struct model_server *ms;
	unsigned index;
	pthread_t thread;
};

struct pool {
	pthread_mutex_t lock;
	pthread_cond_t filled;     /* signalled when a connection is queued or at the stop */
	struct model_conn **queue; /* a ring of cap entries */
	unsigned head, count, cap;
	int stopping;
	struct pool_worker *workers;
	unsigned started;
};

/* Pops the next connection, waiting while the queue is empty.  NULL once
 * the pool stops and the queue is drained. */
static struct model_conn *pool_pop(struct pool *p)
{
	struct model_conn *c = NULL;

	pthread_mutex_lock(&p->lock);
	while (p->count == 0 && !p->stopping)
		pthread_cond_wait(&p->filled, &p->lock);
	if (p->count > 0) {
		c = p->queue[p->head];
		p->head = (p->head + 1) % p->cap;
		p->count--;
	}
	pthread_mutex_unlock(&p->lock);
	return c;
}

static void *worker_main(void *arg)
{
	struct pool_worker *w = arg;
	struct model_server *ms = w->ms;
	struct pool *p = ms->engine;
	struct model_conn *c;
	uint64_t one = 1;
	long tid = (long)gettid();

	atomic_store(&ms->stats->worker_ids[w->index], tid);
	while ((c = pool_pop(p)) != NULL) {
		atomic_fetch_add(&ms->stats->worker_accepts[w->index], 1);
		diag_verbose(1, "pool: worker %u (thread %ld) takes %s (connection %llu)", w->index + 1, tid,
		             c->peer, (unsigned long long)c->id);
		model_serve_conn(ms, c);
		atomic_store(&c->done, 1);
		/* wake the acceptor: the slot can be freed, the queue has room */
		if (write(ms->notify_fd, &one, sizeof one) < 0)
			diag_verbose(1, "notify: %s", strerror(errno));
	}
	return NULL;
}

int pool_start(struct model_server *ms)
{
	struct pool *p = calloc(1, sizeof *p);
	pthread_attr_t attr;
	int rc = 0;

	if (!p)
		return diag_errno("set up the pool");
	p->cap = ms->max_clients;
	p->queue = calloc(p->cap, sizeof *p->queue);
	p->workers = calloc(ms->workers, sizeof *p->workers);
	if (!p->queue || !p->workers) {
		free(p->queue);
		free(p->workers);
		free(p);
		return diag_errno("set up the pool");
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->filled, NULL);
	ms->engine = p;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, POOL_STACK);
	for (unsigned i = 0; i < ms->workers && rc == 0; i++) {
		p->workers[i].ms = ms;
		p->workers[i].index = i;
		rc = pthread_create(&p->workers[i].thread, &attr, worker_main, &p->workers[i]);
		if (rc == 0)
			p->started++;
	}
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		diag_errnum(rc, "start pool thread %u of %u", p->started + 1, ms->workers);
		pool_stop(ms);
		return EXIT_FAIL;
	}
	diag_verbose(1, "pool: %u threads started, a queue of %u connections", ms->workers, ms->queue);
	return EXIT_OK;
}

void pool_hand_off(struct model_server *ms, struct model_conn *c)
{
	struct pool *p = ms->engine;

	pthread_mutex_lock(&p->lock);
	p->queue[(p->head + p->count) % p->cap] = c;
	p->count++;
	diag_verbose(2, "pool: %s queued (%u waiting for a thread)", c->peer, p->count);
	pthread_cond_signal(&p->filled);
	pthread_mutex_unlock(&p->lock);
}

void pool_stop(struct model_server *ms)
{
	struct pool *p = ms->engine;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = 1;
	pthread_cond_broadcast(&p->filled);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < p->started; i++)
		pthread_join(p->workers[i].thread, NULL);
	pthread_cond_destroy(&p->filled);
	pthread_mutex_destroy(&p->lock);
	free(p->queue);
	free(p->workers);
	free(p);
	ms->engine = NULL;
}
