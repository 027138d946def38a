/*
 * pkt.h - packet decoders: one captured frame into its protocol layers.
 *
 * Promise: pkt_decode reads only data[0..caplen), whatever the bytes say.
 * Every read goes through a bounds-checked cursor whose getters return 0
 * past the end and remember that they did, so a decoder carries on and
 * the layer records how many of its header bytes were really captured
 * (`have`).  A field is valid when its offset + size <= have.  Headers
 * that lie (a length shorter than the minimum, longer than what follows,
 * a bad version, a broken option) are kept as far as they make sense and
 * noted in p->problem[], never trusted to index memory.  No allocation,
 * no printing, no longjmp: decoding is a plain walk down the layers, one
 * function per protocol (link, ARP, IPv4, IPv6, TCP, UDP, ICMP, ICMPv6).
 *
 * References: RFC 791 (IPv4), RFC 8200 (IPv6), RFC 9293 (TCP), RFC 768
 * (UDP), RFC 792 (ICMP), RFC 4443 (ICMPv6), RFC 826 (ARP), RFC 7323 (TCP
 * window scale and timestamps), RFC 2018 (SACK), IEEE 802.3 and 802.1Q,
 * and the Linux cooked capture headers (SLL, SLL2) of libpcap.
 */
#ifndef SOCKBOX_PKT_H
#define SOCKBOX_PKT_H

#include <stddef.h>
#include <stdint.h>

/* A reader over captured bytes that can never step past len. */
struct pkt_cursor {
	const uint8_t *data;
	size_t len;     /* bytes that may be read: data[0..len) */
	size_t off;     /* next byte to read */
	int short_read; /* a getter wanted bytes at or past len */
};

/* Starts a cursor over data[0..len). */
void pkt_cursor_init(struct pkt_cursor *c, const uint8_t *data, size_t len);
/* Bytes left to read. */
size_t pkt_left(const struct pkt_cursor *c);
/* Each getter returns the value and advances, or returns 0, sets short_read
 * and moves to the end when the bytes are not all there. */
uint8_t pkt_get_u8(struct pkt_cursor *c);
uint16_t pkt_get_be16(struct pkt_cursor *c);
uint32_t pkt_get_be32(struct pkt_cursor *c);
uint32_t pkt_get_le32(struct pkt_cursor *c);
/* Copies n bytes into out (zeros past the end, short_read set). */
void pkt_get_bytes(struct pkt_cursor *c, void *out, size_t n);
/* Advances n bytes: 0, or -1 (and moves to the end) when fewer are left. */
int pkt_skip(struct pkt_cursor *c, size_t n);

/* Big-endian reads from bytes already known to be captured. */
uint16_t pkt_be16(const uint8_t *p);
uint32_t pkt_be32(const uint8_t *p);

/* The link layer a capture hands us (the tool maps pcap's DLT numbers). */
enum pkt_link {
	PKT_LINK_ETHERNET, /* IEEE 802.3 / DIX, with 802.1Q tags */
	PKT_LINK_SLL,      /* Linux cooked v1, "any" */
	PKT_LINK_SLL2,     /* Linux cooked v2 */
	PKT_LINK_NULL,     /* BSD loopback: 4-byte family, host order */
	PKT_LINK_LOOP,     /* OpenBSD loopback: 4-byte family, network order */
	PKT_LINK_RAW,      /* bare IP, v4 or v6 by the version nibble */
	PKT_LINK_IPV4,
	PKT_LINK_IPV6,
	PKT_LINK_UNKNOWN,
};

/* What a problem is about; also the layer names used in messages. */
enum pkt_layer {
	PKT_L_FRAME,
	PKT_L_ETHERNET,
	PKT_L_VLAN,
	PKT_L_SLL,
	PKT_L_SLL2,
	PKT_L_NULL,
	PKT_L_ARP,
	PKT_L_IPV4,
	PKT_L_IPV4_OPTIONS,
	PKT_L_IPV6,
	PKT_L_IPV6_EXT,
	PKT_L_IPV6_JUMBO, /* the Jumbo Payload option of RFC 2675 */
	PKT_L_TCP,
	PKT_L_TCP_OPTIONS,
	PKT_L_TCP_OPTION, /* one option, its kind in pkt_problem.option */
	PKT_L_UDP,
	PKT_L_ICMP,
	PKT_L_ICMPV6,
	PKT_L_INNER_IP, /* the packet quoted inside an ICMP error */
};

