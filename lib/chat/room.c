/*
 * room.c - the member table (see room.h).
 */
#include "chat/room.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

int chat_room_init(struct chat_room *room, size_t max, double rate)
{
	memset(room, 0, sizeof *room);
	room->members = calloc(max ? max : 1, sizeof *room->members);
	if (!room->members)
		return -1;
	room->max = max;
	room->rate = rate;
	return 0;
}

void chat_room_free(struct chat_room *room)
{
	free(room->members);
	room->members = NULL;
	room->count = 0;
}

struct chat_member *chat_room_by_name(struct chat_room *room, const char *name, size_t len)
{
	for (size_t i = 0; i < room->count; i++) {
		struct chat_member *m = &room->members[i];
		if (strlen(m->name) == len && memcmp(m->name, name, len) == 0)
			return m;
	}
	return NULL;
}

int chat_addr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return 0;
	if (a->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->sa_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
		return x->sin6_port == y->sin6_port && x->sin6_scope_id == y->sin6_scope_id &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
	}
	return 0;
}

struct chat_member *chat_room_by_addr(struct chat_room *room, const struct sockaddr *addr, socklen_t len)
{
	(void)len;
	for (size_t i = 0; i < room->count; i++)
		if (chat_addr_equal((const struct sockaddr *)&room->members[i].addr, addr))
			return &room->members[i];
	return NULL;
}

struct chat_member *chat_room_add(struct chat_room *room, const char *name, size_t len,
                                  const struct sockaddr *addr, socklen_t addr_len, uint64_t now_ns)
{
	struct chat_member *m;

	if (room->count >= room->max || len > CHAT_NAME_BYTES || addr_len > sizeof m->addr) {
		errno = ENOSPC;
		return NULL;
	}
	m = &room->members[room->count++];
	memset(m, 0, sizeof *m);
	memcpy(m->name, name, len);
	memcpy(&m->addr, addr, addr_len);
	m->addr_len = addr_len;
	m->last_heard_ns = now_ns;
	m->tokens = room->rate; /* a second's worth to start with */
	m->refill_ns = now_ns;
	m->joined_seq = room->next_seq++;
	return m;
}

void chat_room_remove(struct chat_room *room, struct chat_member *m)
{
	size_t i = (size_t)(m - room->members);

	if (i >= room->count)
		return;
	/* keep join order: W lists members in it, and the fan-out follows it */
	memmove(&room->members[i], &room->members[i + 1], (room->count - i - 1) * sizeof *m);
	room->count--;
}

int chat_room_allow(struct chat_room *room, struct chat_member *m, uint64_t now_ns)
{
	if (room->rate <= 0)
		return 1;
	/* A token bucket: rate tokens a second, at most one second's worth
	 * saved up, so a burst of --rate messages passes and a flood does not. */
	m->tokens += (double)(now_ns - m->refill_ns) * room->rate / 1e9;
	if (m->tokens > room->rate)
		m->tokens = room->rate;
	m->refill_ns = now_ns;
	if (m->tokens < 1.0)
		return 0;
	m->tokens -= 1.0;
	return 1;
}
