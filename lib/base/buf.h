/*
 * buf.h - a growable byte buffer.
 *
 * Promise: data[0..len) holds the bytes appended and not yet consumed;
 * data is NUL-terminated past len when cap > 0 (handy for text, never
 * relied on for binary).  Growth is geometric.  Allocation failure returns
 * -1 with errno ENOMEM and leaves the buffer as it was.
 */
#ifndef SOCKBOX_BUF_H
#define SOCKBOX_BUF_H

#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

/* Makes room for at least extra more bytes: 0 or -1. */
int buf_reserve(struct buf *b, size_t extra);

/* Appends len bytes: 0 or -1. */
int buf_append(struct buf *b, const void *data, size_t len);

/* Appends a C string: 0 or -1. */
int buf_append_str(struct buf *b, const char *s);

/* Appends one byte: 0 or -1. */
int buf_append_byte(struct buf *b, char c);

/* Appends printf-formatted text: 0 or -1. */
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Drops the first n bytes (all of them if n >= len). */
void buf_consume(struct buf *b, size_t n);

/* Empties the buffer, keeping its memory. */
void buf_clear(struct buf *b);

/* Releases the memory; the buffer is empty and reusable afterwards. */
void buf_free(struct buf *b);

#endif
