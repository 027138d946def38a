/*
 * outfile.c - write beside, rename into place.
 */
#include "file/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int outfile_open(struct outfile *o, const char *path)
{
	const char *slash = strrchr(path, '/');
	struct stat st;
	mode_t mask;
	int saved;

	o->path = path;
	o->tmp[0] = '\0';
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		o->fd = open(path, O_WRONLY | O_CLOEXEC);
		return o->fd < 0 ? -1 : 0;
	}
	if (snprintf(o->tmp, sizeof o->tmp, "%.*s.%s.XXXXXX", slash ? (int)(slash - path + 1) : 0, path,
	             slash ? slash + 1 : path) >= (int)sizeof o->tmp) {
		o->tmp[0] = '\0';
		errno = ENAMETOOLONG;
		return -1;
	}
	o->fd = mkostemp(o->tmp, O_CLOEXEC);
	if (o->fd < 0) {
		o->tmp[0] = '\0';
		return -1;
	}
	/* mkostemp makes 0600; a downloaded file should look like any other */
	mask = umask(0);
	umask(mask);
	if (fchmod(o->fd, 0666 & ~mask) < 0) {
		saved = errno;
		outfile_abort(o);
		errno = saved;
		return -1;
	}
	return 0;
}

int outfile_commit(struct outfile *o)
{
	int saved;

	if (o->fd < 0)
		return 0;
	if (close(o->fd) < 0) {
		o->fd = -1;
		goto fail;
	}
	o->fd = -1;
	if (o->tmp[0] && rename(o->tmp, o->path) < 0)
		goto fail;
	o->tmp[0] = '\0';
	return 0;
fail:
	saved = errno;
	outfile_abort(o);
	errno = saved;
	return -1;
}

void outfile_abort(struct outfile *o)
{
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	if (o->tmp[0])
		unlink(o->tmp);
	o->tmp[0] = '\0';
}
