/*
 * httpc.c - HTTP/1.1 client connections and exchanges with deadlines.
 *
 * The socket is non-blocking from the connect on: every wait is a poll(2)
 * with the time left, which is what lets one deadline bound the lookup,
 * each connect attempt, the TLS handshake, the request and the response.
 */
#include "http/httpc.h"

#include "base/clock.h"
#include "net/connect.h"
#include "net/resolve.h"
#include "net/sock.h"
#include "cli/version.h"

#include <errno.h>
#include <stddef.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>
#include <unistd.h>

/* An address to connect to, copied out of whichever list named it. */
struct target {
	struct sockaddr_storage addr;
	socklen_t len;
	int family;
};

static int interrupted(const struct httpc *c)
{
	return c->config->interrupted && c->config->interrupted();
}

int httpc_wait(int fd, short events, uint64_t deadline_ns, int (*stop)(void))
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
		if (errno != EINTR || (stop && stop())) {
			errno = EINTR;
			return -1;
		}
	}
}

static const char *reason(const struct httpc *c, int err)
{
	if (err == ETIMEDOUT)
		return "timed out";
	if (err == EINTR)
		return "interrupted";
	if (c->tls && tls_error(c->tls)[0] && err != ECONNRESET && err != EPIPE)
		return tls_error(c->tls);
	return strerror(err);
}

void httpc_init(struct httpc *c, const struct httpc_config *config, size_t max_head)
{
	memset(c, 0, offsetof(struct httpc, read_buf));
	c->config = config;
	c->fd = -1;
	http_response_init(&c->response, max_head, 0);
}

/* ---- the addresses ---- */

static void add_target(struct target *targets, size_t *n, const struct sockaddr *sa, socklen_t len, int family)
{
	if (*n == HTTPC_MAX_ADDRESSES || (family != AF_UNSPEC && sa->sa_family != family))
		return;
	memcpy(&targets[*n].addr, sa, len);
	targets[*n].len = len;
	targets[*n].family = sa->sa_family;
	(*n)++;
}

int httpc_resolve_parse(const char *entry, struct httpc_resolve *out)
{
	const char *colon = strchr(entry, ':'), *p;
	unsigned long port = 0;

	if (!colon || colon == entry)
		goto invalid;
	for (p = colon + 1; *p >= '0' && *p <= '9'; p++) {
		port = port * 10 + (unsigned long)(*p - '0');
		if (port > 65535)
			goto invalid;
	}
	if (p == colon + 1 || *p != ':' || port == 0 || p[1] == '\0')
		goto invalid;
	out->host.ptr = entry;
	out->host.len = (size_t)(colon - entry);
	out->port = (unsigned)port;
	out->addrs = p + 1;
	return 0;
invalid:
	errno = EINVAL;
	return -1;
}

/* The address list of the HOST:PORT:ADDR entry for u, or NULL. */
static const char *find_override(const struct httpc_config *cfg, const struct url *u)
{
	for (size_t i = 0; i < cfg->resolve_count; i++) {
		struct httpc_resolve r;
		if (httpc_resolve_parse(cfg->resolves[i], &r) == 0 && r.port == u->port &&
		    r.host.len == strlen(u->host) && strncasecmp(r.host.ptr, u->host, r.host.len) == 0)
			return r.addrs;
	}
	return NULL;
}

static int targets_from_override(struct httpc *c, const char *list, unsigned port, struct target *targets,
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
			snprintf(c->error, sizeof c->error, "resolve: address '%s': %s", one,
			         addr_strerror(rc));
			return -1;
		}
		add_target(targets, n, ai->ai_addr, ai->ai_addrlen, c->config->family);
		freeaddrinfo(ai);
		list += len + (list[len] == ',');
	}
	return 0;
}

