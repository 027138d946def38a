/*
 * ladder.c - TCP ladder diagrams (and plain arrows for UDP, ping, ARP).
 */
#include "draw/ladder.h"

#include "base/escape.h"
#include "draw/svg.h"
#include "pkt/pktfmt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREVIEW_BYTES 16 /* payload bytes shown in a label */
#define LABEL_MAX 76     /* characters of a label (the small font fits 76 between the lines) */

/* Layout, in pixels. */
#define WIDTH 1040
#define TIME_X 8.0
#define LEFT_X 250.0
#define RIGHT_X 720.0
#define MARGIN_X 860.0
#define ROW 30.0     /* an arrow below the one before, at least */
#define SLANT 10.0   /* how far an arrow falls while it crosses */
#define CUT 34.0     /* room for a wait cut short */
#define CUT_RATIO 10 /* a wait longer than this times the median one is cut */
#define HEAD 64.0    /* a diagram's title and endpoint names */
#define LEGEND 92.0

enum kind { K_TCP, K_UDP, K_PING, K_ARP };
static const char *const kind_names[] = { "TCP", "UDP", "ping", "ARP" };

enum style { ST_SEGMENT, ST_REXMIT, ST_RESET, ST_PLAIN };
static const char *const style_class[] = { "seg", "rexmit", "rst", "plain" };
static const char *const style_marker[] = { SVG_ARROW, SVG_ARROW_ORANGE, SVG_ARROW_RED, SVG_ARROW_GREY };

/* One conversation between two endpoints: one diagram. */
struct diagram {
	uint8_t kind;
	uint8_t v6;
	unsigned conn;          /* TCP: tcpflow's number */
	uint8_t addr[2][16];    /* [0] the left line (TCP: the client), [1] the right */
	uint16_t port[2];       /* 0 for ping and ARP */
	size_t arrows;          /* kept */
	uint32_t first, last;   /* its arrows: first, last, each one's next */
	size_t left_out;        /* past max_arrows */
	uint8_t first_state[2]; /* TCP: the states before its first segment */
};

struct arrow {
	uint64_t t_ns;
	uint32_t diagram;
	uint8_t to_right;
	uint8_t style;
	uint8_t tcp;
	uint8_t before[2], after[2];
	uint32_t next;   /* the diagram's next arrow (valid below its arrows count) */
	uint32_t label;  /* offset in the text pool: "handshake 1/3: SYN seq=0 len=0" */
	uint32_t margin; /* offset of the margin note, 0 for none */
};

struct ladder {
	struct ladder_options o;
	struct diagram *diagrams;
	size_t ndiagrams, diagrams_cap;
	struct arrow *arrows;
	size_t narrows;
	size_t left_out;
	uint32_t *conn_diagram; /* TCP conn number -> diagram index + 1 */
	size_t conn_cap;
	uint32_t *other_slots; /* hash of the other diagrams: index + 1, 0 empty */
	size_t other_cap;      /* a power of two, kept at most half full */
	size_t nother;
	struct buf text; /* labels, NUL-terminated; offset 0 is "" */
};

struct ladder *ladder_new(const struct ladder_options *o)
{
	struct ladder *l = calloc(1, sizeof *l);

	if (!l)
		return NULL;
	l->o = *o;
	if (!l->o.max_arrows)
		l->o.max_arrows = LADDER_MAX_ARROWS_DEFAULT;
	l->arrows = calloc(l->o.max_arrows, sizeof *l->arrows);
	if (!l->arrows || buf_append_byte(&l->text, '\0') < 0) {
		ladder_free(l);
		errno = ENOMEM;
		return NULL;
	}
	return l;
}

void ladder_free(struct ladder *l)
{
	if (!l)
		return;
	free(l->diagrams);
	free(l->arrows);
	free(l->conn_diagram);
	free(l->other_slots);
	buf_free(&l->text);
	free(l);
}

size_t ladder_arrows(const struct ladder *l)
{
	return l->narrows;
}

size_t ladder_left_out(const struct ladder *l)
{
	return l->left_out;
}

size_t ladder_diagrams(const struct ladder *l)
{
	return l->ndiagrams;
}

/* ---- recording ---------------------------------------------------------- */

