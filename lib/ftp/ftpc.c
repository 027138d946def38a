/*
 * ftpc.c - an FTP client session: the control connection and its data
 * connections, plain or protected by TLS.
 */
#include "ftp/ftpc.h"

#include "base/buf.h"
#include "base/clock.h"
#include "base/io.h"
#include "cli/diag.h"
#include "net/addr.h"
#include "net/connect.h"
#include "net/sock.h"
#include "sig/sig.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define LINE_MAX_BYTES 8192       /* a longer reply line is cut there */
#define REPLY_MAX_BYTES (1 << 20) /* a reply that goes on past this is hostile */

void ftpc_init(struct ftpc *c, const struct ftpc_config *cfg)
{
	memset(c, 0, sizeof *c);
	c->cfg = *cfg;
	if (!c->cfg.label)
		c->cfg.label = "";
	c->fd = -1;
}

static int fail(struct ftpc *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct ftpc *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->error, sizeof c->error, fmt, ap);
	va_end(ap);
	return FTPC_FAILED;
}

static uint64_t deadline_of(const struct ftpc *c)
{
	return clock_now_ns() + (uint64_t)c->cfg.io_ms * 1000000u;
}

/* poll on one descriptor until the deadline: 0 ready, -1 with errno. */
static int wait_fd(int fd, short events, uint64_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		int n;

		if (sig_stop_requested()) {
			errno = EINTR;
			return -1;
		}
		/* slices of at most 200 ms: a signal caught by another thread (a
		 * segmented download has several) is seen here within one */
		int left = clock_ms_until(deadline);
		n = poll(&p, 1, left < 200 ? left : 200);
		if (n > 0)
			return 0;
		if (n == 0 && left <= 200) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (n == 0)
			continue;
		if (errno != EINTR)
			return -1;
	}
}

/* Reads what the control connection has: >0, 0 at its end, -1 with errno. */
static ssize_t control_read(struct ftpc *c, void *buf, size_t len)
{
	uint64_t deadline = deadline_of(c);

	if (c->tls)
		return tls_read(c->tls, buf, len, deadline);
	for (;;) {
		ssize_t n = recv(c->fd, buf, len, MSG_DONTWAIT);
		if (n >= 0)
			return n;
		if (errno != EAGAIN && errno != EINTR)
			return -1;
		if (wait_fd(c->fd, POLLIN, deadline) < 0)
			return -1;
	}
}