/* getaddrinfo on a helper thread, so the deadline bounds the lookup too. */
static int targets_from_dns(struct httpc *c, const struct url *u, struct target *targets, size_t *n,
                            uint64_t deadline)
{
	struct addr_spec spec;
	char service[8];
	struct addrinfo *list = NULL;
	struct resolve *r;
	int rc;

	memset(&spec, 0, sizeof spec);
	url_host_for_lookup(u, spec.host, sizeof spec.host);
	snprintf(service, sizeof service, "%u", u->port);
	r = resolve_start(&spec, NULL, service, c->config->family, SOCK_STREAM);
	if (!r) {
		snprintf(c->error, sizeof c->error, "resolve %s: %s", u->host, strerror(errno));
		return -1;
	}
	if (httpc_wait(resolve_fd(r), POLLIN, deadline, c->config->interrupted) < 0) {
		resolve_abandon(r);
		snprintf(c->error, sizeof c->error, "resolve %s: %s", u->host, reason(c, errno));
		c->retryable = errno == ETIMEDOUT;
		return -1;
	}
	rc = resolve_finish(r, &list);
	if (rc != 0) {
		snprintf(c->error, sizeof c->error, "resolve %s: %s", u->host, addr_strerror(rc));
		c->retryable = rc == EAI_AGAIN;
		return -1;
	}
	for (struct addrinfo *ai = list; ai; ai = ai->ai_next)
		add_target(targets, n, ai->ai_addr, ai->ai_addrlen, AF_UNSPEC);
	addr_free(list);
	return 0;
}

/* The DNS phase: the unix socket, an override, or getaddrinfo. */
static int find_targets(struct httpc *c, const struct url *u, struct target *targets, size_t *n,
                        uint64_t deadline)
{
	const char *override = find_override(c->config, u);
	size_t at = 0;
	int rc = 0;

	*n = 0;
	if (c->config->unix_path) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		snprintf(sun.sun_path, sizeof sun.sun_path, "%s", c->config->unix_path);
		add_target(targets, n, (struct sockaddr *)&sun, (socklen_t)sizeof sun, AF_UNSPEC);
	} else if (override) {
		rc = targets_from_override(c, override, u->port, targets, n);
	} else {
		rc = targets_from_dns(c, u, targets, n, deadline);
	}
	if (rc < 0)
		return -1;
	if (*n == 0) {
		snprintf(c->error, sizeof c->error, "resolve %s: no %s address", u->host,
		         c->config->family == AF_INET    ? "IPv4"
		         : c->config->family == AF_INET6 ? "IPv6"
		                                         : "usable");
		return -1;
	}
	c->resolved[0] = '\0';
	for (size_t i = 0; i < *n && at + ADDR_TEXT_MAX + 2 < sizeof c->resolved; i++) {
		char text[ADDR_TEXT_MAX];
		addr_format((const struct sockaddr *)&targets[i].addr, targets[i].len, text, sizeof text);
		at += (size_t)snprintf(c->resolved + at, sizeof c->resolved - at, "%s%s", i ? ", " : "", text);
	}
	return 0;
}

/* ---- connecting ---- */

/* The connect phase: every address raced (net/connect.h), each attempt
 * bounded by --connect-timeout, the whole by the deadline.  The attempts
 * and the order of events stay in c for the caller to tell. */
