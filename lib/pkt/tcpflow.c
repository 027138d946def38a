/*
 * tcpflow.c - TCP connection tracking for --explain.
 *
 * A connection is found by its two endpoints in a canonical order (the
 * smaller address:port first), so both directions land on one entry of
 * an open-addressing hash table that grows by doubling up to its bound.
 * Each entry keeps, per side, the initial sequence number, the highest
 * sequence number sent, where its FIN sits and its state.  Sequence
 * comparisons are done modulo 2^32 (RFC 9293 3.4), as the numbers wrap.
 */
#include "pkt/tcpflow.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct side {
	uint32_t isn, next_seq, fin_seq;
	uint8_t state, isn_known, fin_sent, fin_acked, sent_any;
};

struct conn {
	uint8_t used, v6, client_is_lo, first_closer; /* first_closer: 0 client, 1 server */
	uint8_t lo_addr[16], hi_addr[16];
	uint16_t lo_port, hi_port;
	unsigned id;
	uint64_t syn_ns, fin_ns;
	uint8_t syn_seen, fin_started, finished;
	struct side side[2]; /* [0] client, [1] server */
};

struct tcpflow {
	struct conn *table;
	size_t cap, used, max_conns;
	unsigned next_id;
};

struct tcpflow *tcpflow_new(size_t max_conns)
{
	struct tcpflow *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	f->cap = 256;
	f->max_conns = max_conns;
	f->table = calloc(f->cap, sizeof *f->table);
	if (!f->table) {
		free(f);
		errno = ENOMEM;
		return NULL;
	}
	return f;
}

void tcpflow_free(struct tcpflow *f)
{
	if (!f)
		return;
	free(f->table);
	free(f);
}

const char *tcpflow_state_name(unsigned state)
{
	static const char *const names[] = {
		"CLOSED",     "LISTEN",     "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED", "FIN_WAIT_1",
		"FIN_WAIT_2", "CLOSE_WAIT", "CLOSING",  "LAST_ACK",     "TIME_WAIT",
	};
	return state < sizeof names / sizeof names[0] ? names[state] : "?";
}

/* a < b in sequence space */
static int seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

/* ---- the table ---- */

struct key {
	uint8_t v6;
	uint8_t lo_addr[16], hi_addr[16];
	uint16_t lo_port, hi_port;
	int src_is_lo;
};

static void make_key(const struct pkt *p, struct key *k)
{
	uint8_t src[16] = { 0 }, dst[16] = { 0 };
	size_t alen = p->net == PKT_NET_IPV6 ? 16 : 4;
	int cmp;

	memcpy(src, p->net == PKT_NET_IPV6 ? p->ip6.src : p->ip4.src, alen);
	memcpy(dst, p->net == PKT_NET_IPV6 ? p->ip6.dst : p->ip4.dst, alen);
	cmp = memcmp(src, dst, 16);
	k->v6 = p->net == PKT_NET_IPV6;
	k->src_is_lo = cmp < 0 || (cmp == 0 && p->tcp.sport <= p->tcp.dport);
	memcpy(k->lo_addr, k->src_is_lo ? src : dst, 16);
	memcpy(k->hi_addr, k->src_is_lo ? dst : src, 16);
	k->lo_port = k->src_is_lo ? p->tcp.sport : p->tcp.dport;
	k->hi_port = k->src_is_lo ? p->tcp.dport : p->tcp.sport;
}

static size_t hash_key(const struct key *k)
{
	/* FNV-1a over the canonical endpoints */
	uint64_t h = 1469598103934665603ULL;
	const uint8_t *parts[2] = { k->lo_addr, k->hi_addr };
	for (int i = 0; i < 2; i++)
		for (int b = 0; b < 16; b++)
			h = (h ^ parts[i][b]) * 1099511628211ULL;
	h = (h ^ k->lo_port) * 1099511628211ULL;
	h = (h ^ k->hi_port) * 1099511628211ULL;
	h = (h ^ k->v6) * 1099511628211ULL;
	return (size_t)h;
}

static int key_matches(const struct conn *c, const struct key *k)
{
	return c->v6 == k->v6 && c->lo_port == k->lo_port && c->hi_port == k->hi_port &&
	       memcmp(c->lo_addr, k->lo_addr, 16) == 0 && memcmp(c->hi_addr, k->hi_addr, 16) == 0;
}

static struct conn *probe(struct conn *table, size_t cap, const struct key *k)
{
	size_t i = hash_key(k) & (cap - 1);
	while (table[i].used && !key_matches(&table[i], k))
		i = (i + 1) & (cap - 1);
	return &table[i];
}

static int grow(struct tcpflow *f)
{
	size_t cap = f->cap * 2;
	struct conn *table = calloc(cap, sizeof *table);
	if (!table)
		return -1;
	for (size_t i = 0; i < f->cap; i++) {
		struct key k;
		if (!f->table[i].used)
			continue;
		k.v6 = f->table[i].v6;
		memcpy(k.lo_addr, f->table[i].lo_addr, 16);
		memcpy(k.hi_addr, f->table[i].hi_addr, 16);
		k.lo_port = f->table[i].lo_port;
		k.hi_port = f->table[i].hi_port;
		*probe(table, cap, &k) = f->table[i];
	}
	free(f->table);
	f->table = table;
	f->cap = cap;
	return 0;
}

