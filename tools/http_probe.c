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
#include "tools.h"
#include "base/buf.h"
#include "base/clock.h"
#include "cli/diag.h"
#include "base/escape.h"
#include "http/http.h"
#include "http/httpc.h"
#include "http/httpjson.h"
#include "base/io.h"
#include "base/json.h"
#include "cli/opt.h"
#include "file/atomic.h"
#include "cli/parse.h"
#include "sig/sig.h"
#include "base/stats.h"
#include "http/url.h"
#include "draw/term.h"
#include "draw/waterfall.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>
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
	OPT_SVG,
};

/* clang-format off */
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
	{ OPT_SVG, "svg", "FILE", "draw every response's phases as a waterfall in FILE (SVG)" },
	{ 'v', "verbose", NULL, "narrate: addresses, TLS, request and response fields (repeatable)" },
	{ 0, NULL, NULL, NULL },
};

const struct opt_tool http_probe_tool = {
	.name = "http-probe",
	.usage = "[OPTIONS] URL",
	.summary = "HTTP/1.1 and HTTPS probe: timing per phase, expectations, statistics",
	.specs = options,
};
/* clang-format on */

#define MAX_LIST 64 /* -H, --resolve and --expect-header entries */
#define LOCATION_MAX (URL_TARGET_MAX + URL_HOST_MAX + 32)

enum phase { PH_DNS, PH_CONNECT, PH_TLS, PH_SERVER, PH_TRANSFER, PH_TOTAL, PHASES };
static const char *const phase_names[PHASES] = { "dns", "connect", "tls", "server", "transfer", "total" };

enum outcome { OUT_OK, OUT_UNMET, OUT_FAIL, OUT_INTERRUPTED };

/* Exit status 3: an answer came, but not the one expected. */
enum { EXIT_UNMET = 3 };

