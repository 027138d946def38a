/*
 * ipc_bench.c - ipc-bench: measure how two processes (or two threads) pass
 * messages here, and show a race, the locks that prevent it, and a
 * deadlock.
 *
 * Concepts: inter-process communication (pipes, FIFOs, socket pairs, unix,
 * TCP and UDP sockets, POSIX and System V message queues, shared memory
 * and how its other side is woken, real-time signals); processes against
 * threads; pinning; what a message costs (system calls, copies, wake-ups);
 * lost updates, locks, lock ordering.  The mechanisms are in lib/ipc/mech,
 * the shared-memory ring in lib/ipc/shmring, the locks in lib/ipc/lock.
 * References: pipe(7), fifo(7), unix(7), mq_overview(7), sysvipc(7),
 * shm_overview(7), futex(2), eventfd(2), sigqueue(3), flock(2), fcntl(2).
 */
#include "tools.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/hist.h"
#include "base/json.h"
#include "cli/diag.h"
#include "cli/opt.h"
#include "cli/parse.h"
#include "ipc/limits.h"
#include "ipc/list.h"
#include "ipc/lock.h"
#include "ipc/mech.h"

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
#include <sys/wait.h>
#include <unistd.h>

enum {
	OPT_MECH = OPT_LONG_ONLY,
	OPT_SYNC,
	OPT_WARMUP,
	OPT_PIN,
	OPT_JSON,
	OPT_EXPLAIN,
	OPT_DEADLOCK,
	OPT_ORDERED,
	OPT_TIMEOUT,
};

static const struct opt_spec options[] = {
	{ OPT_MECH, "mech", "LIST", "mechanisms, comma-separated (default: all; see --explain)" },
	{ OPT_SYNC, "sync", "LIST", "how shm wakes the other side: sem,futex,eventfd,spin (default all)" },
	{ 's', "size", "LIST", "message sizes, comma-separated, such as 64,4K,64K (default 64)" },
	{ 'c', "count", "N", "messages or round trips measured (default 10000); lock: adds per worker" },
	{ 'd', "duration", "SECS", "measure for SECS seconds instead of a count" },
	{ OPT_WARMUP, "warmup", "N", "messages exchanged before measuring (default 100)" },
	{ 't', "threads", NULL, "run the sides (lock: the workers) as threads, not processes" },
	{ OPT_PIN, "pin", "same|cross|none", "both sides on one CPU, on two CPUs, or unpinned (default)" },
	{ 'w', "workers", "N", "workers adding to the counter (default 2)" },
	{ OPT_DEADLOCK, "deadlock", NULL, "two workers lock two accounts in opposite orders (exit 3)" },
	{ OPT_ORDERED, "ordered", NULL, "the two accounts, locked in one global order: no deadlock" },
	{ OPT_TIMEOUT, "timeout", "SECS", "how long a worker waits for a lock (default 1)" },
	{ OPT_JSON, "json", NULL, "one JSON object per row" },
	{ OPT_EXPLAIN, "explain", NULL, "print what each mechanism costs per message, and exit" },
	{ 'v', "verbose", NULL, "narrate one message's path, the processes and the limits on stderr" },
	{ 0, NULL, NULL, NULL },
};

static const char *const commands[] = { "pingpong", "stream", "lock", NULL };

static const struct opt_bind bindings[] = {
	{ OPT_SYNC, "pingpong|stream" }, { 's', "pingpong|stream" },
	{ 'd', "pingpong|stream" },      { OPT_WARMUP, "pingpong|stream" },
	{ OPT_PIN, "pingpong|stream" },  { 'w', "lock" },
	{ OPT_DEADLOCK, "lock" },        { OPT_ORDERED, "lock" },
	{ OPT_TIMEOUT, "lock" },         { 0, NULL },
};

const struct opt_tool ipc_bench_tool = {
	.name = "ipc-bench",
	.usage = "pingpong [OPTIONS]\nstream [OPTIONS]\nlock [OPTIONS]",
	.summary = "measure pipes, queues, shared memory, signals and locks; show a race and a deadlock",
	.details = "pingpong: round trips per second and latency; stream: MB/s one way;\n"
	           "lock: N workers add to one counter under --mech none,mutex,spin,atomic,sem,flock,fcntl.",
	.specs = options,
	.commands = commands,
	.bind = bindings,
};