/* The entry for k, a fresh one (used == 0 on return) or NULL when full. */
static struct conn *find(struct tcpflow *f, const struct key *k)
{
	struct conn *c = probe(f->table, f->cap, k);
	if (c->used)
		return c;
	if (f->used >= f->max_conns)
		return NULL;
	/* keep the load under one half so probes stay short */
	if ((f->used + 1) * 2 > f->cap) {
		if (grow(f) < 0)
			return NULL;
		c = probe(f->table, f->cap, k);
	}
	return c;
}

static void start_conn(struct tcpflow *f, struct conn *c, const struct key *k, int client_is_src)
{
	int was_used = c->used;
	memset(c, 0, sizeof *c);
	c->used = 1;
	c->v6 = k->v6;
	memcpy(c->lo_addr, k->lo_addr, 16);
	memcpy(c->hi_addr, k->hi_addr, 16);
	c->lo_port = k->lo_port;
	c->hi_port = k->hi_port;
	c->client_is_lo = (uint8_t)(client_is_src ? k->src_is_lo : !k->src_is_lo);
	c->id = ++f->next_id;
	c->side[0].state = TCPFLOW_CLOSED;
	c->side[1].state = TCPFLOW_LISTEN;
	if (!was_used)
		f->used++;
}

/* ---- the state machine ---- */

/* A connection seen first after its handshake: both ends are established
 * and numbering starts at the first byte seen. */
static void start_midstream(struct conn *c, const struct pkt *p, int s, struct tcpflow_event *ev)
{
	const struct pkt_tcp *t = &p->tcp;
	c->side[0].state = c->side[1].state = TCPFLOW_ESTABLISHED;
	c->side[s].isn = t->seq - 1;
	c->side[s].isn_known = 1;
	c->side[s].next_seq = t->seq;
	if (t->flags & PKT_TCP_ACK) {
		c->side[!s].isn = t->ack - 1;
		c->side[!s].isn_known = 1;
		c->side[!s].next_seq = t->ack;
	}
	ev->what |= TCPFLOW_MIDSTREAM;
}

static void on_syn(struct conn *c, const struct pkt *p, int s, uint64_t now, struct tcpflow_event *ev)
{
	const struct pkt_tcp *t = &p->tcp;
	struct side *me = &c->side[s], *peer = &c->side[!s];

	if (me->isn_known && t->seq == me->isn) {
		ev->what |= TCPFLOW_RETRANSMIT;
		return;
	}
	me->isn = t->seq;
	me->isn_known = 1;
	me->next_seq = t->seq + 1;
	if (!(t->flags & PKT_TCP_ACK)) {
		ev->what |= TCPFLOW_HANDSHAKE_1;
		me->state = TCPFLOW_SYN_SENT;
		c->syn_ns = now;
		c->syn_seen = 1;
		return;
	}
	ev->what |= TCPFLOW_HANDSHAKE_2;
	me->state = TCPFLOW_SYN_RECEIVED;
	/* the SYN-ACK reaches the client, which is then established */
	if (peer->state == TCPFLOW_SYN_SENT)
		peer->state = TCPFLOW_ESTABLISHED;
}

/* The ACK that acknowledges the peer's FIN: teardown step 2 or 4. */
static void on_fin_acked(struct conn *c, int s, uint64_t now, struct tcpflow_event *ev)
{
	struct side *peer = &c->side[!s];

	peer->fin_acked = 1;
	if (c->first_closer == !s) {
		ev->what |= TCPFLOW_TEARDOWN_2;
		peer->state = peer->state == TCPFLOW_CLOSING ? TCPFLOW_TIME_WAIT : TCPFLOW_FIN_WAIT_2;
		return;
	}
	ev->what |= TCPFLOW_TEARDOWN_4;
	peer->state = TCPFLOW_CLOSED;
	ev->teardown_ns = now - c->fin_ns;
	c->finished = 1;
}

static void on_fin(struct conn *c, const struct pkt *p, int s, uint64_t now, struct tcpflow_event *ev)
{
	struct side *me = &c->side[s], *peer = &c->side[!s];
	uint32_t fin_seq = p->tcp.seq + p->payload_len;

	if (me->fin_sent) {
		if (fin_seq == me->fin_seq)
			ev->what |= TCPFLOW_RETRANSMIT;
		return;
	}
	me->fin_sent = 1;
	me->fin_seq = fin_seq;
	if (seq_lt(me->next_seq, fin_seq + 1))
		me->next_seq = fin_seq + 1;
	if (!c->fin_started) {
		ev->what |= TCPFLOW_TEARDOWN_1;
		c->fin_started = 1;
		c->first_closer = (uint8_t)s;
		c->fin_ns = now;
		me->state = TCPFLOW_FIN_WAIT_1;
		peer->state = TCPFLOW_CLOSE_WAIT;
		return;
	}
	ev->what |= TCPFLOW_TEARDOWN_3;
	me->state = TCPFLOW_LAST_ACK;
	/* the first closer gets the second FIN: after its own was acked it
	 * waits out 2*MSL in TIME_WAIT; before, both FINs crossed (CLOSING) */
	peer->state = peer->fin_acked ? TCPFLOW_TIME_WAIT : TCPFLOW_CLOSING;
}

