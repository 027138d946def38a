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
#include "http/http.h"
#include "http/httpc.h"
#include "base/io.h"
#include "cli/opt.h"
#include "cli/parse.h"
#include "sig/sig.h"
#include "http/probebody.h"
#include "http/probecheck.h"
#include "http/probefmt.h"
#include "http/redirect.h"
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

#define MAX_LIST PROBECHECK_FIELDS_MAX /* -H, --resolve and --expect-header entries */

/* Exit status 3: an answer came, but not the one expected. */
enum { EXIT_UNMET = 3 };

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
	struct probecheck check;    /* --expect, --expect-header, --expect-body, --cert-warn-days */
	double max_time, retry_delay, interval;
	uint64_t retries, count, max_head;
	int no_reuse, body_to_stdout, json;
	const char *output;
	/* the run */
	struct probefmt_exchange ex;
	struct buf request, text;
	struct probebody body; /* -o FILE, --body; whether stdout's reader went away */
	uint64_t seq, attempt, hops;
	struct url next_url;         /* where a planned redirect goes */
	const char *svg;             /* --svg FILE */
	int bars;                    /* a waterfall bar under each line: stdout is a terminal */
	struct waterfall wf;         /* the bars' scale, the rows --svg draws */
	struct probefmt_stats stats; /* counts and phase times for -n */
	struct httpc client;         /* last: it holds the read buffer */
};

/* ---- options ---- */

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
		p->check.cert_warn_days = (int64_t)n;
		return 0;
	case OPT_EXPECT:
		return probecheck_parse_status(&p->check, arg) < 0
		           ? bad_value(key, arg, "statuses such as 200,204 or 2xx")
		           : 0;
	case OPT_EXPECT_HEADER:
		if (!valid_field_arg(arg, 1))
			return bad_value(key, arg, "NAME, or NAME: VALUE");
		return add_to_list(p->check.fields, &p->check.field_count, key, arg);
	case OPT_EXPECT_BODY:
		p->check.body = arg;
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
	p->body.out.fd = -1;
	probecheck_init(&p->check);
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
	probebody_init(&p->body, p->output, p->body_to_stdout);
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

/* ---- the response: its head and its body as they come ---- */

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

	probefmt_narrate_head(&p->text, r);
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
	/* with -L, a redirect's Location becomes the next URL (p->next_url) */
	if ((p->follow && redirect_plan(r, &p->ex.url, p->hops, p->max_redirs, &p->next_url, p->ex.redirect,
	                                sizeof p->ex.redirect, p->ex.error, sizeof p->ex.error)) ||
	    p->ex.error[0])
		return 0; /* a redirect's body is read and dropped */
	return probebody_open(&p->body, p->ex.error, sizeof p->ex.error);
}

static int on_body(void *arg, const char *data, size_t len)
{
	struct http_probe *p = arg;

	probecheck_body(&p->check, data, len);
	if (p->ex.redirect[0])
		return 0;
	return probebody_write(&p->body, data, len, p->ex.error, sizeof p->ex.error);
}

/* ---- one exchange ---- */

static void start_exchange(struct http_probe *p, const struct url *url, const char *method)
{
	memset(&p->ex, 0, sizeof p->ex);
	p->ex.url = *url;
	p->ex.method = method;
	p->ex.t.start = clock_now_ns();
	probecheck_body_start(&p->check);
}

static enum probefmt_outcome exchange_failed(struct http_probe *p)
{
	if (!p->ex.error[0]) {
		snprintf(p->ex.error, sizeof p->ex.error, "%s", p->client.error);
		p->ex.retryable = p->client.retryable;
	}
	return sig_stop_requested() ? OUT_INTERRUPTED : OUT_FAIL;
}

/* One request and its response, on the kept connection when it can be. */
static enum probefmt_outcome run_exchange(struct http_probe *p, int with_body, uint64_t deadline)
{
	struct probefmt_exchange *ex = &p->ex;
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
	probefmt_narrate_connect(c, p->config.unix_path ? p->config.unix_path : ex->url.host, &ex->t);
	if (rc < 0)
		return exchange_failed(p);
	p->stats.connections += !c->reused;
	head_len = httpc_build_request(&p->request, &req);
	if (head_len < 0) {
		snprintf(ex->error, sizeof ex->error, "build the request: %s", strerror(ENOMEM));
		return OUT_FAIL;
	}
	probefmt_narrate_request(&p->text, &p->request, (size_t)head_len);
	rc = httpc_exchange(c, p->request.data, p->request.len, strcmp(ex->method, "HEAD") == 0, &handler,
	                    deadline, &ex->t);
	probebody_close(&p->body, rc == 0 && !ex->error[0], ex->error, sizeof ex->error);
	if (rc < 0 || ex->error[0]) {
		httpc_close(c);
		return exchange_failed(p);
	}
	ex->complete = 1;
	if (p->no_reuse)
		httpc_close(c);
	if (c->leftover)
		diag_verbose(1, "bytes came after the response: not reusing the connection");
	probefmt_narrate_end(c);
	return OUT_OK;
}

/*
 * A kept connection the server closed between two probes fails before a
 * single byte of the response: that is the connection's age, not the
 * server's answer, so the request goes again on a fresh connection
 * (RFC 9112 9.3.1), for methods that may be repeated.
 */
