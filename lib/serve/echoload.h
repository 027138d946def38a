/*
 * echoload.h - a load generator for echo servers: many connections, one
 * thread, no allocation per message.
 *
 * Promise: drives `conns` connections to an echo server through one
 * epoll(7) loop and checks that every byte comes back unchanged (the
 * payload is a pattern of digits and capital letters, so an uppercasing
 * echo passes too).  Three shapes of load:
 *
 *   ROUNDTRIP  each connection sends one message and waits for all of it
 *              to come back before sending the next (latency per round trip)
 *   STREAM     each connection writes continuously while it reads the echo
 *              back (throughput; no latency figures)
 *   RECONNECT  each round trip on a new connection: connect, send, receive,
 *              close (connections per second; latency includes the
 *              handshake)
 *
 * With `frame`, every message carries a 4-byte big-endian length prefix,
 * which a framing echo server sends back whole.  Nothing here prints:
 * failures come back as one formatted line in fail_text.
 */
#ifndef SOCKBOX_ECHOLOAD_H
#define SOCKBOX_ECHOLOAD_H

#include <netdb.h>
#include <stddef.h>
#include <stdint.h>

#include "net/addr.h"
#include "base/buf.h"
#include "base/hist.h"

enum echoload_mode {
	ECHOLOAD_ROUNDTRIP,
	ECHOLOAD_STREAM,
	ECHOLOAD_RECONNECT,
};

struct echoload_config {
	const struct addrinfo *target; /* the one address every connection goes to */
	int first_fd; /* a socket already connected to target, or -1; always closed by the run */
	enum echoload_mode mode;
	unsigned conns;         /* parallel connections, at least 1 */
	size_t size;            /* payload bytes per message (stream: per write) */
	int frame;              /* length-prefix each message */
	uint64_t count;         /* messages in all; 0: run for duration */
	double duration;        /* seconds, when count is 0 */
	int connect_timeout_ms; /* -1: the kernel's own limit */
	int idle_timeout_ms;    /* a connection idle this long fails the run */
	int (*stop)(void);      /* polled; returning 1 ends the run early (SIGINT) */
};

struct echoload_result {
	uint64_t messages;    /* round trips completed (stream: messages written and echoed) */
	uint64_t connections; /* connections opened */
	uint64_t bytes_sent;  /* prefixes included */
	uint64_t bytes_received;
	double seconds;                      /* from the first send to the last byte back */
	struct hist latency;                 /* nanoseconds per round trip (not for STREAM) */
	char fail_text[ADDR_TEXT_MAX + 160]; /* "receive 127.0.0.1:7: Connection reset by peer" */
};

/* Result codes of echoload_run beyond 0. */
enum {
	ECHOLOAD_FAILED = -1,   /* a connection failed: fail_text says which and why */
	ECHOLOAD_MISMATCH = -2, /* the echo differed from what was sent: fail_text says where */
};

/* Runs the load described by c into r: 0, ECHOLOAD_FAILED or ECHOLOAD_MISMATCH. */
int echoload_run(const struct echoload_config *c, struct echoload_result *r);

/* "roundtrip", "stream" or "reconnect". */
const char *echoload_mode_name(enum echoload_mode mode);

/*
 * Appends the report of a run to out, for people: a title line naming
 * target, mode, connections and message size, then one line each for the
 * round trips (or messages), the connections (RECONNECT), the latency
 * (min, p50, p90, p99, max in microseconds; not for STREAM), and the bytes
 * sent and received with MB/s (10^6 bytes).  interrupted marks a run that
 * a stop ended early.
 */
void echoload_report_text(const struct echoload_config *c, const struct echoload_result *r,
                          const char *target, int interrupted, struct buf *out);

/*
 * The same as one JSON object and a newline, with the keys target, mode,
 * conns, size, frame, seconds, round_trips, round_trips_per_s, connections,
 * connections_per_s, latency_us (min, p50, p90, p99, max; null for STREAM),
 * bytes_sent, bytes_received, mb_per_s_sent, mb_per_s_received, interrupted.
 */
void echoload_report_json(const struct echoload_config *c, const struct echoload_result *r,
                          const char *target, int interrupted, struct buf *out);

#endif
