/*
 * poll-server - a single-threaded TCP server built on poll(2).
 *
 * Concept: IO multiplexing with an array of interests.  Every wait hands
 * the kernel an array of struct pollfd (descriptor and the events wanted);
 * the kernel checks each entry and writes back revents.  No limit on the
 * descriptor numbers (unlike select), but every call copies and scans the
 * whole array: the cost grows with what is watched, not with what is
 * ready.  Level-triggered: a socket with unread bytes is reported on every
 * call until they are read.
 *
 * Compare with tools/select_server.c and tools/epoll_server.c: the same
 * functions in the same order; only the interest set, the wait call and
 * the walk over its result differ.
 *
 * References: poll(2), socket(7).
 */
#include "tools.h"
#include "cli/diag.h"
#include "serve/mux.h"
#include "cli/opt.h"
#include "serve/server.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* clang-format off */
static const struct opt_spec options[] = {
	{ 'v', "verbose", NULL, "narrate each wait call (-vv: each event)" },
	{ 0, NULL, NULL, NULL },
};

const struct opt_tool poll_server_tool = {
	.name = "poll-server",
	.usage = "[OPTIONS]",
	.summary = "single-threaded TCP server on poll: echo, upper, discard, reply or http",
	.specs = options,
	.shared = mux_blocks,
};
/* clang-format on */

struct poll_server {
	struct mux_config config;
	struct mux mux;
	struct pollfd *fds;   /* the interest array handed to poll() */
	struct conn **owners; /* owners[i] is the client of fds[i], NULL for the listener */
	size_t nfds;          /* entries filled for this call */
	size_t cap;           /* entries allocated */
};

/* OPT_GO_ON when the server should run, else the status to exit with now. */
static int parse_args(struct poll_server *s, int argc, char **argv)
{
	struct opt_state st;
	int key, verbosity = 0;

	mux_config_init(&s->config);
	opt_init(&st, &poll_server_tool, argc, argv);
	while ((key = opt_next(&st)) != OPT_END) {
		if (key == OPT_EXIT)
			return st.status;
		if (key == 'v') {
			diag_set_verbosity(++verbosity);
			continue;
		}
		if (mux_parse_option(&s->config, &poll_server_tool, key, st.arg) < 0) {
			opt_done(&st);
			return EXIT_USAGE;
		}
	}
	if (st.index < argc)
		return diag_usage("unexpected argument '%s'", argv[st.index]);
	return mux_check_config(&s->config) == EXIT_OK ? OPT_GO_ON : EXIT_USAGE;
}

/* Makes room for n entries in the interest array. */
static int reserve_entries(struct poll_server *s, size_t n)
{
	struct pollfd *fds;
	struct conn **owners;
	size_t cap = s->cap ? s->cap : 64;

	if (n <= s->cap)
		return 0;
	while (cap < n)
		cap *= 2;
	fds = realloc(s->fds, cap * sizeof *fds);
	if (!fds)
		return -1;
	s->fds = fds;
	owners = realloc(s->owners, cap * sizeof *owners);
	if (!owners)
		return -1;
	s->owners = owners;
	s->cap = cap;
	return 0;
}

/* The array starts with room for the listener and some clients. */
static int setup_call(struct poll_server *s)
{
	if (reserve_entries(s, 64) < 0)
		return diag_errno("allocate poll array");
	diag_verbose(1,
	             "poll: level-triggered; the interest array is rebuilt and passed whole on every call");
	return EXIT_OK;
}

/* What the client waits for now: POLLIN unless paused or done reading,
 * POLLOUT while output is owed.  Errors and hang-ups are always reported. */
static short wanted_events(const struct conn *c)
{
	return (short)((conn_wants_read(c) ? POLLIN : 0) | (conn_wants_write(c) ? POLLOUT : 0));
}

/* A new client needs an entry in the next array: room for it now, so
 * building the array never fails. */
static int watch_client(struct poll_server *s, struct conn *c)
{
	(void)c;
	return reserve_entries(s, s->mux.count + 1);
}

/* Nothing to tell the kernel: the next call's array says it all. */
static int update_interest(struct poll_server *s, struct conn *c)
{
	(void)s;
	(void)c;
	return 0;
}

/* Takes every waiting client, until EAGAIN. */
static void accept_clients(struct poll_server *s)
{
	struct conn *c;
	int rc;

	while ((rc = mux_accept(&s->mux, INT_MAX, &c)) >= 0) {
		if (rc == 1 && watch_client(s, c) < 0) {
			diag_errno("allocate poll array");
			mux_drop(&s->mux, c, "out of memory");
		}
	}
}

/* Fills the array: the listener, then one entry per client.  O(clients)
 * on every call, and the kernel walks it all again.  Returns its size. */
static size_t build_interest(struct poll_server *s)
{
	struct mux *m = &s->mux;
	size_t n = 0;

	if (m->server.listen_fd >= 0) {
		s->fds[n] = (struct pollfd){ .fd = m->server.listen_fd, .events = POLLIN, .revents = 0 };
		s->owners[n++] = NULL;
	}
	for (size_t i = 0; i < m->count; i++) {
		struct conn *c = m->conns[i];
		s->fds[n] = (struct pollfd){ .fd = c->fd, .events = wanted_events(c), .revents = 0 };
		s->owners[n++] = c;
	}
	s->nfds = n;
	return n;
}

/* One poll(): the kernel copies the array in, checks every entry, and
 * copies revents back out. */
static int wait_ready(struct poll_server *s, int timeout_ms)
{
	return poll(s->fds, (nfds_t)s->nfds, timeout_ms);
}

/* One ready client.  An error or hang-up is read, so the read reports it. */
static void serve_client(struct poll_server *s, struct conn *c, short revents)
{
	struct mux *m = &s->mux;
	int hangup = (revents & (POLLERR | POLLHUP)) != 0;
	int closed = 0;

	if ((revents & POLLIN) || hangup) {
		if (conn_wants_read(c) || hangup)
			closed = mux_serve_readable(m, c, 0);
	}
	if (!closed && (revents & POLLOUT) && conn_wants_write(c))
		closed = mux_serve_writable(m, c);
	if (!closed)
		update_interest(s, c);
}

/* Walks the whole array for the entries with revents set; poll's return
 * value says how many there are, so the walk can stop at the last one. */
static void dispatch_ready(struct poll_server *s, int ready)
{
	for (size_t i = 0; i < s->nfds && ready > 0; i++) {
		short revents = s->fds[i].revents;
		if (revents == 0)
			continue;
		ready--;
		if (s->owners[i] == NULL)
			accept_clients(s);
		else
			serve_client(s, s->owners[i], revents);
	}
}

static int run_loop(struct poll_server *s)
{
	struct mux *m = &s->mux;

	while (!mux_done(m)) {
		size_t watched = build_interest(s);
		int ready = wait_ready(s, mux_wait_ms(m));
		if (ready < 0 && errno != EINTR)
			return diag_errno("poll");
		mux_round_begin(m);
		if (ready > 0)
			dispatch_ready(s, ready);
		mux_expire_idle(m);
		mux_round_end(m, watched, ready);
	}
	return EXIT_OK;
}

static void cleanup_call(struct poll_server *s)
{
	free(s->fds);
	free(s->owners);
	s->fds = NULL;
	s->owners = NULL;
}

int poll_server_main(int argc, char **argv)
{
	struct poll_server *s = calloc(1, sizeof *s);
	int rc;

	if (!s)
		return diag_errno("allocate server state");
	rc = parse_args(s, argc, argv);
	if (rc == OPT_GO_ON) {
		rc = mux_open(&s->mux, &s->config, "poll");
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
