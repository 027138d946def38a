/*
 * connect.c - the Happy Eyeballs race: non-blocking connects, one poll(2)
 * over every attempt in flight.
 *
 * Why a race: getaddrinfo sorts IPv6 first (RFC 6724), and `localhost` is
 * often ::1 and 127.0.0.1.  A client that tries the first address alone
 * fails when the server listens on the other family; one that tries them in
 * turn waits out a whole timeout for every address that drops its SYNs.
 * RFC 8305 starts the next address after a short delay instead, without
 * giving up on the first, and keeps whichever answers first.
 */
#include "net/connect.h"

#include "base/clock.h"
#include "net/sock.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

void connect_race_init(struct connect_race *r, int timeout_ms, uint64_t deadline_ns)
{
	memset(r, 0, sizeof *r);
	r->delay_ms = CONNECT_DELAY_MS;
	r->timeout_ms = timeout_ms;
	r->deadline_ns = deadline_ns;
	r->winner = r->last_failed = -1;
}

int connect_race_add(struct connect_race *r, const struct sockaddr *sa, socklen_t len, const void *tag)
{
	struct connect_attempt *a;

	if (r->count == CONNECT_MAX || len > sizeof a->addr) {
		errno = ENOBUFS;
		return -1;
	}
	a = &r->attempts[r->count++];
	memset(a, 0, sizeof *a);
	memcpy(&a->addr, sa, len);
	a->len = len;
	a->tag = tag;
	a->fd = -1;
	addr_format(sa, len, a->address, sizeof a->address);
	return 0;
}

double connect_attempt_ms(const struct connect_attempt *a)
{
	uint64_t end = a->end_ns ? a->end_ns : clock_now_ns();
	return end > a->start_ns ? (double)(end - a->start_ns) / 1e6 : 0;
}

/* RFC 8305 section 4: "the first address [...] of the preferred family,
 * then the first of the other family", alternating while both last; the
 * order getaddrinfo gave within each family is kept. */
static void interleave(struct connect_race *r)
{
	struct connect_attempt sorted[CONNECT_MAX];
	size_t taken[2] = { 0, 0 }, n = 0;
	int first;

	if (r->count < 2)
		return;
	first = r->attempts[0].addr.ss_family;
	while (n < r->count) {
		for (int side = 0; side < 2; side++) {
			size_t i = taken[side];
			while (i < r->count && (r->attempts[i].addr.ss_family == first) != (side == 0))
				i++;
			if (i < r->count) {
				sorted[n++] = r->attempts[i];
				i++;
			}
			taken[side] = i;
		}
	}
	memcpy(r->attempts, sorted, n * sizeof sorted[0]);
}

static void tell(struct connect_race *r, size_t index, enum connect_state state)
{
	struct connect_event *e = &r->events[r->event_count++];

	e->index = (unsigned char)index;
	e->state = (unsigned char)state;
	if (r->on_event)
		r->on_event(r->arg, r, e);
}

/* Ends attempt i in state (closing its socket unless it won). */
static void finish(struct connect_race *r, size_t i, enum connect_state state, int error)
{
	struct connect_attempt *a = &r->attempts[i];

	a->state = state;
	a->error = error;
	a->end_ns = clock_now_ns();
	if (state == CONNECT_CONNECTED) {
		r->winner = (int)i;
	} else {
		close(a->fd);
		a->fd = -1;
		if (state == CONNECT_FAILED)
			r->last_failed = (int)i;
	}
	tell(r, i, state);
}

/* Starts the next address: the handshake is under way, or already over
 * (a unix socket, a refusal the kernel knew at once). */