static int control_write(struct ftpc *c, const char *buf, size_t len)
{
	uint64_t deadline = deadline_of(c);
	size_t done = 0;

	if (c->tls)
		return tls_write_full(c->tls, buf, len, &done, deadline);
	while (done < len) {
		ssize_t n = send(c->fd, buf + done, len - done, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (wait_fd(c->fd, POLLOUT, deadline) < 0)
			return -1;
	}
	return 0;
}

static const char *why(int err)
{
	return err == ETIMEDOUT ? "timed out" : err == EINTR ? "interrupted" : strerror(err);
}

/*
 * Reads one reply, line by line.  A line is ended by LF (CRLF per RFC 959;
 * a bare LF accepted, as every client does); a line past LINE_MAX_BYTES is
 * cut, and a reply past REPLY_MAX_BYTES or FTP_REPLY_LINES_MAX lines is an
 * error, so an endless reply costs bounded memory and time.
 */
static int read_reply(struct ftpc *c)
{
	char line[LINE_MAX_BYTES];
	size_t line_len = 0, total = 0;

	ftp_reply_reset(&c->reply);
	for (;;) {
		if (c->in_off == c->in_len) {
			ssize_t n = control_read(c, c->inbuf, sizeof c->inbuf);
			if (n < 0)
				return fail(c, "read reply from %s: %s", c->peer_text,
				            c->tls && errno == EPROTO ? tls_error(c->tls) : why(errno));
			if (n == 0)
				return fail(c, "read reply from %s: the server closed the connection",
				            c->peer_text);
			c->in_off = 0;
			c->in_len = (size_t)n;
		}
		char *start = c->inbuf + c->in_off;
		size_t avail = c->in_len - c->in_off;
		char *nl = memchr(start, '\n', avail);
		size_t take = nl ? (size_t)(nl - start) + 1 : avail;
		size_t copy = take;

		if (copy > sizeof line - line_len)
			copy = sizeof line - line_len;
		memcpy(line + line_len, start, copy);
		line_len += copy;
		c->in_off += take;
		total += take;
		if (total > REPLY_MAX_BYTES)
			return fail(c, "reply from %s: longer than %d bytes", c->peer_text, REPLY_MAX_BYTES);
		if (!nl)
			continue;
		size_t len = line_len;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		diag_verbose(1, "%s-> %.*s", c->cfg.label, (int)len, line);
		int done = ftp_reply_feed(&c->reply, line, len);
		line_len = 0;
		if (done < 0 && c->reply.lines > FTP_REPLY_LINES_MAX)
			return fail(c, "reply from %s: more than %d lines", c->peer_text, FTP_REPLY_LINES_MAX);
		if (done < 0)
			return fail(c, "malformed reply from %s: '%.*s'", c->peer_text,
			            (int)(len > 80 ? 80 : len), line);
		if (done == 1)
			return c->reply.code;
	}
}

static int send_line(struct ftpc *c, const char *line, size_t len, int secret)
{
	char out[LINE_MAX_BYTES + 2];

	if (len > LINE_MAX_BYTES || memchr(line, '\r', len) || memchr(line, '\n', len))
		return fail(c, "command refused: a line break or more than %d bytes in '%.20s'",
		            LINE_MAX_BYTES, line);
	if (secret)
		diag_verbose(1, "%s<- PASS ****", c->cfg.label);
	else
		diag_verbose(1, "%s<- %.*s", c->cfg.label, (int)len, line);
	memcpy(out, line, len);
	memcpy(out + len, "\r\n", 2);
	if (control_write(c, out, len + 2) < 0)
		return fail(c, "send to %s: %s", c->peer_text,
		            c->tls && errno == EPROTO ? tls_error(c->tls) : why(errno));
	return 0;
}

__attribute__((format(printf, 3, 0))) static int vcommand(struct ftpc *c, int secret, const char *fmt,
                                                          va_list ap)
{
	char line[LINE_MAX_BYTES + 1];
	int n = vsnprintf(line, sizeof line, fmt, ap);

	if (n < 0 || (size_t)n >= sizeof line)
		return fail(c, "command too long");
	if (send_line(c, line, (size_t)n, secret) < 0)
		return FTPC_FAILED;
	return read_reply(c);
}

int ftpc_command(struct ftpc *c, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vcommand(c, 0, fmt, ap);
	va_end(ap);
	return rc;
}

/* A command whose reply must be 2xx (or 3xx when intermediate is set). */
static int expect_ok(int code)
{
	if (code < 0)
		return code;
	return code >= 400 ? FTPC_REFUSED : 0;
}

static int start_tls(struct ftpc *c, int fd, struct tls_conn **out, const char *what)
{
	char err[256];
	struct tls_conn *t = tls_conn_new(c->cfg.tls_client, fd, c->host, err, sizeof err);

	if (!t)
		return fail(c, "TLS on the %s connection: %s", what, err);
	if (c->tls)
		tls_conn_reuse_session(t, c->tls);
	if (tls_handshake(t, deadline_of(c)) < 0) {
		int e = errno;
		fail(c, "TLS handshake on the %s connection to %s: %s", what, c->peer_text,
		     e == EPROTO ? tls_error(t) : why(e));
		tls_conn_free(t);
		return FTPC_FAILED;
	}
	if (diag_verbosity() >= 1) {
		struct tls_info info;
		tls_get_info(t, &info);
		diag_verbose(1, "%sTLS on the %s connection: %s %s%s", c->cfg.label, what, info.version,
		             info.cipher,
		             c->tls ? (tls_session_reused(t) ? ", session reused" : ", new session") : "");
	}
	*out = t;
	return 0;
}

int ftpc_connect(struct ftpc *c, const char *host, unsigned port)
{
	struct addr_spec spec;
	struct addrinfo *list = NULL;
	struct connect_race race;
	char service[8];
	uint64_t start = clock_now_ns();
	int rc;

	memset(&spec, 0, sizeof spec);
	snprintf(spec.host, sizeof spec.host, "%s", host);
	snprintf(c->host, sizeof c->host, "%s", host);
	snprintf(service, sizeof service, "%u", port);
	rc = addr_resolve(&spec, NULL, service, c->cfg.family, SOCK_STREAM, 0, &list);
	if (rc != 0)
		return fail(c, "resolve %s: %s", host, addr_strerror(rc));
	connect_race_init(&race, c->cfg.connect_ms, 0);
	race.interrupted = sig_stop_requested;
	for (struct addrinfo *ai = list; ai; ai = ai->ai_next)
		connect_race_add(&race, ai->ai_addr, ai->ai_addrlen, NULL);
	addr_free(list);
	c->fd = connect_race_run(&race);
	if (c->fd < 0) {
		int e = errno;
		if (race.last_failed >= 0)
			return fail(c, "connect %s: %s", race.attempts[race.last_failed].address, why(e));
		return fail(c, "connect %s:%u: %s", host, port, why(e));
	}
	c->peer_len = sizeof c->peer;
	getpeername(c->fd, (struct sockaddr *)&c->peer, &c->peer_len);
	addr_format((struct sockaddr *)&c->peer, c->peer_len, c->peer_text, sizeof c->peer_text);
	c->connect_ns = clock_now_ns() - start;
	diag_verbose(1, "%scontrol: connected to %s", c->cfg.label, c->peer_text);
	rc = read_reply(c);
	if (rc < 0)
		return rc;
	if (rc != 220)
		return FTPC_REFUSED;
	if (!c->cfg.tls)
		return 0;
	/* RFC 4217 4: AUTH TLS, 234, then the handshake on the same socket */
	rc = expect_ok(ftpc_command(c, "AUTH TLS"));
	if (rc < 0)
		return rc;
	return start_tls(c, c->fd, &c->tls, "control");
}

/* FEAT (RFC 2389): one feature per line of a 211 multi-line reply. */
static void read_features(struct ftpc *c)
{
	char *save = NULL;

	if (ftpc_command(c, "FEAT") != 211)
		return;
	for (char *line = strtok_r(c->reply.text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		while (*line == ' ')
			line++;
		if (strncasecmp(line, "MLSD", 4) == 0 || strncasecmp(line, "MLST", 4) == 0)
			c->feat.mlsd = 1;
		else if (strncasecmp(line, "SIZE", 4) == 0)
			c->feat.size = 1;
		else if (strncasecmp(line, "REST", 4) == 0)
			c->feat.rest = 1;
		else if (strncasecmp(line, "EPSV", 4) == 0)
			c->feat.epsv = 1;
		else if (strncasecmp(line, "UTF8", 4) == 0)
			c->feat.utf8 = 1;
		else if (strncasecmp(line, "HASH", 4) == 0 && strcasestr(line, "SHA-256"))
			c->feat.hash_sha256 = 1;
	}
}

int ftpc_login(struct ftpc *c, const char *user, const char *pass)
{
	uint64_t start = clock_now_ns();
	int rc = ftpc_command(c, "USER %s", user);

	if (rc < 0)
		return rc;
	if (rc == 331 || rc == 332) {
		char line[LINE_MAX_BYTES];
		int n = snprintf(line, sizeof line, "PASS %s", pass);
		if (n < 0 || (size_t)n >= sizeof line)
			return fail(c, "password too long");
		if (send_line(c, line, (size_t)n, 1) < 0)
			return FTPC_FAILED;
		rc = read_reply(c);
		if (rc < 0)
			return rc;
	}
	if (rc != 230 && rc != 202)
		return FTPC_REFUSED;
	c->login_ns = clock_now_ns() - start;
	read_features(c);
	if (c->feat.utf8)
		ftpc_command(c, "OPTS UTF8 ON");
	if (c->cfg.tls) {
		rc = expect_ok(ftpc_command(c, "PBSZ 0"));
		if (rc == 0)
			rc = expect_ok(ftpc_command(c, "PROT P"));
		if (rc < 0)
			return rc;
	}
	return expect_ok(ftpc_command(c, "TYPE I"));
}

int ftpc_size(struct ftpc *c, const char *path, uint64_t *size)
{
	int rc = ftpc_command(c, "SIZE %s", path);

	if (rc < 0)
		return rc;
	if (rc != 213)
		return FTPC_REFUSED;
	if (ftp_parse_size(ftp_reply_last_line(&c->reply), size) < 0)
		return fail(c, "malformed SIZE reply from %s: '%.80s'", c->peer_text, c->reply.text);
	return 0;
}

int ftpc_hash(struct ftpc *c, const char *path, int sha256, char *algo, size_t algo_size, char *hex,
              size_t hex_size)
{
	int rc;

	if (sha256)
		ftpc_command(c, "OPTS HASH SHA-256");
	rc = ftpc_command(c, "HASH %s", path);
	if (rc < 0 || rc != 213)
		return rc == FTPC_FAILED ? FTPC_FAILED : FTPC_REFUSED;
	if (ftp_parse_hash(c->reply.text + 4, algo, algo_size, hex, hex_size) < 0) {
		snprintf(c->error, sizeof c->error, "malformed HASH reply: '%.100s'", c->reply.text);
		return FTPC_MALFORMED;
	}
	return 0;
}

/* Connects to the control peer's address on port (passive mode). */
static int connect_data(struct ftpc *c, struct ftpc_data *d, unsigned port)
{
	struct sockaddr_storage sa = c->peer;
	struct connect_race race;
	char text[64];

	if (sa.ss_family == AF_INET)
		((struct sockaddr_in *)&sa)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)&sa)->sin6_port = htons((uint16_t)port);
	addr_format((struct sockaddr *)&sa, c->peer_len, text, sizeof text);
	connect_race_init(&race, c->cfg.connect_ms, 0);
	race.interrupted = sig_stop_requested;
	connect_race_add(&race, (struct sockaddr *)&sa, c->peer_len, NULL);
	race.nonblock = 1; /* every read and write waits in wait_fd: bounded, interruptible */
	d->fd = connect_race_run(&race);
	if (d->fd < 0)
		return fail(c, "data: connect %s: %s", text, why(errno));
	diag_verbose(1, "%sdata: connected to %s", c->cfg.label, text);
	return 0;
}

