/*
 * sink.c - a connection's bytes into a file that appears whole.
 */
#include "file/sink.h"

#include "base/io.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void sink_init(struct sink *s, const char *arg)
{
	size_t len = strlen(arg);

	s->target = arg;
	s->kind = strcmp(arg, "-") == 0 ? SINK_STDOUT : len > 0 && arg[len - 1] == '/' ? SINK_DIR : SINK_FILE;
}

int sink_check(const struct sink *s)
{
	struct stat st;

	if (s->kind != SINK_DIR)
		return 0;
	if (stat(s->target, &st) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

int sink_open(const struct sink *s, uint64_t id, struct sink_file *f)
{
	int n;

	memset(&f->a, 0, sizeof f->a);
	f->a.fd = -1;
	f->fd = -1;
	if (s->kind == SINK_STDOUT) {
		snprintf(f->path, sizeof f->path, "-");
		f->fd = STDOUT_FILENO;
		return 0;
	}
	if (s->kind == SINK_DIR)
		n = snprintf(f->path, sizeof f->path, "%sconn-%llu", s->target, (unsigned long long)id);
	else
		n = snprintf(f->path, sizeof f->path, "%s", s->target);
	if (n < 0 || (size_t)n >= sizeof f->path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* a directory's numbered files from an earlier run are never replaced */
	if (atomic_open(&f->a, f->path, s->kind == SINK_DIR ? ATOMIC_NO_CLOBBER : 0) < 0)
		return -1;
	f->fd = f->a.fd;
	return 0;
}

int sink_write(struct sink_file *f, const void *data, size_t len)
{
	return io_write_full(f->fd, data, len);
}

int sink_commit(struct sink_file *f)
{
	int fd = f->fd;

	f->fd = -1;
	if (fd == STDOUT_FILENO)
		return 0;
	return fd < 0 ? 0 : atomic_commit(&f->a);
}

void sink_abort(struct sink_file *f)
{
	if (f->fd != STDOUT_FILENO)
		(void)atomic_abort(&f->a);
	f->fd = -1;
}
