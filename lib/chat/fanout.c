/*
 * fanout.c - one datagram, many receivers (see fanout.h).
 *
 * A connectionless server has no per-client socket to write to: it names
 * the receiver in every send.  sendmmsg(2) takes an array of messages,
 * each with its own destination, and crosses into the kernel once for the
 * batch; the datagrams still go one by one through the UDP and IP layers,
 * so what it saves is the system call's entry and exit, per member.
 */
#include "chat/fanout.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

/* Waits up to 50 ms for room in the socket's send buffer. */
static int wait_writable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT, .revents = 0 };

	return poll(&pfd, 1, 50) > 0 ? 0 : -1;
}

int chat_send_to(int fd, const void *data, size_t len, const struct sockaddr *to, socklen_t to_len,
                 struct chat_fanout_stats *st)
{
	for (int tries = 0; tries < 3; tries++) {
		ssize_t n = sendto(fd, data, len, MSG_NOSIGNAL, to, to_len);
		st->syscalls++;
		if (n >= 0) {
			st->sent++;
			return 0;
		}
		if (errno == EINTR)
			continue;
		if ((errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS) || wait_writable(fd) < 0)
			break;
	}
	st->failed++;
	return -1;
}

/* Sends one batch of count messages, retrying after a short wait when the
 * send buffer is full and skipping a message the kernel refuses. */
static void send_batch(int fd, struct mmsghdr *msgs, unsigned count, struct chat_fanout_stats *st)
{
	unsigned done = 0;
	int stalls = 0;

	while (done < count) {
		int n = sendmmsg(fd, msgs + done, count - done, MSG_NOSIGNAL);
		st->syscalls++;
		if (n > 0) {
			done += (unsigned)n;
			st->sent += (unsigned)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) && stalls++ < 3 &&
		    wait_writable(fd) == 0)
			continue;
		/* the first message of the rest failed: skip it, send the others */
		st->failed++;
		done++;
	}
}

size_t chat_fanout(int fd, const void *data, size_t len, const struct chat_room *room,
                   const struct chat_member *except, int use_mmsg, struct chat_fanout_stats *st)
{
	struct mmsghdr msgs[CHAT_FANOUT_BATCH];
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	uint64_t before = st->sent;
	unsigned n = 0;

	for (size_t i = 0; i < room->count; i++) {
		const struct chat_member *m = &room->members[i];
		if (m == except)
			continue;
		if (!use_mmsg) {
			chat_send_to(fd, data, len, (const struct sockaddr *)&m->addr, m->addr_len, st);
			continue;
		}
		memset(&msgs[n], 0, sizeof msgs[n]);
		msgs[n].msg_hdr.msg_name = (void *)&m->addr;
		msgs[n].msg_hdr.msg_namelen = m->addr_len;
		msgs[n].msg_hdr.msg_iov = &iov; /* every message shares the one payload */
		msgs[n].msg_hdr.msg_iovlen = 1;
		if (++n == CHAT_FANOUT_BATCH) {
			send_batch(fd, msgs, n, st);
			n = 0;
		}
	}
	if (n)
		send_batch(fd, msgs, n, st);
	return (size_t)(st->sent - before);
}
