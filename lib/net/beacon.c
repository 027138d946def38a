/*
 * beacon.c - the sending half of udp-broadcast (see beacon.h): rounds of
 * one datagram to every destination, stdin's lines, the wait for replies.
 */
#include "net/beacon.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "cli/diag.h"
#include "net/addr.h"
#include "net/dgram.h"
#include "net/sock.h"
#include "sig/sig.h"

void beacon_init(struct beacon *b)
{
	memset(b, 0, sizeof *b);
	b->fd = -1;
	b->pending = (struct buf)BUF_INIT;
}

void beacon_free(struct beacon *b)
{
	buf_free(&b->pending);
}

/* One datagram to every destination.  EXIT_OK or EXIT_FAIL after a message. */
static int send_round(struct beacon *b, const void *data, size_t len)
{
	char text[ADDR_TEXT_MAX], local[ADDR_TEXT_MAX];

	for (size_t i = 0; i < b->dests->count; i++) {
		const struct dest *d = &b->dests->items[i];
		addr_format((const struct sockaddr *)&d->addr, d->len, text, sizeof text);
		if (dgram_send(b->fd, data, len, (const struct sockaddr *)&d->addr, d->len, d->ifindex, NULL) <
		    0)
			return diag_errno("send to %s", text);
		if (b->sent++ == 0)
			diag_verbose(
			    1,
			    "first datagram sent: the kernel bound the socket to %s, where replies come back",
			    sock_local_text(b->fd, local, sizeof local));
		if (d->ifindex)
			diag_verbose(1, "sent %zu bytes to %s (%s) through %s", len, text, d->kind, d->ifname);
		else
			diag_verbose(1, "sent %zu bytes to %s (%s)", len, text, d->kind);
	}
	return EXIT_OK;
}

/*
 * Sends what stdin brought: each complete line (or, with raw, nothing
 * until end of file).  at_eof sends the rest.  EXIT_OK or EXIT_FAIL.
 */
static int send_pending(struct beacon *b, int at_eof)
{
	struct buf *q = &b->pending;
	char *nl;

	if (b->raw) {
		if (buf_readable(q) > BEACON_MAX_DATAGRAM)
			return diag_error("read stdin: more than %u bytes: one datagram cannot hold it",
			                  BEACON_MAX_DATAGRAM);
		return at_eof ? send_round(b, buf_head(q), buf_readable(q)) : EXIT_OK;
	}
	while (buf_readable(q) > 0 && (nl = memchr(buf_head(q), '\n', buf_readable(q))) != NULL) {
		size_t line = (size_t)(nl - buf_head(q));
		if (send_round(b, buf_head(q), line) != EXIT_OK)
			return EXIT_FAIL;
		buf_consume(q, line + 1);
	}
	if (buf_readable(q) > BEACON_MAX_DATAGRAM)
		return diag_error("read stdin: a line longer than %u bytes: one datagram cannot hold it",
		                  BEACON_MAX_DATAGRAM);
	if (at_eof && buf_readable(q) > 0) {
		if (send_round(b, buf_head(q), buf_readable(q)) != EXIT_OK)
			return EXIT_FAIL;
		buf_clear(&b->pending);
	}
	return EXIT_OK;
}

/* Reads what stdin has; *eof set at its end.  EXIT_OK or EXIT_FAIL. */
static int read_stdin(struct beacon *b, int *eof)
{
	char chunk[16384];
	ssize_t n = read(STDIN_FILENO, chunk, sizeof chunk);

	*eof = 0;
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? EXIT_OK : diag_errno("read stdin");
	if (n == 0) {
		*eof = 1;
		return send_pending(b, 1);
	}
	if (buf_append(&b->pending, chunk, (size_t)n) < 0)
		return diag_errno("read stdin");
	return send_pending(b, 0);
}

/* The state of a send run: rounds of MESSAGE, or stdin; then the wait for replies. */
struct send_clock {
	int sending;            /* rounds (or stdin) still to go */
	uint64_t rounds;        /* rounds sent */
	uint64_t next_round_ns; /* when the next round of MESSAGE is due */
	uint64_t wait_until_ns; /* once sending is over: when --wait ends */
	uint64_t deadline_ns;   /* --duration, 0 for none */
};

static void finish_sending(const struct beacon *b, struct send_clock *sc)
{
	sc->sending = 0;
	sc->wait_until_ns = clock_now_ns() + clock_seconds_to_ns(b->wait);
	if (b->wait > 0)
		diag_verbose(1, "waiting %g s for replies", b->wait);
}

/* A round of MESSAGE when one is due. */
static int send_due_round(struct beacon *b, struct send_clock *sc, uint64_t now)
{
	uint64_t interval_ns = clock_seconds_to_ns(b->interval > 0 ? b->interval : 1.0);

	if (send_round(b, b->message, strlen(b->message)) != EXIT_OK)
		return EXIT_FAIL;
	sc->rounds++;
	if (b->count && sc->rounds >= b->count) {
		finish_sending(b, sc);
		return EXIT_OK;
	}
	/* keep the cadence, but never try to catch up on missed rounds */
	sc->next_round_ns += interval_ns;
	if (sc->next_round_ns <= now)
		sc->next_round_ns = now + interval_ns;
	return EXIT_OK;
}

/* How long poll may sleep: until the next round, the end of --wait, or --duration. */
static int send_wait_ms(const struct beacon *b, const struct send_clock *sc)
{
	int ms = -1;

	if (sc->sending && b->message)
		ms = clock_ms_until(sc->next_round_ns);
	if (!sc->sending)
		ms = clock_ms_until(sc->wait_until_ns);
	if (sc->deadline_ns) {
		int left = clock_ms_until(sc->deadline_ns);
		if (ms < 0 || left < ms)
			ms = left;
	}
	return ms;
}

int beacon_run(struct beacon *b)
{
	struct send_clock sc = { 1, 0, clock_now_ns(), 0, 0 };
	struct pollfd pfd[2];

	if (b->duration > 0)
		sc.deadline_ns = clock_now_ns() + clock_seconds_to_ns(b->duration);
	while (!sig_stop_requested()) {
		uint64_t now = clock_now_ns();
		nfds_t n = 0;
		int ready, rc = EXIT_OK, stdin_slot = -1, sock_slot = -1;

		if (sc.deadline_ns && now >= sc.deadline_ns)
			break;
		if (sc.sending && b->message && now >= sc.next_round_ns) {
			if (send_due_round(b, &sc, now) != EXIT_OK)
				return EXIT_FAIL;
			continue;
		}
		if (!sc.sending && now >= sc.wait_until_ns)
			break;
		if (sc.sending && !b->message) {
			pfd[n] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN, .revents = 0 };
			stdin_slot = (int)n++;
		}
		if (b->wait > 0) {
			pfd[n] = (struct pollfd){ .fd = b->fd, .events = POLLIN, .revents = 0 };
			sock_slot = (int)n++;
		}
		ready = poll(pfd, n, send_wait_ms(b, &sc));
		if (ready < 0 && errno != EINTR)
			return diag_errno("poll");
		if (ready <= 0)
			continue;
		if (stdin_slot >= 0 && pfd[stdin_slot].revents) {
			int eof;
			rc = read_stdin(b, &eof);
			if (rc == EXIT_OK && eof)
				finish_sending(b, &sc);
		}
		if (rc == EXIT_OK && sock_slot >= 0 && (pfd[sock_slot].revents & POLLIN))
			rc = b->on_reply(b->ctx);
		if (rc != EXIT_OK)
			return rc;
	}
	return EXIT_OK;
}
