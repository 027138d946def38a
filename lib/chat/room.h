/*
 * room.h - the chat server's member table: who is here, at which address.
 *
 * Promise: a fixed-size table (its memory taken once, at init: a flood of
 * joins cannot grow it) of members, each a name bound to the address it
 * joined from, when it was last heard, and a token bucket for its rate
 * limit.  Lookups by name and by address are linear scans: a room of a
 * few hundred members fits in a few cache lines per scan, and the code
 * stays the one a learner reads.  Never prints.
 */
#ifndef SOCKBOX_CHAT_ROOM_H
#define SOCKBOX_CHAT_ROOM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "chat/proto.h"

struct chat_member {
	char name[CHAT_NAME_BYTES + 1];
	struct sockaddr_storage addr;
	socklen_t addr_len;
	uint64_t last_heard_ns;
	double tokens;       /* the rate limit's bucket: messages it may still send */
	uint64_t refill_ns;  /* when tokens was last topped up */
	uint64_t joined_seq; /* join order, for W and the fan-out */
};

struct chat_room {
	struct chat_member *members; /* count used, in join order */
	size_t count, max;
	double rate; /* messages per second per member, 0: unlimited */
	uint64_t next_seq;
};

/* Takes memory for max members: 0, or -1 (ENOMEM). */
int chat_room_init(struct chat_room *room, size_t max, double rate);
void chat_room_free(struct chat_room *room);

/* The member named name (exact bytes), or NULL. */
struct chat_member *chat_room_by_name(struct chat_room *room, const char *name, size_t len);

/* The member that joined from addr (family, address, port, scope), or NULL. */
struct chat_member *chat_room_by_addr(struct chat_room *room, const struct sockaddr *addr, socklen_t len);

/* 1 when a and b are the same address and port. */
int chat_addr_equal(const struct sockaddr *a, const struct sockaddr *b);

/* Adds a member (name checked by the caller): the new member, or NULL
 * with errno ENOSPC when the room is full. */
struct chat_member *chat_room_add(struct chat_room *room, const char *name, size_t len,
                                  const struct sockaddr *addr, socklen_t addr_len, uint64_t now_ns);

/* Removes m (a pointer into the table); later members move down one place. */
void chat_room_remove(struct chat_room *room, struct chat_member *m);

/* The rate limit: 1 when m may send one more message now (a token taken),
 * 0 when it is over --rate.  Always 1 without a rate. */
int chat_room_allow(struct chat_room *room, struct chat_member *m, uint64_t now_ns);

#endif
