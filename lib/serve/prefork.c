/*
 * prefork.c - tcp-echo's process pools: prefork (N processes calling
 * accept(2) on one shared listening socket, Apache's prefork, the course's
 * process pool) and reuseport (N processes, each with a listening socket of
 * its own bound to the same port with SO_REUSEPORT).
 *
 * The parent forks the workers before the first client and then only
 * supervises: it reaps a worker that ended and forks its replacement (a
 * crash, a SIGKILL, or --max-requests reached), prints the counters on
 * SIGUSR1, and at a stop tells every worker through the stop eventfd.
 * Each worker serves one connection at a time, so N workers serve N
 * clients at once and the others wait in the kernel's accept queue.
 *
 * Who gets a connection: with prefork every idle worker sleeps on the same
 * socket.  Were they sleeping in poll(2), the kernel would wake them all
 * for each connection, one would win accept(2) and the others get EAGAIN:
 * the thundering herd.  They sleep in epoll with EPOLLEXCLUSIVE instead,
 * and the kernel wakes one (-vv shows the rare extra wake-up); the first
 * sleeper is woken first, so on an idle machine one worker takes most
 * connections while the others sleep.
 * With reuseport each socket has its own queue and the kernel picks the
 * socket by a hash of the connection's addresses and ports: an even
 * spread, but a connection queued on a busy worker's socket waits for that
 * worker even when others are idle.  The parent keeps every reuseport
 * socket open, so a replaced worker inherits its predecessor's queue and
 * no queued connection is lost.
 */
#include "serve/model.h"

#include "base/clock.h"
#include "cli/diag.h"
#include "sig/sig.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define STOP_GRACE_MS 5000 /* workers get this long to close at a stop */
#define RETRY_MS 100       /* a fork that failed is tried again after this */

struct prefork {
	pid_t pids[MODEL_WORKERS_MAX];     /* 0: not running */
	int listen_fds[MODEL_WORKERS_MAX]; /* reuseport: each worker's socket */
	uint64_t replaced;                 /* workers forked again */
};

static struct prefork *prefork_of(struct model_server *ms)
{
	if (!ms->engine) {
		struct prefork *pf = calloc(1, sizeof *pf);
		if (!pf)
			return NULL;
		for (unsigned i = 0; i < MODEL_WORKERS_MAX; i++)
			pf->listen_fds[i] = -1;
		ms->engine = pf;
	}
	return ms->engine;
}

/* One more listening socket on the address fd is bound to, in the same
 * SO_REUSEPORT group.  The descriptor, or -1 with errno. */
