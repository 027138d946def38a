/*
 * udp_chat.c - the course's UDP chat room: a server that keeps a table of
 * members and fans each message out to the others, and a client that
 * joins it from a terminal or a pipeline.
 *
 * Concept: state per address in a connectionless server; fan-out with
 * sendmmsg(2); heartbeats in place of the "leave" UDP cannot tell; a source
 * address is a claim, not a proof (spoofing); why 1200 bytes; one poll(2)
 * loop over stdin and a socket instead of a forked sender and receiver.
 * The wire protocol is the course's, byte for byte (the table is in
 * sockbox-udp-chat(1)); lib/chat parses it, keeps the members, fans out,
 * and plays one member (chat/client; chat/group without a server).
 * References: RFC 768 (UDP), RFC 8085 (UDP usage guidelines: message
 * sizes, congestion, keep-alives), RFC 3629 (UTF-8); udp(7), socket(7),
 * sendmmsg(2), poll(2).
 */
#include "tools.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/io.h"
#include "chat/client.h"
#include "chat/group.h"
#include "chat/host.h"
#include "chat/proto.h"
#include "chat/room.h"
#include "cli/diag.h"
#include "cli/opt.h"
#include "cli/parse.h"
#include "net/addr.h"
#include "net/dgram.h"
#include "net/sock.h"
#include "serve/server.h"
#include "sig/sig.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
	OPT_TIMEOUT = OPT_LONG_ONLY,
	OPT_MAX_MEMBERS,
	OPT_MAX_SIZE,
	OPT_RATE,
	OPT_JSON,
	OPT_NO_SENDMMSG,
	OPT_RCVBUF,
	OPT_LINGER,
};

static const struct opt_spec options[] = {
	{ 'n', "name", "NAME", "the name to join as (default: $USER)" },
	{ OPT_TIMEOUT, "timeout", "SECS",
	  "serve: remove members silent for SECS (0: never, else 3 or more); join: wait SECS for OK "
	  "(default 5)" },
	{ OPT_MAX_MEMBERS, "max-members", "N", "members at most (default 256)" },
	{ OPT_MAX_SIZE, "max-size", "BYTES", "longest datagram accepted (default 1200)" },
	{ OPT_RATE, "rate", "N/s", "messages a member may send per second, excess dropped (default: no limit)" },
	{ OPT_NO_SENDMMSG, "no-sendmmsg", NULL, "fan out with one sendto per member (to compare)" },
	{ 'g', "group", "ADDR", "no server: chat with every peer on this multicast group" },
	{ OPT_LINGER, "linger", "SECS", "after stdin ends, wait SECS for EXIT (default 2)" },
	{ OPT_RCVBUF, "rcvbuf", "BYTES", "the socket's receive buffer (SO_RCVBUF)" },
	{ OPT_JSON, "json", NULL, "events as JSON Lines" },
	{ 'v', "verbose", NULL, "narrate on stderr (repeat for every datagram)" },
	{ 0, NULL, NULL, NULL },
};

static const char *const commands[] = { "serve", "join", NULL };

static const struct opt_bind bindings[] = {
	{ 'n', "join" },
	{ 'g', "join" },
	{ OPT_LINGER, "join" },
	{ OPT_MAX_MEMBERS, "serve" },
	{ OPT_MAX_SIZE, "serve" },
	{ OPT_RATE, "serve" },
	{ OPT_NO_SENDMMSG, "serve" },
	{ 'b', "serve" },
	{ SERVER_OPT_PORT_FILE, "serve" },
	{ SERVER_OPT_PID_FILE, "serve" },
	{ SERVER_OPT_DURATION, "serve" },
	{ 0, NULL },
};

static const struct opt_help help_for[] = {
	{ 'p', "port (default 9999): serve's to bind, 0 for any free one; join's when HOST has none" },
	{ 0, NULL },
};

const struct opt_tool udp_chat_tool = {
	.name = "udp-chat",
	.usage = "serve [OPTIONS]\njoin [OPTIONS] HOST[:PORT]\njoin --group ADDR [OPTIONS]",
	.summary = "the course's UDP chat room: a server of members, and a client",
	.details = "serve: each stdin line is an announcement; events go to stdout.\n"
	           "join: each stdin line is a message; at its end the client leaves.",
	.specs = options,
	.shared = server_dgram_blocks,
	.commands = commands,
	.bind = bindings,
	.help_for = help_for,
};