static enum probefmt_outcome run_exchange_once_more(struct http_probe *p, int with_body, uint64_t deadline)
{
	enum probefmt_outcome out = run_exchange(p, with_body, deadline);
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

/* The final response against --expect, --expect-header, --expect-body
 * and --cert-warn-days; the first one missed is the one reported. */
static enum probefmt_outcome check_expectations(struct http_probe *p)
{
	if (probecheck_response(&p->check, &p->client, p->ex.unmet, sizeof p->ex.unmet, &p->ex.retryable) < 0)
		return OUT_UNMET;
	return OUT_OK;
}

/* ---- reporting ---- */

/* The probe lines go to stdout, or to stderr when stdout carries the body. */
static void emit_text(void *arg, const char *text)
{
	const struct http_probe *p = arg;

	if (p->body_to_stdout)
		diag_info("%s", text);
	else
		printf("%s\n", text);
}

/* A JSON record on stdout, unless memory ran out while writing it. */
static void write_record(struct buf *record, int rc)
{
	if (rc == 0)
		fwrite(record->data, 1, record->len, stdout);
	buf_free(record);
}

/* The line (http/probefmt), and a waterfall bar under it on a terminal. */
static void print_line(struct http_probe *p)
{
	double d[PHASES];

	probefmt_line(&p->text, &p->ex, &p->client, p->seq, p->attempt, p->count > 1);
	emit_text(p, p->text.data);
	if (p->bars) {
		probefmt_durations(&p->ex.t, d);
		buf_clear(&p->text);
		waterfall_bar(&p->wf, &p->text, d);
		emit_text(p, p->text.data);
	}
}

/* --svg: the response's phases, kept for the waterfall drawn at the end. */
static void draw_exchange(struct http_probe *p)
{
	const struct http_response *r = &p->client.response;
	struct waterfall_row row;
	double d[PHASES];

	probefmt_durations(&p->ex.t, d);
	memcpy(row.ms, d, sizeof row.ms);
	snprintf(row.label, sizeof row.label, "seq=%llu%s %d, %s", (unsigned long long)p->seq,
	         p->hops ? " (redirected)" : "", r->status, p->client.reused ? "reused" : "new connection");
	if (waterfall_add(&p->wf, &row) < 0) {
		diag_errno("keep the waterfall");
		p->svg = NULL;
	}
}

/* One line (or JSON object) per response, and why a probe failed. */
static void report(struct http_probe *p, enum probefmt_outcome out)
{
	char prefix[32] = "";

	if (out == OUT_INTERRUPTED)
		return;
	probefmt_narrate_timing(&p->ex);
	if (p->json) {
		struct buf record = BUF_INIT;
		write_record(&record,
		             probefmt_json(&record, &p->ex, &p->client, out == OUT_OK, p->seq, p->attempt));
	} else if (p->ex.complete) {
		print_line(p);
	}
	if (p->svg && p->ex.complete)
		draw_exchange(p);
	/* a line per probe as it happens, also into a pipe (| tee, | jq); a
	 * reader that went away (| head -1) ends the run, as it ends a filter */
	if (fflush(stdout) != 0 || ferror(stdout))
		p->body.stdout_closed = 1;
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
static enum probefmt_outcome run_probe(struct http_probe *p)
{
	struct url url = p->url;
	const char *method = p->method;
	int with_body = p->has_data;
	uint64_t deadline = p->max_time > 0 ? clock_now_ns() + clock_seconds_to_ns(p->max_time) : 0;
	enum probefmt_outcome out;

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
		/* 303, and 301/302 after a POST, go on as a GET (http/redirect.h) */
		redirect_method(p->client.response.status, &method, &with_body);
	}
}

static enum probefmt_outcome probe_with_retries(struct http_probe *p)
{
	enum probefmt_outcome out;

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

/* ping's closing summary: counts, then min/avg/p50/p90/max per phase. */
static void print_statistics(struct http_probe *p)
{
	char url[PROBEFMT_URL_MAX];
	struct buf record = BUF_INIT;

	url_format(&p->url, url, sizeof url);
	if (p->json)
		write_record(&record, probefmt_stats_json(&record, &p->stats, url));
	else
		probefmt_stats_text(&p->stats, url, &p->text, emit_text, p);
}

/* --svg: the waterfall of every response, written whole. */
static int write_waterfall(struct http_probe *p)
{
	char url[PROBEFMT_URL_MAX], title[PROBEFMT_URL_MAX + 32];

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
	for (p->seq = 1; p->seq <= p->count && !p->body.stdout_closed; p->seq++) {
		enum probefmt_outcome out;
		if (p->seq > 1 && pause_for(p->interval) < 0)
			break;
		out = probe_with_retries(p);
		if (out == OUT_INTERRUPTED)
			break;
		probefmt_stats_add(&p->stats, out, &p->ex, &p->client);
	}
	if (p->count > 1)
		print_statistics(p);
	if (p->svg && write_waterfall(p) < 0)
		return EXIT_FAIL;
	if (p->stats.sent == 0)
		return diag_error("interrupted");
	if (p->stats.errors)
		return EXIT_FAIL;
	return p->stats.unmet ? EXIT_UNMET : EXIT_OK;
}

static void cleanup(struct http_probe *p)
{
	probebody_close(&p->body, 0, NULL, 0);
	httpc_free(&p->client);
	buf_free(&p->data);
	buf_free(&p->request);
	buf_free(&p->text);
	probecheck_free(&p->check);
	waterfall_free(&p->wf);
	probefmt_stats_free(&p->stats);
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
