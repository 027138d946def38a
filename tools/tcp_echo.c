/*
 * tcp_echo.c - a TCP echo server in three concurrency models, and its client.
 *
 * Concept: the life of a TCP connection (socket, bind, listen, accept,
 * connect, shutdown, close); what a concurrency model costs (one client at
 * a time, a process per client, a thread per client); zombies and reaping;
 * message framing on a byte stream; half-close.
 * References: RFC 9293 (TCP); socket(7), tcp(7), accept4(2), shutdown(2),
 * fork(2), waitpid(2), pthread_create(3), ppoll(2), eventfd(2).
 */
#include "tools.h"
#include "net/addr.h"
#include "base/buf.h"
#include "base/clock.h"
#include "cli/diag.h"
#include "file/sink.h"
#include "draw/histbar.h"
#include "draw/term.h"
#include "serve/echoload.h"
#include "serve/handler.h"
#include "cli/opt.h"
#include "cli/parse.h"
#include "serve/relay.h"
#include "serve/server.h"
#include "sig/sig.h"
#include "net/connect.h"
#include "net/portcheck.h"
#include "net/sock.h"

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

enum {
	OPT_MAX_CLIENTS = OPT_LONG_ONLY,
	OPT_UPPER,
	OPT_REPLY,
	OPT_DISCARD,
	OPT_FRAME,
	OPT_MAX_FRAME,
	OPT_CONNECT_TIMEOUT,
	OPT_BENCH,
	OPT_STREAM,
	OPT_RECONNECT,
	OPT_JSON,
	OPT_PARALLEL,
	OPT_SINK,
	OPT_HISTOGRAM,
	OPT_SVG,
};

static const struct opt_spec options[] = {
	{ 'l', "listen", NULL, "run the echo server (without it: the client of HOST:PORT)" },
	{ 'm', "model", "iterative|fork|thread", "server: how clients are served at once (default thread)" },
	{ OPT_MAX_CLIENTS, "max-clients", "N",
	  "server: serve at most N clients at once, others wait (default 1024)" },
	{ OPT_UPPER, "upper", NULL, "server: send the bytes back uppercased" },
	{ OPT_REPLY, "reply", "TEXT", "server: answer every line received with TEXT" },
	{ OPT_DISCARD, "discard", NULL, "server: read everything, send nothing back" },
	{ OPT_SINK, "sink", "FILE|DIR/|-",
	  "server: write what each connection sends to FILE, DIR/conn-N or stdout" },
	{ OPT_FRAME, "frame", NULL, "length-prefixed messages: 4-byte big-endian length, then the payload" },
	{ OPT_MAX_FRAME, "max-frame", "BYTES", "largest frame payload accepted (default 16M)" },
	{ 't', "timeout", "SECS", "end a connection idle for SECS (client: fail)" },
	{ OPT_CONNECT_TIMEOUT, "connect-timeout", "SECS", "client: give up connecting after SECS" },
	{ OPT_BENCH, "bench", NULL, "client: load mode, report round trips/s, latency and MB/s" },
	{ 'c', "conns", "N", "bench: parallel connections (default 1)" },
	{ 's', "size", "BYTES", "bench: bytes per message (default 64)" },
	{ 'n', "count", "N", "bench: messages in all (default: run for --duration, 5 s)" },
	{ OPT_STREAM, "stream", NULL, "bench: write continuously while reading the echo back" },
	{ OPT_RECONNECT, "reconnect", NULL, "bench: a new connection for every round trip" },
	{ OPT_JSON, "json", NULL, "bench, check: print JSON (the report; one object per port)" },
	{ OPT_HISTOGRAM, "histogram", NULL, "bench: add a log-scale latency histogram to the report" },
	{ OPT_SVG, "svg", "FILE", "bench: draw the latency histogram as an SVG picture in FILE" },
	{ 'z', "check", NULL, "client: report each HOST:PORT or HOST:LOW-HIGH open, closed or filtered" },
	{ OPT_PARALLEL, "parallel", "N", "check: connects in flight at once (default 64)" },
	{ 'v', "verbose", NULL, "narrate connections, workers, bytes and reaping (repeat for more)" },
	{ 0, NULL, NULL, NULL },
};

const struct opt_tool tcp_echo_tool = {
	.name = "tcp-echo",
	.usage = "-l [-b ADDR] [-p PORT] [OPTIONS]\n"
	         "[OPTIONS] HOST:PORT\n"
	         "--bench [OPTIONS] HOST:PORT\n"
	         "--check [OPTIONS] HOST:PORT|HOST:LOW-HIGH...",
	.summary = "TCP echo server (iterative, fork or thread model), its client and a load mode",
	.specs = options,
	.shared = server_blocks,
};

enum model { MODEL_ITERATIVE, MODEL_FORK, MODEL_THREAD };
static const char *const model_names[] = { "iterative", "fork", "thread" };

#define CHUNK_SIZE (64u * 1024) /* one read */
#define OUT_HIGH (256u * 1024)  /* stop reading while this much is owed */
#define THREAD_STACK (512u * 1024)
#define STOP_GRACE_MS 5000 /* workers get this long to close at a stop */
#define BENCH_IDLE_MS 10000
#define CHECK_TIMEOUT 3.0 /* seconds a port may take to answer --check */
#define CHECK_NOT_OPEN 4  /* exit status: a checked port is closed or filtered */

/* Counters every worker adds to.  In the fork model they live in a shared
 * anonymous mapping, so a child's bytes reach the parent's summary. */
struct counters {
	_Atomic uint64_t accepted;
	_Atomic uint64_t closed;
	_Atomic uint64_t bytes_in;
	_Atomic uint64_t bytes_out;
	_Atomic uint64_t errors;
};

