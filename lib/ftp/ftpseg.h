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
 * file is written exactly once when it returns 0.  ftpseg_agree comes
 * first: every mirror's SIZE, so that no byte is written before the
 * mirrors are known to serve the same length.  -v narration goes through
 * cli/diag, labelled "mirror N: ".
 */
#ifndef SOCKBOX_FTPSEG_H
#define SOCKBOX_FTPSEG_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "ftp/ftpc.h"
#include "http/url.h"

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

/* Before the download: which mirrors answer, and the file's size. */
struct ftpseg_probe {
	const struct ftpc_config *cfg;
	const struct url_ftp *urls; /* the mirrors, in the order given */
	size_t url_count;
	const char *user, *pass;
	int need_hash; /* the first URL's server must offer SHA-256 HASH (FEAT) */
	/* the result */
	int no_hash;       /* need_hash and the first server offers none */
	uint64_t size;     /* agreed by every mirror in m */
	uint64_t start_ns; /* when the first live mirror's session began */
};

/* Each URL's SIZE over its own session (c, closed again), before a byte is
 * written: a mirror that fails is left out (said on stderr); mirrors that
 * disagree stop it (said, FTP_EXIT_VERIFY).  Returns 0 with m[0..*count)
 * filled (their strings point into p), the first failure's exit status
 * when none answers, or EXIT_FAIL, silently, with p->no_hash set. */
int ftpseg_agree(struct ftpseg_probe *p, struct ftpc *c, struct ftpseg_mirror *m, size_t *count);

/* Runs the download: 0 when every byte is written, -1 when every mirror
 * died first (error says the last reason) or a write failed. */
int ftpseg_run(struct ftpseg_job *j);

#endif