enum { CMD_SERVE = 1, CMD_JOIN = 2 };

#define DEFAULT_PORT "9999"
#define DEFAULT_MAX_SIZE 1200 /* one datagram crosses any path unfragmented (RFC 8085) */

struct udp_chat {
	int command;
	/* options */
	const char *name;
	const char *target;
	const char *group;
	struct addrinfo *group_ai;
	double timeout; /* serve: 0 = never; join: the wait for OK */
	const char *timeout_arg;
	double linger;
	size_t max_members;
	size_t max_size;
	double rate;
	int json;
	int use_mmsg;
	uint64_t rcvbuf;
	struct server_config server;
	/* run state */
	int fd;
	struct server srv;
	struct chat_host host; /* serve: the room */
	unsigned char *datagram;
	struct buf input; /* stdin bytes not yet a whole line */
	int stdin_open;
	struct chat_client cl; /* join: the member we are */
};

static int bad_value(int key, const char *arg, const char *expected)
{
	return opt_bad_value(&udp_chat_tool, key, arg, "expected %s", expected);
}

/* --rate N or N/s. */
static int parse_rate(const char *arg, double *rate)
{
	char number[32];
	size_t len = strcspn(arg, "/");

	if (len >= sizeof number || (arg[len] && strcmp(arg + len, "/s") != 0))
		return -1;
	memcpy(number, arg, len);
	number[len] = '\0';
	return parse_seconds(number, 0.001, 1e9, rate); /* a plain decimal, as seconds are */
}

static int parse_option(struct udp_chat *c, int key, const char *arg)
{
	uint64_t v;

	switch (key) {
	case 'n':
		if (chat_name_check(arg, strlen(arg)) != CHAT_OK)
			return bad_value(key, arg, "1-32 characters, no space, ':' or control, not 'admin'");
		c->name = arg;
		break;
	case OPT_TIMEOUT:
		if (parse_seconds(arg, 0, 86400, &c->timeout) < 0)
			return bad_value(key, arg, "seconds, such as 30");
		c->timeout_arg = arg;
		break;
	case 'g':
		c->group = arg;
		break;
	case OPT_LINGER:
		if (parse_seconds(arg, 0, 3600, &c->linger) < 0)
			return bad_value(key, arg, "seconds, such as 2");
		break;
	case OPT_MAX_MEMBERS:
		if (parse_uint(arg, 1, 65536, &v) < 0)
			return bad_value(key, arg, "a whole number from 1 to 65536");
		c->max_members = (size_t)v;
		break;
	case OPT_MAX_SIZE:
		if (parse_size(arg, 64, 65507, &v) < 0)
			return bad_value(key, arg, "a size from 64 to 65507");
		c->max_size = (size_t)v;
		break;
	case OPT_RATE:
		if (parse_rate(arg, &c->rate) < 0)
			return bad_value(key, arg, "messages per second, such as 20/s");
		break;
	case OPT_RCVBUF:
		if (parse_size(arg, 4096, 1u << 30, &c->rcvbuf) < 0)
			return bad_value(key, arg, "a size from 4K to 1G");
		break;
	case OPT_JSON:
		c->json = 1;
		break;
	case OPT_NO_SENDMMSG:
		c->use_mmsg = 0;
		break;
	case 'v':
		diag_set_verbosity(diag_verbosity() + 1);
		break;
	default:
		return diag_usage("unknown option '--%s'", opt_name(&udp_chat_tool, key));
	}
	return EXIT_OK;
}

static int parse_operands(struct udp_chat *c, int argc, char **argv, int index)
{
	if (index >= argc)
		return diag_usage("missing command: serve or join");
	if (strcmp(argv[index], "serve") == 0)
		c->command = CMD_SERVE;
	else if (strcmp(argv[index], "join") == 0)
		c->command = CMD_JOIN;
	else
		return diag_usage("unknown command '%s': serve or join", argv[index]);
	index++;
	if (c->command == CMD_JOIN && !c->group) {
		if (index >= argc)
			return diag_usage("join: missing HOST[:PORT]");
		c->target = argv[index++];
	}
	if (index < argc)
		return diag_usage("unexpected operand '%s'", argv[index]);
	return EXIT_OK;
}