struct tcp_echo;

/* One client being served: a slot of the table the main loop keeps. */
struct client_slot {
	struct tcp_echo *te;
	int in_use;
	int fd;
	uint64_t id;
	char peer[ADDR_TEXT_MAX];
	pid_t pid;        /* fork: the child serving it */
	pthread_t thread; /* thread: the thread serving it */
	atomic_int done;  /* thread: finished, ready to be joined */
};

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

struct tcp_echo {
	/* what the options decide */
	int listen;
	enum model model;
	unsigned max_clients;
	enum handler_kind kind;
	const char *reply;
	struct sink sink;
	uint32_t max_frame;
	double timeout;
	double connect_timeout;
	int bench, stream, reconnect, json, check;
	uint64_t conns, size, count, parallel;
	int histogram;   /* --histogram */
	const char *svg; /* --svg FILE */
	const char *target;
	char **operands; /* --check: every operand */
	int operand_count;
	struct server_config config;
	/* the server's run */
	struct server srv;
	struct counters *stats;
	struct client_slot *slots;
	unsigned active;
	int stop_fd;        /* eventfd, readable once the server stops: every worker polls it */
	int notify_fd;      /* eventfd, a thread finished */
	sigset_t open_mask; /* the mask ppoll lets signals in with */
	uint64_t start_ns;
};

/* ---- options ---------------------------------------------------------- */

static int parse_seconds_opt(int key, const char *arg, double *out)
{
	if (parse_seconds(arg, 0.001, 1e9, out) < 0)
		return opt_bad_value(&tcp_echo_tool, key, arg, "expected seconds, such as 10 or 0.5");
	return EXIT_OK;
}

static int parse_count_opt(int key, const char *arg, uint64_t min, uint64_t max, uint64_t *out)
{
	if (parse_uint(arg, min, max, out) < 0)
		return opt_bad_value(&tcp_echo_tool, key, arg, "expected a whole number from %llu to %llu",
		                     (unsigned long long)min, (unsigned long long)max);
	return EXIT_OK;
}

/* The options only one side takes (their keys, 0 for none): remembered to
 * refuse them on the other. */
struct seen {
	int server_only;
	int client_only;
	int bench_only;
	int check_only;
	int json;
	int transforms;
};

static int parse_option(struct tcp_echo *te, struct seen *seen, int key, const char *arg)
{
	uint64_t n;
	int rc;

	switch (key) {
	case 'l':
		te->listen = 1;
		return EXIT_OK;
	case 'v':
		diag_set_verbosity(diag_verbosity() + 1);
		return EXIT_OK;
	case 'm':
		if ((rc = opt_choice(&tcp_echo_tool, key, arg)) < 0)
			return opt_bad_value(&tcp_echo_tool, key, arg, "expected iterative, fork or thread");
		te->model = (enum model)rc;
		seen->server_only = key;
		return EXIT_OK;
	case OPT_MAX_CLIENTS:
		seen->server_only = key;
		if ((rc = parse_count_opt(key, arg, 1, 65536, &n)) == EXIT_OK)
			te->max_clients = (unsigned)n;
		return rc;
	case OPT_UPPER:
	case OPT_REPLY:
	case OPT_DISCARD:
	case OPT_FRAME:
		te->kind = key == OPT_UPPER     ? HANDLER_UPPER
		           : key == OPT_REPLY   ? HANDLER_REPLY
		           : key == OPT_DISCARD ? HANDLER_DISCARD
		                                : HANDLER_FRAME;
		te->reply = key == OPT_REPLY ? arg : te->reply;
		seen->transforms++;
		if (key != OPT_FRAME)
			seen->server_only = key;
		return EXIT_OK;
	case OPT_SINK:
		sink_init(&te->sink, arg);
		te->kind = HANDLER_DISCARD;
		seen->server_only = key;
		return EXIT_OK;
	case OPT_MAX_FRAME:
		if (parse_size(arg, 0, HANDLER_FRAME_MAX_DEFAULT, &n) < 0)
			return opt_bad_value(&tcp_echo_tool, key, arg, "expected a size up to 16M");
		te->max_frame = (uint32_t)n;
		return EXIT_OK;
	case 't':
		return parse_seconds_opt(key, arg, &te->timeout);
	case OPT_CONNECT_TIMEOUT:
		seen->client_only = key;
		return parse_seconds_opt(key, arg, &te->connect_timeout);
	case OPT_BENCH:
		te->bench = 1;
		seen->client_only = key;
		return EXIT_OK;
	case OPT_STREAM:
		te->stream = 1;
		seen->bench_only = key;
		return EXIT_OK;
	case OPT_RECONNECT:
		te->reconnect = 1;
		seen->bench_only = key;
		return EXIT_OK;
	case OPT_JSON:
		te->json = 1;
		seen->json = key;
		return EXIT_OK;
	case OPT_HISTOGRAM:
		te->histogram = 1;
		seen->bench_only = key;
		return EXIT_OK;
	case OPT_SVG:
		te->svg = arg;
		seen->bench_only = key;
		return EXIT_OK;
	case 'z':
		te->check = 1;
		seen->client_only = key;
		return EXIT_OK;
	case OPT_PARALLEL:
		seen->check_only = key;
		return parse_count_opt(key, arg, 1, 4096, &te->parallel);
	case 'c':
		seen->bench_only = key;
		return parse_count_opt(key, arg, 1, 10000, &te->conns);
	case 'n':
		seen->bench_only = key;
		return parse_count_opt(key, arg, 1, UINT64_MAX, &te->count);
	case 's':
		seen->bench_only = key;
		if (parse_size(arg, 1, 64u << 20, &te->size) < 0)
			return opt_bad_value(&tcp_echo_tool, key, arg, "expected a size from 1 to 64M");
		return EXIT_OK;
	}
	rc = server_parse_option(&te->config, &tcp_echo_tool, key, arg);
	if (rc < 0)
		return EXIT_USAGE;
	if (key != '4' && key != '6' && key != SERVER_OPT_DURATION)
		seen->server_only = key;
	return EXIT_OK;
}

