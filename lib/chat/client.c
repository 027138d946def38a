/*
 * client.c - one member's side of the chat (see client.h): requests,
 * the join handshake, the lines printed, the prompt.
 */
#include "chat/client.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "chat/event.h"
#include "cli/diag.h"
#include "net/dgram.h"
#include "net/sock.h"
#include "sig/sig.h"

int chat_client_send(struct chat_client *c, char verb, const char *text, size_t len)
{
	buf_clear(&c->line);
	if (buf_printf(&c->line, "%c %s", verb, c->name) < 0 ||
	    (text && (buf_append_byte(&c->line, ' ') < 0 || buf_append(&c->line, text, len) < 0)))
		return diag_errno("format request");
	if (c->to ? dgram_send(c->fd, c->line.data, c->line.len, c->to, c->to_len, 0, NULL)
	    : sock_send(c->fd, c->line.data, c->line.len) < 0 ? -1
	                                                      : 0)
		return diag_errno("send to %s", c->peer);
	return EXIT_OK;
}

void chat_client_prompt(const struct chat_client *c, int draw)
{
	char text[CHAT_NAME_BYTES + 8];
	int n;

	if (!c->prompt)
		return;
	if (!draw) {
		(void)!write(STDERR_FILENO, "\r\033[K", 4);
		return;
	}
	n = snprintf(text, sizeof text, "%s> ", c->name);
	(void)!write(STDERR_FILENO, text, (size_t)n);
}

/* Writes c->out to stdout; a closed pipe ends the client quietly. */
static int flush_out(struct chat_client *c)
{
	int was_closed = c->stdout_closed;
	int status = diag_write_stdout(c->out.data, c->out.len, &c->stdout_closed);

	if (c->stdout_closed && !was_closed)
		sig_request_stop();
	buf_clear(&c->out);
	return status;
}

int chat_client_print(struct chat_client *c, const struct chat_line *l, const void *data, size_t len)
{
	int rc;

	if (l->kind == CHAT_LINE_ERR)
		diag_error("%s says: %.*s", c->peer, (int)l->text_len, l->text);
	if (chat_line_format(&c->out, c->json, c->peer, l, data, len) < 0)
		return diag_errno("format line");
	if (c->out.len == 0)
		return EXIT_OK;
	chat_client_prompt(c, 0);
	rc = flush_out(c);
	chat_client_prompt(c, 1);
	return rc;
}

int chat_client_receive(struct chat_client *c, int ms, struct chat_line *l, size_t *len)
{
	short revents;
	ssize_t n;

	if (ms >= 0 && sock_wait(c->fd, POLLIN, ms, &revents) <= 0)
		return 0;
	n = recv(c->fd, c->datagram, CHAT_DATAGRAM_MAX, MSG_DONTWAIT);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		diag_errno("receive from %s", c->peer);
		return -1;
	}
	*len = (size_t)n;
	chat_parse_line(c->datagram, *len, l);
	diag_verbose(2, "datagram of %zd bytes from %s", n, c->peer);
	return 1;
}

int chat_client_join(struct chat_client *c, double timeout)
{
	uint64_t deadline = clock_now_ns() + clock_seconds_to_ns(timeout);
	int wait_ms = 250, tries = 0;

	while (!sig_stop_requested()) {
		uint64_t try_end;
		int left = clock_ms_until(deadline);
		if (left <= 0)
			break;
		if (chat_client_send(c, CHAT_JOIN, NULL, 0) != EXIT_OK)
			return EXIT_FAIL;
		tries++;
		diag_verbose(1, "sent L %s to %s (try %d)", c->name, c->peer, tries);
		try_end = clock_now_ns() + clock_seconds_to_ns((wait_ms < left ? wait_ms : left) / 1000.0);
		while (clock_ms_until(try_end) > 0) {
			struct chat_line l;
			size_t len;
			int got = chat_client_receive(c, clock_ms_until(try_end), &l, &len);
			if (got < 0)
				return EXIT_FAIL;
			if (got == 0)
				continue;
			if (l.kind == CHAT_LINE_OK) {
				c->heartbeat = l.heartbeat;
				diag_verbose(1, "joined %s as %s: protocol %u, heartbeat every %u s", c->peer,
				             c->name, l.version, l.heartbeat);
				return chat_client_print(c, &l, c->datagram, len);
			}
			if (l.kind == CHAT_LINE_ERR)
				return diag_error("join %s as %s: %.*s", c->peer, c->name, (int)l.text_len,
				                  l.text);
		}
		wait_ms *= 2;
	}
	if (sig_stop_requested())
		return EXIT_FAIL;
	return diag_error("join %s: no answer within %g s (%d tries)", c->peer, timeout, tries);
}