enum { CMD_PINGPONG = 1, CMD_STREAM, CMD_LOCK };
enum { PIN_SAME, PIN_CROSS, PIN_NONE };

/* Tool exit code: lock --deadlock saw two workers wait for each other. */
enum { EXIT_DEADLOCK = 3 };

#define MAX_ITEMS 16
#define LAST_FLAG (UINT64_C(1) << 63) /* in a message's sequence word: the sender's last */
#define DEFAULT_COUNT 10000u
#define DEFAULT_LOCK_COUNT 100000u

struct ipc_bench {
	int command;
	int mechs[MAX_ITEMS];
	size_t nmechs;
	int syncs[4];
	size_t nsyncs;
	uint64_t sizes[MAX_ITEMS];
	size_t nsizes;
	uint64_t count;
	double duration;
	uint64_t warmup;
	int threads, pin, json, explain, deadlock, ordered;
	unsigned workers;
	double timeout;
	/* run state */
	int cpu[2];        /* where --pin puts side A and side B */
	cpu_set_t allowed; /* this process's CPUs at start, restored after each run */
	int header_done;
	int failed;
	struct buf line;
};

/* What the two sides of one run tell each other and the report: shared
 * memory, so it works across fork, and atomics, so it is race-free with
 * --threads. */
struct run {
	const struct ipc_bench *ib;
	struct ipc_chan *chan; /* private memory: each process closes its own copy's ends */
	enum ipc_mech_id mech;
	size_t size;
	_Atomic uint64_t start_ns, end_ns;
	_Atomic uint64_t sent, received, lost;
	_Atomic int sender_done;
	_Atomic int b_failed;
	char b_error[200]; /* written by side B before it ends, read after it is reaped */
	struct hist lat;   /* side A's, round trip times */
};

static int bad_value(int key, const char *arg, const char *expected)
{
	return opt_bad_value(&ipc_bench_tool, key, arg, "expected %s", expected);
}

static int parse_option(struct ipc_bench *ib, int key, const char *arg)
{
	uint64_t n;

	switch (key) {
	case OPT_MECH:
		/* read by check_command, once the command says which list it is */
		break;
	case OPT_SYNC:
		if (list_parse_names(arg, ipc_sync_names, NULL, NULL, 0, ib->syncs, 4, &ib->nsyncs) < 0)
			return bad_value(key, arg, "a list of sem, futex, eventfd, spin");
		break;
	case 's':
		if (list_parse_sizes(arg, 8, 16u << 20, ib->sizes, MAX_ITEMS, &ib->nsizes) < 0)
			return bad_value(key, arg, "a list of sizes from 8 to 16M, such as 64,4K,64K");
		break;
	case 'c':
		if (parse_uint(arg, 1, UINT64_C(1) << 40, &ib->count) < 0)
			return bad_value(key, arg, "a whole number from 1");
		break;
	case 'd':
		if (parse_seconds(arg, 0.001, 86400, &ib->duration) < 0)
			return bad_value(key, arg, "seconds, such as 2 or 0.5");
		break;
	case OPT_TIMEOUT:
		if (parse_seconds(arg, 0.001, 3600, &ib->timeout) < 0)
			return bad_value(key, arg, "seconds, such as 2 or 0.5");
		break;
	case OPT_WARMUP:
		if (parse_uint(arg, 0, UINT64_C(1) << 40, &ib->warmup) < 0)
			return bad_value(key, arg, "a whole number");
		break;
	case 'w':
		if (parse_uint(arg, 1, 256, &n) < 0)
			return bad_value(key, arg, "a whole number from 1 to 256");
		ib->workers = (unsigned)n;
		break;
	case OPT_PIN:
		if ((ib->pin = opt_choice(&ipc_bench_tool, key, arg)) < 0)
			return bad_value(key, arg, "same, cross or none");
		break;
	case 't':
		ib->threads = 1;
		break;
	case OPT_JSON:
		ib->json = 1;
		break;
	case OPT_EXPLAIN:
		ib->explain = 1;
		break;
	case OPT_DEADLOCK:
		ib->deadlock = 1;
		break;
	case OPT_ORDERED:
		ib->ordered = 1;
		break;
	case 'v':
		diag_set_verbosity(diag_verbosity() + 1);
		break;
	}
	return EXIT_OK;
}