/* EPSV (RFC 2428), or PASV when EPSV is refused (RFC 959). */
static int open_passive(struct ftpc *c, struct ftpc_data *d)
{
	unsigned port;
	int rc;

	if (!c->epsv_refused) {
		rc = ftpc_command(c, "EPSV");
		if (rc < 0)
			return rc;
		if (rc == 229) {
			if (ftp_parse_229(ftp_reply_last_line(&c->reply), &port) < 0)
				return fail(c, "malformed EPSV reply from %s: '%.80s'", c->peer_text,
				            c->reply.text);
			return connect_data(c, d, port);
		}
		c->epsv_refused = 1;
		diag_verbose(1, "%sdata: EPSV refused, PASV instead", c->cfg.label);
	}
	if (c->peer.ss_family != AF_INET)
		return FTPC_REFUSED; /* PASV speaks IPv4 only: the EPSV refusal stands */
	rc = ftpc_command(c, "PASV");
	if (rc < 0)
		return rc;
	if (rc != 227)
		return FTPC_REFUSED;
	unsigned char a[4];
	if (ftp_parse_227(c->reply.text + 4, a, &port) < 0)
		return fail(c, "malformed PASV reply from %s: '%.80s'", c->peer_text, c->reply.text);
	if (memcmp(a, &((struct sockaddr_in *)&c->peer)->sin_addr, 4) != 0)
		diag_verbose(
		    1, "%sdata: PASV names %u.%u.%u.%u, connecting to the control connection's address instead",
		    c->cfg.label, a[0], a[1], a[2], a[3]);
	return connect_data(c, d, port);
}

