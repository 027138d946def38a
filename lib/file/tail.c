/*
 * tail.c - reading a file's last lines backward, in windows that grow.
 */
#include "file/tail.h"

#include "base/io.h"

#include <string.h>

/* Start of the line that ends just before data[end], or -1 when it may
 * begin before the window (which does not start at the file's start). */
static ssize_t line_start(const char *data, size_t end, int at_file_start)
{
	const char *nl = end ? memrchr(data, '\n', end) : NULL;

	if (nl)
		return nl - data + 1;
	return at_file_start ? 0 : -1;
}

int tail_scan_window(const char *data, size_t len, int at_file_start, tail_accept accept, void *ctx,
                     struct tail_scan *t)
{
	size_t end = len;
	ssize_t start;

	memset(t, 0, sizeof *t);
	t->looked = len;
	if (len > 0 && data[len - 1] != '\n') {
		start = line_start(data, len, at_file_start);
		t->torn_len = start < 0 ? len : len - (size_t)start;
		if (start < 0)
			return TAIL_MORE;
		t->torn = data + start;
		t->torn_whole = 1;
		end = (size_t)start;
	}
	while (end > 0) { /* data[end - 1] is the newline that ends a complete line */
		start = line_start(data, end - 1, at_file_start);
		if (start < 0)
			return TAIL_MORE;
		if (accept(data + start, end - 1 - (size_t)start, ctx))
			return TAIL_FOUND;
		end = (size_t)start;
	}
	return TAIL_NONE;
}

int tail_scan(int fd, off_t size, size_t first, size_t max, struct buf *scratch, tail_accept accept,
              void *ctx, struct tail_scan *t)
{
	size_t window = first;

	for (;;) {
		size_t want = window < max ? window : max;
		ssize_t got;
		int r;

		if (size < (off_t)want)
			want = (size_t)size;
		buf_clear(scratch);
		if (buf_reserve(scratch, want + 1) < 0)
			return -1;
		got = io_pread_full(fd, scratch->data, want, size - (off_t)want);
		if (got < 0)
			return -1;
		r = tail_scan_window(scratch->data, (size_t)got, (off_t)want == size, accept, ctx, t);
		if (r != TAIL_MORE)
			return r;
		if ((off_t)want == size || want >= max)
			return TAIL_NONE; /* as far back as we are allowed to look */
		window = window > max / 16 ? max : window * 16;
	}
}