static int open_sibling(int fd, int backlog)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	int one = 1, saved, sib;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	sib = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (sib < 0)
		return -1;
	if (setsockopt(sib, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    setsockopt(sib, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0 ||
	    (ss.ss_family == AF_INET6 && setsockopt(sib, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0) ||
	    bind(sib, (struct sockaddr *)&ss, len) < 0 || listen(sib, backlog) < 0) {
		saved = errno;
		close(sib);
		errno = saved;
		return -1;
	}
	return sib;
}

/*
 * Runs inside server_open, before "listening on" and the port file: every
 * worker's socket is in the group before a client can know the port.
 * SO_REUSEPORT is set on the first socket after its bind, which Linux
 * accepts; the others are bound with it set.
 */
int prefork_reuseport_setup(int fd, void *ctx)
{
	struct model_server *ms = ctx;
	struct prefork *pf = prefork_of(ms);
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	int one = 1;

	if (!pf)
		return diag_errno("set up the workers");
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		ss.ss_family = AF_UNSPEC; /* then the setsockopt below says why */
	if (ss.ss_family == AF_UNIX || setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) {
		int rc = ss.ss_family == AF_UNIX
		             ? diag_error(
		                   "--model reuseport needs a TCP address: a unix socket has no SO_REUSEPORT")
		             : diag_errno("setsockopt SO_REUSEPORT");
		free(pf);
		ms->engine = NULL;
		return rc;
	}
	pf->listen_fds[0] = fd;
	for (unsigned i = 1; i < ms->workers; i++) {
		pf->listen_fds[i] = open_sibling(fd, ms->config.backlog);
		if (pf->listen_fds[i] < 0) {
			int rc = diag_errno("listen socket %u of %u (SO_REUSEPORT)", i + 1, ms->workers);
			while (--i > 0)
				close(pf->listen_fds[i]);
			free(pf);
			ms->engine = NULL;
			return rc;
		}
	}
	diag_verbose(1,
	             "reuseport: %u listening sockets on one port; the kernel picks one for each "
	             "connection by a hash of its addresses and ports",
	             ms->workers);
	return EXIT_OK;
}

/* --max-conns: a worker that finds a client waiting reserves the right to
 * accept it, so N workers cannot accept more than the limit between them.
 * The reservation is taken after the wake-up, not before the sleep: with
 * reuseport a client waits on one worker's socket only, and a worker that
 * had to hold a ticket to listen could leave it stranded there.  1 when
 * it may accept. */
static int take_ticket(struct model_server *ms)
{
	uint64_t n = atomic_load(&ms->stats->tickets);

	if (!ms->config.max_conns)
		return 1;
	while (n < ms->config.max_conns)
		if (atomic_compare_exchange_weak(&ms->stats->tickets, &n, n + 1))
			return 1;
	return 0;
}

static void return_ticket(struct model_server *ms, int had)
{
	if (had && ms->config.max_conns)
		atomic_fetch_sub(&ms->stats->tickets, 1);
}

/* What a worker waits on: its own epoll set (made after the fork: an
 * epoll instance inherited from the parent would be shared by all). */
struct worker_wait {
	int epoll_fd;
	int listen_fd;
	int listening; /* listen_fd is in the set */
};

/*
 * Waits for a client or the stop.  The listening socket is in the set with
 * EPOLLEXCLUSIVE, so for each new connection the kernel wakes one idle
 * worker, as a blocking accept(2) would, not every worker sleeping on the
 * socket (the thundering herd poll(2) on a shared socket causes); and since
 * the first sleeper registered is the first woken, an idle machine gives
 * most connections to one worker.  epoll_pwait(2) lets the signals in only
 * while it sleeps.  1: a client waits, 0: nothing (a signal, --duration),
 * 2: the stop, -1: an error (errno).
 */
static int wait_for_client(struct model_server *ms, struct worker_wait *w, int want_listen)
{
	struct epoll_event events[2], ev = { EPOLLIN | EPOLLEXCLUSIVE, { .u32 = 0 } };
	int n, result = 0;

	if (want_listen != w->listening) {
		/* EPOLLEXCLUSIVE cannot be modified: out and back in instead */
		if (epoll_ctl(w->epoll_fd, want_listen ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, w->listen_fd, &ev) < 0)
			return -1;
		w->listening = want_listen;
	}
	n = epoll_pwait(w->epoll_fd, events, 2, server_wait_ms(&ms->srv, -1), &ms->open_mask);
	if (n < 0)
		return errno == EINTR ? 0 : -1;
	for (int i = 0; i < n; i++)
		result = events[i].data.u32 == 1 ? 2 : result == 2 ? 2 : 1;
	return result;
}

/* A worker's life: wait for a client or the stop, accept, serve, again. */
static void worker_main(struct model_server *ms, struct prefork *pf, unsigned index)
{
	struct worker_wait w = { epoll_create1(EPOLL_CLOEXEC), -1, 0 };
	struct epoll_event stop_ev = { EPOLLIN, { .u32 = 1 } };
	uint64_t served = 0, one = 1;
	struct model_conn c;

	w.listen_fd = ms->model == MODEL_REUSEPORT ? pf->listen_fds[index] : ms->srv.listen_fd;
	for (unsigned i = 0; ms->model == MODEL_REUSEPORT && i < ms->workers; i++)
		if (i != index)
			close(pf->listen_fds[i]); /* only its own queue: the others are its siblings' */
	if (w.epoll_fd < 0 || epoll_ctl(w.epoll_fd, EPOLL_CTL_ADD, ms->stop_fd, &stop_ev) < 0) {
		diag_errno("worker %u: epoll", index + 1);
		_exit(EXIT_FAIL);
	}
	for (;;) {
		int ticket, ready;

		if (sig_stop_requested() || server_expired(&ms->srv))
			break;
		if (ms->max_requests && served >= ms->max_requests) {
			diag_verbose(
			    1, "worker %u (pid %ld): %llu connections served (--max-requests): exiting, to be replaced",
			    index + 1, (long)getpid(), (unsigned long long)served);
			break;
		}
		/* --max-conns reached: wait for the stop only */
		ready = wait_for_client(
		    ms, &w, !ms->config.max_conns || atomic_load(&ms->stats->tickets) < ms->config.max_conns);
		ticket = ready == 1 && take_ticket(ms);
		if (!ticket) {
			if (ready < 0)
				diag_errno("worker %u: epoll", index + 1);
			if (ready < 0 || ready == 2)
				break;
			continue;
		}
		memset(&c, 0, sizeof c);
		c.ms = ms;
		c.in_use = 1;
		if (model_accept(ms, w.listen_fd, &c, (int)index) < 0) {
			struct pollfd stop = { ms->stop_fd, POLLIN, 0 };
			return_ticket(ms, ticket);
			if (errno == EAGAIN)
				diag_verbose(
				    2, "worker %u (pid %ld): woken, but another worker took the connection (EAGAIN)",
				    index + 1, (long)getpid());
			else if (errno != EINTR)
				model_wait(ms, &stop, 1, RETRY_MS); /* out of descriptors: pause, do not spin */
			continue;
		}
		atomic_store(&ms->stats->worker_busy[index], 1);
		model_serve_conn(ms, &c);
		atomic_store(&ms->stats->worker_busy[index], 0);
		served++;
		if (write(ms->notify_fd, &one, sizeof one) < 0)
			diag_verbose(1, "notify: %s", strerror(errno));
	}
	_exit(EXIT_OK); /* not exit(): the parent's atexit work is not the worker's */
}

/* Forks worker index.  0, or -1 after a diagnostic (tried again later). */
static int spawn_worker(struct model_server *ms, struct prefork *pf, unsigned index)
{
	pid_t pid = fork();

	if (pid < 0) {
		pf->pids[index] = 0;
		return diag_errno("fork worker %u", index + 1), -1;
	}
	if (pid == 0)
		worker_main(ms, pf, index);
	pf->pids[index] = pid;
	atomic_store(&ms->stats->worker_ids[index], (long)pid);
	diag_verbose(1, "%s: worker %u is pid %ld, waiting in accept on %s",
	             ms->model == MODEL_PREFORK ? "prefork" : "reuseport", index + 1, (long)pid,
	             ms->model == MODEL_PREFORK ? "the shared socket" : "its own socket");
	return 0;
}

/* Reaps every worker that ended; outside a stop, forks its replacement. */
static void reap_workers(struct model_server *ms, struct prefork *pf, int stopping, int block)
{
	int status;
	pid_t pid;
	char how[48];

	while ((pid = waitpid(-1, &status, block ? 0 : WNOHANG)) > 0) {
		unsigned i;
		for (i = 0; i < ms->workers && pf->pids[i] != pid; i++)
			;
		if (i == ms->workers)
			continue;
		pf->pids[i] = 0;
		model_describe_status(status, how, sizeof how);
		if (atomic_exchange(&ms->stats->worker_busy[i], 0)) {
			/* it died inside a connection: the kernel closed the socket */
			atomic_fetch_add(&ms->stats->closed, 1);
			atomic_fetch_add(&ms->stats->errors, 1);
		}
		if (stopping) {
			diag_verbose(1, "worker %u (pid %ld) ended: %s", i + 1, (long)pid, how);
			continue;
		}
		diag_verbose(
		    1, "worker %u (pid %ld) %s: %s, forking a replacement", i + 1, (long)pid,
		    WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "recycled (--max-requests)" : "died", how);
		pf->replaced++;
		spawn_worker(ms, pf, i);
	}
}

static unsigned workers_alive(struct model_server *ms, struct prefork *pf)
{
	unsigned n = 0;

	for (unsigned i = 0; i < ms->workers; i++)
		n += pf->pids[i] != 0;
	return n;
}

/* At a stop: every worker told, waited for (bounded), the late ones killed. */
static void stop_workers(struct model_server *ms, struct prefork *pf)
{
	uint64_t one = 1, give_up = clock_now_ns() + STOP_GRACE_MS * 1000000ull;

	diag_verbose(1, "stopping: telling %u worker%s", workers_alive(ms, pf),
	             workers_alive(ms, pf) == 1 ? "" : "s");
	if (write(ms->stop_fd, &one, sizeof one) < 0)
		diag_errno("write stop event");
	while (workers_alive(ms, pf) > 0) {
		struct pollfd none = { -1, 0, 0 };
		reap_workers(ms, pf, 1, 0);
		if (workers_alive(ms, pf) == 0)
			break;
		if (clock_now_ns() >= give_up) {
			for (unsigned i = 0; i < ms->workers; i++)
				if (pf->pids[i])
					kill(pf->pids[i], SIGKILL);
			reap_workers(ms, pf, 1, 1);
			break;
		}
		model_wait(ms, &none, 1, 100);
	}
}

int prefork_run(struct model_server *ms)
{
	struct prefork *pf = prefork_of(ms);
	int rc = EXIT_OK, retry = 0;
	uint64_t count;

	if (!pf)
		return diag_errno("set up the workers");
	for (unsigned i = 0; i < ms->workers; i++)
		retry |= spawn_worker(ms, pf, i) < 0;
	for (;;) {
		struct pollfd pfd = { ms->notify_fd, POLLIN, 0 };
		int n;

		reap_workers(ms, pf, 0, 0);
		for (unsigned i = 0; retry && i < ms->workers; i++)
			if (!pf->pids[i] && spawn_worker(ms, pf, i) < 0)
				break;
		retry = workers_alive(ms, pf) < ms->workers;
		if (sig_report_requested())
			model_print_counters(ms);
		if (sig_stop_requested() || server_expired(&ms->srv))
			break;
		if (ms->config.max_conns && atomic_load(&ms->stats->closed) >= ms->config.max_conns)
			break;
		n = model_wait(ms, &pfd, 1, retry ? RETRY_MS : -1);
		if (n < 0 && errno != EINTR) {
			rc = diag_errno("ppoll");
			break;
		}
		if (n > 0 && read(ms->notify_fd, &count, sizeof count) < 0 && errno != EAGAIN)
			diag_verbose(1, "notify: %s", strerror(errno));
	}
	stop_workers(ms, pf);
	if (pf->replaced)
		diag_verbose(1, "%llu worker%s replaced in all", (unsigned long long)pf->replaced,
		             pf->replaced == 1 ? "" : "s");
	for (unsigned i = 1; i < MODEL_WORKERS_MAX; i++)
		if (pf->listen_fds[i] >= 0)
			close(pf->listen_fds[i]); /* [0] is the server's own, closed with it */
	free(pf);
	ms->engine = NULL;
	return rc;
}
