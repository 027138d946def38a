/*
 * outfile.h - an output file that appears whole or not at all.
 *
 * Promise: outfile_open writes to a temporary file beside the target (same
 * directory, so the same file system); outfile_commit renames it over the
 * target in one step, so a reader sees the old file or the complete new
 * one, never a part; outfile_abort removes it and leaves the target as it
 * was.  A target that exists and is not a regular file (/dev/null, a FIFO,
 * a terminal) is written directly: renaming over it would replace the
 * device node itself.  The new file gets 0666 less the umask, as with
 * open(2).  Functions return -1 with errno set and never print.
 */
#ifndef SOCKBOX_OUTFILE_H
#define SOCKBOX_OUTFILE_H

#include <limits.h>

struct outfile {
	int fd;             /* -1 when not open */
	const char *path;   /* the target */
	char tmp[PATH_MAX]; /* the temporary file, "" when writing directly */
};

#define OUTFILE_INIT                                                                                         \
	{                                                                                                    \
		-1, NULL, ""                                                                                 \
	}

/* Opens for writing the file that will become path: 0 or -1. */
int outfile_open(struct outfile *o, const char *path);

/* Closes, and renames the temporary file into place: 0, or -1 with the
 * temporary file removed. */
int outfile_commit(struct outfile *o);

/* Closes and removes the temporary file; nothing if not open. */
void outfile_abort(struct outfile *o);

#endif
