/*
 * session.c - the two sides of one measurement, as processes or threads.
 */
#include "ipc/session.h"

#include "base/clock.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define LAST_FLAG (UINT64_C(1) << 63) /* in a message's sequence word: the sender's last */

/* What the two sides tell each other: shared memory, so it works across
 * fork, and atomics, so it is race-free with threads. */
struct run {
	const struct session_config *cfg;
	struct ipc_chan *chan; /* private memory: each process closes its own copy's ends */
	enum ipc_mech_id mech;
	size_t size;
	_Atomic uint64_t start_ns, end_ns;
	_Atomic uint64_t sent, received, lost;
	_Atomic int sender_done;
	_Atomic int b_failed;
	_Atomic uint64_t path_ns[5]; /* the first measured message: A sends, A sent, B got, B echoed, A got */
	char b_error[200];           /* written by side B before it ends, read after it is reaped */
	struct hist lat;             /* side A's round trip times */
};

static int pin_to(const struct session_config *cfg, int side)
{
	cpu_set_t set;

	if (cfg->cpu[side] < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET((size_t)cfg->cpu[side], &set);
	return sched_setaffinity(0, sizeof set, &set);
}

static void fill(unsigned char *msg, size_t size, uint64_t word)
{
	uint64_t check = ~word;

	memcpy(msg, &word, sizeof word);
	if (size >= 16)
		memcpy(msg + size - sizeof check, &check, sizeof check);
}

/* The message's sequence word; *ok cleared when its trailer does not
 * match (a cut or corrupted message). */
static uint64_t word_of(const unsigned char *msg, size_t size, int *ok)
{
	uint64_t word, check;

	memcpy(&word, msg, sizeof word);
	*ok = 1;
	if (size >= 16) {
		memcpy(&check, msg + size - sizeof check, sizeof check);
		*ok = check == ~word;
	}
	return word;
}

static void fail_b(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Side B's failure, for side A to report once B is reaped. */
static void fail_b(struct run *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->b_error, sizeof r->b_error, fmt, ap);
	va_end(ap);
	atomic_store(&r->b_failed, 1);
}

/* Side B: receive, check the order, echo back (pingpong) or count (stream). */
static void run_side_b(struct run *r)
{
	unsigned char *msg = malloc(r->size);
	const char *name = ipc_mechs[r->mech].name;
	int lossy = ipc_mechs[r->mech].flags & IPC_LOSSY;
	uint64_t expected = 0, received = 0;

	if (!msg) {
		fail_b(r, "%s: side B: %s", name, strerror(ENOMEM));
		return;
	}
	if (pin_to(r->cfg, 1) < 0) {
		fail_b(r, "%s: pin side B to cpu %d: %s", name, r->cfg->cpu[1], strerror(errno));
		free(msg);
		return;
	}
	for (;;) {
		int ok, rc = ipc_chan_recv(r->chan, 1, msg);
		uint64_t word, seq;

		if (rc == 1) {
			if (atomic_load(&r->sender_done))
				break;
			continue;
		}
		if (rc < 0) {
			fail_b(r, "%s: side B: receive: %s", name, strerror(errno));
			break;
		}
		word = word_of(msg, r->size, &ok);
		seq = word & ~LAST_FLAG;
		if (!ok) {
			fail_b(r, "%s: message %" PRIu64 " arrived cut or corrupted", name, seq);
			break;
		}
		if (seq != expected && !(lossy && seq > expected)) {
			fail_b(r, "%s: message %" PRIu64 " arrived when %" PRIu64 " was due: lost or reordered",
			       name, seq, expected);
			break;
		}
		expected = seq + 1;
		if (seq == r->cfg->warmup)
			atomic_store(&r->path_ns[2], clock_now_ns());
		if (seq >= r->cfg->warmup) {
			received++;
			if (lossy || (word & LAST_FLAG))
				atomic_store(&r->end_ns, clock_now_ns());
		}
		if (r->cfg->pingpong && ipc_chan_send(r->chan, 1, msg) < 0) {
			fail_b(r, "%s: side B: send: %s", name, strerror(errno));
			break;
		}
		if (seq == r->cfg->warmup && r->cfg->pingpong)
			atomic_store(&r->path_ns[3], clock_now_ns());
		if (word & LAST_FLAG)
			break;
	}
	atomic_store(&r->received, received);
	free(msg);
}

static void *side_b_thread(void *arg)
{
	run_side_b(arg);
	return NULL;
}

/* Is message i the sender's last?  By count, or by the clock once the
 * warm-up is over. */
static int is_last(const struct run *r, uint64_t i, uint64_t deadline)
{
	if (r->cfg->duration > 0)
		return i >= r->cfg->warmup && deadline && clock_now_ns() >= deadline;
	return i + 1 == r->cfg->warmup + r->cfg->count;
}

/* Waits for message seq's echo; older echoes (late, after a loss) are
 * dropped.  0, 1 when a lossy mechanism timed out, -1 on an error
 * (EPROTO: an echo out of order or corrupted). */
static int await_echo(struct run *r, unsigned char *reply, uint64_t seq)
{
	for (;;) {
		int ok, rc = ipc_chan_recv(r->chan, 0, reply);
		uint64_t got;

		if (rc != 0)
			return rc;
		got = word_of(reply, r->size, &ok) & ~LAST_FLAG;
		if (ok && got == seq)
			return 0;
		if (ok && got < seq && (ipc_mechs[r->mech].flags & IPC_LOSSY))
			continue;
		errno = EPROTO;
		return -1;
	}
}

/* Side A: send, and in pingpong wait for the echo and time the round trip. */
static int run_side_a(struct run *r)
{
	const struct session_config *cfg = r->cfg;
	unsigned char *msg = calloc(1, r->size), *reply = calloc(1, r->size);
	uint64_t deadline = 0, i, lost = 0;
	int rc = 0, last = 0;

	if (!msg || !reply) {
		free(msg);
		free(reply);
		return -1;
	}
	for (i = 0; !last && rc == 0; i++) {
		if (cfg->stop && *cfg->stop) {
			/* a last message ends side B the normal way (no kill, no
			 * thread cancellation); if even that fails, B is stopped */
			fill(msg, r->size, i | LAST_FLAG);
			rc = ipc_chan_send(r->chan, 0, msg) < 0 ? -1 : -2;
			break;
		}
		if (i == cfg->warmup) {
			atomic_store(&r->start_ns, clock_now_ns());
			if (cfg->duration > 0)
				deadline = clock_now_ns() + clock_seconds_to_ns(cfg->duration);
		}
		last = is_last(r, i, deadline);
		fill(msg, r->size, i | (last ? LAST_FLAG : 0));
		uint64_t t0 = clock_now_ns();
		if (i == cfg->warmup)
			atomic_store(&r->path_ns[0], t0);
		rc = ipc_chan_send(r->chan, 0, msg);
		if (i == cfg->warmup)
			atomic_store(&r->path_ns[1], clock_now_ns());
		if (rc < 0 || !cfg->pingpong)
			continue;
		rc = await_echo(r, reply, i);
		if (rc == 0 && i == cfg->warmup)
			atomic_store(&r->path_ns[4], clock_now_ns());
		if (rc == 1) {
			lost++;
			rc = 0;
		} else if (rc == 0 && i >= cfg->warmup) {
			hist_add(&r->lat, clock_now_ns() - t0);
		}
	}
	if (cfg->pingpong)
		atomic_store(&r->end_ns, clock_now_ns());
	atomic_store(&r->sent, i > cfg->warmup ? i - cfg->warmup : 0);
	atomic_store(&r->lost, lost);
	atomic_store(&r->sender_done, 1);
	free(msg);
	free(reply);
	if (rc == -2)
		errno = EINTR;
	return rc < 0 ? -1 : 0;
}

static int start_side_b(struct run *r, pid_t *pid, pthread_t *thread)
{
	if (r->cfg->threads) {
		r->chan->threads = 1;
		errno = pthread_create(thread, NULL, side_b_thread, r);
		if (errno)
			return -1;
		r->chan->thread[1] = *thread;
		return 0;
	}
	pid_t parent = getpid();
	*pid = fork();
	if (*pid < 0)
		return -1;
	if (*pid == 0) {
		/* side A killed outright (SIGKILL) must not leave B waiting
		 * forever on a queue or a ring that no one will ever fill */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(1);
		ipc_chan_enter(r->chan, 1, 1);
		run_side_b(r);
		_exit(atomic_load(&r->b_failed) ? 1 : 0);
	}
	r->chan->pid[1] = *pid;
	return 0;
}

/* Stops side B when side A failed: it may wait for a message forever. */
static void stop_side_b(const struct run *r, pid_t pid, pthread_t thread)
{
	if (r->cfg->threads)
		pthread_cancel(thread);
	else
		kill(pid, SIGKILL);
}

static void reap_side_b(const struct run *r, pid_t pid, pthread_t thread)
{
	if (r->cfg->threads) {
		pthread_join(thread, NULL);
		return;
	}
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* Side A's part, from the start of side B to its end.  0, or -1 with
 * res->error set. */
static int run_sides(struct run *r, struct session_result *res)
{
	const char *name = ipc_mechs[r->mech].name;
	pid_t pid = -1;
	pthread_t thread;
	int rc;

	if (start_side_b(r, &pid, &thread) < 0) {
		snprintf(res->error, sizeof res->error, "%s: start side B: %s", name, strerror(errno));
		return -1;
	}
	res->b_pid = pid > 0 ? (long)pid : 0;
	ipc_chan_enter(r->chan, 0, !r->cfg->threads);
	rc = pin_to(r->cfg, 0);
	if (rc == 0)
		rc = run_side_a(r);
	if (rc < 0) {
		/* stopped: the last message ends B; any other failure: B may wait
		 * for a message that never comes, so it is stopped */
		int stopped = errno == EINTR;
		if (stopped)
			snprintf(res->error, sizeof res->error, "%s: interrupted; no result", name);
		else if (errno == EPROTO)
			snprintf(res->error, sizeof res->error,
			         "%s: an echo came back out of order or corrupted; no result", name);
		else
			snprintf(res->error, sizeof res->error, "%s: side A: %s", name, strerror(errno));
		atomic_store(&r->sender_done, 1);
		if (!stopped)
			stop_side_b(r, pid, thread);
	}
	reap_side_b(r, pid, thread);
	if (atomic_load(&r->b_failed)) {
		snprintf(res->error, sizeof res->error, "%s; no result", r->b_error);
		return -1;
	}
	return rc;
}

int session_run(const struct session_config *cfg, enum ipc_mech_id mech, enum shmring_sync sync, size_t size,
                unsigned slots, struct session_result *res)
{
	struct ipc_chan chan;
	struct run *r;
	sigset_t rt, old;
	cpu_set_t mine;
	uint64_t start, end;
	int rc = -1;

	memset(res, 0, sizeof *res);
	if (sched_getaffinity(0, sizeof mine, &mine) < 0 ||
	    (r = mmap(NULL, sizeof *r, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)) ==
	        MAP_FAILED) {
		snprintf(res->error, sizeof res->error, "%s: %s", ipc_mechs[mech].name, strerror(errno));
		return -1;
	}
	*r = (struct run){ .cfg = cfg, .chan = &chan, .mech = mech, .size = size };
	hist_init(&r->lat);
	/* the signals carry the messages: blocked before the fork or the
	 * thread, so both sides inherit the mask and take them with sigwaitinfo */
	sigemptyset(&rt);
	sigaddset(&rt, SIGRTMIN);
	sigaddset(&rt, SIGRTMIN + 1);
	pthread_sigmask(SIG_BLOCK, &rt, &old);
	if (ipc_chan_open(&chan, mech, sync, size, slots) < 0) {
		snprintf(res->error, sizeof res->error, "%s: open: %s", ipc_mechs[mech].name, strerror(errno));
	} else {
		rc = run_sides(r, res);
		ipc_chan_close(&chan);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	sched_setaffinity(0, sizeof mine, &mine);
	if (rc == 0) {
		start = atomic_load(&r->start_ns);
		end = atomic_load(&r->end_ns);
		res->seconds = end > start ? (double)(end - start) / 1e9 : 0;
		res->sent = atomic_load(&r->sent);
		res->received = atomic_load(&r->received);
		res->lost = cfg->pingpong               ? atomic_load(&r->lost)
		            : res->sent > res->received ? res->sent - res->received
		                                        : 0;
		res->lat = r->lat;
		for (int k = 0; k < 4; k++) {
			uint64_t at = atomic_load(&r->path_ns[k + 1]), from = atomic_load(&r->path_ns[0]);
			res->path_ns[k] = at > from ? at - from : 0;
		}
	}
	munmap(r, sizeof *r);
	return rc;
}
