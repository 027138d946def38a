/*
 * group.h - udp-chat join --group: no server, every peer on a multicast
 * group hears every datagram, and each keeps its own name.
 *
 * Promise: chat_group_open binds the group's port on the wildcard address
 * (SO_REUSEADDR: every peer of this host binds it), joins the group and
 * loops our own datagrams back, then sends requests to the group
 * (chat/client.h).  chat_group_claim announces the name (L, twice) and
 * waits 300 ms for a peer holding it to answer T NAME; chat_group_receive
 * takes one datagram from a peer and does what it calls for: a notice
 * ("NAME joined", "NAME left", one per claim however often it came) or a
 * message printed as a client prints a server's lines, our own datagrams
 * looped back ignored, a claim on our name answered T NAME to the group.
 * A policy module: it prints through chat/client and cli/diag; it never
 * exits.  The caller owns the poll loop.
 */
#ifndef SOCKBOX_CHAT_GROUP_H
#define SOCKBOX_CHAT_GROUP_H

#include <sys/socket.h>

#include "chat/client.h"

/* Opens c->fd on the group at addr (a multicast address and its port) and
 * sets c->to, c->peer.  EXIT_OK, or EXIT_FAIL after a diagnostic (c->fd
 * may then be open: the caller closes it). */
int chat_group_open(struct chat_client *c, const struct sockaddr *addr, socklen_t len);

/* EXIT_OK: the name is ours; EXIT_FAIL after a diagnostic (name taken). */
int chat_group_claim(struct chat_client *c);

/* Reads one datagram (if any) and handles it: EXIT_OK or EXIT_FAIL. */
int chat_group_receive(struct chat_client *c);

#endif
