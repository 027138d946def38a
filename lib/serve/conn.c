/*
 * conn.c - a non-blocking client: read, hand to the handler, send what is owed.
 */
#include "serve/conn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

/* An output buffer that grew past this is given back once it is empty, so
 * a burst does not pin memory for the rest of a long connection. */
#define CONN_KEEP_CAP (64 * 1024)

/* At most this much of a file per sendfile call, so one large download
 * does not keep the loop from the other clients for long. */
#define CONN_SENDFILE_CHUNK (1024 * 1024)

struct conn *conn_new(int fd, const struct conn_service *svc, const char *peer)
{
	struct conn *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
	c->fd = fd;
	snprintf(c->peer, sizeof c->peer, "%s", peer ? peer : "?");
	c->file.fd = -1;
	c->pipe_fds[0] = c->pipe_fds[1] = -1;
	handler_init(&c->handler, svc->kind, svc->reply);
	httpd_conn_init(&c->http, fd);
	return c;
}

static void close_file(struct conn *c)
{
	if (c->file.fd >= 0)
		close(c->file.fd);
	c->file.fd = -1;
	c->file.left = 0;
}

void conn_free(struct conn *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	close_file(c);
	if (c->pipe_fds[0] >= 0)
		close(c->pipe_fds[0]);
	if (c->pipe_fds[1] >= 0)
		close(c->pipe_fds[1]);
	buf_free(&c->in);
	buf_free(&c->out);
	buf_free(&c->sending);
	handler_free(&c->handler);
	free(c);
}

size_t conn_pending(const struct conn *c)
{
	return buf_readable(&c->out) + buf_readable(&c->sending) + c->in_pipe;
}

/* Room left under the bound for new output. */
static size_t out_room(const struct conn *c, const struct conn_service *svc)
{
	size_t pending = conn_pending(c);
	return pending < svc->out_bound ? svc->out_bound - pending : 0;
}

/* Pause above the bound, resume below half of it: the gap keeps a client at
 * the edge from flapping between the two on every send. */
static void update_pause(struct conn *c, const struct conn_service *svc)
{
	size_t pending = conn_pending(c);

	if (pending >= svc->out_bound || c->file.left > 0)
		c->paused = 1;
	else if (pending <= svc->out_bound / 2)
		c->paused = 0;
}

/* How much to read now: never more output than the bound allows.  A reply
 * handler answers each byte of input with up to a whole reply line. */
static size_t read_budget(const struct conn *c, const struct conn_service *svc)
{
	size_t room = out_room(c, svc), per_byte = 1, want;

	if (svc->http || svc->kind == HANDLER_DISCARD)
		return svc->scratch_size;
	if (svc->kind == HANDLER_REPLY)
		per_byte = c->handler.reply_len + 1;
	want = room / per_byte;
	if (want == 0)
		want = 1;
	return want < svc->scratch_size ? want : svc->scratch_size;
}

/* httpd_input measures what it adds by out's end (len), so out must not be
 * compacted under it: compacting first, when worth it, leaves nothing that
 * buf_reserve would compact during the call. */
static ssize_t http_input(struct conn *c, struct conn_service *svc, const char *data, size_t len)
{
	buf_compact(&c->out);
	return httpd_input(&c->http, svc->site, data, len, &c->out, out_room(c, svc), &c->file);
}

/* Feeds the buffered http input while there is room: 0 or -1 (ENOMEM). */
static int pump_http(struct conn *c, struct conn_service *svc)
{
	ssize_t used;

	if (buf_readable(&c->in) == 0 || c->http.closing || c->file.left > 0)
		return 0;
	used = http_input(c, svc, buf_head(&c->in), buf_readable(&c->in));
	if (used < 0)
		return -1;
	buf_consume(&c->in, (size_t)used);
	return 0;
}

/* New http bytes: straight from the scratch buffer when nothing waits
 * before them (the common case: no copy), else behind what waits. */
static int feed_http(struct conn *c, struct conn_service *svc, const char *data, size_t len)
{
	ssize_t used;

	if (buf_readable(&c->in) > 0) {
		if (buf_append(&c->in, data, len) < 0)
			return -1;
		return pump_http(c, svc);
	}
	used = http_input(c, svc, data, len);
	if (used < 0)
		return -1;
	buf_clear(&c->in);
	if ((size_t)used < len && buf_append(&c->in, data + used, len - (size_t)used) < 0)
		return -1;
	return 0;
}

static ssize_t fail(struct conn *c)
{
	c->failed = errno ? errno : EIO;
	return -1;
}

ssize_t conn_read(struct conn *c, struct conn_service *svc)
{
	size_t want = read_budget(c, svc);
	ssize_t n;

	do
		n = recv(c->fd, svc->scratch, want, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			c->read_drained = 1;
			return -1;
		}
		return fail(c);
	}
	return conn_take(c, svc, svc->scratch, (size_t)n);
}

ssize_t conn_take(struct conn *c, struct conn_service *svc, const char *data, size_t n)
{
	if (n == 0) {
		c->read_closed = 1;
		c->read_drained = 1;
		/* what a stream handler still owes (a last unterminated line) */
		if (!svc->http && handler_end(&c->handler, &c->out) < 0)
			return fail(c);
		return 0;
	}
	c->read_drained = 0;
	c->bytes_in += (uint64_t)n;
	svc->bytes_in += (uint64_t)n;
	if (svc->http ? feed_http(c, svc, data, n) < 0 : handler_input(&c->handler, data, n, &c->out) < 0)
		return fail(c);
	update_pause(c, svc);
	return (ssize_t)n;
}

