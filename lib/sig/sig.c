/*
 * sig.c - the stop and report signals as flags or as a descriptor, and the
 * re-raise that ends a process by its signal.
 */
#include "sig/sig.h"

#include "base/io.h"

#include <errno.h>
#include <stddef.h>
#include <sys/signalfd.h>
#include <unistd.h>

#define SIG_SAVED_MAX 8

/* Module state, like diag's: the flags the handlers write (the one thing a
 * handler may safely touch) and the actions to put back.  stop holds the
 * stop signal's number, or -1 when the program asked itself to stop. */
static volatile sig_atomic_t stop;
static volatile sig_atomic_t reports;
static struct {
	int signo;
	struct sigaction old;
} saved[SIG_SAVED_MAX];
static size_t nsaved;

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };

static void on_stop(int signo)
{
	stop = signo;
}

static void on_report(int signo)
{
	(void)signo;
	reports++;
}

/* 1 when signo was ignored when we looked (inherited from the parent, since
 * we never set SIG_IGN on these ourselves), 0 when not, -1 on error. */
static int inherited_ignore(int signo, struct sigaction *old)
{
	if (sigaction(signo, NULL, old) < 0)
		return -1;
	return old->sa_handler == SIG_IGN;
}

/* Installs handler for signo without SA_RESTART, keeping an inherited
 * SIG_IGN, and remembers the old action for sig_restore. */
static int catch_one(int signo, void (*handler)(int))
{
	struct sigaction sa, old;
	int ignored = inherited_ignore(signo, &old);

	if (ignored != 0)
		return ignored < 0 ? -1 : 0;
	if (nsaved == SIG_SAVED_MAX) {
		errno = ENOSPC;
		return -1;
	}
	sa.sa_handler = handler;
	sa.sa_flags = 0; /* no SA_RESTART: blocked calls return EINTR */
	sigemptyset(&sa.sa_mask);
	if (sigaction(signo, &sa, NULL) < 0)
		return -1;
	saved[nsaved].signo = signo;
	saved[nsaved].old = old;
	nsaved++;
	return 0;
}

int sig_ignore_pipe(void)
{
	struct sigaction sa;

	sa.sa_handler = SIG_IGN;
	sa.sa_flags = 0;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGPIPE, &sa, NULL);
}

int sig_catch_stop(void)
{
	stop = 0;
	for (size_t i = 0; i < sizeof stop_signals / sizeof stop_signals[0]; i++) {
		if (catch_one(stop_signals[i], on_stop) < 0)
			return -1;
	}
	return 0;
}

int sig_catch_report(void)
{
	reports = 0;
	return catch_one(SIGUSR1, on_report);
}

int sig_stop_requested(void)
{
	return stop != 0;
}

void sig_request_stop(void)
{
	stop = -1;
}

int sig_caught(void)
{
	return stop > 0 ? stop : 0;
}

const volatile sig_atomic_t *sig_stop_flag(void)
{
	return &stop;
}

int sig_report_requested(void)
{
	if (reports == 0)
		return 0;
	reports = 0;
	return 1;
}

void sig_restore(void)
{
	while (nsaved > 0) {
		nsaved--;
		(void)sigaction(saved[nsaved].signo, &saved[nsaved].old, NULL);
	}
}

int sig_fd_open(sigset_t *old)
{
	struct sigaction action;
	sigset_t set;
	int fd, saved_errno;

	sigemptyset(&set);
	for (size_t i = 0; i < sizeof stop_signals / sizeof stop_signals[0]; i++) {
		int ignored = inherited_ignore(stop_signals[i], &action);

		if (ignored < 0)
			return -1;
		/* A blocked signal is queued even when ignored: leave it out. */
		if (!ignored)
			sigaddset(&set, stop_signals[i]);
	}
	if (sigprocmask(SIG_BLOCK, &set, old) < 0)
		return -1;
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0) {
		saved_errno = errno;
		sigprocmask(SIG_SETMASK, old, NULL);
		errno = saved_errno;
	}
	return fd;
}

int sig_fd_read(int fd)
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

void sig_fd_close(int fd, const sigset_t *old)
{
	if (fd < 0)
		return;
	close(fd);
	sigprocmask(SIG_SETMASK, old, NULL);
}

int sig_reraise(int signo)
{
	sigset_t set;

	(void)signal(signo, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, signo);
	(void)sigprocmask(SIG_UNBLOCK, &set, NULL);
	(void)raise(signo);
	return 128 + signo;
}
