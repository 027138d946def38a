/*
 * select-server - a single-threaded TCP server built on select(2).
 *
 * Concept: IO multiplexing with bitmaps.  Every wait hands the kernel two
 * fd_sets (bit N set: watch descriptor N) and the highest descriptor plus
 * one; the kernel checks every descriptor up to that number and clears the
 * bits of those not ready, so the sets are rebuilt before each call.  An
 * fd_set has FD_SETSIZE (1024) bits and setting a bit beyond them writes
 * past the set: a client whose descriptor is at or above FD_SETSIZE is
 * refused, never watched.  Level-triggered, like poll.
 *
 * Compare with tools/poll_server.c and tools/epoll_server.c: the same
 * functions in the same order; only the interest set, the wait call and
 * the walk over its result differ.
 *
 * References: select(2), select_tut(2), socket(7).
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
#include <sys/select.h>
#include <unistd.h>

/* clang-format off */
static const struct opt_spec options[] = {
	{ 'v', "verbose", NULL, "narrate each wait call (-vv: each event)" },
	{ 0, NULL, NULL, NULL },
};

const struct opt_tool select_server_tool = {
	.name = "select-server",
	.usage = "[OPTIONS]",
	.summary = "single-threaded TCP server on select: echo, upper, discard, reply or http",
	.specs = options,
	.shared = mux_blocks,
};
/* clang-format on */

struct select_server {
	struct mux_config config;
	struct mux mux;
	fd_set readable; /* in: watch for reading; out: ready for reading */
	fd_set writable; /* the same for writing */
	int max_fd;      /* the highest descriptor in either set */
};

/* OPT_GO_ON when the server should run, else the status to exit with now. */
static int parse_args(struct select_server *s, int argc, char **argv)
{
	struct opt_state st;
	int key, verbosity = 0;

	mux_config_init(&s->config);
	opt_init(&st, &select_server_tool, argc, argv);
	while ((key = opt_next(&st)) != OPT_END) {
		if (key == OPT_EXIT)
			return st.status;
		if (key == 'v') {
			diag_set_verbosity(++verbosity);
			continue;
		}
		if (mux_parse_option(&s->config, &select_server_tool, key, st.arg) < 0) {
			opt_done(&st);
			return EXIT_USAGE;
		}
	}
	if (st.index < argc)
		return diag_usage("unexpected argument '%s'", argv[st.index]);
	return mux_check_config(&s->config) == EXIT_OK ? OPT_GO_ON : EXIT_USAGE;
}

/* Nothing to create: the sets are rebuilt on the stack of every call.
 * The listener itself must fit in a set. */
static int setup_call(struct select_server *s)
{
	if (s->mux.server.listen_fd >= FD_SETSIZE) {
		errno = EMFILE;
		return diag_error("listen: descriptor %d is at or above FD_SETSIZE (%d)",
		                  s->mux.server.listen_fd, FD_SETSIZE);
	}
	diag_verbose(1, "select: level-triggered; two fd_sets of FD_SETSIZE (%d) bits are rebuilt for every call",
	             FD_SETSIZE);
	return EXIT_OK;
}

/* Puts the client's descriptor in the sets for what it waits for now. */
static void wanted_events(struct select_server *s, const struct conn *c)
{
	if (conn_wants_read(c))
		FD_SET(c->fd, &s->readable);
	if (conn_wants_write(c))
		FD_SET(c->fd, &s->writable);
	if (c->fd > s->max_fd)
		s->max_fd = c->fd;
}

/* Nothing to register: mux_accept already refused any descriptor at or
 * above FD_SETSIZE, so every client fits in the next call's sets. */
static int watch_client(struct select_server *s, struct conn *c)
{
	(void)s;
	(void)c;
	return 0;
}

/* Nothing to tell the kernel: the next call's sets say it all. */
static int update_interest(struct select_server *s, struct conn *c)
{
	(void)s;
	(void)c;
	return 0;
}