static int connect_targets(struct httpc *c, const struct target *targets, size_t n, uint64_t deadline,
                           uint64_t *connected_ns)
{
	struct connect_race *race = &c->race;
	double timeout_ms = c->config->connect_timeout * 1000;
	int fd;

	connect_race_init(race, timeout_ms > 0 && timeout_ms < 2e9 ? (int)timeout_ms : -1, deadline);
	race->nonblock = 1;
	race->interrupted = c->config->interrupted;
	for (size_t i = 0; i < n; i++)
		connect_race_add(race, (const struct sockaddr *)&targets[i].addr, targets[i].len, NULL);
	fd = connect_race_run(race);
	for (size_t i = 0; i < race->started; i++) {
		struct httpc_attempt *a = &c->attempts[c->attempt_count++];
		const struct connect_attempt *r = &race->attempts[i];
		snprintf(a->address, sizeof a->address, "%s", r->address);
		a->error = r->state == CONNECT_CONNECTED ? 0
		           : r->state == CONNECT_CLOSED  ? ECANCELED
		                                         : r->error;
		a->ms = connect_attempt_ms(r);
	}
	if (fd >= 0) {
		/* the connect phase ends when the winner connected, not when the
		 * losers were closed */
		*connected_ns = race->attempts[race->winner].end_ns;
		snprintf(c->remote, sizeof c->remote, "%s", race->attempts[race->winner].address);
		return fd;
	}
	if (errno == EINTR || race->last_failed < 0)
		snprintf(c->error, sizeof c->error, "connect %s: %s",
		         race->started ? race->attempts[race->started - 1].address : "", reason(c, errno));
	else
		snprintf(c->error, sizeof c->error, "connect %s: %s", race->attempts[race->last_failed].address,
		         reason(c, race->attempts[race->last_failed].error));
	c->retryable = errno != EINTR;
	return -1;
}

int httpc_tls_prepare(struct httpc *c)
{
	char err[TLS_ERROR_MAX + 64];

	if (c->tls_client)
		return 0;
	c->tls_client = tls_client_new(&c->config->tls, err, sizeof err);
	if (!c->tls_client) {
		snprintf(c->error, sizeof c->error, "%s", err);
		return -1;
	}
	return 0;
}

/* The TLS phase: the handshake, then the certificate's verdict. */
static int start_tls(struct httpc *c, const struct url *u, uint64_t deadline)
{
	char host[URL_HOST_MAX], err[TLS_ERROR_MAX];
	int rc;

	if (httpc_tls_prepare(c) < 0)
		return -1;
	url_host_for_lookup(u, host, sizeof host);
	c->tls = tls_conn_new(c->tls_client, c->fd, host, err, sizeof err);
	if (!c->tls) {
		snprintf(c->error, sizeof c->error, "tls %s: %s", c->remote, err);
		return -1;
	}
	do
		rc = tls_handshake(c->tls, deadline);
	while (rc < 0 && errno == EINTR && !interrupted(c));
	tls_get_info(c->tls, &c->tls_info);
	c->tls_used = 1;
	if (rc < 0) {
		snprintf(c->error, sizeof c->error, "tls handshake with %s: %s", c->remote, reason(c, errno));
		c->retryable = errno == ETIMEDOUT || errno == ECONNRESET;
		return -1;
	}
	return 0;
}

/*
 * A kept connection is worth reusing when it leads to the same origin and
 * the server has not closed it meanwhile: an idle HTTP connection has
 * nothing to read, so readable means closed (or garbage).  Under TLS a
 * readable socket may only hold a session ticket: let OpenSSL look.
 */
static int connection_alive(struct httpc *c, const struct url *u)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN, .revents = 0 };
	char byte;

	if (c->fd < 0 || !url_same_origin(&c->origin, u))
		return 0;
	if (c->tls && tls_pending(c->tls))
		return 0;
	if (poll(&pfd, 1, 0) == 0)
		return 1;
	return c->tls && tls_read(c->tls, &byte, 1, clock_now_ns()) < 0 && errno == ETIMEDOUT;
}

