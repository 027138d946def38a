/*
 * sigflag.c - flag-only signal handlers.
 */
#include "sig/sigflag.h"

#include <errno.h>
#include <stddef.h>

#define SIGFLAG_MAX 8

/* Module state, like diag's: the flag the handler writes (the one thing a
 * handler may safely touch) and the actions to put back. */
static volatile sig_atomic_t caught;
static struct {
	int sig;
	struct sigaction old;
} saved[SIGFLAG_MAX];
static size_t nsaved;

static void on_signal(int sig)
{
	caught = sig;
}

int sigflag_catch(const int *signals)
{
	struct sigaction sa;

	caught = 0;
	sa.sa_handler = on_signal;
	sa.sa_flags = 0; /* no SA_RESTART: blocked calls return EINTR */
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; signals[i] != 0; i++) {
		struct sigaction old;

		if (sigaction(signals[i], NULL, &old) < 0)
			return -1;
		if (old.sa_handler == SIG_IGN)
			continue;
		if (nsaved == SIGFLAG_MAX) {
			errno = ENOSPC;
			return -1;
		}
		if (sigaction(signals[i], &sa, NULL) < 0)
			return -1;
		saved[nsaved].sig = signals[i];
		saved[nsaved].old = old;
		nsaved++;
	}
	return 0;
}

int sigflag_caught(void)
{
	return caught;
}

const volatile sig_atomic_t *sigflag_pointer(void)
{
	return &caught;
}

void sigflag_restore(void)
{
	while (nsaved > 0) {
		nsaved--;
		(void)sigaction(saved[nsaved].sig, &saved[nsaved].old, NULL);
	}
}

int sigflag_reraise(int sig)
{
	sigset_t set;

	(void)signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	(void)sigprocmask(SIG_UNBLOCK, &set, NULL);
	(void)raise(sig);
	return 128 + sig;
}