static void on_data(struct conn *c, const struct pkt *p, int s, struct tcpflow_event *ev)
{
	struct side *me = &c->side[s];
	uint32_t seq = p->tcp.seq, end = seq + p->payload_len;

	if (me->sent_any && seq_lt(seq, me->next_seq)) {
		ev->what |= TCPFLOW_RETRANSMIT;
	} else {
		ev->what |= TCPFLOW_DATA;
		if (me->sent_any && seq_lt(me->next_seq, seq))
			ev->what |= TCPFLOW_GAP;
	}
	if (!me->sent_any || seq_lt(me->next_seq, end))
		me->next_seq = end;
}

static void on_segment(struct conn *c, const struct pkt *p, int s, uint64_t now, struct tcpflow_event *ev)
{
	const struct pkt_tcp *t = &p->tcp;
	struct side *me = &c->side[s], *peer = &c->side[!s];

	if (t->flags & PKT_TCP_RST) {
		ev->what |= TCPFLOW_RESET;
		c->side[0].state = c->side[1].state = TCPFLOW_CLOSED;
		c->finished = 1;
		return;
	}
	if (t->flags & PKT_TCP_SYN) {
		on_syn(c, p, s, now, ev);
		me->sent_any = 1;
		return;
	}
	if ((t->flags & PKT_TCP_ACK) && s == 0 && peer->state == TCPFLOW_SYN_RECEIVED && peer->isn_known &&
	    t->ack == peer->isn + 1) {
		ev->what |= TCPFLOW_HANDSHAKE_3;
		peer->state = TCPFLOW_ESTABLISHED;
		if (me->state == TCPFLOW_SYN_SENT)
			me->state = TCPFLOW_ESTABLISHED;
		ev->handshake_ns = c->syn_seen ? now - c->syn_ns : 0;
	}
	if (p->payload_len > 0)
		on_data(c, p, s, ev);
	if ((t->flags & PKT_TCP_ACK) && peer->fin_sent && !peer->fin_acked && t->ack == peer->fin_seq + 1)
		on_fin_acked(c, s, now, ev);
	if (t->flags & PKT_TCP_FIN)
		on_fin(c, p, s, now, ev);
	if (!me->sent_any && !seq_lt(t->seq, me->next_seq))
		me->next_seq = t->seq;
	me->sent_any = 1;
	if (!ev->what && (t->flags & PKT_TCP_ACK))
		ev->what |= TCPFLOW_ACK_ONLY;
}

int tcpflow_track(struct tcpflow *f, const struct pkt *p, uint64_t time_ns, struct tcpflow_event *ev)
{
	const struct pkt_tcp *t = &p->tcp;
	struct conn *c;
	struct key k;
	int s;

	memset(ev, 0, sizeof *ev);
	if (p->transport != PKT_TR_TCP || t->have < 20 || (p->net != PKT_NET_IPV4 && p->net != PKT_NET_IPV6))
		return -1;
	ev->data_len = p->payload_len;
	make_key(p, &k);
	c = find(f, &k);
	if (!c)
		return 0;
	if (!c->used) {
		/* who opened it: the sender of a lone SYN, the receiver of a
		 * SYN-ACK; without a handshake, the side on the higher port */
		int client_is_src = (t->flags & PKT_TCP_SYN) ? !(t->flags & PKT_TCP_ACK) : t->sport > t->dport;
		start_conn(f, c, &k, client_is_src);
		s = !client_is_src;
		if (!(t->flags & PKT_TCP_SYN))
			start_midstream(c, p, s, ev);
	} else {
		s = k.src_is_lo != c->client_is_lo;
		/* a new SYN on a finished connection opens a new one */
		if ((c->finished || c->side[0].state == TCPFLOW_CLOSED) && (t->flags & PKT_TCP_SYN) &&
		    !(t->flags & PKT_TCP_ACK) && !(c->side[s].isn_known && c->side[s].isn == t->seq)) {
			start_conn(f, c, &k, 1);
			s = 0;
		}
	}
	ev->conn = c->id;
	ev->from_client = s == 0;
	ev->before[0] = c->side[0].state;
	ev->before[1] = c->side[1].state;
	on_segment(c, p, s, time_ns, ev);
	ev->after[0] = c->side[0].state;
	ev->after[1] = c->side[1].state;
	ev->seq_known = c->side[s].isn_known;
	ev->seq_base = c->side[s].isn;
	ev->ack_known = c->side[!s].isn_known;
	ev->ack_base = c->side[!s].isn;
	return 0;
}
