/*
 * sock.h - listening and connecting sockets, with the kernel's fast paths.
 *
 * Promise: every socket made here is SOCK_CLOEXEC; listening sockets have
 * SO_REUSEADDR (a restarted server does not wait out TIME_WAIT); connects
 * honour a timeout; sends use MSG_NOSIGNAL, so a peer that went away is an
 * EPIPE to handle, never a SIGPIPE that kills the process.  Functions
 * return -1 with errno set and never print.
 */
#ifndef SOCKBOX_SOCK_H
#define SOCKBOX_SOCK_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "net/addr.h"

/* Extra socket flags for sock_listen / sock_accept: SOCK_NONBLOCK or 0. */

/*
 * Socket bound to the address ai (and listening, for SOCK_STREAM, with
 * backlog).  A unix path that is a stale socket file is removed first; any
 * other file there is left alone (EADDRINUSE).  Returns the descriptor.
 */
int sock_listen(const struct addrinfo *ai, int backlog, int flags);

/*
 * Tries each address of list in turn, as sock_listen; the first success
 * wins.  On failure errno is that of the last attempt.
 */
int sock_listen_any(const struct addrinfo *list, int backlog, int flags);

/* accept4(2) with SOCK_CLOEXEC | flags, retried on EINTR and on the errors
 * that only concern the connection that failed (ECONNABORTED, EPROTO). */
int sock_accept(int listen_fd, struct sockaddr *peer, socklen_t *peer_len, int flags);

/*
 * Connects a socket of ai's family and type to ai, waiting at most
 * timeout_ms (negative: the kernel's own limit).  ETIMEDOUT when the time
 * runs out.  The returned descriptor is blocking.
 */
int sock_connect(const struct addrinfo *ai, int timeout_ms);

/* The bound local address of fd formatted as addr_format does; returns out. */
char *sock_local_text(int fd, char *out, size_t size);

/* The peer address of fd formatted as addr_format does; returns out. */
char *sock_peer_text(int fd, char *out, size_t size);

/* Local port of fd, 0 for non-IP sockets or on error. */
unsigned sock_local_port(int fd);

/* Sets or clears O_NONBLOCK: 0 or -1. */
int sock_set_nonblock(int fd, int on);

/* send(2) with MSG_NOSIGNAL, retried on EINTR: bytes sent or -1. */
ssize_t sock_send(int fd, const void *buf, size_t len);

/* Sends all len bytes (blocking socket): 0 or -1. */
int sock_send_full(int fd, const void *buf, size_t len);

/* poll(2) on one descriptor for events, retried on EINTR with the time
 * left: >0 ready (revents in *revents if not NULL), 0 timeout, -1 error. */
int sock_wait(int fd, short events, int timeout_ms, short *revents);

#endif