/* Conflicts between the two sides and between the modes. */
static int check_conflicts(struct tcp_echo *te, const struct seen *seen, int operands)
{
	if (seen->transforms > 1)
		return diag_usage("choose one of --upper, --reply, --discard and --frame");
	if (te->listen) {
		int client = seen->client_only  ? seen->client_only
		             : seen->bench_only ? seen->bench_only
		             : seen->check_only ? seen->check_only
		                                : seen->json;
		if (client)
			return diag_usage("--%s is for the client, not the server (-l)",
			                  opt_name(&tcp_echo_tool, client));
		if (operands > 0)
			return diag_usage("the server takes no operand: use -b ADDR and -p PORT");
		if (te->sink.kind != SINK_NONE && seen->transforms)
			return diag_usage(
			    "--sink sends nothing back: choose it or --upper, --reply, --discard, --frame");
		/* one file, or one stdout: one connection at a time writes it */
		if (te->sink.kind == SINK_FILE || te->sink.kind == SINK_STDOUT)
			te->model = MODEL_ITERATIVE;
		if (te->model == MODEL_ITERATIVE)
			te->max_clients = 1;
		return EXIT_OK;
	}
	if (seen->server_only)
		return diag_usage("--%s is for the server (-l)", opt_name(&tcp_echo_tool, seen->server_only));
	if (seen->bench_only && !te->bench)
		return diag_usage("--%s needs --bench", opt_name(&tcp_echo_tool, seen->bench_only));
	if (te->config.duration > 0 && !te->bench)
		return diag_usage("--duration needs -l or --bench");
	if (seen->check_only && !te->check)
		return diag_usage("--%s needs --check", opt_name(&tcp_echo_tool, seen->check_only));
	if (seen->json && !te->bench && !te->check)
		return diag_usage("--json needs --bench or --check");
	if (te->check) {
		if (te->bench)
			return diag_usage("choose --check or --bench");
		if (seen->transforms)
			return diag_usage("--check sends nothing: --frame has no meaning there");
		return operands ? EXIT_OK : diag_usage("missing HOST:PORT or HOST:LOW-HIGH to check");
	}
	if (te->bench && te->count && te->config.duration > 0)
		return diag_usage("choose --count or --duration");
	if ((te->histogram || te->svg) && te->stream)
		return diag_usage("--stream measures no round trip: --%s has no latency to draw",
		                  te->histogram ? "histogram" : "svg");
	if (te->histogram && te->json)
		return diag_usage("choose --json or --histogram (--svg draws it beside the JSON)");
	if (te->stream && (te->reconnect || te->kind == HANDLER_FRAME))
		return diag_usage("--stream cannot be combined with %s",
		                  te->reconnect ? "--reconnect" : "--frame");
	if (operands != 1)
		return diag_usage(operands ? "too many operands" : "missing HOST:PORT (or -l for the server)");
	return EXIT_OK;
}

/* Options and operands into te.  Returns OPT_GO_ON to run, or the status
 * to exit with now (--help, --version, a usage error). */
static int parse_args(struct tcp_echo *te, int argc, char **argv)
{
	struct opt_state st;
	struct seen seen = { 0, 0, 0, 0, 0, 0 };
	int key, rc;

	memset(te, 0, sizeof *te);
	te->model = MODEL_THREAD;
	te->max_clients = 1024;
	te->kind = HANDLER_ECHO;
	te->max_frame = HANDLER_FRAME_MAX_DEFAULT;
	te->conns = 1;
	te->size = 64;
	te->parallel = 64;
	te->stop_fd = te->notify_fd = -1;
	server_config_init(&te->config, "0");
	opt_init(&st, &tcp_echo_tool, argc, argv);
	while ((key = opt_next(&st)) != OPT_END) {
		if (key == OPT_EXIT)
			return st.status;
		if ((rc = parse_option(te, &seen, key, st.arg)) != EXIT_OK) {
			opt_done(&st);
			return rc;
		}
	}
	if ((rc = check_conflicts(te, &seen, argc - st.index)) != EXIT_OK)
		return rc;
	te->target = st.index < argc ? argv[st.index] : NULL;
	te->operands = argv + st.index;
	te->operand_count = argc - st.index;
	if (te->bench && te->count == 0 && te->config.duration == 0)
		te->config.duration = 5;
	return OPT_GO_ON;
}

static int seconds_to_ms(double seconds)
{
	return seconds > 0 ? (int)(seconds * 1000 + 0.5) : -1;
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

/*
 * Waits for the connection or the stop eventfd.  The thread model keeps
 * every signal blocked in its workers (the main thread takes them); the
 * other models let the server's signals in during the wait only, so a
 * SIGTERM can never slip in between a check of the flag and the sleep.
 */
static int wait_conn(struct tcp_echo *te, struct pollfd *pfd, int timeout_ms)
{
	struct timespec ts = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L };
	const sigset_t *mask = te->model == MODEL_THREAD ? NULL : &te->open_mask;
	return ppoll(pfd, 2, timeout_ms < 0 ? NULL : &ts, mask);
}