enum pkt_problem_kind {
	PKT_TRUNCATED,    /* header of `want` bytes, only `have` captured */
	PKT_BAD_HDRLEN,   /* header length field says `have` bytes, minimum `want` */
	PKT_BAD_LENGTH,   /* length field says `have`, only `want` bytes follow */
	PKT_SHORT_LENGTH, /* length field `have` smaller than the header `want` */
	PKT_BAD_VERSION,  /* IP version `have` where `want` was expected */
	PKT_BAD_OPTION,   /* option kind `have` with a bad length `want` */
	PKT_TOO_DEEP,     /* more than `want` IPv6 extension headers */
	PKT_BAD_USEC,     /* the record's microseconds `have`, more than `want` */
	PKT_WIRE_SHORT,   /* a record says `have` bytes on the wire, `want` captured */
	PKT_ZERO_LENGTH,  /* an IP length of 0: the frame's `want` bytes are taken */
	PKT_JUMBO_SMALL,  /* a Jumbo length `have`, less than `want` (65536) */
	PKT_JUMBO_BESIDE, /* a Jumbo option where the payload length is `have`, not 0 */
	PKT_HBH_LATE,     /* a hop-by-hop header after extension header type `have` */
};

struct pkt_problem {
	uint8_t kind;   /* enum pkt_problem_kind */
	uint8_t layer;  /* enum pkt_layer */
	uint8_t option; /* the option kind, for PKT_L_TCP_OPTION */
	uint32_t have, want;
};

#define PKT_MAX_PROBLEMS 4
#define PKT_MAX_VLANS 2
#define PKT_MAX_IP_OPTS 40
#define PKT_MAX_TCP_OPTS 40
#define PKT_MAX_IPV6_EXT 8

/* An option seen in an IPv4 or TCP header: its kind, its total length
 * (1 for the one-byte kinds) and where its bytes start in opts[]. */
struct pkt_opt {
	uint8_t kind;
	uint8_t len;
	uint8_t off;
};

struct pkt_ethernet {
	uint16_t have; /* of 14 */
	uint8_t dst[6], src[6];
	uint16_t type; /* the EtherType after any VLAN tags (< 1536: an 802.3 length) */
	uint8_t nvlan;
	uint16_t vlan_tpid[PKT_MAX_VLANS], vlan_tci[PKT_MAX_VLANS];
};

/* Linux cooked headers; v2 reorders the fields and adds the ifindex. */
struct pkt_sll {
	uint16_t have; /* of 16 (v1) or 20 (v2) */
	uint16_t pkttype, hatype, addrlen, protocol;
	uint32_t ifindex;
	uint8_t addr[8];
};

struct pkt_null {
	uint16_t have; /* of 4 */
	uint32_t family;
};

struct pkt_arp {
	uint16_t have; /* of 8 + 2 * (hlen + plen) */
	uint16_t htype, ptype, op;
	uint8_t hlen, plen;
	/* set only when the whole body was captured */
	const uint8_t *sha, *spa, *tha, *tpa;
};

struct pkt_ipv4 {
	uint16_t have; /* of 20 */
	uint8_t version, ihl, tos, ttl, proto;
	uint16_t total_len, id, frag, checksum; /* frag: flags (3 bits) and offset */
	uint8_t src[4], dst[4];
	const uint8_t *opts; /* NULL unless all option bytes were captured */
	uint8_t opts_len, nopts;
	struct pkt_opt opt[PKT_MAX_IP_OPTS];
};

struct pkt_ipv6_ext {
	uint8_t type; /* 0 hop-by-hop, 43 routing, 44 fragment, 51 AH, 60 destination */
	uint16_t len; /* bytes */
};

struct pkt_ipv6 {
	uint16_t have; /* of 40 */
	uint8_t version, tclass, next, hop_limit;
	uint32_t flow;
	uint16_t payload_len;
	uint8_t src[16], dst[16];
	uint8_t has_jumbo;  /* the first hop-by-hop header holds a Jumbo option */
	uint32_t jumbo_len; /* its length: what follows the 40-byte header */
	uint8_t next_final; /* the protocol after the extension headers */
	uint8_t next_ext;   /* extension headers decoded */
	struct pkt_ipv6_ext ext[PKT_MAX_IPV6_EXT];
	uint8_t has_frag, frag_more;
	uint16_t frag_off; /* in 8-byte units */
	uint32_t frag_id;
};

/* TCP flag bits as in the 12 low bits of the header's 16-bit word at offset 12
 * (0xe00 are reserved bits, kept so a crafted packet shows them). */
