/*
 * logentry.h - the log-writer file format, and reading its last number
 * back from the end of a file.
 *
 * The format (it is the file format of a log sockbox-log-writer(1) keeps):
 * one entry per line,
 *
 *	N. STAMP[ MESSAGE]\n
 *
 * N the entry number in decimal (1 to LOGENTRY_DIGITS_MAX digits, no sign,
 * no space before it), then ". ", then the time stamp and the message.
 * Other lines (text a person or another program added) are allowed and
 * skipped.  Numbering goes on from the last complete entry: the last line
 * ended by '\n' that starts with "N. ".
 *
 * A torn end: bytes after the last newline.  When they could be the start
 * of an entry ("12", "12.", "12. Fri Au"), a writer was cut off inside
 * write(2) and the entry is to be removed; any other torn line is text,
 * to be completed with a newline.
 *
 * Promise: the readers take untrusted bytes, never read outside what they
 * are given, never write and never print; the file is read backward in
 * bounded windows (file/tail.h), so resuming costs what the distance to
 * the last entry costs, never the size of the file.
 */
#ifndef SOCKBOX_LOGENTRY_H
#define SOCKBOX_LOGENTRY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/buf.h"

/* Any 19-digit number fits in 64 bits. */
#define LOGENTRY_DIGITS_MAX 19

/* What the end of a log says: where numbering goes on, what to repair. */
struct logentry_resume {
	int found;
	uint64_t last;   /* the last complete entry's number, when found */
	size_t torn_len; /* bytes after the last newline */
	int torn_entry;  /* they are an unfinished entry (else: text) */
	size_t looked;   /* bytes read backward */
};

/* Whether line[0..len) starts with an entry number "N. ": 1 and *number, or 0. */
int logentry_number(const char *line, size_t len, uint64_t *number);

/* Whether a torn last line p[0..len) is the start of an entry a writer did
 * not finish, rather than someone's text: 1 or 0. */
int logentry_is_fragment(const char *p, size_t len);

/* Reads the end of the log fd, size bytes long, into scratch: first
 * `first` bytes, growing up to `max` (see tail_scan).  0 with *rp filled,
 * or -1 with errno (pread(2), ENOMEM). */
int logentry_find_resume(int fd, off_t size, size_t first, size_t max, struct buf *scratch,
                         struct logentry_resume *rp);

#endif
