/*
 * model.c - tcp-echo's server: one connection's loop, and the iterative,
 * fork and thread models around it (model.h says what each one does).
 */
#include "serve/model.h"

#include "base/buf.h"
#include "base/clock.h"
#include "cli/diag.h"
#include "net/sock.h"
#include "sig/sig.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

const char *const model_names[] = { "iterative", "fork", "thread", "prefork", "pool", "reuseport", "coroutine" };

#define CHUNK_SIZE (64u * 1024) /* one read */
#define OUT_HIGH (256u * 1024)  /* stop reading while this much is owed */
#define THREAD_STACK (512u * 1024)
#define STOP_GRACE_MS 5000 /* workers get this long to close at a stop */

/* What one connection's loop carries: the handler and the bytes owed. */
struct pump {
	struct handler handler;
	struct buf out; /* bytes owed, its offset at the first unsent one */
	char *in;
	uint64_t bytes_in, bytes_out;
	uint64_t last_ns;
	int peer_eof;
	struct sink_file sink; /* --sink: where the bytes received go */
};

void model_init(struct model_server *ms)
{
	memset(ms, 0, sizeof *ms);
	ms->model = MODEL_THREAD;
	ms->max_clients = 1024;
	ms->workers = 4;
	ms->queue = 16;
	ms->kind = HANDLER_ECHO;
	ms->max_frame = HANDLER_FRAME_MAX_DEFAULT;
	ms->stop_fd = ms->notify_fd = -1;
}

/* ---- one connection, whatever the model -------------------------------- */

/* Latency matters to an echo: Nagle's algorithm would hold back a small
 * reply until the previous one is acknowledged. */
static void set_nodelay(int fd)
{
	int one = 1;
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0 && ss.ss_family != AF_UNIX)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int model_has_workers(enum model m)
{
	return m == MODEL_PREFORK || m == MODEL_POOL || m == MODEL_REUSEPORT;
}

/*
 * Waits for the connection or the stop eventfd.  The thread models keep
 * every signal blocked in their workers (the main thread takes them); the
 * process models let the server's signals in during the wait only, so a
 * SIGTERM can never slip in between a check of the flag and the sleep.
 * In the coroutine model this is the one call that changes: instead of
 * sleeping in ppoll, the coroutine yields to the epoll loop (coro.c), the
 * way gevent's monkey patching swaps a blocking call for a switch.
 */
static int wait_conn(struct model_server *ms, struct model_conn *c, struct pollfd *pfd, int timeout_ms)
{
	struct timespec ts = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L };
	const sigset_t *mask = ms->model == MODEL_THREAD || ms->model == MODEL_POOL ? NULL : &ms->open_mask;

	if (ms->model == MODEL_COROUTINE)
		return coro_wait(c->coro, pfd, timeout_ms);
	return ppoll(pfd, 2, timeout_ms < 0 ? NULL : &ts, mask);
}

static int pump_timeout_ms(struct model_server *ms, const struct pump *p)
{
	int wait_ms = -1;

	if (ms->timeout > 0) {
		wait_ms = clock_ms_until(p->last_ns + clock_seconds_to_ns(ms->timeout));
		if (wait_ms == 0)
			wait_ms = 1;
	}
	/* the iterative model has no other thread watching --duration */
	return ms->model == MODEL_ITERATIVE ? server_wait_ms(&ms->srv, wait_ms) : wait_ms;
}

static const char *note_error(struct model_server *ms, const char *why)
{
	atomic_fetch_add(&ms->stats->errors, 1);
	return why;
}

/*
 * Receives once.  Plain echo receives straight into the bytes owed (no
 * copy through the handler); the others into p->in.  -1 when out of memory.
 */
static ssize_t pump_recv(struct model_server *ms, struct model_conn *c, struct pump *p)
{
	ssize_t n;

	if (ms->kind != HANDLER_ECHO)
		return recv(c->fd, p->in, CHUNK_SIZE, 0);
	if (buf_reserve(&p->out, CHUNK_SIZE) < 0)
		return -1;
	n = recv(c->fd, p->out.data + p->out.len, CHUNK_SIZE, 0);
	if (n > 0) {
		p->out.len += (size_t)n;
		p->out.data[p->out.len] = '\0';
	}
	return n;
}

