/*
 * copy.c - the copy engine: copy_file_range, sendfile, read/write, holes.
 *
 * Every path works on the file offsets of the two descriptors (no offset
 * pointers), so falling back from one path to the next in the middle of a
 * file simply carries on where the last successful call stopped: a failed
 * call moves neither offset.
 */
#include "file/copy.h"

#include "base/io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Bytes asked of one copy_file_range or sendfile call.  Past a few MiB the
 * cost of the call itself is lost in the noise; much more and progress and
 * a pending signal would only be seen every few hundred milliseconds.
 */
#define KERNEL_CHUNK (16u << 20)

/* Buffers of copy_compare: at least this, at most COMPARE_MAX. */
#define COMPARE_MIN (64u << 10)
#define COMPARE_MAX (4u << 20)

struct engine {
	const struct copy_job *job;
	struct copy_result *res;
	enum copy_method method; /* the path running now */
	int may_fall_back;       /* COPY_AUTO was asked for */
	int make_holes;          /* all-zero blocks become holes (read-write) */
	int in_hole;             /* the output currently ends in a hole */
	size_t block;            /* granularity of made holes: the output's st_blksize */
	char *buf;               /* read-write buffer, allocated on first use */
	uint64_t done;           /* input bytes dealt with, holes included */
};

const char *copy_method_name(enum copy_method method)
{
	switch (method) {
	case COPY_FILE_RANGE:
		return "copy_file_range";
	case COPY_SENDFILE:
		return "sendfile";
	case COPY_READ_WRITE:
		return "read-write";
	default:
		return "auto";
	}
}

static int stopped(const struct engine *e)
{
	return e->job->stop && *e->job->stop;
}

/* Records what failed; errno is left as the failing call set it. */
static int fail(struct engine *e, const char *call, enum copy_side side)
{
	e->res->failed_call = call;
	e->res->failed_side = side;
	return -1;
}

/* A kernel path reads and writes in one call; these errors can only come
 * from the writing half. */
static enum copy_side kernel_side(int err)
{
	switch (err) {
	case ENOSPC:
	case EDQUOT:
	case EFBIG:
	case EROFS:
	case EPIPE:
		return COPY_SIDE_OUT;
	default:
		return COPY_SIDE_BOTH;
	}
}

/* The kernel's ways of saying "this path does not apply to these files". */
static int path_refused(int err)
{
	return err == ENOSYS || err == EXDEV || err == EINVAL || err == EOPNOTSUPP || err == EBADF;
}

static void report_progress(struct engine *e)
{
	if (e->job->on_progress)
		e->job->on_progress(e->job->ctx, e->done);
}

static void switch_method(struct engine *e, enum copy_method next, int errnum)
{
	enum copy_method failed = e->method;

	e->method = next;
	e->res->last = next;
	if (e->job->on_method)
		e->job->on_method(e->job->ctx, next, failed, errnum);
}

static ssize_t step_file_range(struct engine *e, size_t want)
{
	ssize_t n = copy_file_range(e->job->in_fd, NULL, e->job->out_fd, NULL, want, 0);

	e->res->calls_by[COPY_FILE_RANGE]++;
	if (n < 0)
		return fail(e, "copy_file_range", kernel_side(errno));
	return n;
}

static ssize_t step_sendfile(struct engine *e, size_t want)
{
	ssize_t n = sendfile(e->job->out_fd, e->job->in_fd, NULL, want);

	e->res->calls_by[COPY_SENDFILE]++;
	if (n < 0)
		return fail(e, "sendfile", kernel_side(errno));
	return n;
}

/* Writes all len bytes.  A write blocked on a full pipe and interrupted by
 * a signal gives up (errno EINTR) once *stop is set. */