/* One request and its response: what a line or a JSON object reports. */
struct exchange {
	struct url url;
	const char *method;
	struct httpc_timing t;
	int has_head;                /* the final status line and fields were parsed */
	int complete;                /* the whole response arrived */
	int retryable;               /* a failure worth --retry */
	int body_found;              /* the --expect-body text was seen */
	char error[HTTPC_ERROR_MAX]; /* what failed, "" when nothing did */
	char unmet[600];             /* the expectation that was not met */
	char redirect[LOCATION_MAX]; /* the URL -L goes to next, "" if none */
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
	const char *resolves[MAX_LIST];
	struct httpc_config config; /* family, unix socket, --resolve, timeouts, TLS */
	int64_t cert_warn_days;     /* -1: no check */
	unsigned char expect_status[600];
	const char *expect_text;
	const char *expect_headers[MAX_LIST];
	size_t expect_header_count;
	const char *expect_body;
	double max_time, retry_delay, interval;
	uint64_t retries, count, max_head;
	int no_reuse, body_to_stdout, json;
	const char *output;
	/* the run */
	struct exchange ex;
	struct buf request, text, body_tail;
	struct atomic out;
	uint64_t seq, attempt, hops;
	struct url next_url; /* where a planned redirect goes */
	int stdout_closed;   /* stdout's reader went away: stop */
	struct stats phase_stats[PHASES];
	const char *svg;     /* --svg FILE */
	int bars;            /* a waterfall bar under each line: stdout is a terminal */
	struct waterfall wf; /* the bars' scale, the rows --svg draws */
	uint64_t sent, ok, errors, unmet, connections;
	struct httpc client; /* last: it holds the read buffer */
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

/* HOST:PORT:ADDR[,ADDR...], split here to check it, and again by httpc
 * when connecting. */
static int valid_resolve_arg(const char *arg)
{
	struct httpc_resolve resolve;

	return httpc_resolve_parse(arg, &resolve) == 0;
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

static int bad_value(int key, const char *arg, const char *expected)
{
	return opt_bad_value(&http_probe_tool, key, arg, "expected %s", expected);
}

static int parse_seconds_opt(int key, const char *arg, double min, double *out)
{
	return parse_seconds(arg, min, 1e9, out) < 0 ? bad_value(key, arg, "seconds, such as 10 or 0.5") : 0;
}

static int add_to_list(const char **list, size_t *count, int key, const char *arg)
{
	if (*count == MAX_LIST)
		return diag_usage("too many --%s (at most %d)", opt_name(&http_probe_tool, key), MAX_LIST);
	list[(*count)++] = arg;
	return 0;
}

static int parse_option(struct http_probe *p, int key, const char *arg)
{
	uint64_t n;

	switch (key) {
	case 'X':
		if (!http_is_token(arg, strlen(arg)))
			return bad_value(key, arg, "a method name, such as GET or PROPFIND");
		p->method = arg;
		return 0;
	case 'H':
		if (!valid_field_arg(arg, 0))
			return bad_value(key, arg, "NAME: VALUE, or NAME: alone");
		return add_to_list(p->headers, &p->header_count, key, arg);
	case 'd':
		return read_data(p, arg);
	case 'I':
		p->head = 1;
		return 0;
	case 'A':
		if (!http_is_field_value(arg, strlen(arg)))
			return bad_value(key, arg, "text on one line");
		p->user_agent = arg;
		return 0;
	case 'L':
		p->follow = 1;
		return 0;
	case OPT_MAX_REDIRS:
		return parse_uint(arg, 0, 1000, &p->max_redirs) < 0
		           ? bad_value(key, arg, "a whole number from 0 to 1000")
		           : 0;
	case '4':
		p->config.family = AF_INET;
		return 0;
	case '6':
		p->config.family = AF_INET6;
		return 0;
	case OPT_RESOLVE:
		if (!valid_resolve_arg(arg))
			return bad_value(key, arg, "HOST:PORT:ADDR");
		return add_to_list(p->resolves, &p->config.resolve_count, key, arg);
	case OPT_UNIX_SOCKET:
		if (!*arg || strlen(arg) >= sizeof(((struct sockaddr_un *)0)->sun_path))
			return bad_value(key, arg, "a socket path of 1 to 107 bytes");
		p->config.unix_path = arg;
		return 0;
	case 'k':
		p->config.tls.insecure = 1;
		return 0;
	case OPT_CACERT:
		p->config.tls.cafile = arg;
		return 0;
	case OPT_CERT_WARN_DAYS:
		if (parse_uint(arg, 0, 100000, &n) < 0)
			return bad_value(key, arg, "a whole number from 0 to 100000");
		p->cert_warn_days = (int64_t)n;
		return 0;
	case OPT_EXPECT:
		return parse_expect(p, arg) < 0 ? bad_value(key, arg, "statuses such as 200,204 or 2xx") : 0;
	case OPT_EXPECT_HEADER:
		if (!valid_field_arg(arg, 1))
			return bad_value(key, arg, "NAME, or NAME: VALUE");
		return add_to_list(p->expect_headers, &p->expect_header_count, key, arg);
	case OPT_EXPECT_BODY:
		p->expect_body = arg;
		return 0;
	case OPT_MAX_TIME:
		return parse_seconds_opt(key, arg, 0, &p->max_time);
	case OPT_CONNECT_TIMEOUT:
		return parse_seconds_opt(key, arg, 0.001, &p->config.connect_timeout);
	case OPT_RETRY:
		return parse_uint(arg, 0, 1000, &p->retries) < 0
		           ? bad_value(key, arg, "a whole number from 0 to 1000")
		           : 0;
	case OPT_RETRY_DELAY:
		return parse_seconds_opt(key, arg, 0, &p->retry_delay);
	case 'n':
		return parse_uint(arg, 1, UINT32_MAX, &p->count) < 0
		           ? bad_value(key, arg, "a whole number from 1")
		           : 0;
	case OPT_INTERVAL:
		return parse_seconds_opt(key, arg, 0, &p->interval);
	case OPT_NO_REUSE:
		p->no_reuse = 1;
		return 0;
	case OPT_BODY:
		p->body_to_stdout = 1;
		return 0;
	case 'o':
		p->output = arg;
		return 0;
	case OPT_JSON:
		p->json = 1;
		return 0;
	case OPT_SVG:
		if (strcmp(arg, "-") == 0)
			return bad_value(key, arg, "a file (stdout carries the probe lines)");
		p->svg = arg;
		return 0;
	case OPT_MAX_HEADER_SIZE:
		return parse_size(arg, 256, 64 << 20, &p->max_head) < 0
		           ? bad_value(key, arg, "a size from 256 to 64M")
		           : 0;
	case 'v':
		diag_set_verbosity(diag_verbosity() + 1);
		return 0;
	default:
		return EXIT_USAGE;
	}
}

static void set_defaults(struct http_probe *p)
{
	p->max_redirs = 10;
	p->max_time = 30;
	p->config.connect_timeout = 10;
	p->config.resolves = p->resolves;
	p->config.interrupted = sig_stop_requested;
	p->retry_delay = 1;
	p->interval = 1;
	p->count = 1;
	p->max_head = 64 * 1024;
	p->cert_warn_days = -1;
	p->out.fd = -1;
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
		return diag_usage("--body (or -o -) and --json exclude each other: both take stdout; "
		                  "write the body with -o FILE");
	return 0;
}

/* OPT_GO_ON when the probe should run, else the status to exit with. */
static int parse_args(struct http_probe *p, int argc, char **argv)
{
	struct opt_state st;
	const char *why;
	int key, status;

	set_defaults(p);
	opt_init(&st, &http_probe_tool, argc, argv);
	while ((key = opt_next(&st)) != OPT_END) {
		if (key == OPT_EXIT)
			return st.status;
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
	status = check_conflicts(p);
	/* the bars are for people: only where the lines reach a terminal */
	p->bars = !p->json && !p->body_to_stdout && isatty(STDOUT_FILENO);
	waterfall_init(&p->wf, term_caps(STDOUT_FILENO));
	return status != 0 ? status : OPT_GO_ON;
}

/* Sleeps SECS unless SIGINT or SIGTERM asks to stop: 0, or -1 when asked. */
static int pause_for(double seconds)
{
	uint64_t deadline = clock_now_ns() + clock_seconds_to_ns(seconds);

	while (clock_now_ns() < deadline && !sig_stop_requested())
		poll(NULL, 0, clock_ms_until(deadline));
	return sig_stop_requested() ? -1 : 0;
}

/* ---- narration (-v) ---- */

static double ms_between(uint64_t from, uint64_t to)
{
	return to > from ? (double)(to - from) / 1e6 : 0;
}

/* What httpc_connect did: the lookup, each connect attempt, TLS.  A failed
 * attempt with another address after it is always told: the next line
 * would otherwise hide why the first address was skipped. */
static void narrate_connect(struct http_probe *p)
{
	const struct httpc *c = &p->client;
	const struct tls_info *tls = &c->tls_info;

	if (c->reused) {
		diag_verbose(1, "reusing the connection to %s", c->remote);
		return;
	}
	if (c->resolved[0])
		diag_verbose(1, "resolve %s: %s (%.3f ms)",
		             p->config.unix_path ? p->config.unix_path : p->ex.url.host, c->resolved,
		             ms_between(p->ex.t.start, p->ex.t.dns));
	/* the race's events in the order they happened (net/connect.h) */
	for (size_t i = 0; i < c->race.event_count; i++) {
		const struct connect_event *e = &c->race.events[i];
		const struct connect_attempt *a = &c->race.attempts[e->index];
		if (e->state == CONNECT_TRYING && a->why == CONNECT_AFTER_DELAY)
			diag_verbose(1, "connect %s: trying (no answer from %s after %d ms)", a->address,
			             c->race.attempts[e->index - 1].address, c->race.delay_ms);
		else if (e->state == CONNECT_TRYING)
			diag_verbose(1, "connect %s: trying", a->address);
		else if (e->state == CONNECT_CONNECTED)
			diag_verbose(1, "connect %s: connected in %.3f ms", a->address, connect_attempt_ms(a));
		else if (e->state == CONNECT_CLOSED && a->error != EINTR)
			diag_verbose(1, "connect %s: closed, another address answered first", a->address);
		else if (e->state == CONNECT_FAILED && (size_t)e->index + 1 < c->race.started)
			diag_info("connect %s: %s after %.3f ms, trying the next address", a->address,
			          strerror(a->error), connect_attempt_ms(a));
		else if (e->state == CONNECT_FAILED && (int)e->index != c->race.last_failed)
			diag_info("connect %s: %s after %.3f ms", a->address, strerror(a->error),
			          connect_attempt_ms(a));
	}
	if (!c->tls_used || !tls->version[0])
		return;
	diag_verbose(1, "tls %s %s, alpn %s", tls->version, tls->cipher, tls->alpn[0] ? tls->alpn : "none");
	if (tls->has_cert)
		diag_verbose(1, "certificate subject %s, issuer %s, expires %s (%lld days left), %s%s",
		             tls->subject, tls->issuer, tls->not_after, (long long)(tls->seconds_left / 86400),
		             tls->verified ? "verified" : "not verified: ", tls->verify_error);
}

/* "> " and each line of the request head, as curl -v shows them. */
static void narrate_request(struct http_probe *p, size_t head_len)
{
	const char *line = p->request.data, *end = p->request.data + head_len;

	if (diag_verbosity() < 1)
		return;
	while (line < end) {
		const char *crlf = memmem(line, (size_t)(end - line), "\r\n", 2);
		buf_clear(&p->text);
		escape_bytes(&p->text, line, (size_t)(crlf - line));
		diag_verbose(1, ">%s%s", crlf > line ? " " : "", p->text.data ? p->text.data : "");
		line = crlf + 2;
	}
	if (p->request.len > head_len)
		diag_verbose(1, "> (%zu bytes of body)", p->request.len - head_len);
}

/* "< " and the status line and fields, escaped to stay one line each. */
static void narrate_head(struct http_probe *p, const struct http_response *r)
{
	if (diag_verbosity() < 1)
		return;
	buf_clear(&p->text);
	escape_bytes(&p->text, r->reason.ptr, r->reason.len);
	diag_verbose(1, "< HTTP/1.%d %d %s", r->version_minor, r->status, p->text.data ? p->text.data : "");
	for (size_t i = 0; i < r->headers.count; i++) {
		const char *value = http_fields_value(&r->headers, i);
		buf_clear(&p->text);
		escape_bytes(&p->text, value, strlen(value));
		diag_verbose(1, "< %s: %s", http_fields_name(&r->headers, i), p->text.data ? p->text.data : "");
	}
	diag_verbose(1, "<");
}

static void narrate_end(const struct http_probe *p)
{
	const struct http_response *r = &p->client.response;
	static const char *const framing[] = { "no body by the rules", "framed by content-length", "chunked",
		                               "ended by the close" };

	diag_verbose(1, "body %llu bytes, %s; connection %s", (unsigned long long)r->body_bytes,
	             framing[r->framing.kind], p->client.fd >= 0 ? "kept alive" : "closed");
}

/* ---- the body: -o, --body, --expect-body ---- */

/* -o FILE: written beside FILE and renamed over it once the response is
 * complete, so FILE is never half written (lib/file/atomic.h). */
static int open_output(struct http_probe *p)
{
	if (atomic_open(&p->out, p->output, 0) == 0)
		return 0;
	snprintf(p->ex.error, sizeof p->ex.error, "open %s: %s", p->output, strerror(errno));
	return -1;
}

static void close_output(struct http_probe *p, int ok)
{
	if (ok && atomic_commit(&p->out) < 0)
		snprintf(p->ex.error, sizeof p->ex.error, "write %s: %s", p->output, strerror(errno));
	atomic_abort(&p->out);
}

static int is_redirect(int status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* With -L, a redirect's Location becomes the next URL (p->next_url). */
static int plan_redirect(struct http_probe *p, const struct http_response *r)
{
	const char *location = http_fields_get(&r->headers, "Location");
	const char *why;

	if (!p->follow || !is_redirect(r->status) || !location)
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

/* 1 when a -H field asked the server to change protocols ("Upgrade: x"). */
static int asked_for_upgrade(const struct http_probe *p)
{
	for (size_t i = 0; i < p->header_count; i++) {
		const char *colon = strchr(p->headers[i], ':');
		if (colon && colon[1] != '\0' && (size_t)(colon - p->headers[i]) == strlen("Upgrade") &&
		    strncasecmp(p->headers[i], "Upgrade", strlen("Upgrade")) == 0)
			return 1;
	}
	return 0;
}

static int on_head(void *arg, const struct http_response *r)
{
	struct http_probe *p = arg;

	narrate_head(p, r);
	/* RFC 9110 15.2.2: a server must not switch protocols unless the
	 * request's Upgrade field asked it to.  One that does anyway no longer
	 * speaks HTTP on this connection: that is no answer to the probe. */
	if (r->status == 101 && !asked_for_upgrade(p)) {
		snprintf(
		    p->ex.error,
		    sizeof p->ex.error, "read response from %s: unsolicited 101 Switching Protocols: the request asked for no Upgrade",
		    p->client.remote);
		return -1;
	}
	if (r->status < 200 && r->status != 101)
		return 0; /* interim: skipped */
	p->ex.has_head = 1;
	if (plan_redirect(p, r) || p->ex.error[0])
		return 0; /* a redirect's body is read and dropped */
	return p->output ? open_output(p) : 0;
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
	    memmem(buf_head(&p->body_tail), buf_readable(&p->body_tail), p->expect_body, need)) {
		p->ex.body_found = 1;
		buf_clear(&p->body_tail);
	} else if (buf_readable(&p->body_tail) >= need) {
		buf_consume(&p->body_tail, buf_readable(&p->body_tail) - (need - 1));
	}
}

static int on_body(void *arg, const char *data, size_t len)
{
	struct http_probe *p = arg;

	if (p->expect_body)
		scan_body(p, data, len);
	if (p->ex.redirect[0])
		return 0;
	if (p->out.fd >= 0 && io_write_full(p->out.fd, data, len) < 0) {
		snprintf(p->ex.error, sizeof p->ex.error, "write %s: %s", p->output, strerror(errno));
		return -1;
	}
	if (p->body_to_stdout && !p->stdout_closed && io_write_full(STDOUT_FILENO, data, len) < 0) {
		if (errno != EPIPE) {
			snprintf(p->ex.error, sizeof p->ex.error, "write stdout: %s", strerror(errno));
			return -1;
		}
		p->stdout_closed = 1; /* the reader went away: finish quietly */
	}
	return 0;
}

/* ---- one exchange ---- */

static void start_exchange(struct http_probe *p, const struct url *url, const char *method)
{
	memset(&p->ex, 0, sizeof p->ex);
	p->ex.url = *url;
	p->ex.method = method;
	p->ex.t.start = clock_now_ns();
	buf_clear(&p->body_tail);
}

static enum outcome exchange_failed(struct http_probe *p)
{
	if (!p->ex.error[0]) {
		snprintf(p->ex.error, sizeof p->ex.error, "%s", p->client.error);
		p->ex.retryable = p->client.retryable;
	}
	return sig_stop_requested() ? OUT_INTERRUPTED : OUT_FAIL;
}

/* One request and its response, on the kept connection when it can be. */
static enum outcome run_exchange(struct http_probe *p, int with_body, uint64_t deadline)
{
	struct exchange *ex = &p->ex;
	struct httpc *c = &p->client;
	struct httpc_request req = { ex->method,
		                     &ex->url,
		                     &p->url,
		                     p->user_agent,
		                     p->headers,
		                     p->header_count,
		                     with_body ? p->data.data : NULL,
		                     p->data.len,
		                     p->no_reuse };
	struct httpc_handler handler = { p, on_head, on_body };
	long head_len;
	int rc;

	if (p->no_reuse)
		httpc_close(c);
	rc = httpc_connect(c, &ex->url, deadline, &ex->t);
	narrate_connect(p);
	if (rc < 0)
		return exchange_failed(p);
	p->connections += !c->reused;
	head_len = httpc_build_request(&p->request, &req);
	if (head_len < 0) {
		snprintf(ex->error, sizeof ex->error, "build the request: %s", strerror(ENOMEM));
		return OUT_FAIL;
	}
	narrate_request(p, (size_t)head_len);
	rc = httpc_exchange(c, p->request.data, p->request.len, strcmp(ex->method, "HEAD") == 0, &handler,
	                    deadline, &ex->t);
	close_output(p, rc == 0 && !ex->error[0]);
	if (rc < 0 || ex->error[0]) {
		httpc_close(c);
		return exchange_failed(p);
	}
	ex->complete = 1;
	if (p->no_reuse)
		httpc_close(c);
	if (c->leftover)
		diag_verbose(1, "bytes came after the response: not reusing the connection");
	narrate_end(p);
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

	if (out != OUT_FAIL || !p->client.reused || !p->client.nothing_received ||
	    !(strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 || strcmp(m, "OPTIONS") == 0 ||
	      strcmp(m, "PUT") == 0 || strcmp(m, "DELETE") == 0))
		return out;
	diag_verbose(1, "%s; sending again on a new connection", p->ex.error);
	start_exchange(p, &url, m);
	return run_exchange(p, with_body, deadline);
}

/* ---- expectations ---- */

static void check_header(struct http_probe *p, const char *want)
{
	const struct http_fields *f = &p->client.response.headers;
	const char *colon = strchr(want, ':');
	const char *value = colon ? colon + 1 + strspn(colon + 1, " \t") : NULL;
	char name[256];

	snprintf(name, sizeof name, "%.*s", colon ? (int)(colon - want) : (int)strlen(want), want);
	for (size_t i = http_fields_find(f, name, 0); i < f->count; i = http_fields_find(f, name, i + 1))
		if (!value || strcmp(http_fields_value(f, i), value) == 0)
			return;
	if (!value || !http_fields_get(f, name))
		snprintf(p->ex.unmet, sizeof p->ex.unmet, "expected the field %s, got none", name);
	else
		snprintf(p->ex.unmet, sizeof p->ex.unmet, "expected %s: %s, got %s: %s", name, value, name,
		         http_fields_get(f, name));
}

static void check_certificate(struct http_probe *p)
{
	const struct tls_info *t = &p->client.tls_info;

	if (p->cert_warn_days < 0 || !p->client.tls_used || !t->has_cert ||
	    t->seconds_left >= p->cert_warn_days * 86400)
		return;
	if (t->seconds_left < 0)
		snprintf(p->ex.unmet, sizeof p->ex.unmet, "certificate expired on %s", t->not_after);
	else
		snprintf(p->ex.unmet, sizeof p->ex.unmet,
		         "certificate expires on %s, in %lld days, within --cert-warn-days %lld",
		         t->not_after, (long long)(t->seconds_left / 86400), (long long)p->cert_warn_days);
}

/* The final response against --expect, --expect-header, --expect-body
 * and --cert-warn-days; the first one missed is the one reported. */
static enum outcome check_expectations(struct http_probe *p)
{
	int status = p->client.response.status;

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

/* How long each phase took; the five add up to the total. */
static void phase_durations(const struct httpc_timing *t, double d[PHASES])
{
	d[PH_DNS] = ms_between(t->start, t->dns);
	d[PH_CONNECT] = ms_between(t->dns, t->connect);
	d[PH_TLS] = ms_between(t->connect, t->tls);
	d[PH_SERVER] = ms_between(t->tls, t->first_byte);
	d[PH_TRANSFER] = ms_between(t->first_byte, t->end);
	d[PH_TOTAL] = ms_between(t->start, t->end);
}

static void print_line(struct http_probe *p)
{
	const struct http_response *r = &p->client.response;
	struct buf *t = &p->text;
	double d[PHASES];

	phase_durations(&p->ex.t, d);
	buf_clear(t);
	if (p->count > 1)
		buf_printf(t, "seq=%llu ", (unsigned long long)p->seq);
	if (p->attempt > 1)
		buf_printf(t, "attempt=%llu ", (unsigned long long)p->attempt);
	buf_printf(t, "HTTP/1.%d %d ", r->version_minor, r->status);
	escape_bytes(t, r->reason.ptr, r->reason.len);
	buf_printf(t, " from %s:", p->client.remote);
	for (int i = 0; i < PHASES; i++)
		buf_printf(t, " %s %.3f", phase_names[i], d[i]);
	buf_printf(t, " ms, %llu bytes", (unsigned long long)r->body_bytes);
	if (p->client.reused)
		buf_append_str(t, ", reused");
	if (p->ex.redirect[0])
		buf_printf(t, ", redirect to %s", p->ex.redirect);
	emit_text(p, t->data);
	if (p->bars) {
		buf_clear(t);
		waterfall_bar(&p->wf, t, d);
		emit_text(p, t->data);
	}
}

/* --svg: the response's phases, kept for the waterfall drawn at the end. */
static void draw_exchange(struct http_probe *p)
{
	const struct http_response *r = &p->client.response;
	struct waterfall_row row;
	double d[PHASES];

	phase_durations(&p->ex.t, d);
	memcpy(row.ms, d, sizeof row.ms);
	snprintf(row.label, sizeof row.label, "seq=%llu%s %d, %s", (unsigned long long)p->seq,
	         p->hops ? " (redirected)" : "", r->status, p->client.reused ? "reused" : "new connection");
	if (waterfall_add(&p->wf, &row) < 0) {
		diag_errno("keep the waterfall");
		p->svg = NULL;
	}
}

/* -v: each phase as a duration and since the start (curl's convention). */
static void narrate_timing(const struct exchange *ex)
{
	const struct httpc_timing *t = &ex->t;
	uint64_t marks[PHASES] = { t->dns, t->connect, t->tls, t->first_byte, t->end, t->end };
	double d[PHASES];

	if (diag_verbosity() < 1 || !ex->complete)
		return;
	phase_durations(t, d);
	diag_verbose(1, "timing    phase ms   since start ms");
	for (int i = 0; i < PHASES; i++)
		diag_verbose(1, "%-9s %8.3f %16.3f", phase_names[i], d[i], ms_between(t->start, marks[i]));
}

/* Cumulative time of a phase (curl's convention), null when not reached. */
static void json_time(struct json *j, const char *key, const struct exchange *ex, uint64_t mark)
{
	if (mark)
		json_fixed(j, key, ms_between(ex->t.start, mark), 3);
	else
		json_null(j, key);
}

/* Beyond the stable keys: where the probe was, each connect attempt,
 * the phase durations, and a followed redirect. */
static void json_extras(struct json *j, const struct http_probe *p)
{
	const struct httpc *c = &p->client;
	double d[PHASES];

	json_uint(j, "seq", p->seq);
	json_uint(j, "attempt", p->attempt);
	json_bool(j, "reused", c->reused);
	httpjson_connects(j, "connects", c);
	if (p->ex.complete) {
		phase_durations(&p->ex.t, d);
		json_begin_object(j, "durations");
		for (int i = 0; i < PH_TOTAL; i++) {
			char key[32];
			snprintf(key, sizeof key, "%s_ms", phase_names[i]);
			json_fixed(j, key, d[i], 3);
		}
		json_end(j);
	} else {
		json_null(j, "durations");
	}
	json_str(j, "redirect", p->ex.redirect[0] ? p->ex.redirect : NULL);
}

static void write_record(struct buf *record, const struct json *j)
{
	if (!j->failed)
		fwrite(record->data, 1, record->len, stdout);
	buf_free(record);
}

static void print_json(struct http_probe *p, enum outcome out)
{
	const struct exchange *ex = &p->ex;
	const struct http_response *r = &p->client.response;
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
	json_str(&j, "remote", p->client.remote[0] ? p->client.remote : NULL);
	json_time(&j, "time_dns_ms", ex, ex->t.dns);
	json_time(&j, "time_connect_ms", ex, ex->t.connect);
	json_time(&j, "time_tls_ms", ex, ex->t.tls);
	json_time(&j, "time_ttfb_ms", ex, ex->t.first_byte);
	json_time(&j, "time_total_ms", ex, ex->complete ? ex->t.end : 0);
	if (ex->has_head) {
		json_uint(&j, "size", r->body_bytes);
		httpjson_fields(&j, "headers", &r->headers);
	} else {
		json_null(&j, "size");
		json_null(&j, "headers");
	}
	httpjson_tls(&j, "tls", &p->client);
	json_bool(&j, "ok", out == OUT_OK);
	json_str(&j, "error", ex->error[0] ? ex->error : ex->unmet[0] ? ex->unmet : NULL);
	json_extras(&j, p);
	json_end(&j);
	json_newline(&j);
	write_record(&record, &j);
}

/* One line (or JSON object) per response, and why a probe failed. */
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
	if (p->svg && p->ex.complete)
		draw_exchange(p);
	/* a line per probe as it happens, also into a pipe (| tee, | jq); a
	 * reader that went away (| head -1) ends the run, as it ends a filter */
	if (fflush(stdout) != 0 || ferror(stdout))
		p->stdout_closed = 1;
	if (p->count > 1)
		snprintf(prefix, sizeof prefix, "seq=%llu: ", (unsigned long long)p->seq);
	if (out == OUT_FAIL)
		diag_error("%s%s", prefix, p->ex.error);
	else if (out == OUT_UNMET)
		diag_error("%s%s", prefix, p->ex.unmet);
}

/* ---- probes, retries, repetition ---- */

/* One probe: a request, and with -L the redirects that follow it, all
 * within one --max-time. */
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
		if ((p->client.response.status == 303 && strcmp(method, "HEAD") != 0) ||
		    (p->client.response.status <= 302 && strcmp(method, "POST") == 0)) {
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
	double d[PHASES];

	p->sent++;
	if (out == OUT_OK)
		p->ok++;
	else if (out == OUT_UNMET)
		p->unmet++;
	else
		p->errors++;
	if (!p->ex.complete)
		return;
	phase_durations(&p->ex.t, d);
	for (int i = 0; i < PHASES; i++) {
		/* a reused connection had no dns, connect or tls phase at all */
		if (i <= PH_TLS && (p->client.reused || (i == PH_TLS && !p->client.tls_used)))
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
		static const char *const keys[] = { "min_ms", "avg_ms", "p50_ms", "p90_ms", "max_ms" };
		double v[] = { s->min, stats_avg(s), stats_percentile(s, 50), stats_percentile(s, 90), s->max };
		json_begin_object(&j, phase_names[i]);
		json_uint(&j, "n", s->count);
		for (int k = 0; k < 5; k++) {
			if (s->count)
				json_fixed(&j, keys[k], v[k], 3);
			else
				json_null(&j, keys[k]);
		}
		json_end(&j);
	}
	json_end(&j);
	json_end(&j);
	json_newline(&j);
	write_record(&record, &j);
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
	buf_printf(t, "%llu sent, %llu ok, %llu failed (%llu error%s, %llu unmet), %llu connection%s",
	           (unsigned long long)p->sent, (unsigned long long)p->ok,
	           (unsigned long long)(p->errors + p->unmet), (unsigned long long)p->errors,
	           p->errors == 1 ? "" : "s", (unsigned long long)p->unmet,
	           (unsigned long long)p->connections, p->connections == 1 ? "" : "s");
	emit_text(p, t->data);
	buf_clear(t);
	stats_format_header(t, "phase", "ms");
	emit_text(p, t->data);
	for (int i = 0; i < PHASES; i++) {
		buf_clear(t);
		stats_format_row(t, phase_names[i], &p->phase_stats[i]);
		emit_text(p, t->data);
	}
}

/* --svg: the waterfall of every response, written whole. */
static int write_waterfall(struct http_probe *p)
{
	char url[LOCATION_MAX], title[LOCATION_MAX + 32];

	snprintf(title, sizeof title, "http-probe %s", url_format(&p->url, url, sizeof url));
	if (waterfall_svg_file(&p->wf, title, p->svg) < 0) {
		diag_errno("write %s", p->svg);
		return -1;
	}
	return 0;
}

static int run(struct http_probe *p)
{
	httpc_init(&p->client, &p->config, p->max_head);
	if (p->url.https && httpc_tls_prepare(&p->client) < 0)
		return diag_error("%s", p->client.error);
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
	if (p->svg && write_waterfall(p) < 0)
		return EXIT_FAIL;
	if (p->sent == 0)
		return diag_error("interrupted");
	if (p->errors)
		return EXIT_FAIL;
	return p->unmet ? EXIT_UNMET : EXIT_OK;
}

static void cleanup(struct http_probe *p)
{
	close_output(p, 0);
	httpc_free(&p->client);
	buf_free(&p->data);
	buf_free(&p->request);
	buf_free(&p->text);
	buf_free(&p->body_tail);
	waterfall_free(&p->wf);
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
	if (status == OPT_GO_ON) {
		/* a stop signal ends the loop with the statistics so far */
		if (sig_catch_stop() < 0)
			status = diag_errno("install signal handlers");
		else
			status = run(p);
	}
	cleanup(p);
	return status;
}
