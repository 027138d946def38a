/*
 * sigfd.c - SIGINT, SIGTERM and SIGHUP through signalfd(2).
 */
#include "sig/sigfd.h"

#include "base/io.h"

#include <errno.h>
#include <sys/signalfd.h>
#include <unistd.h>

static void termination_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

int sigfd_open(sigset_t *old)
{
	sigset_t set;
	int fd, saved;

	termination_set(&set);
	if (sigprocmask(SIG_BLOCK, &set, old) < 0)
		return -1;
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0) {
		saved = errno;
		sigprocmask(SIG_SETMASK, old, NULL);
		errno = saved;
	}
	return fd;
}

int sigfd_read(int fd)
{
	struct signalfd_siginfo info;
	ssize_t n = io_read(fd, &info, sizeof info);

	if (n < 0)
		return -1;
	if (n != (ssize_t)sizeof info) {
		errno = EIO;
		return -1;
	}
	return (int)info.ssi_signo;
}

void sigfd_close(int fd, const sigset_t *old)
{
	if (fd < 0)
		return;
	close(fd);
	sigprocmask(SIG_SETMASK, old, NULL);
}
