/*
 * http_probe.c - sockbox http-probe: an HTTP/1.1 or HTTPS request, timed
 * phase by phase, checked against expectations; again and again with -n,
 * on one kept-alive connection, with ping-style statistics at the end.
 *
 * Concept: the HTTP message (request line, fields, empty line, body) and
 * how its end is found (Content-Length, chunks, the close); what a request
 * costs, phase by phase: the name lookup, the TCP handshake, the TLS
 * handshake, the server's time to the first byte, the transfer.
 *
 * References: RFC 9110 (HTTP semantics), RFC 9112 (HTTP/1.1), RFC 8446
 * (TLS 1.3), RFC 6066 (SNI), RFC 7301 (ALPN), RFC 3986 (URLs), curl(1)'s
 * -w timing variables, whose cumulative convention the JSON keeps.
 */
#include "addr.h"
#include "buf.h"
#include "clock.h"
#include "diag.h"
#include "escape.h"
#include "http.h"
#include "io.h"
#include "json.h"
#include "opt.h"
#include "parse.h"
#include "resolve.h"
#include "server.h"
#include "sock.h"
#include "stats.h"
#include "tls.h"
#include "url.h"
#include "version.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
	OPT_MAX_REDIRS = OPT_LONG_ONLY,
	OPT_RESOLVE,
	OPT_UNIX_SOCKET,
	OPT_CACERT,
	OPT_CERT_WARN_DAYS,
	OPT_EXPECT,
	OPT_EXPECT_HEADER,
	OPT_EXPECT_BODY,
	OPT_MAX_TIME,
	OPT_CONNECT_TIMEOUT,
	OPT_RETRY,
	OPT_RETRY_DELAY,
	OPT_INTERVAL,
	OPT_NO_REUSE,
	OPT_BODY,
	OPT_JSON,
	OPT_MAX_HEADER_SIZE,
};

static const struct opt_spec options[] = {
	{ 'X', "request", "METHOD", "request method (default GET, or POST with --data)" },
	{ 'H', "header", "FIELD", "add the request field NAME: VALUE; NAME: alone drops a default (repeatable)" },
	{ 'd', "data", "DATA", "send DATA as the request body; @FILE sends the file, @- stdin" },
	{ 'I', "head", NULL, "send HEAD: the response has no body" },
	{ 'A', "user-agent", "TEXT", "the User-Agent field (default sockbox/VERSION)" },
	{ 'L', "location", NULL, "follow redirects (301, 302, 303, 307, 308)" },
	{ OPT_MAX_REDIRS, "max-redirs", "N", "redirects followed at most with -L (default 10)" },
	{ '4', "ipv4", NULL, "connect over IPv4 only" },
	{ '6', "ipv6", NULL, "connect over IPv6 only" },
	{ OPT_RESOLVE, "resolve", "ENTRY", "HOST:PORT:ADDR, connect to ADDR for HOST:PORT without DNS (repeatable)" },
	{ OPT_UNIX_SOCKET, "unix-socket", "PATH", "connect to the unix socket PATH instead of the URL host" },
	{ 'k', "insecure", NULL, "do not verify the certificate chain or host name" },
	{ OPT_CACERT, "cacert", "FILE", "trust the CA certificates in FILE (PEM) instead of the system store" },
	{ OPT_CERT_WARN_DAYS, "cert-warn-days", "N", "exit 3 when the certificate expires within N days" },
	{ OPT_EXPECT, "expect", "STATUS", "statuses that count as success: 200,204 or 2xx (default below 400)" },
	{ OPT_EXPECT_HEADER, "expect-header", "FIELD", "expect a response field NAME, or NAME: VALUE (repeatable)" },
	{ OPT_EXPECT_BODY, "expect-body", "TEXT", "expect TEXT somewhere in the response body" },
	{ OPT_MAX_TIME, "max-time", "SECS", "bound on each probe, every phase included (default 30, 0 none)" },
	{ OPT_CONNECT_TIMEOUT, "connect-timeout", "SECS", "bound on each connect attempt (default 10)" },
	{ OPT_RETRY, "retry", "N", "retry a probe that failed to connect, timed out or got 408, 429, 5xx" },
	{ OPT_RETRY_DELAY, "retry-delay", "SECS", "pause before each retry (default 1)" },
	{ 'n', "count", "N", "probe N times, then print statistics (default 1)" },
	{ OPT_INTERVAL, "interval", "SECS", "pause between probes (default 1)" },
	{ OPT_NO_REUSE, "no-reuse", NULL, "open a new connection for every probe" },
	{ OPT_BODY, "body", NULL, "write the response body to stdout (the probe lines go to stderr)" },
	{ 'o', "output", "FILE", "write the response body to FILE, replaced whole when complete" },
	{ OPT_JSON, "json", NULL, "one JSON object per response (JSON Lines)" },
	{ OPT_MAX_HEADER_SIZE, "max-header-size", "SIZE", "largest response header section accepted (default 64K)" },
	{ 'v', "verbose", NULL, "narrate: addresses, TLS, request and response fields (repeatable)" },
	{ 0, NULL, NULL, NULL },
};

static const struct opt_tool spec = {
	"http-probe", "[OPTIONS] URL",
	"Send an HTTP/1.1 or HTTPS request, time each phase, check the answer.", options, NULL, NULL, 0,
};

#define MAX_LIST 64          /* -H, --resolve and --expect-header entries */
#define MAX_TARGETS 16       /* addresses tried for one connection */
#define READ_SIZE (64 * 1024)
#define LOCATION_MAX (URL_TARGET_MAX + URL_HOST_MAX + 32)

enum phase { PH_DNS, PH_CONNECT, PH_TLS, PH_SERVER, PH_TRANSFER, PH_TOTAL, PHASES };
static const char *const phase_names[PHASES] = { "dns", "connect", "tls", "server", "transfer", "total" };

enum outcome { OUT_OK, OUT_UNMET, OUT_FAIL, OUT_INTERRUPTED };

/* Exit status 3: an answer came, but not the one expected. */
enum { EXIT_UNMET = 3 };

/* An address to connect to, copied out of whichever list named it. */
struct target {
	struct sockaddr_storage addr;
	socklen_t len;
	int family;
};

/* One connect attempt: reported with -v, in errors and in JSON. */
struct attempt {
	char address[ADDR_TEXT_MAX];
	int error; /* 0: connected */
	double ms;
};

/* One request and its response: what the line and the JSON report. */
struct exchange {
	struct url url;
	const char *method;
	uint64_t t_start, t_dns, t_connect, t_tls, t_first, t_end; /* monotonic ns, 0: not reached */
	int reused;
	struct attempt attempts[MAX_TARGETS];
	size_t attempt_count;
	char remote[ADDR_TEXT_MAX];
	int has_head;      /* a final status line and fields were parsed */
	int complete;      /* the whole response arrived */
	int retryable;     /* a failure worth --retry */
	int body_found;    /* --expect-body text seen */
	int tls_used;
	struct tls_info tls; /* the session's facts, when tls_used */
	int nothing_received; /* failed before the first response byte */
	size_t head_len;   /* bytes of the request before its body */
	char error[600];   /* what failed, "" when nothing did */
	char unmet[600];   /* the expectation that was not met */
	char redirect[LOCATION_MAX]; /* the URL followed next with -L, "" if none */
};

/* The connection kept between probes. */
struct conn {
	int fd; /* -1: none */
	struct tls_conn *tls;
	struct url origin;
	char remote[ADDR_TEXT_MAX];
	struct tls_info tls_info;
};

struct http_probe {
	/* what the options ask for */
	struct url url;
	const char *method;
	const char *headers[MAX_LIST];
	size_t header_count;
	struct buf data;
	int has_data;
	int head;
	const char *user_agent;
	int follow;
	uint64_t max_redirs;
	int family;
	const char *resolves[MAX_LIST];
	size_t resolve_count;
	const char *unix_socket;
	struct tls_config tls_config;
	int64_t cert_warn_days; /* -1: no check */
	unsigned char expect_status[600];
	const char *expect_text;
	const char *expect_headers[MAX_LIST];
	size_t expect_header_count;
	const char *expect_body;
	double max_time, connect_timeout, retry_delay, interval;
	uint64_t retries, count, max_head;
	int no_reuse, body_to_stdout, json;
	const char *output;
	/* the run */
	struct tls_client *tls_client;
	struct conn conn;
	struct http_response response;
	struct exchange ex;
	struct buf request, text, body_tail;
	int out_fd;
	char out_tmp[PATH_MAX];
	uint64_t seq, attempt, hops;
	struct url next_url; /* where a planned redirect goes */
	int stdout_closed;   /* --body reader went away */
	struct stats phase_stats[PHASES];
	uint64_t sent, ok, errors, unmet, connections;
	char read_buf[READ_SIZE];
};

