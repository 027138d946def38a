/*
 * relay.c - the netcat core: standard input to a socket, the socket to
 * standard output, both at once, with a half-close at the end of input.
 */
#include "serve/relay.h"

#include "base/buf.h"
#include "base/clock.h"
#include "cli/diag.h"
#include "base/io.h"
#include "net/sock.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define RELAY_CHUNK (64u * 1024)       /* one read of stdin or of the socket */
#define RELAY_QUEUE_HIGH (256u * 1024) /* stop reading stdin while this much waits to be sent */

/* One conversation's state. */
struct link {
	int fd;
	const char *peer;
	const struct relay_options *o;
	int stdin_open;
	int sent_fin;
	struct buf sendq; /* bytes read and not yet sent, its offset at the first unsent one */
	struct buf line;  /* --frame: the stdin line being gathered */
	struct buf recvq; /* --frame: the reply being gathered */
	int interactive;
	int need_prompt;
	int awaiting; /* interactive: a line went out, its answer has not come */
	uint64_t sent, received, last_ns;
};

static int queue_frame(struct link *l, const char *data, size_t len)
{
	unsigned char prefix[4] = { (unsigned char)(len >> 24), (unsigned char)(len >> 16),
		                    (unsigned char)(len >> 8), (unsigned char)len };
	if (len > l->o->max_frame)
		return diag_error(
		    "read stdin: a line of %zu bytes is over the frame limit of %lu (--max-frame)", len,
		    (unsigned long)l->o->max_frame);
	if (buf_append(&l->sendq, prefix, 4) < 0 || buf_append(&l->sendq, data, len) < 0)
		return diag_errno("queue a frame");
	return EXIT_OK;
}

/* --frame: every complete stdin line becomes one message. */
static int queue_lines(struct link *l, const char *data, size_t len)
{
	while (len > 0) {
		const char *nl = memchr(data, '\n', len);
		size_t take = nl ? (size_t)(nl - data) : len;
		if (buf_append(&l->line, data, take) < 0)
			return diag_errno("read stdin");
		if (l->line.len > l->o->max_frame)
			return queue_frame(l, l->line.data, l->line.len);
		if (!nl)
			break;
		if (queue_frame(l, l->line.data, l->line.len) != EXIT_OK)
			return EXIT_FAIL;
		buf_clear(&l->line);
		data = nl + 1;
		len -= take + 1;
	}
	return EXIT_OK;
}

static int read_stdin(struct link *l)
{
	char chunk[RELAY_CHUNK];
	ssize_t n = io_read(STDIN_FILENO, chunk, sizeof chunk);

	if (n < 0)
		return diag_errno("read stdin");
	if (n == 0) {
		l->stdin_open = 0;
		/* Ctrl-D at the prompt: end its line, as a shell does */
		if (l->interactive && write(STDERR_FILENO, "\n", 1) < 0)
			l->interactive = 0;
		if (l->o->frame && l->line.len > 0)
			return queue_frame(l, l->line.data, l->line.len); /* a last line without newline */
		return EXIT_OK;
	}
	l->awaiting = l->interactive;
	if (l->o->frame)
		return queue_lines(l, chunk, (size_t)n);
	if (buf_append(&l->sendq, chunk, (size_t)n) < 0)
		return diag_errno("read stdin");
	return EXIT_OK;
}

static int send_queued(struct link *l)
{
	ssize_t n = sock_send(l->fd, buf_head(&l->sendq), buf_readable(&l->sendq));

	if (n < 0)
		return errno == EAGAIN ? EXIT_OK : diag_errno("send %s", l->peer);
	buf_consume(&l->sendq, (size_t)n);
	l->sent += (uint64_t)n;
	l->last_ns = clock_now_ns();
	diag_verbose(2, "send %s: %zd bytes", l->peer, n);
	return EXIT_OK;
}

/* Writes to stdout; a reader that went away ends the client quietly. */
static int write_stdout(const void *data, size_t len, int *quiet_end)
{
	if (io_write_full(STDOUT_FILENO, data, len) == 0)
		return EXIT_OK;
	if (errno == EPIPE) {
		*quiet_end = 1;
		return EXIT_OK;
	}
	return diag_errno("write stdout");
}

/* --frame: prints every whole reply, one per line; a partial one stays
 * queued (consumed by offset, moved to the front only when worth it). */
static int print_frames(struct link *l, int *quiet_end)
{
	int rc = EXIT_OK;

	while (buf_readable(&l->recvq) >= 4 && !*quiet_end) {
		const unsigned char *h = (const unsigned char *)buf_head(&l->recvq);
		uint32_t len = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
		if (len > l->o->max_frame) {
			rc = diag_error(
			    "receive %s: a frame of %lu bytes is over the limit of %lu (--max-frame)",
			    l->peer, (unsigned long)len, (unsigned long)l->o->max_frame);
			break;
		}
		if (buf_readable(&l->recvq) - 4 < len)
			break;
		if (write_stdout(h + 4, len, quiet_end) != EXIT_OK ||
		    write_stdout("\n", 1, quiet_end) != EXIT_OK) {
			rc = EXIT_FAIL;
			break;
		}
		buf_consume(&l->recvq, 4 + (size_t)len);
		l->need_prompt = l->awaiting;
	}
	return rc;
}