static int check_conflicts(struct udp_chat *c)
{
	if (c->command == CMD_SERVE && c->timeout > 0 && c->timeout < 3)
		return bad_value(OPT_TIMEOUT, c->timeout_arg,
		                 "0 or 3 seconds and more (heartbeats come every third)");
	if (c->command == CMD_JOIN && !c->name) {
		const char *user = getenv("USER");
		if (!user || chat_name_check(user, strlen(user)) != CHAT_OK)
			return diag_usage("join: give --name (no usable $USER)");
		c->name = user;
	}
	if (c->command == CMD_JOIN && c->timeout <= 0)
		c->timeout = 5;
	return EXIT_OK;
}

static int parse_args(struct udp_chat *c, int argc, char **argv)
{
	struct opt_state st;
	int key, rc;

	opt_init(&st, &udp_chat_tool, argc, argv);
	while ((key = opt_next(&st)) != OPT_END) {
		if (key == OPT_EXIT)
			return st.status;
		rc = server_parse_option(&c->server, &udp_chat_tool, key, st.arg);
		if (rc < 0 || (rc == 0 && parse_option(c, key, st.arg) != EXIT_OK)) {
			opt_done(&st);
			return EXIT_USAGE;
		}
	}
	rc = parse_operands(c, argc, argv, st.index);
	if (rc == EXIT_OK)
		rc = check_conflicts(c);
	return rc == EXIT_OK ? OPT_GO_ON : rc;
}

/* ---- serve ---- */

/* Reads what the socket holds (at most a batch, so stdin gets its turn). */
static int serve_socket(struct udp_chat *c)
{
	for (int i = 0; i < 256; i++) {
		struct dgram_info info;
		ssize_t kept = dgram_recv(c->fd, c->datagram, c->max_size, &info);
		if (kept < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return EXIT_OK;
			if (errno == ECONNREFUSED) /* an ICMP error for an earlier send: not fatal */
				continue;
			return diag_errno("receive");
		}
		c->host.n.received++;
		if (chat_host_datagram(&c->host, (size_t)kept, &info) != EXIT_OK)
			return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* One operator line: an announcement to every member. */
static int announce(struct udp_chat *c, const char *text, size_t len)
{
	return chat_host_announce(&c->host, text, len);
}

/*
 * Reads stdin and hands each whole line to fn; at end of file the rest.
 * Sets *eof.  EXIT_OK or EXIT_FAIL.
 */
static int read_lines(struct udp_chat *c, int (*fn)(struct udp_chat *, const char *, size_t), int *eof)
{
	char chunk[16384];
	ssize_t n = read(STDIN_FILENO, chunk, sizeof chunk);
	char *nl;

	*eof = 0;
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? EXIT_OK : diag_errno("read stdin");
	if (n == 0)
		*eof = 1;
	else if (buf_append(&c->input, chunk, (size_t)n) < 0)
		return diag_errno("read stdin");
	while (buf_readable(&c->input) > 0 &&
	       (nl = memchr(buf_head(&c->input), '\n', buf_readable(&c->input))) != NULL) {
		size_t len = (size_t)(nl - buf_head(&c->input));
		if (fn(c, buf_head(&c->input), len) != EXIT_OK)
			return EXIT_FAIL;
		buf_consume(&c->input, len + 1);
	}
	if (*eof && buf_readable(&c->input) > 0 &&
	    fn(c, buf_head(&c->input), buf_readable(&c->input)) != EXIT_OK)
		return EXIT_FAIL;
	if (*eof || buf_readable(&c->input) > CHAT_DATAGRAM_MAX)
		buf_clear(&c->input);
	else
		buf_compact(&c->input);
	return EXIT_OK;
}

static int serve_wait_ms(const struct udp_chat *c, uint64_t next_expiry)
{
	int ms = server_wait_ms(&c->srv, -1);

	if (next_expiry) {
		int left = clock_ms_until(next_expiry) + 1;
		if (ms < 0 || left < ms)
			ms = left;
	}
	return ms;
}

static int run_server(struct udp_chat *c)
{
	while (!sig_stop_requested() && !server_expired(&c->srv)) {
		struct pollfd pfd[2] = { { .fd = c->fd, .events = POLLIN, .revents = 0 },
			                 { .fd = STDIN_FILENO, .events = POLLIN, .revents = 0 } };
		uint64_t next = chat_host_sweep(&c->host);
		int ready, eof, rc = EXIT_OK;

		if (sig_report_requested())
			chat_host_report(&c->host);
		ready = poll(pfd, c->stdin_open ? 2 : 1, serve_wait_ms(c, next));
		if (ready < 0 && errno != EINTR)
			return diag_errno("poll");
		if (ready <= 0)
			continue;
		if (pfd[0].revents)
			rc = serve_socket(c);
		if (rc == EXIT_OK && c->stdin_open && pfd[1].revents) {
			rc = read_lines(c, announce, &eof);
			if (eof) {
				diag_verbose(1, "stdin ended: no more announcements, still serving");
				c->stdin_open = 0;
			}
		}
		if (rc != EXIT_OK)
			return rc;
	}
	return EXIT_OK;
}

/* SO_RCVBUF: SO_RCVBUFFORCE first (root may pass net.core.rmem_max). */
static void size_rcvbuf(int fd, uint64_t bytes)
{
	int want = (int)bytes, got = 0;
	socklen_t len = sizeof got;

	if (!bytes)
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof want) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof want) < 0)
		diag_errno("setsockopt SO_RCVBUF");
	getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &len);
	diag_verbose(1, "receive buffer %d bytes (the kernel doubles what is asked, for its bookkeeping)", got);
}