/* The two ends of p: addresses and ports, as sent (src first). */
struct ends {
	uint8_t kind, v6;
	uint8_t addr[2][16];
	uint16_t port[2];
};

static int packet_ends(const struct pkt *p, uint8_t kind, struct ends *e)
{
	memset(e, 0, sizeof *e);
	e->kind = kind;
	if (kind == K_ARP) {
		if (!p->arp.sha || p->arp.plen != 4 || p->arp.hlen != 6)
			return -1;
		memcpy(e->addr[0], p->arp.spa, 4);
		memcpy(e->addr[1], p->arp.tpa, 4);
		return 0;
	}
	if (p->net == PKT_NET_IPV4) {
		memcpy(e->addr[0], p->ip4.src, 4);
		memcpy(e->addr[1], p->ip4.dst, 4);
	} else if (p->net == PKT_NET_IPV6) {
		e->v6 = 1;
		memcpy(e->addr[0], p->ip6.src, 16);
		memcpy(e->addr[1], p->ip6.dst, 16);
	} else {
		return -1;
	}
	if (kind == K_TCP) {
		e->port[0] = p->tcp.sport;
		e->port[1] = p->tcp.dport;
	} else if (kind == K_UDP) {
		e->port[0] = p->udp.sport;
		e->port[1] = p->udp.dport;
	}
	return 0;
}

/* side (0 or 1) of e's end i in d, or -1 when e is not d's conversation. */
static int side_of(const struct diagram *d, const struct ends *e, int i)
{
	for (int s = 0; s < 2; s++)
		if (memcmp(d->addr[s], e->addr[i], 16) == 0 && d->port[s] == e->port[i] &&
		    memcmp(d->addr[!s], e->addr[!i], 16) == 0 && d->port[!s] == e->port[!i])
			return s;
	return -1;
}

static struct diagram *new_diagram(struct ladder *l, const struct ends *e, int left)
{
	struct diagram *d;

	if (l->ndiagrams == l->diagrams_cap) {
		size_t cap = l->diagrams_cap ? l->diagrams_cap * 2 : 16;
		struct diagram *grown = realloc(l->diagrams, cap * sizeof *grown);
		if (!grown)
			return NULL;
		l->diagrams = grown;
		l->diagrams_cap = cap;
	}
	d = &l->diagrams[l->ndiagrams++];
	memset(d, 0, sizeof *d);
	d->kind = e->kind;
	d->v6 = e->v6;
	memcpy(d->addr[0], e->addr[left], 16);
	memcpy(d->addr[1], e->addr[!left], 16);
	d->port[0] = e->port[left];
	d->port[1] = e->port[!left];
	return d;
}

/* The TCP connection conn's diagram, or NULL when it has none yet. */
static struct diagram *conn_lookup(const struct ladder *l, unsigned conn)
{
	return conn < l->conn_cap && l->conn_diagram[conn] ? &l->diagrams[l->conn_diagram[conn] - 1] : NULL;
}

static int conn_remember(struct ladder *l, unsigned conn, size_t index)
{
	if (conn >= l->conn_cap) {
		size_t cap = l->conn_cap ? l->conn_cap : 64;
		uint32_t *grown;
		while (cap <= conn)
			cap *= 2;
		grown = realloc(l->conn_diagram, cap * sizeof *grown);
		if (!grown)
			return -1;
		memset(grown + l->conn_cap, 0, (cap - l->conn_cap) * sizeof *grown);
		l->conn_diagram = grown;
		l->conn_cap = cap;
	}
	l->conn_diagram[conn] = (uint32_t)(index + 1);
	return 0;
}

static void put_flags(struct buf *b, uint16_t flags)
{
	static const struct {
		uint16_t bit;
		const char *name;
	} names[] = { { PKT_TCP_SYN, "SYN" }, { PKT_TCP_FIN, "FIN" }, { PKT_TCP_RST, "RST" },
		      { PKT_TCP_PSH, "PSH" }, { PKT_TCP_ACK, "ACK" }, { PKT_TCP_URG, "URG" },
		      { PKT_TCP_ECE, "ECE" }, { PKT_TCP_CWR, "CWR" } };
	int first = 1;

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (flags & names[i].bit) {
			buf_printf(b, "%s%s", first ? "" : ",", names[i].name);
			first = 0;
		}
	if (first)
		buf_append_str(b, "none");
}

