/*
 * replace.c - temporary file beside the target, rename(2) into place.
 */
#include "file/replace.h"

#include "base/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

/* Six random letters and digits for a temporary name. */
static void random_suffix(char out[7])
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char bytes[6];
	uint64_t fallback = clock_now_ns() ^ ((uint64_t)getpid() << 32);

	if (getrandom(bytes, sizeof bytes, GRND_NONBLOCK) != (ssize_t)sizeof bytes) {
		for (size_t i = 0; i < sizeof bytes; i++)
			bytes[i] = (unsigned char)(fallback >> (i * 8));
	}
	for (size_t i = 0; i < 6; i++)
		out[i] = alphabet[bytes[i] % (sizeof alphabet - 1)];
	out[6] = '\0';
}

static int fail(struct replace *r, const char *call)
{
	r->failed = call;
	return -1;
}

int replace_begin(struct replace *r, const char *path)
{
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path + 1) : 0;
	const char *base = slash ? slash + 1 : path;
	int saved = EEXIST;

	r->path = path;
	r->tmp[0] = '\0';
	r->exists = 0;
	r->fd = -1;
	r->failed = NULL;
	/* Another process may hold the same name: try another, a bounded number of times. */
	for (int tries = 0; tries < 100 && saved == EEXIST; tries++) {
		char suffix[7];
		int len;

		random_suffix(suffix);
		/* The name is cut so that the suffix still fits in NAME_MAX. */
		len = snprintf(r->tmp, sizeof r->tmp, "%.*s.%.200s.%s", dirlen, path, base, suffix);
		if (len < 0 || (size_t)len >= sizeof r->tmp) {
			errno = ENAMETOOLONG;
			return fail(r, "open");
		}
		r->fd = open(r->tmp, O_RDWR | O_CREAT | O_EXCL | O_NOCTTY | O_CLOEXEC, 0600);
		if (r->fd >= 0) {
			r->exists = 1;
			return 0;
		}
		saved = errno;
	}
	errno = saved;
	return fail(r, "open");
}

/* Renames without ever replacing: EEXIST when path exists. */
static int rename_no_replace(struct replace *r)
{
	if (renameat2(AT_FDCWD, r->tmp, AT_FDCWD, r->path, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return fail(r, "rename");
	/* A file system without RENAME_NOREPLACE: link(2) never replaces either. */
	if (link(r->tmp, r->path) < 0)
		return fail(r, "link");
	/* Both names now lead to the copy; the temporary one can only go. */
	(void)unlink(r->tmp);
	return 0;
}

int replace_commit(struct replace *r, int no_clobber)
{
	int fd = r->fd;

	r->fd = -1;
	/* close(2) is where some file systems (NFS) report a failed write. */
	if (fd >= 0 && close(fd) < 0)
		return fail(r, "close");
	if (no_clobber) {
		if (rename_no_replace(r) < 0)
			return -1;
	} else if (rename(r->tmp, r->path) < 0) {
		return fail(r, "rename");
	}
	r->exists = 0;
	return 0;
}

int replace_abort(struct replace *r)
{
	int status = 0;

	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	if (r->exists) {
		if (unlink(r->tmp) < 0)
			status = fail(r, "unlink");
		r->exists = 0;
	}
	return status;
}

int replace_sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
	int fd, saved;

	if (!dir)
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	saved = errno;
	free(dir);
	if (fd < 0) {
		errno = saved;
		return -1;
	}
	if (fsync(fd) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return close(fd);
}