static int setup_server(int fd, void *ctx)
{
	struct udp_chat *c = ctx;

	if (dgram_want_rxq_ovfl(fd) < 0)
		return diag_errno("setsockopt SO_RXQ_OVFL");
	size_rcvbuf(fd, c->rcvbuf);
	diag_verbose(1, "fan-out with %s",
	             c->use_mmsg ? "sendmmsg: a batch of members per call" : "sendto: one call per member");
	return EXIT_OK;
}

static int serve_main(struct udp_chat *c)
{
	int rc;

	c->host.json = c->json;
	c->host.use_mmsg = c->use_mmsg;
	c->host.max_size = c->max_size;
	c->host.timeout = c->timeout;
	c->host.datagram = c->datagram;
	if (chat_room_init(&c->host.room, c->max_members, c->rate) < 0)
		return diag_errno("allocate the member table");
	if (sig_catch_stop() < 0 || sig_catch_report() < 0)
		return diag_errno("install signal handlers");
	c->server.setup = setup_server;
	c->server.setup_ctx = c;
	rc = server_open(&c->srv, &c->server, SOCK_DGRAM, SOCK_NONBLOCK);
	if (rc != EXIT_OK)
		return rc;
	c->fd = c->host.fd = c->srv.listen_fd;
	c->stdin_open = 1;
	rc = run_server(c);
	chat_host_report(&c->host);
	server_close(&c->srv);
	c->fd = -1;
	return rc;
}

/* ---- join ---- */

/* One stdin line: "/who", "/quit", or a message. */
static int say(struct udp_chat *c, const char *text, size_t len)
{
	if (len && text[len - 1] == '\r')
		len--;
	if (len == 4 && memcmp(text, "/who", 4) == 0)
		return chat_client_send(&c->cl, CHAT_WHO, NULL, 0);
	if (len == 5 && memcmp(text, "/quit", 5) == 0) {
		sig_request_stop();
		return EXIT_OK;
	}
	if (chat_text_check(text, len) != CHAT_OK) {
		diag_error("not sent: a line that is not UTF-8 text");
		return EXIT_OK;
	}
	return chat_client_send(&c->cl, CHAT_SAY, text, len);
}

struct join_clock {
	uint64_t next_heartbeat; /* 0: none */
	uint64_t linger_until;   /* 0: not leaving yet */
};

static int join_wait_ms(const struct join_clock *k)
{
	int ms = -1;

	if (k->next_heartbeat)
		ms = clock_ms_until(k->next_heartbeat);
	if (k->linger_until) {
		int left = clock_ms_until(k->linger_until);
		if (ms < 0 || left < ms)
			ms = left;
	}
	return ms;
}

static int leave(struct udp_chat *c, struct join_clock *k)
{
	k->linger_until = clock_now_ns() + clock_seconds_to_ns(c->linger);
	k->next_heartbeat = 0;
	diag_verbose(1, "leaving: Q %s, then up to %g s for EXIT", c->name, c->linger);
	return chat_client_send(&c->cl, CHAT_QUIT, NULL, 0);
}