static int pump_timeout_ms(struct tcp_echo *te, const struct pump *p)
{
	int ms = -1;

	if (te->timeout > 0) {
		ms = clock_ms_until(p->last_ns + clock_seconds_to_ns(te->timeout));
		if (ms == 0)
			ms = 1;
	}
	/* the iterative model has no other thread watching --duration */
	return te->model == MODEL_ITERATIVE ? server_wait_ms(&te->srv, ms) : ms;
}

static const char *note_error(struct tcp_echo *te, const char *why)
{
	atomic_fetch_add(&te->stats->errors, 1);
	return why;
}

/*
 * Receives once.  Plain echo receives straight into the bytes owed (no
 * copy through the handler); the others into p->in.  -1 when out of memory.
 */
static ssize_t pump_recv(struct tcp_echo *te, struct client_slot *c, struct pump *p)
{
	ssize_t n;

	if (te->kind != HANDLER_ECHO)
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
static const char *pump_read(struct tcp_echo *te, struct client_slot *c, struct pump *p)
{
	ssize_t n = pump_recv(te, c, p);

	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return NULL;
		return note_error(te, errno == ECONNRESET ? "reset by the peer" : strerror(errno));
	}
	if (n == 0) {
		p->peer_eof = 1;
		diag_verbose(1, "%s: peer shut down its sending side (EOF): sending what is owed, then closing",
		             c->peer);
		if (handler_end(&p->handler, &p->out) < 0)
			return note_error(te, errno == EPROTO ? "the stream ended inside a frame"
			                                      : strerror(errno));
		return NULL;
	}
	p->bytes_in += (uint64_t)n;
	p->last_ns = clock_now_ns();
	atomic_fetch_add_explicit(&te->stats->bytes_in, (uint64_t)n, memory_order_relaxed);
	diag_verbose(2, "%s: read %zd bytes", c->peer, n);
	if (te->kind == HANDLER_ECHO)
		return NULL; /* already where it is owed */
	if (p->sink.fd >= 0 && sink_write(&p->sink, p->in, (size_t)n) < 0) {
		diag_errno("write %s", p->sink.path);
		return note_error(te, "the sink failed");
	}
	if (handler_input(&p->handler, p->in, (size_t)n, &p->out) < 0) {
		if (errno != EMSGSIZE)
			return note_error(te, strerror(errno));
		diag_verbose(1, "%s: frame of %lu bytes is over the limit of %lu (--max-frame)", c->peer,
		             (unsigned long)p->handler.frame_len, (unsigned long)p->handler.max_frame);
		return note_error(te, "frame over the limit");
	}
	return NULL;
}

/* Sends what is owed, as much as the socket buffer takes now. */
static const char *pump_write(struct tcp_echo *te, struct client_slot *c, struct pump *p)
{
	ssize_t n = send(c->fd, buf_head(&p->out), buf_readable(&p->out), MSG_NOSIGNAL);

	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return NULL;
		return note_error(te, errno == ECONNRESET || errno == EPIPE ? "reset by the peer"
		                                                            : strerror(errno));
	}
	buf_consume(&p->out, (size_t)n);
	p->bytes_out += (uint64_t)n;
	p->last_ns = clock_now_ns();
	atomic_fetch_add_explicit(&te->stats->bytes_out, (uint64_t)n, memory_order_relaxed);
	diag_verbose(2, "%s: wrote %zd bytes", c->peer, n);
	return NULL;
}

static void print_counters(struct tcp_echo *te);

/* What a wait that returned without IO means.  NULL: go on. */
static const char *pump_interrupted(struct tcp_echo *te, struct client_slot *c, struct pump *p, int ready)
{
	if (ready < 0 && errno != EINTR)
		return note_error(te, strerror(errno));
	if (sig_stop_requested() || server_expired(&te->srv))
		return "the server is stopping";
	if (te->model == MODEL_ITERATIVE && sig_report_requested())
		print_counters(te);
	if (ready == 0 && te->timeout > 0 && clock_now_ns() >= p->last_ns + clock_seconds_to_ns(te->timeout)) {
		diag_verbose(1, "%s: idle for %g s (--timeout)", c->peer, te->timeout);
		return note_error(te, "idle timeout");
	}
	return NULL;
}

/*
 * The loop of one connection: read when the client sends (unless too much
 * is owed already: backpressure), send what the handler owes, and when the
 * client shuts down its sending side, finish sending and close.  The socket
 * is non-blocking, so a client that never reads only stalls its own loop.
 */
