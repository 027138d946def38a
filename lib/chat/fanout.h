/*
 * fanout.h - one datagram to many addresses: sendmmsg(2), a batch of
 * members per system call, or one sendto(2) each (for comparison).
 *
 * Promise: chat_fanout sends the same bytes to every member of the room
 * but one (the sender, or none), in join order, and counts what it did:
 * datagrams handed to the kernel, system calls made, failures.  A member
 * whose send fails (EAGAIN after a short wait, an unreachable address) is
 * skipped and counted; the others still get theirs.  Never prints.
 */
#ifndef SOCKBOX_CHAT_FANOUT_H
#define SOCKBOX_CHAT_FANOUT_H

#include <stddef.h>
#include <stdint.h>

#include "chat/room.h"

#define CHAT_FANOUT_BATCH 64 /* members per sendmmsg call */

struct chat_fanout_stats {
	uint64_t sent;     /* datagrams the kernel took */
	uint64_t syscalls; /* sendmmsg or sendto calls */
	uint64_t failed;   /* datagrams that could not be sent */
};

/* Sends len bytes to every member except `except` (NULL: everyone).
 * use_mmsg 0 makes one sendto per member.  Returns the datagrams sent. */
size_t chat_fanout(int fd, const void *data, size_t len, const struct chat_room *room,
                   const struct chat_member *except, int use_mmsg, struct chat_fanout_stats *st);

/* One datagram to one address (a reply): 0, or -1 with errno. */
int chat_send_to(int fd, const void *data, size_t len, const struct sockaddr *to, socklen_t to_len,
                 struct chat_fanout_stats *st);

#endif
