/*
 * explain.h - what a packet does, in words, for sniff --explain: the step
 * of the TCP handshake or teardown a segment is, as lib/tcpflow.h found
 * it, the states each side moves to, the bytes it carries; ARP as who-has
 * and is-at; a UDP datagram as the message it is; pings.
 *
 * Promise: the words are appended to the caller's buffer as one line
 * without its newline (clauses joined by "; "); nothing is printed.
 */
#ifndef SOCKBOX_EXPLAIN_H
#define SOCKBOX_EXPLAIN_H

#include "base/buf.h"
#include "pkt/pkt.h"
#include "pkt/tcpflow.h"

/* "conn 1: handshake 1/3 (SYN): ...; client CLOSED -> SYN_SENT, server
 * LISTEN" for a segment tcpflow_track described as ev; byte numbers are
 * relative to each side's initial sequence number unless absolute. */
void explain_tcp(struct buf *out, const struct tcpflow_event *ev, const struct pkt *p, int absolute);

/* The words for an ARP packet, a UDP datagram or a ping; nothing for others. */
void explain_other(struct buf *out, const struct pkt *p);

#endif