static const char *pump_loop(struct tcp_echo *te, struct client_slot *c, struct pump *p)
{
	for (;;) {
		size_t owed = buf_readable(&p->out);
		struct pollfd pfd[2] = { { c->fd, 0, 0 }, { te->stop_fd, POLLIN, 0 } };
		const char *why = NULL;
		int ready;

		if (p->peer_eof && owed == 0)
			return "done";
		if (!p->peer_eof && owed < OUT_HIGH)
			pfd[0].events |= POLLIN;
		if (owed > 0)
			pfd[0].events |= POLLOUT;
		ready = wait_conn(te, pfd, pump_timeout_ms(te, p));
		if (pfd[1].revents && ready > 0)
			return "the server is stopping";
		if (ready <= 0) {
			if ((why = pump_interrupted(te, c, p, ready)) != NULL)
				return why;
			continue;
		}
		if ((pfd[0].events & POLLIN) && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
			why = pump_read(te, c, p);
		/* send at once what the read made owed: the socket is usually writable */
		if (!why && buf_readable(&p->out) > 0)
			why = pump_write(te, c, p);
		if (why)
			return why;
	}
}

/* --sink: a connection that ended cleanly gives its file its name; any
 * other end (a reset, a timeout, a stop) leaves no file. */
static const char *finish_sink(struct tcp_echo *te, struct pump *p, const char *why)
{
	if (te->sink.kind == SINK_NONE)
		return why;
	if (strcmp(why, "done") == 0 && sink_commit(&p->sink) < 0) {
		diag_errno("%s %s", p->sink.a.failed ? p->sink.a.failed : "commit", p->sink.path);
		why = note_error(te, "the sink failed");
	}
	sink_abort(&p->sink);
	return why;
}

static void serve_connection(struct tcp_echo *te, struct client_slot *c)
{
	struct pump p;
	const char *why;

	memset(&p, 0, sizeof p);
	handler_init(&p.handler, te->kind, te->reply);
	p.handler.max_frame = te->max_frame;
	p.last_ns = clock_now_ns();
	p.in = malloc(CHUNK_SIZE);
	p.sink.fd = -1;
	if (!p.in)
		why = note_error(te, "out of memory");
	else if (sock_set_nonblock(c->fd, 1) < 0)
		why = note_error(te, strerror(errno));
	else if (te->sink.kind != SINK_NONE && sink_open(&te->sink, c->id, &p.sink) < 0)
		why = (diag_errno("%s %s", p.sink.a.failed ? p.sink.a.failed : "open", p.sink.path),
		       note_error(te, "the sink failed"));
	else
		why = pump_loop(te, c, &p);
	why = finish_sink(te, &p, why);
	diag_verbose(1, "close %s: %s; %llu bytes in, %llu bytes out", c->peer, why,
	             (unsigned long long)p.bytes_in, (unsigned long long)p.bytes_out);
	close(c->fd);
	c->fd = -1;
	atomic_fetch_add(&te->stats->closed, 1);
	handler_free(&p.handler);
	buf_free(&p.out);
	free(p.in);
}

/* ---- the models ---------------------------------------------------------- */

static struct client_slot *take_slot(struct tcp_echo *te)
{
	for (unsigned i = 0; i < te->max_clients; i++) {
		if (!te->slots[i].in_use) {
			struct client_slot *c = &te->slots[i];
			memset(c, 0, sizeof *c);
			c->te = te;
			c->in_use = 1;
			c->fd = -1;
			te->active++;
			return c;
		}
	}
	return NULL; /* not reached: the loop only accepts below max_clients */
}

static void free_slot(struct tcp_echo *te, struct client_slot *c)
{
	c->in_use = 0;
	te->active--;
}

/* fork: the child serves and exits; the parent closes its copy of the
 * socket at once (else the connection would outlive the child). */
static void start_child(struct tcp_echo *te, struct client_slot *c)
{
	pid_t pid = fork();

	if (pid < 0) {
		diag_errno("fork for %s", c->peer);
		close(c->fd);
		note_error(te, NULL);
		atomic_fetch_add(&te->stats->closed, 1);
		free_slot(te, c);
		return;
	}
	if (pid == 0) {
		close(te->srv.listen_fd);
		serve_connection(te, c);
		_exit(EXIT_OK); /* not exit(): the parent's atexit work is not the child's */
	}
	c->pid = pid;
	close(c->fd);
	c->fd = -1;
	diag_verbose(1, "fork: child %ld serves %s", (long)pid, c->peer);
}

static void *thread_main(void *arg)
{
	struct client_slot *c = arg;
	uint64_t one = 1;

	serve_connection(c->te, c);
	atomic_store(&c->done, 1);
	/* wake the main loop: this slot can be joined */
	if (write(c->te->notify_fd, &one, sizeof one) < 0)
		diag_verbose(1, "notify: %s", strerror(errno));
	return NULL;
}

static void start_thread(struct tcp_echo *te, struct client_slot *c)
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
		close(c->fd);
		note_error(te, NULL);
		atomic_fetch_add(&te->stats->closed, 1);
		free_slot(te, c);
	}
}

static void describe_status(int status, char *out, size_t size)
{
	if (WIFEXITED(status))
		snprintf(out, size, "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(out, size, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(out, size, "status %d", status);
}

/* Collects every child that has ended, so none stays a zombie. */
static void reap_children(struct tcp_echo *te, int block)
{
	int status;
	pid_t pid;
	char how[48];

	while (te->active > 0 && (pid = waitpid(-1, &status, block ? 0 : WNOHANG)) > 0) {
		describe_status(status, how, sizeof how);
		for (unsigned i = 0; i < te->max_clients; i++) {
			struct client_slot *c = &te->slots[i];
			if (c->in_use && c->pid == pid) {
				diag_verbose(1, "reap child %ld of %s: %s", (long)pid, c->peer, how);
				free_slot(te, c);
				break;
			}
		}
	}
}

static void join_threads(struct tcp_echo *te)
{
	uint64_t count;

	if (read(te->notify_fd, &count, sizeof count) < 0 && errno != EAGAIN)
		diag_verbose(1, "notify: %s", strerror(errno));
	for (unsigned i = 0; i < te->max_clients; i++) {
		struct client_slot *c = &te->slots[i];
		if (c->in_use && atomic_load(&c->done)) {
			pthread_join(c->thread, NULL);
			diag_verbose(2, "join the thread of %s", c->peer);
			free_slot(te, c);
		}
	}
}

static void collect_workers(struct tcp_echo *te)
{
	if (te->model == MODEL_FORK)
		reap_children(te, 0);
	else if (te->model == MODEL_THREAD)
		join_threads(te);
}

/* Accepts one client and hands it to the model.  -1 with errno when
 * accept(2) failed for a reason that will not go away by itself at once
 * (out of descriptors or memory). */
static int accept_one(struct tcp_echo *te)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	struct client_slot *c;
	int fd = sock_accept(te->srv.listen_fd, (struct sockaddr *)&ss, &len, 0);

	if (fd < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		diag_errno("accept on %s", te->srv.bound);
		return -1;
	}
	c = take_slot(te);
	c->fd = fd;
	c->id = atomic_fetch_add(&te->stats->accepted, 1) + 1;
	addr_format((struct sockaddr *)&ss, len, c->peer, sizeof c->peer);
	if (ss.ss_family == AF_UNIX)
		snprintf(c->peer, sizeof c->peer, "unix client %llu", (unsigned long long)c->id);
	set_nodelay(fd);
	diag_verbose(1, "accept %s (connection %llu)", c->peer, (unsigned long long)c->id);
	switch (te->model) {
	case MODEL_ITERATIVE:
		diag_verbose(1, "iterative: serving %s in the main process; the next client waits in the backlog",
		             c->peer);
		serve_connection(te, c);
		free_slot(te, c);
		break;
	case MODEL_FORK:
		start_child(te, c);
		break;
	case MODEL_THREAD:
		start_thread(te, c);
		break;
	}
	return 0;
}

