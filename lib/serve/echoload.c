/*
 * echoload.c - the echo load generator: one epoll loop, many connections.
 *
 * Every connection is a small state machine (connecting, sending,
 * receiving, done) driven by readiness events.  Reading is always enabled
 * while a message is under way, also while it is still being sent: a large
 * message comes back while its tail is still going out, and a client that
 * only read after sending everything would deadlock against any echo
 * server once both socket buffers are full.
 */
#include "serve/echoload.h"

#include "base/clock.h"
#include "base/json.h"
#include "net/sock.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

/* The payload repeats these 64 bytes: no lowercase letters, so an echo
 * server that uppercases sends back exactly what it got. */
#define PATTERN_PERIOD 64
static const char pattern_text[PATTERN_PERIOD + 1] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGHIJKLMNOPQR";

#define STREAM_READ_MIN (256u * 1024)
#define ROUNDTRIP_READ_MAX (256u * 1024)
#define EVENTS_MAX 256
#define TICK_MS 100

enum conn_state { CONN_CONNECTING, CONN_SENDING, CONN_RECEIVING, CONN_DONE };

struct lconn {
	int fd;
	enum conn_state state;
	uint32_t events;          /* what epoll watches for this fd now */
	size_t sent;              /* of the current message */
	size_t received;          /* of the current reply */
	uint64_t stream_sent;     /* STREAM: bytes written so far */
	uint64_t stream_received; /* STREAM: bytes read back so far */
	uint64_t stream_target;   /* STREAM: bytes to write in all */
	uint64_t start_ns;        /* the round trip (or connection) began */
	uint64_t last_ns;         /* last progress, for the idle timeout */
};

struct run {
	const struct echoload_config *c;
	struct echoload_result *r;
	int epfd;
	struct lconn *conns;
	unsigned live;      /* connections not yet done */
	unsigned char *msg; /* one whole message: prefix and payload */
	size_t msg_len;
	unsigned char *pattern; /* STREAM: the pattern, a chunk plus one period long */
	unsigned char *scratch; /* where replies are read to be compared */
	size_t scratch_len;
	uint64_t issued;      /* messages started */
	uint64_t deadline_ns; /* duration runs: no new message after it */
	int sending_over;
	int first_taken; /* c->first_fd now belongs to conns[0] */
	char peer[ADDR_TEXT_MAX];
};

