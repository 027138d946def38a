/*
 * atomic.c - temporary file beside the target, rename(2) into place.
 */
#include "file/atomic.h"

#include "base/clock.h"
#include "base/io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
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

static int fail(struct atomic *a, const char *call)
{
	a->failed = call;
	return -1;
}

/* The target exists and is not a regular file: write into it. */
static int open_direct(struct atomic *a)
{
	a->direct = 1;
	a->fd = open(a->path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	return a->fd < 0 ? fail(a, "open") : 0;
}

/*
 * Creates DIR/.NAME.XXXXXX with O_EXCL, with creation mode create_mode.
 * Another process may hold the same name: another is tried, a bounded
 * number of times.
 */
static int create_temporary(struct atomic *a, mode_t create_mode)
{
	const char *slash = strrchr(a->path, '/');
	int dirlen = slash ? (int)(slash - a->path + 1) : 0;
	const char *base = slash ? slash + 1 : a->path;
	int saved = EEXIST;

	for (int tries = 0; tries < 100 && saved == EEXIST; tries++) {
		char suffix[7];
		int len;

		random_suffix(suffix);
		/* The name is cut so that the suffix still fits in NAME_MAX. */
		len = snprintf(a->tmp, sizeof a->tmp, "%.*s.%.200s.%s", dirlen, a->path, base, suffix);
		if (len < 0 || (size_t)len >= sizeof a->tmp) {
			a->tmp[0] = '\0';
			errno = ENAMETOOLONG;
			return fail(a, "open");
		}
		a->fd = open(a->tmp, O_RDWR | O_CREAT | O_EXCL | O_NOCTTY | O_CLOEXEC, create_mode);
		if (a->fd >= 0) {
			a->tmp_exists = 1;
			return 0;
		}
		saved = errno;
	}
	errno = saved;
	return fail(a, "open");
}

/*
 * A new file: the kernel applies the umask (or the directory's default
 * ACL) to the 0666 asked for, and fstat reads the result back; umask(2)
 * itself cannot be read without changing it for every thread.
 */
static int learn_default_mode(struct atomic *a)
{
	struct stat st;

	if (fstat(a->fd, &st) < 0)
		return fail(a, "fstat");
	a->mode = st.st_mode & 0777;
	/* From here until the commit, the file is its owner's alone. */
	if (fchmod(a->fd, 0600) < 0)
		return fail(a, "fchmod");
	return 0;
}

int atomic_open(struct atomic *a, const char *path, int flags)
{
	struct stat st;
	int target_exists = stat(path, &st) == 0;
	int saved;

	a->fd = -1;
	a->path = path;
	a->tmp[0] = '\0';
	a->tmp_exists = 0;
	a->direct = 0;
	a->no_clobber = (flags & ATOMIC_NO_CLOBBER) != 0;
	a->mode_pending = 0;
	a->failed = NULL;
	if (a->no_clobber && (target_exists || lstat(path, &st) == 0)) {
		errno = EEXIST;
		return fail(a, "open");
	}
	if (target_exists && !S_ISREG(st.st_mode))
		return open_direct(a);
	/* The file it replaces decides its mode: kept, the way writing into it would keep it. */
	if (target_exists)
		a->mode = st.st_mode & 0777;
	if (create_temporary(a, target_exists ? 0600 : 0666) < 0)
		return -1;
	if (!target_exists && learn_default_mode(a) < 0) {
		saved = errno;
		atomic_abort(a);
		errno = saved;
		return -1;
	}
	a->mode_pending = 1;
	return 0;
}

int atomic_set_mode(struct atomic *a, mode_t mode)
{
	if (fchmod(a->fd, mode & 07777) < 0)
		return fail(a, "fchmod");
	a->mode = mode & 07777;
	a->mode_pending = 0;
	return 0;
}

/* Renames without ever replacing: EEXIST when the target exists. */
static int rename_no_replace(struct atomic *a)
{
	if (renameat2(AT_FDCWD, a->tmp, AT_FDCWD, a->path, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return fail(a, "rename");
	/* A file system without RENAME_NOREPLACE: link(2) never replaces either. */
	if (link(a->tmp, a->path) < 0)
		return fail(a, "link");
	/* Both names now lead to the new file; the temporary one can only go. */
	(void)unlink(a->tmp);
	return 0;
}

int atomic_commit(struct atomic *a)
{
	int fd = a->fd;

	if (a->mode_pending && fd >= 0 && fchmod(fd, a->mode) < 0)
		return fail(a, "fchmod");
	a->mode_pending = 0;
	a->fd = -1;
	if (fd >= 0 && close(fd) < 0)
		return fail(a, "close");
	if (a->direct || !a->tmp_exists)
		return 0;
	if (a->no_clobber) {
		if (rename_no_replace(a) < 0)
			return -1;
	} else if (rename(a->tmp, a->path) < 0) {
		return fail(a, "rename");
	}
	a->tmp_exists = 0;
	return 0;
}

int atomic_abort(struct atomic *a)
{
	int status = 0;

	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
	if (a->tmp_exists) {
		if (unlink(a->tmp) < 0)
			status = fail(a, "unlink");
		a->tmp_exists = 0;
	}
	return status;
}

int atomic_sync_dir(const char *path)
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

int atomic_write_file(const char *path, const void *data, size_t len)
{
	struct atomic a = { .fd = -1 };
	int saved;

	if (atomic_open(&a, path, 0) < 0)
		return -1;
	if (io_write_full(a.fd, data, len) == 0 && atomic_commit(&a) == 0)
		return 0;
	saved = errno;
	atomic_abort(&a);
	errno = saved;
	return -1;
}
