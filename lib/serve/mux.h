/*
 * mux.h - what the multiplexing servers (select-server, poll-server,
 * epoll-server, and uring-server on completions) share around their event
 * loops.
 *
 * Promise: the options they have in common beyond the server block
 * (--handler, --reply, --root, --index, --max-clients, --idle-timeout), the table
 * of connections, accepting with refusals, the per-connection work done
 * when the kernel reports readiness, idle deadlines, the counters with
 * their summary line, and the -v narration of each wait call.  What is
 * left to each tool is exactly what differs between the three system
 * calls: building the interest set, the wait call, and walking its
 * result.
 *
 * Refusals: a client over --max-clients, a descriptor the loop cannot
 * watch (select-server: one at or above FD_SETSIZE), or a client that
 * arrives when the process is out of descriptors (a spare descriptor kept
 * for the purpose is closed, the client accepted and refused, the spare
 * opened again: without it the listener would stay readable and the loop
 * would spin).  A refused client gets a short line ("too many clients",
 * or a 503 for http) and is closed; each refusal is counted and -v says
 * why.
 *
 * Idle deadlines live in a list ordered oldest first: every deadline is
 * "last progress + the same timeout", so moving a connection to the end
 * on progress keeps the list sorted and expiring is a walk from the front
 * that stops at the first deadline still ahead: O(1) per event.  Progress
 * is a byte read or sent by a stream handler, and for http a request
 * answered or bytes sent; a client trickling an endless request head
 * (slowloris) makes no progress and is closed on time.
 */
#ifndef SOCKBOX_MUX_H
#define SOCKBOX_MUX_H

#include <stdint.h>

#include "serve/conn.h"
#include "serve/handler.h"
#include "http/httpd.h"
#include "cli/opt.h"
#include "serve/server.h"

/* Option keys of the block the three servers share (mux_specs). */
enum {
	MUX_OPT_HANDLER = OPT_SHARED_BASE + 0x100,
	MUX_OPT_REPLY,
	MUX_OPT_ROOT,
	MUX_OPT_INDEX,
	MUX_OPT_MAX_CLIENTS,
	MUX_OPT_IDLE_TIMEOUT,
};

/* --handler --reply --root --index --max-clients --idle-timeout, declared once. */
extern const struct opt_spec mux_specs[];

/* What a multiplexing server puts in .shared: { server_specs, mux_specs, NULL }. */
extern const struct opt_spec *const mux_blocks[];

/* The size of the one read buffer all connections share. */
#define MUX_SCRATCH_SIZE (64 * 1024)

struct mux_config {
	struct server_config server;
	int http;               /* --handler http */
	enum handler_kind kind; /* the stream handler otherwise */
	const char *reply;      /* --reply TEXT */
	const char *root;       /* --root DIR, NULL for the built-in page */
	int index;              /* --index: list directories without index.html */
	uint64_t max_clients;   /* 0: no limit */
	double idle_timeout;    /* seconds, 0: none */
	int handler_given;      /* --handler was on the command line */
};

struct mux_counters {
	uint64_t accepted;
	uint64_t active;
	uint64_t peak;
	uint64_t refused;
	uint64_t loops; /* wait calls */
};

/* What one wait call led to, for the -v line that narrates it. */
struct mux_round {
	unsigned accepted;
	unsigned refused;
	unsigned reads;
	unsigned writes;
	unsigned closed;
	uint64_t read_bytes;
	uint64_t written_bytes;
};

struct mux {
	const struct mux_config *config;
	const char *call; /* "select", "poll", "epoll_wait": the word -v uses */
	struct server server;
	struct conn_service svc;
	struct httpd_site site;
	struct conn **conns; /* the open connections, conns[c->slot] == c */
	size_t count;
	size_t cap;
	struct conn *oldest; /* the idle list */
	struct conn *newest;
	uint64_t idle_ns;
	uint64_t now_ns; /* the clock read after the last wait call */
	int spare_fd;    /* given up to accept and refuse when out of descriptors */
	int running;     /* mux_open succeeded: the summary is owed */
	struct mux_counters counters;
	struct mux_round round;
	/* a completion loop's way to free a dropped connection (cancel what the
	 * kernel still holds first); NULL: conn_free at once.  Set after mux_open. */
	void (*release)(void *ctx, struct conn *c);
	void *release_ctx;
};

