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
#include "draw/histbar.h"
#include "draw/term.h"
#include "ipc/limits.h"
#include "ipc/list.h"
#include "ipc/lock.h"
#include "ipc/mech.h"
#include "ipc/session.h"
#include "sig/sig.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
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
	OPT_HISTOGRAM,
	OPT_SVG,
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
	{ OPT_HISTOGRAM, "histogram", NULL, "after each row, print its log-scale latency histogram" },
	{ OPT_SVG, "svg", "FILE", "draw the latency histogram as SVG in FILE (rows: FILE-MECH-SIZE.svg)" },
	{ OPT_EXPLAIN, "explain", NULL, "print what each mechanism costs per message, and exit" },
	{ 'v', "verbose", NULL, "narrate one message's path, the processes and the limits on stderr" },
	{ 0, NULL, NULL, NULL },
};

static const char *const commands[] = { "pingpong", "stream", "lock", NULL };

static const struct opt_bind bindings[] = {
	{ OPT_SYNC, "pingpong|stream" },   { 's', "pingpong|stream" },     { 'd', "pingpong|stream" },
	{ OPT_WARMUP, "pingpong|stream" }, { OPT_PIN, "pingpong|stream" }, { 'w', "lock" },
	{ OPT_DEADLOCK, "lock" },          { OPT_ORDERED, "lock" },        { OPT_TIMEOUT, "lock" },
	{ OPT_HISTOGRAM, "pingpong" },     { OPT_SVG, "pingpong" },        { 0, NULL },
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
#define DEFAULT_COUNT 10000u
#define DEFAULT_WARMUP 100u
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
	int histogram;   /* --histogram */
	const char *svg; /* --svg FILE */
	size_t rows;     /* rows the run will print */
	unsigned workers;
	double timeout;
	/* run state */
	int cpu[2]; /* where --pin puts side A and side B */
	int header_done;
	size_t rows_done;
	int failed;
	int svg_failed; /* an SVG could not be written: the rest would fail alike */
	struct buf line;
	struct session_result result; /* the last row's */
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
	case OPT_HISTOGRAM:
		ib->histogram = 1;
		break;
	case OPT_SVG:
		ib->svg = arg;
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

/* The rows pingpong and stream print: a row per mechanism, size and (for
 * shm) sync; signal carries one 8-byte value, whatever the size: one row. */
static size_t count_rows(const struct ipc_bench *ib)
{
	size_t rows = 0;

	for (size_t m = 0; m < ib->nmechs; m++) {
		int flags = ipc_mechs[ib->mechs[m]].flags;
		rows += ((flags & IPC_FIXED_SIZE) ? 1 : ib->nsizes) * ((flags & IPC_SYNCED) ? ib->nsyncs : 1);
	}
	return rows;
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
	if (ib->histogram && ib->json)
		return diag_usage("choose --json or --histogram (--svg draws it beside the JSON)");
	ib->rows = ib->command == CMD_LOCK ? 0 : count_rows(ib);
	if (ib->svg && strcmp(ib->svg, "-") == 0 && ib->rows > 1)
		return diag_usage(
		    "--svg - draws one picture: choose one row (one --mech, --size and --sync)");
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
	int key, rc, count_given = 0, warmup_given = 0;

	opt_init(&st, &ipc_bench_tool, argc, argv);
	while ((key = opt_next(&st)) != OPT_END) {
		if (key == OPT_EXIT)
			return st.status;
		if (key == OPT_MECH)
			mech_text = st.arg;
		if (key == 'c')
			count_given = 1;
		if (key == OPT_WARMUP)
			warmup_given = 1;
		if (parse_option(ib, key, st.arg) != EXIT_OK) {
			opt_done(&st);
			return EXIT_USAGE;
		}
	}
	if (!warmup_given)
		ib->warmup = DEFAULT_WARMUP;
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

/* A row's sync: a name, or "-" in the table and null in JSON. */
static void json_sync(struct json *j, const char *sync)
{
	if (sync)
		json_str(j, "sync", sync);
	else
		json_null(j, "sync");
}

static void print_pingpong(struct ipc_bench *ib, const char *mech, const char *sync, size_t size)
{
	const struct session_result *res = &ib->result;
	const struct hist *h = &res->lat;
	double rate = res->seconds > 0 ? (double)h->count / res->seconds : 0;
	uint64_t lat[5] = { h->min, hist_percentile(h, 0.5), hist_percentile(h, 0.99),
		            hist_percentile(h, 0.999), h->max };
	static const char *const keys[5] = { "min", "p50", "p99", "p999", "max" };
	struct json j;

	print_header(ib);
	if (!ib->json) {
		/* with --histogram, a blank line ends the row's histogram before the next row */
		buf_printf(&ib->line, "%s%-9s %-20s %-7s %7zu %9" PRIu64 " %10.0f",
		           ib->histogram && ib->rows_done ? "\n" : "", "pingpong", mech, sync ? sync : "-",
		           size, h->count, rate);
		for (int i = 0; i < 5; i++)
			buf_printf(&ib->line, " %8.1f", (double)lat[i] / 1000.0);
		buf_append_str(&ib->line, "\n");
		if (ib->histogram) {
			char what[96];
			snprintf(what, sizeof what, "round trips of %s%s%s, %zu bytes", mech,
			         sync ? " with " : "", sync ? sync : "", size);
			histbar_text(&ib->line, h, what, term_caps(STDOUT_FILENO));
		}
		flush_line(ib);
		return;
	}
	json_init(&j, &ib->line);
	json_begin_object(&j, NULL);
	json_str(&j, "mode", "pingpong");
	json_str(&j, "mech", mech);
	json_sync(&j, sync);
	json_uint(&j, "size", size);
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

static void print_stream(struct ipc_bench *ib, const char *mech, const char *sync, size_t size)
{
	const struct session_result *res = &ib->result;
	double secs = res->seconds;
	double mb = secs > 0 ? (double)res->received * (double)size / secs / 1e6 : 0;
	double msgs = secs > 0 ? (double)res->received / secs : 0;
	struct json j;

	print_header(ib);
	if (!ib->json) {
		buf_printf(&ib->line, "%-9s %-20s %-7s %7zu %9" PRIu64 " %10.1f %11.0f %9" PRIu64 "\n",
		           "stream", mech, sync ? sync : "-", size, res->sent, mb, msgs, res->lost);
		flush_line(ib);
		return;
	}
	json_init(&j, &ib->line);
	json_begin_object(&j, NULL);
	json_str(&j, "mode", "stream");
	json_str(&j, "mech", mech);
	json_sync(&j, sync);
	json_uint(&j, "size", size);
	json_uint(&j, "count", res->sent);
	json_fixed(&j, "mb_per_s", mb, 1);
	json_fixed(&j, "msgs_per_s", msgs, 1);
	json_uint(&j, "lost", res->lost);
	json_end(&j);
	json_newline(&j);
	flush_line(ib);
}

/* ---- one row ---- */

/* --svg FILE for one row: FILE itself when the run has one row, else FILE
 * with -MECH[-SYNC]-SIZE before its extension (lat.svg: lat-pipe-64.svg). */
static void draw_svg(struct ipc_bench *ib, const char *mech, const char *sync, size_t size)
{
	char path[PATH_MAX], title[128];
	const char *base = strrchr(ib->svg, '/');
	const char *dot = strrchr(base ? base + 1 : ib->svg, '.');
	int stem = dot && dot != (base ? base + 1 : ib->svg) ? (int)(dot - ib->svg) : (int)strlen(ib->svg);

	snprintf(title, sizeof title, "ipc-bench pingpong --mech %s%s%s --size %zu", mech,
	         sync ? " --sync " : "", sync ? sync : "", size);
	if (ib->rows <= 1)
		snprintf(path, sizeof path, "%s", ib->svg);
	else if (snprintf(path, sizeof path, "%.*s-%s%s%s-%zu%s", stem, ib->svg, mech, sync ? "-" : "",
	                  sync ? sync : "", size, ib->svg + stem) >= (int)sizeof path) {
		errno = ENAMETOOLONG;
		ib->failed = ib->svg_failed = diag_errno("write %s", ib->svg);
		return;
	}
	if (histbar_svg_file(&ib->result.lat, "round trips", title, path) < 0)
		ib->failed = ib->svg_failed = diag_errno("write %s", path);
	else
		diag_verbose(1, "drew the latency histogram in %s", path);
}

static void narrate(enum ipc_mech_id mech, int sync, size_t size, unsigned slots)
{
	diag_verbose(1, "%s, %zu-byte messages%s%s, depth %u:", ipc_mechs[mech].name, size,
	             (ipc_mechs[mech].flags & IPC_SYNCED) ? ", --sync " : "",
	             (ipc_mechs[mech].flags & IPC_SYNCED) ? ipc_sync_names[sync] : "", slots);
	for (const char *p = ipc_mechs[mech].narrate; *p;) {
		int n = (int)strcspn(p, "\n");
		diag_verbose(1, "  %.*s", n, p);
		p += n + (p[n] == '\n');
	}
}

/* The first measured message's path, timed: where the time of one
 * message goes (the send call, the wake-up, the echo). */
static void narrate_path(const struct ipc_bench *ib, const struct session_result *res)
{
	const uint64_t *t = res->path_ns;

	if (!t[0] && !t[1])
		return;
	if (ib->command == CMD_PINGPONG)
		diag_verbose(1,
		             "message %" PRIu64 ", timed from A's send call: A's send returned at %.1f us, "
		             "B's receive at %.1f us, B's echo was sent at %.1f us, A had it at %.1f us",
		             ib->warmup, (double)t[0] / 1e3, (double)t[1] / 1e3, (double)t[2] / 1e3,
		             (double)t[3] / 1e3);
	else
		diag_verbose(1,
		             "message %" PRIu64 ", timed from A's send call: A's send returned at %.1f us, "
		             "B's receive at %.1f us",
		             ib->warmup, (double)t[0] / 1e3, (double)t[1] / 1e3);
}

/* Runs one mechanism, sync and size, and prints its row; a failure is
 * reported and leaves no row. */
static void run_one(struct ipc_bench *ib, enum ipc_mech_id mech, int sync, size_t size)
{
	struct session_config cfg = { .pingpong = ib->command == CMD_PINGPONG,
		                      .count = ib->count,
		                      .duration = ib->duration,
		                      .warmup = ib->warmup,
		                      .stop = sig_stop_flag(),
		                      .threads = ib->threads,
		                      .cpu = { -1, -1 } };
	struct session_result *res = &ib->result;
	const char *sync_text = (ipc_mechs[mech].flags & IPC_SYNCED) ? ipc_sync_names[sync] : NULL;
	char why[256];
	unsigned slots;

	if (limits_check(mech, size, &slots, why, sizeof why) < 0) {
		ib->failed = diag_error("%s", why);
		return;
	}
	if (ib->pin != PIN_NONE) {
		cfg.cpu[0] = ib->cpu[0];
		cfg.cpu[1] = ib->cpu[1];
	}
	narrate(mech, sync, size, slots);
	if (session_run(&cfg, mech, (enum shmring_sync)sync, size, slots, res) < 0) {
		if (!sig_stop_requested())
			ib->failed = diag_error("%s", res->error);
		return;
	}
	if (res->b_pid)
		diag_verbose(1, "side B was process %ld, side A process %ld", res->b_pid, (long)getpid());
	narrate_path(ib, res);
	if (cfg.pingpong) {
		if (res->lost)
			diag_info("%s: %" PRIu64 " of %" PRIu64
			          " round trips lost (no echo within %d ms), left out",
			          ipc_mechs[mech].name, res->lost, res->sent, IPC_LOSS_TIMEOUT_MS);
		print_pingpong(ib, ipc_mechs[mech].name, sync_text, size);
		if (ib->svg)
			draw_svg(ib, ipc_mechs[mech].name, sync_text, size);
	} else {
		print_stream(ib, ipc_mechs[mech].name, sync_text, size);
	}
	ib->rows_done++;
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
			for (size_t y = 0;
			     y < (synced ? ib->nsyncs : 1) && !sig_stop_requested() && !ib->svg_failed; y++)
				run_one(ib, mech, synced ? ib->syncs[y] : 0, size);
		}
	}
}

/* ---- lock ---- */

static void run_lock(struct ipc_bench *ib)
{
	for (size_t m = 0; m < ib->nmechs && !sig_stop_requested(); m++) {
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
	cpu_set_t allowed;
	int found = 0;

	if (sched_getaffinity(0, sizeof allowed, &allowed) < 0)
		return diag_errno("sched_getaffinity");
	for (int cpu = 0; cpu < CPU_SETSIZE && found < 2; cpu++)
		if (CPU_ISSET((size_t)cpu, &allowed))
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
	if (ib.command != CMD_LOCK && choose_cpus(&ib) != EXIT_OK)
		return EXIT_FAIL;
	/* a stop signal ends the row under way (its other side stopped and
	 * reaped, its queues and files removed) and the run, then re-raised */
	if (sig_catch_stop() < 0)
		return diag_errno("install signal handlers");
	if (ib.command == CMD_LOCK)
		run_lock(&ib);
	else
		run_messages(&ib);
	sig_restore();
	buf_free(&ib.line);
	status = diag_finish_stdout(ib.failed ? EXIT_FAIL : EXIT_OK);
	if (sig_caught())
		return sig_reraise(sig_caught());
	return status;
}
