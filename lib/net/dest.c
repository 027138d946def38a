/*
 * dest.c - a list of datagram destinations.
 */
#include "net/dest.h"

#include "net/dgram.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

static const char *kind_of(const struct sockaddr *sa, const struct iface_list *ifaces)
{
	struct in_addr in;

	if (dgram_is_multicast(sa))
		return "multicast";
	if (sa->sa_family != AF_INET)
		return "unicast";
	in = ((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	if (in.s_addr == htonl(INADDR_BROADCAST))
		return "limited broadcast";
	return iface_is_broadcast(ifaces, 0, in) ? "directed broadcast" : "unicast";
}

/* Appends one entry; ifname may be NULL (ifindex 0). */
static int append(struct dest_list *list, const struct sockaddr *sa, socklen_t len, unsigned ifindex,
                  const char *ifname, const char *kind)
{
	struct dest *grown = realloc(list->items, (list->count + 1) * sizeof *grown);
	struct dest *d;

	if (!grown)
		return -1;
	list->items = grown;
	d = &list->items[list->count++];
	memset(d, 0, sizeof *d);
	memcpy(&d->addr, sa, len);
	d->len = len;
	d->ifindex = ifindex;
	if (ifname)
		strncpy(d->ifname, ifname, sizeof d->ifname - 1);
	d->kind = kind;
	return 0;
}

static int append_broadcast(struct dest_list *list, const struct iface_addr *a, unsigned port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr = a->broadcast;
	sin.sin_port = htons((uint16_t)port);
	return append(list, (struct sockaddr *)&sin, sizeof sin, a->index, a->name, "directed broadcast");
}

int dest_add(struct dest_list *list, const struct sockaddr *sa, socklen_t len, const char *ifname,
             const struct iface_list *ifaces)
{
	unsigned ifindex = 0;

	if (ifname) {
		ifindex = if_nametoindex(ifname);
		if (ifindex == 0) {
			errno = ENODEV;
			return -1;
		}
	}
	return append(list, sa, len, ifindex, ifname, kind_of(sa, ifaces));
}

int dest_add_interface(struct dest_list *list, const struct iface_list *ifaces, const char *name, unsigned port)
{
	const struct iface_addr *a = iface_find(ifaces, name, AF_INET);

	if (!a)
		return -1;
	if (!a->has_broadcast) {
		errno = EADDRNOTAVAIL;
		return -1;
	}
	return append_broadcast(list, a, port);
}

/* 1 when list already sends to a's broadcast address through a's interface. */
static int has_broadcast(const struct dest_list *list, const struct iface_addr *a)
{
	for (size_t i = 0; i < list->count; i++) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)&list->items[i].addr;
		if (list->items[i].ifindex == a->index && sin->sin_family == AF_INET &&
		    sin->sin_addr.s_addr == a->broadcast.s_addr)
			return 1;
	}
	return 0;
}

int dest_add_every_interface(struct dest_list *list, const struct iface_list *ifaces, unsigned port)
{
	int added = 0;

	for (size_t i = 0; i < ifaces->count; i++) {
		const struct iface_addr *a = &ifaces->items[i];
		if (!iface_can_broadcast(a) || has_broadcast(list, a))
			continue;
		if (append_broadcast(list, a, port) < 0)
			return -1;
		added++;
	}
	return added;
}

void dest_list_free(struct dest_list *list)
{
	free(list->items);
	list->items = NULL;
	list->count = 0;
}
