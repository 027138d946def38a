/*
 * beacon.h - the sending half of udp-broadcast: one datagram to every
 * destination in rounds (a MESSAGE, once, N times, or every SECS seconds
 * as a beacon) or stdin's lines, then a wait for replies.
 *
 * Promise: beacon_run sends each round to every destination of the list
 * in order, stops at the first send that fails, keeps the cadence of
 * --interval without catching up on missed rounds, and never lets a
 * datagram exceed BEACON_MAX_DATAGRAM (stdin: a line, or with raw the
 * whole input, as one datagram).  While replies are awaited it calls the
 * caller's on_reply whenever the socket is readable.  It ends at the
 * stop signal (sig/sig), at duration, or when the wait is over.  A policy
 * module: it prints the failures and the -v narration on stderr (cli/diag);
 * it never exits.  The caller owns the socket and the destination list.
 */
#ifndef SOCKBOX_BEACON_H
#define SOCKBOX_BEACON_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "net/dest.h"

#define BEACON_MAX_DATAGRAM 65536u /* more than any UDP payload (65507 bytes on IPv4, 65527 on IPv6) */

struct beacon {
	/* what the caller decided */
	int fd;                        /* the sending socket, bound or not */
	const struct dest_list *dests; /* at least one */
	const char *message;           /* NULL: datagrams come from stdin */
	int raw;                       /* stdin as one datagram, not line by line */
	uint64_t count;                /* rounds of message; 0: endless (with interval) */
	double interval;               /* seconds between rounds; 0: one round a second if count > 1 */
	double wait;                   /* seconds to await replies after the last round; 0: none */
	double duration;               /* seconds the whole run may last; 0: no limit */
	/* Called when the socket is readable during a run with wait > 0:
	 * EXIT_OK, or another status that ends the run with it. */
	int (*on_reply)(void *ctx);
	void *ctx;
	/* run state */
	struct buf pending; /* stdin bytes not yet sent */
	uint64_t sent;      /* datagrams sent */
};

/* An empty beacon: no socket, nothing pending, nothing sent. */
void beacon_init(struct beacon *b);

/* Sends and waits as described above: EXIT_OK, or EXIT_FAIL (after a
 * message) or on_reply's status. */
int beacon_run(struct beacon *b);

/* Releases what the run kept (not the socket, nor the destinations). */
void beacon_free(struct beacon *b);

#endif
