/*
 * mech.h - ipc-bench's mechanisms: one table of every way two sides (two
 * processes, or two threads) can pass a message here, and one channel
 * type that opens any of them and sends and receives fixed-size messages.
 *
 * Promise: ipc_chan_open sets everything up in the calling process before
 * the fork or the thread (so both sides inherit it and nothing is named
 * that another run could meet); each side then calls ipc_chan_enter once,
 * and uses only its own side's ends.  ipc_chan_send/recv move exactly
 * size bytes (one message; a byte stream is read until the message is
 * whole), and never print.  Direction 0 is side A to side B, 1 the way
 * back.  What each mechanism costs by construction is in its .explain;
 * one message's path, for -v, in its .narrate.
 *
 * Threads: once open, both sides may call send/recv at the same time,
 * each with its own side (every field a side writes is its own).
 */
#ifndef SOCKBOX_IPC_MECH_H
#define SOCKBOX_IPC_MECH_H

#include <mqueue.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>

#include "ipc/shmring.h"

enum ipc_mech_id {
	IPC_PIPE,
	IPC_FIFO,
	IPC_SOCKETPAIR_STREAM,
	IPC_SOCKETPAIR_DGRAM,
	IPC_SOCKETPAIR_SEQPACKET,
	IPC_UNIX,
	IPC_TCP,
	IPC_UDP,
	IPC_POSIX_MQ,
	IPC_SYSV_MSG,
	IPC_SHM,
	IPC_SIGNAL,
	IPC_MECH_COUNT
};

enum {
	IPC_LOSSY = 1,         /* may drop a message: losses are counted, not errors */
	IPC_PINGPONG_ONLY = 2, /* no stream mode (signal) */
	IPC_SYNCED = 4,        /* takes --sync (shm) */
	IPC_FIXED_SIZE = 8,    /* carries one 8-byte value whatever --size says (signal) */
};

struct ipc_mech_info {
	const char *name;
	int flags;
	const char *explain; /* what each message costs by construction (--explain) */
	const char *narrate; /* one message's path, for -v (lines split by \n) */
};

/* Indexed by enum ipc_mech_id. */
extern const struct ipc_mech_info ipc_mechs[IPC_MECH_COUNT];
/* The names, NULL-terminated (for list_parse_names). */
extern const char *const ipc_mech_names[IPC_MECH_COUNT + 1];
/* "sem", "futex", "eventfd", "spin" by enum shmring_sync, NULL-terminated. */
extern const char *const ipc_sync_names[5];

/* How long a lossy mechanism waits for a message before counting it lost. */
#define IPC_LOSS_TIMEOUT_MS 200

struct ipc_chan {
	enum ipc_mech_id mech;
	enum shmring_sync sync;
	size_t size;
	int fd[2][2]; /* [side][0 read, 1 write]; the same socket twice for sockets */
	int spare[2]; /* a listening socket, a side's other end: closed by enter/close */
	mqd_t mq[2];  /* [direction] */
	int msqid;    /* sysv-msg: one queue, message type 1 + direction */
	void *msgbuf[2];
	void *shm;           /* the two rings, one mapping */
	size_t shm_len;      /* bytes mapped */
	void *ring[2];       /* [direction] inside shm */
	pid_t pid[2];        /* signal: each side's process */
	pthread_t thread[2]; /* signal with threads: each side's thread */
	int threads;         /* 1: signals go to threads (pthread_sigqueue) */
	char dir[64];        /* fifo, unix: the temporary directory of the names */
	char path[2][96];
};

/* Opens mech for messages of size bytes (slots: shm's ring depth, mq's
 * queue depth).  0, or -1 with errno (the channel is then closed). */
int ipc_chan_open(struct ipc_chan *c, enum ipc_mech_id mech, enum shmring_sync sync, size_t size,
                  unsigned slots);
/* Side 0 (A) or 1 (B) takes its ends; in a process of its own
 * (own_process), it closes the other side's, so a side that dies is seen
 * as end of file.  Signals: side_pid/self are this side's ids. */
void ipc_chan_enter(struct ipc_chan *c, int side, int own_process);
/* Sends one message (size bytes) from side.  0, or -1 with errno. */
int ipc_chan_send(struct ipc_chan *c, int side, const void *msg);
/* Receives one message into msg on side: 0; 1 when a lossy mechanism had
 * nothing for IPC_LOSS_TIMEOUT_MS; -1 with errno (EPIPE: the other side
 * closed its end). */
int ipc_chan_recv(struct ipc_chan *c, int side, void *msg);
/* Releases everything open left (called once, by the side that opened it,
 * after both sides are done). */
void ipc_chan_close(struct ipc_chan *c);

#endif
