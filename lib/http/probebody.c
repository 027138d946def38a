/*
 * probebody.c - a response body into -o FILE (atomically) or stdout.
 */
#include "http/probebody.h"

#include "base/io.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void probebody_init(struct probebody *b, const char *output, int to_stdout)
{
	memset(b, 0, sizeof *b);
	b->output = output;
	b->to_stdout = to_stdout;
	b->out.fd = -1;
}

int probebody_open(struct probebody *b, char *error, size_t size)
{
	if (!b->output || atomic_open(&b->out, b->output, 0) == 0)
		return 0;
	snprintf(error, size, "open %s: %s", b->output, strerror(errno));
	return -1;
}

int probebody_write(struct probebody *b, const char *data, size_t len, char *error, size_t size)
{
	if (b->out.fd >= 0 && io_write_full(b->out.fd, data, len) < 0) {
		snprintf(error, size, "write %s: %s", b->output, strerror(errno));
		return -1;
	}
	if (b->to_stdout && !b->stdout_closed && io_write_full(STDOUT_FILENO, data, len) < 0) {
		if (errno != EPIPE) {
			snprintf(error, size, "write stdout: %s", strerror(errno));
			return -1;
		}
		b->stdout_closed = 1; /* the reader went away: finish quietly */
	}
	return 0;
}

void probebody_close(struct probebody *b, int ok, char *error, size_t size)
{
	if (ok && atomic_commit(&b->out) < 0)
		snprintf(error, size, "write %s: %s", b->output, strerror(errno));
	atomic_abort(&b->out);
}