/* The first payload bytes, escaped to printable ASCII (lib/base/escape). */
static void put_preview(struct buf *b, const struct pkt *p)
{
	size_t n;

	if (!p->has_payload || !p->payload_cap)
		return;
	n = p->payload_cap < PREVIEW_BYTES ? p->payload_cap : PREVIEW_BYTES;
	buf_append_str(b, " \"");
	escape_bytes(b, p->data + p->payload_off, n);
	buf_append_str(b, n < p->payload_cap ? "\"..." : "\"");
}

/* Joins the steps of a TCP segment: "handshake 1/3", "teardown 2/4+3/4". */
static void put_steps(struct buf *b, unsigned what)
{
	static const struct {
		unsigned bit;
		const char *text;
	} steps[] = {
		{ TCPFLOW_HANDSHAKE_1, "handshake 1/3" },
		{ TCPFLOW_HANDSHAKE_2, "handshake 2/3" },
		{ TCPFLOW_HANDSHAKE_3, "handshake 3/3" },
		{ TCPFLOW_TEARDOWN_1, "teardown 1/4" },
		{ TCPFLOW_TEARDOWN_2, "teardown 2/4" },
		{ TCPFLOW_TEARDOWN_3, "teardown 3/4" },
		{ TCPFLOW_TEARDOWN_4, "teardown 4/4" },
		{ TCPFLOW_RETRANSMIT, "retransmission" },
		{ TCPFLOW_RESET, "reset" },
	};
	size_t start = b->len;

	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
		if (what & steps[i].bit) {
			buf_append_str(b, b->len > start ? ", " : "");
			buf_append_str(b, steps[i].text);
		}
	if (b->len > start)
		buf_append_str(b, ": ");
}

static uint32_t tcp_label(struct ladder *l, const struct pkt *p, const struct tcpflow_event *ev)
{
	uint32_t at = (uint32_t)l->text.len;
	int rel = !l->o.absolute;

	put_steps(&l->text, ev->what);
	put_flags(&l->text, p->tcp.flags);
	buf_printf(&l->text, " seq=%u", rel && ev->seq_known ? p->tcp.seq - ev->seq_base : p->tcp.seq);
	if (p->tcp.flags & PKT_TCP_ACK)
		buf_printf(&l->text, " ack=%u", rel && ev->ack_known ? p->tcp.ack - ev->ack_base : p->tcp.ack);
	buf_printf(&l->text, " len=%u", p->has_payload ? p->payload_len : 0);
	put_preview(&l->text, p);
	buf_append_byte(&l->text, '\0');
	return at;
}

static uint32_t tcp_margin(struct ladder *l, const struct tcpflow_event *ev)
{
	uint32_t at = (uint32_t)l->text.len;

	if (ev->what & TCPFLOW_HANDSHAKE_3)
		buf_printf(&l->text, "handshake %.3f ms (~1 RTT)", (double)ev->handshake_ns / 1e6);
	else if (ev->what & TCPFLOW_TEARDOWN_4)
		buf_printf(&l->text, "teardown %.3f ms", (double)ev->teardown_ns / 1e6);
	else
		return 0;
	buf_append_byte(&l->text, '\0');
	return at;
}

static uint32_t other_label(struct ladder *l, const struct pkt *p, uint8_t kind)
{
	uint32_t at = (uint32_t)l->text.len;
	struct buf *b = &l->text;

	if (kind == K_UDP) {
		buf_printf(b, "UDP len=%u", p->has_payload ? p->payload_len : 0);
		put_preview(b, p);
	} else if (kind == K_PING) {
		buf_printf(b, "ping %s id=%u seq=%u", p->icmp.type == 8 ? "request" : "reply",
		           p->icmp.rest >> 16, p->icmp.rest & 0xffff);
	} else if (p->arp.op == 1) {
		buf_append_str(b, "ARP who-has ");
		pktfmt_ipv4(b, p->arp.tpa);
		buf_append_str(b, "? tell ");
		pktfmt_ipv4(b, p->arp.spa);
	} else {
		buf_append_str(b, "ARP ");
		pktfmt_ipv4(b, p->arp.spa);
		buf_append_str(b, " is-at ");
		pktfmt_mac(b, p->arp.sha, 6);
	}
	buf_append_byte(b, '\0');
	return at;
}