/* Waits for a client (when accepting), a finished worker, a signal or the
 * --duration deadline.  1 when the listening socket is readable. */
static int wait_main(struct tcp_echo *te, int accepting, int cap_ms)
{
	struct pollfd pfd[2] = { { te->srv.listen_fd, POLLIN, 0 }, { te->notify_fd, POLLIN, 0 } };
	int timeout_ms = server_wait_ms(&te->srv, cap_ms);
	struct timespec ts = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L };
	int n;

	if (!accepting)
		pfd[0].fd = -1; /* ignored by ppoll: the queue waits in the kernel */
	n = ppoll(pfd, 2, timeout_ms < 0 ? NULL : &ts, &te->open_mask);
	if (n < 0 && errno != EINTR)
		return diag_errno("ppoll"), -1;
	return n > 0 && (pfd[0].revents & POLLIN);
}

static void print_counters(struct tcp_echo *te)
{
	diag_info(
	    "counters: %llu accepted, %u active, %llu closed, %llu bytes in, %llu bytes out, %llu errors",
	    (unsigned long long)atomic_load(&te->stats->accepted), te->active,
	    (unsigned long long)atomic_load(&te->stats->closed),
	    (unsigned long long)atomic_load(&te->stats->bytes_in),
	    (unsigned long long)atomic_load(&te->stats->bytes_out),
	    (unsigned long long)atomic_load(&te->stats->errors));
}

/* At a stop: tells every worker through the stop eventfd, waits for them
 * (bounded), and kills the children that do not end in time. */
static void stop_workers(struct tcp_echo *te)
{
	uint64_t one = 1, give_up = clock_now_ns() + STOP_GRACE_MS * 1000000ull;

	if (te->active == 0)
		return;
	diag_verbose(1, "stopping: closing %u connection%s", te->active, te->active == 1 ? "" : "s");
	if (write(te->stop_fd, &one, sizeof one) < 0)
		diag_errno("write stop event");
	while (te->active > 0) {
		collect_workers(te);
		if (te->active == 0)
			break;
		if (clock_now_ns() >= give_up) {
			if (te->model != MODEL_FORK) {
				diag_error("stop: %u threads did not end in time", te->active);
				return;
			}
			for (unsigned i = 0; i < te->max_clients; i++)
				if (te->slots[i].in_use)
					kill(te->slots[i].pid, SIGKILL);
			reap_children(te, 1);
			return;
		}
		wait_main(te, 0, 100);
	}
}

/* The accept loop of every model: accept while below --max-clients. */
static int serve_forever(struct tcp_echo *te)
{
	int said_full = 0;

	for (;;) {
		int accepting = 1, ready;
		uint64_t accepted = atomic_load(&te->stats->accepted);

		collect_workers(te);
		if (sig_report_requested())
			print_counters(te);
		if (sig_stop_requested() || server_expired(&te->srv))
			break;
		if (te->config.max_conns && accepted >= te->config.max_conns) {
			if (te->active == 0)
				break;
			accepting = 0;
		} else if (te->active >= te->max_clients) {
			if (!said_full)
				diag_verbose(
				    1, "%u client%s being served (--max-clients): new ones wait in the backlog",
				    te->active, te->active == 1 ? "" : "s");
			said_full = 1;
			accepting = 0;
		} else {
			said_full = 0;
		}
		ready = wait_main(te, accepting, -1);
		if (ready < 0)
			return EXIT_FAIL;
		/* the queue stays readable when accept fails for want of
		 * descriptors: pause until a worker ends instead of spinning */
		if (ready > 0 && accept_one(te) < 0)
			wait_main(te, 0, 100);
	}
	stop_workers(te);
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
static int setup_signals(struct tcp_echo *te)
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
	if (sigaction(SIGCHLD, &sa, NULL) < 0 || sigprocmask(SIG_BLOCK, &block, &te->open_mask) < 0)
		return diag_errno("install signal handlers");
	sigdelset(&te->open_mask, SIGINT);
	sigdelset(&te->open_mask, SIGTERM);
	sigdelset(&te->open_mask, SIGHUP);
	sigdelset(&te->open_mask, SIGUSR1);
	sigdelset(&te->open_mask, SIGCHLD);
	return EXIT_OK;
}

