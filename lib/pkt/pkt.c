/*
 * pkt.c - packet decoders, one function per protocol, over a cursor that
 * cannot read past the captured bytes.
 *
 * Each decoder reads its fixed header with the cursor's getters (which
 * give 0 past the end), records how much of it was captured in `have`,
 * then checks what the header claims (version, header length, total
 * length) before it lets the next decoder loose on the rest.  When a claim
 * is impossible the problem is noted and decoding stops at that layer;
 * when a length only overstates what follows, the decoder notes it and
 * goes on with the bytes that are really there.
 */
#include "pkt/pkt.h"

#include <string.h>

void pkt_cursor_init(struct pkt_cursor *c, const uint8_t *data, size_t len)
{
	c->data = data;
	c->len = len;
	c->off = 0;
	c->short_read = 0;
}

size_t pkt_left(const struct pkt_cursor *c)
{
	return c->off < c->len ? c->len - c->off : 0;
}

/* 1 when n more bytes are there; otherwise marks the cursor and empties it. */
static int have_bytes(struct pkt_cursor *c, size_t n)
{
	if (pkt_left(c) >= n)
		return 1;
	c->short_read = 1;
	c->off = c->len;
	return 0;
}

uint8_t pkt_get_u8(struct pkt_cursor *c)
{
	if (!have_bytes(c, 1))
		return 0;
	return c->data[c->off++];
}

uint16_t pkt_be16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

uint32_t pkt_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint16_t pkt_get_be16(struct pkt_cursor *c)
{
	uint16_t v;
	if (!have_bytes(c, 2))
		return 0;
	v = pkt_be16(c->data + c->off);
	c->off += 2;
	return v;
}

uint32_t pkt_get_be32(struct pkt_cursor *c)
{
	uint32_t v;
	if (!have_bytes(c, 4))
		return 0;
	v = pkt_be32(c->data + c->off);
	c->off += 4;
	return v;
}