/* ---- options ---- */

/* "200,204,2xx" into the table of accepted statuses. */
static int parse_expect(struct http_probe *p, const char *arg)
{
	const char *s = arg;

	memset(p->expect_status, 0, sizeof p->expect_status);
	for (;;) {
		size_t len = strcspn(s, ",");
		if (len == 3 && s[0] >= '1' && s[0] <= '5' && s[1] == 'x' && s[2] == 'x') {
			int base = (s[0] - '0') * 100;
			memset(p->expect_status + base, 1, 100);
		} else if (len == 3 && strspn(s, "0123456789") >= 3) {
			int status = atoi(s);
			if (status < 100 || status > 599)
				return -1;
			p->expect_status[status] = 1;
		} else {
			return -1;
		}
		if (s[len] == '\0')
			break;
		s += len + 1;
	}
	p->expect_text = arg;
	return 0;
}

/* A -H or --expect-header argument: "Name: value", "Name:" or "Name". */
static int valid_field_arg(const char *arg, int name_alone_ok)
{
	struct http_slice name, value;
	const char *why;

	if (!strchr(arg, ':'))
		return name_alone_ok && http_is_token(arg, strlen(arg));
	return http_parse_field_line(arg, strlen(arg), &name, &value, &why) == 0;
}

/* HOST:PORT:ADDR[,ADDR...], checked here, used when connecting. */
static int valid_resolve_arg(const char *arg)
{
	const char *colon = strchr(arg, ':');
	uint64_t port;
	char digits[8];
	const char *second;

	if (!colon || colon == arg)
		return 0;
	second = strchr(colon + 1, ':');
	if (!second || (size_t)(second - colon - 1) >= sizeof digits || second[1] == '\0')
		return 0;
	memcpy(digits, colon + 1, (size_t)(second - colon - 1));
	digits[second - colon - 1] = '\0';
	return parse_uint(digits, 1, 65535, &port) == 0;
}

/* -d DATA, -d @FILE or -d @- */
static int read_data(struct http_probe *p, const char *arg)
{
	int fd;
	ssize_t n;

	buf_clear(&p->data);
	p->has_data = 1;
	if (arg[0] != '@')
		return buf_append_str(&p->data, arg) < 0 ? diag_errno("read --data") : 0;
	fd = strcmp(arg + 1, "-") == 0 ? STDIN_FILENO : open(arg + 1, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return diag_errno("open %s", arg + 1);
	do {
		if (buf_reserve(&p->data, 65536) < 0) {
			n = -1;
			break;
		}
		n = io_read(fd, p->data.data + p->data.len, 65536);
		if (n > 0)
			p->data.len += (size_t)n;
	} while (n > 0);
	if (n < 0)
		diag_errno("read %s", arg + 1);
	if (fd != STDIN_FILENO)
		close(fd);
	return n < 0 ? EXIT_FAIL : 0;
}

static int bad_value(int key, const char *arg)
{
	return diag_usage("invalid value '%s' for %s", arg, opt_name(&spec, key));
}

static int parse_seconds_opt(int key, const char *arg, double min, double *out)
{
	return parse_seconds(arg, min, 1e9, out) < 0 ? bad_value(key, arg) : 0;
}

static int add_to_list(const char **list, size_t *count, int key, const char *arg)
{
	if (*count == MAX_LIST)
		return diag_usage("too many %s (at most %d)", opt_name(&spec, key), MAX_LIST);
	list[(*count)++] = arg;
	return 0;
}

static int parse_option(struct http_probe *p, int key, const char *arg)
{
	uint64_t n;

	switch (key) {
	case 'X':
		if (!http_is_token(arg, strlen(arg)))
			return bad_value(key, arg);
		p->method = arg;
		return 0;
	case 'H':
		if (!valid_field_arg(arg, 0))
			return bad_value(key, arg);
		return add_to_list(p->headers, &p->header_count, key, arg);
	case 'd': return read_data(p, arg);
	case 'I': p->head = 1; return 0;
	case 'A':
		if (!http_is_field_value(arg, strlen(arg)))
			return bad_value(key, arg);
		p->user_agent = arg;
		return 0;
	case 'L': p->follow = 1; return 0;
	case OPT_MAX_REDIRS: return parse_uint(arg, 0, 1000, &p->max_redirs) < 0 ? bad_value(key, arg) : 0;
	case '4': p->family = AF_INET; return 0;
	case '6': p->family = AF_INET6; return 0;
	case OPT_RESOLVE:
		if (!valid_resolve_arg(arg))
			return bad_value(key, arg);
		return add_to_list(p->resolves, &p->resolve_count, key, arg);
	case OPT_UNIX_SOCKET:
		if (!*arg || strlen(arg) >= sizeof(((struct sockaddr_un *)0)->sun_path))
			return bad_value(key, arg);
		p->unix_socket = arg;
		return 0;
	case 'k': p->tls_config.insecure = 1; return 0;
	case OPT_CACERT: p->tls_config.cafile = arg; return 0;
	case OPT_CERT_WARN_DAYS:
		if (parse_uint(arg, 0, 100000, &n) < 0)
			return bad_value(key, arg);
		p->cert_warn_days = (int64_t)n;
		return 0;
	case OPT_EXPECT: return parse_expect(p, arg) < 0 ? bad_value(key, arg) : 0;
	case OPT_EXPECT_HEADER:
		if (!valid_field_arg(arg, 1))
			return bad_value(key, arg);
		return add_to_list(p->expect_headers, &p->expect_header_count, key, arg);
	case OPT_EXPECT_BODY: p->expect_body = arg; return 0;
	case OPT_MAX_TIME: return parse_seconds_opt(key, arg, 0, &p->max_time);
	case OPT_CONNECT_TIMEOUT: return parse_seconds_opt(key, arg, 0.001, &p->connect_timeout);
	case OPT_RETRY: return parse_uint(arg, 0, 1000, &p->retries) < 0 ? bad_value(key, arg) : 0;
	case OPT_RETRY_DELAY: return parse_seconds_opt(key, arg, 0, &p->retry_delay);
	case 'n': return parse_uint(arg, 1, UINT32_MAX, &p->count) < 0 ? bad_value(key, arg) : 0;
	case OPT_INTERVAL: return parse_seconds_opt(key, arg, 0, &p->interval);
	case OPT_NO_REUSE: p->no_reuse = 1; return 0;
	case OPT_BODY: p->body_to_stdout = 1; return 0;
	case 'o': p->output = arg; return 0;
	case OPT_JSON: p->json = 1; return 0;
	case OPT_MAX_HEADER_SIZE:
		return parse_size(arg, 256, 64 << 20, &p->max_head) < 0 ? bad_value(key, arg) : 0;
	case 'v': diag_set_verbosity(diag_verbosity() + 1); return 0;
	default: return EXIT_USAGE;
	}
}

static void set_defaults(struct http_probe *p)
{
	p->max_redirs = 10;
	p->max_time = 30;
	p->connect_timeout = 10;
	p->retry_delay = 1;
	p->interval = 1;
	p->count = 1;
	p->max_head = 64 * 1024;
	p->cert_warn_days = -1;
	p->out_fd = -1;
	p->conn.fd = -1;
	for (int s = 100; s < 400; s++)
		p->expect_status[s] = 1;
}

static int check_conflicts(struct http_probe *p)
{
	if (p->head && p->has_data)
		return diag_usage("--head and --data cannot go together");
	if (p->output && strcmp(p->output, "-") == 0) {
		p->output = NULL;
		p->body_to_stdout = 1;
	}
	if (p->body_to_stdout && p->output)
		return diag_usage("--body and --output both take the body: choose one");
	if (p->body_to_stdout && p->json)
		return diag_usage("--body and --json both write to stdout: use --output FILE");
	return 0;
}

static int parse_args(struct http_probe *p, int argc, char **argv)
{
	struct opt_state st;
	const char *why;
	int key, status;

	set_defaults(p);
	opt_init(&st, &spec, argc, argv);
	while ((key = opt_next(&st)) != OPT_END) {
		if (key == OPT_EXIT)
			return st.status == EXIT_OK ? -1 : st.status;
		status = parse_option(p, key, st.arg);
		if (status != 0) {
			opt_done(&st);
			return status;
		}
	}
	if (st.index != argc - 1)
		return diag_usage(st.index == argc ? "missing URL" : "one URL only");
	if (url_parse(argv[st.index], &p->url, &why) < 0)
		return diag_usage("invalid URL '%s': %s", argv[st.index], why);
	if (!p->method)
		p->method = p->head ? "HEAD" : p->has_data ? "POST" : "GET";
	return check_conflicts(p);
}

/* ---- waiting, with the deadline and the stop request in view ---- */

/* poll fd for events until deadline_ns (0: none): 0 ready, -1 with
 * errno ETIMEDOUT, or EINTR once SIGINT/SIGTERM asked us to stop. */
static int wait_fd(int fd, short events, uint64_t deadline_ns)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = events, .revents = 0 };
		int n = poll(&pfd, 1, deadline_ns ? clock_ms_until(deadline_ns) : -1);
		if (n > 0)
			return 0;
		if (n == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (errno != EINTR || server_stop_requested()) {
			errno = EINTR;
			return -1;
		}
	}
}