/* The command word; the --mech list read for its command; the defaults. */
static int check_command(struct ipc_bench *ib, const char *mech_text, int argc, char **argv, int index)
{
	if (index >= argc)
		return diag_usage("missing command: pingpong, stream or lock");
	ib->command = strcmp(argv[index], "pingpong") == 0 ? CMD_PINGPONG
	              : strcmp(argv[index], "stream") == 0 ? CMD_STREAM
	              : strcmp(argv[index], "lock") == 0   ? CMD_LOCK
	                                                   : 0;
	if (!ib->command)
		return diag_usage("unknown command '%s': pingpong, stream or lock", argv[index]);
	if (index + 1 < argc)
		return diag_usage("unexpected operand '%s'", argv[index + 1]);
	const char *const *names = ib->command == CMD_LOCK ? lock_mech_names : ipc_mech_names;
	if (mech_text) {
		static const int socketpairs[] = { IPC_SOCKETPAIR_STREAM, IPC_SOCKETPAIR_DGRAM,
			                           IPC_SOCKETPAIR_SEQPACKET };
		int lock = ib->command == CMD_LOCK;
		if (list_parse_names(mech_text, names, lock ? NULL : "socketpair", socketpairs, lock ? 0 : 3,
		                     ib->mechs, MAX_ITEMS, &ib->nmechs) < 0) {
			char all[256] = "";
			for (int m = 0; names[m]; m++)
				snprintf(all + strlen(all), sizeof all - strlen(all), "%s%s", m ? ", " : "",
				         names[m]);
			return opt_bad_value(&ipc_bench_tool, OPT_MECH, mech_text,
			                     "expected %s mechanisms without repeats, from: %s%s",
			                     argv[index], all, lock ? "" : " (socketpair: its three kinds)");
		}
	} else {
		ib->nmechs = 0;
		for (int m = 0; names[m]; m++)
			if (!(ib->command == CMD_STREAM && (ipc_mechs[m].flags & IPC_PINGPONG_ONLY)))
				ib->mechs[ib->nmechs++] = m;
	}
	for (size_t i = 0; i < ib->nmechs && ib->command == CMD_STREAM; i++)
		if (ipc_mechs[ib->mechs[i]].flags & IPC_PINGPONG_ONLY)
			return diag_usage("%s goes with pingpong only", ipc_mechs[ib->mechs[i]].name);
	return EXIT_OK;
}

static int check_conflicts(struct ipc_bench *ib, int count_given)
{
	if (ib->duration > 0 && count_given)
		return diag_usage("--count and --duration are exclusive");
	if (ib->command == CMD_LOCK && ib->duration > 0)
		return diag_usage("--duration goes with pingpong and stream, not lock");
	if ((ib->deadlock || ib->ordered) && ib->workers && ib->workers != 2)
		return diag_usage("the two accounts take two workers: drop --workers");
	if (!ib->nsizes) {
		ib->sizes[0] = 64;
		ib->nsizes = 1;
	}
	if (!ib->nsyncs) {
		for (int s = 0; s < 4; s++)
			ib->syncs[s] = s;
		ib->nsyncs = 4;
	}
	if (!ib->count)
		ib->count = ib->deadlock || ib->ordered ? 1000u
		            : ib->command == CMD_LOCK   ? DEFAULT_LOCK_COUNT
		                                        : DEFAULT_COUNT;
	if (!ib->workers)
		ib->workers = 2;
	return EXIT_OK;
}

/* OPT_GO_ON when the command should run, else the status to exit with now. */
static int parse_args(struct ipc_bench *ib, int argc, char **argv)
{
	struct opt_state st;
	const char *mech_text = NULL;
	int key, rc, count_given = 0;

	opt_init(&st, &ipc_bench_tool, argc, argv);
	while ((key = opt_next(&st)) != OPT_END) {
		if (key == OPT_EXIT)
			return st.status;
		if (key == OPT_MECH)
			mech_text = st.arg;
		if (key == 'c')
			count_given = 1;
		if (parse_option(ib, key, st.arg) != EXIT_OK) {
			opt_done(&st);
			return EXIT_USAGE;
		}
	}
	rc = check_command(ib, mech_text, argc, argv, st.index);
	if (rc == EXIT_OK)
		rc = check_conflicts(ib, count_given);
	return rc == EXIT_OK ? OPT_GO_ON : rc;
}