/* Reads once and feeds the handler.  NULL, or why the connection ends. */
static const char *pump_read(struct model_server *ms, struct model_conn *c, struct pump *p)
{
	ssize_t n = pump_recv(ms, c, p);

	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return NULL;
		return note_error(ms, errno == ECONNRESET ? "reset by the peer" : strerror(errno));
	}
	if (n == 0) {
		p->peer_eof = 1;
		diag_verbose(1, "%s: peer shut down its sending side (EOF): sending what is owed, then closing",
		             c->peer);
		if (handler_end(&p->handler, &p->out) < 0)
			return note_error(ms, errno == EPROTO ? "the stream ended inside a frame"
			                                      : strerror(errno));
		return NULL;
	}
	p->bytes_in += (uint64_t)n;
	p->last_ns = clock_now_ns();
	atomic_fetch_add_explicit(&ms->stats->bytes_in, (uint64_t)n, memory_order_relaxed);
	diag_verbose(2, "%s: read %zd bytes", c->peer, n);
	if (ms->kind == HANDLER_ECHO)
		return NULL; /* already where it is owed */
	if (p->sink.fd >= 0 && sink_write(&p->sink, p->in, (size_t)n) < 0) {
		diag_errno("write %s", p->sink.path);
		return note_error(ms, "the sink failed");
	}
	if (handler_input(&p->handler, p->in, (size_t)n, &p->out) < 0) {
		if (errno != EMSGSIZE)
			return note_error(ms, strerror(errno));
		diag_verbose(1, "%s: frame of %lu bytes is over the limit of %lu (--max-frame)", c->peer,
		             (unsigned long)p->handler.frame_len, (unsigned long)p->handler.max_frame);
		return note_error(ms, "frame over the limit");
	}
	return NULL;
}

/* Sends what is owed, as much as the socket buffer takes now. */
static const char *pump_write(struct model_server *ms, struct model_conn *c, struct pump *p)
{
	ssize_t n = send(c->fd, buf_head(&p->out), buf_readable(&p->out), MSG_NOSIGNAL);

	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return NULL;
		return note_error(ms, errno == ECONNRESET || errno == EPIPE ? "reset by the peer"
		                                                            : strerror(errno));
	}
	buf_consume(&p->out, (size_t)n);
	p->bytes_out += (uint64_t)n;
	p->last_ns = clock_now_ns();
	atomic_fetch_add_explicit(&ms->stats->bytes_out, (uint64_t)n, memory_order_relaxed);
	diag_verbose(2, "%s: wrote %zd bytes", c->peer, n);
	return NULL;
}

/* What a wait that returned without IO means.  NULL: go on. */
static const char *pump_interrupted(struct model_server *ms, struct model_conn *c, struct pump *p, int ready)
{
	if (ready < 0 && errno != EINTR)
		return note_error(ms, strerror(errno));
	if (sig_stop_requested() || server_expired(&ms->srv))
		return "the server is stopping";
	if (ms->model == MODEL_ITERATIVE && sig_report_requested())
		model_print_counters(ms);
	if (ready == 0 && ms->timeout > 0 && clock_now_ns() >= p->last_ns + clock_seconds_to_ns(ms->timeout)) {
		diag_verbose(1, "%s: idle for %g s (--timeout)", c->peer, ms->timeout);
		return note_error(ms, "idle timeout");
	}
	return NULL;
}

/*
 * The loop of one connection: read when the client sends (unless too much
 * is owed already: backpressure), send what the handler owes, and when the
 * client shuts down its sending side, finish sending and close.  The socket
 * is non-blocking, so a client that never reads only stalls its own loop.
 */
