/*
 * limits.h - what a mechanism needs of this system for a message size,
 * checked before anything is measured.
 *
 * Promise: limits_check reads the limits the kernel will apply (the
 * sysctls in /proc/sys/fs/mqueue and /proc/sys/kernel, RLIMIT_MSGQUEUE,
 * RLIMIT_SIGPENDING, the free space of /dev/shm, the datagram ceilings)
 * and either picks a queue or ring depth that fits, or writes one line
 * naming the limit and how to raise it ("raise it: sysctl
 * fs.mqueue.msgsize_max=65536").  It keeps to the sysctls even for root,
 * which the kernel would let past some of them: a figure that only root
 * can reproduce teaches the wrong limit.  Reads only; never prints.
 */
#ifndef SOCKBOX_IPC_LIMITS_H
#define SOCKBOX_IPC_LIMITS_H

#include <stddef.h>

#include "ipc/mech.h"

/* The ring or queue depth ipc-bench asks for (shm, posix-mq). */
#define LIMITS_WANT_SLOTS 8u

/* 0 with *slots set (the depth to open with), or -1 with the reason in
 * why (one line, no prefix). */
int limits_check(enum ipc_mech_id mech, size_t size, unsigned *slots, char *why, size_t why_len);

#endif