/* EPRT (RFC 2428) or PORT: a listening socket on the control connection's
 * local address, which the server connects to. */
static int open_active(struct ftpc *c, struct ftpc_data *d)
{
	struct sockaddr_storage local;
	socklen_t len = sizeof local;
	char host[INET6_ADDRSTRLEN];
	unsigned port;
	int rc;

	if (getsockname(c->fd, (struct sockaddr *)&local, &len) < 0)
		return fail(c, "data: getsockname: %s", strerror(errno));
	if (local.ss_family == AF_INET)
		((struct sockaddr_in *)&local)->sin_port = 0;
	else
		((struct sockaddr_in6 *)&local)->sin6_port = 0;
	d->listen_fd = socket(local.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (d->listen_fd < 0 || bind(d->listen_fd, (struct sockaddr *)&local, len) < 0 ||
	    listen(d->listen_fd, 1) < 0)
		return fail(c, "data: listen: %s", strerror(errno));
	port = sock_local_port(d->listen_fd);
	addr_format_host((struct sockaddr *)&local, host, sizeof host);
	diag_verbose(1, "%sdata: active, listening on %s port %u", c->cfg.label, host, port);
	rc = ftpc_command(c, "EPRT |%d|%s|%u|", local.ss_family == AF_INET ? 1 : 2, host, port);
	if (rc >= 0 && rc >= 500 && local.ss_family == AF_INET) {
		unsigned char *a = (unsigned char *)&((struct sockaddr_in *)&local)->sin_addr;
		rc = ftpc_command(c, "PORT %u,%u,%u,%u,%u,%u", a[0], a[1], a[2], a[3], port >> 8, port & 255);
	}
	return expect_ok(rc);
}

/* Active mode: the server's connection, from the control peer's address only. */
static int accept_active(struct ftpc *c, struct ftpc_data *d)
{
	uint64_t deadline = deadline_of(c);

	for (;;) {
		struct sockaddr_storage from;
		socklen_t len = sizeof from;
		char text[64];

		if (wait_fd(d->listen_fd, POLLIN, deadline) < 0)
			return fail(c, "data: wait for the server's connection: %s", why(errno));
		int fd = sock_accept(d->listen_fd, (struct sockaddr *)&from, &len, SOCK_NONBLOCK);
		if (fd < 0)
			return fail(c, "data: accept: %s", strerror(errno));
		addr_format((struct sockaddr *)&from, len, text, sizeof text);
		int same = from.ss_family == c->peer.ss_family &&
		           (from.ss_family == AF_INET
		                ? memcmp(&((struct sockaddr_in *)&from)->sin_addr,
		                         &((struct sockaddr_in *)&c->peer)->sin_addr, 4) == 0
		                : memcmp(&((struct sockaddr_in6 *)&from)->sin6_addr,
		                         &((struct sockaddr_in6 *)&c->peer)->sin6_addr, 16) == 0);
		if (!same) {
			diag_verbose(1, "%sdata: refused a connection from %s (not the server)", c->cfg.label,
			             text);
			close(fd);
			continue;
		}
		diag_verbose(1, "%sdata: accepted %s", c->cfg.label, text);
		close(d->listen_fd);
		d->listen_fd = -1;
		d->fd = fd;
		return 0;
	}
}

int ftpc_transfer_start(struct ftpc *c, struct ftpc_data *d, uint64_t offset, const char *fmt, ...)
{
	va_list ap;
	int rc;

	d->fd = d->listen_fd = -1;
	d->tls = NULL;
	rc = c->cfg.active ? open_active(c, d) : open_passive(c, d);
	if (rc < 0)
		goto out;
	if (offset > 0) {
		rc = ftpc_command(c, "REST %llu", (unsigned long long)offset);
		if (rc >= 0 && rc != 350)
			rc = FTPC_REFUSED;
		if (rc < 0)
			goto out;
	}
	va_start(ap, fmt);
	rc = vcommand(c, 0, fmt, ap);
	va_end(ap);
	if (rc < 0)
		goto out;
	if (rc >= 200) { /* no 1xx: refused, or (wrongly) done with no data */
		rc = FTPC_REFUSED;
		goto out;
	}
	if (c->cfg.active && (rc = accept_active(c, d)) < 0)
		goto out;
	if (c->tls && (rc = start_tls(c, d->fd, &d->tls, "data")) < 0)
		goto out;
	return 0;
out:
	ftpc_data_close(d);
	return rc;
}

ssize_t ftpc_data_read(struct ftpc *c, struct ftpc_data *d, void *buf, size_t len)
{
	uint64_t deadline = deadline_of(c);

	if (d->tls && sig_stop_requested()) {
		fail(c, "data: read: interrupted");
		return -1;
	}
	if (d->tls) {
		ssize_t n = tls_read(d->tls, buf, len, deadline);
		if (n < 0)
			fail(c, "data: read: %s", errno == EPROTO ? tls_error(d->tls) : why(errno));
		return n;
	}
	for (;;) {
		ssize_t n = sig_stop_requested() ? (errno = EINTR, -1) : read(d->fd, buf, len);
		if (n >= 0)
			return n;
		if (errno != EINTR && errno != EAGAIN) {
			fail(c, "data: read: %s", strerror(errno));
			return -1;
		}
		if (wait_fd(d->fd, POLLIN, deadline) < 0) {
			fail(c, "data: read: %s", why(errno));
			return -1;
		}
	}
}

int ftpc_data_write(struct ftpc *c, struct ftpc_data *d, const void *buf, size_t len)
{
	uint64_t deadline = deadline_of(c);
	size_t done = 0;

	if (sig_stop_requested())
		return fail(c, "data: write: interrupted");
	if (d->tls) {
		if (tls_write_full(d->tls, buf, len, &done, deadline) < 0)
			return fail(c, "data: write: %s", errno == EPROTO ? tls_error(d->tls) : why(errno));
		return 0;
	}
	while (done < len) {
		ssize_t n = send(d->fd, (const char *)buf + done, len - done, MSG_NOSIGNAL);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n < 0 && errno != EINTR && errno != EAGAIN)
			return fail(c, "data: write: %s", strerror(errno));
		if (wait_fd(d->fd, POLLOUT, deadline) < 0)
			return fail(c, "data: write: %s", why(errno));
	}
	return 0;
}

