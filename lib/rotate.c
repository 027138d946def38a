/*
 * rotate.c - FILE.1 ... FILE.N by rename(2).
 */
#include "rotate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *rotate_name(char *name, unsigned long size, const char *path, unsigned n)
{
	snprintf(name, size, "%s.%u", path, n);
	return name;
}

int rotate_files(const char *path, unsigned keep)
{
	size_t size = strlen(path) + ROTATE_NAME_EXTRA;
	char *from = malloc(size), *to = malloc(size);
	int r = 0, saved;

	if (!from || !to) {
		free(from);
		free(to);
		errno = ENOMEM;
		return -1;
	}
	/* Oldest first, so no name is ever overwritten before it has moved on. */
	for (unsigned n = keep; r == 0 && n > 1; n--) {
		if (rename(rotate_name(from, size, path, n - 1), rotate_name(to, size, path, n)) < 0 &&
		    errno != ENOENT)
			r = -1;
	}
	if (r == 0 && rename(path, rotate_name(to, size, path, 1)) < 0)
		r = -1;
	saved = errno;
	free(from);
	free(to);
	errno = saved;
	return r;
}