int httpc_connect(struct httpc *c, const struct url *u, uint64_t deadline, struct httpc_timing *t)
{
	struct target targets[HTTPC_MAX_ADDRESSES];
	size_t n;

	c->error[0] = '\0';
	c->retryable = c->nothing_received = 0;
	c->attempt_count = 0;
	connect_race_init(&c->race, -1, 0); /* no story left from the last connect */
	c->resolved[0] = '\0';
	c->reused = connection_alive(c, u);
	if (c->reused) {
		t->dns = t->connect = t->tls = t->start;
		return 0;
	}
	httpc_close(c);
	c->tls_used = 0;
	c->remote[0] = '\0';
	if (find_targets(c, u, targets, &n, deadline) < 0)
		return -1;
	t->dns = clock_now_ns();
	c->fd = connect_targets(c, targets, n, deadline, &t->connect);
	if (c->fd < 0)
		return -1;
	t->tls = t->connect;
	c->origin = *u;
	if (u->https && start_tls(c, u, deadline) < 0) {
		httpc_close(c);
		return -1;
	}
	if (u->https)
		t->tls = clock_now_ns();
	return 0;
}

/* ---- the request ---- */

/* 1 when the extra fields set name (so its default is left out). */
static int sets_field(const struct httpc_request *req, const char *name)
{
	size_t len = strlen(name);
	for (size_t i = 0; i < req->field_count; i++)
		if (strncasecmp(req->fields[i], name, len) == 0 && req->fields[i][len] == ':')
			return 1;
	return 0;
}

/* Credentials go to the origin they were given for, never to wherever a
 * redirect points (curl's rule). */
static int is_credential(const char *field)
{
	return strncasecmp(field, "Authorization:", 14) == 0 || strncasecmp(field, "Cookie:", 7) == 0;
}

/* RFC 9110 8.6: a method that expects content says how long it is. */
static int wants_length(const struct httpc_request *req)
{
	const char *m = req->method;
	return req->body || strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 || strcmp(m, "PATCH") == 0;
}

long httpc_build_request(struct buf *b, const struct httpc_request *req)
{
	char authority[URL_HOST_MAX + 16];
	int same_origin = !req->origin || url_same_origin(req->url, req->origin);
	int failed = 0;
	long head_len;

	buf_clear(b);
	failed |= buf_printf(b, "%s %s HTTP/1.1\r\n", req->method, req->url->target);
	if (!sets_field(req, "Host"))
		failed |= buf_printf(b, "Host: %s\r\n", url_authority(req->url, authority, sizeof authority));
	if (!sets_field(req, "User-Agent"))
		failed |= buf_printf(b, "User-Agent: %s\r\n",
		                     req->user_agent ? req->user_agent : "sockbox/" SOCKBOX_VERSION);
	if (!sets_field(req, "Accept"))
		failed |= buf_append_str(b, "Accept: */*\r\n");
	if (!sets_field(req, "Content-Length") && wants_length(req))
		failed |= buf_printf(b, "Content-Length: %zu\r\n", req->body ? req->body_len : 0);
	if (req->close && !sets_field(req, "Connection"))
		failed |= buf_append_str(b, "Connection: close\r\n");
	for (size_t i = 0; i < req->field_count; i++) {
		const char *colon = strchr(req->fields[i], ':');
		if (!colon || colon[1 + strspn(colon + 1, " \t")] == '\0' ||
		    (!same_origin && is_credential(req->fields[i])))
			continue; /* "Name:" only drops a default */
		failed |= buf_printf(b, "%s\r\n", req->fields[i]);
	}
	failed |= buf_append_str(b, "\r\n");
	head_len = (long)b->len;
	if (req->body)
		failed |= buf_append(b, req->body, req->body_len);
	return failed ? -1 : head_len;
}

/* ---- the exchange ---- */

static ssize_t conn_read(struct httpc *c, void *buf, size_t len, uint64_t deadline)
{
	for (;;) {
		ssize_t n = c->tls ? tls_read(c->tls, buf, len, deadline) : read(c->fd, buf, len);
		if (n >= 0)
			return n;
		if (errno == EAGAIN && !c->tls) {
			if (httpc_wait(c->fd, POLLIN, deadline, c->config->interrupted) < 0)
				return -1;
		} else if (errno != EINTR || interrupted(c)) {
			return -1;
		}
	}
}