/* 256 KiB: large enough that a read or write costs little per byte, small
 * enough for a thread's stack budget not to matter (it is on the heap). */
#define CHUNK_BYTES (256 * 1024)

int ftpc_data_to_fd(struct ftpc *c, struct ftpc_data *d, int fd, const char *name,
                    void (*on_bytes)(void *arg, size_t n), void *arg)
{
	char *chunk = malloc(CHUNK_BYTES);
	int rc = 0;

	if (!chunk)
		return fail(c, "out of memory");
	for (;;) {
		ssize_t n = ftpc_data_read(c, d, chunk, CHUNK_BYTES);
		if (n <= 0) {
			rc = n < 0 ? FTPC_FAILED : 0;
			break;
		}
		if (io_write_full(fd, chunk, (size_t)n) < 0) {
			rc = errno == EPIPE ? 0 : fail(c, "write %s: %s", name, strerror(errno));
			break;
		}
		on_bytes(arg, (size_t)n);
	}
	free(chunk);
	return rc;
}

int ftpc_data_from_fd(struct ftpc *c, struct ftpc_data *d, int fd, const char *name,
                      void (*on_bytes)(void *arg, size_t n), void *arg)
{
	char *chunk = malloc(CHUNK_BYTES);
	int rc = 0;

	if (!chunk)
		return fail(c, "out of memory");
	for (;;) {
		ssize_t n = io_read(fd, chunk, CHUNK_BYTES);
		if (n <= 0) {
			rc = n < 0 ? fail(c, "read %s: %s", name, strerror(errno)) : 0;
			break;
		}
		if (ftpc_data_write(c, d, chunk, (size_t)n) < 0) {
			rc = FTPC_FAILED;
			break;
		}
		on_bytes(arg, (size_t)n);
	}
	free(chunk);
	return rc;
}

