/*
 * sock.c - sockets with CLOEXEC, REUSEADDR, timeouts and MSG_NOSIGNAL.
 */
#include "net/sock.h"

#include "base/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Removes a unix socket file left by a server that died, never another file. */
static void remove_stale_unix_socket(const struct addrinfo *ai)
{
	const struct sockaddr_un *sun = (const struct sockaddr_un *)(const void *)ai->ai_addr;
	struct stat st;

	if (sun->sun_path[0] && lstat(sun->sun_path, &st) == 0 && S_ISSOCK(st.st_mode)) {
		/* a live server answers a connect; only then is the file in use */
		int probe = socket(AF_UNIX, ai->ai_socktype | SOCK_CLOEXEC, 0);
		if (probe >= 0) {
			if (connect(probe, ai->ai_addr, ai->ai_addrlen) < 0 && errno == ECONNREFUSED)
				unlink(sun->sun_path);
			close(probe);
		}
	}
}

int sock_listen(const struct addrinfo *ai, int backlog, int flags)
{
	int fd, one = 1, saved;

	if (ai->ai_family == AF_UNIX)
		remove_stale_unix_socket(ai);
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | flags, ai->ai_protocol);
	if (fd < 0)
		return -1;
	if (ai->ai_family != AF_UNIX && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
		goto fail;
	/* An IPv6 wildcard listener takes IPv6 only: IPv4 gets its own socket. */
	if (ai->ai_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0)
		goto fail;
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0)
		goto fail;
	if (ai->ai_socktype == SOCK_STREAM && listen(fd, backlog) < 0)
		goto fail;
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

int sock_listen_any(const struct addrinfo *list, int backlog, int flags)
{
	int fd = -1;

	errno = EADDRNOTAVAIL;
	for (const struct addrinfo *ai = list; ai; ai = ai->ai_next) {
		fd = sock_listen(ai, backlog, flags);
		if (fd >= 0)
			return fd;
	}
	return -1;
}

int sock_accept(int listen_fd, struct sockaddr *peer, socklen_t *peer_len, int flags)
{
	for (;;) {
		socklen_t len = peer_len ? *peer_len : 0;
		int fd = accept4(listen_fd, peer, peer ? &len : NULL, SOCK_CLOEXEC | flags);
		if (fd >= 0) {
			if (peer_len)
				*peer_len = len;
			return fd;
		}
		/* A connection reset before we accepted it is not the listener's
		 * failure: take the next one.  EINTR goes back to the caller, who
		 * has signal flags to look at. */
		if (errno != ECONNABORTED && errno != EPROTO)
			return -1;
	}
}

int sock_connect(const struct addrinfo *ai, int timeout_ms)
{
	int fd, err = 0, saved;
	socklen_t errlen = sizeof err;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
	if (fd < 0)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS && errno != EAGAIN)
			goto fail;
		/* the three-way handshake is under way: wait for writability */
		int ready = sock_wait(fd, POLLOUT, timeout_ms, NULL);
		if (ready < 0)
			goto fail;
		if (ready == 0) {
			errno = ETIMEDOUT;
			goto fail;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) < 0)
			goto fail;
		if (err != 0) {
			errno = err;
			goto fail;
		}
	}
	if (sock_set_nonblock(fd, 0) < 0)
		goto fail;
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/* getsockname or getpeername of fd, formatted; "?" when the call fails. */
static char *name_text(int fd, int peer, char *out, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	int rc = peer ? getpeername(fd, (struct sockaddr *)&ss, &len)
	              : getsockname(fd, (struct sockaddr *)&ss, &len);

	if (rc < 0) {
		snprintf(out, size, "?");
		return out;
	}
	return addr_format((struct sockaddr *)&ss, len, out, size);
}

char *sock_local_text(int fd, char *out, size_t size)
{
	return name_text(fd, 0, out, size);
}

char *sock_peer_text(int fd, char *out, size_t size)
{
	return name_text(fd, 1, out, size);
}

unsigned sock_local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	return addr_port((struct sockaddr *)&ss);
}

int sock_set_nonblock(int fd, int on)
{
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0)
		return -1;
	flags = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
	return fcntl(fd, F_SETFL, flags);
}

ssize_t sock_send(int fd, const void *buf, size_t len)
{
	ssize_t n;
	do
		n = send(fd, buf, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n;
}

int sock_send_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = sock_send(fd, p, len);
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int sock_wait(int fd, short events, int timeout_ms, short *revents)
{
	uint64_t deadline = 0;
	struct pollfd pfd = { .fd = fd, .events = events, .revents = 0 };

	if (timeout_ms >= 0)
		deadline = clock_now_ns() + (uint64_t)timeout_ms * 1000000u;
	for (;;) {
		int wait_ms = timeout_ms >= 0 ? clock_ms_until(deadline) : -1;
		int n = poll(&pfd, 1, wait_ms);
		if (n >= 0) {
			if (revents)
				*revents = pfd.revents;
			return n;
		}
		if (errno != EINTR)
			return -1;
	}
}
