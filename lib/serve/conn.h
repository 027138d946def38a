/*
 * conn.h - one client of a non-blocking server: its buffers, its handler,
 * and the read and write steps an event loop calls when the kernel says
 * the socket is ready.
 *
 * Promise: the steps never block (the socket is O_NONBLOCK; EAGAIN ends a
 * step) and never print; the loop decides what to watch from three
 * questions, conn_wants_read, conn_wants_write and conn_finished, and
 * closes the connection with conn_free.
 *
 * Output is a struct buf, whose read offset marks what is sent: a send
 * consumes from the front by moving the offset, not the bytes, and the
 * buffer is reset once empty (or compacted by buf_reserve when the unsent
 * part is small), so a slow reader costs no memmove per send.  Backpressure: once a client owes more than
 * svc->out_bound bytes of output, it is not read until the output drains
 * below half of that, so a client that never reads grows nothing but its
 * socket buffers.  The input read per step is sized so the output it
 * makes cannot overshoot the bound by more than one read's worth.
 */
#ifndef SOCKBOX_CONN_H
#define SOCKBOX_CONN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "net/addr.h"
#include "base/buf.h"
#include "serve/handler.h"
#include "http/httpd.h"

/* Default bound of one client's unsent output. */
#define CONN_OUT_BOUND (256 * 1024)

/* What every connection of one server shares. */
struct conn_service {
	int http;                /* 1: the http handler, 0: handler_kind */
	enum handler_kind kind;  /* echo, upper, discard, reply */
	const char *reply;       /* reply: the text */
	struct httpd_site *site; /* http: the root and the cache */
	char *scratch;           /* one read buffer for every connection */
	size_t scratch_size;
	size_t out_bound;  /* backpressure bound of unsent output */
	uint64_t bytes_in; /* totals over every connection */
	uint64_t bytes_out;
};

struct conn {
	int fd;
	char peer[ADDR_TEXT_MAX];
	struct buf out;         /* bytes owed to the client, its offset at the first unsent one */
	struct buf sending;     /* a completion loop: bytes handed to the kernel in one send, not yet
	                           completed (the handler appends to out meanwhile); always empty
	                           for the readiness loops */
	int pipe_fds[2];        /* a completion loop: the pipe file bytes are spliced through, -1 */
	size_t in_pipe;         /* bytes of the file in that pipe, not yet sent */
	struct httpd_file file; /* http: a file region owed once out is sent */
	struct buf in;          /* http: bytes read and not yet answered */
	struct handler handler; /* stream handlers */
	struct httpd_conn http;
	uint64_t bytes_in;
	uint64_t bytes_out;
	int read_closed;   /* the client ended its sending side */
	int failed;        /* reset, or an error: close without flushing */
	int paused;        /* backpressure: not read until output drains */
	int read_drained;  /* the last read said EAGAIN (edge-triggered bookkeeping) */
	int write_blocked; /* the last send said EAGAIN */
	/* owned by the loop that holds the connection */
	size_t slot;                /* index in the server's table */
	unsigned watched;           /* events the kernel was last told to watch */
	uint64_t deadline_ns;       /* idle deadline, 0 for none */
	struct conn *older, *newer; /* the idle list, oldest first */
	unsigned ops;               /* io_uring: operations in flight, each owing a completion */
	unsigned armed;             /* io_uring: which kinds of operation are in flight (a mask) */
	int dying;                  /* io_uring: dropped, freed once ops reaches 0 */
};

/* A new connection for fd (non-blocking, already accepted); NULL on ENOMEM. */
struct conn *conn_new(int fd, const struct conn_service *svc, const char *peer);

/* Closes the socket and any file being sent, and frees everything. */
void conn_free(struct conn *c);

/*
 * One read from the socket into the shared scratch buffer, fed to the
 * handler; then sends what it can.  Bytes read (> 0); 0 at end of stream
 * (read_closed set); -1 with errno EAGAIN when nothing was there, or
 * another errno when the connection failed (failed set).
 */
ssize_t conn_read(struct conn *c, struct conn_service *svc);

/*
 * Sends the output owed (the buffer, then a file region with sendfile),
 * and answers buffered requests as room frees up, until all is sent or the
 * socket says EAGAIN (write_blocked set).  Bytes sent, or -1 when the
 * connection failed (failed set).
 */
ssize_t conn_write(struct conn *c, struct conn_service *svc);

/*
 * The completion loops' steps, where the kernel has already done the IO:
 *
 * conn_take feeds n bytes the kernel received (n > 0), or the end of the
 * stream (n == 0), to the handler, exactly as conn_read does after its
 * recv: the same return values, minus EAGAIN.
 */
ssize_t conn_take(struct conn *c, struct conn_service *svc, const char *data, size_t n);

/*
 * Nothing is in flight: moves the bytes owed (out) into c->sending for the
 * next send, answering buffered pipelined http requests first when out is
 * empty.  Bytes now in c->sending (0: nothing to send; a file region may
 * be owed), or -1 when the connection failed (ENOMEM).
 */
ssize_t conn_stage(struct conn *c, struct conn_service *svc);

/* A send completed: n bytes of c->sending went out (counted, consumed). */
void conn_sent(struct conn *c, struct conn_service *svc, size_t n);

/* n bytes of the file region were spliced into c->pipe_fds: 0, or -1 when
 * the file shrank under its Content-Length (n == 0, failed set to EPIPE). */
int conn_file_spliced(struct conn *c, struct conn_service *svc, size_t n);

/* A splice from the pipe to the socket completed: n bytes went out. */
void conn_pipe_sent(struct conn *c, struct conn_service *svc, size_t n);

/* Marks c failed with err (a completion's error). */
void conn_fail(struct conn *c, int err);

/* 1 when the loop should watch for readability: not closed, not paused. */
int conn_wants_read(const struct conn *c);

/* 1 when output is owed, so the loop should watch for writability. */
int conn_wants_write(const struct conn *c);

/* 1 when the connection is over: failed, or nothing more to read or send. */
int conn_finished(const struct conn *c);

/* Unsent bytes in the output buffer, in flight and in the splice pipe
 * (a pending file region not counted). */
size_t conn_pending(const struct conn *c);

/* Why a finished connection ends, for narration ("peer closed", "reset"). */
const char *conn_end_reason(const struct conn *c);

#endif
