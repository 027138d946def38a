/*
 * dest.h - where datagrams are sent: an address, a multicast group, the
 * broadcast address of one interface, or of every interface.
 *
 * Promise: a plain list of destinations, each an address with its port,
 * the interface it must leave through (or none: the routing table
 * decides), and what kind of address it is ("unicast", "limited
 * broadcast", "directed broadcast", "multicast"), so a sender loops over
 * the list and its -v narration can say what each one is.  Nothing here
 * prints or exits.
 */
#ifndef SOCKBOX_DEST_H
#define SOCKBOX_DEST_H

#include <net/if.h>
#include <sys/socket.h>

#include "net/iface.h"

struct dest {
	struct sockaddr_storage addr;
	socklen_t len;
	unsigned ifindex;         /* 0: the routing table chooses the interface */
	char ifname[IF_NAMESIZE]; /* "" when ifindex is 0 */
	const char *kind;
};

struct dest_list {
	struct dest *items;
	size_t count;
};

/*
 * Appends sa (len bytes, port included), to leave through the interface
 * ifname (NULL: any); its kind is judged against ifaces.  0, or -1 with
 * errno ENODEV (no such interface) or ENOMEM.
 */
int dest_add(struct dest_list *list, const struct sockaddr *sa, socklen_t len, const char *ifname,
             const struct iface_list *ifaces);

/*
 * Appends the directed broadcast address of the interface name, port
 * port, to leave through that interface.  0, or -1 with errno ENODEV (no
 * such interface), EADDRNOTAVAIL (it has no IPv4 broadcast address) or
 * ENOMEM.
 */
int dest_add_interface(struct dest_list *list, const struct iface_list *ifaces, const char *name,
                       unsigned port);

/*
 * Appends the directed broadcast address of every address that can
 * broadcast (iface_can_broadcast), each to leave through its own
 * interface, duplicates dropped.  The number appended, or -1 (ENOMEM).
 */
int dest_add_every_interface(struct dest_list *list, const struct iface_list *ifaces, unsigned port);

/* Releases the list; it is empty afterwards. */
void dest_list_free(struct dest_list *list);

#endif
