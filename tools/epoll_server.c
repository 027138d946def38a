/*
 * epoll-server - a single-threaded TCP server built on epoll(7).
 *
 * Concept: IO multiplexing with a kernel-held interest list.  The set of
 * descriptors to watch lives in the kernel (epoll_ctl adds, changes and
 * removes entries); epoll_wait returns only the ready ones, so a wait
 * costs in proportion to what is ready, not to what is watched.  Level-
 * triggered by default (a socket with unread bytes is reported on every
 * wait); --edge registers EPOLLET (reported once per change, so every
 * read and write goes on until EAGAIN).
 *
 * Compare with tools/select_server.c and tools/poll_server.c: the same
 * functions in the same order; only the interest set, the wait call and
 * the walk over its result differ.
 *
 * References: epoll(7), epoll_create(2), epoll_ctl(2), epoll_wait(2).
 */
#include "tools.h"
#include "cli/diag.h"
#include "serve/mux.h"
#include "cli/opt.h"
#include "serve/server.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

enum { OPT_EDGE = OPT_LONG_ONLY };

/* clang-format off */
static const struct opt_spec options[] = {
	{ OPT_EDGE, "edge", NULL, "edge-triggered: read and write until EAGAIN" },
	{ 'v', "verbose", NULL, "narrate each wait call (-vv: each event)" },
	{ 0, NULL, NULL, NULL },
};

const struct opt_tool epoll_server_tool = {
	.name = "epoll-server",
	.usage = "[OPTIONS]",
	.summary = "single-threaded TCP server on epoll: echo, upper, discard, reply or http",
	.specs = options,
	.shared = mux_blocks,
};
/* clang-format on */

/* Events returned per epoll_wait; more ready ones wait for the next call. */
#define MAX_EVENTS 1024

struct epoll_server {
	struct mux_config config;
	struct mux mux;
	int edge;                              /* --edge: EPOLLET on every descriptor */
	int epoll_fd;                          /* the kernel's interest list */
	struct epoll_event events[MAX_EVENTS]; /* what one epoll_wait reported */
};

/* OPT_GO_ON when the server should run, else the status to exit with now. */
static int parse_args(struct epoll_server *s, int argc, char **argv)
{
	struct opt_state st;
	int key, verbosity = 0;

	mux_config_init(&s->config);
	opt_init(&st, &epoll_server_tool, argc, argv);
	while ((key = opt_next(&st)) != OPT_END) {
		if (key == OPT_EXIT)
			return st.status;
		if (key == 'v') {
			diag_set_verbosity(++verbosity);
			continue;
		}
		if (key == OPT_EDGE) {
			s->edge = 1;
			continue;
		}
		if (mux_parse_option(&s->config, &epoll_server_tool, key, st.arg) < 0) {
			opt_done(&st);
			return EXIT_USAGE;
		}
	}
	if (st.index < argc)
		return diag_usage("unexpected argument '%s'", argv[st.index]);
	return mux_check_config(&s->config) == EXIT_OK ? OPT_GO_ON : EXIT_USAGE;
}

/* Creates the interest list and puts the listening socket on it. */
static int setup_call(struct epoll_server *s)
{
	struct epoll_event ev;

	s->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epoll_fd < 0)
		return diag_errno("epoll_create1");
	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLIN | (s->edge ? EPOLLET : 0u);
	ev.data.ptr = NULL; /* NULL marks the listener; clients carry their struct conn */
	if (epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, s->mux.server.listen_fd, &ev) < 0)
		return diag_errno("epoll_ctl add listener");
	diag_verbose(1, "epoll: %s-triggered; the interest list lives in the kernel (epoll fd %d)",
	             s->edge ? "edge" : "level", s->epoll_fd);
	return EXIT_OK;
}

/* Level-triggered: exactly what the connection waits for now.  Edge-
 * triggered: both, once, for good; the loop itself reads and writes until
 * EAGAIN, so a report it does not need costs nothing. */
static unsigned wanted_events(const struct epoll_server *s, const struct conn *c)
{
	if (s->edge)
		return EPOLLIN | EPOLLOUT | EPOLLET;
	return (conn_wants_read(c) ? (unsigned)EPOLLIN : 0u) | (conn_wants_write(c) ? (unsigned)EPOLLOUT : 0u);
}

/* A new client goes on the kernel's list once: one epoll_ctl. */
static int watch_client(struct epoll_server *s, struct conn *c)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof ev);
	ev.events = wanted_events(s, c);
	ev.data.ptr = c;
	if (epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, c->fd, &ev) < 0)
		return -1;
	c->watched = ev.events;
	return 0;
}