uint32_t pkt_get_le32(struct pkt_cursor *c)
{
	const uint8_t *p;
	if (!have_bytes(c, 4))
		return 0;
	p = c->data + c->off;
	c->off += 4;
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

void pkt_get_bytes(struct pkt_cursor *c, void *out, size_t n)
{
	if (!have_bytes(c, n)) {
		memset(out, 0, n);
		return;
	}
	memcpy(out, c->data + c->off, n);
	c->off += n;
}

int pkt_skip(struct pkt_cursor *c, size_t n)
{
	if (!have_bytes(c, n))
		return -1;
	c->off += n;
	return 0;
}

/* ---- problems and small helpers ---- */

static void note(struct pkt *p, enum pkt_problem_kind kind, enum pkt_layer layer, size_t have, size_t want)
{
	struct pkt_problem *pr;
	if (p->nproblems >= PKT_MAX_PROBLEMS)
		return;
	pr = &p->problem[p->nproblems++];
	pr->kind = (uint8_t)kind;
	pr->layer = (uint8_t)layer;
	pr->have = (uint32_t)have;
	pr->want = (uint32_t)want;
}

void pkt_note(struct pkt *p, enum pkt_problem_kind kind, enum pkt_layer layer, uint32_t have, uint32_t want)
{
	note(p, kind, layer, have, want);
}

/* The snapshot ends inside a TCP option: have of its want bytes are there
 * (want 0 when even its length byte was cut). */
static void note_option_cut(struct pkt *p, uint8_t kind, size_t have, size_t want)
{
	size_t before = p->nproblems;
	note(p, PKT_TRUNCATED, PKT_L_TCP_OPTION, have, want);
	if (p->nproblems > before)
		p->problem[before].option = kind;
}

static uint16_t captured(const struct pkt_cursor *c, size_t want)
{
	size_t left = pkt_left(c);
	return (uint16_t)(left < want ? left : want);
}

/* Bytes that were on the wire from offset off on (captured or not). */
static uint32_t wire_after(const struct pkt *p, size_t off)
{
	return p->wirelen > off ? p->wirelen - (uint32_t)off : 0;
}

/* Everything left in the cursor is the payload of the innermost layer. */
static void set_payload(struct pkt *p, const struct pkt_cursor *c, uint32_t claimed)
{
	p->has_payload = 1;
	p->payload_off = (uint32_t)c->off;
	p->payload_len = claimed;
	p->payload_cap = (uint32_t)pkt_left(c);
	if (p->payload_cap > claimed)
		p->payload_cap = claimed;
}

/* Keeps the cursor from reading trailing bytes (Ethernet padding, a
 * frame check sequence) past the end of what an IP header covers. */
static void limit(struct pkt_cursor *c, size_t end)
{
	if (end < c->len)
		c->len = end;
}

/* ---- transport layer ---- */

/* Walks TCP options (RFC 9293 3.2): kind 0 ends the list, kind 1 pads,
 * every other kind carries a length byte that counts kind and length.
 * The header says the area is len bytes; only cap of them may have been
 * captured (a snapshot length that cuts the options).  The options that
 * were captured whole are kept; the one the snapshot cuts is flagged by
 * its kind, and the walk ends there. */
static void decode_tcp_options(struct pkt *p, const uint8_t *opts, size_t len, size_t cap)
{
	struct pkt_tcp *t = &p->tcp;
	size_t i = 0;

	while (i < len && t->nopts < PKT_MAX_TCP_OPTS) {
		struct pkt_opt *o = &t->opt[t->nopts];
		uint8_t kind;
		if (i >= cap) {
			note(p, PKT_TRUNCATED, PKT_L_TCP_OPTIONS, cap, len);
			break;
		}
		kind = opts[i];
		o->kind = kind;
		o->off = (uint8_t)i;
		o->len = 1;
		if (kind == 0 || kind == 1) {
			t->nopts++;
			i++;
			if (kind == 0)
				break;
			continue;
		}
		if (i + 1 >= cap && i + 1 < len) {
			note_option_cut(p, kind, cap - i, 0);
			break;
		}
		if (i + 1 >= len || opts[i + 1] < 2 || i + opts[i + 1] > len) {
			note(p, PKT_BAD_OPTION, PKT_L_TCP_OPTIONS, kind, i + 1 < len ? opts[i + 1] : 0);
			break;
		}
		if (i + opts[i + 1] > cap) {
			note_option_cut(p, kind, cap - i, opts[i + 1]);
			break;
		}
		o->len = opts[i + 1];
		t->nopts++;
		/* A known kind with a wrong length is kept (the printer shows it
		 * raw) but flagged: MSS 4, window scale 3, SACK permitted 2,
		 * timestamps 10, SACK 2 + 8 per block. */
		if ((kind == 2 && o->len != 4) || (kind == 3 && o->len != 3) || (kind == 4 && o->len != 2) ||
		    (kind == 8 && o->len != 10) || (kind == 5 && (o->len < 10 || (o->len - 2) % 8 != 0)))
			note(p, PKT_BAD_OPTION, PKT_L_TCP_OPTIONS, kind, o->len);
		i += o->len;
	}
}

static void decode_tcp(struct pkt *p, struct pkt_cursor *c, uint32_t seg_len)
{
	struct pkt_tcp *t = &p->tcp;
	uint16_t off_flags;
	size_t hlen;

	p->transport = PKT_TR_TCP;
	t->have = captured(c, 20);
	t->sport = pkt_get_be16(c);
	t->dport = pkt_get_be16(c);
	t->seq = pkt_get_be32(c);
	t->ack = pkt_get_be32(c);
	off_flags = pkt_get_be16(c);
	t->doff = (uint8_t)(off_flags >> 12);
	t->flags = off_flags & 0xfff; /* 3 reserved bits, AE, then the 8 classic flags */
	t->window = pkt_get_be16(c);
	t->checksum = pkt_get_be16(c);
	t->urgent = pkt_get_be16(c);
	if (t->have < 20) {
		note(p, PKT_TRUNCATED, PKT_L_TCP, t->have, 20);
		return;
	}
	hlen = (size_t)t->doff * 4;
	if (hlen < 20) {
		note(p, PKT_BAD_HDRLEN, PKT_L_TCP, hlen, 20);
		return;
	}
	if (hlen > seg_len) {
		note(p, PKT_BAD_LENGTH, PKT_L_TCP, hlen, seg_len);
		return;
	}
	t->opts_len = (uint8_t)(hlen - 20);
	t->opts = c->data + c->off;
	t->opts_cap = (uint8_t)(pkt_left(c) < t->opts_len ? pkt_left(c) : t->opts_len);
	decode_tcp_options(p, t->opts, t->opts_len, t->opts_cap);
	if (t->opts_cap < t->opts_len) {
		/* the cut fell after an end-of-list option, in the padding */
		if (!pkt_truncated(p))
			note(p, PKT_TRUNCATED, PKT_L_TCP_OPTIONS, t->opts_cap, t->opts_len);
		c->off = c->len;
		set_payload(p, c, seg_len - (uint32_t)hlen);
		return;
	}
	c->off += t->opts_len;
	set_payload(p, c, seg_len - (uint32_t)hlen);
}

static void decode_udp(struct pkt *p, struct pkt_cursor *c, uint32_t seg_len)
{
	struct pkt_udp *u = &p->udp;
	uint32_t len;

	p->transport = PKT_TR_UDP;
	u->have = captured(c, 8);
	u->sport = pkt_get_be16(c);
	u->dport = pkt_get_be16(c);
	u->length = pkt_get_be16(c);
	u->checksum = pkt_get_be16(c);
	if (u->have < 8) {
		note(p, PKT_TRUNCATED, PKT_L_UDP, u->have, 8);
		return;
	}
	len = u->length;
	if (len < 8) {
		note(p, PKT_SHORT_LENGTH, PKT_L_UDP, len, 8);
		len = seg_len;
	} else if (len > seg_len && !p->first_fragment) {
		note(p, PKT_BAD_LENGTH, PKT_L_UDP, len, seg_len);
		len = seg_len;
	}
	/* A first fragment holds the start of a datagram whose UDP length
	 * counts every fragment: the payload is that long, the rest of it in
	 * the fragments that follow (limit() never widens the cursor). */
	limit(c, c->off + (len - 8));
	set_payload(p, c, len - 8);
}

/* The IPv4 header an ICMP error quotes, and the ports after it (RFC 792:
 * the header and at least 64 bits of the datagram). */
static void decode_inner_ipv4(struct pkt *p, struct pkt_cursor *c)
{
	struct pkt_icmp *ic = &p->icmp;
	size_t start = c->off, hlen;
	uint8_t vihl;

	if (pkt_left(c) < 20) {
		if (p->wirelen > p->caplen && pkt_left(c) > 0)
			note(p, PKT_TRUNCATED, PKT_L_INNER_IP, pkt_left(c), 20);
		return;
	}
	vihl = c->data[start];
	if (vihl >> 4 != 4)
		return;
	hlen = (size_t)(vihl & 15) * 4;
	ic->inner = 4;
	ic->inner_proto = c->data[start + 9];
	memcpy(ic->inner_src, c->data + start + 12, 4);
	memcpy(ic->inner_dst, c->data + start + 16, 4);
	if (hlen >= 20 && (ic->inner_proto == 6 || ic->inner_proto == 17) && pkt_left(c) >= hlen + 4) {
		ic->inner_has_ports = 1;
		ic->inner_sport = pkt_be16(c->data + start + hlen);
		ic->inner_dport = pkt_be16(c->data + start + hlen + 2);
	}
}

static void decode_inner_ipv6(struct pkt *p, struct pkt_cursor *c)
{
	struct pkt_icmp *ic = &p->icmp;
	size_t start = c->off;

	if (pkt_left(c) < 40) {
		if (p->wirelen > p->caplen && pkt_left(c) > 0)
			note(p, PKT_TRUNCATED, PKT_L_INNER_IP, pkt_left(c), 40);
		return;
	}
	if (c->data[start] >> 4 != 6)
		return;
	ic->inner = 6;
	ic->inner_proto = c->data[start + 6];
	memcpy(ic->inner_src, c->data + start + 8, 16);
	memcpy(ic->inner_dst, c->data + start + 24, 16);
	if ((ic->inner_proto == 6 || ic->inner_proto == 17) && pkt_left(c) >= 44) {
		ic->inner_has_ports = 1;
		ic->inner_sport = pkt_be16(c->data + start + 40);
		ic->inner_dport = pkt_be16(c->data + start + 42);
	}
}

static int icmp_is_error(uint8_t type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

static void decode_icmp(struct pkt *p, struct pkt_cursor *c, uint32_t seg_len, int v6)
{
	struct pkt_icmp *ic = &p->icmp;
	enum pkt_layer layer = v6 ? PKT_L_ICMPV6 : PKT_L_ICMP;

	p->transport = v6 ? PKT_TR_ICMPV6 : PKT_TR_ICMP;
	ic->have = captured(c, 8);
	ic->type = pkt_get_u8(c);
	ic->code = pkt_get_u8(c);
	ic->checksum = pkt_get_be16(c);
	ic->rest = pkt_get_be32(c);
	if (ic->have < 8) {
		note(p, PKT_TRUNCATED, layer, ic->have, 8);
		return;
	}
	set_payload(p, c, seg_len >= 8 ? seg_len - 8 : 0);
	if (!v6 && icmp_is_error(ic->type)) {
		decode_inner_ipv4(p, c);
	} else if (v6 && ic->type >= 1 && ic->type <= 4) {
		decode_inner_ipv6(p, c);
	} else if (v6 && ic->type >= 135 && ic->type <= 137) {
		/* neighbour solicitation, advertisement, redirect: a target address */
		if (pkt_left(c) >= 16) {
			memcpy(ic->target, c->data + c->off, 16);
			ic->has_target = 1;
		} else if (p->wirelen > p->caplen) {
			note(p, PKT_TRUNCATED, layer, 8 + pkt_left(c), 24);
		}
	}
}

static void decode_transport(struct pkt *p, struct pkt_cursor *c, uint8_t proto, uint32_t seg_len)
{
	p->ip_proto = proto;
	switch (proto) {
	case 6:
		decode_tcp(p, c, seg_len);
		break;
	case 17:
		decode_udp(p, c, seg_len);
		break;
	case 1:
		decode_icmp(p, c, seg_len, 0);
		break;
	case 58:
		decode_icmp(p, c, seg_len, 1);
		break;
	default:
		p->transport = PKT_TR_OTHER;
		set_payload(p, c, seg_len);
		break;
	}
}

/* ---- network layer ---- */

static void decode_ipv4_options(struct pkt *p, const uint8_t *opts, size_t len)
{
	struct pkt_ipv4 *ip = &p->ip4;
	size_t i = 0;

	while (i < len && ip->nopts < PKT_MAX_IP_OPTS) {
		struct pkt_opt *o = &ip->opt[ip->nopts];
		uint8_t type = opts[i];
		o->kind = type;
		o->off = (uint8_t)i;
		o->len = 1;
		if (type == 0 || type == 1) {
			ip->nopts++;
			i++;
			if (type == 0)
				break;
			continue;
		}
		if (i + 1 >= len || opts[i + 1] < 2 || i + opts[i + 1] > len) {
			note(p, PKT_BAD_OPTION, PKT_L_IPV4_OPTIONS, type, i + 1 < len ? opts[i + 1] : 0);
			break;
		}
		o->len = opts[i + 1];
		ip->nopts++;
		i += o->len;
	}
}

static void decode_ipv4(struct pkt *p, struct pkt_cursor *c)
{
	struct pkt_ipv4 *ip = &p->ip4;
	size_t start = c->off, hlen, optlen;
	uint32_t wire = wire_after(p, start), len;
	uint8_t vihl;

	p->net = PKT_NET_IPV4;
	ip->have = captured(c, 20);
	vihl = pkt_get_u8(c);
	ip->version = vihl >> 4;
	ip->ihl = vihl & 15;
	ip->tos = pkt_get_u8(c);
	ip->total_len = pkt_get_be16(c);
	ip->id = pkt_get_be16(c);
	ip->frag = pkt_get_be16(c);
	ip->ttl = pkt_get_u8(c);
	ip->proto = pkt_get_u8(c);
	ip->checksum = pkt_get_be16(c);
	pkt_get_bytes(c, ip->src, 4);
	pkt_get_bytes(c, ip->dst, 4);
	if (ip->have < 20) {
		note(p, PKT_TRUNCATED, PKT_L_IPV4, ip->have, 20);
		return;
	}
	if (ip->version != 4) {
		note(p, PKT_BAD_VERSION, PKT_L_IPV4, ip->version, 4);
		return;
	}
	hlen = (size_t)ip->ihl * 4;
	if (hlen < 20) {
		note(p, PKT_BAD_HDRLEN, PKT_L_IPV4, hlen, 20);
		return;
	}
	/* A total length of 0 is what a NIC doing segmentation offload leaves
	 * in the packets a host captures on its way out: take the frame's. */
	len = ip->total_len ? ip->total_len : wire;
	if (!ip->total_len)
		note(p, PKT_ZERO_LENGTH, PKT_L_IPV4, 0, wire);
	if (len < hlen) {
		note(p, PKT_SHORT_LENGTH, PKT_L_IPV4, len, hlen);
		return;
	}
	if (len > wire) {
		note(p, PKT_BAD_LENGTH, PKT_L_IPV4, len, wire);
		len = wire;
		if (len < hlen) {
			c->off = c->len;
			return;
		}
	}
	limit(c, start + len);
	optlen = hlen - 20;
	ip->opts_len = (uint8_t)optlen;
	if (optlen > 0) {
		if (pkt_left(c) < optlen) {
			note(p, PKT_TRUNCATED, PKT_L_IPV4_OPTIONS, pkt_left(c), optlen);
			c->off = c->len;
			return;
		}
		ip->opts = c->data + c->off;
		decode_ipv4_options(p, ip->opts, optlen);
		c->off += optlen;
	}
	p->first_fragment = (ip->frag & 0x2000) && (ip->frag & 0x1fff) == 0;
	if ((ip->frag & 0x1fff) != 0) {
		p->transport = PKT_TR_FRAGMENT;
		p->ip_proto = ip->proto;
		set_payload(p, c, len - (uint32_t)hlen);
		return;
	}
	decode_transport(p, c, ip->proto, len - (uint32_t)hlen);
}

static int ipv6_is_extension(uint8_t next)
{
	/* hop-by-hop, routing, fragment, AH, destination options, mobility,
	 * HIP, shim6: the headers RFC 8200 and its successors chain */
	return next == 0 || next == 43 || next == 44 || next == 51 || next == 60 || next == 135 ||
	       next == 139 || next == 140;
}

/* Follows the chain of extension headers; 0 when a transport header may
 * follow, -1 when decoding must stop here. */
static int decode_ipv6_extensions(struct pkt *p, struct pkt_cursor *c, uint32_t *remaining)
{
	struct pkt_ipv6 *ip = &p->ip6;
	uint8_t next = ip->next;

	while (ipv6_is_extension(next)) {
		struct pkt_ipv6_ext *e;
		size_t size;
		uint8_t nh, hdrlen;

		if (ip->next_ext >= PKT_MAX_IPV6_EXT) {
			note(p, PKT_TOO_DEEP, PKT_L_IPV6_EXT, ip->next_ext, PKT_MAX_IPV6_EXT);
			return -1;
		}
		/* RFC 8200 section 4.1: the hop-by-hop header, which every node
		 * on the path reads, may only come right after the IPv6 header. */
		if (next == 0 && ip->next_ext > 0)
			note(p, PKT_HBH_LATE, PKT_L_IPV6_EXT, ip->ext[ip->next_ext - 1].type, 0);
		if (pkt_left(c) < 2) {
			note(p, PKT_TRUNCATED, PKT_L_IPV6_EXT, pkt_left(c), 2);
			return -1;
		}
		nh = c->data[c->off];
		hdrlen = c->data[c->off + 1];
		/* AH counts 4-byte words less 2 (RFC 4302); the rest 8-byte words less 1 */
		size = next == 44 ? 8 : next == 51 ? ((size_t)hdrlen + 2) * 4 : ((size_t)hdrlen + 1) * 8;
		if (size > *remaining) {
			note(p, PKT_BAD_LENGTH, PKT_L_IPV6_EXT, size, *remaining);
			return -1;
		}
		if (pkt_left(c) < size) {
			note(p, PKT_TRUNCATED, PKT_L_IPV6_EXT, pkt_left(c), size);
			return -1;
		}
		e = &ip->ext[ip->next_ext++];
		e->type = next;
		e->len = (uint16_t)size;
		if (next == 44) {
			uint16_t offlg = pkt_be16(c->data + c->off + 2);
			ip->has_frag = 1;
			ip->frag_off = offlg >> 3;
			ip->frag_more = offlg & 1;
			ip->frag_id = pkt_be32(c->data + c->off + 4);
			p->first_fragment = ip->frag_more && ip->frag_off == 0;
		}
		c->off += size;
		*remaining -= (uint32_t)size;
		next = nh;
		if (ip->has_frag && ip->frag_off != 0) {
			ip->next_final = next;
			p->ip_proto = next;
			p->transport = PKT_TR_FRAGMENT;
			set_payload(p, c, *remaining);
			return -1;
		}
	}
	ip->next_final = next;
	return 0;
}

/* Looks for a Jumbo Payload option (type 0xc2, a 4-byte length; RFC 2675)
 * in the hop-by-hop header at the cursor, reading only its captured bytes;
 * 1 when one was found. */
static int find_jumbo(const struct pkt_cursor *c, uint32_t *jumbo_len)
{
	const uint8_t *h = c->data + c->off;
	size_t left = pkt_left(c), size, i = 2;

	if (left < 2)
		return 0;
	size = ((size_t)h[1] + 1) * 8;
	if (size > left)
		size = left;
	while (i < size) {
		if (h[i] == 0) { /* Pad1, the one option without a length byte */
			i++;
			continue;
		}
		if (i + 1 >= size)
			return 0;
		if (h[i] == 0xc2 && h[i + 1] == 4 && i + 6 <= size) {
			*jumbo_len = pkt_be32(h + i + 2);
			return 1;
		}
		i += 2 + (size_t)h[i + 1];
	}
	return 0;
}

/* The length of what follows the 40-byte header, as far as wire bytes
 * allow.  RFC 2675: a payload length of 0 announces a jumbogram, whose
 * length (more than 65535, or the 16-bit field would do) is in a Jumbo
 * option of the hop-by-hop header; a Jumbo option beside any other payload
 * length is an error.  A payload length of 0 without one is malformed, but
 * it is also what segmentation offload leaves in the packets a host
 * captures on their way out: the frame decides, and it is flagged. */
static uint32_t ipv6_payload_length(struct pkt *p, uint32_t wire)
{
	struct pkt_ipv6 *ip = &p->ip6;
	enum pkt_layer layer = PKT_L_IPV6;
	uint32_t len = ip->payload_len;

	if (ip->payload_len && ip->has_jumbo) {
		note(p, PKT_JUMBO_BESIDE, PKT_L_IPV6_JUMBO, ip->payload_len, 0);
	} else if (!ip->payload_len && ip->has_jumbo) {
		if (ip->jumbo_len < 65536)
			note(p, PKT_JUMBO_SMALL, PKT_L_IPV6_JUMBO, ip->jumbo_len, 65536);
		layer = PKT_L_IPV6_JUMBO;
		len = ip->jumbo_len;
	} else if (!ip->payload_len) {
		note(p, PKT_ZERO_LENGTH, PKT_L_IPV6, 0, wire);
		return wire;
	}
	if (len > wire) {
		note(p, PKT_BAD_LENGTH, layer, len, wire);
		len = wire;
	}
	return len;
}

static void decode_ipv6(struct pkt *p, struct pkt_cursor *c)
{
	struct pkt_ipv6 *ip = &p->ip6;
	size_t start = c->off;
	uint32_t wire = wire_after(p, start), vtf, len;

	p->net = PKT_NET_IPV6;
	ip->have = captured(c, 40);
	vtf = pkt_get_be32(c);
	ip->version = (uint8_t)(vtf >> 28);
	ip->tclass = (uint8_t)(vtf >> 20);
	ip->flow = vtf & 0xfffff;
	ip->payload_len = pkt_get_be16(c);
	ip->next = pkt_get_u8(c);
	ip->hop_limit = pkt_get_u8(c);
	pkt_get_bytes(c, ip->src, 16);
	pkt_get_bytes(c, ip->dst, 16);
	if (ip->have < 40) {
		note(p, PKT_TRUNCATED, PKT_L_IPV6, ip->have, 40);
		return;
	}
	if (ip->version != 6) {
		note(p, PKT_BAD_VERSION, PKT_L_IPV6, ip->version, 6);
		return;
	}
	wire = wire >= 40 ? wire - 40 : 0;
	ip->has_jumbo = (uint8_t)(ip->next == 0 && find_jumbo(c, &ip->jumbo_len));
	len = ipv6_payload_length(p, wire);
	limit(c, start + 40 + len);
	if (decode_ipv6_extensions(p, c, &len) < 0)
		return;
	if (ip->next_final == 59) { /* no next header */
		p->ip_proto = 59;
		set_payload(p, c, len);
		return;
	}
	decode_transport(p, c, ip->next_final, len);
}

/* RFC 826: fixed hardware/protocol types and sizes, then the four
 * addresses whose sizes the header gives. */
static void decode_arp(struct pkt *p, struct pkt_cursor *c)
{
	struct pkt_arp *a = &p->arp;
	size_t body;

	p->net = PKT_NET_ARP;
	a->have = captured(c, 8);
	a->htype = pkt_get_be16(c);
	a->ptype = pkt_get_be16(c);
	a->hlen = pkt_get_u8(c);
	a->plen = pkt_get_u8(c);
	a->op = pkt_get_be16(c);
	if (a->have < 8) {
		note(p, PKT_TRUNCATED, PKT_L_ARP, a->have, 8);
		return;
	}
	body = 2 * ((size_t)a->hlen + a->plen);
	if (pkt_left(c) < body) {
		a->have = (uint16_t)(8 + pkt_left(c));
		note(p, PKT_TRUNCATED, PKT_L_ARP, a->have, 8 + body);
		return;
	}
	a->have = (uint16_t)(8 + body);
	a->sha = c->data + c->off;
	a->spa = a->sha + a->hlen;
	a->tha = a->spa + a->plen;
	a->tpa = a->tha + a->hlen;
	c->off += body;
	set_payload(p, c, (uint32_t)pkt_left(c));
}

static void decode_ethertype(struct pkt *p, struct pkt_cursor *c, uint16_t type)
{
	p->ethertype = type;
	switch (type) {
	case 0x0800:
		decode_ipv4(p, c);
		break;
	case 0x86dd:
		decode_ipv6(p, c);
		break;
	case 0x0806:
		decode_arp(p, c);
		break;
	default:
		p->net = PKT_NET_OTHER;
		set_payload(p, c, wire_after(p, c->off));
		break;
	}
}

/* ---- link layer ---- */

static int is_vlan_tpid(uint16_t type)
{
	return type == 0x8100 || type == 0x88a8 || type == 0x9100;
}

static void decode_ethernet(struct pkt *p, struct pkt_cursor *c)
{
	struct pkt_ethernet *e = &p->eth;

	e->have = captured(c, 14);
	pkt_get_bytes(c, e->dst, 6);
	pkt_get_bytes(c, e->src, 6);
	e->type = pkt_get_be16(c);
	if (e->have < 14) {
		note(p, PKT_TRUNCATED, PKT_L_ETHERNET, e->have, 14);
		return;
	}
	/* 802.1Q / 802.1ad: a 4-byte tag (TPID, then TCI) before the real type */
	while (is_vlan_tpid(e->type) && e->nvlan < PKT_MAX_VLANS) {
		if (pkt_left(c) < 4) {
			note(p, PKT_TRUNCATED, PKT_L_VLAN, pkt_left(c), 4);
			return;
		}
		e->vlan_tpid[e->nvlan] = e->type;
		e->vlan_tci[e->nvlan] = pkt_get_be16(c);
		e->type = pkt_get_be16(c);
		e->nvlan++;
	}
	if (e->type < 1536) { /* an 802.3 length: LLC follows, which we leave undecoded */
		p->net = PKT_NET_OTHER;
		p->ethertype = e->type;
		set_payload(p, c, e->type);
		return;
	}
	decode_ethertype(p, c, e->type);
}

static void decode_sll(struct pkt *p, struct pkt_cursor *c, int v2)
{
	struct pkt_sll *s = &p->sll;
	size_t want = v2 ? 20 : 16;

	s->have = captured(c, want);
	if (v2) {
		s->protocol = pkt_get_be16(c);
		pkt_get_be16(c); /* reserved */
		s->ifindex = pkt_get_be32(c);
		s->hatype = pkt_get_be16(c);
		s->pkttype = pkt_get_u8(c);
		s->addrlen = pkt_get_u8(c);
		pkt_get_bytes(c, s->addr, 8);
	} else {
		s->pkttype = pkt_get_be16(c);
		s->hatype = pkt_get_be16(c);
		s->addrlen = pkt_get_be16(c);
		pkt_get_bytes(c, s->addr, 8);
		s->protocol = pkt_get_be16(c);
	}
	if (s->have < want) {
		note(p, PKT_TRUNCATED, v2 ? PKT_L_SLL2 : PKT_L_SLL, s->have, want);
		return;
	}
	/* ARPHRD_NETLINK frames carry a netlink family, not an EtherType */
	if (s->hatype == 824 || s->protocol < 1536) {
		p->net = PKT_NET_OTHER;
		p->ethertype = s->protocol;
		set_payload(p, c, wire_after(p, c->off));
		return;
	}
	decode_ethertype(p, c, s->protocol);
}

/* The BSD loopback header: an address family, in the capturing host's
 * byte order (NULL) or in network order (LOOP).  IPv6 has a different
 * AF_INET6 on every BSD and on Linux. */
static void decode_null(struct pkt *p, struct pkt_cursor *c, int network_order)
{
	uint32_t af;

	p->null.have = captured(c, 4);
	af = network_order ? pkt_get_be32(c) : pkt_get_le32(c);
	if (p->null.have < 4) {
		note(p, PKT_TRUNCATED, PKT_L_NULL, p->null.have, 4);
		return;
	}
	if (!network_order && (af & 0xffff0000u) && !(af & 0xffff))
		af = (af >> 24) | ((af >> 8) & 0xff00); /* written big-endian */
	p->null.family = af;
	if (af == 2)
		decode_ethertype(p, c, 0x0800);
	else if (af == 10 || af == 24 || af == 28 || af == 30)
		decode_ethertype(p, c, 0x86dd);
	else {
		p->net = PKT_NET_OTHER;
		set_payload(p, c, wire_after(p, c->off));
	}
}

static void decode_raw(struct pkt *p, struct pkt_cursor *c)
{
	uint8_t version;
	if (pkt_left(c) < 1) {
		note(p, PKT_TRUNCATED, PKT_L_IPV4, 0, 20);
		return;
	}
	version = c->data[c->off] >> 4;
	if (version == 6)
		decode_ethertype(p, c, 0x86dd);
	else if (version == 4)
		decode_ethertype(p, c, 0x0800);
	else
		note(p, PKT_BAD_VERSION, PKT_L_IPV4, version, 4);
}

void pkt_decode(struct pkt *p, enum pkt_link link, const uint8_t *data, uint32_t caplen, uint32_t wirelen)
{
	struct pkt_cursor c;

	memset(p, 0, sizeof *p);
	p->link = (uint8_t)link;
	p->data = data;
	p->caplen = caplen;
	/* a file may claim fewer bytes on the wire than it captured: an
	 * impossible record, flagged; its captured bytes are still decoded */
	p->wirelen = wirelen > caplen ? wirelen : caplen;
	if (wirelen < caplen)
		note(p, PKT_WIRE_SHORT, PKT_L_FRAME, wirelen, caplen);
	pkt_cursor_init(&c, data, caplen);
	switch (link) {
	case PKT_LINK_ETHERNET:
		decode_ethernet(p, &c);
		break;
	case PKT_LINK_SLL:
		decode_sll(p, &c, 0);
		break;
	case PKT_LINK_SLL2:
		decode_sll(p, &c, 1);
		break;
	case PKT_LINK_NULL:
		decode_null(p, &c, 0);
		break;
	case PKT_LINK_LOOP:
		decode_null(p, &c, 1);
		break;
	case PKT_LINK_RAW:
		decode_raw(p, &c);
		break;
	case PKT_LINK_IPV4:
		decode_ethertype(p, &c, 0x0800);
		break;
	case PKT_LINK_IPV6:
		decode_ethertype(p, &c, 0x86dd);
		break;
	default:
		set_payload(p, &c, p->wirelen);
		break;
	}
}

int pkt_truncated(const struct pkt *p)
{
	for (unsigned i = 0; i < p->nproblems; i++)
		if (p->problem[i].kind == PKT_TRUNCATED)
			return 1;
	return 0;
}

const char *pkt_layer_name(enum pkt_layer layer)
{
	static const char *const names[] = {
		[PKT_L_FRAME] = "frame",
		[PKT_L_ETHERNET] = "Ethernet",
		[PKT_L_VLAN] = "802.1Q tag",
		[PKT_L_SLL] = "Linux cooked",
		[PKT_L_SLL2] = "Linux cooked v2",
		[PKT_L_NULL] = "loopback",
		[PKT_L_ARP] = "ARP",
		[PKT_L_IPV4] = "IPv4",
		[PKT_L_IPV4_OPTIONS] = "IPv4 options",
		[PKT_L_IPV6] = "IPv6",
		[PKT_L_IPV6_EXT] = "IPv6 extension header",
		[PKT_L_IPV6_JUMBO] = "IPv6 Jumbo",
		[PKT_L_TCP] = "TCP",
		[PKT_L_TCP_OPTIONS] = "TCP options",
		[PKT_L_TCP_OPTION] = "TCP option",
		[PKT_L_UDP] = "UDP",
		[PKT_L_ICMP] = "ICMP",
		[PKT_L_ICMPV6] = "ICMPv6",
		[PKT_L_INNER_IP] = "quoted IP header",
	};
	if ((unsigned)layer < sizeof names / sizeof names[0] && names[layer])
		return names[layer];
	return "packet";
}

const char *pkt_ethertype_name(uint16_t type)
{
	switch (type) {
	case 0x0800:
		return "IPv4";
	case 0x0806:
		return "ARP";
	case 0x86dd:
		return "IPv6";
	case 0x8035:
		return "RARP";
	case 0x8100:
		return "802.1Q";
	case 0x88a8:
		return "802.1ad";
	case 0x8847:
		return "MPLS";
	case 0x8848:
		return "MPLS multicast";
	case 0x8863:
		return "PPPoE discovery";
	case 0x8864:
		return "PPPoE session";
	case 0x888e:
		return "EAPOL";
	case 0x88cc:
		return "LLDP";
	case 0x88f7:
		return "PTP";
	case 0x8809:
		return "slow protocols";
	case 0x9000:
		return "loopback";
	default:
		return NULL;
	}
}

const char *pkt_ip_proto_name(uint8_t proto)
{
	switch (proto) {
	case 0:
		return "hop-by-hop";
	case 1:
		return "ICMP";
	case 2:
		return "IGMP";
	case 4:
		return "IP-in-IP";
	case 6:
		return "TCP";
	case 17:
		return "UDP";
	case 41:
		return "IPv6-in-IP";
	case 43:
		return "routing";
	case 44:
		return "fragment";
	case 47:
		return "GRE";
	case 50:
		return "ESP";
	case 51:
		return "AH";
	case 58:
		return "ICMPv6";
	case 59:
		return "no next header";
	case 60:
		return "destination options";
	case 89:
		return "OSPF";
	case 103:
		return "PIM";
	case 112:
		return "VRRP";
	case 132:
		return "SCTP";
	case 136:
		return "UDP-Lite";
	default:
		return NULL;
	}
}