static const char *pump_loop(struct model_server *ms, struct model_conn *c, struct pump *p)
{
	for (;;) {
		size_t owed = buf_readable(&p->out);
		struct pollfd pfd[2] = { { c->fd, 0, 0 }, { ms->stop_fd, POLLIN, 0 } };
		const char *why = NULL;
		int ready;

		if (p->peer_eof && owed == 0)
			return "done";
		if (!p->peer_eof && owed < OUT_HIGH)
			pfd[0].events |= POLLIN;
		if (owed > 0)
			pfd[0].events |= POLLOUT;
		ready = wait_conn(ms, c, pfd, pump_timeout_ms(ms, p));
		if (pfd[1].revents && ready > 0)
			return "the server is stopping";
		if (ready <= 0) {
			if ((why = pump_interrupted(ms, c, p, ready)) != NULL)
				return why;
			continue;
		}
		if ((pfd[0].events & POLLIN) && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
			why = pump_read(ms, c, p);
		/* send at once what the read made owed: the socket is usually writable */
		if (!why && buf_readable(&p->out) > 0)
			why = pump_write(ms, c, p);
		if (why)
			return why;
	}
}

/* --sink: a connection that ended cleanly gives its file its name; any
 * other end (a reset, a timeout, a stop) leaves no file. */
static const char *finish_sink(struct model_server *ms, struct pump *p, const char *why)
{
	if (ms->sink.kind == SINK_NONE)
		return why;
	if (strcmp(why, "done") == 0 && sink_commit(&p->sink) < 0) {
		diag_errno("%s %s", p->sink.a.failed ? p->sink.a.failed : "commit", p->sink.path);
		why = note_error(ms, "the sink failed");
	}
	sink_abort(&p->sink);
	return why;
}

void model_serve_conn(struct model_server *ms, struct model_conn *c)
{
	struct pump p;
	const char *why;

	memset(&p, 0, sizeof p);
	handler_init(&p.handler, ms->kind, ms->reply);
	p.handler.max_frame = ms->max_frame;
	p.last_ns = clock_now_ns();
	p.in = malloc(CHUNK_SIZE);
	p.sink.fd = -1;
	if (!p.in)
		why = note_error(ms, "out of memory");
	else if (sock_set_nonblock(c->fd, 1) < 0)
		why = note_error(ms, strerror(errno));
	else if (ms->sink.kind != SINK_NONE && sink_open(&ms->sink, c->id, &p.sink) < 0)
		why = (diag_errno("%s %s", p.sink.a.failed ? p.sink.a.failed : "open", p.sink.path),
		       note_error(ms, "the sink failed"));
	else
		why = pump_loop(ms, c, &p);
	why = finish_sink(ms, &p, why);
	diag_verbose(1, "close %s: %s; %llu bytes in, %llu bytes out", c->peer, why,
	             (unsigned long long)p.bytes_in, (unsigned long long)p.bytes_out);
	close(c->fd);
	c->fd = -1;
	atomic_fetch_add(&ms->stats->closed, 1);
	handler_free(&p.handler);
	buf_free(&p.out);
	free(p.in);
}

/* ---- the models ---------------------------------------------------------- */

struct model_conn *model_take_slot(struct model_server *ms)
{
	for (unsigned i = 0; i < ms->max_clients; i++) {
		if (!ms->slots[i].in_use) {
			struct model_conn *c = &ms->slots[i];
			memset(c, 0, sizeof *c);
			c->ms = ms;
			c->in_use = 1;
			c->fd = -1;
			ms->active++;
			return c;
		}
	}
	return NULL; /* not reached: the loop only accepts below max_clients */
}

void model_free_slot(struct model_server *ms, struct model_conn *c)
{
	c->in_use = 0;
	ms->active--;
}

void model_drop(struct model_server *ms, struct model_conn *c)
{
	close(c->fd);
	c->fd = -1;
	note_error(ms, NULL);
	atomic_fetch_add(&ms->stats->closed, 1);
	model_free_slot(ms, c);
}

/* fork: the child serves and exits; the parent closes its copy of the
 * socket at once (else the connection would outlive the child). */
static void start_child(struct model_server *ms, struct model_conn *c)
{
	pid_t pid = fork();

	if (pid < 0) {
		diag_errno("fork for %s", c->peer);
		model_drop(ms, c);
		return;
	}
	if (pid == 0) {
		close(ms->srv.listen_fd);
		model_serve_conn(ms, c);
		_exit(EXIT_OK); /* not exit(): the parent's atexit work is not the child's */
	}
	c->pid = pid;
	close(c->fd);
	c->fd = -1;
	diag_verbose(1, "fork: child %ld serves %s", (long)pid, c->peer);
}

static void *thread_main(void *arg)
{
	struct model_conn *c = arg;
	uint64_t one = 1;

	model_serve_conn(c->ms, c);
	atomic_store(&c->done, 1);
	/* wake the main loop: this slot can be joined */
	if (write(c->ms->notify_fd, &one, sizeof one) < 0)
		diag_verbose(1, "notify: %s", strerror(errno));
	return NULL;
}

static void start_thread(struct model_server *ms, struct model_conn *c)
{
	pthread_attr_t attr;
	int rc;

	diag_verbose(1, "thread: starting one for %s", c->peer);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, THREAD_STACK);
	rc = pthread_create(&c->thread, &attr, thread_main, c);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		diag_errnum(rc, "start a thread for %s", c->peer);
		model_drop(ms, c);
	}
}

