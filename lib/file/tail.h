/*
 * tail.h - the end of a text file, read backward in bounded windows.
 *
 * Promise: tail_scan reads a file from its end backward with pread(2):
 * first `first` bytes, then 16 times more at each step, never more than
 * `max` bytes, so what it costs depends on how far back the answer lies
 * and never on the size of the file.  It reports the torn last line (the
 * bytes after the final newline, when the file does not end with one) and
 * finds the last complete line (ended by '\n') that accept() takes.  It
 * never writes and never prints.
 */
#ifndef SOCKBOX_TAIL_H
#define SOCKBOX_TAIL_H

#include <stddef.h>
#include <sys/types.h>

#include "base/buf.h"

/* Says whether line[0..len) (without its newline) is the one sought: 1 or 0. */
typedef int (*tail_accept)(const char *line, size_t len, void *ctx);

enum tail_result {
	TAIL_FOUND, /* accept() took a complete line */
	TAIL_NONE,  /* no line taken back to the start of the file, or of what max allows */
	TAIL_MORE,  /* (tail_scan_window) the answer may lie before the window */
};

struct tail_scan {
	size_t torn_len;  /* bytes after the last newline; 0 when the file ends with one */
	const char *torn; /* those bytes, when torn_whole (inside the caller's window) */
	int torn_whole;   /* the torn line's start was read (else it is longer than max) */
	size_t looked;    /* bytes read from the end */
};

/* Scans data[0..len), the last len bytes of a file (at_file_start: data[0]
 * is its first byte), filling t; returns an enum tail_result. */
int tail_scan_window(const char *data, size_t len, int at_file_start, tail_accept accept, void *ctx,
                     struct tail_scan *t);

/* Scans the end of the file fd, size bytes long, reading into scratch:
 * TAIL_FOUND or TAIL_NONE, or -1 with errno (pread(2), ENOMEM). */
int tail_scan(int fd, off_t size, size_t first, size_t max, struct buf *scratch, tail_accept accept,
              void *ctx, struct tail_scan *t);

#endif