/* One send of the buffered output: bytes sent, 0 on EAGAIN, -1 failed. */
static ssize_t send_buffered(struct conn *c)
{
	/* MSG_MORE: a file follows, so the head may share its first segment */
	int flags = MSG_NOSIGNAL | (c->file.left > 0 ? MSG_MORE : 0);
	ssize_t n;

	do
		n = send(c->fd, buf_head(&c->out), buf_readable(&c->out), flags);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : fail(c);
	buf_consume(&c->out, (size_t)n);
	/* once all is sent: a buffer a burst made large is given back */
	if (buf_readable(&c->out) == 0 && c->out.cap > CONN_KEEP_CAP)
		buf_free(&c->out);
	return n;
}

/* One sendfile(2) of the file region: the kernel copies from the page
 * cache to the socket, the bytes never enter this process. */
static ssize_t send_file(struct conn *c)
{
	size_t chunk = c->file.left < CONN_SENDFILE_CHUNK ? (size_t)c->file.left : CONN_SENDFILE_CHUNK;
	ssize_t n;

	do
		n = sendfile(c->fd, c->file.fd, &c->file.offset, chunk);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : fail(c);
	if (n == 0) {
		/* the file shrank: the Content-Length sent can no longer be kept */
		errno = EPIPE;
		return fail(c);
	}
	c->file.left -= n;
	if (c->file.left == 0)
		close_file(c);
	return n;
}

ssize_t conn_write(struct conn *c, struct conn_service *svc)
{
	ssize_t total = 0, n;

	c->write_blocked = 0;
	for (;;) {
		if (buf_readable(&c->out) > 0)
			n = send_buffered(c);
		else if (c->file.left > 0)
			n = send_file(c);
		else if (svc->http && buf_readable(&c->in) > 0 && !c->http.closing) {
			/* everything owed is out: answer the next pipelined requests */
			size_t before = c->out.len;
			if (pump_http(c, svc) < 0)
				return fail(c);
			if (c->out.len == before && c->file.left == 0)
				break;
			continue;
		} else
			break;
		if (n < 0)
			return -1;
		if (n == 0) {
			c->write_blocked = 1;
			break;
		}
		total += n;
	}
	c->bytes_out += (uint64_t)total;
	svc->bytes_out += (uint64_t)total;
	update_pause(c, svc);
	return total;
}

ssize_t conn_stage(struct conn *c, struct conn_service *svc)
{
	struct buf drained;

	if (buf_readable(&c->sending) > 0)
		return (ssize_t)buf_readable(&c->sending);
	if (buf_readable(&c->out) == 0 && c->file.left == 0 && svc->http && pump_http(c, svc) < 0)
		return fail(c);
	if (buf_readable(&c->out) == 0)
		return 0;
	/* the two buffers trade places: the kernel reads one while the
	 * handler appends to the other, and neither moves under a send */
	drained = c->sending;
	c->sending = c->out;
	c->out = drained;
	buf_clear(&c->out);
	return (ssize_t)buf_readable(&c->sending);
}

void conn_sent(struct conn *c, struct conn_service *svc, size_t n)
{
	buf_consume(&c->sending, n);
	if (buf_readable(&c->sending) == 0 && c->sending.cap > CONN_KEEP_CAP)
		buf_free(&c->sending);
	c->bytes_out += (uint64_t)n;
	svc->bytes_out += (uint64_t)n;
	update_pause(c, svc);
}

int conn_file_spliced(struct conn *c, struct conn_service *svc, size_t n)
{
	if (n == 0) {
		/* the file shrank: the Content-Length sent can no longer be kept */
		errno = EPIPE;
		fail(c);
		return -1;
	}
	c->in_pipe += n;
	c->file.offset += (off_t)n;
	c->file.left -= (off_t)n;
	if (c->file.left == 0)
		close_file(c);
	update_pause(c, svc);
	return 0;
}

void conn_pipe_sent(struct conn *c, struct conn_service *svc, size_t n)
{
	c->in_pipe -= n;
	c->bytes_out += (uint64_t)n;
	svc->bytes_out += (uint64_t)n;
	update_pause(c, svc);
}

void conn_fail(struct conn *c, int err)
{
	c->failed = err ? err : EIO;
}

int conn_wants_read(const struct conn *c)
{
	return !c->read_closed && !c->failed && !c->paused && !c->http.closing;
}

int conn_wants_write(const struct conn *c)
{
	return !c->failed && (conn_pending(c) > 0 || c->file.left > 0);
}

int conn_finished(const struct conn *c)
{
	if (c->failed)
		return 1;
	if (conn_wants_write(c))
		return 0;
	/* conn_write answers buffered requests whenever nothing is owed, so
	 * what input is left here is a partial head: at end of stream it is
	 * dropped */
	return c->http.closing || c->read_closed;
}

const char *conn_end_reason(const struct conn *c)
{
	if (c->failed)
		return strerror(c->failed);
	if (c->http.closing)
		return "response said Connection: close";
	if (c->read_closed)
		return "peer closed";
	return "closed";
}
