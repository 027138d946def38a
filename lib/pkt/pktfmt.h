/*
 * pktfmt.h - a decoded packet (pkt.h) as text: one summary line, a view
 * of every layer with every field named, JSON members, a hex dump.
 *
 * Promise: the formatters only append to the caller's buffer (they never
 * print, never fail loudly: an append that runs out of memory leaves the
 * text short) and only show what the decoder marked as captured, so a
 * truncated or malformed packet is shown as far as it is valid, followed
 * by its problems in brackets: "[truncated: TCP header, 12 of 20 bytes
 * captured]", "[malformed: IPv4 header length 8, less than 20]".  They
 * are written for speed: no printf in the per-packet path, one buffer.
 */
#ifndef SOCKBOX_PKTFMT_H
#define SOCKBOX_PKTFMT_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/json.h"
#include "pkt/pkt.h"

/* The local time of day of the last second formatted, kept because
 * localtime_r is the slowest step of printing a line. */
struct pktfmt_clock {
	int64_t sec;
	int valid;
	char hms[16];
};

/* TCP sequence numbers shown relative to a base (--explain), or absolute. */
struct pktfmt_seq {
	int relative;
	uint32_t seq_base; /* the sender's initial sequence number */
	uint32_t ack_base; /* the receiver's, for the ack field */
	int ack_known;     /* 0: the receiver's ISN is unknown, ack stays absolute */
};

/* Appends "HH:MM:SS.uuuuuu" in local time. */
void pktfmt_time(struct buf *out, struct pktfmt_clock *clock, int64_t sec, uint32_t usec);

/* Appends the summary of p, ending in a newline:
 * "IP 127.0.0.1.54321 > 127.0.0.1.8888: TCP [S] seq 1000 win 65495 len 0".
 * seq may be NULL (absolute numbers). */
void pktfmt_line(struct buf *out, const struct pkt *p, const struct pktfmt_seq *seq);

/* Appends one indented line per layer, every field named, then the
 * payload size and the problems. */
void pktfmt_layers(struct buf *out, const struct pkt *p);

/* Adds p's layers as members of the JSON object j has open. */
void pktfmt_json(struct json *j, const struct pkt *p);

/* Appends a tcpdump -X style dump: offset, 16 bytes in hex, as ASCII. */
void pktfmt_hex(struct buf *out, const uint8_t *data, size_t len);

/* Appends data as tcpdump -A shows it: printable ASCII, space, tab and
 * newline as they are, a carriage return that ends a line (or the data)
 * dropped, every
 * other byte as '.'.  No newline is added. */
void pktfmt_ascii(struct buf *out, const uint8_t *data, size_t len);

/* Appends the text of one problem: "truncated: TCP header, 12 of 20 bytes captured". */
void pktfmt_problem(struct buf *out, const struct pkt_problem *pr);

/* Appends an address: dotted quad, RFC 5952 IPv6, colon-separated MAC. */
void pktfmt_ipv4(struct buf *out, const uint8_t addr[4]);
void pktfmt_ipv6(struct buf *out, const uint8_t addr[16]);
void pktfmt_mac(struct buf *out, const uint8_t *addr, size_t len);

/* Appends a decimal number. */
void pktfmt_uint(struct buf *out, uint64_t value);

/* Appends tcpdump's flag letters, "[S.]" for SYN+ACK ("[none]" for none). */
void pktfmt_tcp_flags(struct buf *out, uint16_t flags);

#endif