/* The kind of a packet that is not TCP, or -1 when it is not drawn. */
static int other_kind(const struct pkt *p)
{
	if (p->net == PKT_NET_ARP && (p->arp.op == 1 || p->arp.op == 2))
		return K_ARP;
	if (p->transport == PKT_TR_UDP && p->udp.have >= 8)
		return K_UDP;
	if (p->transport == PKT_TR_ICMP && p->icmp.have >= 8 && (p->icmp.type == 8 || p->icmp.type == 0))
		return K_PING;
	return -1;
}

/* A conversation's hash, the same from either end (FNV-1a over the two
 * ends, the smaller first). */
static uint32_t ends_hash(const struct ends *e)
{
	int swap = memcmp(e->addr[0], e->addr[1], 16) > 0 ||
	           (memcmp(e->addr[0], e->addr[1], 16) == 0 && e->port[0] > e->port[1]);
	uint32_t h = 2166136261u;
	uint8_t bytes[2 + 2 * 18];

	bytes[0] = e->kind;
	bytes[1] = e->v6;
	for (int i = 0; i < 2; i++) {
		int s = swap ? !i : i;
		memcpy(bytes + 2 + 18 * i, e->addr[s], 16);
		bytes[2 + 18 * i + 16] = (uint8_t)(e->port[s] >> 8);
		bytes[2 + 18 * i + 17] = (uint8_t)e->port[s];
	}
	for (size_t i = 0; i < sizeof bytes; i++)
		h = (h ^ bytes[i]) * 16777619u;
	return h;
}

/* Doubles the hash of other diagrams: 0 or -1. */
static int other_grow(struct ladder *l)
{
	size_t cap = l->other_cap ? l->other_cap * 2 : 64;
	uint32_t *slots = calloc(cap, sizeof *slots);

	if (!slots)
		return -1;
	for (size_t i = 0; i < l->other_cap; i++) {
		const struct diagram *d;
		struct ends e;
		size_t at;
		if (!l->other_slots[i])
			continue;
		d = &l->diagrams[l->other_slots[i] - 1];
		memset(&e, 0, sizeof e);
		e.kind = d->kind;
		e.v6 = d->v6;
		memcpy(e.addr, d->addr, sizeof e.addr);
		memcpy(e.port, d->port, sizeof e.port);
		for (at = ends_hash(&e) & (cap - 1); slots[at]; at = (at + 1) & (cap - 1))
			;
		slots[at] = l->other_slots[i];
	}
	free(l->other_slots);
	l->other_slots = slots;
	l->other_cap = cap;
	return 0;
}

/* The diagram of a packet that is not TCP, found or made; side set to the
 * sender's side.  A ping's and an ARP's conversation is the pair of
 * addresses: the one who speaks first is on the left. */
static struct diagram *other_diagram(struct ladder *l, const struct ends *e, int *side)
{
	struct diagram *d;
	size_t at;

	if (2 * (l->nother + 1) > l->other_cap && other_grow(l) < 0)
		return NULL;
	for (at = ends_hash(e) & (l->other_cap - 1); l->other_slots[at]; at = (at + 1) & (l->other_cap - 1)) {
		d = &l->diagrams[l->other_slots[at] - 1];
		if (d->kind == e->kind && d->v6 == e->v6 && (*side = side_of(d, e, 0)) >= 0)
			return d;
	}
	*side = 0;
	if (!(d = new_diagram(l, e, 0)))
		return NULL;
	l->other_slots[at] = (uint32_t)l->ndiagrams;
	l->nother++;
	return d;
}

