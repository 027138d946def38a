/*
 * dgram.c - recvmsg/sendmsg with packet info, broadcast and multicast options.
 *
 * References: ip(7) (IP_PKTINFO, IP_MULTICAST_*, IP_ADD_MEMBERSHIP),
 * ipv6(7) (IPV6_PKTINFO, IPV6_JOIN_GROUP), socket(7) (SO_BROADCAST,
 * SO_BINDTODEVICE), recvmsg(2) (MSG_TRUNC), cmsg(3).
 */
#include "net/dgram.h"

#include "net/addr.h"
#include "base/escape.h"
#include "base/json.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

/* Room for one control message of either family, aligned as cmsg(3) wants. */
union control {
	struct cmsghdr align;
	char room[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo)) +
	          CMSG_SPACE(sizeof(uint32_t))];
};

int dgram_socket(int family, int flags)
{
	return socket(family, SOCK_DGRAM | SOCK_CLOEXEC | flags, 0);
}

int dgram_want_pktinfo(int fd, int family)
{
	int one = 1;

	if (family == AF_INET6)
		return setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one);
	return setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
}

static void read_pktinfo4(const struct in_pktinfo *pi, struct dgram_info *info)
{
	struct sockaddr_in *dst = (struct sockaddr_in *)(void *)&info->destination;
	struct sockaddr_in *local = (struct sockaddr_in *)(void *)&info->local;

	info->has_pktinfo = 1;
	info->ifindex = (unsigned)pi->ipi_ifindex;
	dst->sin_family = AF_INET;
	dst->sin_addr = pi->ipi_addr; /* as written in the IP header */
	local->sin_family = AF_INET;
	local->sin_addr = pi->ipi_spec_dst; /* the local address routing gives for it */
}

static void read_pktinfo6(const struct in6_pktinfo *pi, struct dgram_info *info)
{
	struct sockaddr_in6 *dst = (struct sockaddr_in6 *)(void *)&info->destination;
	struct sockaddr_in6 *local = (struct sockaddr_in6 *)(void *)&info->local;

	info->has_pktinfo = 1;
	info->ifindex = pi->ipi6_ifindex;
	dst->sin6_family = AF_INET6;
	dst->sin6_addr = pi->ipi6_addr;
	/* IPv6 has no broadcast; a reply to a group datagram leaves from the
	 * address the kernel picks, a reply to a unicast one from its target. */
	if (!IN6_IS_ADDR_MULTICAST(&pi->ipi6_addr)) {
		local->sin6_family = AF_INET6;
		local->sin6_addr = pi->ipi6_addr;
	}
}

int dgram_want_rxq_ovfl(int fd)
{
	int on = 1;

	return setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof on);
}

ssize_t dgram_recv(int fd, void *buf, size_t size, struct dgram_info *info)
{
	union control control;
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	struct msghdr msg;
	ssize_t n;

	memset(info, 0, sizeof *info);
	memset(&msg, 0, sizeof msg);
	msg.msg_name = &info->source;
	msg.msg_namelen = sizeof info->source;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control.room;
	msg.msg_controllen = sizeof control.room;
	/* With MSG_TRUNC the kernel returns the datagram's real length even
	 * when the buffer was shorter; the rest of it is gone either way. */
	n = recvmsg(fd, &msg, MSG_TRUNC);
	if (n < 0)
		return -1;
	info->source_len = msg.msg_namelen;
	info->length = (size_t)n;
	info->truncated = (msg.msg_flags & MSG_TRUNC) != 0 || (size_t)n > size;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof pi);
			read_pktinfo4(&pi, info);
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof pi);
			read_pktinfo6(&pi, info);
		} else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
			uint32_t dropped;
			memcpy(&dropped, CMSG_DATA(c), sizeof dropped);
			info->has_rxq_ovfl = 1;
			info->rxq_dropped = dropped;
		}
	}
	return (size_t)n > size ? (ssize_t)size : n;
}

/* Fills control with the packet info for to's family; returns its length. */
static size_t build_pktinfo(union control *control, const struct sockaddr *to, unsigned ifindex,
                            const struct sockaddr *from)
{
	struct msghdr fake;
	struct cmsghdr *c;

	memset(control, 0, sizeof *control);
	memset(&fake, 0, sizeof fake);
	fake.msg_control = control->room;
	fake.msg_controllen = sizeof control->room;
	c = CMSG_FIRSTHDR(&fake);
	if (to->sa_family == AF_INET6) {
		struct in6_pktinfo pi;
		memset(&pi, 0, sizeof pi);
		pi.ipi6_ifindex = ifindex;
		if (from && from->sa_family == AF_INET6)
			pi.ipi6_addr = ((const struct sockaddr_in6 *)(const void *)from)->sin6_addr;
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof pi);
		memcpy(CMSG_DATA(c), &pi, sizeof pi);
		return CMSG_SPACE(sizeof pi);
	}
	struct in_pktinfo pi;
	memset(&pi, 0, sizeof pi);
	pi.ipi_ifindex = (int)ifindex;
	/* ipi_spec_dst is the source address on sendmsg */
	if (from && from->sa_family == AF_INET)
		pi.ipi_spec_dst = ((const struct sockaddr_in *)(const void *)from)->sin_addr;
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof pi);
	memcpy(CMSG_DATA(c), &pi, sizeof pi);
	return CMSG_SPACE(sizeof pi);
}

