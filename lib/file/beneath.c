/*
 * beneath.c - opening paths beneath a root directory (openat2(2)).
 */
#include "file/beneath.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static atomic_int no_openat2; /* the kernel said ENOSYS once */

/* Without openat2: one component at a time, refusing every symlink. */
static int open_walk(int root_fd, const char *path, int flags, mode_t mode)
{
	char part[256];
	int dir = root_fd, fd;
	const char *p = path[0] ? path : ".";

	for (;;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		if (len >= sizeof part) {
			if (dir != root_fd)
				close(dir);
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(part, p, len);
		part[len] = '\0';
		if (strcmp(part, "..") == 0) {
			if (dir != root_fd)
				close(dir);
			errno = EXDEV;
			return -1;
		}
		if (!slash) {
			fd = openat(dir, part, flags | O_NOFOLLOW, mode);
			if (dir != root_fd) {
				int saved = errno;
				close(dir);
				errno = saved;
			}
			return fd;
		}
		fd = openat(dir, part, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (dir != root_fd)
			close(dir);
		if (fd < 0)
			return -1;
		dir = fd;
		p = slash + 1;
	}
}

int beneath_open(int root_fd, const char *path, int flags, mode_t mode)
{
	if (path[0] == '/') {
		errno = EXDEV;
		return -1;
	}
	if (!atomic_load(&no_openat2)) {
		struct open_how how;
		long fd;

		memset(&how, 0, sizeof how);
		how.flags = (unsigned)flags;
		how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
		how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
		fd = syscall(SYS_openat2, root_fd, path[0] ? path : ".", &how, sizeof how);
		if (fd >= 0 || errno != ENOSYS)
			return (int)fd;
		atomic_store(&no_openat2, 1);
	}
	return open_walk(root_fd, path, flags, mode);
}

int beneath_has_openat2(void)
{
	return !atomic_load(&no_openat2);
}