static int server_setup(struct tcp_echo *te)
{
	int rc;

	te->stats = mmap(NULL, sizeof *te->stats, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (te->stats == MAP_FAILED) {
		te->stats = NULL;
		return diag_errno("map the shared counters");
	}
	te->slots = calloc(te->max_clients, sizeof *te->slots);
	te->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	te->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!te->slots || te->stop_fd < 0 || te->notify_fd < 0)
		return diag_errno("set up the server");
	if ((rc = setup_signals(te)) != EXIT_OK)
		return rc;
	if (sink_check(&te->sink) < 0)
		return diag_errno("sink %s", te->sink.target);
	if ((rc = server_open(&te->srv, &te->config, SOCK_STREAM, SOCK_NONBLOCK)) != EXIT_OK)
		return rc;
	te->start_ns = clock_now_ns();
	diag_verbose(1, "model %s, at most %u client%s at once, handler %s", model_names[te->model],
	             te->max_clients, te->max_clients == 1 ? "" : "s", handler_kind_name(te->kind));
	return EXIT_OK;
}

static void server_teardown(struct tcp_echo *te)
{
	if (te->srv.config)
		server_close(&te->srv);
	if (te->stop_fd >= 0)
		close(te->stop_fd);
	if (te->notify_fd >= 0)
		close(te->notify_fd);
	free(te->slots);
	if (te->stats)
		munmap(te->stats, sizeof *te->stats);
}

static int run_server(struct tcp_echo *te)
{
	int rc = server_setup(te);

	if (rc == EXIT_OK) {
		rc = serve_forever(te);
		unsigned long long conns = atomic_load(&te->stats->accepted);
		unsigned long long bytes_in = atomic_load(&te->stats->bytes_in);
		unsigned long long bytes_out = atomic_load(&te->stats->bytes_out);
		unsigned long long errors = atomic_load(&te->stats->errors);
		diag_info("summary: %llu connection%s, %llu byte%s in, %llu byte%s out, %llu error%s, %.3f s",
		          conns, conns == 1 ? "" : "s", bytes_in, bytes_in == 1 ? "" : "s", bytes_out,
		          bytes_out == 1 ? "" : "s", errors, errors == 1 ? "" : "s",
		          (double)(clock_now_ns() - te->start_ns) / 1e9);
	}
	server_teardown(te);
	return rc;
}

/* ---- the client ---------------------------------------------------------- */

/* -v tells the race as it runs: each attempt, why it started, how it ended. */
static void narrate_attempt(void *arg, const struct connect_race *r, const struct connect_event *e)
{
	const struct connect_attempt *a = &r->attempts[e->index];
	char local[ADDR_TEXT_MAX];

	(void)arg;
	switch ((enum connect_state)e->state) {
	case CONNECT_TRYING:
		if (a->why == CONNECT_AFTER_DELAY)
			diag_verbose(1, "connect %s: trying (no answer from %s after %d ms)", a->address,
			             r->attempts[e->index - 1].address, r->delay_ms);
		else
			diag_verbose(1, "connect %s: trying (%s)", a->address,
			             a->addr.ss_family == AF_UNIX ? "no handshake on a unix socket"
			                                          : "sending SYN, waiting for SYN-ACK");
		break;
	case CONNECT_CONNECTED:
		diag_verbose(1, "connect %s: connected from %s after %.3f ms", a->address,
		             sock_local_text(a->fd, local, sizeof local), connect_attempt_ms(a));
		break;
	case CONNECT_FAILED:
		diag_verbose(1, "connect %s: %s after %.3f ms", a->address, strerror(a->error),
		             connect_attempt_ms(a));
		break;
	case CONNECT_CLOSED:
		diag_verbose(1, "connect %s: closed, another address answered first", a->address);
		break;
	case CONNECT_WAITING:
		break;
	}
}

/* Races the resolved addresses (RFC 8305); the first that connects wins. */
static int connect_target(struct tcp_echo *te, const struct addrinfo *list, const struct addrinfo **used,
                          char *peer, size_t size)
{
	struct connect_race race;
	int fd;

	connect_race_init(&race, seconds_to_ms(te->connect_timeout), 0);
	race.on_event = narrate_attempt;
	race.interrupted = te->bench ? sig_stop_requested : NULL; /* only --bench catches signals */
	for (const struct addrinfo *ai = list; ai; ai = ai->ai_next)
		connect_race_add(&race, ai->ai_addr, ai->ai_addrlen, ai);
	fd = connect_race_run(&race);
	if (fd < 0) {
		int err = errno;
		if (race.last_failed >= 0)
			snprintf(peer, size, "%s", race.attempts[race.last_failed].address);
		else
			snprintf(peer, size, "%s", te->target);
		diag_errnum(err, "connect %s", peer);
		return -1;
	}
	snprintf(peer, size, "%s", race.attempts[race.winner].address);
	*used = race.attempts[race.winner].tag;
	return fd;
}

/* ---- the load mode -------------------------------------------------------- */

