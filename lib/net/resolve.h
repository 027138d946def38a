/*
 * resolve.h - name resolution that a poll(2) loop can wait for, and give up
 * on at a deadline.
 *
 * Promise: getaddrinfo(3) blocks for as long as the DNS servers take, with
 * no timeout of the caller's choosing.  resolve_start runs addr_resolve
 * (addr.h) on a helper thread and hands back a descriptor that becomes
 * readable when the answer is in; numeric addresses and unix paths are
 * answered at once, without a thread.  A caller that stops waiting (its
 * deadline passed, it was interrupted) abandons the lookup: the thread
 * finishes on its own and frees what it holds.  Nothing prints or exits.
 *
 *	struct resolve *r = resolve_start(&spec, NULL, "80", AF_UNSPEC, SOCK_STREAM);
 *	poll resolve_fd(r) for POLLIN until the deadline, then
 *	    rc = resolve_finish(r, &list);      (rc as addr_resolve's)
 *	or, on giving up, resolve_abandon(r);
 */
#ifndef SOCKBOX_RESOLVE_H
#define SOCKBOX_RESOLVE_H

#include "net/addr.h"

struct resolve;

/* Starts resolving spec as addr_resolve would; NULL with errno on failure
 * (no thread or descriptor could be had). */
struct resolve *resolve_start(const struct addr_spec *spec, const char *default_host,
                              const char *default_port, int family, int socktype);

/* The descriptor to poll for POLLIN. */
int resolve_fd(const struct resolve *r);

/* Once resolve_fd is readable: addr_resolve's result (0 and *list, or an
 * EAI_* code for addr_strerror).  Releases r. */
int resolve_finish(struct resolve *r, struct addrinfo **list);

/* Gives up on r; the lookup ends in the background.  Releases r. */
void resolve_abandon(struct resolve *r);

#endif