enum {
	PKT_TCP_FIN = 0x001,
	PKT_TCP_SYN = 0x002,
	PKT_TCP_RST = 0x004,
	PKT_TCP_PSH = 0x008,
	PKT_TCP_ACK = 0x010,
	PKT_TCP_URG = 0x020,
	PKT_TCP_ECE = 0x040,
	PKT_TCP_CWR = 0x080,
	PKT_TCP_AE = 0x100,
};

struct pkt_tcp {
	uint16_t have; /* of 20 */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t doff;   /* header length in 32-bit words */
	uint16_t flags; /* PKT_TCP_* and the reserved bits 0xe00 */
	uint16_t window, checksum, urgent;
	/* The option area: opts_len bytes by the header, opts_cap of them
	 * captured; opt[] holds only the options captured whole. */
	const uint8_t *opts;
	uint8_t opts_len, opts_cap, nopts;
	struct pkt_opt opt[PKT_MAX_TCP_OPTS];
};

struct pkt_udp {
	uint16_t have; /* of 8 */
	uint16_t sport, dport, length, checksum;
};

/* ICMP and ICMPv6 share a shape; an error message quotes the start of the
 * packet that caused it, decoded as far as its addresses and ports. */
struct pkt_icmp {
	uint16_t have; /* of 8 */
	uint8_t type, code;
	uint16_t checksum;
	uint32_t rest;      /* id << 16 | seq for echoes, the MTU for "too big" ... */
	uint8_t target[16]; /* ICMPv6 neighbour discovery target (has_target) */
	uint8_t has_target;
	uint8_t inner; /* 4 or 6 when an IP header was quoted */
	uint8_t inner_proto, inner_has_ports;
	uint8_t inner_src[16], inner_dst[16];
	uint16_t inner_sport, inner_dport;
};

enum pkt_net { PKT_NET_NONE, PKT_NET_ARP, PKT_NET_IPV4, PKT_NET_IPV6, PKT_NET_OTHER };
enum pkt_transport {
	PKT_TR_NONE, /* nothing decoded past the network layer */
	PKT_TR_TCP,
	PKT_TR_UDP,
	PKT_TR_ICMP,
	PKT_TR_ICMPV6,
	PKT_TR_FRAGMENT, /* a later fragment: no transport header in it */
	PKT_TR_OTHER,    /* an IP protocol we do not decode (ip_proto) */
};

struct pkt {
	uint8_t link;           /* enum pkt_link */
	uint8_t net;            /* enum pkt_net */
	uint8_t transport;      /* enum pkt_transport */
	uint8_t ip_proto;       /* the transport protocol number, when IP */
	uint16_t ethertype;     /* what the link layer says comes next */
	uint8_t first_fragment; /* IPv4 or IPv6: offset 0, more fragments follow */
	const uint8_t *data;
	uint32_t caplen, wirelen;

	struct pkt_ethernet eth;
	struct pkt_sll sll;
	struct pkt_null null;
	struct pkt_arp arp;
	struct pkt_ipv4 ip4;
	struct pkt_ipv6 ip6;
	struct pkt_tcp tcp;
	struct pkt_udp udp;
	struct pkt_icmp icmp;

	/* What the innermost decoded header leaves: the payload's length as
	 * the headers claim it, and how many of those bytes were captured
	 * (has_payload is 0 when decoding stopped before a payload). */
	uint8_t has_payload;
	uint32_t payload_off, payload_len, payload_cap;

	uint8_t nproblems;
	struct pkt_problem problem[PKT_MAX_PROBLEMS];
};

/* Decodes data[0..caplen) of a frame that was wirelen bytes on the wire. */
void pkt_decode(struct pkt *p, enum pkt_link link, const uint8_t *data, uint32_t caplen, uint32_t wirelen);

/* Adds a problem found outside the frame's bytes (its capture record's
 * time, say); a packet keeps the first PKT_MAX_PROBLEMS. */
void pkt_note(struct pkt *p, enum pkt_problem_kind kind, enum pkt_layer layer, uint32_t have, uint32_t want);

/* 1 when the packet was cut short by the snapshot length somewhere. */
int pkt_truncated(const struct pkt *p);

/* Short names for messages: "TCP", "IPv4 options", ... */
const char *pkt_layer_name(enum pkt_layer layer);
/* Names of EtherTypes and IP protocols, or NULL when we have none. */
const char *pkt_ethertype_name(uint16_t type);
const char *pkt_ip_proto_name(uint8_t proto);

#endif
