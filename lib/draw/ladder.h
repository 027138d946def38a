/*
 * ladder.h - sniff --explain --svg: every TCP connection of a capture as a
 * ladder diagram (the flow graph of textbooks and Wireshark), UDP
 * conversations, pings and ARP as plain arrows between two lines.
 *
 * Promise: ladder_add takes the packets in capture order, with the event
 * lib/pkt/tcpflow gave a TCP segment, and keeps one arrow per packet
 * (one per TCP segment exactly) until max_arrows are kept; after that it
 * only counts what it leaves out, so memory, time and the picture's size
 * are bounded whatever the capture holds.  ladder_svg draws one diagram
 * per conversation, in order of first appearance: the two endpoints as
 * vertical lines (the TCP client on the left), time going down (each
 * arrow at least a row below the last, further the longer the wait, and
 * a wait far longer than the diagram's usual one cut short and labelled),
 * each arrow labelled with the step --explain numbers (handshake 1/3 ..
 * 3/3, teardown 1/4 .. 4/4), its flags, relative seq and ack, its length
 * and the start of its payload; retransmissions dashed and orange, resets
 * thick and red, UDP, ICMP and ARP grey; each side's TCP state written
 * beside its line where it changes; the time since the diagram's first
 * packet, the handshake's and teardown's durations (the handshake is one
 * round trip: the RTT) in the margins.  Every name and payload byte is
 * escaped (lib/draw/svg).  Nothing is printed.
 */
#ifndef SOCKBOX_LADDER_H
#define SOCKBOX_LADDER_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "pkt/pkt.h"
#include "pkt/tcpflow.h"

#define LADDER_MAX_ARROWS_DEFAULT 2000

struct ladder_options {
	unsigned conn;     /* draw only TCP connection conn (tcpflow's number); 0: everything */
	size_t max_arrows; /* arrows kept at most, over all diagrams; 0: the default */
	int absolute;      /* label sequence numbers as on the wire */
};

struct ladder;

/* A new, empty ladder, or NULL (errno ENOMEM). */
struct ladder *ladder_new(const struct ladder_options *o);

void ladder_free(struct ladder *l);

/* Records packet p seen at time_ns; ev is tcpflow_track's event for a TCP
 * segment, NULL for any other packet (those that are not UDP, ICMP echo
 * or ARP are ignored): 0, or -1 with errno ENOMEM. */
int ladder_add(struct ladder *l, const struct pkt *p, const struct tcpflow_event *ev, uint64_t time_ns);

/* Arrows kept, and arrows left out past max_arrows (or untracked by tcpflow). */
size_t ladder_arrows(const struct ladder *l);
size_t ladder_left_out(const struct ladder *l);

/* Diagrams that have at least one arrow. */
size_t ladder_diagrams(const struct ladder *l);

/* Appends the whole picture, a complete SVG document titled title. */
void ladder_svg(const struct ladder *l, struct buf *out, const char *title);

#endif
