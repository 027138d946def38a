/*
 * iface.c - getifaddrs(3) as a list of plain address records.
 */
#include "net/iface.h"

#include <errno.h>
#include <ifaddrs.h>
#include <stdlib.h>
#include <string.h>

/*
 * The directed broadcast address of an IPv4 address: the one the kernel
 * reports, or, when none was configured (`ip addr add 10.0.0.1/24` without
 * `brd +`; glibc then reports the address itself), the address with every
 * host bit set, which the kernel routes as the subnet's broadcast all the
 * same.  /31 and /32 have no broadcast.
 */
static int ipv4_broadcast(const struct ifaddrs *ifa, struct in_addr addr, struct in_addr mask,
                          struct in_addr *out)
{
	if (!(ifa->ifa_flags & IFF_BROADCAST))
		return 0;
	if (ifa->ifa_broadaddr && ifa->ifa_broadaddr->sa_family == AF_INET) {
		struct in_addr b = ((const struct sockaddr_in *)(const void *)ifa->ifa_broadaddr)->sin_addr;
		if (b.s_addr != htonl(INADDR_ANY) && b.s_addr != addr.s_addr) {
			*out = b;
			return 1;
		}
	}
	if (ntohl(mask.s_addr) >= 0xfffffffeu)
		return 0;
	out->s_addr = addr.s_addr | ~mask.s_addr;
	return 1;
}

static void fill_record(struct iface_addr *a, const struct ifaddrs *ifa)
{
	int family = ifa->ifa_addr->sa_family;

	memset(a, 0, sizeof *a);
	strncpy(a->name, ifa->ifa_name, sizeof a->name - 1);
	a->index = if_nametoindex(ifa->ifa_name);
	a->flags = ifa->ifa_flags;
	a->family = family;
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)(void *)&a->addr;
		*sin = *(const struct sockaddr_in *)(const void *)ifa->ifa_addr;
		sin->sin_port = 0;
		if (ifa->ifa_netmask && ifa->ifa_netmask->sa_family == AF_INET)
			a->netmask = ((const struct sockaddr_in *)(const void *)ifa->ifa_netmask)->sin_addr;
		a->has_broadcast = ipv4_broadcast(ifa, sin->sin_addr, a->netmask, &a->broadcast);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)(void *)&a->addr;
		*sin6 = *(const struct sockaddr_in6 *)(const void *)ifa->ifa_addr;
		sin6->sin6_port = 0;
	}
}

int iface_list_load(struct iface_list *list)
{
	struct ifaddrs *all, *ifa;
	size_t n = 0;

	list->items = NULL;
	list->count = 0;
	if (getifaddrs(&all) < 0)
		return -1;
	for (ifa = all; ifa; ifa = ifa->ifa_next)
		if (ifa->ifa_addr &&
		    (ifa->ifa_addr->sa_family == AF_INET || ifa->ifa_addr->sa_family == AF_INET6))
			n++;
	if (n > 0) {
		list->items = calloc(n, sizeof *list->items);
		if (!list->items) {
			freeifaddrs(all);
			errno = ENOMEM;
			return -1;
		}
	}
	for (ifa = all; ifa; ifa = ifa->ifa_next)
		if (ifa->ifa_addr &&
		    (ifa->ifa_addr->sa_family == AF_INET || ifa->ifa_addr->sa_family == AF_INET6))
			fill_record(&list->items[list->count++], ifa);
	freeifaddrs(all);
	return 0;
}

void iface_list_free(struct iface_list *list)
{
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

const struct iface_addr *iface_find(const struct iface_list *list, const char *name, int family)
{
	if (if_nametoindex(name) == 0) {
		errno = ENODEV;
		return NULL;
	}
	for (size_t i = 0; i < list->count; i++)
		if (list->items[i].family == family && strcmp(list->items[i].name, name) == 0)
			return &list->items[i];
	errno = EADDRNOTAVAIL;
	return NULL;
}

int iface_can_broadcast(const struct iface_addr *a)
{
	return a->family == AF_INET && a->has_broadcast && (a->flags & IFF_UP) && !(a->flags & IFF_LOOPBACK);
}

int iface_is_broadcast(const struct iface_list *list, unsigned index, struct in_addr dst)
{
	if (dst.s_addr == htonl(INADDR_BROADCAST))
		return 1;
	for (size_t i = 0; i < list->count; i++) {
		const struct iface_addr *a = &list->items[i];
		if (a->family == AF_INET && a->has_broadcast && (index == 0 || a->index == index) &&
		    a->broadcast.s_addr == dst.s_addr)
			return 1;
	}
	return 0;
}

const char *iface_name(const struct iface_list *list, unsigned index, char *out)
{
	for (size_t i = 0; i < list->count; i++)
		if (list->items[i].index == index)
			return list->items[i].name;
	return index ? if_indextoname(index, out) : NULL;
}