static int receive(struct link *l, int *server_closed, int *quiet_end)
{
	char chunk[RELAY_CHUNK];
	ssize_t n = recv(l->fd, chunk, sizeof chunk, 0);

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? EXIT_OK : diag_errno("receive %s", l->peer);
	if (n == 0) {
		*server_closed = 1;
		return EXIT_OK;
	}
	l->received += (uint64_t)n;
	l->last_ns = clock_now_ns();
	diag_verbose(2, "receive %s: %zd bytes", l->peer, n);
	if (l->o->frame) {
		if (buf_append(&l->recvq, chunk, (size_t)n) < 0)
			return diag_errno("receive %s", l->peer);
		return print_frames(l, quiet_end);
	}
	if (chunk[n - 1] == '\n')
		l->need_prompt = l->awaiting;
	return write_stdout(chunk, (size_t)n, quiet_end);
}

/* stdin has ended and everything is sent: our FIN tells the server so. */
static int half_close(struct link *l)
{
	if (shutdown(l->fd, SHUT_WR) < 0)
		return diag_errno("shutdown %s", l->peer);
	l->sent_fin = 1;
	diag_verbose(1, "stdin ended: shutdown(SHUT_WR) sends FIN to %s; reading until it closes", l->peer);
	return EXIT_OK;
}

static void show_prompt(struct link *l)
{
	char text[ADDR_TEXT_MAX + 4];
	int n = snprintf(text, sizeof text, "%s> ", l->peer);
	if (n > 0 && write(STDERR_FILENO, text, (size_t)n) < 0)
		l->interactive = 0;
	l->need_prompt = l->awaiting = 0;
}

static int link_timeout_ms(const struct link *l)
{
	double idle = l->o->idle_timeout;
	int ms = idle > 0 ? clock_ms_until(l->last_ns + clock_seconds_to_ns(idle)) : -1;
	/* interactive: prompt again after a second even if no answer came */
	if (l->awaiting && (ms < 0 || ms > 1000))
		ms = 1000;
	return ms;
}

/* One turn of the client loop: wait, then read stdin, send, receive. */
static int link_step(struct link *l, int *server_closed, int *quiet_end)
{
	size_t queued = buf_readable(&l->sendq);
	struct pollfd pfd[2] = {
		{ l->stdin_open && queued < RELAY_QUEUE_HIGH ? STDIN_FILENO : -1, POLLIN, 0 },
		{ l->fd, (short)(POLLIN | (queued ? POLLOUT : 0)), 0 },
	};
	int n, rc = EXIT_OK;

	if (l->interactive && l->need_prompt && l->stdin_open)
		show_prompt(l);
	n = poll(pfd, 2, link_timeout_ms(l));
	if (n < 0)
		return errno == EINTR ? EXIT_OK : diag_errno("poll");
	if (n == 0) {
		double idle = l->o->idle_timeout;
		if (idle > 0 && clock_now_ns() >= l->last_ns + clock_seconds_to_ns(idle))
			return diag_error("receive %s: idle for %g s (--timeout)", l->peer, idle);
		l->need_prompt = l->awaiting;
		return EXIT_OK;
	}
	if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))
		rc = read_stdin(l);
	if (rc == EXIT_OK && buf_readable(&l->sendq) > 0)
		rc = send_queued(l);
	if (rc == EXIT_OK && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)))
		rc = receive(l, server_closed, quiet_end);
	return rc;
}

/*
 * The pipeline client: poll(2) on stdin and the socket together, so that
 * it always reads what the server sends, even while it has more to send:
 * a client that blocked writing while the server blocked writing back
 * would deadlock as soon as both socket buffers fill.
 */
int relay_run(int fd, const char *peer, const struct relay_options *o)
{
	struct link l;
	int server_closed = 0, quiet_end = 0, rc = EXIT_OK;

	memset(&l, 0, sizeof l);
	l.fd = fd;
	l.peer = peer;
	l.o = o;
	l.stdin_open = 1;
	l.interactive = o->interactive;
	l.need_prompt = l.interactive;
	l.last_ns = clock_now_ns();
	if (sock_set_nonblock(fd, 1) < 0)
		rc = diag_errno("fcntl %s", peer);
	while (rc == EXIT_OK && !server_closed && !quiet_end) {
		if (!l.stdin_open && !l.sent_fin && buf_readable(&l.sendq) == 0)
			rc = half_close(&l);
		if (rc == EXIT_OK)
			rc = link_step(&l, &server_closed, &quiet_end);
	}
	if (rc == EXIT_OK && server_closed) {
		diag_verbose(1, "%s closed the connection (EOF): %llu bytes sent, %llu bytes received", peer,
		             (unsigned long long)l.sent, (unsigned long long)l.received);
		if (o->frame && buf_readable(&l.recvq) > 0)
			rc = diag_error("receive %s: the connection ended inside a frame", peer);
		else if (l.stdin_open || buf_readable(&l.sendq) > 0)
			diag_verbose(1, "the server ended first: the rest of stdin is not sent");
	}
	buf_free(&l.sendq);
	buf_free(&l.line);
	buf_free(&l.recvq);
	return rc;
}
