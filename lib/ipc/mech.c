/*
 * mech.c - every mechanism ipc-bench measures, opened before the fork and
 * driven one message at a time.
 */
#include "ipc/mech.h"

#include "base/io.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

const char *const ipc_mech_names[IPC_MECH_COUNT + 1] = {
	"pipe",
	"fifo",
	"socketpair-stream",
	"socketpair-dgram",
	"socketpair-seqpacket",
	"unix",
	"tcp",
	"udp",
	"posix-mq",
	"sysv-msg",
	"shm",
	"signal",
	NULL,
};

const char *const ipc_sync_names[5] = { "sem", "futex", "eventfd", "spin", NULL };

const struct ipc_mech_info ipc_mechs[IPC_MECH_COUNT] = {
	[IPC_PIPE] = { "pipe", 0,
	               "write(2) copies the message into the pipe's kernel buffer, read(2) copies it out:\n"
	               "two system calls, two copies, and a wake-up (a context switch when one core runs "
	               "both)",
	               "side A write(2)s the message into the pipe: the kernel copies it into its pipe\n"
	               "buffer and wakes side B, asleep in read(2), which copies it out; a byte stream,\n"
	               "so B reads until the message is whole" },
	[IPC_FIFO] = { "fifo", 0,
	               "a pipe with a name in the file system (mkfifo(3)): after open(2), the same cost as\n"
	               "pipe: write + read, two copies, a wake-up",
	               "side A write(2)s the message into the FIFO it opened by name; the kernel copies it\n"
	               "into the same pipe buffer a pipe has, wakes B in read(2), which copies it out" },
	[IPC_SOCKETPAIR_STREAM] = { "socketpair-stream", 0,
	                            "an AF_UNIX SOCK_STREAM pair: send + recv, two copies (into an sk_buff, "
	                            "out of it),\n"
	                            "a wake-up; more bookkeeping per call than a pipe",
	                            "side A write(2)s the message: the kernel copies it into socket buffers "
	                            "queued on B's\n"
	                            "socket and wakes B in read(2), which copies it out; a byte stream" },
	[IPC_SOCKETPAIR_DGRAM] = { "socketpair-dgram", 0,
	                           "an AF_UNIX SOCK_DGRAM pair: one message per send, boundaries kept, never "
	                           "lost\n"
	                           "(the sender blocks when the receiver's queue is full); two copies, a "
	                           "wake-up",
	                           "side A send(2)s one datagram: copied into one sk_buff on B's queue; B's\n"
	                           "recv(2) takes the whole datagram out in one call (one copy out)" },
	[IPC_SOCKETPAIR_SEQPACKET] = { "socketpair-seqpacket", 0,
	                               "an AF_UNIX SOCK_SEQPACKET pair: a connection that keeps message "
	                               "boundaries;\n"
	                               "two copies, a wake-up",
	                               "side A send(2)s one record: one sk_buff on B's queue, taken whole by "
	                               "one recv(2)" },
	[IPC_UNIX] = { "unix", 0,
	               "a named AF_UNIX stream socket (bind, listen, connect, accept): once connected,\n"
	               "the cost of socketpair-stream",
	               "side A write(2)s the message on its connected unix socket; the kernel queues it on\n"
	               "the accepted socket of B and wakes B's read(2), which copies it out" },
	[IPC_TCP] = { "tcp", 0,
	              "TCP over loopback (TCP_NODELAY): the whole TCP/IP stack on each message, segments,\n"
	              "ACKs, checksums skipped on loopback; two copies, a softirq, a wake-up",
	              "side A write(2)s the message: TCP cuts it into segments, IP hands it to the\n"
	              "loopback device, the receive path queues it on B's socket and wakes B's read(2)" },
	[IPC_UDP] = { "udp", IPC_LOSSY,
	              "UDP over loopback: one datagram per message through IP and the loopback device;\n"
	              "nothing waits for the receiver: a full receive buffer drops datagrams (counted)",
	              "side A send(2)s one datagram: UDP and IP headers, the loopback device,\n"
	              "B's receive queue (or the floor, if it is full); B's recv(2) copies it out" },
	[IPC_POSIX_MQ] = { "posix-mq", 0,
	                   "a POSIX message queue (mq_open(3)): mq_send copies the message into the kernel,\n"
	                   "mq_receive copies it out; two system calls, two copies, a wake-up; limits in\n"
	                   "/proc/sys/fs/mqueue and RLIMIT_MSGQUEUE",
	                   "side A mq_send(3)s the message: the kernel copies it into a msg_msg in the queue "
	                   "and\n"
	                   "wakes B in mq_receive(3), which copies it out" },
	[IPC_SYSV_MSG] = { "sysv-msg", 0,
	                   "a System V message queue (msgget(2)): msgsnd + msgrcv, two copies, a wake-up;\n"
	                   "one queue, the message type says the direction; limits kernel.msgmax, msgmnb",
	                   "side A msgsnd(2)s the message of type 1: copied into a msg_msg on the queue; B,\n"
	                   "asleep in msgrcv(2) for type 1, is woken and copies it out" },
	[IPC_SHM] = { "shm", IPC_SYNCED,
	              "a ring of slots in shared memory (shm_open + mmap): memcpy in, memcpy out, no\n"
	              "kernel copy; the cost is the wake-up --sync chooses: sem and futex sleep in\n"
	              "futex(2) only when the ring is empty or full, eventfd always makes two system\n"
	              "calls, spin makes none and burns a core while it waits",
	              "side A memcpy()s the message into the next free slot of the ring in shared memory,\n"
	              "publishes the slot index with a release store, then wakes B the --sync way;\n"
	              "B sees the index (acquire load) and memcpy()s the slot out" },
	[IPC_SIGNAL] = { "signal", IPC_PINGPONG_ONLY | IPC_FIXED_SIZE,
	                 "a real-time signal sent with sigqueue(3), its value carrying the message (8\n"
	                 "bytes): one system call to send, one (sigwaitinfo) to take it; no data copy\n"
	                 "beyond the siginfo, but the signal machinery on each side",
	                 "side A sigqueue(3)s SIGRTMIN to B with the sequence number as its value (8\n"
	                 "bytes); B, blocked in sigwaitinfo(2), takes it from its queue of pending signals" },
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int set_timeout(int fd)
{
	struct timeval tv = { .tv_sec = 0, .tv_usec = IPC_LOSS_TIMEOUT_MS * 1000 };
	return setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

static int open_pipes(struct ipc_chan *c)
{
	int ab[2], ba[2];

	if (pipe2(ab, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(ba, O_CLOEXEC) < 0) {
		close(ab[0]);
		close(ab[1]);
		return -1;
	}
	c->fd[0][1] = ab[1];
	c->fd[1][0] = ab[0];
	c->fd[1][1] = ba[1];
	c->fd[0][0] = ba[0];
	return 0;
}

static int make_dir(struct ipc_chan *c)
{
	snprintf(c->dir, sizeof c->dir, "/tmp/sockbox-ipc-XXXXXX");
	if (!mkdtemp(c->dir)) {
		c->dir[0] = '\0';
		return -1;
	}
	return 0;
}

/* A FIFO opened for reading without O_NONBLOCK waits for a writer; opening
 * the read end non-blocking first, then the write end, needs no second
 * process, and clearing O_NONBLOCK afterwards gives blocking reads. */
static int open_fifo(const char *path, int *rfd, int *wfd)
{
	int flags;

	if (mkfifo(path, 0600) < 0)
		return -1;
	*rfd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (*rfd < 0)
		return -1;
	*wfd = open(path, O_WRONLY | O_CLOEXEC);
	if (*wfd < 0)
		return -1;
	flags = fcntl(*rfd, F_GETFL);
	if (flags < 0 || fcntl(*rfd, F_SETFL, flags & ~O_NONBLOCK) < 0)
		return -1;
	return 0;
}

static int open_fifos(struct ipc_chan *c)
{
	if (make_dir(c) < 0)
		return -1;
	snprintf(c->path[0], sizeof c->path[0], "%s/a-to-b", c->dir);
	snprintf(c->path[1], sizeof c->path[1], "%s/b-to-a", c->dir);
	if (open_fifo(c->path[0], &c->fd[1][0], &c->fd[0][1]) < 0)
		return -1;
	return open_fifo(c->path[1], &c->fd[0][0], &c->fd[1][1]);
}

static int open_socketpair(struct ipc_chan *c, int type)
{
	int sv[2];

	if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	c->fd[0][0] = c->fd[0][1] = sv[0];
	c->fd[1][0] = c->fd[1][1] = sv[1];
	return 0;
}

/* Connects a client to the listening socket c->spare[0] and accepts it:
 * side A gets the client end, side B the accepted one. */
static int connect_pair(struct ipc_chan *c, const struct sockaddr *sa, socklen_t len)
{
	int client = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int server;

	if (client < 0)
		return -1;
	c->fd[0][0] = c->fd[0][1] = client;
	if (connect(client, sa, len) < 0)
		return -1;
	server = accept4(c->spare[0], NULL, NULL, SOCK_CLOEXEC);
	if (server < 0)
		return -1;
	c->fd[1][0] = c->fd[1][1] = server;
	close_fd(&c->spare[0]);
	return 0;
}

static int open_unix(struct ipc_chan *c)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	if (make_dir(c) < 0)
		return -1;
	snprintf(c->path[0], sizeof c->path[0], "%s/socket", c->dir);
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", c->path[0]);
	c->spare[0] = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->spare[0] < 0 || bind(c->spare[0], (struct sockaddr *)&sun, sizeof sun) < 0 ||
	    listen(c->spare[0], 1) < 0)
		return -1;
	return connect_pair(c, (struct sockaddr *)&sun, sizeof sun);
}

static int open_tcp(struct ipc_chan *c)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sin;
	int one = 1;

	c->spare[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->spare[0] < 0 || bind(c->spare[0], (struct sockaddr *)&sin, sizeof sin) < 0 ||
	    listen(c->spare[0], 1) < 0 || getsockname(c->spare[0], (struct sockaddr *)&sin, &len) < 0)
		return -1;
	if (connect_pair(c, (struct sockaddr *)&sin, len) < 0)
		return -1;
	/* Nagle would hold the tail of a large message until the previous
	 * segment is acknowledged: a delayed-ACK stall in every round trip. */
	for (int side = 0; side < 2; side++)
		if (setsockopt(c->fd[side][0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0)
			return -1;
	return 0;
}

static int open_udp(struct ipc_chan *c)
{
	struct sockaddr_in sin[2];
	socklen_t len;

	for (int side = 0; side < 2; side++) {
		sin[side] =
		    (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		len = sizeof sin[side];
		c->fd[side][0] = c->fd[side][1] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (c->fd[side][0] < 0 || bind(c->fd[side][0], (struct sockaddr *)&sin[side], len) < 0 ||
		    getsockname(c->fd[side][0], (struct sockaddr *)&sin[side], &len) < 0 ||
		    set_timeout(c->fd[side][0]) < 0)
			return -1;
	}
	for (int side = 0; side < 2; side++)
		if (connect(c->fd[side][0], (struct sockaddr *)&sin[!side], sizeof sin[0]) < 0)
			return -1;
	return 0;
}

/* Two queues, unlinked at once: the descriptors (inherited by fork) are all
 * that is needed, and nothing is left in /dev/mqueue if a side dies. */
static int open_mq(struct ipc_chan *c, unsigned slots)
{
	struct mq_attr attr = { .mq_maxmsg = (long)slots, .mq_msgsize = (long)c->size };
	char name[64];

	for (int dir = 0; dir < 2; dir++) {
		snprintf(name, sizeof name, "/sockbox-ipc-%ld-%d", (long)getpid(), dir);
		c->mq[dir] = mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &attr);
		if (c->mq[dir] == (mqd_t)-1)
			return -1;
		mq_unlink(name);
	}
	return 0;
}

static int open_sysv(struct ipc_chan *c)
{
	c->msqid = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	if (c->msqid < 0)
		return -1;
	for (int side = 0; side < 2; side++) {
		c->msgbuf[side] = calloc(1, sizeof(long) + c->size);
		if (!c->msgbuf[side])
			return -1;
	}
	return 0;
}

static int open_shm(struct ipc_chan *c, unsigned slots)
{
	char name[64];
	size_t one = shmring_bytes(c->size, slots);
	int fd;

	one = (one + 4095) & ~(size_t)4095;
	c->shm_len = 2 * one;
	snprintf(name, sizeof name, "/sockbox-ipc-%ld", (long)getpid());
	fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	shm_unlink(name);
	/* posix_fallocate, not ftruncate: a /dev/shm too small fails here
	 * (ENOSPC), not later with SIGBUS on the first touch of a page */
	errno = posix_fallocate(fd, 0, (off_t)c->shm_len);
	if (errno != 0) {
		close(fd);
		return -1;
	}
	c->shm = mmap(NULL, c->shm_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (c->shm == MAP_FAILED) {
		c->shm = NULL;
		return -1;
	}
	c->ring[0] = c->shm;
	c->ring[1] = (char *)c->shm + one;
	if (shmring_init(c->ring[0], c->size, slots, c->sync) < 0) {
		c->ring[0] = c->ring[1] = NULL;
		return -1;
	}
	if (shmring_init(c->ring[1], c->size, slots, c->sync) < 0) {
		c->ring[1] = NULL;
		return -1;
	}
	return 0;
}

static int open_signal(struct ipc_chan *c)
{
	c->pid[0] = getpid();
	c->thread[0] = pthread_self();
	return 0;
}

int ipc_chan_open(struct ipc_chan *c, enum ipc_mech_id mech, enum shmring_sync sync, size_t size, unsigned slots)
{
	int rc = -1, saved;

	memset(c, 0, sizeof *c);
	c->mech = mech;
	c->sync = sync;
	c->size = size;
	c->msqid = -1;
	c->mq[0] = c->mq[1] = (mqd_t)-1;
	for (int i = 0; i < 2; i++)
		c->fd[i][0] = c->fd[i][1] = c->spare[i] = -1;
	switch (mech) {
	case IPC_PIPE:
		rc = open_pipes(c);
		break;
	case IPC_FIFO:
		rc = open_fifos(c);
		break;
	case IPC_SOCKETPAIR_STREAM:
		rc = open_socketpair(c, SOCK_STREAM);
		break;
	case IPC_SOCKETPAIR_DGRAM:
		rc = open_socketpair(c, SOCK_DGRAM);
		break;
	case IPC_SOCKETPAIR_SEQPACKET:
		rc = open_socketpair(c, SOCK_SEQPACKET);
		break;
	case IPC_UNIX:
		rc = open_unix(c);
		break;
	case IPC_TCP:
		rc = open_tcp(c);
		break;
	case IPC_UDP:
		rc = open_udp(c);
		break;
	case IPC_POSIX_MQ:
		rc = open_mq(c, slots);
		break;
	case IPC_SYSV_MSG:
		rc = open_sysv(c);
		break;
	case IPC_SHM:
		rc = open_shm(c, slots);
		break;
	case IPC_SIGNAL:
		rc = open_signal(c);
		break;
	case IPC_MECH_COUNT:
		errno = EINVAL;
		break;
	}
	if (rc < 0) {
		saved = errno;
		ipc_chan_close(c);
		errno = saved;
	}
	return rc;
}

void ipc_chan_enter(struct ipc_chan *c, int side, int own_process)
{
	int other = !side;

	if (!own_process)
		return;
	/* sockets: the other side's descriptor is the same socket twice */
	if (c->fd[other][0] == c->fd[other][1])
		c->fd[other][1] = -1;
	close_fd(&c->fd[other][0]);
	close_fd(&c->fd[other][1]);
}

static int signal_for(int dir)
{
	return SIGRTMIN + dir;
}

static int send_signal(struct ipc_chan *c, int side, const void *msg)
{
	union sigval value;
	uint64_t seq;

	memcpy(&seq, msg, sizeof seq);
	value.sival_ptr = (void *)(uintptr_t)seq;
	if (c->threads) {
		errno = pthread_sigqueue(c->thread[!side], signal_for(side), value);
		return errno ? -1 : 0;
	}
	return sigqueue(c->pid[!side], signal_for(side), value);
}

static int recv_signal(struct ipc_chan *c, int side, void *msg)
{
	sigset_t set;
	siginfo_t info;
	uint64_t seq;

	sigemptyset(&set);
	sigaddset(&set, signal_for(!side));
	while (sigwaitinfo(&set, &info) < 0)
		if (errno != EINTR)
			return -1;
	seq = (uint64_t)(uintptr_t)info.si_value.sival_ptr;
	memcpy(msg, &seq, sizeof seq);
	(void)c;
	return 0;
}

int ipc_chan_send(struct ipc_chan *c, int side, const void *msg)
{
	long *buf;
	ssize_t n;

	switch (c->mech) {
	case IPC_PIPE:
	case IPC_FIFO:
	case IPC_SOCKETPAIR_STREAM:
	case IPC_UNIX:
	case IPC_TCP:
		return io_write_full(c->fd[side][1], msg, c->size);
	case IPC_SOCKETPAIR_DGRAM:
	case IPC_SOCKETPAIR_SEQPACKET:
	case IPC_UDP:
		while ((n = send(c->fd[side][1], msg, c->size, MSG_NOSIGNAL)) < 0)
			if (errno != EINTR)
				return -1;
		return 0;
	case IPC_POSIX_MQ:
		while (mq_send(c->mq[side], msg, c->size, 0) < 0)
			if (errno != EINTR)
				return -1;
		return 0;
	case IPC_SYSV_MSG:
		buf = c->msgbuf[side];
		buf[0] = 1 + side;
		memcpy(buf + 1, msg, c->size);
		while (msgsnd(c->msqid, buf, c->size, 0) < 0)
			if (errno != EINTR)
				return -1;
		return 0;
	case IPC_SHM:
		return shmring_push(c->ring[side], msg);
	case IPC_SIGNAL:
		return send_signal(c, side, msg);
	case IPC_MECH_COUNT:
		break;
	}
	errno = EINVAL;
	return -1;
}

/* A stream's read until the message is whole; end of file is EPIPE. */
static int recv_stream(int fd, void *msg, size_t size)
{
	ssize_t n = io_read_full(fd, msg, size);

	if (n < 0)
		return -1;
	if ((size_t)n < size) {
		errno = EPIPE;
		return -1;
	}
	return 0;
}

/* One datagram or record: a short one is a cut message (EMSGSIZE), an
 * empty one from a stream-like end is the other side closing (EPIPE). */
static int recv_datagram(struct ipc_chan *c, int fd, void *msg)
{
	ssize_t n;

	while ((n = recv(fd, msg, c->size, MSG_TRUNC)) < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 1;
		if (errno != EINTR)
			return -1;
	}
	if (n == 0 && c->mech == IPC_SOCKETPAIR_SEQPACKET) {
		errno = EPIPE;
		return -1;
	}
	if ((size_t)n != c->size) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

int ipc_chan_recv(struct ipc_chan *c, int side, void *msg)
{
	long *buf;
	ssize_t n;
	int dir = !side;

	switch (c->mech) {
	case IPC_PIPE:
	case IPC_FIFO:
	case IPC_SOCKETPAIR_STREAM:
	case IPC_UNIX:
	case IPC_TCP:
		return recv_stream(c->fd[side][0], msg, c->size);
	case IPC_SOCKETPAIR_DGRAM:
	case IPC_SOCKETPAIR_SEQPACKET:
	case IPC_UDP:
		return recv_datagram(c, c->fd[side][0], msg);
	case IPC_POSIX_MQ:
		while ((n = mq_receive(c->mq[dir], msg, c->size, NULL)) < 0)
			if (errno != EINTR)
				return -1;
		if ((size_t)n != c->size) {
			errno = EMSGSIZE;
			return -1;
		}
		return 0;
	case IPC_SYSV_MSG:
		buf = c->msgbuf[side];
		while ((n = msgrcv(c->msqid, buf, c->size, 1 + dir, 0)) < 0)
			if (errno != EINTR)
				return -1;
		if ((size_t)n != c->size) {
			errno = EMSGSIZE;
			return -1;
		}
		memcpy(msg, buf + 1, c->size);
		return 0;
	case IPC_SHM:
		return shmring_pop(c->ring[dir], msg);
	case IPC_SIGNAL:
		return recv_signal(c, side, msg);
	case IPC_MECH_COUNT:
		break;
	}
	errno = EINVAL;
	return -1;
}

void ipc_chan_close(struct ipc_chan *c)
{
	for (int side = 0; side < 2; side++) {
		if (c->fd[side][0] == c->fd[side][1])
			c->fd[side][1] = -1;
		close_fd(&c->fd[side][0]);
		close_fd(&c->fd[side][1]);
		close_fd(&c->spare[side]);
		if (c->mq[side] != (mqd_t)-1)
			mq_close(c->mq[side]);
		c->mq[side] = (mqd_t)-1;
		free(c->msgbuf[side]);
		c->msgbuf[side] = NULL;
		if (c->ring[side])
			shmring_destroy(c->ring[side]);
		c->ring[side] = NULL;
	}
	if (c->msqid >= 0)
		msgctl(c->msqid, IPC_RMID, NULL);
	c->msqid = -1;
	if (c->shm)
		munmap(c->shm, c->shm_len);
	c->shm = NULL;
	for (int i = 0; i < 2; i++)
		if (c->path[i][0])
			unlink(c->path[i]);
	if (c->dir[0])
		rmdir(c->dir);
	c->dir[0] = '\0';
}