/* Sleeps SECS unless a stop is requested: 0, or -1 when interrupted. */
static int pause_for(double seconds)
{
	uint64_t deadline = clock_now_ns() + clock_seconds_to_ns(seconds);

	while (clock_now_ns() < deadline) {
		if (poll(NULL, 0, clock_ms_until(deadline)) < 0 && server_stop_requested())
			return -1;
	}
	return server_stop_requested() ? -1 : 0;
}

/* The earlier of two deadlines, 0 meaning none. */
static uint64_t earliest(uint64_t a, uint64_t b)
{
	if (!a)
		return b;
	return b && b < a ? b : a;
}

static double ms_between(uint64_t from, uint64_t to) { return to > from ? (double)(to - from) / 1e6 : 0; }

/* ---- finding the addresses ---- */

static void add_target(struct target *targets, size_t *n, const struct sockaddr *sa, socklen_t len, int family)
{
	if (*n == MAX_TARGETS || (family != AF_UNSPEC && sa->sa_family != family))
		return;
	memcpy(&targets[*n].addr, sa, len);
	targets[*n].len = len;
	targets[*n].family = sa->sa_family;
	(*n)++;
}

/* The --resolve entry for this host and port, as its address list. */
static const char *resolve_override(const struct http_probe *p, const struct url *u)
{
	for (size_t i = 0; i < p->resolve_count; i++) {
		const char *arg = p->resolves[i];
		size_t host_len = strcspn(arg, ":");
		const char *port = arg + host_len + 1;
		if (host_len == strlen(u->host) && strncasecmp(arg, u->host, host_len) == 0 &&
		    (unsigned)atoi(port) == u->port)
			return strchr(port, ':') + 1;
	}
	return NULL;
}

static int targets_from_override(struct http_probe *p, const char *list, unsigned port, struct target *targets,
				 size_t *n)
{
	char one[128], service[8];
	struct addrinfo hints, *ai;

	memset(&hints, 0, sizeof hints);
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(service, sizeof service, "%u", port);
	while (*list) {
		size_t len = strcspn(list, ",");
		int rc;
		if (len >= 2 && list[0] == '[' && list[len - 1] == ']')
			snprintf(one, sizeof one, "%.*s", (int)len - 2, list + 1);
		else
			snprintf(one, sizeof one, "%.*s", (int)len, list);
		rc = getaddrinfo(one, service, &hints, &ai);
		if (rc != 0) {
			snprintf(p->ex.error, sizeof p->ex.error, "resolve %s: --resolve address '%s': %s", p->ex.url.host,
				 one, addr_strerror(rc));
			return -1;
		}
		add_target(targets, n, ai->ai_addr, ai->ai_addrlen, p->family);
		freeaddrinfo(ai);
		list += len + (list[len] == ',');
	}
	return 0;
}

/* getaddrinfo on a helper thread, so --max-time bounds the lookup too. */
static int targets_from_dns(struct http_probe *p, const struct addr_spec *as, unsigned port, struct target *targets,
			    size_t *n, uint64_t deadline)
{
	char service[8];
	struct addrinfo *list = NULL;
	struct resolve *r;
	int rc;

	snprintf(service, sizeof service, "%u", port);
	r = resolve_start(as, NULL, service, p->family, SOCK_STREAM);
	if (!r) {
		snprintf(p->ex.error, sizeof p->ex.error, "resolve %s: %s", as->host, strerror(errno));
		return -1;
	}
	if (wait_fd(resolve_fd(r), POLLIN, deadline) < 0) {
		resolve_abandon(r);
		snprintf(p->ex.error, sizeof p->ex.error, "resolve %s: %s", as->host,
			 errno == ETIMEDOUT ? "timed out" : "interrupted");
		p->ex.retryable = errno == ETIMEDOUT;
		return -1;
	}
	rc = resolve_finish(r, &list);
	if (rc != 0) {
		snprintf(p->ex.error, sizeof p->ex.error, "resolve %s: %s", as->host, addr_strerror(rc));
		p->ex.retryable = rc == EAI_AGAIN;
		return -1;
	}
	for (struct addrinfo *ai = list; ai; ai = ai->ai_next)
		add_target(targets, n, ai->ai_addr, ai->ai_addrlen, AF_UNSPEC);
	addr_free(list);
	return 0;
}

static void narrate_targets(const struct http_probe *p, const struct target *targets, size_t n)
{
	struct buf line = BUF_INIT;
	char text[ADDR_TEXT_MAX];

	if (diag_verbosity() < 1)
		return;
	for (size_t i = 0; i < n; i++) {
		addr_format((const struct sockaddr *)&targets[i].addr, targets[i].len, text, sizeof text);
		buf_printf(&line, "%s%s", i ? ", " : "", text);
	}
	diag_verbose(1, "resolve %s: %s (%.3f ms)", p->unix_socket ? p->unix_socket : p->ex.url.host,
		     line.data ? line.data : "", ms_between(p->ex.t_start, p->ex.t_dns));
	buf_free(&line);
}

/* The DNS phase: --unix-socket, a --resolve entry, or getaddrinfo. */
static int find_targets(struct http_probe *p, struct target *targets, size_t *n, uint64_t deadline)
{
	const struct url *u = &p->ex.url;
	const char *override = resolve_override(p, u);
	struct addr_spec as;
	int rc;

	memset(&as, 0, sizeof as);
	*n = 0;
	if (p->unix_socket) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		strcpy(sun.sun_path, p->unix_socket);
		add_target(targets, n, (struct sockaddr *)&sun, (socklen_t)sizeof sun, AF_UNSPEC);
		rc = 0;
	} else if (override) {
		rc = targets_from_override(p, override, u->port, targets, n);
	} else {
		url_host_for_lookup(u, as.host, sizeof as.host);
		rc = targets_from_dns(p, &as, u->port, targets, n, deadline);
	}
	p->ex.t_dns = clock_now_ns();
	if (rc < 0)
		return -1;
	if (*n == 0) {
		snprintf(p->ex.error, sizeof p->ex.error, "resolve %s: no %s address", u->host,
			 p->family == AF_INET ? "IPv4" : p->family == AF_INET6 ? "IPv6" : "usable");
		return -1;
	}
	narrate_targets(p, targets, *n);
	return 0;
}

/* ---- connecting ---- */

