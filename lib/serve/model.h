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
 *
 * The module prints: -v narration, the counters on SIGUSR1 and the summary
 * at the end, through cli/diag.  It never exits.
 *
 * Threads and processes: the counters live in a shared anonymous mapping,
 * updated with atomics, so forked children and threads add to the same
 * totals.  The table of connections (slots, active) belongs to the main
 * thread; a worker thread only marks its own slot done.
 */
#ifndef SOCKBOX_MODEL_H
#define SOCKBOX_MODEL_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include "file/sink.h"
#include "net/addr.h"
#include "serve/handler.h"
#include "serve/server.h"

enum model { MODEL_ITERATIVE, MODEL_FORK, MODEL_THREAD };

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
};

struct model_server;

/* One client being served: a slot of the table the main loop keeps. */
struct model_conn {
	struct model_server *ms;
	int in_use;
	int fd;
	uint64_t id;
	char peer[ADDR_TEXT_MAX];
	pid_t pid;        /* fork: the child serving it */
	pthread_t thread; /* thread: the thread serving it */
	atomic_int done;  /* thread: finished, ready to be joined */
};

struct model_server {
	/* what the options decide (model_init gives the defaults) */
	enum model model;
	unsigned max_clients;
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
};

/* Defaults: model thread, 1024 clients at once, echo, no sink, no timeout. */
void model_init(struct model_server *ms);

/* Runs the server to its end.  EXIT_OK after a clean stop, EXIT_FAIL
 * after a diagnostic (the listen failed, the loop could not wait). */
int model_run(struct model_server *ms);

#endif