int ladder_add(struct ladder *l, const struct pkt *p, const struct tcpflow_event *ev, uint64_t time_ns)
{
	struct diagram *d;
	struct arrow *a;
	struct ends e;
	int side, kind = ev ? K_TCP : other_kind(p);

	if (kind < 0 || (l->o.conn && (kind != K_TCP || ev->conn != l->o.conn)))
		return 0;
	if (kind == K_TCP && !ev->conn) {
		l->left_out++; /* tcpflow's table is full */
		return 0;
	}
	if (l->narrows == l->o.max_arrows) {
		l->left_out++;
		if (kind == K_TCP && (d = conn_lookup(l, ev->conn)))
			d->left_out++;
		return 0;
	}
	if (packet_ends(p, (uint8_t)kind, &e) < 0)
		return 0;
	if (kind == K_TCP) {
		side = ev->from_client ? 0 : 1;
		if (!(d = conn_lookup(l, ev->conn))) {
			/* the client goes on the left: the sender when it is the client */
			if (!(d = new_diagram(l, &e, ev->from_client ? 0 : 1)) ||
			    conn_remember(l, ev->conn, l->ndiagrams - 1) < 0)
				return -1;
			d->conn = ev->conn;
			d->first_state[0] = ev->before[0];
			d->first_state[1] = ev->before[1];
		}
	} else if (!(d = other_diagram(l, &e, &side))) {
		return -1;
	}
	a = &l->arrows[l->narrows];
	memset(a, 0, sizeof *a);
	a->t_ns = time_ns;
	a->diagram = (uint32_t)(d - l->diagrams);
	a->to_right = side == 0;
	if (kind == K_TCP) {
		a->tcp = 1;
		a->style = ev->what & TCPFLOW_RESET        ? ST_RESET
		           : ev->what & TCPFLOW_RETRANSMIT ? ST_REXMIT
		                                           : ST_SEGMENT;
		memcpy(a->before, ev->before, 2);
		memcpy(a->after, ev->after, 2);
		a->label = tcp_label(l, p, ev);
		a->margin = tcp_margin(l, ev);
	} else {
		a->style = ST_PLAIN;
		a->label = other_label(l, p, (uint8_t)kind);
	}
	if (!l->text.data || l->text.len > UINT32_MAX / 2) {
		errno = ENOMEM; /* a label did not fit: the pool stays as it was before */
		return -1;
	}
	if (d->arrows++)
		l->arrows[d->last].next = (uint32_t)l->narrows;
	else
		d->first = (uint32_t)l->narrows;
	d->last = (uint32_t)l->narrows++;
	return 0;
}

/* ---- drawing ------------------------------------------------------------ */

static const char ladder_css[] = ".seg{stroke:#000;stroke-width:1.2}"
                                 ".rexmit{stroke:#d60;stroke-width:1.5;stroke-dasharray:6,4}"
                                 ".rst{stroke:#c00;stroke-width:2.5;stroke-dasharray:10,3,2,3}"
                                 ".plain{stroke:#777;stroke-width:1.2}"
                                 ".life{stroke:#000;stroke-width:2}"
                                 ".cut{stroke:#000;stroke-width:1}"
                                 ".state{font-size:11px;font-style:italic}"
                                 ".warn{fill:#c00}";

static void put_time(char *text, size_t size, uint64_t ns)
{
	if (ns < 1000000000u)
		snprintf(text, size, "+%.3f ms", (double)ns / 1e6);
	else
		snprintf(text, size, "+%.3f s", (double)ns / 1e9);
}

