/*
 * model.h - tcp-echo's server: one echo service, served in several
 * concurrency models.
 *
 * Promise: model_run() is a whole server's life (listen, serve until a
 * stop signal, --max-conns or --duration, close every connection, print
 * the summary) in the model the caller chose; every model serves each
 * connection with the same code (model_serve_conn: read, transform, write,
 * with backpressure, --timeout and a half-close honoured), so the models
 * differ only in who runs that code and how it waits:
 *
 *   iterative  the main process, one client at a time (model.c)
 *   fork       a new process per client (model.c)
 *   thread     a new thread per client (model.c)
 *   prefork    N processes forked before the first client, each calling
 *              accept(2) on the one shared listening socket; a dead worker
 *              is replaced, --max-requests recycles one (prefork.c)
 *   reuseport  the same, but each worker has a listening socket of its own
 *              (SO_REUSEPORT): the kernel spreads connections by hash (prefork.c)
 *   pool       N threads fed from a bounded queue of accepted connections;
 *              when it is full the acceptor stops accepting (pool.c)
 *   coroutine  one thread, one epoll loop; each client's loop runs in a
 *              coroutine that yields where it would block (coro.c)
 *
 * The module prints: -v narration, the counters on SIGUSR1 and the summary
 * at the end, through cli/diag.  It never exits, except in the processes it
 * forks (fork's children, prefork's workers), which _exit(2) when done.
 *
 * Threads and processes: the counters live in a shared anonymous mapping,
 * updated with atomics, so forked children and threads add to the same
 * totals.  The table of connections (slots, active) belongs to the main
 * thread; a worker thread only marks its own slot done.
 */
#ifndef SOCKBOX_MODEL_H
#define SOCKBOX_MODEL_H

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include "file/sink.h"
#include "net/addr.h"
#include "serve/handler.h"
#include "serve/server.h"

enum model {
	MODEL_ITERATIVE,
	MODEL_FORK,
	MODEL_THREAD,
	MODEL_PREFORK,
	MODEL_POOL,
	MODEL_REUSEPORT,
	MODEL_COROUTINE,
};

/* The most workers --workers allows (their counters are a fixed array). */
#define MODEL_WORKERS_MAX 256

/* The models' names, in enum order (the --model choices). */
extern const char *const model_names[];

/* Counters every worker adds to.  In the fork model they live in a shared
 * anonymous mapping, so a child's bytes reach the parent's summary. */
struct model_counters {
	_Atomic uint64_t accepted;
	_Atomic uint64_t closed;
	_Atomic uint64_t bytes_in;
	_Atomic uint64_t bytes_out;
	_Atomic uint64_t errors;
	_Atomic uint64_t tickets; /* prefork, reuseport: accepts reserved under --max-conns */
	/* prefork, reuseport, pool: connections each worker took, and who it is */
	_Atomic uint64_t worker_accepts[MODEL_WORKERS_MAX];
	_Atomic long worker_ids[MODEL_WORKERS_MAX]; /* pid, or thread id (gettid) */
	atomic_int worker_busy[MODEL_WORKERS_MAX];  /* prefork, reuseport: serving a connection now */
};

struct model_server;
struct coro;

/* One client being served: a slot of the table the main loop keeps. */
struct model_conn {
	struct model_server *ms;
	int in_use;
	int fd;
	uint64_t id;
	char peer[ADDR_TEXT_MAX];
	pid_t pid;         /* fork: the child serving it */
	pthread_t thread;  /* thread: the thread serving it */
	atomic_int done;   /* thread, pool: finished, ready to be joined or reused */
	struct coro *coro; /* coroutine: the coroutine serving it */
};

