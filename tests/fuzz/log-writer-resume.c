/*
 * log-writer-resume.c - libFuzzer target for the parser resume relies on:
 * reading a log's end backward (lib/file/tail.c) and recognising entry
 * numbers and torn entries (lib/file/logentry.c).  The input is a file's content;
 * its first two bytes pick the window sizes, so small inputs exercise the
 * windows growing across line boundaries.  Each answer is checked against
 * a plain forward reading of the whole file.
 *
 *	make fuzz FUZZ_SECONDS=20
 */
#include "base/buf.h"
#include "base/io.h"
#include "file/logentry.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *input, size_t size);

/* The entry number a line starts with, read the slow obvious way. */
static int reference_number(const char *line, size_t len, uint64_t *number)
{
	char digits[32];
	size_t d = 0;

	while (d < len && isdigit((unsigned char)line[d]))
		d++;
	if (d == 0 || d > 19 || d + 2 > len || line[d] != '.' || line[d + 1] != ' ')
		return 0;
	memcpy(digits, line, d);
	digits[d] = '\0';
	*number = strtoull(digits, NULL, 10);
	return 1;
}

/* Whether a torn line could be the beginning of "N. ...". */
static int reference_fragment(const char *p, size_t len)
{
	size_t d = 0;

	while (d < len && isdigit((unsigned char)p[d]))
		d++;
	if (d == 0 || d > 19)
		return 0;
	return d == len || (p[d] == '.' && (d + 1 == len || p[d + 1] == ' '));
}

/* What a forward reading of data[from..len) says: complete lines are those
 * ended by '\n' that start at from or after a newline. */
static void reference_scan(const char *data, size_t len, size_t from, int *found, uint64_t *last,
                           size_t *torn_len)
{
	size_t start = from;

	*found = 0;
	*torn_len = 0;
	for (size_t i = from; i < len; i++) {
		if (data[i] != '\n')
			continue;
		uint64_t n;
		if (reference_number(data + start, i - start, &n)) {
			*found = 1;
			*last = n;
		}
		start = i + 1;
	}
	*torn_len = len - start;
}

int LLVMFuzzerTestOneInput(const uint8_t *input, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *input, size_t size)
{
	struct buf scratch = BUF_INIT;
	struct logentry_resume rp;
	size_t first, max, len, from = 0;
	const char *data;
	uint64_t want_last = 0;
	size_t want_torn;
	int fd, want_found;

	if (size < 2)
		return 0;
	first = 1 + input[0] % 64;
	max = first + (size_t)input[1] * 16;
	data = (const char *)input + 2;
	len = size - 2;

	fd = memfd_create("log", MFD_CLOEXEC);
	if (fd < 0 || (len > 0 && io_write_full(fd, data, len) < 0))
		abort();
	if (logentry_find_resume(fd, (off_t)len, first, max, &scratch, &rp) < 0)
		abort();
	close(fd);

	if (len <= max) {
		/* The whole file was in view: the answers must be exactly the reference's. */
		reference_scan(data, len, 0, &want_found, &want_last, &want_torn);
		if (rp.found != want_found || (want_found && rp.last != want_last))
			abort();
		if (rp.torn_len != want_torn)
			abort();
		if (rp.torn_entry != (want_torn > 0 && reference_fragment(data + len - want_torn, want_torn)))
			abort();
	} else if (rp.found) {
		/* A number found in part of the file is still the file's last one. */
		const char *nl = memchr(data + len - max, '\n', max);
		from = nl ? (size_t)(nl - data) + 1 : len;
		reference_scan(data, len, from, &want_found, &want_last, &want_torn);
		if (!want_found || rp.last != want_last)
			abort();
	}
	if (rp.looked > len || rp.looked > max)
		abort();
	buf_free(&scratch);
	return 0;
}