static void endpoint_name(struct buf *b, const struct diagram *d, int side)
{
	if (d->kind == K_TCP)
		buf_append_str(b, side ? "server " : "client ");
	if (d->v6 && d->port[side])
		buf_append_byte(b, '[');
	if (d->v6)
		pktfmt_ipv6(b, d->addr[side]);
	else
		pktfmt_ipv4(b, d->addr[side]);
	if (d->v6 && d->port[side])
		buf_append_byte(b, ']');
	if (d->kind == K_TCP || d->kind == K_UDP)
		buf_printf(b, ":%u", d->port[side]);
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The scale of a diagram's time axis, from its waits between arrows: the
 * median wait is one row, a longer one proportionally more (so time runs
 * to scale), a shorter one still a row (so labels never overlap), and one
 * past CUT_RATIO median waits is cut short. */
static void time_scale(const struct ladder *l, size_t di, uint64_t *cut, double *px_per_ns)
{
	size_t n = 0, count = l->diagrams[di].arrows;
	uint64_t *gaps, prev = 0;
	int first = 1;

	*cut = UINT64_MAX;
	*px_per_ns = 0;
	if (count < 2 || !(gaps = malloc(count * sizeof *gaps)))
		return;
	for (uint32_t i = l->diagrams[di].first, k = 0; k < count; i = l->arrows[i].next, k++) {
		if (!first)
			gaps[n++] = l->arrows[i].t_ns >= prev ? l->arrows[i].t_ns - prev : 0;
		prev = l->arrows[i].t_ns;
		first = 0;
	}
	qsort(gaps, n, sizeof *gaps, compare_u64);
	if (n) {
		uint64_t median = gaps[n / 2] > 1000 ? gaps[n / 2] : 1000; /* at least 1 us */
		*cut = median * CUT_RATIO;
		*px_per_ns = ROW / (double)median;
	}
	free(gaps);
}

/* The label as drawn: cut to LABEL_MAX characters (it is ASCII: payload
 * bytes were escaped when it was made). */
static void draw_label(struct buf *out, double x, double y, const char *label)
{
	char cut[LABEL_MAX + 4];
	size_t len = strlen(label);

	if (len > LABEL_MAX) {
		memcpy(cut, label, LABEL_MAX - 3);
		memcpy(cut + LABEL_MAX - 3, "...", 4);
		label = cut;
	}
	svg_text(out, x, y, "middle",
	         svg_text_width(label, SVG_FONT_SIZE) > RIGHT_X - LEFT_X - 20 ? "small" : NULL, label);
}

static void draw_arrow(const struct ladder *l, const struct arrow *a, uint64_t t0, double y, struct buf *out)
{
	double x1 = a->to_right ? LEFT_X : RIGHT_X, x2 = a->to_right ? RIGHT_X : LEFT_X;
	char t[48];

	/* the group's class names the kind of arrow for readers and tests; the
	 * line alone carries the stroke (texts inside would inherit it) */
	buf_printf(out, "<g class=\"arrow is-%s\">\n", style_class[a->style]);
	put_time(t, sizeof t, a->t_ns - t0);
	svg_text(out, TIME_X, y + SLANT / 2 + 4, "start", "small muted", t);
	draw_label(out, (LEFT_X + RIGHT_X) / 2, y + SLANT / 2 - 6, l->text.data + a->label);
	svg_line(out, x1, y, x2, y + SLANT, style_class[a->style], style_marker[a->style]);
	if (a->tcp && a->after[0] != a->before[0])
		svg_text(out, LEFT_X - 8, y + SLANT + 4, "end", "state", tcpflow_state_name(a->after[0]));
	if (a->tcp && a->after[1] != a->before[1])
		svg_text(out, RIGHT_X + 8, y + SLANT + 4, "start", "state", tcpflow_state_name(a->after[1]));
	if (a->margin)
		svg_text(out, MARGIN_X, y + SLANT / 2 + 4, "start", "small", l->text.data + a->margin);
	buf_append_str(out, "</g>\n");
}

/* A wait cut short: a break across both lines and how long it was. */
static void draw_cut(struct buf *out, double y, uint64_t ns)
{
	char t[64];

	for (int i = 0; i < 2; i++) {
		double x = i ? RIGHT_X : LEFT_X;
		svg_line(out, x - 8, y + 10, x + 8, y + 6, "cut", NULL);
		svg_line(out, x - 8, y + 16, x + 8, y + 12, "cut", NULL);
	}
	snprintf(t, sizeof t, "(%.3f ms later)", (double)ns / 1e6);
	svg_text(out, (LEFT_X + RIGHT_X) / 2, y + 15, "middle", "small muted", t);
}

/* Draws diagram di from y down; returns the y where the next may start. */
static double draw_diagram(const struct ladder *l, size_t di, double y, struct buf *out)
{
	const struct diagram *d = &l->diagrams[di];
	struct buf title = BUF_INIT, body = BUF_INIT;
	uint64_t cut, prev = 0, t0 = 0;
	double px_per_ns, top = y, row_y;
	size_t seen = 0;

	time_scale(l, di, &cut, &px_per_ns);
	if (d->kind == K_TCP)
		buf_printf(&title, "conn %u: TCP ", d->conn);
	else
		buf_printf(&title, "%s ", kind_names[d->kind]);
	endpoint_name(&title, d, 0);
	buf_append_str(&title, " <-> ");
	endpoint_name(&title, d, 1);
	svg_text(out, TIME_X, y + 18, "start", "title", title.data);
	buf_clear(&title);
	for (int side = 0; side < 2; side++) {
		endpoint_name(&title, d, side);
		svg_text(out, side ? RIGHT_X : LEFT_X, y + 40, "middle", NULL, title.data);
		if (d->kind == K_TCP)
			svg_text(out, side ? RIGHT_X + 8 : LEFT_X - 8, y + HEAD - 4, side ? "start" : "end",
			         "state", tcpflow_state_name(d->first_state[side]));
		buf_clear(&title);
	}
	row_y = y + HEAD + 14;
	for (uint32_t i = d->first, k = 0; k < d->arrows; i = l->arrows[i].next, k++) {
		const struct arrow *a = &l->arrows[i];
		if (seen++ == 0) {
			t0 = prev = a->t_ns;
		} else {
			uint64_t gap = a->t_ns >= prev ? a->t_ns - prev : 0;
			if (gap > cut) {
				draw_cut(&body, row_y, gap);
				row_y += CUT;
			} else if ((double)gap * px_per_ns > ROW) {
				row_y += (double)gap * px_per_ns - ROW;
			}
			prev = a->t_ns;
		}
		draw_arrow(l, a, t0, row_y, &body);
		row_y += ROW;
	}
	if (d->left_out) {
		buf_printf(&title, "%zu more segment%s of this connection not drawn (--max-arrows %zu)",
		           d->left_out, d->left_out == 1 ? "" : "s", l->o.max_arrows);
		svg_text(&body, (LEFT_X + RIGHT_X) / 2, row_y + 4, "middle", "warn", title.data);
		row_y += ROW;
	}
	svg_line(out, LEFT_X, top + HEAD, LEFT_X, row_y, "life", NULL);
	svg_line(out, RIGHT_X, top + HEAD, RIGHT_X, row_y, "life", NULL);
	buf_append(out, body.data ? body.data : "", body.len);
	buf_free(&title);
	buf_free(&body);
	return row_y + 26;
}

static void draw_legend(const struct ladder *l, struct buf *out)
{
	static const char *const words[] = { "TCP segment", "retransmission", "reset (RST)", "UDP, ping, ARP" };
	char t[200];

	for (int i = 0; i < 4; i++) {
		double x = TIME_X + 250.0 * i;
		svg_line(out, x, 50, x + 60, 50, style_class[i], style_marker[i]);
		svg_text(out, x + 68, 54, "start", "small", words[i]);
	}
	snprintf(
	    t, sizeof t,
	    "left: time since the diagram's first packet; beside a line, in italics: that side's TCP state "
	    "from then on; seq and ack %s",
	    l->o.absolute ? "absolute" : "relative");
	svg_text(out, TIME_X, 74, "start", "small", t);
	if (l->left_out) {
		snprintf(t, sizeof t, "%zu arrows drawn, %zu packets left out (--max-arrows %zu)", l->narrows,
		         l->left_out, l->o.max_arrows);
		svg_text(out, TIME_X, 88, "start", "warn", t);
	}
}

void ladder_svg(const struct ladder *l, struct buf *out, const char *title)
{
	struct buf body = BUF_INIT;
	double y = LEGEND;

	svg_text(&body, TIME_X, 22, "start", "title", title);
	draw_legend(l, &body);
	if (!l->ndiagrams) {
		svg_text(&body, TIME_X, y + 20, "start", NULL, "no TCP, UDP, ping or ARP packet to draw");
		y += 40;
	}
	for (size_t i = 0; i < l->ndiagrams; i++)
		y = draw_diagram(l, i, y, &body);
	svg_begin(out, WIDTH, (int)y, title, ladder_css);
	buf_append(out, body.data ? body.data : "", body.len);
	svg_end(out);
	buf_free(&body);
}
