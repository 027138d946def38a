/*
 * escape.h - bytes as one line of text, and back.
 *
 * Promise: escape_bytes writes printable ASCII (0x20-0x7e) as is, except
 * the backslash, which becomes "\\"; tab, newline and carriage return
 * become "\t", "\n", "\r"; every other byte becomes "\xHH" (lowercase hex).
 * The result never contains a newline or a control character, so a record
 * stays one line.  unescape_bytes reads exactly that language back (and
 * also "\0", "\'", "\"", "\a", "\b", "\f", "\v", as Python's bytes
 * literals do) and refuses anything else.
 */
#ifndef SOCKBOX_ESCAPE_H
#define SOCKBOX_ESCAPE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/* Appends the escaped form of data[0..len) to out: 0, or -1 when out of memory. */
int escape_bytes(struct buf *out, const void *data, size_t len);

/*
 * Length (1-4) of the UTF-8 sequence at s (at most left bytes, left >= 1)
 * and, when cp is not NULL, its code point; 0 when it is not a valid
 * sequence (RFC 3629: no overlong forms, no surrogates, nothing past
 * U+10FFFF, no truncated sequence).  The one UTF-8 decoder of lib.
 */
size_t escape_utf8_next(const void *s, size_t left, uint32_t *cp);

/* Value of the hexadecimal digit c (0-9, a-f, A-F), or -1 for any other character. */
int escape_hex_value(char c);

/*
 * Appends the bytes text[0..len) stands for to out.  0; -1 with errno
 * EINVAL on a malformed escape (*bad_offset set to its offset in text), or
 * ENOMEM.
 */
int unescape_bytes(struct buf *out, const char *text, size_t len, size_t *bad_offset);

#endif
