/*
 * portcheck.h - is anything listening there?  Many TCP ports at once.
 *
 * Promise: each port gets one non-blocking connect(2); at most `parallel`
 * are in flight, all waited for in one poll(2) loop, each bounded by its
 * own timeout.  A port's verdict is what the handshake answered: open (a
 * SYN-ACK: the connection is made, then closed at once), closed (a RST:
 * ECONNREFUSED), or filtered (no answer in time, or an ICMP error such as
 * "no route to host", as nmap counts them).  Nothing here prints or exits;
 * functions return -1 with errno set.
 *
 *	struct portcheck_port ports[N];   addr, addrlen set for each
 *	portcheck_run(ports, N, 64, 3000, stop, done, arg);
 *	ports[i].state, .err, .connect_ns
 */
#ifndef SOCKBOX_PORTCHECK_H
#define SOCKBOX_PORTCHECK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "base/buf.h"

enum portcheck_state { PORTCHECK_PENDING, PORTCHECK_OPEN, PORTCHECK_CLOSED, PORTCHECK_FILTERED };

struct portcheck_port {
	struct sockaddr_storage addr; /* where to connect: the caller sets it */
	socklen_t addrlen;
	const char *name;           /* the caller's label (the operand's host), not used here */
	enum portcheck_state state; /* the verdict, PENDING until then */
	int err;                    /* the errno behind closed or filtered (ETIMEDOUT: no answer) */
	uint64_t connect_ns;        /* from connect(2) to the verdict */
};

/* "open", "closed", "filtered" or "pending". */
const char *portcheck_state_name(enum portcheck_state state);

/*
 * Parses the port part of an operand: "80" or "8000-8010" (LOW <= HIGH,
 * 1-65535) into *low and *high: 0, or -1 with errno EINVAL.
 */
int portcheck_parse_range(const char *text, unsigned *low, unsigned *high);

/*
 * Appends to *ports (a malloc'ed array of *count) one entry per port of an
 * operand "HOST:PORT", "HOST:LOW-HIGH", "[V6]:LOW-HIGH" or "PORT[-HIGH]"
 * alone (host 127.0.0.1), resolved with getaddrinfo for family (its first
 * address).  name points into operand.  0; -1 with errno EINVAL (not such
 * an operand) or ENOMEM; or 1 when the host does not resolve, with its
 * getaddrinfo code (EAI_*) in *gai_error for addr_strerror.
 */
int portcheck_add(const char *operand, int family, struct portcheck_port **ports, size_t *count,
                  int *gai_error);

/* One port's verdict as a line, appended to out: "127.0.0.1:22 open 0.12 ms"
 * (filtered by a reason other than silence adds it in parentheses), or with
 * json one JSON object: operand, address, port, state, connect_ms, error. */
void portcheck_format(const struct portcheck_port *port, int json, struct buf *out);

/*
 * Checks every port of ports[0..count), at most parallel at once, each
 * given timeout_ms for its handshake.  done(arg, index) is called as each
 * verdict is known (in any order).  stop, if not NULL, is asked between
 * waits; when it says yes the ports still in flight are left PENDING and
 * the run returns -1 with errno EINTR.  0 when every port has its verdict;
 * -1 with errno when a socket cannot be made (EMFILE...) or poll fails.
 */
int portcheck_run(struct portcheck_port *ports, size_t count, unsigned parallel, int timeout_ms,
                  int (*stop)(void), void (*done)(void *arg, size_t index), void *arg);

#endif
