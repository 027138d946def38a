/*
 * group.c - udp-chat join --group (see group.h): one multicast group, no
 * server, a name claimed against the peers.
 */
#include "chat/group.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <string.h>

#include "base/clock.h"
#include "cli/diag.h"
#include "net/dgram.h"
#include "net/sock.h"
#include "sig/sig.h"

int chat_group_open(struct chat_client *c, const struct sockaddr *addr, socklen_t len)
{
	struct sockaddr_storage any;
	socklen_t any_len;
	int one = 1;

	c->to = addr;
	c->to_len = len;
	addr_format(addr, len, c->peer, sizeof c->peer);
	memset(&any, 0, sizeof any);
	memcpy(&any, addr, len);
	any_len = len;
	if (any.ss_family == AF_INET6)
		memset(&((struct sockaddr_in6 *)(void *)&any)->sin6_addr, 0, sizeof(struct in6_addr));
	else
		((struct sockaddr_in *)(void *)&any)->sin_addr.s_addr = htonl(INADDR_ANY);
	c->fd = dgram_socket(any.ss_family, 0);
	if (c->fd < 0)
		return diag_errno("socket");
	/* every peer of this host binds the same port */
	if (setsockopt(c->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(c->fd, (struct sockaddr *)&any, any_len) < 0)
		return diag_errno("bind port %u", addr_port((struct sockaddr *)&any));
	if (dgram_own_groups_only(c->fd, any.ss_family) < 0 ||
	    dgram_set_multicast(c->fd, any.ss_family, 1, 1) < 0 || dgram_join_group(c->fd, addr, 0) < 0)
		return diag_errno("join group %s", c->peer);
	return EXIT_OK;
}

/* Receives one datagram from the group: 1 with its request in *req, 0
 * none or not a request, -1 after a diagnostic.  *info is its source. */
static int receive_request(struct chat_client *c, struct chat_request *req, struct dgram_info *info)
{
	ssize_t n = dgram_recv(c->fd, c->datagram, CHAT_DATAGRAM_MAX, info);

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : (diag_errno("receive from %s", c->peer), -1);
	if (chat_parse_request(c->datagram, (size_t)n, req) != CHAT_OK || !req->name)
		return 0;
	return 1;
}

static int is_me(const struct chat_client *c, const struct chat_request *req)
{
	return req->name_len == strlen(c->name) && memcmp(req->name, c->name, req->name_len) == 0;
}

int chat_group_claim(struct chat_client *c)
{
	uint64_t start = clock_now_ns(), until = start + 300000000u;
	int sent_again = 0;

	if (chat_client_send(c, CHAT_JOIN, NULL, 0) != EXIT_OK)
		return EXIT_FAIL;
	while (!sig_stop_requested() && clock_ms_until(until) > 0) {
		struct chat_request req;
		struct dgram_info info;
		short revents;
		int got;

		if (!sent_again && clock_now_ns() - start >= 150000000u) {
			sent_again = 1; /* UDP may lose the first */
			if (chat_client_send(c, CHAT_JOIN, NULL, 0) != EXIT_OK)
				return EXIT_FAIL;
		}
		if (sock_wait(c->fd, POLLIN, sent_again ? clock_ms_until(until) : 150, &revents) <= 0)
			continue;
		got = receive_request(c, &req, &info);
		if (got < 0)
			return EXIT_FAIL;
		if (got && req.verb == CHAT_TAKEN && is_me(c, &req))
			return diag_error("join group %s as %s: name taken", c->peer, c->name);
	}
	diag_verbose(1, "no peer answered T %s within 300 ms: the name is ours", c->name);
	return EXIT_OK;
}

/* One datagram from a peer: a notice, a message, or a claim on our name. */
static int peer_request(struct chat_client *c, const struct chat_request *req)
{
	if (is_me(c, req)) {
		if (req->verb != CHAT_JOIN)
			return EXIT_OK; /* our own datagram, looped back */
		/* someone claims our name: say it is taken, to the group (it may not hear unicast yet) */
		diag_verbose(1, "a peer claims our name: T %s to the group", c->name);
		return chat_client_send(c, CHAT_TAKEN, NULL, 0);
	}
	struct chat_line l;
	uint64_t now = clock_now_ns();

	if (req->verb == CHAT_JOIN) {
		/* a claim comes twice (UDP may lose one): one notice */
		if (req->name_len == strlen(c->last_join) &&
		    memcmp(req->name, c->last_join, req->name_len) == 0 && now - c->last_join_ns < 1000000000u)
			return EXIT_OK;
		memcpy(c->last_join, req->name, req->name_len);
		c->last_join[req->name_len] = '\0';
		c->last_join_ns = now;
	}
	buf_clear(&c->line);
	if (req->verb == CHAT_JOIN || req->verb == CHAT_QUIT)
		buf_printf(&c->line, "%.*s %s", (int)req->name_len, req->name,
		           req->verb == CHAT_JOIN ? "joined" : "left");
	else if (req->verb == CHAT_SAY)
		buf_printf(&c->line, "%.*s: %.*s", (int)req->name_len, req->name, (int)req->text_len,
		           req->text);
	else
		return EXIT_OK;
	chat_parse_line(c->line.data, c->line.len, &l);
	return chat_client_print(c, &l, c->line.data, c->line.len);
}

int chat_group_receive(struct chat_client *c)
{
	struct chat_request req;
	struct dgram_info info;
	int got = receive_request(c, &req, &info);

	if (got < 0)
		return EXIT_FAIL;
	return got ? peer_request(c, &req) : EXIT_OK;
}
