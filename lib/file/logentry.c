/*
 * logentry.c - the log-writer entry format: entry numbers, torn entries,
 * and the resume reader.
 */
#include "file/logentry.h"

#include <string.h>

#include "file/tail.h"

int logentry_number(const char *line, size_t len, uint64_t *number)
{
	uint64_t n = 0;
	size_t i = 0;

	while (i < len && i < LOGENTRY_DIGITS_MAX && line[i] >= '0' && line[i] <= '9')
		n = n * 10 + (uint64_t)(line[i++] - '0');
	if (i == 0 || i + 1 >= len || line[i] != '.' || line[i + 1] != ' ')
		return 0;
	*number = n;
	return 1;
}

/* tail_accept: a line that holds an entry number, kept in *ctx. */
static int accept_entry(const char *line, size_t len, void *ctx)
{
	return logentry_number(line, len, ctx);
}

int logentry_is_fragment(const char *p, size_t len)
{
	size_t digits = 0;

	while (digits < len && p[digits] >= '0' && p[digits] <= '9')
		digits++;
	if (digits == 0 || digits > LOGENTRY_DIGITS_MAX)
		return 0;
	if (digits == len)
		return 1;
	if (p[digits] != '.')
		return 0;
	return digits + 1 == len || p[digits + 1] == ' ';
}

int logentry_find_resume(int fd, off_t size, size_t first, size_t max, struct buf *scratch,
                         struct logentry_resume *rp)
{
	struct tail_scan t;
	int r;

	memset(rp, 0, sizeof *rp);
	r = tail_scan(fd, size, first, max, scratch, accept_entry, &rp->last, &t);
	if (r < 0)
		return -1;
	rp->found = r == TAIL_FOUND;
	rp->torn_len = t.torn_len;
	rp->torn_entry = t.torn_whole && logentry_is_fragment(t.torn, t.torn_len);
	rp->looked = t.looked;
	if (!rp->found)
		rp->last = 0;
	return 0;
}
