/*
 * host.c - the chat room's rules (see host.h): one request in, the
 * replies and the fan-out it calls for, one event out.
 */
#include "chat/host.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/io.h"
#include "chat/event.h"
#include "cli/diag.h"
#include "net/addr.h"

/* Writes c->out to stdout; a closed pipe ends output quietly. */
static int flush_events(struct chat_host *c)
{
	int status = diag_write_stdout(c->out.data, c->out.len, &c->stdout_closed);

	buf_clear(&c->out);
	return status;
}

/* One server event on stdout (chat/event.h has the format). */
static int server_event(struct chat_host *c, const char *event, const char *source, const char *name,
                        size_t name_len, const char *text, size_t text_len)
{
	if (chat_event_format(&c->out, c->json, event, source, name, name_len, text, text_len) < 0)
		return diag_errno("format event");
	return flush_events(c);
}

void chat_host_report(const struct chat_host *c)
{
	diag_info("%zu members; received %llu datagrams: %llu joins, %llu leaves, %llu timeouts, %llu "
	          "messages, %llu announcements; %llu deliveries in %llu send calls, %llu failed; "
	          "dropped %llu spoofed, %llu over --rate, %llu in the receive queue; refused %llu",
	          c->room.count, (unsigned long long)c->n.received, (unsigned long long)c->n.joins,
	          (unsigned long long)c->n.leaves, (unsigned long long)c->n.timeouts,
	          (unsigned long long)c->n.messages, (unsigned long long)c->n.announcements,
	          (unsigned long long)c->fan.sent, (unsigned long long)c->fan.syscalls,
	          (unsigned long long)c->fan.failed, (unsigned long long)c->n.spoofed,
	          (unsigned long long)c->n.rate_limited, (unsigned long long)c->n.rxq_dropped,
	          (unsigned long long)c->n.refused);
}