static int run_client(struct udp_chat *c)
{
	struct join_clock k = { 0, 0 };
	uint64_t beat = clock_seconds_to_ns(c->cl.heartbeat);

	if (beat)
		k.next_heartbeat = clock_now_ns() + beat;
	c->stdin_open = 1;
	chat_client_prompt(&c->cl, 1);
	for (;;) {
		struct pollfd pfd[2] = { { .fd = c->fd, .events = POLLIN, .revents = 0 },
			                 { .fd = STDIN_FILENO, .events = POLLIN, .revents = 0 } };
		int ready, eof, rc = EXIT_OK;

		if (sig_stop_requested() && !k.linger_until && leave(c, &k) != EXIT_OK)
			return EXIT_FAIL;
		if (k.linger_until && clock_now_ns() >= k.linger_until) {
			diag_verbose(1, "no EXIT within --linger: done");
			return EXIT_OK;
		}
		if (k.next_heartbeat && clock_now_ns() >= k.next_heartbeat) {
			if (chat_client_send(&c->cl, CHAT_HEARTBEAT, NULL, 0) != EXIT_OK)
				return EXIT_FAIL;
			k.next_heartbeat += beat;
			continue;
		}
		ready = poll(pfd, c->stdin_open && !k.linger_until ? 2 : 1, join_wait_ms(&k));
		if (ready < 0 && errno != EINTR)
			return diag_errno("poll");
		if (ready <= 0)
			continue;
		if (pfd[0].revents) {
			struct chat_line l;
			size_t len;
			int got = chat_client_receive(&c->cl, -1, &l, &len);
			if (got < 0)
				return EXIT_FAIL;
			if (got && chat_client_print(&c->cl, &l, c->datagram, len) != EXIT_OK)
				return EXIT_FAIL;
			if (got && l.kind == CHAT_LINE_EXIT)
				return EXIT_OK;
		}
		if (c->stdin_open && !k.linger_until && pfd[1].revents) {
			rc = read_lines(c, say, &eof);
			if (rc == EXIT_OK && eof) {
				c->stdin_open = 0;
				rc = leave(c, &k);
			}
		}
		if (rc != EXIT_OK)
			return rc;
	}
}

/* Resolves HOST[:PORT] and connects a UDP socket to it: only its datagrams
 * come in, and an ICMP port unreachable comes back as ECONNREFUSED. */
static int connect_server(struct udp_chat *c)
{
	struct addr_spec spec;
	struct addrinfo *list;
	int rc;

	if (addr_parse(c->target, 1, &spec) < 0 || spec.is_unix)
		return diag_usage("join: expected HOST[:PORT], not '%s'", c->target);
	rc = addr_resolve(&spec, NULL, c->server.port ? c->server.port : DEFAULT_PORT, c->server.family,
	                  SOCK_DGRAM, 0, &list);
	if (rc != 0)
		return diag_error("resolve %s: %s", c->target, addr_strerror(rc));
	addr_format(list->ai_addr, list->ai_addrlen, c->cl.peer, sizeof c->cl.peer);
	c->fd = dgram_socket(list->ai_family, 0);
	if (c->fd < 0 || connect(c->fd, list->ai_addr, list->ai_addrlen) < 0) {
		addr_free(list);
		return diag_errno("connect %s", c->cl.peer);
	}
	addr_free(list);
	size_rcvbuf(c->fd, c->rcvbuf);
	return EXIT_OK;
}

/* ---- serverless: every peer on a multicast group ---- */

/* Resolves --group (a multicast address, the port from -p) and joins it
 * (chat/group.h: no server, every peer hears every datagram). */
static int open_group(struct udp_chat *c)
{
	struct addr_spec spec;
	int rc;

	if (addr_parse(c->group, 1, &spec) < 0 || spec.is_unix || spec.port[0])
		return bad_value('g', c->group, "a multicast address, such as 239.1.2.3 or ff02::1234");
	rc = addr_resolve(&spec, NULL, c->server.port ? c->server.port : DEFAULT_PORT, c->server.family,
	                  SOCK_DGRAM, 0, &c->group_ai);
	if (rc != 0)
		return diag_error("resolve %s: %s", c->group, addr_strerror(rc));
	if (!dgram_is_multicast(c->group_ai->ai_addr))
		return bad_value('g', c->group, "a multicast address (224.0.0.0/4 or ff00::/8)");
	rc = chat_group_open(&c->cl, c->group_ai->ai_addr, c->group_ai->ai_addrlen);
	c->fd = c->cl.fd;
	if (rc != EXIT_OK)
		return rc;
	size_rcvbuf(c->fd, c->rcvbuf);
	diag_verbose(1, "joined group %s: no server, every peer hears every datagram", c->cl.peer);
	return EXIT_OK;
}

