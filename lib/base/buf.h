/*
 * buf.h - a growable byte buffer with a read offset.
 *
 * Promise: data[off..len) holds the bytes appended and not yet consumed
 * (buf_head and buf_readable name them); data[0..off) is what was already
 * consumed.  Writers append at data + len, readers take from data + off,
 * so a queue (bytes owed to a socket, input waiting for a whole line) is
 * one struct buf, with no offset of its own kept beside it.  data is
 * NUL-terminated past len when cap > 0 (handy for text, never relied on
 * for binary).
 *
 * Cost: consuming moves the offset, never the bytes, and the buffer goes
 * back to empty (off = len = 0) once everything is consumed.  The unread
 * bytes are moved to the front only when growing would otherwise be
 * needed and the consumed part is at least as large as the unread one, so
 * each byte is moved at most once on average; else the buffer grows
 * geometrically.  Allocation failure returns -1 with errno ENOMEM and
 * leaves the buffer as it was.  A buffer that was never consumed from has
 * off == 0, so data[0..len) is its content, as before.
 */
#ifndef SOCKBOX_BUF_H
#define SOCKBOX_BUF_H

#include <stddef.h>

struct buf {
	char *data;
	size_t off; /* data[0..off) is consumed: the first unread byte */
	size_t len; /* data[len] is where the next append goes */
	size_t cap;
};

#define BUF_INIT                                                                                             \
	{                                                                                                    \
		NULL, 0, 0, 0                                                                                \
	}

/* The first unread byte, data + off (NULL before the first allocation). */
static inline char *buf_head(const struct buf *b)
{
	return b->data ? b->data + b->off : NULL;
}

/* How many bytes are unread: len - off. */
static inline size_t buf_readable(const struct buf *b)
{
	return b->len - b->off;
}

/* Makes room for at least extra more bytes at data + len (compacting when
 * worth it, else growing): 0 or -1.  May move data. */
int buf_reserve(struct buf *b, size_t extra);

/* Appends len bytes: 0 or -1. */
int buf_append(struct buf *b, const void *data, size_t len);

/* Appends a C string: 0 or -1. */
int buf_append_str(struct buf *b, const char *s);

/* Appends one byte: 0 or -1. */
int buf_append_byte(struct buf *b, char c);

/* Appends printf-formatted text: 0 or -1. */
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Marks the first n unread bytes consumed (all of them if n >= readable):
 * moves the offset, not the bytes; empty afterwards means reset. */
void buf_consume(struct buf *b, size_t n);

/* Moves the unread bytes to the front (off = 0) when the consumed part is
 * at least as large as they are; else leaves them.  Never allocates. */
void buf_compact(struct buf *b);

/* Empties the buffer (off = len = 0), keeping its memory. */
void buf_clear(struct buf *b);

/* Releases the memory; the buffer is empty and reusable afterwards. */
void buf_free(struct buf *b);

#endif
