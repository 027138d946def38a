/*
 * tcp_echo.c - a TCP echo server (its models in lib/serve/model), its client.
 *
 * Concept: the life of a TCP connection (socket, bind, listen, accept,
 * connect, shutdown, close); what a concurrency model costs (one client at
 * a time, a process or a thread per client, pools of processes or threads,
 * coroutines on one event loop); zombies and reaping; message framing on a
 * byte stream; half-close.
 * References: RFC 9293 (TCP); socket(7), tcp(7), accept4(2), shutdown(2),
 * fork(2), waitpid(2), pthread_create(3), ppoll(2), eventfd(2), socket(7)
 * (SO_REUSEPORT), epoll(7) (EPOLLEXCLUSIVE), makecontext(3).
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
#include "serve/model.h"
#include "cli/opt.h"
#include "cli/parse.h"
#include "serve/relay.h"
#include "serve/server.h"
#include "sig/sig.h"
#include "net/connect.h"
#include "net/portcheck.h"
#include "net/sock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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
	OPT_WORKERS,
	OPT_MAX_REQUESTS,
	OPT_QUEUE,
	OPT_HISTOGRAM,
	OPT_SVG,
};

static const struct opt_spec options[] = {
	{ 'l', "listen", NULL, "run the echo server (without it: the client of HOST:PORT)" },
	{ 'm', "model", "iterative|fork|thread|prefork|pool|reuseport|coroutine",
	  "server: how clients are served at once (default thread)" },
	{ OPT_WORKERS, "workers", "N", "prefork, pool, reuseport: processes or threads (default 4)" },
	{ OPT_MAX_REQUESTS, "max-requests", "N",
	  "prefork, reuseport: replace a worker after it served N connections" },
	{ OPT_QUEUE, "queue", "N", "pool: accepted connections waiting for a thread (default 16)" },
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
	.summary = "TCP echo server (seven concurrency models), its client and a load mode",
	.specs = options,
	.shared = server_blocks,
};

#define BENCH_IDLE_MS 10000
#define CHECK_TIMEOUT 3.0 /* seconds a port may take to answer --check */
#define CHECK_NOT_OPEN 4  /* exit status: a checked port is closed or filtered */

struct tcp_echo {
	/* what the options decide */
	int listen;
	enum handler_kind kind;
	const char *reply;
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
	struct model_server server; /* -l: the server's own options, and its run */
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
	int max_clients, workers, max_requests, queue; /* the model options given */
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
			return opt_bad_value(
			    &tcp_echo_tool, key, arg,
			    "expected iterative, fork, thread, prefork, pool, reuseport or coroutine");
		te->server.model = (enum model)rc;
		seen->server_only = key;
		return EXIT_OK;
	case OPT_MAX_CLIENTS:
		seen->server_only = seen->max_clients = key;
		if ((rc = parse_count_opt(key, arg, 1, 65536, &n)) == EXIT_OK)
			te->server.max_clients = (unsigned)n;
		return rc;
	case OPT_WORKERS:
	case OPT_QUEUE:
		seen->server_only = key;
		if ((rc = parse_count_opt(key, arg, 1, key == OPT_WORKERS ? MODEL_WORKERS_MAX : 65536, &n)) ==
		    EXIT_OK)
			*(key == OPT_WORKERS ? &te->server.workers : &te->server.queue) = (unsigned)n;
		seen->workers = key == OPT_WORKERS ? key : seen->workers;
		seen->queue = key == OPT_QUEUE ? key : seen->queue;
		return rc;
	case OPT_MAX_REQUESTS:
		seen->server_only = seen->max_requests = key;
		return parse_count_opt(key, arg, 1, UINT64_MAX, &te->server.max_requests);
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
		sink_init(&te->server.sink, arg);
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

/* Each model option belongs to the models that have what it bounds. */
static int check_model_options(struct tcp_echo *te, const struct seen *seen)
{
	enum model m = te->server.model;
	const char *name = model_names[m];

	if (seen->workers && !model_has_workers(m))
		return diag_usage("--workers goes with --model prefork, pool or reuseport, not %s", name);
	if (seen->max_requests && m != MODEL_PREFORK && m != MODEL_REUSEPORT)
		return diag_usage("--max-requests goes with --model prefork or reuseport, not %s", name);
	if (seen->queue && m != MODEL_POOL)
		return diag_usage("--queue goes with --model pool, not %s", name);
	if (seen->max_clients && model_has_workers(m))
		return diag_usage("--max-clients has no meaning with --model %s: --workers bounds the "
		                  "clients served at once",
		                  name);
	return EXIT_OK;
}

/* Conflicts between the two sides and between the modes. */
static int check_conflicts(struct tcp_echo *te, const struct seen *seen, int operands)
{
	int rc;

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
		if (te->server.sink.kind != SINK_NONE && seen->transforms)
			return diag_usage(
			    "--sink sends nothing back: choose it or --upper, --reply, --discard, --frame");
		if ((rc = check_model_options(te, seen)) != EXIT_OK)
			return rc;
		/* one file, or one stdout: one connection at a time writes it */
		if (te->server.sink.kind == SINK_FILE || te->server.sink.kind == SINK_STDOUT)
			te->server.model = MODEL_ITERATIVE;
		if (te->server.model == MODEL_ITERATIVE)
			te->server.max_clients = 1;
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
	struct seen seen;
	int key, rc;

	memset(te, 0, sizeof *te);
	memset(&seen, 0, sizeof seen);
	model_init(&te->server);
	te->kind = HANDLER_ECHO;
	te->max_frame = HANDLER_FRAME_MAX_DEFAULT;
	te->conns = 1;
	te->size = 64;
	te->parallel = 64;
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

static int run_server(struct tcp_echo *te)
{
	/* the options both sides share are the tool's; the server's are its own */
	te->server.kind = te->kind;
	te->server.reply = te->reply;
	te->server.max_frame = te->max_frame;
	te->server.timeout = te->timeout;
	te->server.config = te->config;
	return model_run(&te->server);
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