static int run_group(struct udp_chat *c)
{
	c->stdin_open = 1;
	chat_client_prompt(&c->cl, 1);
	while (!sig_stop_requested() && c->stdin_open) {
		struct pollfd pfd[2] = { { .fd = c->fd, .events = POLLIN, .revents = 0 },
			                 { .fd = STDIN_FILENO, .events = POLLIN, .revents = 0 } };
		int eof, rc = EXIT_OK;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return diag_errno("poll");
		}
		if (pfd[0].revents)
			rc = chat_group_receive(&c->cl);
		if (rc == EXIT_OK && pfd[1].revents) {
			rc = read_lines(c, say, &eof);
			if (eof)
				c->stdin_open = 0;
		}
		if (rc != EXIT_OK)
			return rc;
	}
	return chat_client_send(&c->cl, CHAT_QUIT, NULL, 0);
}

static int group_main(struct udp_chat *c)
{
	int rc = open_group(c);

	if (rc != EXIT_OK)
		return rc;
	if (sig_catch_stop() < 0)
		return diag_errno("install signal handlers");
	c->cl.prompt = isatty(STDIN_FILENO) && isatty(STDERR_FILENO) && !c->json;
	rc = chat_group_claim(&c->cl);
	if (rc == EXIT_OK)
		rc = run_group(c);
	chat_client_prompt(&c->cl, 0);
	return rc;
}

static int join_main(struct udp_chat *c)
{
	int rc;

	c->cl.name = c->name;
	c->cl.json = c->json;
	c->cl.datagram = c->datagram;
	if (c->group)
		return group_main(c);
	rc = connect_server(c);
	c->cl.fd = c->fd;
	if (rc != EXIT_OK)
		return rc;
	if (sig_catch_stop() < 0)
		return diag_errno("install signal handlers");
	c->cl.prompt = isatty(STDIN_FILENO) && isatty(STDERR_FILENO) && !c->json;
	rc = chat_client_join(&c->cl, c->timeout);
	if (rc == EXIT_OK)
		rc = run_client(c);
	chat_client_prompt(&c->cl, 0);
	return rc;
}

static void udp_chat_init(struct udp_chat *c)
{
	memset(c, 0, sizeof *c);
	c->fd = -1;
	c->max_members = 256;
	c->max_size = DEFAULT_MAX_SIZE;
	c->use_mmsg = 1;
	c->linger = 2;
	c->cl.fd = -1;
	c->cl.out = (struct buf)BUF_INIT;
	c->cl.line = (struct buf)BUF_INIT;
	c->input = (struct buf)BUF_INIT;
	c->host.out = (struct buf)BUF_INIT;
	c->host.line = (struct buf)BUF_INIT;
	server_config_init(&c->server, DEFAULT_PORT);
}

static void udp_chat_free(struct udp_chat *c)
{
	if (c->fd >= 0)
		close(c->fd);
	chat_room_free(&c->host.room);
	buf_free(&c->host.out);
	buf_free(&c->host.line);
	if (c->group_ai)
		addr_free(c->group_ai);
	free(c->datagram);
	buf_free(&c->cl.out);
	buf_free(&c->cl.line);
	buf_free(&c->input);
}

int udp_chat_main(int argc, char **argv)
{
	struct udp_chat c;
	int rc;

	udp_chat_init(&c);
	rc = parse_args(&c, argc, argv);
	if (rc != OPT_GO_ON) {
		udp_chat_free(&c);
		return rc;
	}
	c.datagram = malloc(c.command == CMD_SERVE ? c.max_size : CHAT_DATAGRAM_MAX);
	rc = c.datagram ? EXIT_OK : diag_errno("allocate receive buffer");
	if (rc == EXIT_OK)
		rc = c.command == CMD_SERVE ? serve_main(&c) : join_main(&c);
	udp_chat_free(&c);
	return diag_finish_stdout(rc);
}