/* ---- output ---- */

static void flush_line(struct ipc_bench *ib)
{
	fwrite(buf_head(&ib->line), 1, buf_readable(&ib->line), stdout);
	fflush(stdout);
	buf_clear(&ib->line);
}

static void print_header(struct ipc_bench *ib)
{
	if (ib->json || ib->header_done)
		return;
	ib->header_done = 1;
	if (ib->command == CMD_PINGPONG)
		printf("%-9s %-20s %-7s %7s %9s %10s %8s %8s %8s %8s %8s\n", "MODE", "MECH", "SYNC", "SIZE",
		       "COUNT", "RT/S", "MIN_US", "P50_US", "P99_US", "P999_US", "MAX_US");
	else if (ib->command == CMD_STREAM)
		printf("%-9s %-20s %-7s %7s %9s %10s %11s %9s\n", "MODE", "MECH", "SYNC", "SIZE", "COUNT",
		       "MB/S", "MSGS/S", "LOST");
	else
		printf("%-9s %-8s %7s %10s %11s %11s %11s %8s\n", "MODE", "MECH", "WORKERS", "COUNT",
		       "EXPECTED", "FINAL", "LOST", "NS/OP");
}

static const char *sync_name(const struct run *r, int sync)
{
	return (ipc_mechs[r->mech].flags & IPC_SYNCED) ? ipc_sync_names[sync] : NULL;
}

static void print_pingpong(struct ipc_bench *ib, const struct run *r, int sync, double seconds)
{
	const struct hist *h = &r->lat;
	double rate = seconds > 0 ? (double)h->count / seconds : 0;
	uint64_t lat[5] = { h->min, hist_percentile(h, 0.5), hist_percentile(h, 0.99),
		            hist_percentile(h, 0.999), h->max };
	static const char *const keys[5] = { "min", "p50", "p99", "p999", "max" };
	struct json j;

	print_header(ib);
	if (!ib->json) {
		buf_printf(&ib->line, "%-9s %-20s %-7s %7zu %9" PRIu64 " %10.0f", "pingpong",
		           ipc_mechs[r->mech].name, sync_name(r, sync) ? sync_name(r, sync) : "-", r->size,
		           h->count, rate);
		for (int i = 0; i < 5; i++)
			buf_printf(&ib->line, " %8.1f", (double)lat[i] / 1000.0);
		buf_append_str(&ib->line, "\n");
		flush_line(ib);
		return;
	}
	json_init(&j, &ib->line);
	json_begin_object(&j, NULL);
	json_str(&j, "mode", "pingpong");
	json_str(&j, "mech", ipc_mechs[r->mech].name);
	if (sync_name(r, sync))
		json_str(&j, "sync", sync_name(r, sync));
	else
		json_null(&j, "sync");
	json_uint(&j, "size", r->size);
	json_uint(&j, "count", h->count);
	json_fixed(&j, "round_trips_per_s", rate, 1);
	json_begin_object(&j, "lat_ns");
	for (int i = 0; i < 5; i++)
		json_uint(&j, keys[i], lat[i]);
	json_end(&j);
	json_end(&j);
	json_newline(&j);
	flush_line(ib);
}

static void print_stream(struct ipc_bench *ib, const struct run *r, int sync, uint64_t measured,
                         uint64_t received, double seconds)
{
	double mb = seconds > 0 ? (double)received * (double)r->size / seconds / 1e6 : 0;
	double msgs = seconds > 0 ? (double)received / seconds : 0;
	uint64_t lost = atomic_load(&r->lost);
	struct json j;

	print_header(ib);
	if (!ib->json) {
		buf_printf(&ib->line, "%-9s %-20s %-7s %7zu %9" PRIu64 " %10.1f %11.0f %9" PRIu64 "\n",
		           "stream", ipc_mechs[r->mech].name, sync_name(r, sync) ? sync_name(r, sync) : "-",
		           r->size, measured, mb, msgs, lost);
		flush_line(ib);
		return;
	}
	json_init(&j, &ib->line);
	json_begin_object(&j, NULL);
	json_str(&j, "mode", "stream");
	json_str(&j, "mech", ipc_mechs[r->mech].name);
	if (sync_name(r, sync))
		json_str(&j, "sync", sync_name(r, sync));
	else
		json_null(&j, "sync");
	json_uint(&j, "size", r->size);
	json_uint(&j, "count", measured);
	json_fixed(&j, "mb_per_s", mb, 1);
	json_fixed(&j, "msgs_per_s", msgs, 1);
	json_uint(&j, "lost", lost);
	json_end(&j);
	json_newline(&j);
	flush_line(ib);
}

