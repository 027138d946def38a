/*
 * handler.h - what a server sends back: the stream transforms shared by
 * tcp-echo (in every concurrency model) and the multiplexing servers.
 *
 * Promise: a handler turns the bytes a client sent into the bytes owed
 * back, incrementally: it may be fed any split of the stream (one byte at a
 * time or everything at once) and produces the same output, because TCP is
 * a byte stream and keeps no message boundaries.  It never does IO: the
 * caller reads, feeds, and writes what the handler appended to `out`, in
 * blocking or non-blocking code alike.
 *
 *   echo     the bytes as received
 *   upper    the bytes with ASCII a-z turned to A-Z
 *   discard  nothing
 *   reply    a fixed TEXT plus "\n" for every line received (a last line
 *            without its newline is answered when the client ends)
 *   frame    length-prefixed messages: a 4-byte big-endian length, then
 *            the payload; each message is echoed whole once it is complete,
 *            however TCP split or joined it (the cure for "sticky packets")
 *
 * The http handler of the multiplexing servers is not a stream transform
 * and lives in its own module.
 *
 * Threads: a struct handler holds one connection's stream state, so it
 * belongs to one thread at a time; different handlers may run in different
 * threads at once (the module keeps no state of its own beyond a constant
 * table of names).  The reply text is only read, and may be shared.
 */
#ifndef SOCKBOX_HANDLER_H
#define SOCKBOX_HANDLER_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

enum handler_kind {
	HANDLER_ECHO,
	HANDLER_UPPER,
	HANDLER_DISCARD,
	HANDLER_REPLY,
	HANDLER_FRAME,
};

/* Default and hard limit of one frame's payload. */
#define HANDLER_FRAME_MAX_DEFAULT (16u * 1024 * 1024)

struct handler {
	enum handler_kind kind;
	const char *reply; /* HANDLER_REPLY: the text, without newline */
	size_t reply_len;
	uint32_t max_frame; /* HANDLER_FRAME: largest payload accepted */
	/* stream state */
	int line_open;           /* REPLY: a line has begun and not ended */
	unsigned char header[4]; /* FRAME: the length prefix being read */
	size_t header_have;
	uint32_t frame_len; /* FRAME: payload length of the current message */
	struct buf frame;   /* FRAME: the current message, prefix included */
	int in_payload;
	uint64_t messages; /* lines answered (REPLY) or frames echoed (FRAME) */
};

/* Sets up h; reply is used by HANDLER_REPLY and must outlive h. */
void handler_init(struct handler *h, enum handler_kind kind, const char *reply);

/* Kind named "echo", "upper", "discard", "reply" or "frame"; -1 for others. */
int handler_kind_from_name(const char *name);

/* Name of a kind, for messages and summaries. */
const char *handler_kind_name(enum handler_kind kind);

/*
 * Feeds len received bytes; appends what is owed to out (a frame only once
 * it is whole: until then it waits inside the handler).  0, or -1 with
 * errno EMSGSIZE (a frame longer than max_frame) or ENOMEM.
 */
int handler_input(struct handler *h, const void *in, size_t len, struct buf *out);

/*
 * The client ended its sending side: appends what is still owed (reply to
 * an unterminated last line).  0, or -1 with errno EPROTO when the stream
 * ended inside a frame.
 */
int handler_end(struct handler *h, struct buf *out);

/* Releases what the handler holds (a partial frame). */
void handler_free(struct handler *h);

#endif
