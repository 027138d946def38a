/*
 * host.h - the chat room's rules, as udp-chat serve applies them: one
 * request in, the replies and the fan-out it calls for, one event out.
 *
 * Promise: chat_host_datagram takes one datagram (already received, with
 * its source and truncation flag) and does what sockbox-udp-chat(1)'s
 * protocol table says: joins and refusals, a member bound to its address
 * (C, Q, H from another address dropped unanswered: "spoofed"), the rate
 * limit, leaves, W; then prints the event on stdout (text or JSON Lines,
 * chat/event.h).  chat_host_announce sends an operator's line to all,
 * chat_host_sweep removes the members silent past the timeout.  A policy
 * module: it prints events on stdout, -v narration and the counters on
 * stderr (cli/diag); it never exits.  The caller owns the socket, the
 * poll loop and the receive buffer.
 */
#ifndef SOCKBOX_CHAT_HOST_H
#define SOCKBOX_CHAT_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "chat/fanout.h"
#include "chat/room.h"
#include "net/dgram.h"

struct chat_counters {
	uint64_t received, joins, leaves, timeouts, messages, announcements;
	uint64_t spoofed, rate_limited, refused, rxq_dropped;
};

struct chat_host {
	/* set by the caller */
	int fd;                  /* the server's datagram socket */
	int json;                /* events as JSON Lines */
	int use_mmsg;            /* fan out with sendmmsg, else sendto */
	size_t max_size;         /* --max-size: for replies that name it and W's datagrams */
	double timeout;          /* --timeout, 0 for never */
	unsigned char *datagram; /* the receive buffer chat_host_datagram reads */
	/* state */
	struct chat_room room;
	struct chat_fanout_stats fan;
	struct chat_counters n;
	struct buf out;  /* one event */
	struct buf line; /* one datagram to send */
	int stdout_closed;
};

/* Handles the datagram of kept bytes in c->datagram (EXIT_OK, or EXIT_FAIL
 * after a diagnostic: stdout failed). */
int chat_host_datagram(struct chat_host *c, size_t kept, const struct dgram_info *info);

/* Sends "admin: TEXT" to every member (a line that is not clean text, or
 * too long, is refused with a diagnostic).  EXIT_OK or EXIT_FAIL. */
int chat_host_announce(struct chat_host *c, const char *text, size_t len);

/* Removes the members silent for c->timeout; returns when the next one
 * expires (monotonic ns), 0 for none. */
uint64_t chat_host_sweep(struct chat_host *c);

/* The counters line on stderr (SIGUSR1 and the summary). */
void chat_host_report(const struct chat_host *c);

#endif