/* Defaults: echo, no limits, bind 127.0.0.1, port 0. */
void mux_config_init(struct mux_config *cfg);

/*
 * Handles key if it belongs to the shared block or to the server block:
 * 1 handled, 0 not ours, -1 a bad value (a usage diagnostic was printed).
 */
int mux_parse_option(struct mux_config *cfg, const struct opt_tool *tool, int key, const char *arg);

/* Checks the options against each other after parsing, and lets --reply
 * or --root alone choose their handler: EXIT_OK or EXIT_USAGE. */
int mux_check_config(struct mux_config *cfg);

/*
 * Raises the descriptor limit to its hard limit (-v says so), opens the
 * root, installs the signal handlers, listens (non-blocking).  EXIT_OK, or
 * EXIT_FAIL after a diagnostic.
 */
int mux_open(struct mux *m, const struct mux_config *cfg, const char *call);

/*
 * Accepts one waiting client: 1 with *out set; 0 when it was refused
 * (counted, narrated); -1 when none is waiting (EAGAIN), a signal came
 * (EINTR), or accept failed (reported; the loop carries on).  A descriptor
 * at or above fd_limit is refused: select-server passes FD_SETSIZE.
 * Once --max-conns clients are accepted the listener is closed
 * (server.listen_fd becomes -1).
 */
int mux_accept(struct mux *m, int fd_limit, struct conn **out);

/*
 * The kernel accepted fd already (io_uring's multishot accept): the same
 * checks and refusals as mux_accept, with the same results.  sa may be
 * NULL: the peer's address is then asked of the socket (getpeername).
 */
int mux_admit(struct mux *m, int fd, const struct sockaddr *sa, socklen_t len, int fd_limit, struct conn **out);

/* An accept failed with err: out of descriptors takes one waiting client
 * and refuses it (0), anything else but EAGAIN is reported (-1). */
int mux_accept_failed(struct mux *m, int err);

/*
 * The client is readable: reads (once, or until EAGAIN when until_eagain),
 * answers, and sends what it can.  1 when the connection ended and was
 * closed (c is gone), 0 when it stays.
 */
int mux_serve_readable(struct mux *m, struct conn *c, int until_eagain);

/* The client is writable: sends what is owed.  1 closed, 0 stays. */
int mux_serve_writable(struct mux *m, struct conn *c);

/* Progress on c (bytes moved, a request answered): its idle deadline
 * moves.  The readiness steps above call it themselves. */
void mux_touch(struct mux *m, struct conn *c);

/* Closes c and forgets it, narrating why. */
void mux_drop(struct mux *m, struct conn *c, const char *why);

/* Milliseconds the wait call may sleep: the next idle deadline or the end
 * of --duration, -1 for no limit. */
int mux_wait_ms(const struct mux *m);

/* After the wait call returned: counts the iteration, reads the clock,
 * prints the counters if SIGUSR1 asked. */
void mux_round_begin(struct mux *m);

/* Closes the clients whose idle deadline passed. */
void mux_expire_idle(struct mux *m);

/* -v: one line for the wait call just handled: watched, ready, done. */
void mux_round_end(struct mux *m, size_t watched, int ready);

/* 1 when the loop should end: SIGINT/SIGTERM, --duration, or --max-conns
 * clients accepted and all of them gone. */
int mux_done(const struct mux *m);

/* The counters line: accepted, active, peak, refused, bytes in and out, loop iterations. */
void mux_report(const struct mux *m);

/* Prints the summary (once mux_open succeeded), closes every connection
 * and the listener, frees all; safe on a zeroed or half-opened mux.
 * Returns EXIT_OK. */
int mux_finish(struct mux *m);

#endif
