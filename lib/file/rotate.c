/*
 * rotate.c - FILE.1 ... FILE.N by rename(2).
 */
#include "file/rotate.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

int rotate_sync_dir(const char *path)
{
	char *dir = strdup(path);
	char *slash = dir ? strrchr(dir, '/') : NULL;
	int fd, r, saved;

	if (!dir)
		return -1;
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0'; /* "/x" lives in "/" */
	fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -1;
	r = fsync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	return r;
}