/* ---- the two sides ---- */

static void pin_to(const struct ipc_bench *ib, int side)
{
	cpu_set_t set;

	if (ib->pin == PIN_NONE)
		return;
	CPU_ZERO(&set);
	CPU_SET((size_t)ib->cpu[side], &set);
	if (sched_setaffinity(0, sizeof set, &set) < 0)
		diag_errno("pin side %c to cpu %d", 'A' + side, ib->cpu[side]);
}

static void fill(unsigned char *msg, size_t size, uint64_t word)
{
	uint64_t check = ~word;

	memcpy(msg, &word, sizeof word);
	if (size >= 16)
		memcpy(msg + size - sizeof check, &check, sizeof check);
}

/* The message's sequence word, or 0 with *ok cleared when its trailer does
 * not match (a cut or corrupted message). */
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
	int lossy = ipc_mechs[r->mech].flags & IPC_LOSSY;
	int pingpong = r->ib->command == CMD_PINGPONG;
	uint64_t expected = 0, received = 0, lost = 0;

	if (!msg) {
		fail_b(r, "%s: side B: %s", ipc_mechs[r->mech].name, strerror(ENOMEM));
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
			fail_b(r, "%s: side B: receive: %s", ipc_mechs[r->mech].name, strerror(errno));
			break;
		}
		word = word_of(msg, r->size, &ok);
		seq = word & ~LAST_FLAG;
		if (!ok) {
			fail_b(r, "%s: message %" PRIu64 " arrived cut or corrupted", ipc_mechs[r->mech].name,
			       seq);
			break;
		}
		if (seq != expected && !(lossy && seq > expected)) {
			fail_b(r, "%s: message %" PRIu64 " arrived when %" PRIu64 " was due: lost or reordered",
			       ipc_mechs[r->mech].name, seq, expected);
			break;
		}
		lost += seq - expected;
		expected = seq + 1;
		if (seq >= r->ib->warmup) {
			received++;
			if (lossy || (word & LAST_FLAG))
				atomic_store(&r->end_ns, clock_now_ns());
		}
		if (pingpong && ipc_chan_send(r->chan, 1, msg) < 0) {
			fail_b(r, "%s: side B: send: %s", ipc_mechs[r->mech].name, strerror(errno));
			break;
		}
		if (word & LAST_FLAG)
			break;
	}
	atomic_store(&r->received, received);
	free(msg);
}

static void *side_b_thread(void *arg)
{
	struct run *r = arg;

	pin_to(r->ib, 1);
	run_side_b(r);
	return NULL;
}

/* Is message i the sender's last?  By count, or by the clock once the
 * warm-up is over. */
static int is_last(const struct run *r, uint64_t i, uint64_t deadline)
{
	if (r->ib->duration > 0)
		return i >= r->ib->warmup && deadline && clock_now_ns() >= deadline;
	return i + 1 == r->ib->warmup + r->ib->count;
}

/* Waits for message seq's echo; older echoes (late, after a loss) are
 * dropped.  0, 1 when a lossy mechanism timed out, -1 on an error. */
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
	const struct ipc_bench *ib = r->ib;
	unsigned char *msg = calloc(1, r->size), *reply = calloc(1, r->size);
	uint64_t deadline = 0, i, lost = 0;
	int rc = 0, last = 0;

	if (!msg || !reply) {
		free(msg);
		free(reply);
		return -1;
	}
	for (i = 0; !last && rc == 0; i++) {
		if (i == ib->warmup) {
			atomic_store(&r->start_ns, clock_now_ns());
			if (ib->duration > 0)
				deadline = clock_now_ns() + clock_seconds_to_ns(ib->duration);
		}
		last = is_last(r, i, deadline);
		fill(msg, r->size, i | (last ? LAST_FLAG : 0));
		uint64_t t0 = clock_now_ns();
		if ((rc = ipc_chan_send(r->chan, 0, msg)) < 0 || ib->command != CMD_PINGPONG)
			continue;
		rc = await_echo(r, reply, i);
		if (rc == 1) {
			lost++;
			rc = 0;
		} else if (rc == 0 && i >= ib->warmup) {
			hist_add(&r->lat, clock_now_ns() - t0);
		}
	}
	if (ib->command == CMD_PINGPONG)
		atomic_store(&r->end_ns, clock_now_ns());
	atomic_store(&r->sent, i > ib->warmup ? i - ib->warmup : 0);
	atomic_store(&r->lost, lost);
	atomic_store(&r->sender_done, 1);
	free(msg);
	free(reply);
	return rc < 0 ? -1 : 0;
}

