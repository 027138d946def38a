/*
 * httpc.h - the client side of HTTP/1.1: one connection, kept alive
 * between requests, and one request-response exchange at a time over it,
 * every step timed on the monotonic clock and bounded by a deadline.
 *
 * Promise: httpc_connect finds the addresses (a unix socket, a
 * HOST:PORT:ADDR override, or getaddrinfo on a helper thread so the
 * deadline bounds it), races them (net/connect.h: families interleaved,
 * the next address after 250 ms, each attempt with its own connect
 * timeout) and records every attempt, then runs the TLS handshake for https; or it
 * reuses the open connection when it leads to the same origin and the
 * server has not closed it meanwhile.  httpc_exchange sends a request and
 * feeds the response to the strict parser of http.h, handing the head and
 * the body bytes to the caller as they come.  The phases land in a
 * struct httpc_timing, in order.  Failures return -1 with a message in
 * c->error (for example "connect 127.0.0.1:9: Connection refused") and
 * say whether trying again could help; a signal that the caller's
 * interrupted() hook confirms ends any wait with errno EINTR.  Nothing
 * here prints or exits; OpenSSL writes with write(2), so the caller
 * ignores SIGPIPE.
 */
#ifndef SOCKBOX_HTTPC_H
#define SOCKBOX_HTTPC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "net/addr.h"
#include "net/connect.h"
#include "base/buf.h"
#include "http/http.h"
#include "net/tls.h"
#include "http/url.h"

#define HTTPC_MAX_ADDRESSES 16
#define HTTPC_ERROR_MAX 600
#define HTTPC_READ_SIZE (64 * 1024)

/* How to reach servers; set once, read by every connect. */
struct httpc_config {
	int family;                  /* AF_UNSPEC, AF_INET, AF_INET6 */
	const char *unix_path;       /* connect here instead of the URL's host */
	const char *const *resolves; /* "HOST:PORT:ADDR[,ADDR...]": no DNS for HOST:PORT */
	size_t resolve_count;
	double connect_timeout; /* seconds per address tried */
	struct tls_config tls;
	int (*interrupted)(void); /* 1 when a signal means stop; NULL: never */
};

/* When each phase ended, in monotonic ns; 0 when it was not reached.
 * A reused connection has dns = connect = tls = start; plain http has
 * tls = connect: the marks never go backwards. */
struct httpc_timing {
	uint64_t start, dns, connect, tls, first_byte, end;
};

/* One connect attempt. */
struct httpc_attempt {
	char address[ADDR_TEXT_MAX];
	int error; /* 0: connected */
	double ms;
};

/* What the caller wants done with the response as it arrives; each hook
 * returns 0, or -1 (after writing c->error) to abandon the exchange. */
struct httpc_handler {
	void *arg;
	int (*on_head)(void *arg, const struct http_response *r); /* interim 1xx too */
	int (*on_body)(void *arg, const char *data, size_t len);
};

/* The request: method, URL, fields beyond the defaults, body. */
struct httpc_request {
	const char *method;
	const struct url *url;
	const struct url *origin;  /* credentials (Authorization, Cookie) go here only */
	const char *user_agent;    /* NULL: sockbox/VERSION */
	const char *const *fields; /* "Name: value"; "Name:" drops a default */
	size_t field_count;
	const char *body; /* NULL: none */
	size_t body_len;
	int close; /* ask for "Connection: close" */
};

struct httpc {
	const struct httpc_config *config;
	struct tls_client *tls_client; /* made at the first https connection */
	int fd;                        /* -1: not connected */
	struct tls_conn *tls;
	struct url origin;          /* what fd leads to */
	char remote[ADDR_TEXT_MAX]; /* "127.0.0.1:8080", "unix:/run/x.sock" */
	struct tls_info tls_info;   /* valid when tls_used */
	int tls_used;
	/* what the last httpc_connect did */
	int reused;
	char resolved[HTTPC_MAX_ADDRESSES * 48];            /* "127.0.0.1:80, [::1]:80" */
	struct httpc_attempt attempts[HTTPC_MAX_ADDRESSES]; /* in the order started */
	size_t attempt_count;
	struct connect_race race; /* the same, with the order of events */
	/* what the last failure was */
	char error[HTTPC_ERROR_MAX];
	int retryable;        /* a connection failure, a timeout, a reset */
	int nothing_received; /* it failed before the first response byte */
	int leftover;         /* bytes came after the response: not reused */
	struct http_response response;
	char read_buf[HTTPC_READ_SIZE];
};

/* An unconnected client; max_head bounds each response head (http.h). */
void httpc_init(struct httpc *c, const struct httpc_config *config, size_t max_head);

/* Makes the TLS context now (trust store, CA file), so that its cost is
 * not counted in the first handshake: 0, or -1 with c->error. */
int httpc_tls_prepare(struct httpc *c);

/* Connects to u's origin, or keeps the open connection: 0 or -1. */
int httpc_connect(struct httpc *c, const struct url *u, uint64_t deadline_ns, struct httpc_timing *t);

/* The request message, head and body, into out (replacing it): the
 * request line, Host, User-Agent, Accept, Content-Length when a body goes
 * or the method expects one, the extra fields, the empty line, the body.
 * Returns the length of the head, or -1 when out of memory. */
long httpc_build_request(struct buf *out, const struct httpc_request *req);

/*
 * Sends request[0..len) on the connection and reads the response through
 * the parser (no_body: the request was HEAD) until it is complete, calling
 * the handler on the way.  c->response keeps status, fields, framing and
 * body size afterwards.  The connection is closed unless it may carry
 * another request.  0 or -1.
 */
int httpc_exchange(struct httpc *c, const char *request, size_t len, int no_body,
                   const struct httpc_handler *h, uint64_t deadline_ns, struct httpc_timing *t);

/* Closes the connection (the client stays usable). */
void httpc_close(struct httpc *c);

/* Closes and releases everything. */
void httpc_free(struct httpc *c);

/* One --resolve entry, "HOST:PORT:ADDR[,ADDR...]" as curl takes it. */
struct httpc_resolve {
	struct http_slice host; /* inside the entry */
	unsigned port;          /* 1-65535 */
	const char *addrs;      /* the rest of the entry: addresses, comma-separated */
};

/* Splits entry: 0, or -1 with errno EINVAL when it has no host, a port
 * that is not a number of 1-65535, or no address.  The addresses are
 * checked when they are used (httpc_connect). */
int httpc_resolve_parse(const char *entry, struct httpc_resolve *out);

/* poll(2) on fd until deadline_ns (0: none): 0 ready, -1 with errno
 * ETIMEDOUT, or EINTR when a signal came and interrupted() said stop. */
int httpc_wait(int fd, short events, uint64_t deadline_ns, int (*interrupted)(void));

#endif