void model_describe_status(int status, char *out, size_t size)
{
	if (WIFEXITED(status))
		snprintf(out, size, "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(out, size, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(out, size, "status %d", status);
}

/* Collects every child that has ended, so none stays a zombie. */
static void reap_children(struct model_server *ms, int block)
{
	int status;
	pid_t pid;
	char how[48];

	while (ms->active > 0 && (pid = waitpid(-1, &status, block ? 0 : WNOHANG)) > 0) {
		model_describe_status(status, how, sizeof how);
		for (unsigned i = 0; i < ms->max_clients; i++) {
			struct model_conn *c = &ms->slots[i];
			if (c->in_use && c->pid == pid) {
				diag_verbose(1, "reap child %ld of %s: %s", (long)pid, c->peer, how);
				model_free_slot(ms, c);
				break;
			}
		}
	}
}

static void join_threads(struct model_server *ms)
{
	uint64_t count;

	if (read(ms->notify_fd, &count, sizeof count) < 0 && errno != EAGAIN)
		diag_verbose(1, "notify: %s", strerror(errno));
	for (unsigned i = 0; i < ms->max_clients; i++) {
		struct model_conn *c = &ms->slots[i];
		if (c->in_use && atomic_load(&c->done)) {
			if (ms->model == MODEL_THREAD) {
				pthread_join(c->thread, NULL);
				diag_verbose(2, "join the thread of %s", c->peer);
			}
			model_free_slot(ms, c);
		}
	}
}

static void collect_workers(struct model_server *ms)
{
	if (ms->model == MODEL_FORK)
		reap_children(ms, 0);
	else if (ms->model == MODEL_THREAD || ms->model == MODEL_POOL)
		join_threads(ms);
}

int model_accept(struct model_server *ms, int listen_fd, struct model_conn *c, int worker)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	int fd = sock_accept(listen_fd, (struct sockaddr *)&ss, &len, 0);

	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR)
			diag_errno("accept on %s", ms->srv.bound);
		return -1;
	}
	c->fd = fd;
	c->id = atomic_fetch_add(&ms->stats->accepted, 1) + 1;
	addr_format((struct sockaddr *)&ss, len, c->peer, sizeof c->peer);
	if (ss.ss_family == AF_UNIX)
		snprintf(c->peer, sizeof c->peer, "unix client %llu", (unsigned long long)c->id);
	set_nodelay(fd);
	if (worker < 0) {
		diag_verbose(1, "accept %s (connection %llu)", c->peer, (unsigned long long)c->id);
	} else {
		atomic_fetch_add(&ms->stats->worker_accepts[worker], 1);
		diag_verbose(1, "accept %s (connection %llu) in worker %d (pid %ld)", c->peer,
		             (unsigned long long)c->id, worker + 1, (long)getpid());
	}
	return 0;
}