static int write_all(struct engine *e, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(e->job->out_fd, p, len);

		e->res->calls_by[COPY_READ_WRITE]++;
		if (n < 0) {
			if (errno == EINTR && !stopped(e))
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int is_zero(const char *p, size_t len)
{
	/* Equal to itself shifted by one byte, and the first byte is zero. */
	return len == 0 || (p[0] == 0 && memcmp(p, p + 1, len - 1) == 0);
}

/* Leaves len bytes of hole in the output by moving its offset. */
static int skip_output(struct engine *e, size_t len)
{
	if (lseek(e->job->out_fd, (off_t)len, SEEK_CUR) < 0)
		return -1;
	if (!e->in_hole)
		e->res->holes++;
	e->in_hole = 1;
	e->res->hole_bytes += len;
	return 0;
}

/* Length of the run at p[0..len) of blocks that are all zero (zero_run 1)
 * or all not (zero_run 0). */
static size_t run_length(const struct engine *e, const char *p, size_t len, int zero_run)
{
	size_t at = 0;

	while (at < len) {
		size_t piece = len - at < e->block ? len - at : e->block;
		if (is_zero(p + at, piece) != zero_run)
			break;
		at += piece;
	}
	return at;
}

/* Writes what read(2) returned; with make_holes, all-zero blocks are skipped. */
static int write_data(struct engine *e, const char *p, size_t len)
{
	while (len > 0) {
		size_t run = e->make_holes ? run_length(e, p, len, 1) : 0;

		if (run > 0) {
			if (skip_output(e, run) < 0)
				return fail(e, "lseek", COPY_SIDE_OUT);
		} else {
			run = e->make_holes ? run_length(e, p, len, 0) : len;
			if (write_all(e, p, run) < 0)
				return fail(e, "write", COPY_SIDE_OUT);
			e->in_hole = 0;
			e->res->data_bytes += run;
		}
		p += run;
		len -= run;
	}
	return 0;
}

static ssize_t step_read_write(struct engine *e, size_t want)
{
	size_t len = want < e->job->buffer_size ? want : e->job->buffer_size;
	ssize_t n;

	if (!e->buf) {
		e->buf = malloc(e->job->buffer_size);
		if (!e->buf)
			return fail(e, "allocate the buffer", COPY_SIDE_BOTH);
	}
	do {
		n = read(e->job->in_fd, e->buf, len);
		e->res->calls_by[COPY_READ_WRITE]++;
	} while (n < 0 && errno == EINTR && !stopped(e));
	if (n < 0)
		return fail(e, "read", COPY_SIDE_IN);
	if (n > 0 && write_data(e, e->buf, (size_t)n) < 0)
		return -1;
	return n;
}

static ssize_t step(struct engine *e, size_t want)
{
	switch (e->method) {
	case COPY_FILE_RANGE:
		return step_file_range(e, want);
	case COPY_SENDFILE:
		return step_sendfile(e, want);
	default:
		return step_read_write(e, want);
	}
}

/*
 * Copies limit input bytes (UINT64_MAX: up to end of file) with the path
 * in use, falling back when allowed.  *eof is set when the input ended
 * first.  0 or -1.
 */
static int copy_span(struct engine *e, uint64_t limit, int *eof)
{
	uint64_t left = limit;

	*eof = 0;
	while (left > 0) {
		size_t want = left < KERNEL_CHUNK ? (size_t)left : KERNEL_CHUNK;
		ssize_t n;

		if (stopped(e)) {
			errno = EINTR;
			return fail(e, "copy", COPY_SIDE_BOTH);
		}
		n = step(e, want);
		if (n < 0) {
			if (errno == EINTR && !stopped(e))
				continue;
			if (e->may_fall_back && e->method != COPY_READ_WRITE && path_refused(errno)) {
				switch_method(e, e->method + 1, errno);
				continue;
			}
			return -1;
		}
		if (n == 0) {
			/* Some files (procfs, sysfs, FUSE) claim a size of 0 or
			 * give kernel paths nothing: let read(2) have the last
			 * word before believing the input is empty. */
			if (e->may_fall_back && e->method != COPY_READ_WRITE && e->res->data_bytes == 0) {
				switch_method(e, COPY_READ_WRITE, 0);
				continue;
			}
			*eof = 1;
			return 0;
		}
		e->res->bytes_by[e->method] += (uint64_t)n;
		if (e->method != COPY_READ_WRITE) {
			e->res->data_bytes += (uint64_t)n;
			e->in_hole = 0;
		}
		e->done += (uint64_t)n;
		if (limit != UINT64_MAX)
			left -= (uint64_t)n;
		report_progress(e);
	}
	return 0;
}

/* Notes a hole of the input, [offset, offset + len): nothing is written. */
static void keep_hole(struct engine *e, off_t offset, off_t len)
{
	if (e->job->on_extent)
		e->job->on_extent(e->job->ctx, (uint64_t)offset, (uint64_t)len, 1);
	if (!e->in_hole)
		e->res->holes++;
	e->in_hole = 1;
	e->res->hole_bytes += (uint64_t)len;
	e->done += (uint64_t)len;
	report_progress(e);
}

/* Positions both descriptors at the data range starting at data. */
static int seek_both(struct engine *e, off_t data, off_t in_start, off_t out_start)
{
	if (lseek(e->job->in_fd, data, SEEK_SET) < 0)
		return fail(e, "lseek", COPY_SIDE_IN);
	if (lseek(e->job->out_fd, out_start + (data - in_start), SEEK_SET) < 0)
		return fail(e, "lseek", COPY_SIDE_OUT);
	return 0;
}

/*
 * Walks the input's data ranges with SEEK_DATA/SEEK_HOLE up to size (its
 * length when the copy started), copies each at the same place in the
 * output and leaves the holes between them unwritten.
 */
static int copy_extents(struct engine *e, off_t in_start, off_t out_start, off_t size)
{
	off_t offset = in_start, end, data;
	struct stat st;
	int eof = 0;

	while (offset < size && !eof) {
		data = lseek(e->job->in_fd, offset, SEEK_DATA);
		if (data < 0 && errno != ENXIO)
			return fail(e, "lseek", COPY_SIDE_IN);
		if (data < 0 || data > size)
			data = size; /* ENXIO: only a hole is left */
		if (data > offset)
			keep_hole(e, offset, data - offset);
		if (data == size)
			break;
		end = lseek(e->job->in_fd, data, SEEK_HOLE);
		if (end < 0)
			return fail(e, "lseek", COPY_SIDE_IN);
		if (end > size)
			end = size;
		if (seek_both(e, data, in_start, out_start) < 0)
			return -1;
		if (e->job->on_extent)
			e->job->on_extent(e->job->ctx, (uint64_t)data, (uint64_t)(end - data), 0);
		if (copy_span(e, (uint64_t)(end - data), &eof) < 0)
			return -1;
		offset = end;
	}
	/* The output is as long as the input, even when the input ends in a
	 * hole (or shrank while we copied it). */
	if (fstat(e->job->in_fd, &st) < 0)
		return fail(e, "fstat", COPY_SIDE_IN);
	if (st.st_size < size)
		size = st.st_size;
	if (ftruncate(e->job->out_fd, out_start + (size - in_start)) < 0)
		return fail(e, "ftruncate", COPY_SIDE_OUT);
	return 0;
}

/* Copies every byte in order; with made holes the output is then
 * truncated to where its offset ended, which may be inside a hole. */
static int copy_linear(struct engine *e)
{
	off_t end;
	int eof;

	if (copy_span(e, UINT64_MAX, &eof) < 0)
		return -1;
	if (!e->make_holes)
		return 0;
	end = lseek(e->job->out_fd, 0, SEEK_CUR);
	if (end < 0)
		return fail(e, "lseek", COPY_SIDE_OUT);
	if (ftruncate(e->job->out_fd, end) < 0)
		return fail(e, "ftruncate", COPY_SIDE_OUT);
	return 0;
}

int copy_run(const struct copy_job *job, struct copy_result *res)
{
	struct engine e;
	struct stat in_st, out_st;
	off_t in_start = -1, out_start = -1;
	int status;

	memset(res, 0, sizeof *res);
	memset(&e, 0, sizeof e);
	e.job = job;
	e.res = res;
	e.may_fall_back = job->method == COPY_AUTO;
	e.method = job->method == COPY_AUTO ? COPY_FILE_RANGE : job->method;
	res->last = e.method;
	if (fstat(job->in_fd, &in_st) < 0)
		return fail(&e, "fstat", COPY_SIDE_IN);
	if (fstat(job->out_fd, &out_st) < 0)
		return fail(&e, "fstat", COPY_SIDE_OUT);
	if (S_ISREG(in_st.st_mode)) {
		in_start = lseek(job->in_fd, 0, SEEK_CUR);
		/* A hint for read(2): read ahead generously, the whole file is wanted. */
		(void)posix_fadvise(job->in_fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	}
	if (S_ISREG(out_st.st_mode))
		out_start = lseek(job->out_fd, 0, SEEK_CUR);
	/* Holes can only be made in a regular file (which the caller
	 * promised is empty): a device or a pipe gets every byte. */
	e.make_holes = job->sparse == COPY_SPARSE_ALWAYS && out_start >= 0;
	e.block = out_st.st_blksize > 0 ? (size_t)out_st.st_blksize : 4096;
	if (job->on_method)
		job->on_method(job->ctx, e.method, COPY_AUTO, 0);
	if (job->sparse != COPY_SPARSE_NEVER && in_start >= 0 && out_start >= 0 && in_st.st_size > in_start)
		status = copy_extents(&e, in_start, out_start, in_st.st_size);
	else
		status = copy_linear(&e);
	free(e.buf);
	return status;
}

/* pread(2) of up to len bytes at offset, whole unless end of file comes first. */
static ssize_t read_at(const struct copy_job *job, int fd, char *buf, size_t len, uint64_t offset)
{
	if (job->stop && *job->stop) {
		errno = EINTR;
		return -1;
	}
	return io_pread_full(fd, buf, len, (off_t)offset);
}

static uint64_t first_difference(const char *a, const char *b, size_t len)
{
	size_t i = 0;

	while (i < len && a[i] == b[i])
		i++;
	return i;
}

int copy_compare(const struct copy_job *job, uint64_t *offset, enum copy_side *failed_side)
{
	size_t size = job->buffer_size;
	uint64_t at = 0;
	char *a, *b;
	int status = -1;

	size = size < COMPARE_MIN ? COMPARE_MIN : size > COMPARE_MAX ? COMPARE_MAX : size;
	a = malloc(size);
	b = malloc(size);
	*failed_side = COPY_SIDE_BOTH;
	while (a && b) {
		ssize_t na = read_at(job, job->in_fd, a, size, at);
		ssize_t nb;
		size_t common;

		if (na < 0) {
			*failed_side = COPY_SIDE_IN;
			break;
		}
		nb = read_at(job, job->out_fd, b, size, at);
		if (nb < 0) {
			*failed_side = COPY_SIDE_OUT;
			break;
		}
		common = (size_t)(na < nb ? na : nb);
		if (memcmp(a, b, common) != 0 || na != nb) {
			*offset = at + first_difference(a, b, common);
			status = 1;
			break;
		}
		if (na == 0) {
			*offset = at;
			status = 0;
			break;
		}
		at += (uint64_t)na;
		if (job->on_progress)
			job->on_progress(job->ctx, at);
	}
	free(a);
	free(b);
	return status;
}
