/*
 * probebody.h - where http-probe(1) puts a response body: -o FILE, or
 * standard output (--body).
 *
 * Promise: FILE is written through file/atomic beside it and renamed
 * over it only when the response was complete, so it is never half
 * written; standard output gets the bytes as they come, and a reader
 * that went away (EPIPE) only sets stdout_closed: the body is then
 * dropped quietly.  A failure is put in words ("open FILE: ...", "write
 * FILE: ...", "write stdout: ..."); nothing is printed.
 */
#ifndef SOCKBOX_PROBEBODY_H
#define SOCKBOX_PROBEBODY_H

#include <stddef.h>

#include "file/atomic.h"

struct probebody {
	const char *output; /* -o FILE, NULL: none */
	int to_stdout;      /* --body */
	int stdout_closed;  /* stdout's reader went away */
	struct atomic out;  /* FILE's temporary, fd -1 when none is open */
};

/* No body written anywhere yet: for -o output (or NULL) and --body. */
void probebody_init(struct probebody *b, const char *output, int to_stdout);

/* A response's body begins: opens -o's temporary (nothing without -o).
 * 0, or -1 with the reason in error. */
int probebody_open(struct probebody *b, char *error, size_t size);

/* The next len bytes of the body, to FILE and/or stdout: 0, or -1 with
 * the reason in error. */
int probebody_write(struct probebody *b, const char *data, size_t len, char *error, size_t size);

/* The body ended: with ok, FILE takes its name (error set when it could
 * not); without, the temporary is removed.  Safe to call at any time. */
void probebody_close(struct probebody *b, int ok, char *error, size_t size);

#endif
