/*
 * limits.c - the kernel's limits for each mechanism, read before measuring.
 */
#include "ipc/limits.h"

#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/statvfs.h>

/* What the kernel charges a POSIX queue per message beyond its bytes
 * (struct msg_msg and a tree node, rounded up): mqueue_get_inode's sum. */
#define MQ_OVERHEAD 96u
#define UDP_MAX_PAYLOAD 65507u
#define SHM_RING_BUDGET (4u << 20) /* bytes per ring before the depth shrinks */

/* A whole number from a /proc/sys file, or -1 when it cannot be read. */
static long long read_sysctl(const char *path)
{
	FILE *f = fopen(path, "re");
	long long v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static int check_mq(size_t size, unsigned *slots, char *why, size_t len)
{
	long long msgsize_max = read_sysctl("/proc/sys/fs/mqueue/msgsize_max");
	long long msg_max = read_sysctl("/proc/sys/fs/mqueue/msg_max");
	struct rlimit rl;
	unsigned depth = LIMITS_WANT_SLOTS;

	if (msgsize_max >= 0 && (long long)size > msgsize_max) {
		snprintf(why, len,
		         "posix-mq: a %zu-byte message is over fs.mqueue.msgsize_max (%lld): raise it: "
		         "sysctl fs.mqueue.msgsize_max=%zu",
		         size, msgsize_max, size);
		return -1;
	}
	if (msg_max >= 1 && depth > (unsigned long long)msg_max)
		depth = (unsigned)msg_max;
	if (getrlimit(RLIMIT_MSGQUEUE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		while (depth > 1 && 2ull * depth * (size + MQ_OVERHEAD) > rl.rlim_cur)
			depth--;
		if (2ull * depth * (size + MQ_OVERHEAD) > rl.rlim_cur) {
			snprintf(why, len,
			         "posix-mq: two queues of %zu-byte messages need %zu bytes, over "
			         "RLIMIT_MSGQUEUE (%llu): raise it: ulimit -q %zu",
			         size, 2 * (size + MQ_OVERHEAD), (unsigned long long)rl.rlim_cur,
			         2 * (size + MQ_OVERHEAD));
			return -1;
		}
	}
	*slots = depth;
	return 0;
}

static int check_sysv(size_t size, char *why, size_t len)
{
	long long msgmax = read_sysctl("/proc/sys/kernel/msgmax");
	long long msgmnb = read_sysctl("/proc/sys/kernel/msgmnb");

	if (msgmax >= 0 && (long long)size > msgmax) {
		snprintf(why, len,
		         "sysv-msg: a %zu-byte message is over kernel.msgmax (%lld): raise it: "
		         "sysctl kernel.msgmax=%zu",
		         size, msgmax, size);
		return -1;
	}
	if (msgmnb >= 0 && (long long)size > msgmnb) {
		snprintf(why, len,
		         "sysv-msg: a %zu-byte message does not fit a queue of kernel.msgmnb (%lld) bytes: "
		         "raise it: sysctl kernel.msgmnb=%zu",
		         size, msgmnb, size);
		return -1;
	}
	return 0;
}

static int check_shm(size_t size, unsigned *slots, char *why, size_t len)
{
	struct statvfs vfs;
	unsigned depth = LIMITS_WANT_SLOTS;
	size_t need;

	while (depth > 2 && (size_t)depth * size > SHM_RING_BUDGET)
		depth--;
	need = 2 * (shmring_bytes(size, depth) + 4096);
	if (statvfs("/dev/shm", &vfs) == 0 && (uint64_t)vfs.f_bavail * vfs.f_frsize < need) {
		snprintf(why, len,
		         "shm: two rings of %u %zu-byte slots need %zu bytes, /dev/shm has %llu free: "
		         "make room or raise it: mount -o remount,size=... /dev/shm",
		         depth, size, need, (unsigned long long)vfs.f_bavail * vfs.f_frsize);
		return -1;
	}
	*slots = depth;
	return 0;
}

static int check_dgram(enum ipc_mech_id mech, size_t size, char *why, size_t len)
{
	long long wmem = read_sysctl("/proc/sys/net/core/wmem_default");

	if (mech == IPC_UDP && size > UDP_MAX_PAYLOAD) {
		snprintf(why, len, "udp: a %zu-byte message is over the %u bytes a UDP datagram carries",
		         size, UDP_MAX_PAYLOAD);
		return -1;
	}
	/* a unix datagram must fit the sender's buffer whole (less 32 bytes) */
	if (mech != IPC_UDP && wmem > 32 && (long long)size > wmem - 32) {
		snprintf(why, len,
		         "%s: a %zu-byte datagram is over the socket send buffer, net.core.wmem_default "
		         "(%lld): raise it: sysctl net.core.wmem_default=%zu",
		         ipc_mechs[mech].name, size, wmem, size + 32);
		return -1;
	}
	return 0;
}

static int check_signal(char *why, size_t len)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_SIGPENDING, &rl) == 0 && rl.rlim_cur < 2) {
		snprintf(why, len,
		         "signal: RLIMIT_SIGPENDING (%llu) leaves no room for a queued signal: raise it: "
		         "ulimit -i 64",
		         (unsigned long long)rl.rlim_cur);
		return -1;
	}
	return 0;
}

int limits_check(enum ipc_mech_id mech, size_t size, unsigned *slots, char *why, size_t why_len)
{
	*slots = LIMITS_WANT_SLOTS;
	switch (mech) {
	case IPC_POSIX_MQ:
		return check_mq(size, slots, why, why_len);
	case IPC_SYSV_MSG:
		return check_sysv(size, why, why_len);
	case IPC_SHM:
		return check_shm(size, slots, why, why_len);
	case IPC_UDP:
	case IPC_SOCKETPAIR_DGRAM:
	case IPC_SOCKETPAIR_SEQPACKET:
		return check_dgram(mech, size, why, why_len);
	case IPC_SIGNAL:
		return check_signal(why, why_len);
	default:
		return 0;
	}
}
