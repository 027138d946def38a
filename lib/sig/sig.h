/*
 * sig.h - signals: one policy, three mechanisms.
 *
 * Promise: every sockbox tool treats signals by one rule, and this module
 * is the only place that installs handlers or blocks signals.
 *
 * The policy (sockbox(1) says the same):
 *   - SIGINT, SIGTERM and SIGHUP are the stop signals: each asks the tool
 *     to end cleanly.  SIGHUP (the terminal went away) is a termination
 *     like the other two, for servers and copies alike; nothing reloads.
 *   - A stop signal that was ignored when the process started (nohup, a
 *     background job of a non-interactive shell) stays ignored, as the
 *     shell intended: such a job is stopped with SIGTERM.
 *   - SIGUSR1 asks a long-running tool for its counters.
 *   - SIGPIPE is ignored once for the whole process (sockbox's main), so a
 *     write to a closed pipe or socket returns EPIPE: on standard output
 *     that ends a tool quietly with exit 0, on a socket it is an error the
 *     tool reports like any other.
 *
 * Which mechanism to use:
 *   (a) Flags, sig_catch_stop and sig_catch_report: a handler that only
 *       stores a flag, installed without SA_RESTART, so a blocked accept,
 *       read or poll returns EINTR and the loop around it looks at the
 *       flag.  For tools that block in one call at a time: the servers,
 *       the clients, a copy loop.
 *   (b) A descriptor, sig_fd_open: the stop signals blocked and read from a
 *       signalfd(2) that sits in a poll set beside the tool's other
 *       descriptors.  For a poll loop that must never see EINTR in the
 *       middle of a step (log-writer, a live capture).
 *   (c) Re-raise, sig_reraise: after cleaning up, end the process by the
 *       signal it caught, so the parent sees that death (a shell loop stops
 *       on Ctrl-C; file-copy's 130, 143, 129).  A tool that only stops and
 *       summarises (a server) exits 0 instead, as sockbox(1) promises.
 *
 *	sig_catch_stop();
 *	while (!sig_stop_requested()) { ... one step of work ... }
 *	sig_restore();
 *	... clean up ...
 *	if (sig_caught()) return sig_reraise(sig_caught());
 *
 * Threads: the flags are process-wide (one per process, set by the handler
 * in whichever thread takes the signal).  sig_stop_requested may be polled
 * from every thread: it only reads a volatile sig_atomic_t, and a stop is
 * never undone.  sig_report_requested consumes the request (it reads, then
 * clears), so exactly one thread must poll it, or a SIGUSR1 may be answered
 * twice or lost.  Install and restore from one thread, before the others
 * start.  After fork(2) a child has its own copy of the flags.
 */
#ifndef SOCKBOX_SIG_H
#define SOCKBOX_SIG_H

#include <signal.h>

/* Ignores SIGPIPE for the whole process: 0, or -1 with errno set. */
int sig_ignore_pipe(void);

/* (a) Installs the flag handler for SIGINT, SIGTERM and SIGHUP (an inherited
 * SIG_IGN kept) and clears the flag: 0, or -1 with errno set. */
int sig_catch_stop(void);

/* (a) Installs the counting handler for SIGUSR1: 0, or -1 with errno set. */
int sig_catch_report(void);

/* 1 once a stop signal arrived or sig_request_stop was called, else 0. */
int sig_stop_requested(void);

/* Raises the stop flag from the program itself (a reader went away). */
void sig_request_stop(void);

/* The stop signal caught (SIGINT, SIGTERM, SIGHUP), 0 when none. */
int sig_caught(void);

/* The stop flag itself, for loops in lib that poll a pointer (file/copy.h). */
const volatile sig_atomic_t *sig_stop_flag(void);

/* 1 once per SIGUSR1 burst received since the last call, else 0. */
int sig_report_requested(void);

/* (a) Puts back the actions sig_catch_stop and sig_catch_report replaced. */
void sig_restore(void);

/* (b) Blocks the stop signals not ignored at start (the old mask saved in
 * *old) and returns a signalfd for them, or -1 with errno set. */
int sig_fd_open(sigset_t *old);

/* (b) Consumes one pending signal: its number, or -1 with errno (EAGAIN: none). */
int sig_fd_read(int fd);

/* (b) Closes fd (when >= 0) and restores the mask saved by sig_fd_open. */
void sig_fd_close(int fd, const sigset_t *old);

/* (c) Restores sig's default action, unblocks and raises it.  Returns 128 + sig
 * only if the process is still alive afterwards (a default action of "ignore"). */
int sig_reraise(int sig);

#endif
