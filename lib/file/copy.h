/*
 * copy.h - move the bytes of one file descriptor into another by the
 * fastest path the kernel accepts, keeping holes.
 *
 * Promise: copy_run copies in_fd from its current offset to end of file
 * into out_fd at its current offset, and leaves both offsets after what it
 * copied.  The paths, fastest first:
 *   copy_file_range(2)  both ends regular files: the kernel moves the pages
 *                       (or shares the extents, on a file system that can);
 *   sendfile(2)         any input the kernel can splice from, into any
 *                       output (a pipe, a socket, a file on another device);
 *   read(2)/write(2)    anything, through a buffer of buffer_size bytes.
 * COPY_AUTO starts with copy_file_range and moves down the list when the
 * kernel says a path does not apply here (ENOSYS, EXDEV, EINVAL,
 * EOPNOTSUPP, EBADF for an append-only output); a named method never
 * falls back.  Holes: when both ends are regular files and sparse is not
 * NEVER, only the data ranges SEEK_DATA/SEEK_HOLE report are copied, the
 * holes are skipped in the output (which must then be an empty file), and
 * out_fd is truncated to the input's length; ALWAYS also turns all-zero
 * blocks into holes where the read-write path runs.  With NEVER, or any
 * other kind of file, every byte is copied in order until end of file.
 * When *stop becomes nonzero (a signal handler sets it) the copy ends at
 * the next step with -1 and errno EINTR.  Never prints.
 */
#ifndef SOCKBOX_COPY_H
#define SOCKBOX_COPY_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

enum copy_method {
	COPY_AUTO, /* copy_file_range, then sendfile, then read-write */
	COPY_FILE_RANGE,
	COPY_SENDFILE,
	COPY_READ_WRITE,
	COPY_METHODS /* how many there are */
};

enum copy_sparse {
	COPY_SPARSE_AUTO,   /* keep the input's holes */
	COPY_SPARSE_ALWAYS, /* and make holes of all-zero blocks (read-write only) */
	COPY_SPARSE_NEVER,  /* write every byte */
};

/* Which end of the copy a failure belongs to. */
enum copy_side {
	COPY_SIDE_IN = 1, /* reading the input */
	COPY_SIDE_OUT,    /* writing the output (ENOSPC, EDQUOT, EFBIG, ...) */
	COPY_SIDE_BOTH,   /* a kernel path that does both in one call */
};

struct copy_job {
	int in_fd;
	int out_fd;
	enum copy_method method;
	enum copy_sparse sparse;
	size_t buffer_size;                /* bytes per read(2) in read-write */
	const volatile sig_atomic_t *stop; /* may be NULL */
	void *ctx;                         /* handed to the callbacks below, each of which may be NULL */
	/* A path starts: first with failed == COPY_AUTO, then once per fall
	 * back, failed naming the path the kernel refused with errnum (0 when
	 * it copied nothing at the start and read(2) is asked to confirm). */
	void (*on_method)(void *ctx, enum copy_method now, enum copy_method failed, int errnum);
	/* A data range (is_hole 0) is about to be copied or a hole skipped. */
	void (*on_extent)(void *ctx, uint64_t offset, uint64_t length, int is_hole);
	/* After each step: input bytes done so far, holes included. */
	void (*on_progress)(void *ctx, uint64_t done);
};

struct copy_result {
	uint64_t data_bytes;             /* bytes written */
	uint64_t hole_bytes;             /* bytes left as holes */
	unsigned long holes;             /* holes left in the output */
	uint64_t bytes_by[COPY_METHODS]; /* bytes each path moved */
	uint64_t calls_by[COPY_METHODS]; /* system calls each path made */
	enum copy_method last;           /* the path that ran last */
	const char *failed_call;         /* on failure: "read", "copy_file_range", ... */
	enum copy_side failed_side;      /* on failure: whose fault */
};

/* Copies as described above: 0, or -1 with errno set and res->failed_* filled. */
int copy_run(const struct copy_job *job, struct copy_result *res);

/*
 * Compares job->in_fd with job->out_fd byte for byte from offset 0, using
 * pread(2) in job->buffer_size pieces (at least 64 KiB), honouring
 * job->stop and job->on_progress.  0 when they are equal, *offset set
 * to their length; 1 when they differ, *offset set to the first differing
 * offset (the shorter length when one is a prefix of the other); -1 with
 * errno set and *failed_side set.
 */
int copy_compare(const struct copy_job *job, uint64_t *offset, enum copy_side *failed_side);

/* The system call a path uses: "copy_file_range", "sendfile", "read-write", "auto". */
const char *copy_method_name(enum copy_method method);

#endif