static int conn_write(struct httpc *c, const char *data, size_t len, uint64_t deadline)
{
	size_t done = 0;

	while (c->tls) {
		size_t part = 0;
		if (tls_write_full(c->tls, data + done, len - done, &part, deadline) == 0)
			return 0;
		done += part;
		if (errno != EINTR || interrupted(c))
			return -1;
	}
	while (done < len) {
		ssize_t n = sock_send(c->fd, data + done, len - done);
		if (n > 0)
			done += (size_t)n;
		else if (n < 0 && errno == EAGAIN &&
		         httpc_wait(c->fd, POLLOUT, deadline, c->config->interrupted) == 0)
			continue;
		else
			return -1;
	}
	return 0;
}

static int read_failed(struct httpc *c, int err)
{
	snprintf(c->error, sizeof c->error, "read response from %s: %s", c->remote, reason(c, err));
	c->retryable = err != EINTR;
	c->nothing_received = c->response.wire_bytes == 0;
	errno = err;
	return -1;
}

static int parse_failed(struct httpc *c)
{
	snprintf(c->error, sizeof c->error, "read response from %s: %s", c->remote,
	         http_response_error(&c->response));
	/* a peer that closed without a word is a connection failure; a server
	 * that spoke badly will not mend by being asked again */
	c->nothing_received = c->retryable = c->response.wire_bytes == 0;
	errno = EPROTO;
	return -1;
}

/* Reads and parses until the response is complete. */
static int read_response(struct httpc *c, const struct httpc_handler *h, uint64_t deadline,
                         struct httpc_timing *t)
{
	struct http_response *r = &c->response;
	size_t have = 0, at = 0;

	for (;;) {
		struct http_slice body;
		size_t used;
		ssize_t n;

		switch (http_response_feed(r, c->read_buf + at, have - at, &used, &body)) {
		case HTTP_EV_MORE:
			n = conn_read(c, c->read_buf, sizeof c->read_buf, deadline);
			if (n < 0)
				return read_failed(c, errno);
			if (n == 0)
				return http_response_eof(r) == HTTP_EV_DONE ? 0 : parse_failed(c);
			if (!t->first_byte)
				t->first_byte = clock_now_ns();
			have = (size_t)n;
			at = 0;
			continue;
		case HTTP_EV_INTERIM:
		case HTTP_EV_HEAD:
			if (h->on_head && h->on_head(h->arg, r) < 0)
				return -1;
			break;
		case HTTP_EV_BODY:
			if (h->on_body && h->on_body(h->arg, body.ptr, body.len) < 0)
				return -1;
			break;
		case HTTP_EV_DONE:
			/* anything after a complete response was never asked for */
			c->leftover = at + used < have;
			if (c->leftover)
				r->keep_alive = 0;
			return 0;
		case HTTP_EV_ERROR:
			return parse_failed(c);
		}
		at += used;
	}
}

int httpc_exchange(struct httpc *c, const char *request, size_t len, int no_body,
                   const struct httpc_handler *h, uint64_t deadline, struct httpc_timing *t)
{
	int rc;

	c->error[0] = '\0';
	c->retryable = c->nothing_received = c->leftover = 0;
	http_response_reset(&c->response, no_body);
	if (conn_write(c, request, len, deadline) < 0) {
		snprintf(c->error, sizeof c->error, "send request to %s: %s", c->remote, reason(c, errno));
		c->retryable = errno != EINTR;
		c->nothing_received = 1;
		rc = -1;
	} else {
		rc = read_response(c, h, deadline, t);
	}
	t->end = clock_now_ns();
	if (rc < 0 || !c->response.keep_alive)
		httpc_close(c);
	return rc;
}

void httpc_close(struct httpc *c)
{
	tls_conn_free(c->tls);
	c->tls = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

void httpc_free(struct httpc *c)
{
	httpc_close(c);
	tls_client_free(c->tls_client);
	c->tls_client = NULL;
	http_response_free(&c->response);
}