/* A non-blocking connect to t, waited for until deadline: the fd or -1. */
static int connect_one(const struct target *t, uint64_t deadline)
{
	int fd = socket(t->family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int err = 0, saved;
	socklen_t errlen = sizeof err;

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)&t->addr, t->len) == 0)
		return fd;
	if (errno != EINPROGRESS && errno != EAGAIN)
		goto fail;
	/* the three-way handshake is under way: writable means it ended */
	if (wait_fd(fd, POLLOUT, deadline) < 0)
		goto fail;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) < 0)
		goto fail;
	if (err == 0)
		return fd;
	errno = err;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/* The connect phase: each address in turn until one answers. */
static int connect_targets(struct http_probe *p, const struct target *targets, size_t n, uint64_t deadline)
{
	struct exchange *ex = &p->ex;

	for (size_t i = 0; i < n; i++) {
		struct attempt *a = &ex->attempts[ex->attempt_count++];
		uint64_t begin = clock_now_ns();
		uint64_t limit = earliest(deadline, begin + clock_seconds_to_ns(p->connect_timeout));
		int fd = connect_one(&targets[i], limit);

		a->error = fd < 0 ? errno : 0;
		a->ms = ms_between(begin, clock_now_ns());
		addr_format((const struct sockaddr *)&targets[i].addr, targets[i].len, a->address, sizeof a->address);
		if (fd >= 0) {
			diag_verbose(1, "connect %s: connected in %.3f ms", a->address, a->ms);
			snprintf(ex->remote, sizeof ex->remote, "%s", a->address);
			return fd;
		}
		if (a->error == EINTR)
			break;
		if (i + 1 < n)
			diag_info("connect %s: %s after %.3f ms, trying the next address", a->address,
				  strerror(a->error), a->ms);
	}
	{
		const struct attempt *last = &ex->attempts[ex->attempt_count - 1];
		snprintf(ex->error, sizeof ex->error, "connect %s: %s", last->address,
			 last->error == EINTR ? "interrupted" : strerror(last->error));
		ex->retryable = last->error != EINTR;
	}
	return -1;
}

static struct tls_client *tls_client_get(struct http_probe *p)
{
	char err[TLS_ERROR_MAX + 64];

	if (!p->tls_client) {
		p->tls_client = tls_client_new(&p->tls_config, err, sizeof err);
		if (!p->tls_client)
			snprintf(p->ex.error, sizeof p->ex.error, "%s", err);
	}
	return p->tls_client;
}

static void narrate_tls(const struct tls_info *info, double ms)
{
	diag_verbose(1, "tls %s %s, alpn %s, handshake %.3f ms", info->version, info->cipher,
		     info->alpn[0] ? info->alpn : "none", ms);
	if (info->has_cert)
		diag_verbose(1, "certificate subject %s, issuer %s, expires %s (%lld days left), %s%s", info->subject,
			     info->issuer, info->not_after, (long long)(info->seconds_left / 86400),
			     info->verified ? "verified" : "not verified: ", info->verify_error);
}

/* The TLS phase: handshake, then the certificate's verdict. */
static int start_tls(struct http_probe *p, uint64_t deadline)
{
	struct conn *c = &p->conn;
	char host[URL_HOST_MAX], err[TLS_ERROR_MAX];
	int rc;

	if (!tls_client_get(p))
		return -1;
	url_host_for_lookup(&p->ex.url, host, sizeof host);
	c->tls = tls_conn_new(p->tls_client, c->fd, host, err, sizeof err);
	if (!c->tls) {
		snprintf(p->ex.error, sizeof p->ex.error, "tls %s: %s", c->remote, err);
		return -1;
	}
	do
		rc = tls_handshake(c->tls, deadline);
	while (rc < 0 && errno == EINTR && !server_stop_requested());
	tls_get_info(c->tls, &c->tls_info);
	p->ex.tls_used = 1;
	if (rc == 0 || c->tls_info.version[0])
		narrate_tls(&c->tls_info, ms_between(p->ex.t_connect, clock_now_ns()));
	if (rc < 0) {
		snprintf(p->ex.error, sizeof p->ex.error, "tls handshake with %s: %s", c->remote,
			 errno == EINTR ? "interrupted" : tls_error(c->tls));
		p->ex.retryable = errno == ETIMEDOUT || errno == ECONNRESET;
		return -1;
	}
	p->ex.t_tls = clock_now_ns();
	return 0;
}

static void close_connection(struct http_probe *p)
{
	tls_conn_free(p->conn.tls);
	p->conn.tls = NULL;
	if (p->conn.fd >= 0)
		close(p->conn.fd);
	p->conn.fd = -1;
}

/*
 * A kept connection is worth reusing when it leads to the same origin and
 * the server has not closed it meanwhile: an idle HTTP connection has
 * nothing to read, so readable means closed (or garbage).  Under TLS a
 * readable socket may only hold a session ticket: let OpenSSL look.
 */
static int connection_alive(struct http_probe *p, const struct url *u)
{
	struct pollfd pfd = { .fd = p->conn.fd, .events = POLLIN, .revents = 0 };
	char byte;

	if (p->conn.fd < 0 || p->no_reuse || !url_same_origin(&p->conn.origin, u))
		return 0;
	if (p->conn.tls && tls_pending(p->conn.tls))
		return 0;
	if (poll(&pfd, 1, 0) == 0)
		return 1;
	if (p->conn.tls && tls_read(p->conn.tls, &byte, 1, clock_now_ns()) < 0 && errno == ETIMEDOUT)
		return 1;
	return 0;
}

/* DNS, connect and TLS for the exchange's URL, or the kept connection. */
static int open_connection(struct http_probe *p, uint64_t deadline)
{
	struct exchange *ex = &p->ex;
	struct target targets[MAX_TARGETS];
	size_t n;

	if (connection_alive(p, &ex->url)) {
		ex->reused = 1;
		ex->t_dns = ex->t_connect = ex->t_tls = ex->t_start;
		ex->tls_used = p->conn.tls != NULL;
		snprintf(ex->remote, sizeof ex->remote, "%s", p->conn.remote);
		diag_verbose(1, "reusing the connection to %s", ex->remote);
		return 0;
	}
	if (p->conn.fd >= 0) {
		diag_verbose(1, "closing the connection to %s", p->conn.remote);
		close_connection(p);
	}
	if (find_targets(p, targets, &n, deadline) < 0)
		return -1;
	p->conn.fd = connect_targets(p, targets, n, deadline);
	if (p->conn.fd < 0)
		return -1;
	ex->t_connect = ex->t_tls = clock_now_ns();
	p->connections++;
	p->conn.origin = ex->url;
	snprintf(p->conn.remote, sizeof p->conn.remote, "%s", ex->remote);
	if (ex->url.https && start_tls(p, deadline) < 0) {
		close_connection(p);
		return -1;
	}
	return 0;
}

/* ---- IO on the connection ---- */

static ssize_t conn_read(struct http_probe *p, void *buf, size_t len, uint64_t deadline)
{
	for (;;) {
		ssize_t n = p->conn.tls ? tls_read(p->conn.tls, buf, len, deadline) : read(p->conn.fd, buf, len);
		if (n >= 0)
			return n;
		if (errno == EAGAIN && !p->conn.tls) {
			if (wait_fd(p->conn.fd, POLLIN, deadline) < 0)
				return -1;
		} else if (errno != EINTR || server_stop_requested()) {
			return -1;
		}
	}
}

static int conn_write(struct http_probe *p, const char *data, size_t len, uint64_t deadline)
{
	size_t done = 0;

	while (p->conn.tls) {
		size_t part = 0;
		if (tls_write_full(p->conn.tls, data + done, len - done, &part, deadline) == 0)
			return 0;
		done += part;
		if (errno != EINTR || server_stop_requested())
			return -1;
	}
	while (done < len) {
		ssize_t n = sock_send(p->conn.fd, data + done, len - done);
		if (n > 0)
			done += (size_t)n;
		else if (n < 0 && errno == EAGAIN && wait_fd(p->conn.fd, POLLOUT, deadline) == 0)
			continue;
		else
			return -1;
	}
	return 0;
}

/* ---- the request ---- */

/* 1 when -H gave field name (so its default is left out). */
static int user_sets(const struct http_probe *p, const char *name)
{
	size_t len = strlen(name);
	for (size_t i = 0; i < p->header_count; i++)
		if (strncasecmp(p->headers[i], name, len) == 0 && p->headers[i][len] == ':')
			return 1;
	return 0;
}

