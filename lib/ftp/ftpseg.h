/*
 * ftpseg.h - one file fetched over several FTP data connections at once,
 * from one server or several mirrors, each block written at its offset.
 *
 * Promise: ftpseg_run splits [0, size) into `segments` ranges and runs one
 * thread per range (the course's threaded download, made safe): thread i
 * starts on mirror i % mirror_count, logs in, and for each range it takes
 * sends REST offset + RETR, reads exactly the range's bytes, writes them
 * with pwrite(2) at their offset (no shared file position, no lock around
 * the writes), then closes that data connection and reads the 426 or 226
 * that follows.  A mirror that fails (refused login, reset, timeout, a
 * file that ends early) is marked dead; the thread puts its range's
 * remaining bytes back in the queue and carries on with the next live
 * mirror, so no byte is lost while one mirror lives.  Every byte of the
 * file is written exactly once when it returns 0.  -v narration goes
 * through cli/diag, labelled "mirror N: ".
 */
#ifndef SOCKBOX_FTPSEG_H
#define SOCKBOX_FTPSEG_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "ftp/ftpc.h"

struct ftpseg_mirror {
	const char *host;
	unsigned port;
	const char *path, *user, *pass;
	/* the run */
	atomic_int dead;
	atomic_uint_fast64_t bytes; /* delivered from this mirror */
	char error[FTPC_ERROR_MAX]; /* why it died */
};

struct ftpseg_job {
	struct ftpc_config cfg; /* every session's settings (label set per mirror) */
	struct ftpseg_mirror *mirrors;
	size_t mirror_count;
	int fd;        /* the output, sized by the caller; pwrite only */
	uint64_t size; /* of the file, agreed by every mirror */
	unsigned segments;
	void (*on_progress)(void *arg, uint64_t done); /* every 100 ms, on the caller's thread; or NULL */
	void *arg;
	/* the run */
	atomic_uint_fast64_t done;     /* bytes written so far (progress) */
	atomic_uint_fast64_t first_ns; /* monotonic time of the first data byte */
	char error[FTPC_ERROR_MAX];    /* why it failed */
};

/* Runs the download: 0 when every byte is written, -1 when every mirror
 * died first (error says the last reason) or a write failed. */
int ftpseg_run(struct ftpseg_job *j);

#endif
