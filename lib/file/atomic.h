/*
 * atomic.h - an output file that appears whole or not at all.
 *
 * Promise: atomic_open creates a temporary file beside the target, in the
 * same directory (so on the same file system) and named DIR/.NAME.XXXXXX,
 * exclusively (O_EXCL, never someone else's file) and readable by its owner
 * only while it fills.  Nothing written there shows under the target's name
 * until atomic_commit renames it over the target, which a reader sees as
 * one step: the old file or the complete new one, never a part.
 * atomic_abort removes it and leaves the target as it was.  The one-shot
 * writes of --port-file and --pid-file use atomic_write_file, built on the
 * same three calls.
 *
 * Not a regular file: a target that exists and is a device, a FIFO or a
 * terminal (/dev/null, /dev/tty) is opened and written directly (direct is
 * set, no temporary file): renaming over it would replace the device node
 * itself.  A symbolic link is not followed: the new file replaces the link
 * (file-copy resolves links before it opens).
 *
 * Mode: the temporary file is 0600 while it fills.  At commit it gets the
 * permission bits of the regular file it replaces, as writing into that
 * file would keep them; a new file gets 0666 less the umask (or the
 * directory's default ACL), as with open(2).  A caller that wants another
 * mode says so with atomic_set_mode (file-copy: SRC's mode, -p), after any
 * fchown(2) of a->fd, which clears set-user-ID and set-group-ID bits.  The
 * owner is the caller's (only root could keep another; file-copy tries).
 *
 * Errors: the functions return -1 with errno set and never print; after
 * a failure a->failed names the call that failed ("open", "fstat",
 * "fchmod", "close", "rename", "link", "unlink"), for the caller's
 * message.  atomic_commit checks close(2), where some file systems (NFS)
 * report a failed write.
 *
 *	struct atomic out = { .fd = -1 };
 *	if (atomic_open(&out, "out.txt", 0) < 0) ...        errno, out.failed
 *	write(out.fd, ...); [atomic_set_mode(&out, 0644); fsync(out.fd);]
 *	if (atomic_commit(&out) < 0) ...                     errno, out.failed
 *	atomic_abort(&out);          after a failure, or always: nothing left
 *	[atomic_sync_dir("out.txt");]                        the new name, durable
 *
 * Not thread-safe on one struct; separate structs may be used in parallel.
 */
#ifndef SOCKBOX_ATOMIC_H
#define SOCKBOX_ATOMIC_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

/* atomic_open flag: never replace an existing target.  atomic_open fails
 * with EEXIST when it exists already, and atomic_commit when it appeared
 * meanwhile, with no window between the check and the rename
 * (RENAME_NOREPLACE, or link(2) on file systems without it). */
#define ATOMIC_NO_CLOBBER 1

struct atomic {
	int fd;             /* open for writing until commit or abort, else -1; set -1 before atomic_open */
	const char *path;   /* the target; the caller keeps it alive */
	char tmp[PATH_MAX]; /* the temporary file's name, kept after commit and abort; "" when direct */
	int tmp_exists;     /* the temporary file is on the disk */
	int direct;         /* the target is not a regular file: fd writes into it, no rename */
	int no_clobber;     /* ATOMIC_NO_CLOBBER was given */
	mode_t mode;        /* the permission bits the file gets */
	int mode_pending;   /* atomic_commit still has to give the file its mode */
	const char *failed; /* after a failure: the system call that failed */
};

/* Opens for writing the file that will become path, with flags 0 or
 * ATOMIC_NO_CLOBBER: 0, or -1 with nothing created and a->fd -1. */
int atomic_open(struct atomic *a, const char *path, int flags);

/* fchmod(2) of the file to mode (07777), which it keeps instead of the default above: 0 or -1. */
int atomic_set_mode(struct atomic *a, mode_t mode);

/* Gives the file its mode, closes a->fd, and renames the temporary file over the
 * target (direct: only closes): 0, or -1 with the temporary file left for
 * atomic_abort. */
int atomic_commit(struct atomic *a);

/* Closes a->fd if open and removes the temporary file if it exists: 0, or
 * -1 if unlink(2) failed (the file is left, a->tmp names it).  Nothing
 * after a commit that succeeded, so it may end every path. */
int atomic_abort(struct atomic *a);

/* fsync(2) of the directory holding path, which makes a new name durable: 0 or -1. */
int atomic_sync_dir(const char *path);

/* Writes len bytes of data as the whole of path, in one step, as above
 * (used for --port-file and --pid-file): 0, or -1 with errno set and
 * nothing left behind. */
int atomic_write_file(const char *path, const void *data, size_t len);

#endif