/* Accepts one client and hands it to the model.  -1 with errno when
 * accept(2) failed for a reason that will not go away by itself at once
 * (out of descriptors or memory). */
static int accept_one(struct model_server *ms)
{
	struct model_conn *c = model_take_slot(ms);

	if (model_accept(ms, ms->srv.listen_fd, c, -1) < 0) {
		int err = errno;
		c->in_use = 0;
		ms->active--;
		errno = err;
		return err == EAGAIN || err == EINTR ? 0 : -1;
	}
	switch (ms->model) {
	case MODEL_ITERATIVE:
		diag_verbose(1, "iterative: serving %s in the main process; the next client waits in the backlog",
		             c->peer);
		model_serve_conn(ms, c);
		model_free_slot(ms, c);
		break;
	case MODEL_FORK:
		start_child(ms, c);
		break;
	case MODEL_POOL:
		pool_hand_off(ms, c);
		break;
	default:
		start_thread(ms, c);
		break;
	}
	return 0;
}

/* Waits for a client (when accepting), a finished worker, a signal or the
 * --duration deadline.  1 when the listening socket is readable. */
static int wait_main(struct model_server *ms, int accepting, int cap_ms)
{
	struct pollfd pfd[2] = { { ms->srv.listen_fd, POLLIN, 0 }, { ms->notify_fd, POLLIN, 0 } };
	int timeout_ms = server_wait_ms(&ms->srv, cap_ms);
	struct timespec ts = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L };
	int n;

	if (!accepting)
		pfd[0].fd = -1; /* ignored by ppoll: the queue waits in the kernel */
	n = ppoll(pfd, 2, timeout_ms < 0 ? NULL : &ts, &ms->open_mask);
	if (n < 0 && errno != EINTR)
		return diag_errno("ppoll"), -1;
	return n > 0 && (pfd[0].revents & POLLIN);
}

int model_wait(struct model_server *ms, struct pollfd *pfd, int n, int cap_ms)
{
	int timeout_ms = server_wait_ms(&ms->srv, cap_ms);
	struct timespec ts = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L };

	return ppoll(pfd, (nfds_t)n, timeout_ms < 0 ? NULL : &ts, &ms->open_mask);
}

/* Connections being served: the worker processes keep no slot in the
 * parent, so there it is what was accepted less what was closed. */
static unsigned long long active_now(struct model_server *ms)
{
	if (ms->model == MODEL_PREFORK || ms->model == MODEL_REUSEPORT)
		return atomic_load(&ms->stats->accepted) - atomic_load(&ms->stats->closed);
	return ms->active;
}

/* "accepts per worker: 12 0 3 9 (busiest 12, idlest 0)": how evenly the
 * workers shared the clients. */
static void print_worker_accepts(struct model_server *ms)
{
	char text[MODEL_WORKERS_MAX * 12];
	size_t used = 0;
	uint64_t busiest = 0, idlest = UINT64_MAX;

	text[0] = '\0';
	for (unsigned i = 0; i < ms->workers && used < sizeof text - 24; i++) {
		uint64_t n = atomic_load(&ms->stats->worker_accepts[i]);
		used += (size_t)snprintf(text + used, sizeof text - used, "%s%llu", i ? " " : "",
		                         (unsigned long long)n);
		busiest = n > busiest ? n : busiest;
		idlest = n < idlest ? n : idlest;
	}
	diag_info("accepts per worker: %s (busiest %llu, idlest %llu)", text, (unsigned long long)busiest,
	          (unsigned long long)idlest);
}