/* Tells the kernel when what the client waits for changed (level mode
 * only): a reply now pending adds EPOLLOUT, a drained one removes it. */
static int update_interest(struct epoll_server *s, struct conn *c)
{
	struct epoll_event ev;
	unsigned want = wanted_events(s, c);

	if (want == c->watched)
		return 0;
	memset(&ev, 0, sizeof ev);
	ev.events = want;
	ev.data.ptr = c;
	if (epoll_ctl(s->epoll_fd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		return -1;
	diag_verbose(2, "fd %d: epoll_ctl MOD: now watching%s%s", c->fd, want & EPOLLIN ? " EPOLLIN" : "",
	             want & EPOLLOUT ? " EPOLLOUT" : "");
	c->watched = want;
	return 0;
}

/* Takes every waiting client (until EAGAIN: required in edge mode, where
 * the listener is reported once however many are queued). */
static void accept_clients(struct epoll_server *s)
{
	struct conn *c;
	int rc;

	while ((rc = mux_accept(&s->mux, INT_MAX, &c)) >= 0) {
		if (rc == 1 && watch_client(s, c) < 0) {
			diag_errno("epoll_ctl add fd %d", c->fd);
			mux_drop(&s->mux, c, "epoll_ctl failed");
		}
	}
}

/* Nothing to build: the interest list is in the kernel already, kept up
 * to date by watch_client and update_interest.  Returns its size. */
static size_t build_interest(struct epoll_server *s)
{
	return s->mux.count + (s->mux.server.listen_fd >= 0 ? 1 : 0);
}

/* One epoll_wait: the kernel fills events[] with the ready descriptors only. */
static int wait_ready(struct epoll_server *s, int timeout_ms)
{
	return epoll_wait(s->epoll_fd, s->events, MAX_EVENTS, timeout_ms);
}

/* One ready client.  An error or hang-up is read, so the read reports it. */
static void serve_client(struct epoll_server *s, struct conn *c, unsigned events)
{
	struct mux *m = &s->mux;
	int hangup = (events & (EPOLLERR | EPOLLHUP)) != 0;
	int closed = 0;

	if ((events & EPOLLIN) || hangup) {
		c->read_drained = 0;
		if (conn_wants_read(c) || hangup)
			closed = mux_serve_readable(m, c, s->edge);
	}
	if (!closed && (events & EPOLLOUT) && conn_wants_write(c))
		closed = mux_serve_writable(m, c);
	/* Edge-triggered: a read stopped by backpressure before EAGAIN gets
	 * no new report for the bytes still queued: go back for them now that
	 * the output has drained. */
	while (!closed && s->edge && !c->read_drained && conn_wants_read(c))
		closed = mux_serve_readable(m, c, 1);
	if (!closed && update_interest(s, c) < 0) {
		diag_errno("epoll_ctl mod fd %d", c->fd);
		mux_drop(m, c, "epoll_ctl failed");
	}
}

/* Walks the ready list: only what is ready, however many are watched. */
static void dispatch_ready(struct epoll_server *s, int ready)
{
	for (int i = 0; i < ready; i++) {
		struct epoll_event *ev = &s->events[i];
		if (ev->data.ptr == NULL)
			accept_clients(s);
		else
			serve_client(s, ev->data.ptr, ev->events);
	}
}

static int run_loop(struct epoll_server *s)
{
	struct mux *m = &s->mux;

	while (!mux_done(m)) {
		size_t watched = build_interest(s);
		int ready = wait_ready(s, mux_wait_ms(m));
		if (ready < 0 && errno != EINTR)
			return diag_errno("epoll_wait");
		mux_round_begin(m);
		if (ready > 0)
			dispatch_ready(s, ready);
		mux_expire_idle(m);
		mux_round_end(m, watched, ready);
	}
	return EXIT_OK;
}

static void cleanup_call(struct epoll_server *s)
{
	if (s->epoll_fd >= 0)
		close(s->epoll_fd);
	s->epoll_fd = -1;
}

int epoll_server_main(int argc, char **argv)
{
	struct epoll_server *s = calloc(1, sizeof *s);
	int rc;

	if (!s)
		return diag_errno("allocate server state");
	s->epoll_fd = -1;
	rc = parse_args(s, argc, argv);
	if (rc == OPT_GO_ON) {
		rc = mux_open(&s->mux, &s->config, "epoll_wait");
		if (rc == EXIT_OK)
			rc = setup_call(s);
		if (rc == EXIT_OK)
			rc = run_loop(s);
		mux_finish(&s->mux);
	}
	cleanup_call(s);
	free(s);
	return rc;
}
