/*
 * connect.h - Happy Eyeballs: connecting to a name with several addresses
 * (RFC 8305).
 *
 * Promise: connect_race_run tries every address it was given, IPv6 and
 * IPv4 interleaved (section 4: the first address's family first, then the
 * other, and so on), starts the next attempt when the one before fails or
 * has not answered within delay_ms (the Connection Attempt Delay, 250 ms,
 * section 5), keeps several attempts in flight at once, and hands back the
 * first socket to connect; the others are closed.  Each attempt has its own
 * timeout, the whole race an optional deadline, and a signal that the
 * caller's interrupted() confirms ends it with EINTR.  What happened is kept
 * in the race (each attempt, and the order of events) and, when on_event is
 * set, told as it happens.  Nothing prints or exits.
 *
 *	struct connect_race r;
 *	connect_race_init(&r, timeout_ms, deadline_ns);
 *	for each address: connect_race_add(&r, sa, len, tag);
 *	fd = connect_race_run(&r);   (-1: errno and r.attempts[r.last_failed])
 */
#ifndef SOCKBOX_CONNECT_H
#define SOCKBOX_CONNECT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "net/addr.h"

#define CONNECT_MAX 16
#define CONNECT_DELAY_MS 250 /* RFC 8305 section 8: the recommended default */

/* What became of an attempt: the kinds of event too. */
enum connect_state {
	CONNECT_WAITING,   /* not started (another address won first) */
	CONNECT_TRYING,    /* SYN sent, no answer yet */
	CONNECT_CONNECTED, /* the winner */
	CONNECT_FAILED,    /* error says why (ETIMEDOUT for its own timeout) */
	CONNECT_CLOSED,    /* still trying when another address won: closed */
};

/* Why an attempt started. */
enum connect_why {
	CONNECT_FIRST,         /* the first address */
	CONNECT_AFTER_FAILURE, /* the one before failed */
	CONNECT_AFTER_DELAY,   /* the one before had not answered in delay_ms */
};

struct connect_attempt {
	struct sockaddr_storage addr;
	socklen_t len;
	const void *tag;             /* the caller's, untouched */
	char address[ADDR_TEXT_MAX]; /* "[::1]:80", "127.0.0.1:80" */
	enum connect_state state;
	enum connect_why why;
	int error;                 /* errno of a failed attempt */
	int fd;                    /* while trying */
	uint64_t start_ns, end_ns; /* monotonic; end_ns 0 while trying */
};

/* One line of the story: attempt index, and the state it entered
 * (CONNECT_TRYING when it started). */
struct connect_event {
	unsigned char index;
	unsigned char state;
};

struct connect_race {
	/* set by the caller after connect_race_init, if wanted */
	int delay_ms;             /* CONNECT_DELAY_MS */
	int nonblock;             /* 1: the winner stays O_NONBLOCK */
	int (*interrupted)(void); /* 1 when a signal means stop; NULL: never */
	void (*on_event)(void *arg, const struct connect_race *r, const struct connect_event *e);
	void *arg;
	/* the race */
	int timeout_ms;                               /* per attempt; negative: the kernel's */
	uint64_t deadline_ns;                         /* the whole race; 0: none */
	struct connect_attempt attempts[CONNECT_MAX]; /* in the order tried */
	size_t count, started;
	struct connect_event events[2 * CONNECT_MAX];
	size_t event_count;
	int winner;      /* index, or -1 */
	int last_failed; /* index of the last attempt to fail, or -1 */
};

/* An empty race: each attempt bounded by timeout_ms (negative: none but the
 * kernel's), the whole by deadline_ns (0: none). */
void connect_race_init(struct connect_race *r, int timeout_ms, uint64_t deadline_ns);

/* Adds an address (any family; SOCK_STREAM) with the caller's tag: 0, or
 * -1 when CONNECT_MAX are already there (the address is left out). */
int connect_race_add(struct connect_race *r, const struct sockaddr *sa, socklen_t len, const void *tag);

/* Orders the addresses (families interleaved) and runs the race: the
 * winner's descriptor (CLOEXEC; blocking unless nonblock), or -1 with errno
 * of the last failure (ETIMEDOUT when the deadline passed, EINTR when
 * interrupted, EADDRNOTAVAIL when there was no address). */
int connect_race_run(struct connect_race *r);

/* Milliseconds from an attempt's start to its end (or to now). */
double connect_attempt_ms(const struct connect_attempt *a);

#endif