void model_print_counters(struct model_server *ms)
{
	diag_info(
	    "counters: %llu accepted, %llu active, %llu closed, %llu bytes in, %llu bytes out, %llu errors",
	    (unsigned long long)atomic_load(&ms->stats->accepted), active_now(ms),
	    (unsigned long long)atomic_load(&ms->stats->closed),
	    (unsigned long long)atomic_load(&ms->stats->bytes_in),
	    (unsigned long long)atomic_load(&ms->stats->bytes_out),
	    (unsigned long long)atomic_load(&ms->stats->errors));
	if (model_has_workers(ms->model))
		print_worker_accepts(ms);
}

/* At a stop: tells every worker through the stop eventfd, waits for them
 * (bounded), and kills the children that do not end in time. */
static void stop_workers(struct model_server *ms)
{
	uint64_t one = 1, give_up = clock_now_ns() + STOP_GRACE_MS * 1000000ull;

	if (ms->active == 0)
		return;
	diag_verbose(1, "stopping: closing %u connection%s", ms->active, ms->active == 1 ? "" : "s");
	if (write(ms->stop_fd, &one, sizeof one) < 0)
		diag_errno("write stop event");
	while (ms->active > 0) {
		collect_workers(ms);
		if (ms->active == 0)
			break;
		if (clock_now_ns() >= give_up) {
			if (ms->model != MODEL_FORK) {
				diag_error("stop: %u threads did not end in time", ms->active);
				return;
			}
			for (unsigned i = 0; i < ms->max_clients; i++)
				if (ms->slots[i].in_use)
					kill(ms->slots[i].pid, SIGKILL);
			reap_children(ms, 1);
			return;
		}
		wait_main(ms, 0, 100);
	}
}

/* The accept loop of the per-connection models and the pool: accept while
 * below --max-clients (the pool: while its queue has room). */
int model_serve_forever(struct model_server *ms)
{
	int said_full = 0;

	for (;;) {
		int accepting = 1, ready;
		uint64_t accepted = atomic_load(&ms->stats->accepted);

		collect_workers(ms);
		if (sig_report_requested())
			model_print_counters(ms);
		if (sig_stop_requested() || server_expired(&ms->srv))
			break;
		if (ms->config.max_conns && accepted >= ms->config.max_conns) {
			if (ms->active == 0)
				break;
			accepting = 0;
		} else if (ms->active >= ms->max_clients) {
			if (!said_full && ms->model == MODEL_POOL)
				diag_verbose(1,
				             "pool: %u thread%s busy, %u connection%s queued (--queue): the "
				             "acceptor stops, new clients wait in the backlog",
				             ms->workers, ms->workers == 1 ? "" : "s", ms->queue,
				             ms->queue == 1 ? "" : "s");
			else if (!said_full)
				diag_verbose(
				    1, "%u client%s being served (--max-clients): new ones wait in the backlog",
				    ms->active, ms->active == 1 ? "" : "s");
			said_full = 1;
			accepting = 0;
		} else {
			said_full = 0;
		}
		ready = wait_main(ms, accepting, -1);
		if (ready < 0)
			return EXIT_FAIL;
		/* the queue stays readable when accept fails for want of
		 * descriptors: pause until a worker ends instead of spinning */
		if (ready > 0 && accept_one(ms) < 0)
			wait_main(ms, 0, 100);
	}
	stop_workers(ms);
	if (ms->model == MODEL_POOL)
		pool_stop(ms);
	return EXIT_OK;
}

static void on_child(int sig)
{
	(void)sig; /* its only job is to interrupt ppoll; waitpid does the rest */
}

/*
 * Signals: the handlers only set flags, and the main loop keeps SIGINT,
 * SIGTERM, SIGHUP, SIGUSR1 and SIGCHLD blocked except inside ppoll(2), which
 * unblocks them atomically while it sleeps.  A child that ends between a
 * waitpid() and the sleep leaves SIGCHLD pending, and ppoll returns at
 * once: the race of the classic pause()-based loop cannot happen.
 */