/* Sends "TEXT" (printf-style) to one address. */
static void reply(struct chat_host *c, const struct dgram_info *to, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void reply(struct chat_host *c, const struct dgram_info *to, const char *fmt, ...)
{
	char text[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	chat_send_to(c->fd, text, strlen(text), (const struct sockaddr *)&to->source, to->source_len, &c->fan);
}

/* Refuses a request: "ERR REASON" to its sender, a refuse event. */
static int refuse(struct chat_host *c, const struct dgram_info *info, const char *source,
                  const struct chat_request *req, const char *reason)
{
	c->n.refused++;
	reply(c, info, "ERR %s", reason);
	diag_verbose(1, "refused %s: %s", source, reason);
	return server_event(c, "refuse", source, req ? req->name : NULL, req ? req->name_len : 0, reason,
	                    strlen(reason));
}

/* Fans the line in c->line out to every member but except. */
static void fan_out(struct chat_host *c, const struct chat_member *except)
{
	size_t sent = chat_fanout(c->fd, c->line.data, c->line.len, &c->room, except, c->use_mmsg, &c->fan);

	diag_verbose(2, "fan-out of %zu bytes to %zu members", c->line.len, sent);
}

static int notice(struct chat_host *c, const struct chat_member *except, const char *name, const char *what)
{
	buf_clear(&c->line);
	buf_printf(&c->line, "%s %s", name, what);
	fan_out(c, except);
	return EXIT_OK;
}

static int handle_join(struct chat_host *c, const struct dgram_info *info, const char *source,
                       const struct chat_request *req)
{
	const struct sockaddr *from = (const struct sockaddr *)&info->source;
	struct chat_member *m = chat_room_by_name(&c->room, req->name, req->name_len);
	struct chat_member *here = chat_room_by_addr(&c->room, from, info->source_len);
	unsigned heartbeat = (unsigned)(c->timeout / 3);

	if (m && chat_addr_equal((const struct sockaddr *)&m->addr, from)) {
		/* the OK was lost and the client asked again: same answer */
		m->last_heard_ns = clock_now_ns();
		reply(c, info, "OK %d %u", CHAT_PROTOCOL_VERSION, heartbeat);
		return EXIT_OK;
	}
	if (m)
		return refuse(c, info, source, req, "name taken");
	if (here)
		return refuse(c, info, source, req, "address already joined");
	m = chat_room_add(&c->room, req->name, req->name_len, from, info->source_len, clock_now_ns());
	if (!m)
		return refuse(c, info, source, req, "room full");
	c->n.joins++;
	reply(c, info, "OK %d %u", CHAT_PROTOCOL_VERSION, heartbeat);
	diag_verbose(1, "%s joined from %s: %zu members", m->name, source, c->room.count);
	notice(c, m, m->name, "joined");
	return server_event(c, "join", source, req->name, req->name_len, NULL, 0);
}

/*
 * The member a C, Q or H names, if the datagram came from its address.
 * NULL after the request was refused (not joined) or dropped (spoofed).
 */
static struct chat_member *sender(struct chat_host *c, const struct dgram_info *info, const char *source,
                                  const struct chat_request *req, int *rc)
{
	struct chat_member *m = chat_room_by_name(&c->room, req->name, req->name_len);

	*rc = EXIT_OK;
	if (!m) {
		*rc = refuse(c, info, source, req, "not joined");
		return NULL;
	}
	if (!chat_addr_equal((const struct sockaddr *)&m->addr, (const struct sockaddr *)&info->source)) {
		/* No reply: the real sender may be a victim whose address was forged. */
		c->n.spoofed++;
		diag_verbose(1, "dropped %c from %s: %s joined from another address", req->verb, source,
		             m->name);
		*rc = server_event(c, "drop", source, req->name, req->name_len, "spoofed", 7);
		return NULL;
	}
	m->last_heard_ns = clock_now_ns();
	return m;
}

static int handle_say(struct chat_host *c, const struct dgram_info *info, const char *source,
                      const struct chat_request *req)
{
	int rc;
	struct chat_member *m = sender(c, info, source, req, &rc);

	if (!m)
		return rc;
	if (!chat_room_allow(&c->room, m, clock_now_ns())) {
		c->n.rate_limited++;
		diag_verbose(2, "dropped a message of %s: over --rate", m->name);
		return server_event(c, "drop", source, req->name, req->name_len, "rate", 4);
	}
	c->n.messages++;
	buf_clear(&c->line);
	buf_printf(&c->line, "%s: ", m->name);
	buf_append(&c->line, req->text, req->text_len);
	fan_out(c, m);
	return server_event(c, "message", source, req->name, req->name_len, req->text, req->text_len);
}

static int handle_quit(struct chat_host *c, const struct dgram_info *info, const char *source,
                       const struct chat_request *req)
{
	char name[CHAT_NAME_BYTES + 1];
	int rc;
	struct chat_member *m = sender(c, info, source, req, &rc);

	if (!m)
		return rc;
	c->n.leaves++;
	reply(c, info, "EXIT");
	memcpy(name, m->name, sizeof name);
	chat_room_remove(&c->room, m);
	diag_verbose(1, "%s left: %zu members", name, c->room.count);
	notice(c, NULL, name, "left");
	return server_event(c, "leave", source, req->name, req->name_len, NULL, 0);
}

/* W: the member list, in as many "MEMBERS ..." datagrams as --max-size needs. */
static int handle_who(struct chat_host *c, const struct dgram_info *info, const char *source)
{
	if (!chat_room_by_addr(&c->room, (const struct sockaddr *)&info->source, info->source_len))
		return refuse(c, info, source, NULL, "not joined");
	buf_clear(&c->line);
	buf_append_str(&c->line, "MEMBERS");
	for (size_t i = 0; i < c->room.count; i++) {
		const char *name = c->room.members[i].name;
		if (c->line.len + 1 + strlen(name) > c->max_size) {
			chat_send_to(c->fd, c->line.data, c->line.len, (const struct sockaddr *)&info->source,
			             info->source_len, &c->fan);
			buf_clear(&c->line);
			buf_append_str(&c->line, "MEMBERS");
		}
		buf_printf(&c->line, " %s", name);
	}
	chat_send_to(c->fd, c->line.data, c->line.len, (const struct sockaddr *)&info->source,
	             info->source_len, &c->fan);
	return EXIT_OK;
}

int chat_host_datagram(struct chat_host *c, size_t kept, const struct dgram_info *info)
{
	char source[ADDR_TEXT_MAX], reason[64];
	struct chat_request req;
	int rc;

	addr_format((const struct sockaddr *)&info->source, info->source_len, source, sizeof source);
	diag_verbose(2, "datagram of %zu bytes from %s", info->length, source);
	if (info->has_rxq_ovfl && info->rxq_dropped > c->n.rxq_dropped) {
		diag_verbose(1, "the receive queue overflowed: %u datagrams dropped so far (SO_RXQ_OVFL)",
		             info->rxq_dropped);
		c->n.rxq_dropped = info->rxq_dropped;
	}
	if (info->truncated) {
		/* MSG_TRUNC: the kernel cut it to our buffer; refuse it whole rather than relay half */
		snprintf(reason, sizeof reason, "too long (max %zu bytes)", c->max_size);
		return refuse(c, info, source, NULL, reason);
	}
	rc = chat_parse_request(c->datagram, kept, &req);
	if (rc != CHAT_OK)
		return refuse(c, info, source, rc == CHAT_ERR_REQUEST ? NULL : &req, chat_reason(rc));
	switch (req.verb) {
	case CHAT_JOIN:
		return handle_join(c, info, source, &req);
	case CHAT_SAY:
		return handle_say(c, info, source, &req);
	case CHAT_QUIT:
		return handle_quit(c, info, source, &req);
	case CHAT_HEARTBEAT:
		sender(c, info, source, &req, &rc);
		return rc;
	default:
		return handle_who(c, info, source);
	}
}

/* One operator line: "admin: TEXT" to every member. */
int chat_host_announce(struct chat_host *c, const char *text, size_t len)
{
	if (len && text[len - 1] == '\r')
		len--;
	if (chat_text_check(text, len) != CHAT_OK || len + 7 > c->max_size) {
		diag_error("announcement not sent: %s",
		           len + 7 > c->max_size ? "longer than --max-size" : "not UTF-8 text");
		return EXIT_OK;
	}
	c->n.announcements++;
	buf_clear(&c->line);
	buf_printf(&c->line, "%s: ", CHAT_ADMIN_NAME);
	buf_append(&c->line, text, len);
	fan_out(c, NULL);
	return server_event(c, "announce", "-", CHAT_ADMIN_NAME, strlen(CHAT_ADMIN_NAME), text, len);
}

/* Removes the members silent for longer than --timeout; returns when the next one expires. */
uint64_t chat_host_sweep(struct chat_host *c)
{
	uint64_t now = clock_now_ns(), limit = clock_seconds_to_ns(c->timeout), next = 0;

	if (c->timeout <= 0)
		return 0;
	for (size_t i = c->room.count; i-- > 0;) {
		struct chat_member *m = &c->room.members[i];
		char name[CHAT_NAME_BYTES + 1], source[ADDR_TEXT_MAX];
		if (now - m->last_heard_ns < limit) {
			if (!next || m->last_heard_ns + limit < next)
				next = m->last_heard_ns + limit;
			continue;
		}
		c->n.timeouts++;
		memcpy(name, m->name, sizeof name);
		addr_format((const struct sockaddr *)&m->addr, m->addr_len, source, sizeof source);
		chat_room_remove(&c->room, m);
		diag_verbose(1, "%s silent for %g s: removed", name, c->timeout);
		notice(c, NULL, name, "left (timeout)");
		server_event(c, "timeout", source, name, strlen(name), NULL, 0);
	}
	return next;
}
