/*
 * sigfd.h - the termination signals as a descriptor to poll.
 *
 * Promise: sigfd_open blocks SIGINT, SIGTERM and SIGHUP and returns a
 * signalfd(2) that becomes readable when one arrives, so a tool learns of
 * a signal in its poll loop, between two steps of its work: no handler,
 * no global flag, no system call cut short.  sigfd_close gives the old
 * signal mask back.
 */
#ifndef SOCKBOX_SIGFD_H
#define SOCKBOX_SIGFD_H

#include <signal.h>

/* Blocks the three signals (the old mask saved in *old): the descriptor, or -1. */
int sigfd_open(sigset_t *old);

/* Consumes one pending signal: its number, or -1 with errno (EAGAIN: none). */
int sigfd_read(int fd);

/* Closes fd (when >= 0) and restores the mask saved by sigfd_open. */
void sigfd_close(int fd, const sigset_t *old);

#endif