struct model_server {
	/* what the options decide (model_init gives the defaults) */
	enum model model;
	unsigned max_clients;
	unsigned workers;      /* prefork, pool, reuseport */
	unsigned queue;        /* pool: accepted connections waiting for a thread */
	uint64_t max_requests; /* prefork, reuseport: a worker's connections before it is recycled */
	enum handler_kind kind;
	const char *reply;
	struct sink sink;
	uint32_t max_frame;
	double timeout;
	struct server_config config;
	/* the run */
	struct server srv;
	struct model_counters *stats;
	struct model_conn *slots;
	unsigned active;
	int stop_fd;        /* eventfd, readable once the server stops: every worker polls it */
	int notify_fd;      /* eventfd, a worker finished */
	sigset_t open_mask; /* the mask ppoll lets signals in with */
	uint64_t start_ns;
	void *engine; /* the model's own state (pool.c, prefork.c) */
};

/* Defaults: model thread, 1024 clients at once, 4 workers, a queue of 16,
 * echo, no sink, no timeout. */
void model_init(struct model_server *ms);

/* Runs the server to its end.  EXIT_OK after a clean stop, EXIT_FAIL
 * after a diagnostic (the listen failed, the loop could not wait). */
int model_run(struct model_server *ms);

/* 1 when the model serves with a fixed set of workers (prefork, pool, reuseport). */
int model_has_workers(enum model m);

/* ---- for the model modules (prefork.c, pool.c, coro.c) ---------------- */

/*
 * Accepts one connection from listen_fd into c (fd, id, peer, TCP_NODELAY)
 * and narrates it (naming worker, -1 for none).  0 with a connection; -1
 * with errno EAGAIN or EINTR when there was none, or another errno when
 * accept(2) failed (the diagnostic is printed).
 */
int model_accept(struct model_server *ms, int listen_fd, struct model_conn *c, int worker);

/* Serves c to its end with the one connection loop every model shares
 * (read, transform, write; backpressure, --timeout, half-close), then
 * closes it.  Its one wait is ppoll(2), or coro_wait in a coroutine. */
void model_serve_conn(struct model_server *ms, struct model_conn *c);

/* A slot of the table for a new connection, and its release (the main
 * thread only). */
struct model_conn *model_take_slot(struct model_server *ms);
void model_free_slot(struct model_server *ms, struct model_conn *c);

/* The "counters:" line (SIGUSR1) and, for worker models, the accepts per worker. */
void model_print_counters(struct model_server *ms);

/* ppoll(2) on n descriptors with the server's signals let in, for at most
 * cap_ms (-1: no cap) and never past --duration.  ppoll's result. */
int model_wait(struct model_server *ms, struct pollfd *pfd, int n, int cap_ms);

/* "exit 0", "killed by signal 9": a waitpid status in words. */
void model_describe_status(int status, char *out, size_t size);

/* A connection that ended before it was served (fork or thread failed):
 * closed, counted as an error, its slot freed. */
void model_drop(struct model_server *ms, struct model_conn *c);

/* The accept loop of the iterative, fork, thread and pool models: accept
 * while below --max-clients, hand each client to the model, collect the
 * finished; at the stop, close every connection.  EXIT_OK or EXIT_FAIL. */
int model_serve_forever(struct model_server *ms);

/* prefork.c: the prefork and reuseport models' whole run (the parent's
 * supervision loop; the workers never return from it). */
int prefork_run(struct model_server *ms);

/* prefork.c: server_config.setup for reuseport: SO_REUSEPORT on the first
 * socket, and a socket of its own for every other worker. */
int prefork_reuseport_setup(int fd, void *ctx);

/* pool.c: start the threads; queue one accepted connection; at the end,
 * stop and join every thread (the queue must be drained: model_serve_forever
 * waits for every connection first). */
int pool_start(struct model_server *ms);
void pool_hand_off(struct model_server *ms, struct model_conn *c);
void pool_stop(struct model_server *ms);

/* coro.c: the coroutine model's whole run (the epoll loop). */
int coro_run(struct model_server *ms);

/* coro.c: a coroutine's wait, what ppoll(2) on {fd, stop} is for the
 * other models: 1 with pfd[0].revents (or pfd[1].revents at the stop), 0
 * when timeout_ms ran out, -1 with errno. */
int coro_wait(struct coro *co, struct pollfd *pfd, int timeout_ms);

#endif
