/*
 * session.h - one measurement between two sides: side A sends numbered
 * messages through a mechanism of ipc/mech, side B receives and checks
 * them, and in pingpong sends each one back.
 *
 * Promise: every message carries its sequence number at its start and the
 * number's complement at its end, checked on arrival; a session in which
 * a mechanism lost, reordered or cut a message fails (-1, the reason in
 * res->error) and yields no figures, except that a lossy mechanism (udp)
 * counts its losses instead.  Side B is a forked process, or a thread
 * with threads set; each side is pinned to its CPU when cfg->cpu says so,
 * and the caller's own CPUs are restored before returning.  The real-time
 * signals of the signal mechanism are blocked for the session's length
 * and restored.  A stop flag (cli's SIGINT, SIGTERM) set while it runs
 * ends the session as soon as side A's current call returns: A sends a
 * last message, which ends side B the normal way, B is reaped, everything
 * is released, and session_run fails ("interrupted").  Never prints.
 */
#ifndef SOCKBOX_IPC_SESSION_H
#define SOCKBOX_IPC_SESSION_H

#include <signal.h>
#include <stdint.h>

#include "base/hist.h"
#include "ipc/mech.h"

struct session_config {
	int pingpong;                      /* 1: pingpong; 0: stream */
	uint64_t count;                    /* messages measured, when duration is 0 */
	double duration;                   /* seconds to measure for, or 0 */
	uint64_t warmup;                   /* messages before the measurement */
	int threads;                       /* 1: side B is a thread */
	int cpu[2];                        /* side A's and side B's CPU, -1: unpinned */
	const volatile sig_atomic_t *stop; /* side A stops once *stop is set (NULL: never) */
};

struct session_result {
	struct hist lat;   /* pingpong: the measured round trips, in ns */
	uint64_t sent;     /* measured messages side A sent */
	uint64_t received; /* measured messages side B received */
	uint64_t lost;     /* pingpong: round trips without an echo; stream: sent - received */
	double seconds;    /* from A's first measured send to the last receipt */
	long b_pid;        /* side B's process, 0 for a thread */
	/* The first measured message's path, in ns after side A began to send
	 * it (0: not reached): A's send returned, B's receive returned, B's
	 * echo send returned (pingpong), A's receive of the echo returned. */
	uint64_t path_ns[4];
	char error[256]; /* one line, no prefix, when session_run fails */
};

/* Runs one session through mech (sync for shm, slots its depth) with
 * messages of size bytes.  0, or -1 with res->error set. */
int session_run(const struct session_config *cfg, enum ipc_mech_id mech, enum shmring_sync sync, size_t size,
                unsigned slots, struct session_result *res);

#endif
