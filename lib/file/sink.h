/*
 * sink.h - where tcp-echo --sink puts what a connection sends.
 *
 * Promise: a connection's bytes appear whole or not at all.  A FILE
 * target is written through file/atomic, beside FILE, and renamed over it
 * only when the connection ends cleanly (sink_commit); a DIR/ target gives
 * each connection its own DIR/conn-N the same way, never replacing a file
 * already there; "-" writes standard output directly, as the bytes come
 * (what went out cannot be taken back).  sink_abort leaves nothing behind.
 * Functions return -1 with errno set and never print.
 */
#ifndef SOCKBOX_SINK_H
#define SOCKBOX_SINK_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "file/atomic.h"

enum sink_kind { SINK_NONE, SINK_STDOUT, SINK_FILE, SINK_DIR };

struct sink {
	enum sink_kind kind;
	const char *target; /* the argument as given */
};

/* One connection's output. */
struct sink_file {
	struct atomic a;
	char path[PATH_MAX]; /* the name it gets; "-" for standard output */
	int fd;              /* where to write, -1 when closed */
};

/* The target arg names: "-" standard output, a trailing '/' a directory,
 * anything else a file. */
void sink_init(struct sink *s, const char *arg);

/* Checks that a DIR/ target is a directory (0 for the others): 0 or -1. */
int sink_check(const struct sink *s);

/* Opens the output of connection number id: 0, or -1 (errno, f->a.failed). */
int sink_open(const struct sink *s, uint64_t id, struct sink_file *f);

/* Writes all len bytes: 0 or -1. */
int sink_write(struct sink_file *f, const void *data, size_t len);

/* The connection ended cleanly: the file takes its name.  0 or -1
 * (nothing left then, after sink_abort). */
int sink_commit(struct sink_file *f);

/* The connection did not end cleanly: removes what was written (not for
 * standard output).  Nothing after a commit, so it may end every path. */
void sink_abort(struct sink_file *f);

#endif