static int fail(struct run *run, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(struct run *run, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(run->r->fail_text, sizeof run->r->fail_text, fmt, ap);
	va_end(ap);
	return code;
}

static int fail_errno(struct run *run, const char *op, int err)
{
	return fail(run, ECHOLOAD_FAILED, "%s %s: %s", op, run->peer, strerror(err));
}

/* Latency is the point: a small echo must not wait for Nagle's algorithm. */
static void set_nodelay(int fd, int family)
{
	int one = 1;
	if (family == AF_INET || family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static int watch(struct run *run, struct lconn *lc, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = lc };
	if (lc->events == events)
		return 0;
	if (epoll_ctl(run->epfd, lc->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, lc->fd, &ev) < 0)
		return fail_errno(run, "watch", errno);
	lc->events = events;
	return 0;
}

static int more_to_issue(struct run *run)
{
	if (run->sending_over)
		return 0;
	if (run->c->count)
		return run->issued < run->c->count;
	return clock_now_ns() < run->deadline_ns;
}

static void finish_conn(struct run *run, struct lconn *lc)
{
	if (lc->state == CONN_DONE)
		return;
	lc->state = CONN_DONE;
	run->live--;
	if (lc->fd >= 0)
		close(lc->fd);
	lc->fd = -1;
	lc->events = 0;
}

/* Sends what is left of the current message; waits for writability if the
 * socket buffer is full. */
static int send_message(struct run *run, struct lconn *lc)
{
	while (lc->sent < run->msg_len) {
		ssize_t n = send(lc->fd, run->msg + lc->sent, run->msg_len - lc->sent, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return watch(run, lc, EPOLLIN | EPOLLOUT);
			return fail_errno(run, "send", errno);
		}
		lc->sent += (size_t)n;
		run->r->bytes_sent += (uint64_t)n;
	}
	lc->state = CONN_RECEIVING;
	return watch(run, lc, EPOLLIN);
}

static int start_message(struct run *run, struct lconn *lc)
{
	lc->sent = lc->received = 0;
	lc->start_ns = lc->last_ns = clock_now_ns();
	lc->state = CONN_SENDING;
	run->issued++;
	return send_message(run, lc);
}

/* RECONNECT: a new non-blocking socket; the handshake completes in the loop. */
static int start_connection(struct run *run, struct lconn *lc)
{
	const struct addrinfo *ai = run->c->target;

	lc->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lc->fd < 0)
		return fail_errno(run, "socket", errno);
	lc->events = 0;
	lc->start_ns = lc->last_ns = clock_now_ns();
	lc->state = CONN_CONNECTING;
	run->issued++;
	run->r->connections++;
	if (connect(lc->fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS && errno != EAGAIN)
		return fail_errno(run, "connect", errno);
	return watch(run, lc, EPOLLOUT);
}

static int connected(struct run *run, struct lconn *lc)
{
	int err = 0;
	socklen_t len = sizeof err;

	if (getsockopt(lc->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err)
		return fail_errno(run, "connect", err);
	set_nodelay(lc->fd, run->c->target->ai_family);
	lc->sent = lc->received = 0;
	lc->state = CONN_SENDING;
	return send_message(run, lc);
}

static int round_trip_done(struct run *run, struct lconn *lc)
{
	uint64_t now = clock_now_ns();

	hist_add(&run->r->latency, now - lc->start_ns);
	run->r->messages++;
	if (run->c->mode == ECHOLOAD_RECONNECT) {
		close(lc->fd);
		lc->fd = -1;
		if (more_to_issue(run))
			return start_connection(run, lc);
	} else if (more_to_issue(run)) {
		return start_message(run, lc);
	}
	finish_conn(run, lc);
	return 0;
}

static size_t first_difference(const unsigned char *a, const unsigned char *b, size_t n)
{
	size_t i = 0;
	while (i < n && a[i] == b[i])
		i++;
	return i;
}

static int mismatch(struct run *run, uint64_t offset, unsigned char want, unsigned char got)
{
	return fail(run, ECHOLOAD_MISMATCH,
	            "echo %s: byte %llu of the reply differs from what was sent (sent 0x%02x, got 0x%02x)",
	            run->peer, (unsigned long long)offset, want, got);
}

static int closed_early(struct run *run, uint64_t got, uint64_t want)
{
	return fail(run, ECHOLOAD_FAILED,
	            "receive %s: connection closed by the server after %llu of %llu bytes", run->peer,
	            (unsigned long long)got, (unsigned long long)want);
}

/* ROUNDTRIP and RECONNECT: reads what the reply still owes and compares it. */
static int receive_reply(struct run *run, struct lconn *lc)
{
	size_t want = run->msg_len - lc->received;
	ssize_t n;

	if (want == 0 || want > run->scratch_len)
		want = run->scratch_len; /* want 0: anything more is a surplus, caught below */
	n = recv(lc->fd, run->scratch, want, 0);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : fail_errno(run, "receive", errno);
	if (n == 0)
		return closed_early(run, lc->received, run->msg_len);
	if (lc->received + (size_t)n > lc->sent)
		return fail(run, ECHOLOAD_MISMATCH, "echo %s: the server sent more bytes than it was sent",
		            run->peer);
	if (memcmp(run->scratch, run->msg + lc->received, (size_t)n) != 0) {
		size_t at = first_difference(run->msg + lc->received, run->scratch, (size_t)n);
		return mismatch(run, lc->received + at, run->msg[lc->received + at], run->scratch[at]);
	}
	lc->received += (size_t)n;
	lc->last_ns = clock_now_ns();
	run->r->bytes_received += (uint64_t)n;
	if (lc->received == run->msg_len && lc->state == CONN_RECEIVING)
		return round_trip_done(run, lc);
	return 0;
}

static int stream_complete(struct run *run, struct lconn *lc)
{
	if (lc->stream_sent == lc->stream_target && lc->stream_received == lc->stream_sent)
		finish_conn(run, lc);
	return 0;
}

/* STREAM: writes until the socket buffer is full or the share is sent. */
static int stream_write(struct run *run, struct lconn *lc)
{
	while (lc->stream_sent < lc->stream_target) {
		uint64_t left = lc->stream_target - lc->stream_sent;
		size_t len = left < run->c->size ? (size_t)left : run->c->size;
		ssize_t n = send(lc->fd, run->pattern + lc->stream_sent % PATTERN_PERIOD, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			return fail_errno(run, "send", errno);
		}
		lc->stream_sent += (uint64_t)n;
		run->r->bytes_sent += (uint64_t)n;
	}
	return watch(run, lc, EPOLLIN);
}

static int stream_read(struct run *run, struct lconn *lc)
{
	ssize_t n = recv(lc->fd, run->scratch, run->scratch_len, 0);
	const unsigned char *expect;

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : fail_errno(run, "receive", errno);
	if (n == 0)
		return closed_early(run, lc->stream_received, lc->stream_sent);
	if (lc->stream_received + (uint64_t)n > lc->stream_sent)
		return fail(run, ECHOLOAD_MISMATCH, "echo %s: the server sent more bytes than it was sent",
		            run->peer);
	expect = run->pattern + lc->stream_received % PATTERN_PERIOD;
	if (memcmp(run->scratch, expect, (size_t)n) != 0) {
		size_t at = first_difference(expect, run->scratch, (size_t)n);
		return mismatch(run, lc->stream_received + at, expect[at], run->scratch[at]);
	}
	lc->stream_received += (uint64_t)n;
	lc->last_ns = clock_now_ns();
	run->r->bytes_received += (uint64_t)n;
	return stream_complete(run, lc);
}

static int on_event(struct run *run, struct lconn *lc, uint32_t events)
{
	int rc = 0;

	if (lc->state == CONN_DONE)
		return 0;
	if (run->c->mode == ECHOLOAD_STREAM) {
		if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
			rc = stream_read(run, lc);
		if (rc == 0 && lc->state != CONN_DONE && (events & EPOLLOUT))
			rc = stream_write(run, lc);
		return rc;
	}
	if (lc->state == CONN_CONNECTING)
		return events & (EPOLLOUT | EPOLLERR | EPOLLHUP) ? connected(run, lc) : 0;
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		rc = receive_reply(run, lc);
	if (rc == 0 && lc->state == CONN_SENDING && (events & EPOLLOUT))
		rc = send_message(run, lc);
	return rc;
}

/* Duration runs: past the deadline no message starts; a stream stops
 * writing and waits for what it already wrote. */
static int end_sending(struct run *run)
{
	run->sending_over = 1;
	if (run->c->mode != ECHOLOAD_STREAM)
		return 0;
	for (unsigned i = 0; i < run->c->conns; i++) {
		struct lconn *lc = &run->conns[i];
		if (lc->state == CONN_DONE)
			continue;
		lc->stream_target = lc->stream_sent;
		if (watch(run, lc, EPOLLIN) < 0)
			return ECHOLOAD_FAILED;
		stream_complete(run, lc);
	}
	return 0;
}

static int check_idle(struct run *run, uint64_t now)
{
	for (unsigned i = 0; i < run->c->conns; i++) {
		struct lconn *lc = &run->conns[i];
		int limit = lc->state == CONN_CONNECTING ? run->c->connect_timeout_ms : run->c->idle_timeout_ms;
		if (lc->state == CONN_DONE || limit < 0)
			continue;
		if (now - lc->last_ns >= (uint64_t)limit * 1000000u)
			return fail(run, ECHOLOAD_FAILED, "%s %s: no progress for %d ms",
			            lc->state == CONN_CONNECTING ? "connect" : "receive", run->peer, limit);
	}
	return 0;
}

static int loop(struct run *run)
{
	struct epoll_event events[EVENTS_MAX];
	uint64_t next_idle_check = clock_now_ns() + TICK_MS * 1000000u;

	while (run->live > 0) {
		int timeout = TICK_MS, n, rc;
		uint64_t now;

		if (run->c->stop && run->c->stop())
			return 0;
		if (!run->sending_over && run->deadline_ns) {
			int left = clock_ms_until(run->deadline_ns);
			timeout = left < timeout ? left : timeout;
		}
		n = epoll_wait(run->epfd, events, EVENTS_MAX, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return fail_errno(run, "epoll_wait", errno);
		}
		for (int i = 0; i < n; i++) {
			rc = on_event(run, events[i].data.ptr, events[i].events);
			if (rc < 0)
				return rc;
		}
		now = clock_now_ns();
		if (!run->sending_over && run->deadline_ns && now >= run->deadline_ns && end_sending(run) < 0)
			return ECHOLOAD_FAILED;
		if (now >= next_idle_check) {
			if ((rc = check_idle(run, now)) < 0)
				return rc;
			next_idle_check = now + TICK_MS * 1000000u;
		}
	}
	return 0;
}

/* The message every round trip sends: optional length prefix, then the pattern. */
static int build_buffers(struct run *run)
{
	const struct echoload_config *c = run->c;
	size_t prefix = c->frame ? 4 : 0;
	size_t pattern_len;

	run->msg_len = c->size + prefix;
	run->scratch_len = c->mode == ECHOLOAD_STREAM
	                       ? (c->size > STREAM_READ_MIN ? c->size : STREAM_READ_MIN)
	                       : (run->msg_len < ROUNDTRIP_READ_MAX ? run->msg_len : ROUNDTRIP_READ_MAX);
	/* a stream compares whatever one read returns against the pattern at
	 * any phase: a read's length plus one period */
	pattern_len = c->mode == ECHOLOAD_STREAM ? run->scratch_len + PATTERN_PERIOD : run->msg_len;
	run->pattern = malloc(pattern_len);
	run->scratch = malloc(run->scratch_len);
	if (!run->pattern || !run->scratch)
		return fail_errno(run, "allocate", ENOMEM);
	for (size_t i = 0; i < pattern_len; i++)
		run->pattern[i] = (unsigned char)pattern_text[i % PATTERN_PERIOD];
	run->msg = run->pattern;
	if (c->frame) {
		/* the prefix first, then the payload: shift the pattern by 4 */
		memmove(run->pattern + 4, run->pattern, c->size);
		run->pattern[0] = (unsigned char)(c->size >> 24);
		run->pattern[1] = (unsigned char)(c->size >> 16);
		run->pattern[2] = (unsigned char)(c->size >> 8);
		run->pattern[3] = (unsigned char)c->size;
	}
	return 0;
}

/* ROUNDTRIP and STREAM: every connection is open before the clock starts. */
static int open_connections(struct run *run)
{
	const struct echoload_config *c = run->c;

	for (unsigned i = 0; i < c->conns; i++) {
		struct lconn *lc = &run->conns[i];
		if (i == 0 && c->first_fd >= 0) {
			lc->fd = c->first_fd;
			run->first_taken = 1;
		} else {
			lc->fd = sock_connect(c->target, c->connect_timeout_ms);
			if (lc->fd < 0)
				return fail_errno(run, "connect", errno);
		}
		run->r->connections++;
		lc->state = CONN_RECEIVING;
		run->live++;
		set_nodelay(lc->fd, c->target->ai_family);
		if (sock_set_nonblock(lc->fd, 1) < 0)
			return fail_errno(run, "fcntl", errno);
	}
	return 0;
}

/* Splits count messages (or the duration) among the connections and starts them. */
static int start(struct run *run)
{
	const struct echoload_config *c = run->c;
	uint64_t now = clock_now_ns();

	if (c->count == 0)
		run->deadline_ns = now + clock_seconds_to_ns(c->duration);
	for (unsigned i = 0; i < c->conns; i++) {
		struct lconn *lc = &run->conns[i];
		int rc = 0;
		if (c->mode == ECHOLOAD_RECONNECT) {
			run->live++;
			rc = more_to_issue(run) ? start_connection(run, lc) : (finish_conn(run, lc), 0);
		} else if (c->mode == ECHOLOAD_STREAM) {
			uint64_t share = c->count / c->conns + (i < c->count % c->conns);
			lc->stream_target = c->count ? share * c->size : UINT64_MAX;
			lc->last_ns = now;
			rc = watch(run, lc, EPOLLIN | EPOLLOUT);
			if (rc == 0 && lc->stream_target == 0)
				finish_conn(run, lc);
		} else {
			rc = more_to_issue(run) ? start_message(run, lc) : (finish_conn(run, lc), 0);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

int echoload_run(const struct echoload_config *c, struct echoload_result *r)
{
	struct run run;
	uint64_t t0;
	int rc;

	memset(r, 0, sizeof *r);
	hist_init(&r->latency);
	memset(&run, 0, sizeof run);
	run.c = c;
	run.r = r;
	run.epfd = -1;
	if (c->mode == ECHOLOAD_RECONNECT && c->first_fd >= 0)
		close(c->first_fd); /* the probe that found the address; every round trip connects anew */
	addr_format(c->target->ai_addr, c->target->ai_addrlen, run.peer, sizeof run.peer);
	run.epfd = epoll_create1(EPOLL_CLOEXEC);
	run.conns = calloc(c->conns, sizeof *run.conns);
	if (run.epfd < 0 || !run.conns) {
		rc = fail_errno(&run, "allocate", errno ? errno : ENOMEM);
		goto out;
	}
	for (unsigned i = 0; i < c->conns; i++)
		run.conns[i].fd = -1;
	if ((rc = build_buffers(&run)) < 0)
		goto out;
	if (c->mode != ECHOLOAD_RECONNECT && (rc = open_connections(&run)) < 0)
		goto out;
	t0 = clock_now_ns();
	rc = start(&run);
	if (rc == 0)
		rc = loop(&run);
	r->seconds = (double)(clock_now_ns() - t0) / 1e9;
	if (c->mode == ECHOLOAD_STREAM)
		r->messages = r->bytes_received / c->size;
out:
	for (unsigned i = 0; run.conns && i < c->conns; i++)
		if (run.conns[i].fd >= 0)
			close(run.conns[i].fd);
	if (c->mode != ECHOLOAD_RECONNECT && c->first_fd >= 0 && !run.first_taken)
		close(c->first_fd); /* failed before it was taken over */
	if (run.epfd >= 0)
		close(run.epfd);
	free(run.conns);
	free(run.pattern);
	free(run.scratch);
	return rc;
}

/* ---- reports ------------------------------------------------------------ */

static const char *const mode_names[] = { "roundtrip", "stream", "reconnect" };

const char *echoload_mode_name(enum echoload_mode mode)
{
	return (size_t)mode < sizeof mode_names / sizeof mode_names[0] ? mode_names[mode] : "?";
}

static double per_second(uint64_t n, double seconds)
{
	return seconds > 0 ? (double)n / seconds : 0;
}

void echoload_report_text(const struct echoload_config *c, const struct echoload_result *r,
                          const char *target, int interrupted, struct buf *out)
{
	const struct hist *h = &r->latency;

	buf_printf(out, "bench %s: %s, %u connection%s, %zu-byte messages%s%s\n", target,
	           echoload_mode_name(c->mode), c->conns, c->conns == 1 ? "" : "s", c->size,
	           c->frame ? ", framed" : "", interrupted ? " (interrupted)" : "");
	buf_printf(out, "%-12s %llu in %.3f s (%.1f/s)\n",
	           c->mode == ECHOLOAD_STREAM ? "messages" : "round trips", (unsigned long long)r->messages,
	           r->seconds, per_second(r->messages, r->seconds));
	if (c->mode == ECHOLOAD_RECONNECT)
		buf_printf(out, "%-12s %llu (%.1f/s)\n", "connections", (unsigned long long)r->connections,
		           per_second(r->connections, r->seconds));
	if (c->mode != ECHOLOAD_STREAM)
		buf_printf(out, "%-12s min %.1f us, p50 %.1f us, p90 %.1f us, p99 %.1f us, max %.1f us\n",
		           "latency", (double)h->min / 1e3, (double)hist_percentile(h, 0.5) / 1e3,
		           (double)hist_percentile(h, 0.9) / 1e3, (double)hist_percentile(h, 0.99) / 1e3,
		           (double)h->max / 1e3);
	buf_printf(out, "%-12s %llu bytes (%.2f MB/s)\n", "sent", (unsigned long long)r->bytes_sent,
	           per_second(r->bytes_sent, r->seconds) / 1e6);
	buf_printf(out, "%-12s %llu bytes (%.2f MB/s)\n", "received", (unsigned long long)r->bytes_received,
	           per_second(r->bytes_received, r->seconds) / 1e6);
}

void echoload_report_json(const struct echoload_config *c, const struct echoload_result *r,
                          const char *target, int interrupted, struct buf *out)
{
	static const double marks[] = { 0, 0.5, 0.9, 0.99, 1 };
	static const char *const names[] = { "min", "p50", "p90", "p99", "max" };
	struct json j;

	json_init(&j, out);
	json_begin_object(&j, NULL);
	json_str(&j, "target", target);
	json_str(&j, "mode", echoload_mode_name(c->mode));
	json_uint(&j, "conns", c->conns);
	json_uint(&j, "size", c->size);
	json_bool(&j, "frame", c->frame);
	json_fixed(&j, "seconds", r->seconds, 3);
	json_uint(&j, "round_trips", r->messages);
	json_fixed(&j, "round_trips_per_s", per_second(r->messages, r->seconds), 1);
	json_uint(&j, "connections", r->connections);
	json_fixed(&j, "connections_per_s", per_second(r->connections, r->seconds), 1);
	if (c->mode == ECHOLOAD_STREAM) {
		json_null(&j, "latency_us");
	} else {
		json_begin_object(&j, "latency_us");
		for (int i = 0; i < 5; i++)
			json_fixed(&j, names[i], (double)hist_percentile(&r->latency, marks[i]) / 1e3, 1);
		json_end(&j);
	}
	json_uint(&j, "bytes_sent", r->bytes_sent);
	json_uint(&j, "bytes_received", r->bytes_received);
	json_fixed(&j, "mb_per_s_sent", per_second(r->bytes_sent, r->seconds) / 1e6, 2);
	json_fixed(&j, "mb_per_s_received", per_second(r->bytes_received, r->seconds) / 1e6, 2);
	json_bool(&j, "interrupted", interrupted);
	json_end(&j);
	json_newline(&j);
}