static int run_bench(struct tcp_echo *te, const struct addrinfo *ai, int fd, const char *peer)
{
	struct echoload_config c;
	struct echoload_result *r = malloc(sizeof *r);
	int rc;

	if (!r) {
		close(fd);
		return diag_errno("allocate the bench report");
	}
	memset(&c, 0, sizeof c);
	c.target = ai;
	c.first_fd = fd;
	c.mode = te->stream ? ECHOLOAD_STREAM : te->reconnect ? ECHOLOAD_RECONNECT : ECHOLOAD_ROUNDTRIP;
	c.conns = (unsigned)te->conns;
	c.size = (size_t)te->size;
	c.frame = te->kind == HANDLER_FRAME;
	c.count = te->count;
	c.duration = te->config.duration;
	c.connect_timeout_ms = seconds_to_ms(te->connect_timeout);
	c.idle_timeout_ms = te->timeout > 0 ? seconds_to_ms(te->timeout) : BENCH_IDLE_MS;
	c.stop = sig_stop_requested;
	diag_verbose(1, "bench %s: %s, %u connection%s of %zu-byte messages", peer,
	             echoload_mode_name(c.mode), c.conns, c.conns == 1 ? "" : "s", c.size);
	rc = echoload_run(&c, r);
	if (rc == 0) {
		struct buf out = BUF_INIT;
		if (te->json)
			echoload_report_json(&c, r, peer, sig_stop_requested(), &out);
		else
			echoload_report_text(&c, r, peer, sig_stop_requested(), &out);
		if (te->histogram)
			histbar_text(&out, &r->latency, "round trips", term_caps(STDOUT_FILENO));
		fwrite(out.data, 1, out.len, stdout);
		buf_free(&out);
		if (te->svg && histbar_svg_file(&r->latency, "round trips", "tcp-echo --bench", te->svg) < 0) {
			diag_errno("write %s", te->svg);
			rc = ECHOLOAD_FAILED;
		}
	} else {
		diag_error("%s", r->fail_text);
	}
	free(r);
	return rc == 0 ? EXIT_OK : rc == ECHOLOAD_MISMATCH ? 3 : EXIT_FAIL;
}

static int run_client(struct tcp_echo *te)
{
	struct addr_spec spec;
	struct addrinfo *list = NULL;
	const struct addrinfo *used = NULL;
	char peer[ADDR_TEXT_MAX];
	int fd, rc;

	if (addr_parse(te->target, 0, &spec) < 0)
		return diag_usage("invalid address '%s': expected HOST:PORT, [V6]:PORT, PORT or unix:/path",
		                  te->target);
	rc = addr_resolve(&spec, "127.0.0.1", NULL, te->config.family, SOCK_STREAM, 0, &list);
	if (rc != 0)
		return diag_error("resolve %s: %s", te->target, addr_strerror(rc));
	if (te->bench && sig_catch_stop() < 0) {
		addr_free(list);
		return diag_errno("install signal handlers");
	}
	fd = connect_target(te, list, &used, peer, sizeof peer);
	if (fd < 0)
		rc = EXIT_FAIL;
	else if (te->bench)
		rc = run_bench(te, used, fd, peer);
	else {
		struct relay_options ro = { te->kind == HANDLER_FRAME, te->max_frame, te->timeout,
			                    isatty(STDIN_FILENO) && isatty(STDERR_FILENO) };
		rc = relay_run(fd, peer, &ro);
		close(fd);
	}
	addr_free(list);
	return rc;
}

/* ---- the port check ------------------------------------------------------ */

/* The verdicts come in any order; they are printed in the operands' order,
 * each as soon as every one before it is known. */
struct check_print {
	struct portcheck_port *ports;
	size_t count, printed;
	int json;
};

static void print_verdicts(void *arg, size_t index)
{
	struct check_print *cp = arg;
	struct buf out = BUF_INIT;

	(void)index;
	while (cp->printed < cp->count && cp->ports[cp->printed].state != PORTCHECK_PENDING)
		portcheck_format(&cp->ports[cp->printed++], cp->json, &out);
	if (out.len > 0) {
		fwrite(out.data, 1, out.len, stdout);
		fflush(stdout);
	}
	buf_free(&out);
}

static int run_check(struct tcp_echo *te)
{
	double timeout = te->connect_timeout > 0 ? te->connect_timeout
	                 : te->timeout > 0       ? te->timeout
	                                         : CHECK_TIMEOUT;
	struct check_print cp = { NULL, 0, 0, te->json };
	int rc = EXIT_OK;

	for (int i = 0; i < te->operand_count && rc == EXIT_OK; i++) {
		int gai = 0,
		    err = portcheck_add(te->operands[i], te->config.family, &cp.ports, &cp.count, &gai);
		if (err < 0 && errno == EINVAL)
			rc = diag_usage(
			    "invalid operand '%s': expected HOST:PORT or HOST:LOW-HIGH (ports 1-65535)",
			    te->operands[i]);
		else if (err < 0)
			rc = diag_errno("check %s", te->operands[i]);
		else if (err > 0)
			rc = diag_error("resolve %s: %s", te->operands[i], addr_strerror(gai));
	}
	if (rc == EXIT_OK && sig_catch_stop() < 0)
		rc = diag_errno("install signal handlers");
	if (rc == EXIT_OK) {
		diag_verbose(1, "check: %zu port%s, %llu at once, %g s each", cp.count,
		             cp.count == 1 ? "" : "s", (unsigned long long)te->parallel, timeout);
		if (portcheck_run(cp.ports, cp.count, (unsigned)te->parallel, seconds_to_ms(timeout),
		                  sig_stop_requested, print_verdicts, &cp) < 0)
			rc = errno == EINTR
			         ? diag_error("check stopped: %zu of %zu ports checked", cp.printed, cp.count)
			         : diag_errno("check");
	}
	for (size_t i = 0; rc == EXIT_OK && i < cp.count; i++)
		if (cp.ports[i].state != PORTCHECK_OPEN)
			rc = CHECK_NOT_OPEN;
	free(cp.ports);
	return rc;
}

int tcp_echo_main(int argc, char **argv)
{
	struct tcp_echo te;
	int rc = parse_args(&te, argc, argv);

	if (rc != OPT_GO_ON)
		return rc;
	return te.listen ? run_server(&te) : te.check ? run_check(&te) : run_client(&te);
}