static int setup_signals(struct model_server *ms)
{
	struct sigaction sa;
	sigset_t block;

	if (sig_catch_stop() < 0 || sig_catch_report() < 0)
		return diag_errno("install signal handlers");
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_child;
	sa.sa_flags = SA_NOCLDSTOP;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGCHLD);
	if (sigaction(SIGCHLD, &sa, NULL) < 0 || sigprocmask(SIG_BLOCK, &block, &ms->open_mask) < 0)
		return diag_errno("install signal handlers");
	sigdelset(&ms->open_mask, SIGINT);
	sigdelset(&ms->open_mask, SIGTERM);
	sigdelset(&ms->open_mask, SIGHUP);
	sigdelset(&ms->open_mask, SIGUSR1);
	sigdelset(&ms->open_mask, SIGCHLD);
	return EXIT_OK;
}

static int server_setup(struct model_server *ms)
{
	int rc;

	ms->stats = mmap(NULL, sizeof *ms->stats, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ms->stats == MAP_FAILED) {
		ms->stats = NULL;
		return diag_errno("map the shared counters");
	}
	if (ms->model == MODEL_POOL)
		ms->max_clients = ms->workers + ms->queue; /* being served, and waiting in the queue */
	ms->slots = calloc(ms->max_clients, sizeof *ms->slots);
	ms->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ms->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!ms->slots || ms->stop_fd < 0 || ms->notify_fd < 0)
		return diag_errno("set up the server");
	if ((rc = setup_signals(ms)) != EXIT_OK)
		return rc;
	if (ms->model == MODEL_REUSEPORT) {
		ms->config.setup = prefork_reuseport_setup;
		ms->config.setup_ctx = ms;
	}
	if (sink_check(&ms->sink) < 0)
		return diag_errno("sink %s", ms->sink.target);
	if ((rc = server_open(&ms->srv, &ms->config, SOCK_STREAM, SOCK_NONBLOCK)) != EXIT_OK)
		return rc;
	ms->start_ns = clock_now_ns();
	if (model_has_workers(ms->model))
		diag_verbose(1, "model %s, %u worker%s, handler %s", model_names[ms->model], ms->workers,
		             ms->workers == 1 ? "" : "s", handler_kind_name(ms->kind));
	else
		diag_verbose(1, "model %s, at most %u client%s at once, handler %s", model_names[ms->model],
		             ms->max_clients, ms->max_clients == 1 ? "" : "s", handler_kind_name(ms->kind));
	return EXIT_OK;
}

static void server_teardown(struct model_server *ms)
{
	if (ms->srv.config)
		server_close(&ms->srv);
	if (ms->stop_fd >= 0)
		close(ms->stop_fd);
	if (ms->notify_fd >= 0)
		close(ms->notify_fd);
	free(ms->slots);
	if (ms->stats)
		munmap(ms->stats, sizeof *ms->stats);
}

int model_run(struct model_server *ms)
{
	int rc = server_setup(ms);

	if (rc == EXIT_OK) {
		if (ms->model == MODEL_PREFORK || ms->model == MODEL_REUSEPORT)
			rc = prefork_run(ms);
		else if (ms->model == MODEL_COROUTINE)
			rc = coro_run(ms);
		else if (ms->model != MODEL_POOL || (rc = pool_start(ms)) == EXIT_OK)
			rc = model_serve_forever(ms);
		if (model_has_workers(ms->model))
			print_worker_accepts(ms);
		unsigned long long conns = atomic_load(&ms->stats->accepted);
		unsigned long long bytes_in = atomic_load(&ms->stats->bytes_in);
		unsigned long long bytes_out = atomic_load(&ms->stats->bytes_out);
		unsigned long long errors = atomic_load(&ms->stats->errors);
		diag_info("summary: %llu connection%s, %llu byte%s in, %llu byte%s out, %llu error%s, %.3f s",
		          conns, conns == 1 ? "" : "s", bytes_in, bytes_in == 1 ? "" : "s", bytes_out,
		          bytes_out == 1 ? "" : "s", errors, errors == 1 ? "" : "s",
		          (double)(clock_now_ns() - ms->start_ns) / 1e9);
	}
	server_teardown(ms);
	return rc;
}