/* Credentials given with -H go to the URL's own origin only, never to
 * wherever a redirect points (curl's rule). */
static int is_credential(const char *field)
{
	return strncasecmp(field, "Authorization:", 14) == 0 || strncasecmp(field, "Cookie:", 7) == 0;
}

/* request line, fields, empty line, body: the whole message in p->request */
static int build_request(struct http_probe *p, int with_body)
{
	struct exchange *ex = &p->ex;
	struct buf *b = &p->request;
	char authority[URL_HOST_MAX + 16];
	int same_origin = url_same_origin(&ex->url, &p->url);
	int failed = 0;

	buf_clear(b);
	failed |= buf_printf(b, "%s %s HTTP/1.1\r\n", ex->method, ex->url.target);
	if (!user_sets(p, "Host"))
		failed |= buf_printf(b, "Host: %s\r\n", url_authority(&ex->url, authority, sizeof authority));
	if (!user_sets(p, "User-Agent"))
		failed |= buf_printf(b, "User-Agent: %s\r\n", p->user_agent ? p->user_agent : "sockbox/" SOCKBOX_VERSION);
	if (!user_sets(p, "Accept"))
		failed |= buf_append_str(b, "Accept: */*\r\n");
	/* RFC 9110 8.6: a request whose method expects content says how long it is */
	if (!user_sets(p, "Content-Length") &&
	    (with_body || !strcmp(ex->method, "POST") || !strcmp(ex->method, "PUT") || !strcmp(ex->method, "PATCH")))
		failed |= buf_printf(b, "Content-Length: %zu\r\n", with_body ? p->data.len : 0);
	if (p->no_reuse && !user_sets(p, "Connection"))
		failed |= buf_append_str(b, "Connection: close\r\n");
	for (size_t i = 0; i < p->header_count; i++) {
		const char *colon = strchr(p->headers[i], ':');
		if (colon[1 + strspn(colon + 1, " \t")] == '\0' || (!same_origin && is_credential(p->headers[i])))
			continue; /* "Name:" only removes a default */
		failed |= buf_printf(b, "%s\r\n", p->headers[i]);
	}
	failed |= buf_append_str(b, "\r\n");
	p->ex.head_len = b->len;
	if (with_body)
		failed |= buf_append(b, p->data.data, p->data.len);
	if (failed)
		snprintf(ex->error, sizeof ex->error, "build the request: %s", strerror(ENOMEM));
	return failed ? -1 : 0;
}

static void narrate_request(struct http_probe *p)
{
	const char *line = p->request.data, *end = p->request.data + p->ex.head_len;

	if (diag_verbosity() < 1)
		return;
	while (line < end) {
		const char *crlf = memmem(line, (size_t)(end - line), "\r\n", 2);
		buf_clear(&p->text);
		escape_bytes(&p->text, line, (size_t)(crlf - line));
		diag_verbose(1, ">%s%s", crlf > line ? " " : "", p->text.data ? p->text.data : "");
		line = crlf + 2;
	}
	if (p->request.len > p->ex.head_len)
		diag_verbose(1, "> (%zu bytes of body)", p->request.len - p->ex.head_len);
}

/* ---- the response ---- */

static const char *io_reason(const struct http_probe *p, int err)
{
	if (err == ETIMEDOUT)
		return "timed out";
	if (err == EINTR)
		return "interrupted";
	if (p->conn.tls && tls_error(p->conn.tls)[0] && err != ECONNRESET && err != EPIPE)
		return tls_error(p->conn.tls);
	return strerror(err);
}

static void narrate_head(struct http_probe *p)
{
	const struct http_response *r = &p->response;

	if (diag_verbosity() < 1)
		return;
	buf_clear(&p->text);
	escape_bytes(&p->text, r->reason.ptr, r->reason.len);
	diag_verbose(1, "< HTTP/1.%d %d %s", r->version_minor, r->status, p->text.data ? p->text.data : "");
	for (size_t i = 0; i < r->headers.count; i++) {
		const char *value = http_fields_value(&r->headers, i);
		buf_clear(&p->text);
		escape_bytes(&p->text, value, strlen(value));
		diag_verbose(1, "< %s: %s", http_fields_name(&r->headers, i), p->text.data);
	}
	diag_verbose(1, "<");
}

/* -o FILE: the body goes to a temporary file renamed over FILE once the
 * response is complete, so FILE is never half written; a device or a
 * FIFO (/dev/null) is written directly. */
static int open_output(struct http_probe *p)
{
	struct stat st;
	const char *slash;
	mode_t mask;

	p->out_tmp[0] = '\0';
	if (stat(p->output, &st) == 0 && !S_ISREG(st.st_mode)) {
		p->out_fd = open(p->output, O_WRONLY | O_CLOEXEC);
	} else {
		slash = strrchr(p->output, '/');
		snprintf(p->out_tmp, sizeof p->out_tmp, "%.*s.%s.XXXXXX", slash ? (int)(slash - p->output + 1) : 0,
			 p->output, slash ? slash + 1 : p->output);
		p->out_fd = mkostemp(p->out_tmp, O_CLOEXEC);
		mask = umask(0);
		umask(mask);
		if (p->out_fd >= 0 && fchmod(p->out_fd, 0666 & ~mask) < 0) {
			close(p->out_fd);
			p->out_fd = -1;
		}
		if (p->out_fd < 0)
			unlink(p->out_tmp);
	}
	if (p->out_fd < 0) {
		snprintf(p->ex.error, sizeof p->ex.error, "open %s: %s", p->output, strerror(errno));
		p->out_tmp[0] = '\0';
		return -1;
	}
	return 0;
}

/* Closes the -o file: renamed into place when ok, removed otherwise. */
static void close_output(struct http_probe *p, int ok)
{
	if (p->out_fd < 0)
		return;
	if (close(p->out_fd) < 0 && ok) {
		snprintf(p->ex.error, sizeof p->ex.error, "write %s: %s", p->output, strerror(errno));
		ok = 0;
	}
	p->out_fd = -1;
	if (p->out_tmp[0] && ok && rename(p->out_tmp, p->output) < 0) {
		snprintf(p->ex.error, sizeof p->ex.error, "rename to %s: %s", p->output, strerror(errno));
		ok = 0;
	}
	if (p->out_tmp[0] && !ok)
		unlink(p->out_tmp);
	p->out_tmp[0] = '\0';
}

