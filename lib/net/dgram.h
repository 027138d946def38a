/*
 * dgram.h - datagram sockets: what a datagram carried besides its bytes,
 * and how to choose the interface and source address of one you send.
 *
 * Promise: dgram_recv reads one whole datagram with recvmsg(2) and says
 * who sent it, how long it really was (MSG_TRUNC: a datagram longer than
 * the buffer is flagged, never silently cut), and, from the IP_PKTINFO or
 * IPV6_PKTINFO control message, the destination address in its IP header
 * and the interface it arrived on.  dgram_send sends one datagram, through
 * a chosen interface and from a chosen source address when asked (the same
 * control messages, on sendmsg); a datagram goes out whole or not at all.
 * The option setters wrap the broadcast and multicast socket options;
 * the formatters turn a received datagram into one line or one JSON record.
 * Functions return -1 with errno set and never print.
 */
#ifndef SOCKBOX_DGRAM_H
#define SOCKBOX_DGRAM_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "base/buf.h"
#include "net/iface.h"

struct dgram_info {
	struct sockaddr_storage source; /* the sender's address and port */
	socklen_t source_len;
	int has_pktinfo;                     /* 0: the fields below are unknown */
	unsigned ifindex;                    /* the interface it arrived on */
	struct sockaddr_storage destination; /* the IP header's destination, port 0 */
	struct sockaddr_storage local;       /* the local address a reply should come from */
	size_t length;                       /* the datagram's whole length */
	int truncated;                       /* length exceeded the buffer: only the buffer's worth kept */
	int has_rxq_ovfl;                    /* 1: rxq_dropped is known (dgram_want_rxq_ovfl) */
	unsigned rxq_dropped; /* SO_RXQ_OVFL: datagrams the socket's full queue dropped so far */
};

/* A SOCK_DGRAM | SOCK_CLOEXEC socket of family, with flags (SOCK_NONBLOCK or 0). */
int dgram_socket(int family, int flags);

/* Asks the kernel for IP_PKTINFO / IPV6_PKTINFO on every datagram received: 0 or -1. */
int dgram_want_pktinfo(int fd, int family);

/* Asks the kernel for SO_RXQ_OVFL on every datagram received: how many
 * the socket has dropped so far because its receive queue was full.  0 or -1. */
int dgram_want_rxq_ovfl(int fd);

/*
 * Receives one datagram into buf (size bytes) and describes it in info.
 * Returns the bytes stored (at most size; info->length is the real
 * length), or -1 (EAGAIN on a non-blocking socket with nothing queued,
 * EINTR is returned too: the caller has signal flags to look at).
 */
ssize_t dgram_recv(int fd, void *buf, size_t size, struct dgram_info *info);

/*
 * Sends len bytes as one datagram to `to`.  ifindex (0: let the routing
 * table choose) makes it leave through that interface; from (NULL: let the
 * kernel choose) sets its source address.  Both travel as an IP_PKTINFO /
 * IPV6_PKTINFO control message.  0, or -1 (EMSGSIZE when it cannot be one
 * datagram); EINTR is retried.
 */
int dgram_send(int fd, const void *buf, size_t len, const struct sockaddr *to, socklen_t to_len,
               unsigned ifindex, const struct sockaddr *from);

/*
 * Answers the datagram described by info: to its source, from the local
 * address it was meant for (for a broadcast or multicast, the address of
 * the interface it arrived on; a reply never comes from a broadcast or
 * group address).  0 or -1.
 */
int dgram_reply(int fd, const void *buf, size_t len, const struct dgram_info *info);

/* SO_BROADCAST: without it sending to a broadcast address fails with EACCES.  0 or -1. */
int dgram_set_broadcast(int fd, int on);

/* SO_BINDTODEVICE: only datagrams of that interface in, only through it out.  0 or -1. */
int dgram_bind_device(int fd, const char *ifname);

/*
 * Multicast sending: TTL (IPv4) or hop limit (IPv6) of group datagrams
 * (ttl < 0 leaves the default of 1), and whether this host's own listeners
 * get a copy (IP_MULTICAST_LOOP / IPV6_MULTICAST_LOOP).  0 or -1.
 */
int dgram_set_multicast(int fd, int family, int ttl, int loop);

/* TTL / hop limit of unicast and broadcast datagrams (IP_TTL / IPV6_UNICAST_HOPS).  0 or -1. */
int dgram_set_ttl(int fd, int family, int ttl);

/*
 * Joins the multicast group on the interface ifindex (0: the one the
 * routing table gives for the group), IP_ADD_MEMBERSHIP or
 * IPV6_JOIN_GROUP.  0 or -1.
 */
int dgram_join_group(int fd, const struct sockaddr *group, unsigned ifindex);

/*
 * Delivers to the socket only the groups it joined itself.  Linux's
 * default (IP_MULTICAST_ALL, IPV6_MULTICAST_ALL on) hands a socket bound
 * to the port every group that any socket on the host joined.  0 or -1
 * (a kernel before 4.20 lacks the IPv6 option: ignored there).
 */
int dgram_own_groups_only(int fd, int family);

/* 1 when sa is an IPv4 (224.0.0.0/4) or IPv6 (ff00::/8) multicast address. */
int dgram_is_multicast(const struct sockaddr *sa);

/*
 * What the datagram's destination address was: "multicast", "broadcast"
 * (255.255.255.255 or a broadcast address of the interface it arrived on,
 * judged against ifaces) or "unicast"; NULL without packet info.
 */
const char *dgram_kind(const struct dgram_info *info, const struct iface_list *ifaces);

/* Appends "SOURCE:PORT<TAB>payload\n", the payload escaped as escape.h
 * does, so a record stays one line whatever it carried.  0 or -1 (ENOMEM). */
int dgram_format_line(struct buf *out, const struct dgram_info *info, const void *data, size_t kept);

/*
 * Appends one JSON Lines record: {"source", "port", "length" (the whole
 * datagram), "payload" (the bytes kept, each byte outside printable ASCII
 * as \u00HH), "truncated", "interface", "destination", "kind"}; the last
 * three null without packet info.  0 or -1 (ENOMEM).
 */
int dgram_format_json(struct buf *out, const struct dgram_info *info, const void *data, size_t kept,
                      const struct iface_list *ifaces);

#endif