static void start_next(struct connect_race *r, enum connect_why why)
{
	size_t i = r->started++;
	struct connect_attempt *a = &r->attempts[i];

	a->why = why;
	a->start_ns = clock_now_ns();
	a->state = CONNECT_TRYING;
	tell(r, i, CONNECT_TRYING);
	a->fd = socket(a->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (a->fd < 0) {
		finish(r, i, CONNECT_FAILED, errno);
		return;
	}
	if (connect(a->fd, (const struct sockaddr *)&a->addr, a->len) == 0)
		finish(r, i, CONNECT_CONNECTED, 0);
	else if (errno != EINPROGRESS && errno != EAGAIN)
		finish(r, i, CONNECT_FAILED, errno);
}

/* Looks at the attempts poll found ready, and at their timeouts. */
static void check_attempts(struct connect_race *r, const struct pollfd *pfds, const size_t *which, size_t n)
{
	uint64_t now = clock_now_ns();

	for (size_t k = 0; k < n && r->winner < 0; k++) {
		struct connect_attempt *a = &r->attempts[which[k]];
		int err = 0;
		socklen_t errlen = sizeof err;

		if (pfds[k].revents) {
			/* writable means the handshake ended; SO_ERROR says how */
			if (getsockopt(a->fd, SOL_SOCKET, SO_ERROR, &err, &errlen) < 0)
				err = errno;
			finish(r, which[k], err ? CONNECT_FAILED : CONNECT_CONNECTED, err);
		} else if (r->timeout_ms >= 0 && now >= a->start_ns + (uint64_t)r->timeout_ms * 1000000u) {
			finish(r, which[k], CONNECT_FAILED, ETIMEDOUT);
		}
	}
}

/* When poll must wake: the earliest attempt timeout, the next start, the
 * deadline.  0 when none applies (wait for the kernel). */
static uint64_t next_wake(const struct connect_race *r, uint64_t last_start)
{
	uint64_t wake = r->deadline_ns;

	for (size_t i = 0; i < r->started; i++) {
		const struct connect_attempt *a = &r->attempts[i];
		uint64_t t = a->start_ns + (uint64_t)r->timeout_ms * 1000000u;
		if (a->state == CONNECT_TRYING && r->timeout_ms >= 0 && (!wake || t < wake))
			wake = t;
	}
	if (r->started < r->count) {
		uint64_t t = last_start + (uint64_t)r->delay_ms * 1000000u;
		if (!wake || t < wake)
			wake = t;
	}
	return wake;
}

/* Closes every attempt still trying, in state, and fails with error. */
static int give_up(struct connect_race *r, enum connect_state state, int error)
{
	for (size_t i = 0; i < r->started; i++)
		if (r->attempts[i].state == CONNECT_TRYING)
			finish(r, i, state, error);
	errno = error;
	return -1;
}

int connect_race_run(struct connect_race *r)
{
	struct pollfd pfds[CONNECT_MAX];
	size_t which[CONNECT_MAX];
	uint64_t last_start = 0;
	int last_error = EADDRNOTAVAIL;

	interleave(r);
	while (r->winner < 0) {
		size_t n = 0;
		uint64_t wake;

		/* a failure starts the next address at once; so does an empty field */
		if (r->started < r->count &&
		    (r->started == 0 || (r->last_failed >= 0 && (size_t)r->last_failed == r->started - 1))) {
			start_next(r, r->started == 0 ? CONNECT_FIRST : CONNECT_AFTER_FAILURE);
			last_start = clock_now_ns();
			continue;
		}
		for (size_t i = 0; i < r->started; i++) {
			if (r->attempts[i].state != CONNECT_TRYING)
				continue;
			pfds[n] = (struct pollfd){ .fd = r->attempts[i].fd, .events = POLLOUT, .revents = 0 };
			which[n++] = i;
		}
		if (n == 0 && r->started == r->count)
			break; /* every address failed */
		if (n == 0) {
			start_next(r, CONNECT_AFTER_FAILURE);
			last_start = clock_now_ns();
			continue;
		}
		wake = next_wake(r, last_start);
		if (poll(pfds, n, wake ? clock_ms_until(wake) : -1) < 0) {
			if (errno != EINTR)
				return give_up(r, CONNECT_FAILED, errno);
			if (r->interrupted && r->interrupted())
				return give_up(r, CONNECT_CLOSED, EINTR);
			continue;
		}
		check_attempts(r, pfds, which, n);
		if (r->winner >= 0)
			break;
		if (r->deadline_ns && clock_now_ns() >= r->deadline_ns)
			return give_up(r, CONNECT_FAILED, ETIMEDOUT);
		if (r->started < r->count && clock_now_ns() >= last_start + (uint64_t)r->delay_ms * 1000000u) {
			start_next(r, CONNECT_AFTER_DELAY);
			last_start = clock_now_ns();
		}
	}
	if (r->winner < 0) {
		if (r->last_failed >= 0)
			last_error = r->attempts[r->last_failed].error;
		errno = last_error;
		return -1;
	}
	/* the others lose: their handshakes are abandoned */
	give_up(r, CONNECT_CLOSED, 0);
	struct connect_attempt *w = &r->attempts[r->winner];
	if (!r->nonblock && sock_set_nonblock(w->fd, 0) < 0) {
		int saved = errno;
		close(w->fd);
		w->fd = -1;
		errno = saved;
		return -1;
	}
	return w->fd;
}
