/*
 * iface.h - the host's network interfaces, their addresses and their IPv4
 * broadcast addresses.
 *
 * Promise: a snapshot of getifaddrs(3), kept as plain records (one per
 * address: an interface with two IPv4 addresses gives two), with each
 * interface's index filled in, so a tool can ask "which address and which
 * broadcast address does eth0 have", "which interfaces can broadcast" and
 * "was 10.0.0.255 a broadcast address of the interface a datagram came in
 * on".  The snapshot does not follow later changes: load it again.
 * Nothing here prints or exits.
 */
#ifndef SOCKBOX_IFACE_H
#define SOCKBOX_IFACE_H

#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>

struct iface_addr {
	char name[IF_NAMESIZE];
	unsigned index;               /* if_nametoindex(name) */
	unsigned flags;               /* IFF_UP, IFF_BROADCAST, IFF_LOOPBACK, IFF_MULTICAST, ... */
	int family;                   /* AF_INET or AF_INET6 */
	struct sockaddr_storage addr; /* the address, port 0 */
	struct in_addr netmask;       /* AF_INET only */
	struct in_addr broadcast;     /* AF_INET with has_broadcast only */
	int has_broadcast;            /* IFF_BROADCAST and the kernel gave a broadcast address */
};

struct iface_list {
	struct iface_addr *items;
	size_t count;
};

/* Reads the current interfaces and their IPv4/IPv6 addresses: 0, or -1 with errno. */
int iface_list_load(struct iface_list *list);

/* Releases the records; the list is empty afterwards. */
void iface_list_free(struct iface_list *list);

/*
 * The first address of family on the interface called name.  NULL with
 * errno ENODEV when there is no such interface, EADDRNOTAVAIL when it has
 * no address of that family.
 */
const struct iface_addr *iface_find(const struct iface_list *list, const char *name, int family);

/* 1 when a is an IPv4 address with a broadcast address on an interface that
 * is up and not the loopback: a directed broadcast can leave through it. */
int iface_can_broadcast(const struct iface_addr *a);

/*
 * 1 when dst is a broadcast address for a datagram that arrived on the
 * interface with this index (0: any interface): the limited broadcast
 * 255.255.255.255, or the broadcast address of one of its IPv4 addresses.
 */
int iface_is_broadcast(const struct iface_list *list, unsigned index, struct in_addr dst);

/* The name of the interface with this index, from the list or else the
 * kernel (out holds IF_NAMESIZE bytes); NULL when there is none. */
const char *iface_name(const struct iface_list *list, unsigned index, char *out);

#endif
