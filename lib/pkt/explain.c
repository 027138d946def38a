/*
 * explain.c - the words of sniff --explain, in the vocabulary of sockbox(7).
 */
#include "pkt/explain.h"

#include "pkt/pktfmt.h"

#include <string.h>

static void put_state_change(struct buf *b, const char *who, unsigned before, unsigned after)
{
	buf_append_str(b, who);
	buf_append_str(b, tcpflow_state_name(before));
	if (before != after) {
		buf_append_str(b, " -> ");
		buf_append_str(b, tcpflow_state_name(after));
	}
}

/* Starts a clause: "; " unless it is the first since offset start. */
static struct buf *clause(struct buf *b, size_t start)
{
	if (b->len > start)
		buf_append_str(b, "; ");
	return b;
}

void explain_tcp(struct buf *b, const struct tcpflow_event *ev, const struct pkt *p, int absolute)
{
	const char *me = ev->from_client ? "client" : "server", *peer = ev->from_client ? "server" : "client";
	size_t start;
	uint32_t rel = ev->seq_known && !absolute ? p->tcp.seq - ev->seq_base : p->tcp.seq;
	unsigned what = ev->what;

	if (!ev->conn) {
		buf_append_str(b, "not followed: too many connections");
		return;
	}
	buf_printf(b, "conn %u: ", ev->conn);
	start = b->len;

	if (what & TCPFLOW_MIDSTREAM)
		buf_append_str(clause(b, start), "already open when the capture began (no handshake seen)");
	if (what & TCPFLOW_HANDSHAKE_1)
		buf_printf(clause(b, start),
		           "handshake 1/3 (SYN): the client asks to open a connection, "
		           "initial sequence number %u",
		           p->tcp.seq);
	if (what & TCPFLOW_HANDSHAKE_2)
		buf_printf(clause(b, start),
		           "handshake 2/3 (SYN-ACK): the server accepts, acknowledges the SYN "
		           "and picks its own initial sequence number %u",
		           p->tcp.seq);
	if (what & TCPFLOW_HANDSHAKE_3)
		buf_printf(clause(b, start),
		           "handshake 3/3 (ACK): the client acknowledges the server's SYN, the "
		           "connection is open (handshake took %.3f ms)",
		           (double)ev->handshake_ns / 1e6);
	if ((what & (TCPFLOW_DATA | TCPFLOW_RETRANSMIT)) && ev->data_len)
		buf_printf(clause(b, start), "%s: %u bytes from the %s, bytes %u..%u%s",
		           what & TCPFLOW_RETRANSMIT ? "retransmission" : "data", ev->data_len, me, rel,
		           rel + ev->data_len - 1,
		           what & TCPFLOW_GAP ? " (earlier bytes were not captured)" : "");
	else if (what & TCPFLOW_RETRANSMIT)
		buf_append_str(clause(b, start),
		               p->tcp.flags & PKT_TCP_SYN
		                   ? "retransmitted SYN: the first one got no answer in time"
		                   : "retransmitted FIN");
	if (what & TCPFLOW_TEARDOWN_1)
		buf_printf(clause(b, start),
		           "teardown 1/4 (FIN): the %s has nothing more to send and closes "
		           "its side",
		           me);
	if (what & TCPFLOW_TEARDOWN_2)
		buf_printf(clause(b, start), "teardown 2/4 (ACK): the %s acknowledges the %s's FIN", me, peer);
	if (what & TCPFLOW_TEARDOWN_3)
		buf_printf(clause(b, start), "teardown 3/4 (FIN): the %s closes its side too", me);
	if (what & TCPFLOW_TEARDOWN_4)
		buf_printf(clause(b, start),
		           "teardown 4/4 (ACK): the %s acknowledges the %s's FIN, the "
		           "connection is closed (teardown took %.3f ms)",
		           me, peer, (double)ev->teardown_ns / 1e6);
	if (what & TCPFLOW_RESET)
		buf_printf(clause(b, start), "reset (RST): the %s aborts the connection, no teardown", me);
	if (what & TCPFLOW_ACK_ONLY)
		buf_printf(clause(b, start), "ack: the %s has received the %s's bytes up to %u", me, peer,
		           ev->ack_known && !absolute ? p->tcp.ack - ev->ack_base - 1 : p->tcp.ack - 1);
	put_state_change(clause(b, start), "client ", ev->before[0], ev->after[0]);
	put_state_change(b, ", server ", ev->before[1], ev->after[1]);
}

static void explain_arp(struct buf *b, const struct pkt *p)
{
	const struct pkt_arp *a = &p->arp;

	if (!a->sha || a->hlen != 6 || a->plen != 4)
		return;
	if (a->op == 1 && memcmp(a->spa, a->tpa, 4) == 0) {
		buf_append_str(b, "gratuitous ARP: ");
		pktfmt_ipv4(b, a->spa);
		buf_append_str(b, " announces it is at ");
		pktfmt_mac(b, a->sha, 6);
	} else if (a->op == 1) {
		buf_append_str(b, "ARP request, to everyone on the link: who has ");
		pktfmt_ipv4(b, a->tpa);
		buf_append_str(b, "? tell ");
		pktfmt_ipv4(b, a->spa);
		buf_append_str(b, " at ");
		pktfmt_mac(b, a->sha, 6);
	} else if (a->op == 2) {
		buf_append_str(b, "ARP reply, to the asker only: ");
		pktfmt_ipv4(b, a->spa);
		buf_append_str(b, " is at ");
		pktfmt_mac(b, a->sha, 6);
	}
}

void explain_other(struct buf *b, const struct pkt *p)
{
	if (p->transport == PKT_TR_UDP && p->has_payload)
		buf_printf(b,
		           "UDP datagram: one message of %u bytes, delivered whole by one recvfrom(), never "
		           "merged with others or split",
		           p->payload_len);
	else if (p->net == PKT_NET_ARP)
		explain_arp(b, p);
	else if (p->transport == PKT_TR_ICMP && p->icmp.have >= 8 && p->icmp.type == 8)
		buf_append_str(b, "ping: an echo request, the reply carries the same id and seq");
	else if (p->transport == PKT_TR_ICMP && p->icmp.have >= 8 && p->icmp.type == 0)
		buf_append_str(b, "ping: the echo reply");
}