int dgram_send(int fd, const void *buf, size_t len, const struct sockaddr *to, socklen_t to_len,
               unsigned ifindex, const struct sockaddr *from)
{
	union control control;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg;
	ssize_t n;

	memset(&msg, 0, sizeof msg);
	msg.msg_name = (void *)to;
	msg.msg_namelen = to_len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (ifindex != 0 || from) {
		msg.msg_control = control.room;
		msg.msg_controllen = build_pktinfo(&control, to, ifindex, from);
	}
	do
		n = sendmsg(fd, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	/* UDP sends all of a datagram or none of it; anything else is a bug */
	if ((size_t)n != len) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

int dgram_reply(int fd, const void *buf, size_t len, const struct dgram_info *info)
{
	const struct sockaddr *from = NULL;

	if (info->has_pktinfo && info->local.ss_family != AF_UNSPEC)
		from = (const struct sockaddr *)&info->local;
	return dgram_send(fd, buf, len, (const struct sockaddr *)&info->source, info->source_len, 0, from);
}

int dgram_set_broadcast(int fd, int on)
{
	return setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on, sizeof on);
}

int dgram_bind_device(int fd, const char *ifname)
{
	return setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname));
}

int dgram_set_multicast(int fd, int family, int ttl, int loop)
{
	if (family == AF_INET6) {
		unsigned uloop = loop ? 1 : 0;
		if (ttl >= 0 && setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &ttl, sizeof ttl) < 0)
			return -1;
		return setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &uloop, sizeof uloop);
	}
	if (ttl >= 0 && setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl) < 0)
		return -1;
	loop = loop ? 1 : 0;
	return setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof loop);
}

int dgram_set_ttl(int fd, int family, int ttl)
{
	if (family == AF_INET6)
		return setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof ttl);
	return setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl);
}

int dgram_join_group(int fd, const struct sockaddr *group, unsigned ifindex)
{
	if (group->sa_family == AF_INET6) {
		const struct sockaddr_in6 *g = (const struct sockaddr_in6 *)(const void *)group;
		struct ipv6_mreq mreq;
		memset(&mreq, 0, sizeof mreq);
		mreq.ipv6mr_multiaddr = g->sin6_addr;
		mreq.ipv6mr_interface = ifindex ? ifindex : g->sin6_scope_id;
		return setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mreq, sizeof mreq);
	}
	const struct sockaddr_in *g = (const struct sockaddr_in *)(const void *)group;
	struct ip_mreqn mreq;
	memset(&mreq, 0, sizeof mreq);
	mreq.imr_multiaddr = g->sin_addr;
	mreq.imr_address.s_addr = htonl(INADDR_ANY);
	mreq.imr_ifindex = (int)ifindex;
	return setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof mreq);
}

int dgram_own_groups_only(int fd, int family)
{
	int zero = 0;

	if (family == AF_INET6) {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, &zero, sizeof zero) < 0 &&
		    errno != ENOPROTOOPT)
			return -1;
		return 0;
	}
	return setsockopt(fd, IPPROTO_IP, IP_MULTICAST_ALL, &zero, sizeof zero);
}

int dgram_is_multicast(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return IN_MULTICAST(ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr));
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_MULTICAST(&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr);
	return 0;
}

const char *dgram_kind(const struct dgram_info *info, const struct iface_list *ifaces)
{
	const struct sockaddr *dst = (const struct sockaddr *)&info->destination;

	if (!info->has_pktinfo)
		return NULL;
	if (dgram_is_multicast(dst))
		return "multicast";
	if (dst->sa_family == AF_INET &&
	    iface_is_broadcast(ifaces, info->ifindex, ((const struct sockaddr_in *)(const void *)dst)->sin_addr))
		return "broadcast";
	return "unicast";
}

int dgram_format_line(struct buf *out, const struct dgram_info *info, const void *data, size_t kept)
{
	char source[ADDR_TEXT_MAX];

	addr_format((const struct sockaddr *)&info->source, info->source_len, source, sizeof source);
	if (buf_printf(out, "%s\t", source) < 0 || escape_bytes(out, data, kept) < 0 ||
	    buf_append_byte(out, '\n') < 0)
		return -1;
	return 0;
}

int dgram_format_json(struct buf *out, const struct dgram_info *info, const void *data, size_t kept,
                      const struct iface_list *ifaces)
{
	struct json j;
	char host[INET6_ADDRSTRLEN], ifname[IF_NAMESIZE];

	json_init(&j, out);
	json_begin_object(&j, NULL);
	json_str(&j, "source", addr_format_host((const struct sockaddr *)&info->source, host, sizeof host));
	json_uint(&j, "port", addr_port((const struct sockaddr *)&info->source));
	json_uint(&j, "length", info->length);
	json_bytes(&j, "payload", data, kept);
	json_bool(&j, "truncated", info->truncated);
	if (info->has_pktinfo) {
		json_str(&j, "interface", iface_name(ifaces, info->ifindex, ifname));
		json_str(&j, "destination",
		         addr_format_host((const struct sockaddr *)&info->destination, host, sizeof host));
	} else {
		json_null(&j, "interface");
		json_null(&j, "destination");
	}
	json_str(&j, "kind", dgram_kind(info, ifaces));
	json_end(&j);
	json_newline(&j);
	if (j.failed) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}