/* ---- one row ---- */

static int start_side_b(struct run *r, pid_t *pid, pthread_t *thread)
{
	if (r->ib->threads) {
		r->chan->threads = 1;
		errno = pthread_create(thread, NULL, side_b_thread, r);
		if (errno)
			return -1;
		r->chan->thread[1] = *thread;
		return 0;
	}
	*pid = fork();
	if (*pid < 0)
		return -1;
	if (*pid == 0) {
		pin_to(r->ib, 1);
		ipc_chan_enter(r->chan, 1, 1);
		run_side_b(r);
		_exit(atomic_load(&r->b_failed) ? 1 : 0);
	}
	r->chan->pid[1] = *pid;
	diag_verbose(1, "side B is process %ld, side A process %ld", (long)*pid, (long)getpid());
	return 0;
}

/* Stops side B when side A failed: it may wait for a message forever. */
static void stop_side_b(const struct run *r, pid_t pid, pthread_t thread)
{
	if (r->ib->threads)
		pthread_cancel(thread);
	else
		kill(pid, SIGKILL);
}

static void reap_side_b(struct run *r, pid_t pid, pthread_t thread)
{
	int status;

	if (r->ib->threads) {
		pthread_join(thread, NULL);
		return;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

static void report(struct ipc_bench *ib, struct run *r, int sync)
{
	uint64_t start = atomic_load(&r->start_ns), end = atomic_load(&r->end_ns);
	double seconds = end > start ? (double)(end - start) / 1e9 : 0;
	uint64_t sent = atomic_load(&r->sent), received = atomic_load(&r->received);

	if (ib->command == CMD_PINGPONG) {
		if (atomic_load(&r->lost))
			diag_info("%s: %" PRIu64 " of %" PRIu64
			          " round trips lost (no echo within %d ms), left out",
			          ipc_mechs[r->mech].name, atomic_load(&r->lost), sent, IPC_LOSS_TIMEOUT_MS);
		print_pingpong(ib, r, sync, seconds);
		return;
	}
	atomic_store(&r->lost, sent > received ? sent - received : 0);
	print_stream(ib, r, sync, sent, received, seconds);
}

/* Runs one mechanism, sync and size, and prints its row; a failure is
 * reported and leaves no row. */
static void run_one(struct ipc_bench *ib, enum ipc_mech_id mech, int sync, size_t size)
{
	struct run *r;
	struct ipc_chan chan;
	char why[256];
	unsigned slots;
	sigset_t rt, old;
	pid_t pid = -1;
	pthread_t thread;
	int rc;

	if (limits_check(mech, size, &slots, why, sizeof why) < 0) {
		ib->failed = diag_error("%s", why);
		return;
	}
	r = mmap(NULL, sizeof *r, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r == MAP_FAILED) {
		ib->failed = diag_errno("mmap");
		return;
	}
	r->ib = ib;
	r->chan = &chan;
	r->mech = mech;
	r->size = size;
	hist_init(&r->lat);
	diag_verbose(1, "%s, %zu-byte messages%s%s, depth %u:", ipc_mechs[mech].name, size,
	             (ipc_mechs[mech].flags & IPC_SYNCED) ? ", --sync " : "",
	             (ipc_mechs[mech].flags & IPC_SYNCED) ? ipc_sync_names[sync] : "", slots);
	for (const char *p = ipc_mechs[mech].narrate; *p;) {
		int n = (int)strcspn(p, "\n");
		diag_verbose(1, "  %.*s", n, p);
		p += n + (p[n] == '\n');
	}
	/* the signals carry the messages: blocked before the fork or the
	 * thread, so both sides inherit the mask and take them with sigwaitinfo */
	sigemptyset(&rt);
	sigaddset(&rt, SIGRTMIN);
	sigaddset(&rt, SIGRTMIN + 1);
	pthread_sigmask(SIG_BLOCK, &rt, &old);
	if (ipc_chan_open(r->chan, mech, (enum shmring_sync)sync, size, slots) < 0) {
		ib->failed = diag_errno("%s: open", ipc_mechs[mech].name);
		goto out;
	}
	if (start_side_b(r, &pid, &thread) < 0) {
		ib->failed = diag_errno("%s: start side B", ipc_mechs[mech].name);
		ipc_chan_close(r->chan);
		goto out;
	}
	ipc_chan_enter(r->chan, 0, !ib->threads);
	pin_to(ib, 0);
	rc = run_side_a(r);
	if (rc < 0 && errno != EPROTO) {
		int saved = errno;
		stop_side_b(r, pid, thread);
		errno = saved;
	}
	reap_side_b(r, pid, thread);
	if (ib->pin != PIN_NONE)
		sched_setaffinity(0, sizeof ib->allowed, &ib->allowed);
	ipc_chan_close(r->chan);
	if (atomic_load(&r->b_failed))
		ib->failed = diag_error("%s; no result", r->b_error);
	else if (rc < 0 && errno == EPROTO)
		ib->failed = diag_error("%s: an echo came back out of order or corrupted; no result",
		                        ipc_mechs[mech].name);
	else if (rc < 0)
		ib->failed = diag_errno("%s: side A", ipc_mechs[mech].name);
	else
		report(ib, r, sync);
out:
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	munmap(r, sizeof *r);
}

/* Every mechanism, size and (for shm) sync of the command. */
static void run_messages(struct ipc_bench *ib)
{
	for (size_t m = 0; m < ib->nmechs; m++) {
		enum ipc_mech_id mech = (enum ipc_mech_id)ib->mechs[m];
		int synced = ipc_mechs[mech].flags & IPC_SYNCED;
		for (size_t s = 0; s < ib->nsizes; s++) {
			/* signal carries one 8-byte value, whatever the size: one row */
			if ((ipc_mechs[mech].flags & IPC_FIXED_SIZE) && s > 0)
				break;
			size_t size = (ipc_mechs[mech].flags & IPC_FIXED_SIZE) ? 8 : (size_t)ib->sizes[s];
			for (size_t y = 0; y < (synced ? ib->nsyncs : 1); y++)
				run_one(ib, mech, synced ? ib->syncs[y] : 0, size);
		}
	}
}

/* ---- lock ---- */

static void run_lock(struct ipc_bench *ib)
{
	for (size_t m = 0; m < ib->nmechs; m++) {
		struct lock_count lc = { .mech = (enum lock_mech)ib->mechs[m],
			                 .workers = ib->workers,
			                 .count = ib->count,
			                 .threads = ib->threads };
		uint64_t expected = ib->workers * ib->count;
		struct json j;

		diag_verbose(1, "lock %s: %u %s add 1 to one counter %" PRIu64 " times each",
		             lock_mech_names[lc.mech], lc.workers, ib->threads ? "threads" : "processes",
		             lc.count);
		if (lock_count_run(&lc) < 0) {
			ib->failed = diag_errno("lock %s", lock_mech_names[lc.mech]);
			continue;
		}
		double ns_per_op = (double)lc.elapsed_ns / (double)expected;
		print_header(ib);
		if (!ib->json) {
			buf_printf(&ib->line,
			           "%-9s %-8s %7u %10" PRIu64 " %11" PRIu64 " %11" PRIu64 " %11" PRIu64
			           " %8.1f\n",
			           "lock", lock_mech_names[lc.mech], lc.workers, lc.count, expected, lc.final,
			           expected - lc.final, ns_per_op);
		} else {
			json_init(&j, &ib->line);
			json_begin_object(&j, NULL);
			json_str(&j, "mode", "lock");
			json_str(&j, "mech", lock_mech_names[lc.mech]);
			json_uint(&j, "workers", lc.workers);
			json_uint(&j, "count", lc.count);
			json_uint(&j, "expected", expected);
			json_uint(&j, "final", lc.final);
			json_fixed(&j, "ns_per_op", ns_per_op, 1);
			json_end(&j);
			json_newline(&j);
		}
		flush_line(ib);
	}
}

static const char *account_name(int bits)
{
	return bits == 1 ? "account A" : bits == 2 ? "account B" : bits == 3 ? "accounts A and B" : "nothing";
}

static int run_accounts(struct ipc_bench *ib)
{
	struct lock_deadlock ld = { .threads = ib->threads,
		                    .ordered = ib->ordered,
		                    .timeout = ib->timeout > 0 ? ib->timeout : 1.0,
		                    .transfers = ib->count };
	const char *kind = ib->threads ? "thread" : "pid";

	diag_verbose(1, "worker 1 pays from account A to B, worker 2 from B to A; locks taken %s",
	             ib->ordered ? "A then B by both (one global order)"
	                         : "payer's account first (opposite orders)");
	if (lock_deadlock_run(&ld) < 0)
		return diag_errno("lock --%s", ib->ordered ? "ordered" : "deadlock");
	if (!ld.deadlocked) {
		printf("%s: 2 workers, %" PRIu64 " + %" PRIu64
		       " transfers done, balances A %ld B %ld, no deadlock\n",
		       ib->ordered ? "ordered" : "deadlock", ld.done[0], ld.done[1], ld.balance[0],
		       ld.balance[1]);
		return EXIT_OK;
	}
	for (int w = 0; w < 2; w++)
		printf("worker %d (%s %ld) holds %s, waits for %s\n", w + 1, kind, ld.seen[w].id,
		       account_name(ld.seen[w].holds),
		       ld.seen[w].waits < 0 ? "nothing" : account_name(1 << ld.seen[w].waits));
	fflush(stdout); /* the two lines first, then the verdict */
	diag_error("deadlock: each worker holds the account the other waits for (seen by worker %d's "
	           "%g s timed wait); --ordered locks them in one order",
	           ld.timed_out_worker + 1, ld.timeout);
	return EXIT_DEADLOCK;
}

/* ---- setup ---- */

/* Chooses the CPUs --pin puts the sides on, among those this process may use. */
static int choose_cpus(struct ipc_bench *ib)
{
	int found = 0;

	if (sched_getaffinity(0, sizeof ib->allowed, &ib->allowed) < 0)
		return diag_errno("sched_getaffinity");
	for (int cpu = 0; cpu < CPU_SETSIZE && found < 2; cpu++)
		if (CPU_ISSET((size_t)cpu, &ib->allowed))
			ib->cpu[found++] = cpu;
	if (ib->pin == PIN_CROSS && found < 2)
		return diag_error("--pin cross needs two CPUs; this process may use only cpu %d", ib->cpu[0]);
	if (ib->pin == PIN_SAME || found < 2)
		ib->cpu[1] = ib->cpu[0];
	if (ib->pin != PIN_NONE)
		diag_verbose(1, "side A pinned to cpu %d, side B to cpu %d", ib->cpu[0], ib->cpu[1]);
	return EXIT_OK;
}

static void print_explain(const struct ipc_bench *ib)
{
	for (size_t m = 0; m < ib->nmechs; m++) {
		const char *name =
		    ib->command == CMD_LOCK ? lock_mech_names[ib->mechs[m]] : ipc_mechs[ib->mechs[m]].name;
		const char *text = ib->command == CMD_LOCK ? lock_mech_explain[ib->mechs[m]]
		                                           : ipc_mechs[ib->mechs[m]].explain;
		printf("%s:\n", name);
		for (const char *p = text; *p;) {
			size_t n = strcspn(p, "\n");
			printf("  %.*s\n", (int)n, p);
			p += n + (p[n] == '\n');
		}
	}
}

int ipc_bench_main(int argc, char **argv)
{
	struct ipc_bench ib = { .pin = PIN_NONE };
	int status = parse_args(&ib, argc, argv);

	if (status != OPT_GO_ON)
		return status;
	if (ib.explain) {
		print_explain(&ib);
		return diag_finish_stdout(EXIT_OK);
	}
	if (ib.command == CMD_LOCK && (ib.deadlock || ib.ordered))
		return diag_finish_stdout(run_accounts(&ib));
	if (ib.command == CMD_LOCK) {
		run_lock(&ib);
	} else {
		if (choose_cpus(&ib) != EXIT_OK)
			return EXIT_FAIL;
		run_messages(&ib);
	}
	buf_free(&ib.line);
	return diag_finish_stdout(ib.failed ? EXIT_FAIL : EXIT_OK);
}
