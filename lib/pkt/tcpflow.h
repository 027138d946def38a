/*
 * tcpflow.h - follows TCP connections through the segments a capture
 * shows, the way RFC 9293's state diagram moves each end.
 *
 * Promise: tcpflow_track takes one decoded TCP segment at a time and says
 * what it did in the life of its connection: which step of the three-way
 * handshake or of the four-step teardown it is, whether it carries new
 * data or repeats old (a retransmission), whether it resets the
 * connection, the state each end moves to as the segment passes, each
 * side's initial sequence number (for relative numbering) and how long
 * the handshake and the teardown took.  The states are those an observer
 * on the path can infer: a segment moves its sender's state as it is
 * sent and its receiver's as it arrives (on loopback both at once).
 * Memory is bounded: past max_conns connections, new ones go untracked
 * (event conn 0).  Nothing is printed.
 */
#ifndef SOCKBOX_TCPFLOW_H
#define SOCKBOX_TCPFLOW_H

#include <stddef.h>
#include <stdint.h>

#include "pkt/pkt.h"

enum tcpflow_state {
	TCPFLOW_CLOSED,
	TCPFLOW_LISTEN,
	TCPFLOW_SYN_SENT,
	TCPFLOW_SYN_RECEIVED,
	TCPFLOW_ESTABLISHED,
	TCPFLOW_FIN_WAIT_1,
	TCPFLOW_FIN_WAIT_2,
	TCPFLOW_CLOSE_WAIT,
	TCPFLOW_CLOSING,
	TCPFLOW_LAST_ACK,
	TCPFLOW_TIME_WAIT,
};

/* What a segment did; several may be set at once (a FIN-ACK is often
 * teardown steps 2 and 3 together). */
enum {
	TCPFLOW_HANDSHAKE_1 = 1 << 0, /* SYN: the client asks */
	TCPFLOW_HANDSHAKE_2 = 1 << 1, /* SYN-ACK: the server accepts */
	TCPFLOW_HANDSHAKE_3 = 1 << 2, /* ACK: the client confirms */
	TCPFLOW_TEARDOWN_1 = 1 << 3,  /* the first FIN */
	TCPFLOW_TEARDOWN_2 = 1 << 4,  /* the ACK of the first FIN */
	TCPFLOW_TEARDOWN_3 = 1 << 5,  /* the second FIN */
	TCPFLOW_TEARDOWN_4 = 1 << 6,  /* the ACK of the second FIN */
	TCPFLOW_RESET = 1 << 7,
	TCPFLOW_DATA = 1 << 8,       /* new payload bytes */
	TCPFLOW_RETRANSMIT = 1 << 9, /* a SYN, FIN or data already seen */
	TCPFLOW_MIDSTREAM = 1 << 10, /* first seen after its handshake */
	TCPFLOW_ACK_ONLY = 1 << 11,  /* nothing but an acknowledgement */
	TCPFLOW_GAP = 1 << 12,       /* data beyond what was seen: bytes missing */
};

struct tcpflow_event {
	unsigned what;     /* TCPFLOW_* bits */
	unsigned conn;     /* connection number from 1; 0: not tracked */
	int from_client;   /* the segment goes from the client to the server */
	uint8_t before[2]; /* states before: [0] client, [1] server */
	uint8_t after[2];  /* and after the segment passed */
	uint32_t seq_base; /* the sender's initial sequence number */
	uint32_t ack_base; /* the receiver's */
	int seq_known, ack_known;
	uint32_t data_len;     /* payload bytes */
	uint64_t handshake_ns; /* with TCPFLOW_HANDSHAKE_3: SYN to ACK */
	uint64_t teardown_ns;  /* with TCPFLOW_TEARDOWN_4: first FIN to last ACK */
};

struct tcpflow;

/* A tracker for at most max_conns connections, or NULL (errno ENOMEM). */
struct tcpflow *tcpflow_new(size_t max_conns);

void tcpflow_free(struct tcpflow *f);

/* Follows one decoded TCP segment (p->transport == PKT_TR_TCP, full
 * header) seen at time_ns; fills ev.  0, or -1 when p is no such segment. */
int tcpflow_track(struct tcpflow *f, const struct pkt *p, uint64_t time_ns, struct tcpflow_event *ev);

/* "ESTABLISHED", "TIME_WAIT", ... */
const char *tcpflow_state_name(unsigned state);

#endif