void ftpc_data_close(struct ftpc_data *d)
{
	if (d->tls) {
		tls_conn_free(d->tls);
		d->tls = NULL;
	}
	if (d->fd >= 0)
		close(d->fd);
	if (d->listen_fd >= 0)
		close(d->listen_fd);
	d->fd = d->listen_fd = -1;
}

int ftpc_transfer_finish(struct ftpc *c, struct ftpc_data *d, int early)
{
	int rc;

	if (early && d->fd >= 0 && !d->tls)
		shutdown(d->fd, SHUT_RDWR);
	/* RFC 4217 and vsftpd: a protected transfer ends with close_notify both
	 * ways; what the server says next tells whether it went well */
	if (!early && d->tls)
		(void)tls_close(d->tls, deadline_of(c));
	ftpc_data_close(d);
	rc = read_reply(c);
	if (rc < 0)
		return rc;
	if (rc < 300)
		return 0;
	if (early && (rc == 426 || rc == 451 || rc == 450))
		return 0;
	return FTPC_REFUSED;
}

void ftpc_close(struct ftpc *c)
{
	if (c->tls) {
		tls_conn_free(c->tls);
		c->tls = NULL;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

int ftpc_list(struct ftpc *c, const char *verb, const char *path, struct buf *raw)
{
	struct ftpc_data d;
	char chunk[65536];
	int rc;

	if (path[0])
		rc = ftpc_transfer_start(c, &d, 0, "%s %s", verb, path);
	else
		rc = ftpc_transfer_start(c, &d, 0, "%s", verb);
	while (rc == 0) {
		ssize_t n = ftpc_data_read(c, &d, chunk, sizeof chunk);
		if (n < 0)
			rc = FTPC_FAILED;
		if (n <= 0)
			break;
		if (buf_readable(raw) > (64u << 20) || buf_append(raw, chunk, (size_t)n) < 0) {
			snprintf(c->error, sizeof c->error, "listing larger than 64 MiB");
			rc = FTPC_FAILED;
		}
	}
	if (rc == 0)
		rc = ftpc_transfer_finish(c, &d, 0);
	else
		ftpc_data_close(&d);
	return rc;
}

void ftpc_quit(struct ftpc *c)
{
	if (c->fd >= 0) {
		int io_ms = c->cfg.io_ms;
		c->cfg.io_ms = io_ms < 1000 ? io_ms : 1000; /* a goodbye is not worth a long wait */
		ftpc_command(c, "QUIT");
		c->cfg.io_ms = io_ms;
	}
	ftpc_close(c);
}
