/*
 * rotate.h - numbered rotation of a file: FILE -> FILE.1 -> ... -> FILE.N.
 *
 * Promise: rotate_files renames FILE.N-1 to FILE.N (replacing the oldest),
 * ..., FILE.1 to FILE.2, then FILE to FILE.1, each with rename(2), so a
 * reader always finds every name whole.  Missing FILE.k are skipped.  It
 * takes no lock: a caller with concurrent writers holds its own around it.
 * rotate_sync_dir makes the new names durable.
 */
#ifndef SOCKBOX_ROTATE_H
#define SOCKBOX_ROTATE_H

/* Room for "PATH.N": strlen(path) + ROTATE_NAME_EXTRA bytes. */
enum { ROTATE_NAME_EXTRA = 24 };

/* Writes "PATH.n" into name (size bytes) and returns name. */
char *rotate_name(char *name, unsigned long size, const char *path, unsigned n);

/* Shifts the names as above, keeping keep (>= 1) old files: 0, or -1 with
 * errno (ENOENT when FILE itself is missing). */
int rotate_files(const char *path, unsigned keep);

/* fsync(2) of the directory that holds path, so that renames and the name
 * of a new file survive a crash: 0, or -1 with errno. */
int rotate_sync_dir(const char *path);

#endif
