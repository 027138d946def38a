/*
 * replace.h - write a new version of a file beside it, then put it in place
 * in one step.
 *
 * Promise: replace_begin creates DIR/.NAME.XXXXXX next to path, exclusively
 * (O_EXCL) and readable by its owner only (0600).  Nothing written there is
 * visible under path until replace_commit renames it over path, which
 * readers see as one step: the old file or the new one, never a part of
 * either.  replace_abort removes the temporary file; after a failed commit
 * it still exists, for replace_abort to remove.  None of them prints.
 *
 *	struct replace r;
 *	if (replace_begin(&r, "out.txt") < 0) ...            errno from open(2)
 *	write(r.fd, ...); fchmod(r.fd, 0644); fsync(r.fd);
 *	if (replace_commit(&r, 0) < 0) { ...; replace_abort(&r); }
 *	replace_sync_dir("out.txt");                          the new name, durable
 */
#ifndef SOCKBOX_REPLACE_H
#define SOCKBOX_REPLACE_H

#include <limits.h>

struct replace {
	const char *path;   /* the file created or replaced; the caller keeps it alive */
	char tmp[PATH_MAX]; /* the temporary file's name, kept after commit and abort */
	int exists;         /* the temporary file exists */
	int fd;             /* open (O_RDWR) on tmp until commit or abort, else -1 */
	const char *failed; /* after a failure: the call that failed, "open", "close", "rename", ... */
};

/* Creates the temporary file: 0, or -1 with errno set (nothing created, r->fd -1). */
int replace_begin(struct replace *r, const char *path);

/*
 * Closes r->fd, checking for a late write error, then renames the temporary
 * file over path.  With no_clobber an existing path is never replaced, with
 * no window between the check and the rename (RENAME_NOREPLACE, or link(2)
 * on file systems without it): -1 with errno EEXIST.  0 or -1.
 */
int replace_commit(struct replace *r, int no_clobber);

/* Closes r->fd if open and removes the temporary file if it exists: 0, or
 * -1 if unlink failed (the file is left, r->tmp names it). */
int replace_abort(struct replace *r);

/* fsync(2) of the directory holding path, which makes a new name durable: 0 or -1. */
int replace_sync_dir(const char *path);

#endif