/* Takes every waiting client, until EAGAIN; FD_SETSIZE is the limit. */
static void accept_clients(struct select_server *s)
{
	struct conn *c;
	int rc;

	while ((rc = mux_accept(&s->mux, FD_SETSIZE, &c)) >= 0) {
		if (rc == 1 && watch_client(s, c) < 0)
			mux_drop(&s->mux, c, "cannot watch");
	}
}

/* Clears both sets and sets a bit per interest.  O(clients) on every
 * call; the kernel then scans every bit up to max_fd.  Returns how many
 * descriptors are watched. */
static size_t build_interest(struct select_server *s)
{
	struct mux *m = &s->mux;
	size_t n = 0;

	FD_ZERO(&s->readable);
	FD_ZERO(&s->writable);
	s->max_fd = -1;
	if (m->server.listen_fd >= 0) {
		FD_SET(m->server.listen_fd, &s->readable);
		s->max_fd = m->server.listen_fd;
		n++;
	}
	for (size_t i = 0; i < m->count; i++) {
		wanted_events(s, m->conns[i]);
		n++;
	}
	return n;
}

/* One select(): the kernel reads both sets up to max_fd, and overwrites
 * them with the ready descriptors only. */
static int wait_ready(struct select_server *s, int timeout_ms)
{
	struct timeval tv, *timeout = NULL;

	if (timeout_ms >= 0) {
		tv.tv_sec = timeout_ms / 1000;
		tv.tv_usec = (timeout_ms % 1000) * 1000;
		timeout = &tv;
	}
	return select(s->max_fd + 1, &s->readable, &s->writable, NULL, timeout);
}

/* One ready client.  select reports an error as readable (and writable):
 * the read or the send then says what it was. */
static void serve_client(struct select_server *s, struct conn *c, int readable, int writable)
{
	struct mux *m = &s->mux;
	int closed = 0;

	if (readable)
		closed = mux_serve_readable(m, c, 0);
	if (!closed && writable && conn_wants_write(c))
		closed = mux_serve_writable(m, c);
	if (!closed)
		update_interest(s, c);
}

/* Tests every client's bits; select's return value counts the bits set,
 * so the walk can stop once it has found them all.  The listener first:
 * clients accepted now are not in the sets, so their bits read as clear. */
static void dispatch_ready(struct select_server *s, int ready)
{
	struct mux *m = &s->mux;

	if (m->server.listen_fd >= 0 && FD_ISSET(m->server.listen_fd, &s->readable)) {
		ready--;
		accept_clients(s);
	}
	/* from the end: a closed client's slot takes the last one, already seen */
	for (size_t i = m->count; i-- > 0 && ready > 0;) {
		struct conn *c = m->conns[i];
		int readable = FD_ISSET(c->fd, &s->readable) != 0;
		int writable = FD_ISSET(c->fd, &s->writable) != 0;
		if (!readable && !writable)
			continue;
		ready -= readable + writable;
		serve_client(s, c, readable, writable);
	}
}

static int run_loop(struct select_server *s)
{
	struct mux *m = &s->mux;

	while (!mux_done(m)) {
		size_t watched = build_interest(s);
		int ready = wait_ready(s, mux_wait_ms(m));
		if (ready < 0 && errno != EINTR)
			return diag_errno("select");
		mux_round_begin(m);
		if (ready > 0)
			dispatch_ready(s, ready);
		mux_expire_idle(m);
		mux_round_end(m, watched, ready);
	}
	return EXIT_OK;
}

/* Nothing to release: the sets live in the server's struct. */
static void cleanup_call(struct select_server *s)
{
	(void)s;
}

int select_server_main(int argc, char **argv)
{
	struct select_server *s = calloc(1, sizeof *s);
	int rc;

	if (!s)
		return diag_errno("allocate server state");
	rc = parse_args(s, argc, argv);
	if (rc == OPT_GO_ON) {
		rc = mux_open(&s->mux, &s->config, "select");
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