static int is_redirect(int status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* With -L, a redirect's Location becomes the next URL (p->next_url). */
static int plan_redirect(struct http_probe *p)
{
	const char *location = http_fields_get(&p->response.headers, "Location");
	const char *why;

	if (!p->follow || !is_redirect(p->response.status) || !location)
		return 0;
	if (p->hops >= p->max_redirs) {
		snprintf(p->ex.error, sizeof p->ex.error, "stopped after %llu redirects (--max-redirs)",
			 (unsigned long long)p->hops);
		return 0;
	}
	if (url_resolve(&p->ex.url, location, &p->next_url, &why) < 0) {
		buf_clear(&p->text);
		escape_bytes(&p->text, location, strlen(location));
		snprintf(p->ex.error, sizeof p->ex.error, "redirect to '%s': %s", p->text.data, why);
		return 0;
	}
	url_format(&p->next_url, p->ex.redirect, sizeof p->ex.redirect);
	return 1;
}

static int on_head(struct http_probe *p)
{
	p->ex.has_head = 1;
	narrate_head(p);
	if (plan_redirect(p) || p->ex.error[0])
		return 0; /* a redirect's body is read and dropped */
	if (p->output)
		return open_output(p);
	return 0;
}

/* --expect-body: the text may straddle two reads, so the last
 * strlen(text) - 1 bytes of each are kept for the next. */
static void scan_body(struct http_probe *p, const char *data, size_t len)
{
	size_t need = strlen(p->expect_body);

	if (p->ex.body_found || need == 0) {
		p->ex.body_found = 1;
		return;
	}
	if (buf_append(&p->body_tail, data, len) == 0 &&
	    memmem(p->body_tail.data, p->body_tail.len, p->expect_body, need)) {
		p->ex.body_found = 1;
		buf_clear(&p->body_tail);
	} else if (p->body_tail.len >= need) {
		buf_consume(&p->body_tail, p->body_tail.len - (need - 1));
	}
}

static int on_body(struct http_probe *p, struct http_slice body)
{
	if (p->expect_body)
		scan_body(p, body.ptr, body.len);
	if (p->ex.redirect[0])
		return 0;
	if (p->out_fd >= 0 && io_write_full(p->out_fd, body.ptr, body.len) < 0) {
		snprintf(p->ex.error, sizeof p->ex.error, "write %s: %s", p->output, strerror(errno));
		return -1;
	}
	if (p->body_to_stdout && !p->stdout_closed && io_write_full(STDOUT_FILENO, body.ptr, body.len) < 0) {
		if (errno != EPIPE) {
			snprintf(p->ex.error, sizeof p->ex.error, "write stdout: %s", strerror(errno));
			return -1;
		}
		p->stdout_closed = 1; /* the reader went away: finish quietly */
	}
	return 0;
}

static int response_failed(struct http_probe *p, int err)
{
	snprintf(p->ex.error, sizeof p->ex.error, "read response from %s: %s", p->ex.remote, io_reason(p, err));
	p->ex.retryable = err != EINTR;
	p->ex.nothing_received = p->response.wire_bytes == 0;
	errno = err;
	return -1;
}

static int parse_failed(struct http_probe *p)
{
	snprintf(p->ex.error, sizeof p->ex.error, "read response from %s: %s", p->ex.remote,
		 http_response_error(&p->response));
	/* a peer that closed without a word is a connection failure, the rest
	 * is a server that spoke badly: retrying will not mend it */
	p->ex.nothing_received = p->ex.retryable = p->response.wire_bytes == 0;
	errno = EPROTO;
	return -1;
}

/* Reads and parses until the response is complete. */
static int read_response(struct http_probe *p, uint64_t deadline)
{
	struct http_response *r = &p->response;
	size_t have = 0, at = 0;

	http_response_reset(r, strcmp(p->ex.method, "HEAD") == 0);
	for (;;) {
		struct http_slice body;
		size_t used;
		ssize_t n;

		switch (http_response_feed(r, p->read_buf + at, have - at, &used, &body)) {
		case HTTP_EV_MORE:
			n = conn_read(p, p->read_buf, sizeof p->read_buf, deadline);
			if (n < 0)
				return response_failed(p, errno);
			diag_verbose(2, "read %zd bytes", n);
			if (n == 0)
				return http_response_eof(r) == HTTP_EV_DONE ? 0 : parse_failed(p);
			if (!p->ex.t_first)
				p->ex.t_first = clock_now_ns();
			have = (size_t)n;
			at = 0;
			continue;
		case HTTP_EV_INTERIM:
			narrate_head(p);
			break;
		case HTTP_EV_HEAD:
			if (on_head(p) < 0)
				return -1;
			break;
		case HTTP_EV_BODY:
			if (on_body(p, body) < 0)
				return -1;
			break;
		case HTTP_EV_DONE:
			if (at + used < have) {
				diag_verbose(1, "%zu bytes after the response: not reusing the connection", have - at - used);
				r->keep_alive = 0;
			}
			return 0;
		case HTTP_EV_ERROR:
			return parse_failed(p);
		}
		at += used;
	}
}

/* ---- one exchange, one probe ---- */

/* Clears what the last exchange left and starts the clock. */
static void start_exchange(struct http_probe *p, const struct url *url, const char *method)
{
	struct exchange *ex = &p->ex;

	memset(ex, 0, sizeof *ex);
	ex->url = *url;
	ex->method = method;
	ex->t_start = clock_now_ns();
	buf_clear(&p->body_tail);
}

/* One request and its response; the connection is kept when it can be. */
static enum outcome run_exchange(struct http_probe *p, int with_body, uint64_t deadline)
{
	struct exchange *ex = &p->ex;
	int ok;

	if (open_connection(p, deadline) < 0)
		return server_stop_requested() ? OUT_INTERRUPTED : OUT_FAIL;
	if (ex->tls_used)
		ex->tls = p->conn.tls_info;
	if (build_request(p, with_body) < 0)
		return OUT_FAIL;
	narrate_request(p);
	ok = conn_write(p, p->request.data, p->request.len, deadline) == 0;
	if (!ok) {
		snprintf(ex->error, sizeof ex->error, "send request to %s: %s", ex->remote, io_reason(p, errno));
		ex->retryable = errno != EINTR;
		ex->nothing_received = 1;
	}
	ok = ok && read_response(p, deadline) == 0 && !ex->error[0];
	ex->t_end = clock_now_ns();
	close_output(p, ok);
	if (!ok || !p->response.keep_alive || p->no_reuse) {
		if (p->conn.fd >= 0)
			diag_verbose(1, "closing the connection to %s", p->conn.remote);
		close_connection(p);
	}
	if (!ok)
		return server_stop_requested() ? OUT_INTERRUPTED : OUT_FAIL;
	ex->complete = 1;
	diag_verbose(1, "body %llu bytes, %s; connection %s", (unsigned long long)p->response.body_bytes,
		     p->response.framing.kind == HTTP_BODY_LENGTH    ? "framed by content-length"
		     : p->response.framing.kind == HTTP_BODY_CHUNKED ? "chunked"
		     : p->response.framing.kind == HTTP_BODY_CLOSE   ? "ended by the close"
								     : "none by the rules",
		     p->conn.fd >= 0 ? "kept alive" : "closed");
	return OUT_OK;
}

/*
 * A kept connection the server closed between two probes fails before a
 * single byte of the response: that is the connection's age, not the
 * server's answer, so the request goes again on a fresh connection
 * (RFC 9112 9.3.1), for methods that may be repeated.
 */
static enum outcome run_exchange_once_more(struct http_probe *p, int with_body, uint64_t deadline)
{
	enum outcome out = run_exchange(p, with_body, deadline);
	const char *m = p->ex.method;
	struct url url = p->ex.url;

	if (out != OUT_FAIL || !p->ex.reused || !p->ex.nothing_received ||
	    !(strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 || strcmp(m, "OPTIONS") == 0 ||
	      strcmp(m, "PUT") == 0 || strcmp(m, "DELETE") == 0))
		return out;
	diag_verbose(1, "%s; sending again on a new connection", p->ex.error);
	close_connection(p);
	start_exchange(p, &url, m);
	return run_exchange(p, with_body, deadline);
}

static void check_header(struct http_probe *p, const char *want)
{
	const struct http_fields *f = &p->response.headers;
	const char *colon = strchr(want, ':');
	char name[256];
	const char *value = colon ? colon + 1 + strspn(colon + 1, " \t") : NULL;
	size_t i;

	snprintf(name, sizeof name, "%.*s", colon ? (int)(colon - want) : (int)strlen(want), want);
	for (i = http_fields_find(f, name, 0); i < f->count; i = http_fields_find(f, name, i + 1))
		if (!value || strcmp(http_fields_value(f, i), value) == 0)
			return;
	if (!value || http_fields_find(f, name, 0) == f->count)
		snprintf(p->ex.unmet, sizeof p->ex.unmet, "expected the field %s, got none", name);
	else
		snprintf(p->ex.unmet, sizeof p->ex.unmet, "expected %s: %s, got %s: %s", name, value, name,
			 http_fields_get(f, name));
}

static void check_certificate(struct http_probe *p)
{
	const struct tls_info *t = &p->ex.tls;
	int64_t limit = p->cert_warn_days * 86400;

	if (p->cert_warn_days < 0 || !p->ex.tls_used || !t->has_cert || t->seconds_left >= limit)
		return;
	if (t->seconds_left < 0)
		snprintf(p->ex.unmet, sizeof p->ex.unmet, "certificate expired on %s", t->not_after);
	else
		snprintf(p->ex.unmet, sizeof p->ex.unmet,
			 "certificate expires on %s, in %lld days, within --cert-warn-days %lld", t->not_after,
			 (long long)(t->seconds_left / 86400), (long long)p->cert_warn_days);
}

/* The final response against --expect, --expect-header, --expect-body
 * and --cert-warn-days; the first one missed is reported. */
static enum outcome check_expectations(struct http_probe *p)
{
	int status = p->response.status;

	if (!p->expect_status[status]) {
		snprintf(p->ex.unmet, sizeof p->ex.unmet, "expected status %s, got %d",
			 p->expect_text ? p->expect_text : "below 400", status);
		p->ex.retryable = status == 408 || status == 429 || status >= 500;
		return OUT_UNMET;
	}
	for (size_t i = 0; i < p->expect_header_count && !p->ex.unmet[0]; i++)
		check_header(p, p->expect_headers[i]);
	if (!p->ex.unmet[0] && p->expect_body && !p->ex.body_found) {
		buf_clear(&p->text);
		escape_bytes(&p->text, p->expect_body, strlen(p->expect_body));
		snprintf(p->ex.unmet, sizeof p->ex.unmet, "expected the body to contain \"%s\"", p->text.data);
	}
	if (!p->ex.unmet[0])
		check_certificate(p);
	return p->ex.unmet[0] ? OUT_UNMET : OUT_OK;
}

/* ---- reporting ---- */

/* The probe lines go to stdout, or to stderr when stdout carries the body. */
static void emit_text(struct http_probe *p, const char *text)
{
	if (p->body_to_stdout)
		diag_info("%s", text);
	else
		printf("%s\n", text);
}

static void phase_durations(const struct exchange *ex, double d[PHASES])
{
	d[PH_DNS] = ms_between(ex->t_start, ex->t_dns);
	d[PH_CONNECT] = ms_between(ex->t_dns, ex->t_connect);
	d[PH_TLS] = ms_between(ex->t_connect, ex->t_tls);
	d[PH_SERVER] = ms_between(ex->t_tls, ex->t_first);
	d[PH_TRANSFER] = ms_between(ex->t_first, ex->t_end);
	d[PH_TOTAL] = ms_between(ex->t_start, ex->t_end);
}

static void print_line(struct http_probe *p)
{
	const struct exchange *ex = &p->ex;
	const struct http_response *r = &p->response;
	struct buf *t = &p->text;
	double d[PHASES];

	phase_durations(ex, d);
	buf_clear(t);
	if (p->count > 1)
		buf_printf(t, "seq=%llu ", (unsigned long long)p->seq);
	if (p->attempt > 1)
		buf_printf(t, "attempt=%llu ", (unsigned long long)p->attempt);
	buf_printf(t, "HTTP/1.%d %d ", r->version_minor, r->status);
	escape_bytes(t, r->reason.ptr, r->reason.len);
	buf_printf(t, " from %s:", ex->remote);
	for (int i = 0; i < PHASES; i++)
		buf_printf(t, " %s %.3f", phase_names[i], d[i]);
	buf_printf(t, " ms, %llu bytes", (unsigned long long)r->body_bytes);
	if (ex->reused)
		buf_append_str(t, ", reused");
	if (ex->redirect[0])
		buf_printf(t, ", redirect to %s", ex->redirect);
	emit_text(p, t->data);
}

/* Cumulative time of a phase (curl's convention), null when not reached. */
static void json_time(struct json *j, const char *key, const struct exchange *ex, uint64_t t)
{
	if (t)
		json_fixed(j, key, ms_between(ex->t_start, t), 3);
	else
		json_null(j, key);
}

/* headers: an object by lowercase name; repeated fields joined by ", "
 * as RFC 9110 5.3 allows. */
static void json_headers(struct json *j, const struct http_fields *f)
{
	struct buf name = BUF_INIT, value = BUF_INIT;

	json_begin_object(j, "headers");
	for (size_t i = 0; i < f->count; i++) {
		if (http_fields_find(f, http_fields_name(f, i), 0) < i)
			continue; /* joined with its first occurrence */
		buf_clear(&name);
		buf_clear(&value);
		for (const char *c = http_fields_name(f, i); *c; c++)
			buf_append_byte(&name, (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c));
		for (size_t k = i; k < f->count; k = http_fields_find(f, http_fields_name(f, i), k + 1))
			buf_printf(&value, "%s%s", value.len ? ", " : "", http_fields_value(f, k));
		json_str_len(j, name.data, value.data ? value.data : "", value.len);
	}
	json_end(j);
	buf_free(&name);
	buf_free(&value);
}

static void json_tls(struct json *j, const struct exchange *ex)
{
	const struct tls_info *t = &ex->tls;

	if (!ex->tls_used) {
		json_null(j, "tls");
		return;
	}
	json_begin_object(j, "tls");
	json_str(j, "version", t->version);
	json_str(j, "cipher", t->cipher);
	json_str(j, "alpn", t->alpn[0] ? t->alpn : NULL);
	json_str(j, "subject", t->has_cert ? t->subject : NULL);
	json_str(j, "issuer", t->has_cert ? t->issuer : NULL);
	json_str(j, "not_after", t->has_cert ? t->not_after : NULL);
	if (t->has_cert)
		json_int(j, "days_left", t->seconds_left / 86400);
	else
		json_null(j, "days_left");
	json_bool(j, "verified", t->verified);
	json_end(j);
}

static void json_extras(struct json *j, const struct http_probe *p)
{
	const struct exchange *ex = &p->ex;
	double d[PHASES];

	json_uint(j, "seq", p->seq);
	json_uint(j, "attempt", p->attempt);
	json_bool(j, "reused", ex->reused);
	json_begin_array(j, "connects");
	for (size_t i = 0; i < ex->attempt_count; i++) {
		json_begin_object(j, NULL);
		json_str(j, "address", ex->attempts[i].address);
		json_bool(j, "ok", ex->attempts[i].error == 0);
		json_str(j, "error", ex->attempts[i].error ? strerror(ex->attempts[i].error) : NULL);
		json_fixed(j, "time_ms", ex->attempts[i].ms, 3);
		json_end(j);
	}
	json_end(j);
	if (ex->complete) {
		phase_durations(ex, d);
		json_begin_object(j, "durations");
		for (int i = 0; i < PHASES - 1; i++) {
			char key[32];
			snprintf(key, sizeof key, "%s_ms", phase_names[i]);
			json_fixed(j, key, d[i], 3);
		}
		json_end(j);
	} else {
		json_null(j, "durations");
	}
	json_str(j, "redirect", ex->redirect[0] ? ex->redirect : NULL);
}

static void print_json(struct http_probe *p, enum outcome out)
{
	const struct exchange *ex = &p->ex;
	const struct http_response *r = &p->response;
	char url[LOCATION_MAX], version[16];
	struct buf record = BUF_INIT;
	struct json j;

	json_init(&j, &record);
	json_begin_object(&j, NULL);
	json_str(&j, "url", url_format(&ex->url, url, sizeof url));
	snprintf(version, sizeof version, "HTTP/1.%d", r->version_minor);
	if (ex->has_head) {
		json_int(&j, "status", r->status);
		json_bytes(&j, "reason", r->reason.ptr, r->reason.len);
		json_str(&j, "version", version);
	} else {
		json_null(&j, "status");
		json_null(&j, "reason");
		json_null(&j, "version");
	}
	json_str(&j, "remote", ex->remote[0] ? ex->remote : NULL);
	json_time(&j, "time_dns_ms", ex, ex->t_dns);
	json_time(&j, "time_connect_ms", ex, ex->t_connect);
	json_time(&j, "time_tls_ms", ex, ex->t_tls);
	json_time(&j, "time_ttfb_ms", ex, ex->t_first);
	json_time(&j, "time_total_ms", ex, ex->complete ? ex->t_end : 0);
	if (ex->has_head)
		json_uint(&j, "size", r->body_bytes);
	else
		json_null(&j, "size");
	if (ex->has_head)
		json_headers(&j, &r->headers);
	else
		json_null(&j, "headers");
	json_tls(&j, ex);
	json_bool(&j, "ok", out == OUT_OK);
	json_str(&j, "error", ex->error[0] ? ex->error : ex->unmet[0] ? ex->unmet : NULL);
	json_extras(&j, p);
	json_end(&j);
	json_newline(&j);
	if (!j.failed)
		fwrite(record.data, 1, record.len, stdout);
	buf_free(&record);
}

static void narrate_timing(const struct exchange *ex)
{
	double d[PHASES];
	uint64_t marks[PHASES] = { ex->t_dns, ex->t_connect, ex->t_tls, ex->t_first, ex->t_end, ex->t_end };

	if (diag_verbosity() < 1 || !ex->complete)
		return;
	phase_durations(ex, d);
	diag_verbose(1, "timing    phase ms   since start ms");
	for (int i = 0; i < PHASES; i++)
		diag_verbose(1, "%-9s %8.3f %16.3f", phase_names[i], d[i], ms_between(ex->t_start, marks[i]));
}

/* One line (or JSON object) per response, and the reason for a failure. */
static void report(struct http_probe *p, enum outcome out)
{
	char prefix[32] = "";

	if (out == OUT_INTERRUPTED)
		return;
	narrate_timing(&p->ex);
	if (p->json)
		print_json(p, out);
	else if (p->ex.complete)
		print_line(p);
	if (p->count > 1)
		snprintf(prefix, sizeof prefix, "seq=%llu: ", (unsigned long long)p->seq);
	if (out == OUT_FAIL)
		diag_error("%s%s", prefix, p->ex.error);
	else if (out == OUT_UNMET)
		diag_error("%s%s", prefix, p->ex.unmet);
}

/* ---- probes, retries, repetition ---- */

/* One probe: a request, and with -L the redirects that follow it. */
static enum outcome run_probe(struct http_probe *p)
{
	struct url url = p->url;
	const char *method = p->method;
	int with_body = p->has_data;
	uint64_t deadline = p->max_time > 0 ? clock_now_ns() + clock_seconds_to_ns(p->max_time) : 0;
	enum outcome out;

	for (p->hops = 0;; p->hops++) {
		start_exchange(p, &url, method);
		out = run_exchange_once_more(p, with_body, deadline);
		if (out != OUT_OK || !p->ex.redirect[0]) {
			if (out == OUT_OK)
				out = check_expectations(p);
			report(p, out);
			return out;
		}
		report(p, out);
		url = p->next_url;
		/* 303, and 301/302 after a POST, turn the request into a GET
		 * without a body (RFC 9110 15.4); 307 and 308 keep both */
		if ((p->response.status == 303 && strcmp(method, "HEAD") != 0) ||
		    ((p->response.status == 301 || p->response.status == 302) && strcmp(method, "POST") == 0)) {
			method = "GET";
			with_body = 0;
		}
	}
}

static enum outcome probe_with_retries(struct http_probe *p)
{
	enum outcome out;

	for (p->attempt = 1;; p->attempt++) {
		out = run_probe(p);
		if (out == OUT_OK || out == OUT_INTERRUPTED || !p->ex.retryable || p->attempt > p->retries)
			return out;
		diag_info("retry %llu of %llu in %g s", (unsigned long long)p->attempt,
			  (unsigned long long)p->retries, p->retry_delay);
		if (pause_for(p->retry_delay) < 0)
			return OUT_INTERRUPTED;
	}
}

/* Counts the probe and keeps its phase times for the statistics. */
static void tally(struct http_probe *p, enum outcome out)
{
	const struct exchange *ex = &p->ex;
	double d[PHASES];

	p->sent++;
	if (out == OUT_OK)
		p->ok++;
	else if (out == OUT_UNMET)
		p->unmet++;
	else
		p->errors++;
	if (!ex->complete)
		return;
	phase_durations(ex, d);
	for (int i = 0; i < PHASES; i++) {
		/* a reused connection had no dns, connect or tls phase at all */
		if (i <= PH_TLS && (ex->reused || (i == PH_TLS && !ex->tls_used)))
			continue;
		stats_add(&p->phase_stats[i], d[i]);
	}
}

static void print_statistics_json(struct http_probe *p)
{
	struct buf record = BUF_INIT;
	char url[LOCATION_MAX];
	struct json j;

	json_init(&j, &record);
	json_begin_object(&j, NULL);
	json_begin_object(&j, "statistics");
	json_str(&j, "url", url_format(&p->url, url, sizeof url));
	json_uint(&j, "sent", p->sent);
	json_uint(&j, "ok", p->ok);
	json_uint(&j, "failed", p->errors + p->unmet);
	json_uint(&j, "errors", p->errors);
	json_uint(&j, "unmet", p->unmet);
	json_uint(&j, "connections", p->connections);
	for (int i = 0; i < PHASES; i++) {
		struct stats *s = &p->phase_stats[i];
		json_begin_object(&j, phase_names[i]);
		json_uint(&j, "n", s->count);
		json_fixed(&j, "min_ms", s->min, 3);
		json_fixed(&j, "avg_ms", stats_avg(s), 3);
		json_fixed(&j, "p50_ms", stats_percentile(s, 50), 3);
		json_fixed(&j, "p90_ms", stats_percentile(s, 90), 3);
		json_fixed(&j, "max_ms", s->max, 3);
		json_end(&j);
	}
	json_end(&j);
	json_end(&j);
	json_newline(&j);
	if (!j.failed)
		fwrite(record.data, 1, record.len, stdout);
	buf_free(&record);
}

/* ping's closing summary: counts, then min/avg/p50/p90/max per phase. */
static void print_statistics(struct http_probe *p)
{
	struct buf *t = &p->text;
	char url[LOCATION_MAX];

	if (p->json) {
		print_statistics_json(p);
		return;
	}
	buf_clear(t);
	buf_printf(t, "--- %s statistics ---", url_format(&p->url, url, sizeof url));
	emit_text(p, t->data);
	buf_clear(t);
	buf_printf(t, "%llu sent, %llu ok, %llu failed (%llu errors, %llu unmet), %llu connections",
		   (unsigned long long)p->sent, (unsigned long long)p->ok, (unsigned long long)(p->errors + p->unmet),
		   (unsigned long long)p->errors, (unsigned long long)p->unmet, (unsigned long long)p->connections);
	emit_text(p, t->data);
	emit_text(p, "phase          n       min       avg       p50       p90       max (ms)");
	for (int i = 0; i < PHASES; i++) {
		struct stats *s = &p->phase_stats[i];
		buf_clear(t);
		if (s->count)
			buf_printf(t, "%-9s %6zu %9.3f %9.3f %9.3f %9.3f %9.3f", phase_names[i], s->count, s->min,
				   stats_avg(s), stats_percentile(s, 50), stats_percentile(s, 90), s->max);
		else
			buf_printf(t, "%-9s %6d %9s %9s %9s %9s %9s", phase_names[i], 0, "-", "-", "-", "-", "-");
		emit_text(p, t->data);
	}
}

static int run(struct http_probe *p)
{
	http_response_init(&p->response, p->max_head, 0);
	for (p->seq = 1; p->seq <= p->count && !p->stdout_closed; p->seq++) {
		enum outcome out;
		if (p->seq > 1 && pause_for(p->interval) < 0)
			break;
		out = probe_with_retries(p);
		if (out == OUT_INTERRUPTED)
			break;
		tally(p, out);
	}
	if (p->count > 1)
		print_statistics(p);
	if (p->sent == 0)
		return diag_error("interrupted");
	if (p->errors)
		return EXIT_FAIL;
	return p->unmet ? EXIT_UNMET : EXIT_OK;
}

static void cleanup(struct http_probe *p)
{
	close_output(p, 0);
	close_connection(p);
	tls_client_free(p->tls_client);
	http_response_free(&p->response);
	buf_free(&p->data);
	buf_free(&p->request);
	buf_free(&p->text);
	buf_free(&p->body_tail);
	for (int i = 0; i < PHASES; i++)
		stats_free(&p->phase_stats[i]);
	free(p);
}

int http_probe_main(int argc, char **argv)
{
	struct http_probe *p = calloc(1, sizeof *p);
	int status;

	if (!p)
		return diag_errno("allocate");
	status = parse_args(p, argc, argv);
	if (status == 0) {
		/* the servers' signal conventions fit a probe loop too: SIGINT
		 * and SIGTERM end it with statistics, SIGPIPE is ignored (OpenSSL
		 * writes with write(2)) */
		if (server_signals_install() < 0)
			status = diag_errno("install signal handlers");
		else
			status = run(p);
	}
	cleanup(p);
	return status < 0 ? EXIT_OK : status;
}
