/*
 * sigflag.h - signals that only raise a flag.
 *
 * Promise: sigflag_catch() gives each listed signal a handler that stores
 * the signal's number in a flag and does nothing else, so nothing unsafe
 * ever runs inside a handler.  The handlers are installed without
 * SA_RESTART: a blocking read(2) or write(2) returns EINTR, and the loop
 * around it gets to look at the flag and clean up.  A signal that was
 * ignored when the process started (nohup, a background job of a
 * non-interactive shell) stays ignored, as the shell intended.
 * sigflag_reraise() ends the process the way the signal would have, so the
 * parent sees a death by that signal (a shell loop stops on Ctrl-C).
 *
 *	static const int signals[] = { SIGINT, SIGTERM, SIGHUP, 0 };
 *	sigflag_catch(signals);
 *	while (!*sigflag_pointer()) { ... one step of work ... }
 *	... clean up ...
 *	if (sigflag_caught()) return sigflag_reraise(sigflag_caught());
 */
#ifndef SOCKBOX_SIGFLAG_H
#define SOCKBOX_SIGFLAG_H

#include <signal.h>

/* Installs the flag handler for each signal of the 0-terminated list and
 * clears the flag: 0, or -1 with errno set (handlers already installed stay). */
int sigflag_catch(const int *signals);

/* The last signal caught since sigflag_catch, 0 when none. */
int sigflag_caught(void);

/* The flag itself, for loops that poll it (lib/copy.h takes it). */
const volatile sig_atomic_t *sigflag_pointer(void);

/* Puts back the actions sigflag_catch replaced. */
void sigflag_restore(void);

/* Restores sig's default action, unblocks and raises it.  Returns 128 + sig
 * only if the process is still alive afterwards (a default action of "ignore"). */
int sigflag_reraise(int sig);

#endif
