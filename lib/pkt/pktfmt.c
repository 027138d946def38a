/*
 * pktfmt.c - decoded packets as text.
 *
 * Every field is guarded by the `have` count its decoder left, so nothing
 * here reads a byte the capture did not hold.  Numbers are converted by
 * hand and appended to one buffer: printing a million packets a second
 * leaves no room for a printf per field.
 */
#include "pkt/pktfmt.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* ---- small appenders ---- */

static void put(struct buf *out, const char *s)
{
	buf_append(out, s, strlen(s));
}

static void put_char(struct buf *out, char ch)
{
	buf_append_byte(out, ch);
}

void pktfmt_uint(struct buf *out, uint64_t v)
{
	char digits[24];
	size_t i = sizeof digits;
	do {
		digits[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	buf_append(out, digits + i, sizeof digits - i);
}

/* "0x" and width hex digits, lowercase. */
static void put_hex(struct buf *out, uint32_t v, int width)
{
	static const char hexdigits[] = "0123456789abcdef";
	char text[10];
	text[0] = '0';
	text[1] = 'x';
	for (int i = 0; i < width; i++)
		text[2 + i] = hexdigits[(v >> (4 * (width - 1 - i))) & 15];
	buf_append(out, text, (size_t)width + 2);
}

/* " name value" pairs of the layered view, separated by commas. */
static void put_name(struct buf *out, int *first, const char *name)
{
	put(out, *first ? " " : ", ");
	*first = 0;
	put(out, name);
	put_char(out, ' ');
}

void pktfmt_ipv4(struct buf *out, const uint8_t a[4])
{
	for (int i = 0; i < 4; i++) {
		if (i)
			put_char(out, '.');
		pktfmt_uint(out, a[i]);
	}
}

void pktfmt_ipv6(struct buf *out, const uint8_t a[16])
{
	char text[INET6_ADDRSTRLEN];
	if (inet_ntop(AF_INET6, a, text, sizeof text))
		put(out, text);
}

void pktfmt_mac(struct buf *out, const uint8_t *a, size_t len)
{
	static const char hexdigits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		char two[3] = { ':', hexdigits[a[i] >> 4], hexdigits[a[i] & 15] };
		buf_append(out, i ? two : two + 1, i ? 3 : 2);
	}
}

static void put_addr(struct buf *out, const uint8_t *a, int v6)
{
	if (v6)
		pktfmt_ipv6(out, a);
	else
		pktfmt_ipv4(out, a);
}

void pktfmt_time(struct buf *out, struct pktfmt_clock *clock, int64_t sec, uint32_t usec)
{
	char frac[8];
	if (!clock->valid || clock->sec != sec) {
		time_t t = (time_t)sec;
		struct tm tm;
		if (localtime_r(&t, &tm))
			snprintf(clock->hms, sizeof clock->hms, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min,
			         tm.tm_sec);
		else
			snprintf(clock->hms, sizeof clock->hms, "??:??:??");
		clock->sec = sec;
		clock->valid = 1;
	}
	put(out, clock->hms);
	frac[0] = '.';
	for (int i = 6; i >= 1; i--) {
		frac[i] = (char)('0' + usec % 10);
		usec /= 10;
	}
	buf_append(out, frac, 7);
}

void pktfmt_tcp_flags(struct buf *out, uint16_t flags)
{
	/* tcpdump's letters, in the order of the bits */
	static const struct {
		uint16_t bit;
		char letter;
	} table[] = {
		{ PKT_TCP_FIN, 'F' }, { PKT_TCP_SYN, 'S' }, { PKT_TCP_RST, 'R' },
		{ PKT_TCP_PSH, 'P' }, { PKT_TCP_ACK, '.' }, { PKT_TCP_URG, 'U' },
		{ PKT_TCP_ECE, 'E' }, { PKT_TCP_CWR, 'W' }, { PKT_TCP_AE, 'e' },
	};
	put_char(out, '[');
	if (!flags)
		put(out, "none");
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (flags & table[i].bit)
			put_char(out, table[i].letter);
	put_char(out, ']');
}

static const char *tcp_option_name(uint8_t kind);

static const char *const tcp_flag_names[] = { "FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "AE" };

/* ---- problems ---- */

static const char *ipv6_ext_name(uint8_t type)
{
	const char *name = pkt_ip_proto_name(type);
	return name ? name : "extension";
}

/* " TS, 3 of 10 bytes captured": the TCP option a snapshot cut, by name */
static void put_option_cut(struct buf *out, const struct pkt_problem *pr)
{
	const char *name = tcp_option_name(pr->option);

	put_char(out, ' ');
	if (name) {
		put(out, name);
	} else {
		put(out, "kind ");
		pktfmt_uint(out, pr->option);
	}
	if (!pr->want) {
		put(out, ", its length byte not captured");
		return;
	}
	put(out, ", ");
	pktfmt_uint(out, pr->have);
	put(out, " of ");
	pktfmt_uint(out, pr->want);
	put(out, " bytes captured");
}

void pktfmt_problem(struct buf *out, const struct pkt_problem *pr)
{
	const char *layer = pkt_layer_name((enum pkt_layer)pr->layer);

	switch (pr->kind) {
	case PKT_TRUNCATED:
		put(out, "truncated: ");
		put(out, layer);
		if (pr->layer == PKT_L_TCP_OPTION) {
			put_option_cut(out, pr);
			break;
		}
		put(out, pr->layer == PKT_L_IPV4_OPTIONS || pr->layer == PKT_L_TCP_OPTIONS ||
		                 pr->layer == PKT_L_IPV6_EXT
		             ? ", "
		             : " header, ");
		pktfmt_uint(out, pr->have);
		put(out, " of ");
		pktfmt_uint(out, pr->want);
		put(out, " bytes captured");
		break;
	case PKT_BAD_HDRLEN:
		put(out, "malformed: ");
		put(out, layer);
		put(out, pr->layer == PKT_L_TCP ? " data offset " : " header length ");
		pktfmt_uint(out, pr->have);
		put(out, " bytes, less than ");
		pktfmt_uint(out, pr->want);
		break;
	case PKT_BAD_LENGTH:
		put(out, "malformed: ");
		put(out, layer);
		put(out, pr->layer == PKT_L_TCP        ? " data offset "
		         : pr->layer == PKT_L_IPV6_EXT ? " of "
		                                       : " length ");
		pktfmt_uint(out, pr->have);
		put(out, pr->layer == PKT_L_TCP || pr->layer == PKT_L_IPV6_EXT ? " bytes, only " : ", only ");
		pktfmt_uint(out, pr->want);
		put(out, " bytes follow");
		break;
	case PKT_SHORT_LENGTH:
		put(out, "malformed: ");
		put(out, layer);
		put(out, " length ");
		pktfmt_uint(out, pr->have);
		put(out, ", less than its ");
		pktfmt_uint(out, pr->want);
		put(out, "-byte header");
		break;
	case PKT_BAD_VERSION:
		put(out, "malformed: IP version ");
		pktfmt_uint(out, pr->have);
		put(out, " where ");
		pktfmt_uint(out, pr->want);
		put(out, " was expected");
		break;
	case PKT_BAD_OPTION:
		put(out, "malformed: ");
		put(out, layer);
		put(out, ": kind ");
		pktfmt_uint(out, pr->have);
		put(out, " with length ");
		pktfmt_uint(out, pr->want);
		break;
	case PKT_BAD_USEC:
		put(out, "malformed: time, microseconds ");
		pktfmt_uint(out, pr->have);
		put(out, ", more than ");
		pktfmt_uint(out, pr->want);
		break;
	case PKT_WIRE_SHORT:
		put(out, "malformed: frame of ");
		pktfmt_uint(out, pr->have);
		put(out, " bytes on the wire, ");
		pktfmt_uint(out, pr->want);
		put(out, " captured");
		break;
	case PKT_ZERO_LENGTH:
		put(out, "bad-len 0: ");
		put(out, layer);
		put(out, pr->layer == PKT_L_IPV6 ? " payload length 0 and no Jumbo option, the frame's "
		                                 : " length 0, the frame's ");
		pktfmt_uint(out, pr->want);
		put(out, " bytes decoded");
		break;
	case PKT_JUMBO_SMALL:
		put(out, "malformed: ");
		put(out, layer);
		put(out, " length ");
		pktfmt_uint(out, pr->have);
		put(out, ", less than ");
		pktfmt_uint(out, pr->want);
		break;
	case PKT_JUMBO_BESIDE:
		put(out, "malformed: ");
		put(out, layer);
		put(out, " option with payload length ");
		pktfmt_uint(out, pr->have);
		put(out, ", not 0");
		break;
	case PKT_HBH_LATE:
		if (pr->have == 0) {
			put(out, "malformed: a second IPv6 hop-by-hop header");
		} else {
			put(out, "malformed: IPv6 hop-by-hop header after the ");
			put(out, ipv6_ext_name((uint8_t)pr->have));
			put(out, " header");
		}
		put(out, ", allowed only right after the IPv6 header");
		break;
	case PKT_TOO_DEEP:
		put(out, "malformed: more than ");
		pktfmt_uint(out, pr->want);
		put(out, " IPv6 extension headers");
		break;
	default:
		put(out, "malformed");
		break;
	}
}

static void put_problems(struct buf *out, const struct pkt *p, const char *before, const char *after)
{
	for (unsigned i = 0; i < p->nproblems; i++) {
		put(out, before);
		pktfmt_problem(out, &p->problem[i]);
		put(out, after);
	}
}

/* ---- names ---- */

static const char *icmp_name(uint8_t type, uint8_t code)
{
	static const char *const unreach[] = {
		"net unreachable",
		"host unreachable",
		"protocol unreachable",
		"port unreachable",
		"unreachable, need to fragment",
		"source route failed",
		"net unknown",
		"host unknown",
		"source host isolated",
		"net prohibited",
		"host prohibited",
		"net unreachable for tos",
		"host unreachable for tos",
		"administratively prohibited",
	};
	switch (type) {
	case 0:
		return "echo reply";
	case 3:
		return code < sizeof unreach / sizeof unreach[0] ? unreach[code] : "unreachable";
	case 4:
		return "source quench";
	case 5:
		return "redirect";
	case 8:
		return "echo request";
	case 9:
		return "router advertisement";
	case 10:
		return "router solicitation";
	case 11:
		return code == 1 ? "fragment reassembly time exceeded" : "time exceeded in transit";
	case 12:
		return "parameter problem";
	case 13:
		return "timestamp request";
	case 14:
		return "timestamp reply";
	default:
		return NULL;
	}
}

static const char *icmp6_name(uint8_t type, uint8_t code)
{
	static const char *const unreach[] = {
		"no route to destination",
		"administratively prohibited",
		"beyond scope of source address",
		"address unreachable",
		"port unreachable",
	};
	switch (type) {
	case 1:
		return code < sizeof unreach / sizeof unreach[0] ? unreach[code] : "unreachable";
	case 2:
		return "packet too big";
	case 3:
		return "time exceeded";
	case 4:
		return "parameter problem";
	case 128:
		return "echo request";
	case 129:
		return "echo reply";
	case 130:
		return "multicast listener query";
	case 131:
		return "multicast listener report";
	case 132:
		return "multicast listener done";
	case 133:
		return "router solicitation";
	case 134:
		return "router advertisement";
	case 135:
		return "neighbor solicitation";
	case 136:
		return "neighbor advertisement";
	case 137:
		return "redirect";
	case 143:
		return "multicast listener report v2";
	default:
		return NULL;
	}
}

static int icmp_is_echo(const struct pkt *p)
{
	uint8_t t = p->icmp.type;
	if (p->transport == PKT_TR_ICMP)
		return t == 0 || t == 8 || t == 13 || t == 14;
	return t == 128 || t == 129;
}

static const char *tcp_option_name(uint8_t kind)
{
	switch (kind) {
	case 0:
		return "eol";
	case 1:
		return "nop";
	case 2:
		return "mss";
	case 3:
		return "wscale";
	case 4:
		return "sackOK";
	case 5:
		return "sack";
	case 8:
		return "TS";
	case 19:
		return "md5";
	case 28:
		return "uto";
	case 29:
		return "tcp-ao";
	case 30:
		return "mptcp";
	case 34:
		return "tfo";
	default:
		return NULL;
	}
}

static const char *ipv4_option_name(uint8_t type)
{
	switch (type) {
	case 0:
		return "eol";
	case 1:
		return "nop";
	case 7:
		return "rr";
	case 68:
		return "ts";
	case 130:
		return "security";
	case 131:
		return "lsrr";
	case 136:
		return "sid";
	case 137:
		return "ssrr";
	case 148:
		return "ra";
	default:
		return NULL;
	}
}

/* ---- the summary line ---- */

static void line_tcp(struct buf *out, const struct pkt *p, const struct pktfmt_seq *rel)
{
	const struct pkt_tcp *t = &p->tcp;
	int relative = rel && rel->relative;

	put(out, "TCP");
	if (t->have < 20)
		return;
	put_char(out, ' ');
	pktfmt_tcp_flags(out, t->flags);
	put(out, " seq ");
	pktfmt_uint(out, relative ? (uint32_t)(t->seq - rel->seq_base) : t->seq);
	if (t->flags & PKT_TCP_ACK) {
		put(out, " ack ");
		pktfmt_uint(out, relative && rel->ack_known ? (uint32_t)(t->ack - rel->ack_base) : t->ack);
	}
	put(out, " win ");
	pktfmt_uint(out, t->window);
	if (t->flags & PKT_TCP_URG) {
		put(out, " urg ");
		pktfmt_uint(out, t->urgent);
	}
	if (p->has_payload) {
		put(out, " len ");
		pktfmt_uint(out, p->payload_len);
	}
}

/* "UDP 10.0.0.1.5000 > 10.0.0.2.9": the packet an ICMP error is about */
static void put_icmp_inner(struct buf *out, const struct pkt_icmp *ic)
{
	const char *proto = pkt_ip_proto_name(ic->inner_proto);
	if (proto)
		put(out, proto);
	else
		pktfmt_uint(out, ic->inner_proto);
	put_char(out, ' ');
	put_addr(out, ic->inner_src, ic->inner == 6);
	if (ic->inner_has_ports) {
		put_char(out, '.');
		pktfmt_uint(out, ic->inner_sport);
	}
	put(out, " > ");
	put_addr(out, ic->inner_dst, ic->inner == 6);
	if (ic->inner_has_ports) {
		put_char(out, '.');
		pktfmt_uint(out, ic->inner_dport);
	}
}

static void line_icmp_inner(struct buf *out, const struct pkt_icmp *ic)
{
	if (!ic->inner)
		return;
	put(out, " (for ");
	put_icmp_inner(out, ic);
	put_char(out, ')');
}

static void line_icmp(struct buf *out, const struct pkt *p)
{
	const struct pkt_icmp *ic = &p->icmp;
	int v6 = p->transport == PKT_TR_ICMPV6;
	const char *name;

	put(out, v6 ? "ICMP6" : "ICMP");
	if (ic->have < 8)
		return;
	name = v6 ? icmp6_name(ic->type, ic->code) : icmp_name(ic->type, ic->code);
	put_char(out, ' ');
	if (name) {
		put(out, name);
	} else {
		put(out, "type ");
		pktfmt_uint(out, ic->type);
		put(out, " code ");
		pktfmt_uint(out, ic->code);
	}
	if (icmp_is_echo(p)) {
		put(out, " id ");
		pktfmt_uint(out, ic->rest >> 16);
		put(out, " seq ");
		pktfmt_uint(out, ic->rest & 0xffff);
	} else if ((v6 && ic->type == 2) || (!v6 && ic->type == 3 && ic->code == 4)) {
		put(out, " mtu ");
		pktfmt_uint(out, v6 ? ic->rest : (ic->rest & 0xffff));
	}
	if (ic->has_target) {
		put(out, ic->type == 135 ? " who has " : " target ");
		pktfmt_ipv6(out, ic->target);
	}
	line_icmp_inner(out, ic);
	put(out, " len ");
	pktfmt_uint(out, p->payload_len + 8);
}

static void line_ip_transport(struct buf *out, const struct pkt *p, const struct pktfmt_seq *rel)
{
	const char *name = pkt_ip_proto_name(p->ip_proto);

	switch (p->transport) {
	case PKT_TR_TCP:
		line_tcp(out, p, rel);
		break;
	case PKT_TR_UDP:
		put(out, "UDP");
		if (p->has_payload) {
			put(out, " len ");
			pktfmt_uint(out, p->payload_len);
		}
		break;
	case PKT_TR_ICMP:
	case PKT_TR_ICMPV6:
		line_icmp(out, p);
		break;
	case PKT_TR_FRAGMENT:
		put(out, "fragment");
		if (name) {
			put(out, " of ");
			put(out, name);
		}
		put(out, " id ");
		pktfmt_uint(out, p->net == PKT_NET_IPV4 ? p->ip4.id : p->ip6.frag_id);
		put(out, " offset ");
		pktfmt_uint(out, p->net == PKT_NET_IPV4 ? (uint32_t)(p->ip4.frag & 0x1fff) * 8
		                                        : (uint32_t)p->ip6.frag_off * 8);
		put(out, " len ");
		pktfmt_uint(out, p->payload_len);
		break;
	case PKT_TR_OTHER:
	case PKT_TR_NONE:
		if (!p->has_payload)
			break;
		if (name)
			put(out, name);
		else
			put(out, "protocol");
		put(out, " (");
		pktfmt_uint(out, p->ip_proto);
		put(out, ") len ");
		pktfmt_uint(out, p->payload_len);
		break;
	default:
		break;
	}
}

static int has_ports(const struct pkt *p)
{
	return (p->transport == PKT_TR_TCP && p->tcp.have >= 4) ||
	       (p->transport == PKT_TR_UDP && p->udp.have >= 4);
}

static void line_ip(struct buf *out, const struct pkt *p, const struct pktfmt_seq *rel)
{
	int v6 = p->net == PKT_NET_IPV6;
	const uint8_t *src = v6 ? p->ip6.src : p->ip4.src;
	const uint8_t *dst = v6 ? p->ip6.dst : p->ip4.dst;
	uint16_t sport = p->transport == PKT_TR_TCP ? p->tcp.sport : p->udp.sport;
	uint16_t dport = p->transport == PKT_TR_TCP ? p->tcp.dport : p->udp.dport;
	size_t mark;

	put(out, v6 ? "IP6" : "IP");
	if ((v6 && p->ip6.have < 40) || (!v6 && p->ip4.have < 20))
		return;
	put_char(out, ' ');
	put_addr(out, src, v6);
	if (has_ports(p)) {
		put_char(out, '.');
		pktfmt_uint(out, sport);
	}
	put(out, " > ");
	put_addr(out, dst, v6);
	if (has_ports(p)) {
		put_char(out, '.');
		pktfmt_uint(out, dport);
	}
	put(out, ": ");
	mark = out->len;
	line_ip_transport(out, p, rel);
	if (out->len == mark)
		out->len--; /* nothing decoded past IP: no dangling space */
	if (p->first_fragment) {
		put(out, " (first fragment, id ");
		pktfmt_uint(out, v6 ? p->ip6.frag_id : p->ip4.id);
		put_char(out, ')');
	}
}

/* Protocol addresses are dotted quads when the protocol is IPv4 and the
 * header says they are 4 bytes long, whatever the hardware length (6 for
 * Ethernet, 20 for InfiniBand ...); otherwise they are shown as bytes. */
static int arp_is_ipv4(const struct pkt_arp *a)
{
	return a->sha && a->plen == 4 && a->ptype == 0x0800;
}

static void line_arp(struct buf *out, const struct pkt *p)
{
	const struct pkt_arp *a = &p->arp;

	put(out, "ARP");
	if (a->have < 8)
		return;
	if (!arp_is_ipv4(a)) {
		put(out, " htype ");
		pktfmt_uint(out, a->htype);
		put(out, " ptype ");
		put_hex(out, a->ptype, 4);
		put(out, " op ");
		pktfmt_uint(out, a->op);
		return;
	}
	if (a->op == 1) {
		put(out, " who-has ");
		pktfmt_ipv4(out, a->tpa);
		put(out, " tell ");
		pktfmt_ipv4(out, a->spa);
	} else if (a->op == 2) {
		put_char(out, ' ');
		pktfmt_ipv4(out, a->spa);
		put(out, " is-at ");
		pktfmt_mac(out, a->sha, a->hlen);
	} else {
		put(out, " op ");
		pktfmt_uint(out, a->op);
		put(out, " sender ");
		pktfmt_ipv4(out, a->spa);
		put(out, " target ");
		pktfmt_ipv4(out, a->tpa);
	}
	put(out, " len ");
	pktfmt_uint(out, 8u + 2u * (a->hlen + a->plen));
}

static void line_other(struct buf *out, const struct pkt *p)
{
	const char *name = pkt_ethertype_name(p->ethertype);

	if (p->ethertype < 1536) {
		put(out, p->link == PKT_LINK_ETHERNET ? "802.3 LLC" : "protocol ");
		if (p->link != PKT_LINK_ETHERNET)
			put_hex(out, p->ethertype, 4);
	} else {
		put(out, "ethertype ");
		put_hex(out, p->ethertype, 4);
		if (name) {
			put(out, " (");
			put(out, name);
			put_char(out, ')');
		}
	}
	if (p->link == PKT_LINK_ETHERNET) {
		put_char(out, ' ');
		pktfmt_mac(out, p->eth.src, 6);
		put(out, " > ");
		pktfmt_mac(out, p->eth.dst, 6);
	}
	put(out, " len ");
	pktfmt_uint(out, p->wirelen);
}

void pktfmt_line(struct buf *out, const struct pkt *p, const struct pktfmt_seq *rel)
{
	for (unsigned i = 0; i < p->eth.nvlan; i++) {
		put(out, "vlan ");
		pktfmt_uint(out, p->eth.vlan_tci[i] & 0xfff);
		put_char(out, ' ');
	}
	switch (p->net) {
	case PKT_NET_IPV4:
	case PKT_NET_IPV6:
		line_ip(out, p, rel);
		break;
	case PKT_NET_ARP:
		line_arp(out, p);
		break;
	case PKT_NET_OTHER:
		line_other(out, p);
		break;
	default:
		put(out, p->link == PKT_LINK_UNKNOWN ? "frame" : pkt_layer_name(PKT_L_FRAME));
		put(out, " len ");
		pktfmt_uint(out, p->wirelen);
		break;
	}
	put_problems(out, p, " [", "]");
	put_char(out, '\n');
}

/* ---- the layered view ---- */

/* One line of the view: "  NAME:" then fields, which stop with
 * "(truncated)" at the first one the capture does not hold. */
struct row {
	struct buf *out;
	unsigned have;
	int first;
	int cut;
};

static void row_start(struct row *r, struct buf *out, const char *name, unsigned have)
{
	r->out = out;
	r->have = have;
	r->first = 1;
	r->cut = 0;
	put(out, "  ");
	put(out, name);
	put_char(out, ':');
}

/* 1 when bytes [0, end) of the header were captured; the field is named. */
static int row_field(struct row *r, unsigned end, const char *name)
{
	if (r->cut)
		return 0;
	if (end > r->have) {
		put(r->out, r->first ? " (truncated)" : ", (truncated)");
		r->cut = 1;
		return 0;
	}
	put_name(r->out, &r->first, name);
	return 1;
}

static void row_end(struct row *r)
{
	put_char(r->out, '\n');
}

static void layer_ethernet(struct buf *out, const struct pkt_ethernet *e)
{
	struct row r;
	const char *name;

	row_start(&r, out, "Ethernet", e->have);
	if (row_field(&r, 6, "dst"))
		pktfmt_mac(out, e->dst, 6);
	if (row_field(&r, 12, "src"))
		pktfmt_mac(out, e->src, 6);
	if (row_field(&r, 14, "type")) {
		uint16_t type = e->nvlan ? e->vlan_tpid[0] : e->type;
		put_hex(out, type, 4);
		name = pkt_ethertype_name(type);
		if (type < 1536) {
			put(out, " (802.3 length)");
		} else if (name) {
			put(out, " (");
			put(out, name);
			put_char(out, ')');
		}
	}
	row_end(&r);
	for (unsigned i = 0; i < e->nvlan; i++) {
		uint16_t next = i + 1 < e->nvlan ? e->vlan_tpid[i + 1] : e->type;
		row_start(&r, out, "802.1Q tag", 4);
		row_field(&r, 2, "priority");
		pktfmt_uint(out, e->vlan_tci[i] >> 13);
		row_field(&r, 2, "dei");
		pktfmt_uint(out, (e->vlan_tci[i] >> 12) & 1);
		row_field(&r, 2, "vlan");
		pktfmt_uint(out, e->vlan_tci[i] & 0xfff);
		row_field(&r, 4, "type");
		put_hex(out, next, 4);
		name = pkt_ethertype_name(next);
		if (name) {
			put(out, " (");
			put(out, name);
			put_char(out, ')');
		}
		row_end(&r);
	}
}

static const char *sll_pkttype_name(uint16_t t)
{
	static const char *const names[] = { "to us", "broadcast", "multicast", "to another host",
		                             "sent by us" };
	return t < 5 ? names[t] : "unknown";
}

static void layer_sll(struct buf *out, const struct pkt *p)
{
	const struct pkt_sll *s = &p->sll;
	int v2 = p->link == PKT_LINK_SLL2;
	struct row r;
	unsigned alen = s->addrlen < 8 ? s->addrlen : 8;

	row_start(&r, out, v2 ? "Linux cooked v2" : "Linux cooked", s->have);
	/* v1: pkttype 0, hatype 2, addrlen 4, addr 6, protocol 14;
	 * v2: protocol 0, reserved 2, ifindex 4, hatype 8, pkttype 10, addrlen 11, addr 12 */
	if (v2 && row_field(&r, 2, "protocol"))
		put_hex(out, s->protocol, 4);
	if (v2 && row_field(&r, 8, "interface"))
		pktfmt_uint(out, s->ifindex);
	if (v2 && row_field(&r, 10, "hardware type"))
		pktfmt_uint(out, s->hatype);
	if (row_field(&r, v2 ? 11 : 2, "packet type")) {
		pktfmt_uint(out, s->pkttype);
		put(out, " (");
		put(out, sll_pkttype_name(s->pkttype));
		put_char(out, ')');
	}
	if (!v2 && row_field(&r, 4, "hardware type"))
		pktfmt_uint(out, s->hatype);
	if (row_field(&r, v2 ? 12 : 6, "address length"))
		pktfmt_uint(out, s->addrlen);
	if (row_field(&r, v2 ? 20 : 14, "address")) {
		if (alen)
			pktfmt_mac(out, s->addr, alen);
		else
			put(out, "(none)");
	}
	if (!v2 && row_field(&r, 16, "protocol"))
		put_hex(out, s->protocol, 4);
	row_end(&r);
}

static void layer_null(struct buf *out, const struct pkt *p)
{
	struct row r;
	row_start(&r, out, "loopback", p->null.have);
	if (row_field(&r, 4, "family")) {
		pktfmt_uint(out, p->null.family);
		put(out, p->null.family == 2 ? " (IPv4)" : p->net == PKT_NET_IPV6 ? " (IPv6)" : "");
	}
	row_end(&r);
}

static void layer_arp(struct buf *out, const struct pkt_arp *a)
{
	struct row r;
	int ip4 = arp_is_ipv4(a);

	row_start(&r, out, "ARP", a->have);
	if (row_field(&r, 2, "hardware type"))
		pktfmt_uint(out, a->htype);
	if (row_field(&r, 4, "protocol type"))
		put_hex(out, a->ptype, 4);
	if (row_field(&r, 5, "hardware size"))
		pktfmt_uint(out, a->hlen);
	if (row_field(&r, 6, "protocol size"))
		pktfmt_uint(out, a->plen);
	if (row_field(&r, 8, "opcode")) {
		pktfmt_uint(out, a->op);
		put(out, a->op == 1 ? " (request)" : a->op == 2 ? " (reply)" : "");
	}
	if (a->sha && row_field(&r, a->have, "sender hardware address")) {
		pktfmt_mac(out, a->sha, a->hlen);
		put_name(out, &r.first, "sender protocol address");
		if (ip4)
			pktfmt_ipv4(out, a->spa);
		else
			pktfmt_mac(out, a->spa, a->plen);
		put_name(out, &r.first, "target hardware address");
		pktfmt_mac(out, a->tha, a->hlen);
		put_name(out, &r.first, "target protocol address");
		if (ip4)
			pktfmt_ipv4(out, a->tpa);
		else
			pktfmt_mac(out, a->tpa, a->plen);
	} else if (!a->sha && a->have >= 8) {
		put(out, ", addresses (truncated)");
	}
	row_end(&r);
}

static void put_ip_flags(struct buf *out, uint16_t frag)
{
	put_char(out, '[');
	if (frag & 0x8000)
		put(out, "reserved");
	if (frag & 0x4000)
		put(out, (frag & 0x8000) ? " DF" : "DF");
	if (frag & 0x2000)
		put(out, (frag & 0xc000) ? " MF" : "MF");
	if (!(frag & 0xe000))
		put(out, "none");
	put_char(out, ']');
}

static void put_proto(struct buf *out, uint8_t proto)
{
	const char *name = pkt_ip_proto_name(proto);
	pktfmt_uint(out, proto);
	if (name) {
		put(out, " (");
		put(out, name);
		put_char(out, ')');
	}
}

static void layer_ipv4(struct buf *out, const struct pkt_ipv4 *ip)
{
	struct row r;

	row_start(&r, out, "IPv4", ip->have);
	if (row_field(&r, 1, "version"))
		pktfmt_uint(out, ip->version);
	if (row_field(&r, 1, "header length")) {
		pktfmt_uint(out, (unsigned)ip->ihl * 4);
		put(out, " (ihl ");
		pktfmt_uint(out, ip->ihl);
		put_char(out, ')');
	}
	if (row_field(&r, 2, "tos")) {
		put_hex(out, ip->tos, 2);
		put(out, " (dscp ");
		pktfmt_uint(out, ip->tos >> 2);
		put(out, ", ecn ");
		pktfmt_uint(out, ip->tos & 3);
		put_char(out, ')');
	}
	if (row_field(&r, 4, "total length"))
		pktfmt_uint(out, ip->total_len);
	if (row_field(&r, 6, "id"))
		put_hex(out, ip->id, 4);
	if (row_field(&r, 8, "flags"))
		put_ip_flags(out, ip->frag);
	if (row_field(&r, 8, "fragment offset"))
		pktfmt_uint(out, (uint32_t)(ip->frag & 0x1fff) * 8);
	if (row_field(&r, 9, "ttl"))
		pktfmt_uint(out, ip->ttl);
	if (row_field(&r, 10, "protocol"))
		put_proto(out, ip->proto);
	if (row_field(&r, 12, "checksum"))
		put_hex(out, ip->checksum, 4);
	if (row_field(&r, 16, "src"))
		pktfmt_ipv4(out, ip->src);
	if (row_field(&r, 20, "dst"))
		pktfmt_ipv4(out, ip->dst);
	row_end(&r);
	if (!ip->opts || !ip->nopts)
		return;
	put(out, "  IPv4 options:");
	for (unsigned i = 0; i < ip->nopts; i++) {
		const char *name = ipv4_option_name(ip->opt[i].kind);
		put(out, i ? ", " : " ");
		if (name) {
			put(out, name);
		} else {
			put(out, "option ");
			pktfmt_uint(out, ip->opt[i].kind);
		}
		if (ip->opt[i].len > 1) {
			put(out, " len ");
			pktfmt_uint(out, ip->opt[i].len);
		}
	}
	put_char(out, '\n');
}

static void layer_ipv6(struct buf *out, const struct pkt_ipv6 *ip)
{
	struct row r;

	row_start(&r, out, "IPv6", ip->have);
	if (row_field(&r, 1, "version"))
		pktfmt_uint(out, ip->version);
	if (row_field(&r, 2, "traffic class"))
		put_hex(out, ip->tclass, 2);
	if (row_field(&r, 4, "flow label"))
		put_hex(out, ip->flow, 5);
	if (row_field(&r, 6, "payload length"))
		pktfmt_uint(out, ip->payload_len);
	if (row_field(&r, 7, "next header"))
		put_proto(out, ip->next);
	if (row_field(&r, 8, "hop limit"))
		pktfmt_uint(out, ip->hop_limit);
	if (row_field(&r, 24, "src"))
		pktfmt_ipv6(out, ip->src);
	if (row_field(&r, 40, "dst"))
		pktfmt_ipv6(out, ip->dst);
	row_end(&r);
	for (unsigned i = 0; i < ip->next_ext; i++) {
		put(out, "  IPv6 extension: ");
		put(out, ipv6_ext_name(ip->ext[i].type));
		put(out, ", length ");
		pktfmt_uint(out, ip->ext[i].len);
		if (ip->ext[i].type == 44) {
			put(out, ", offset ");
			pktfmt_uint(out, (uint32_t)ip->frag_off * 8);
			put(out, ", more fragments ");
			pktfmt_uint(out, ip->frag_more);
			put(out, ", id ");
			put_hex(out, ip->frag_id, 8);
		}
		put_char(out, '\n');
	}
}

/* One TCP option in words; the decoder checked that its bytes are there. */
static void put_tcp_option(struct buf *out, const struct pkt_tcp *t, const struct pkt_opt *o)
{
	const uint8_t *v = t->opts + o->off + 2;
	const char *name = tcp_option_name(o->kind);

	if (!name) {
		put(out, "option ");
		pktfmt_uint(out, o->kind);
		put(out, " len ");
		pktfmt_uint(out, o->len);
		return;
	}
	put(out, name);
	if (o->kind == 2 && o->len == 4) {
		put_char(out, ' ');
		pktfmt_uint(out, pkt_be16(v));
	} else if (o->kind == 3 && o->len == 3) {
		put_char(out, ' ');
		pktfmt_uint(out, v[0]);
	} else if (o->kind == 8 && o->len == 10) {
		put(out, " val ");
		pktfmt_uint(out, pkt_be32(v));
		put(out, " ecr ");
		pktfmt_uint(out, pkt_be32(v + 4));
	} else if (o->kind == 5 && o->len >= 10 && (o->len - 2) % 8 == 0) {
		for (unsigned b = 0; b + 8 <= (unsigned)o->len - 2; b += 8) {
			put(out, " {");
			pktfmt_uint(out, pkt_be32(v + b));
			put_char(out, ':');
			pktfmt_uint(out, pkt_be32(v + b + 4));
			put_char(out, '}');
		}
	} else if ((o->kind == 2 || o->kind == 3 || o->kind == 5 || o->kind == 8) ||
	           (o->kind == 4 && o->len != 2)) {
		put(out, " [bad length ");
		pktfmt_uint(out, o->len);
		put_char(out, ']');
	}
}

static void layer_tcp(struct buf *out, const struct pkt *p)
{
	const struct pkt_tcp *t = &p->tcp;
	struct row r;

	row_start(&r, out, "TCP", t->have);
	if (row_field(&r, 2, "src port"))
		pktfmt_uint(out, t->sport);
	if (row_field(&r, 4, "dst port"))
		pktfmt_uint(out, t->dport);
	if (row_field(&r, 8, "seq"))
		pktfmt_uint(out, t->seq);
	if (row_field(&r, 12, "ack"))
		pktfmt_uint(out, t->ack);
	if (row_field(&r, 13, "data offset")) {
		pktfmt_uint(out, t->doff);
		put(out, " (");
		pktfmt_uint(out, (unsigned)t->doff * 4);
		put(out, " bytes)");
	}
	if (row_field(&r, 14, "flags")) {
		put_hex(out, t->flags, 3);
		put(out, " [");
		for (unsigned i = 0, n = 0; i < 9; i++) {
			if (t->flags & (1u << i)) {
				put(out, n++ ? " " : "");
				put(out, tcp_flag_names[i]);
			}
		}
		put_char(out, ']');
	}
	if (row_field(&r, 16, "window"))
		pktfmt_uint(out, t->window);
	if (row_field(&r, 18, "checksum"))
		put_hex(out, t->checksum, 4);
	if (row_field(&r, 20, "urgent pointer"))
		pktfmt_uint(out, t->urgent);
	row_end(&r);
	if (!t->opts || !t->nopts)
		return;
	put(out, "  TCP options:");
	for (unsigned i = 0; i < t->nopts; i++) {
		put(out, i ? ", " : " ");
		put_tcp_option(out, t, &t->opt[i]);
	}
	put_char(out, '\n');
}

static void layer_udp(struct buf *out, const struct pkt_udp *u)
{
	struct row r;
	row_start(&r, out, "UDP", u->have);
	if (row_field(&r, 2, "src port"))
		pktfmt_uint(out, u->sport);
	if (row_field(&r, 4, "dst port"))
		pktfmt_uint(out, u->dport);
	if (row_field(&r, 6, "length"))
		pktfmt_uint(out, u->length);
	if (row_field(&r, 8, "checksum"))
		put_hex(out, u->checksum, 4);
	row_end(&r);
}

static void layer_icmp(struct buf *out, const struct pkt *p)
{
	const struct pkt_icmp *ic = &p->icmp;
	int v6 = p->transport == PKT_TR_ICMPV6;
	const char *name = v6 ? icmp6_name(ic->type, ic->code) : icmp_name(ic->type, ic->code);
	struct row r;

	row_start(&r, out, v6 ? "ICMPv6" : "ICMP", ic->have);
	if (row_field(&r, 1, "type")) {
		pktfmt_uint(out, ic->type);
		if (name) {
			put(out, " (");
			put(out, name);
			put_char(out, ')');
		}
	}
	if (row_field(&r, 2, "code"))
		pktfmt_uint(out, ic->code);
	if (row_field(&r, 4, "checksum"))
		put_hex(out, ic->checksum, 4);
	if (icmp_is_echo(p)) {
		if (row_field(&r, 6, "id"))
			pktfmt_uint(out, ic->rest >> 16);
		if (row_field(&r, 8, "seq"))
			pktfmt_uint(out, ic->rest & 0xffff);
	} else if (row_field(&r, 8, "rest of header")) {
		put_hex(out, ic->rest, 8);
	}
	if (ic->has_target) {
		put_name(out, &r.first, "target");
		pktfmt_ipv6(out, ic->target);
	}
	if (ic->inner) {
		put_name(out, &r.first, "about");
		put_icmp_inner(out, ic);
	}
	row_end(&r);
}

void pktfmt_layers(struct buf *out, const struct pkt *p)
{
	put(out, "  frame: ");
	pktfmt_uint(out, p->wirelen);
	put(out, " bytes on the wire, ");
	pktfmt_uint(out, p->caplen);
	put(out, " captured\n");
	switch (p->link) {
	case PKT_LINK_ETHERNET:
		layer_ethernet(out, &p->eth);
		break;
	case PKT_LINK_SLL:
	case PKT_LINK_SLL2:
		layer_sll(out, p);
		break;
	case PKT_LINK_NULL:
	case PKT_LINK_LOOP:
		layer_null(out, p);
		break;
	default:
		break;
	}
	if (p->net == PKT_NET_ARP)
		layer_arp(out, &p->arp);
	else if (p->net == PKT_NET_IPV4)
		layer_ipv4(out, &p->ip4);
	else if (p->net == PKT_NET_IPV6)
		layer_ipv6(out, &p->ip6);
	if (p->transport == PKT_TR_TCP)
		layer_tcp(out, p);
	else if (p->transport == PKT_TR_UDP)
		layer_udp(out, &p->udp);
	else if (p->transport == PKT_TR_ICMP || p->transport == PKT_TR_ICMPV6)
		layer_icmp(out, p);
	if (p->has_payload) {
		put(out, "  payload: ");
		pktfmt_uint(out, p->payload_len);
		put(out, " bytes, ");
		pktfmt_uint(out, p->payload_cap);
		put(out, " captured\n");
	}
	put_problems(out, p, "  ! ", "\n");
}

/* ---- JSON ---- */

/* JSON strings of addresses, formatted on the stack: no allocation per field. */
static void json_addr(struct json *j, const char *key, const uint8_t *a, int v6)
{
	char text[INET6_ADDRSTRLEN];
	if (v6) {
		if (!inet_ntop(AF_INET6, a, text, sizeof text))
			text[0] = '\0';
	} else {
		snprintf(text, sizeof text, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
	}
	json_str(j, key, text);
}

static void json_mac(struct json *j, const char *key, const uint8_t *a, size_t len)
{
	static const char hexdigits[] = "0123456789abcdef";
	char text[3 * 255 + 1];
	size_t n = 0;

	for (size_t i = 0; i < len && i < 255; i++) {
		if (i)
			text[n++] = ':';
		text[n++] = hexdigits[a[i] >> 4];
		text[n++] = hexdigits[a[i] & 15];
	}
	json_str_len(j, key, text, n);
}

static void json_link(struct json *j, const struct pkt *p)
{
	if (p->link == PKT_LINK_ETHERNET && p->eth.have >= 14) {
		json_begin_object(j, "ethernet");
		json_mac(j, "dst", p->eth.dst, 6);
		json_mac(j, "src", p->eth.src, 6);
		json_uint(j, "type", p->eth.type);
		if (p->eth.nvlan) {
			json_begin_array(j, "vlan");
			for (unsigned i = 0; i < p->eth.nvlan; i++) {
				json_begin_object(j, NULL);
				json_uint(j, "tpid", p->eth.vlan_tpid[i]);
				json_uint(j, "priority", p->eth.vlan_tci[i] >> 13);
				json_uint(j, "id", p->eth.vlan_tci[i] & 0xfff);
				json_end(j);
			}
			json_end(j);
		}
		json_end(j);
	} else if ((p->link == PKT_LINK_SLL && p->sll.have >= 16) ||
	           (p->link == PKT_LINK_SLL2 && p->sll.have >= 20)) {
		json_begin_object(j, "sll");
		json_uint(j, "version", p->link == PKT_LINK_SLL2 ? 2 : 1);
		json_uint(j, "pkttype", p->sll.pkttype);
		json_uint(j, "hatype", p->sll.hatype);
		json_mac(j, "addr", p->sll.addr, p->sll.addrlen < 8 ? p->sll.addrlen : 8);
		json_uint(j, "protocol", p->sll.protocol);
		if (p->link == PKT_LINK_SLL2)
			json_uint(j, "ifindex", p->sll.ifindex);
		json_end(j);
	} else if ((p->link == PKT_LINK_NULL || p->link == PKT_LINK_LOOP) && p->null.have >= 4) {
		json_begin_object(j, "loopback");
		json_uint(j, "family", p->null.family);
		json_end(j);
	}
}

static void json_arp(struct json *j, const struct pkt_arp *a)
{
	if (a->have < 8)
		return;
	json_begin_object(j, "arp");
	json_uint(j, "htype", a->htype);
	json_uint(j, "ptype", a->ptype);
	json_uint(j, "hlen", a->hlen);
	json_uint(j, "plen", a->plen);
	json_uint(j, "op", a->op);
	if (a->sha) {
		json_mac(j, "sha", a->sha, a->hlen);
		json_mac(j, "tha", a->tha, a->hlen);
		if (arp_is_ipv4(a)) {
			json_addr(j, "spa", a->spa, 0);
			json_addr(j, "tpa", a->tpa, 0);
		} else {
			json_mac(j, "spa", a->spa, a->plen);
			json_mac(j, "tpa", a->tpa, a->plen);
		}
	}
	json_end(j);
}

static void json_ipv4(struct json *j, const struct pkt_ipv4 *ip)
{
	if (ip->have < 20)
		return;
	json_begin_object(j, "ipv4");
	json_uint(j, "version", ip->version);
	json_uint(j, "hdr_len", (unsigned)ip->ihl * 4);
	json_uint(j, "tos", ip->tos);
	json_uint(j, "len", ip->total_len);
	json_uint(j, "id", ip->id);
	json_begin_array(j, "flags");
	if (ip->frag & 0x8000)
		json_str(j, NULL, "reserved");
	if (ip->frag & 0x4000)
		json_str(j, NULL, "DF");
	if (ip->frag & 0x2000)
		json_str(j, NULL, "MF");
	json_end(j);
	json_uint(j, "frag_offset", (uint32_t)(ip->frag & 0x1fff) * 8);
	json_uint(j, "ttl", ip->ttl);
	json_uint(j, "proto", ip->proto);
	json_uint(j, "checksum", ip->checksum);
	json_addr(j, "src", ip->src, 0);
	json_addr(j, "dst", ip->dst, 0);
	if (ip->opts && ip->nopts) {
		json_begin_array(j, "options");
		for (unsigned i = 0; i < ip->nopts; i++) {
			json_begin_object(j, NULL);
			json_uint(j, "type", ip->opt[i].kind);
			json_uint(j, "len", ip->opt[i].len);
			json_end(j);
		}
		json_end(j);
	}
	json_end(j);
}

static void json_ipv6(struct json *j, const struct pkt_ipv6 *ip)
{
	if (ip->have < 40)
		return;
	json_begin_object(j, "ipv6");
	json_uint(j, "version", ip->version);
	json_uint(j, "tclass", ip->tclass);
	json_uint(j, "flow", ip->flow);
	json_uint(j, "plen", ip->payload_len);
	json_uint(j, "next", ip->next);
	json_uint(j, "hlim", ip->hop_limit);
	json_addr(j, "src", ip->src, 1);
	json_addr(j, "dst", ip->dst, 1);
	if (ip->next_ext) {
		json_begin_array(j, "ext");
		for (unsigned i = 0; i < ip->next_ext; i++) {
			json_begin_object(j, NULL);
			json_uint(j, "type", ip->ext[i].type);
			json_uint(j, "len", ip->ext[i].len);
			json_end(j);
		}
		json_end(j);
	}
	if (ip->has_frag) {
		json_begin_object(j, "frag");
		json_uint(j, "offset", (uint32_t)ip->frag_off * 8);
		json_bool(j, "more", ip->frag_more);
		json_uint(j, "id", ip->frag_id);
		json_end(j);
	}
	json_end(j);
}

static void json_tcp_option(struct json *j, const struct pkt_tcp *t, const struct pkt_opt *o)
{
	const uint8_t *v = t->opts + o->off + 2;
	const char *name = tcp_option_name(o->kind);

	json_begin_object(j, NULL);
	if (name)
		json_str(j, "kind", name);
	else
		json_uint(j, "kind", o->kind);
	json_uint(j, "len", o->len);
	if (o->kind == 2 && o->len == 4) {
		json_uint(j, "value", pkt_be16(v));
	} else if (o->kind == 3 && o->len == 3) {
		json_uint(j, "value", v[0]);
	} else if (o->kind == 8 && o->len == 10) {
		json_uint(j, "val", pkt_be32(v));
		json_uint(j, "ecr", pkt_be32(v + 4));
	} else if (o->kind == 5 && o->len >= 10 && (o->len - 2) % 8 == 0) {
		json_begin_array(j, "blocks");
		for (unsigned b = 0; b + 8 <= (unsigned)o->len - 2; b += 8) {
			json_begin_array(j, NULL);
			json_uint(j, NULL, pkt_be32(v + b));
			json_uint(j, NULL, pkt_be32(v + b + 4));
			json_end(j);
		}
		json_end(j);
	}
	json_end(j);
}

static void json_tcp(struct json *j, const struct pkt_tcp *t)
{
	if (t->have < 20)
		return;
	json_begin_object(j, "tcp");
	json_uint(j, "sport", t->sport);
	json_uint(j, "dport", t->dport);
	json_uint(j, "seq", t->seq);
	json_uint(j, "ack", t->ack);
	json_uint(j, "hdr_len", (unsigned)t->doff * 4);
	json_uint(j, "flags_raw", t->flags);
	json_begin_array(j, "flags");
	for (unsigned i = 0; i < 9; i++)
		if (t->flags & (1u << i))
			json_str(j, NULL, tcp_flag_names[i]);
	json_end(j);
	json_uint(j, "window", t->window);
	json_uint(j, "checksum", t->checksum);
	json_uint(j, "urgent", t->urgent);
	if (t->opts && t->nopts) {
		json_begin_array(j, "options");
		for (unsigned i = 0; i < t->nopts; i++)
			json_tcp_option(j, t, &t->opt[i]);
		json_end(j);
	}
	json_end(j);
}

static void json_icmp(struct json *j, const struct pkt *p)
{
	const struct pkt_icmp *ic = &p->icmp;
	int v6 = p->transport == PKT_TR_ICMPV6;

	if (ic->have < 8)
		return;
	json_begin_object(j, v6 ? "icmpv6" : "icmp");
	json_uint(j, "type", ic->type);
	json_uint(j, "code", ic->code);
	json_uint(j, "checksum", ic->checksum);
	if (icmp_is_echo(p)) {
		json_uint(j, "id", ic->rest >> 16);
		json_uint(j, "seq", ic->rest & 0xffff);
	}
	if (ic->has_target)
		json_addr(j, "target", ic->target, 1);
	if (ic->inner) {
		json_begin_object(j, "inner");
		json_uint(j, "proto", ic->inner_proto);
		json_addr(j, "src", ic->inner_src, ic->inner == 6);
		json_addr(j, "dst", ic->inner_dst, ic->inner == 6);
		if (ic->inner_has_ports) {
			json_uint(j, "sport", ic->inner_sport);
			json_uint(j, "dport", ic->inner_dport);
		}
		json_end(j);
	}
	json_end(j);
}

void pktfmt_json(struct json *j, const struct pkt *p)
{
	json_uint(j, "caplen", p->caplen);
	json_uint(j, "len", p->wirelen);
	json_link(j, p);
	if (p->net == PKT_NET_ARP)
		json_arp(j, &p->arp);
	else if (p->net == PKT_NET_IPV4)
		json_ipv4(j, &p->ip4);
	else if (p->net == PKT_NET_IPV6)
		json_ipv6(j, &p->ip6);
	else if (p->net == PKT_NET_OTHER)
		json_uint(j, "ethertype", p->ethertype);
	if (p->transport == PKT_TR_TCP) {
		json_tcp(j, &p->tcp);
	} else if (p->transport == PKT_TR_UDP && p->udp.have >= 8) {
		json_begin_object(j, "udp");
		json_uint(j, "sport", p->udp.sport);
		json_uint(j, "dport", p->udp.dport);
		json_uint(j, "len", p->udp.length);
		json_uint(j, "checksum", p->udp.checksum);
		json_end(j);
	} else if (p->transport == PKT_TR_ICMP || p->transport == PKT_TR_ICMPV6) {
		json_icmp(j, p);
	} else if (p->transport == PKT_TR_FRAGMENT || p->transport == PKT_TR_OTHER) {
		json_uint(j, "ip_proto", p->ip_proto);
		json_bool(j, "fragment", p->transport == PKT_TR_FRAGMENT);
	}
	if (p->has_payload) {
		json_begin_object(j, "payload");
		json_uint(j, "len", p->payload_len);
		json_uint(j, "captured", p->payload_cap);
		json_end(j);
	}
	json_bool(j, "truncated", pkt_truncated(p));
	if (p->nproblems) {
		struct buf text = BUF_INIT;
		json_begin_array(j, "problems");
		for (unsigned i = 0; i < p->nproblems; i++) {
			buf_clear(&text);
			pktfmt_problem(&text, &p->problem[i]);
			json_str_len(j, NULL, text.data ? text.data : "", text.len);
		}
		json_end(j);
		buf_free(&text);
	}
}

/* ---- hex dump ---- */

void pktfmt_hex(struct buf *out, const uint8_t *data, size_t len)
{
	static const char hexdigits[] = "0123456789abcdef";

	for (size_t off = 0; off < len; off += 16) {
		char line[80];
		size_t n = 0, row = len - off < 16 ? len - off : 16;

		line[n++] = '\t';
		line[n++] = '0';
		line[n++] = 'x';
		for (int shift = 12; shift >= 0; shift -= 4)
			line[n++] = hexdigits[(off >> shift) & 15];
		line[n++] = ':';
		line[n++] = ' ';
		for (size_t i = 0; i < 16; i++) {
			if (i % 2 == 0)
				line[n++] = ' ';
			if (i < row) {
				line[n++] = hexdigits[data[off + i] >> 4];
				line[n++] = hexdigits[data[off + i] & 15];
			} else {
				line[n++] = ' ';
				line[n++] = ' ';
			}
		}
		line[n++] = ' ';
		line[n++] = ' ';
		for (size_t i = 0; i < row; i++) {
			uint8_t ch = data[off + i];
			line[n++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '.';
		}
		line[n++] = '\n';
		buf_append(out, line, n);
	}
}

void pktfmt_ascii(struct buf *out, const uint8_t *data, size_t len)
{
	if (buf_reserve(out, len) < 0)
		return;
	for (size_t i = 0; i < len; i++) {
		uint8_t ch = data[i];
		/* a CR ending a line (or the data) is left out, as tcpdump's ascii_print does */
		if (ch == '\r' && (i + 1 == len || data[i + 1] == '\n'))
			continue;
		out->data[out->len++] = (ch >= 0x20 && ch < 0x7f) || ch == '\t' || ch == '\n' ? (char)ch : '.';
	}
	out->data[out->len] = '\0';
}
