/*
 * log_writer.c - append numbered, timestamped entries to a file; the
 * numbering goes on across restarts, crashes, rotation and writers.
 *
 * Concept: append mode (O_APPEND moves the offset to the end inside every
 * write), one write(2) per batch of whole entries under an flock(2) lock,
 * the last number read backward from the end of the file with pread(2),
 * and fdatasync(2) for durability.
 * References: open(2), flock(2), write(2), pread(2), ftruncate(2),
 * fdatasync(2), rename(2), signalfd(2), strftime(3), ctime(3).
 */
#include "tools.h"
#include "base/buf.h"
#include "base/clock.h"
#include "cli/diag.h"
#include "base/io.h"
#include "cli/opt.h"
#include "cli/parse.h"
#include "file/logentry.h"
#include "file/rotate.h"
#include "sig/sig.h"
#include "file/stamp.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* clang-format off */
static const struct opt_spec options[] = {
	{ 'u', "utc", NULL, "timestamps in UTC rather than local time" },
	{ 'i', "iso", NULL, "ISO 8601 timestamps with milliseconds and UTC offset" },
	{ 'f', "format", "STRFTIME", "timestamp format for strftime(3) instead of ctime's" },
	{ 't', "tick", "SECS", "write a bare timestamp entry every SECS instead of reading stdin" },
	{ 'c', "count", "N", "with --tick: stop after N entries" },
	{ 's', "sync", "never|entry|SECS", "fdatasync never (default), after each write, or every SECS" },
	{ 'm', "max-size", "SIZE", "rotate FILE before it would grow past SIZE" },
	{ 'k', "keep", "N", "with --max-size: keep FILE.1 ... FILE.N (default 5)" },
	{ 'v', "verbose", NULL, "narrate opens, resume, repairs, rotation; twice: every write" },
	{ 0, NULL, NULL, NULL },
};

const struct opt_tool log_writer_tool = {
	.name = "log-writer",
	.usage = "[OPTIONS] FILE [MESSAGE...]",
	.summary = "append numbered, timestamped lines; numbering survives restarts",
	.specs = options,
	.stop_at_operand = 1,
};
/* clang-format on */

enum {
	READ_SIZE = 128 * 1024,  /* bytes asked of each read(2) of stdin */
	MESSAGE_MAX = 64 * 1024, /* a longer line becomes several entries */
	TAIL_FIRST = 4096,       /* resume reads this much of the end first, */
	TAIL_MAX = 1024 * 1024,  /* then 16 times more, up to this much */
	KEEP_DEFAULT = 5,
	KEEP_MAX = 1000,
};

enum sync_mode { SYNC_NEVER, SYNC_ENTRY, SYNC_EVERY };

enum event { EV_INPUT, EV_SIGNAL, EV_TIMEOUT };

struct log_writer {
	/* what the options decide */
	const char *path; /* FILE, or NULL for stdout */
	const char *name; /* FILE or "stdout", for messages */
	char **words;     /* MESSAGE operands */
	int nwords;
	int utc, iso;
	const char *format;
	double tick;    /* seconds; 0 reads stdin */
	uint64_t count; /* 0: no limit */
	enum sync_mode sync;
	double sync_every;
	uint64_t max_size; /* 0: never rotate */
	unsigned keep;
	/* the file and what we know of it */
	int fd;
	int regular; /* FILE is a regular file: lock, resume, rotate */
	int known;   /* the fields below hold while nobody else writes */
	dev_t known_dev;
	ino_t known_ino;
	off_t known_end;
	uint64_t last; /* number of the last entry in the file */
	int dirty;     /* written since the last fdatasync */
	uint64_t next_sync_ns;
	struct stamp stamp;
	/* buffers and the run's tallies */
	struct buf in, out, scratch;
	int sig_fd;
	sigset_t old_mask;
	int caught;
	uint64_t entries, writes;
};

/* ---- the file: open, lock, resume, repair, rotate -------------------- */

static int open_log(struct log_writer *lw)
{
	struct stat st;

	lw->known = 0;
	if (!lw->path) {
		lw->fd = STDOUT_FILENO;
		lw->regular = 0; /* stdout cannot be re-read: numbering starts at 1 */
		return EXIT_OK;
	}
	lw->fd = open(lw->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
	if (lw->fd < 0)
		return diag_errno("open %s", lw->path);
	if (fstat(lw->fd, &st) < 0)
		return diag_errno("stat %s", lw->path);
	lw->regular = S_ISREG(st.st_mode);
	if (!lw->regular && lw->max_size)
		return diag_error("rotate %s: not a regular file", lw->path);
	diag_verbose(1, "open %s: O_APPEND, %jd bytes, inode %ju%s", lw->path, (intmax_t)st.st_size,
	             (uintmax_t)st.st_ino,
	             lw->regular ? "" : ", not a regular file: no lock, numbering from 1");
	return EXIT_OK;
}

static void close_log(struct log_writer *lw)
{
	if (lw->fd >= 0 && lw->path)
		close(lw->fd);
	lw->fd = -1;
}

static int flock_retry(int fd, int operation)
{
	int r;
	do
		r = flock(fd, operation);
	while (r < 0 && errno == EINTR);
	return r;
}

/*
 * Takes the exclusive lock on the file FILE names now.  A writer that
 * rotated FILE while we waited leaves us holding the renamed file, so the
 * inode is compared under the lock and the name opened again if it moved.
 */
static int lock_log(struct log_writer *lw, struct stat *st)
{
	for (;;) {
		struct stat named;
		uint64_t t0 = clock_now_ns();

		if (flock_retry(lw->fd, LOCK_EX) < 0)
			return diag_errno("lock %s", lw->path);
		if (fstat(lw->fd, st) < 0)
			return diag_errno("stat %s", lw->path);
		if (stat(lw->path, &named) == 0) {
			if (named.st_dev == st->st_dev && named.st_ino == st->st_ino) {
				diag_verbose(2, "lock %s: held after %" PRIu64 " us", lw->path,
				             (clock_now_ns() - t0) / 1000);
				return EXIT_OK;
			}
		} else if (errno != ENOENT) {
			return diag_errno("stat %s", lw->path);
		}
		diag_verbose(1, "%s was renamed or removed by another process: opening it again", lw->path);
		close_log(lw);
		if (open_log(lw) != EXIT_OK)
			return EXIT_FAIL;
	}
}

/* The last number FILE.1 holds, when FILE holds none: rotation goes on. */
static int resume_from_rotated(struct log_writer *lw, struct logentry_resume *rp)
{
	size_t size = strlen(lw->path) + ROTATE_NAME_EXTRA;
	char *name = malloc(size);
	struct stat st;
	int fd;

	if (!name)
		return diag_errno("allocate");
	rotate_name(name, size, lw->path, 1);
	fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int missing = errno == ENOENT;
		free(name);
		return missing ? EXIT_OK : diag_errno("open %s.1", lw->path);
	}
	if (fstat(fd, &st) < 0 ||
	    logentry_find_resume(fd, st.st_size, TAIL_FIRST, TAIL_MAX, &lw->scratch, rp) < 0) {
		diag_errno("read %s", name);
		close(fd);
		free(name);
		return EXIT_FAIL;
	}
	if (rp->found)
		diag_verbose(1, "resume %s: last number %" PRIu64 " is in %s", lw->path, rp->last, name);
	close(fd);
	free(name);
	return EXIT_OK;
}

/*
 * Under the lock: the number the file ends with, and a torn end repaired.
 * Skipped when the file is exactly as our own last write left it.
 */
static int resume(struct log_writer *lw, struct stat *st)
{
	struct logentry_resume rp;
	uint64_t t0 = clock_now_ns();

	if (lw->known && st->st_dev == lw->known_dev && st->st_ino == lw->known_ino &&
	    st->st_size == lw->known_end)
		return EXIT_OK;
	if (logentry_find_resume(lw->fd, st->st_size, TAIL_FIRST, TAIL_MAX, &lw->scratch, &rp) < 0)
		return diag_errno("read %s", lw->path);
	if (rp.torn_entry) {
		/* An entry a writer never finished (killed inside write(2), a crash):
		 * cut it off, so the file holds whole entries only. */
		if (ftruncate(lw->fd, st->st_size - (off_t)rp.torn_len) < 0)
			return diag_errno("truncate %s", lw->path);
		st->st_size -= (off_t)rp.torn_len;
		diag_verbose(1, "repair %s: removed an unfinished entry of %zu bytes", lw->path, rp.torn_len);
	} else if (rp.torn_len > 0) {
		if (buf_append_byte(&lw->out, '\n') < 0)
			return diag_errno("allocate");
		diag_verbose(1, "repair %s: last line has no newline, completing it", lw->path);
	}
	if (rp.found)
		diag_verbose(1,
		             "resume %s: last number %" PRIu64
		             ", found reading %zu bytes backward in %" PRIu64 " us",
		             lw->path, rp.last, rp.looked, (clock_now_ns() - t0) / 1000);
	else if (st->st_size == 0)
		diag_verbose(1, "resume %s: the file is empty (new), no entry to resume from", lw->path);
	else
		diag_verbose(1, "resume %s: no numbered entry in the last %zu bytes", lw->path, rp.looked);
	if (!rp.found && resume_from_rotated(lw, &rp) != EXIT_OK)
		return EXIT_FAIL;
	lw->last = rp.last;
	lw->known = 1;
	lw->known_dev = st->st_dev;
	lw->known_ino = st->st_ino;
	lw->known_end = st->st_size;
	return EXIT_OK;
}

static int sync_log(struct log_writer *lw)
{
	if (!lw->dirty || !lw->regular)
		return EXIT_OK;
	if (fdatasync(lw->fd) < 0)
		return diag_errno("sync %s", lw->name);
	diag_verbose(2, "fdatasync %s", lw->name);
	lw->dirty = 0;
	lw->next_sync_ns = clock_now_ns() + clock_seconds_to_ns(lw->sync_every);
	return EXIT_OK;
}

/*
 * Under the lock: FILE.N-1 .. FILE.1 move one up (FILE.N is replaced),
 * FILE becomes FILE.1, and a new FILE is opened, locked and resumed.
 * Renaming under the lock is what makes it safe: a writer that waited for
 * the lock finds the inode no longer named FILE and opens the new one.
 */
static int rotate(struct log_writer *lw, struct stat *st)
{
	int status = EXIT_OK;

	if (lw->sync != SYNC_NEVER)
		status = sync_log(lw);
	if (status == EXIT_OK && rotate_files(lw->path, lw->keep) < 0)
		status = diag_errno("rotate %s", lw->path);
	if (status != EXIT_OK)
		return status;
	diag_verbose(1, "rotate %s: %jd bytes renamed to %s.1, keeping %u", lw->path, (intmax_t)st->st_size,
	             lw->path, lw->keep);
	close_log(lw); /* releases the old lock: waiting writers find it renamed */
	status = open_log(lw);
	if (status == EXIT_OK && lw->sync != SYNC_NEVER && rotate_sync_dir(lw->path) < 0)
		status = diag_errno("sync directory of %s", lw->path);
	if (status == EXIT_OK)
		status = lock_log(lw, st);
	if (status == EXIT_OK)
		status = resume(lw, st);
	return status;
}

/* ---- entries --------------------------------------------------------- */

/* Appends "N. STAMP[ MESSAGE]\n" to the output buffer: 0 or -1. */
static int append_entry(struct log_writer *lw, uint64_t number, const char *msg, size_t len)
{
	char digits[24];
	size_t ndigits = 0;
	char *p;

	do
		digits[sizeof digits - ++ndigits] = (char)('0' + number % 10);
	while ((number /= 10) != 0);
	if (buf_reserve(&lw->out, ndigits + 2 + lw->stamp.len + 1 + len + 1) < 0)
		return -1;
	p = lw->out.data + lw->out.len;
	memcpy(p, digits + sizeof digits - ndigits, ndigits);
	p += ndigits;
	*p++ = '.';
	*p++ = ' ';
	memcpy(p, lw->stamp.text, lw->stamp.len);
	p += lw->stamp.len;
	if (len > 0) {
		*p++ = ' ';
		memcpy(p, msg, len);
		p += len;
	}
	*p++ = '\n';
	lw->out.len = (size_t)(p - lw->out.data);
	return 0;
}

/* The next message of data[0..len): up to a newline, at most MESSAGE_MAX
 * bytes.  Its length in *msg_len; returns the bytes it consumes. */
static size_t next_message(const char *data, size_t len, size_t *msg_len)
{
	size_t scan = len < MESSAGE_MAX + 1 ? len : MESSAGE_MAX + 1;
	const char *nl = memchr(data, '\n', scan);

	if (nl) {
		*msg_len = (size_t)(nl - data);
		return *msg_len + 1;
	}
	*msg_len = len < MESSAGE_MAX ? len : MESSAGE_MAX;
	return *msg_len;
}

/* Writes the output buffer in one write(2) at offset *size.  A failure
 * truncates the file back to *size, so no part of an entry stays. */
static int write_out(struct log_writer *lw, off_t *size)
{
	if (io_write_full(lw->fd, lw->out.data, lw->out.len) < 0) {
		int saved = errno;
		if (lw->regular && ftruncate(lw->fd, *size) < 0)
			diag_errno("truncate %s back to %jd bytes", lw->name, (intmax_t)*size);
		if (saved == EPIPE && !lw->path) {
			lw->caught = SIGPIPE; /* the reader went away: end quietly, as filters do */
			buf_clear(&lw->out);
			return EXIT_OK;
		}
		return diag_errnum(saved, "write %s", lw->name);
	}
	diag_verbose(2, "write %s: %zu bytes at offset %jd, last number %" PRIu64, lw->name, lw->out.len,
	             (intmax_t)*size, lw->last);
	*size += (off_t)lw->out.len;
	lw->known_end = *size;
	lw->writes++;
	lw->dirty = 1;
	buf_clear(&lw->out);
	return EXIT_OK;
}

/* Rotation is due when the entry just formatted (from mark on) would push
 * a non-empty FILE past --max-size. */
static int rotation_due(const struct log_writer *lw, off_t size, size_t mark)
{
	return lw->max_size && (uint64_t)size + lw->out.len > lw->max_size && (uint64_t)size + mark > 0;
}

/*
 * Writes the messages in data[0..len) as entries: under the lock, with the
 * numbers that follow the file's last, in one write(2) (two around a
 * rotation).  Returns an exit status.
 */
static int commit(struct log_writer *lw, const char *data, size_t len)
{
	struct timespec now;
	struct stat st;
	off_t size = 0;
	int status = EXIT_OK;

	buf_clear(&lw->out);
	if (lw->regular && lw->path) {
		if (lock_log(lw, &st) != EXIT_OK)
			return EXIT_FAIL;
		status = resume(lw, &st);
		size = st.st_size;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	stamp_make(&lw->stamp, &now); /* checked once in check_format */
	while (status == EXIT_OK && len > 0) {
		size_t msg_len, used = next_message(data, len, &msg_len);
		size_t mark = lw->out.len;

		if (append_entry(lw, lw->last + 1, data, msg_len) < 0) {
			status = diag_errno("allocate");
			break;
		}
		if (rotation_due(lw, size, mark)) {
			lw->out.len = mark;
			if (mark > 0)
				status = write_out(lw, &size);
			if (status == EXIT_OK)
				status = rotate(lw, &st);
			if (status == EXIT_OK)
				size = st.st_size;
			continue; /* format it again: the number may have moved */
		}
		lw->last++;
		lw->entries++;
		data += used;
		len -= used;
	}
	if (status == EXIT_OK && lw->out.len > 0)
		status = write_out(lw, &size);
	if (status == EXIT_OK && lw->sync == SYNC_ENTRY)
		status = sync_log(lw);
	else if (status == EXIT_OK && lw->sync == SYNC_EVERY && clock_now_ns() >= lw->next_sync_ns)
		status = sync_log(lw);
	if (lw->regular && lw->path && lw->fd >= 0)
		flock_retry(lw->fd, LOCK_UN);
	return status;
}

/* ---- sources: arguments, stdin, ticks -------------------------------- */

/* Waits for stdin (when watched), a signal, or the deadline (0: none). */
static int wait_event(struct log_writer *lw, int watch_stdin, uint64_t deadline_ns, enum event *ev)
{
	struct pollfd fds[2] = { { lw->sig_fd, POLLIN, 0 }, { STDIN_FILENO, POLLIN, 0 } };
	int timeout = deadline_ns ? clock_ms_until(deadline_ns) : -1;
	int n;

	do
		n = poll(fds, watch_stdin ? 2 : 1, timeout);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return diag_errno("poll");
	*ev = n == 0 ? EV_TIMEOUT : EV_INPUT;
	if (fds[0].revents & POLLIN) {
		lw->caught = sig_fd_read(lw->sig_fd);
		if (lw->caught < 0)
			return diag_errno("read signalfd");
		diag_verbose(1, "caught %s: finishing", strsignal(lw->caught));
		*ev = EV_SIGNAL;
	}
	return EXIT_OK;
}

/* The earliest moment a pending --sync SECS must run, or 0. */
static uint64_t sync_deadline(const struct log_writer *lw)
{
	return lw->sync == SYNC_EVERY && lw->dirty ? lw->next_sync_ns : 0;
}

/* Bytes of the stdin buffer that form whole messages: up to the last
 * newline, or whole MESSAGE_MAX pieces of a line that long. */
static size_t complete_prefix(const struct buf *in, size_t fresh_from)
{
	const char *head = buf_head(in);
	size_t len = buf_readable(in);
	const char *nl = memrchr(head + fresh_from, '\n', len - fresh_from);

	/* What came before fresh_from holds no newline: it would have gone out. */
	if (nl)
		return (size_t)(nl - head) + 1;
	return len > MESSAGE_MAX ? (len - 1) / MESSAGE_MAX * MESSAGE_MAX : 0;
}

/* Each stdin line is an entry, written as soon as it is read: whatever one
 * read(2) returns goes to FILE as one batch. */
static int run_stdin(struct log_writer *lw)
{
	int status = EXIT_OK;

	while (status == EXIT_OK) {
		enum event ev;
		size_t before, cut;
		ssize_t n;

		status = wait_event(lw, 1, sync_deadline(lw), &ev);
		if (status != EXIT_OK || ev == EV_SIGNAL)
			break;
		if (ev == EV_TIMEOUT) {
			status = sync_log(lw);
			continue;
		}
		if (buf_reserve(&lw->in, READ_SIZE) < 0)
			return diag_errno("allocate");
		n = io_read(STDIN_FILENO, lw->in.data + lw->in.len, READ_SIZE);
		if (n < 0)
			return diag_errno("read stdin");
		if (n == 0)
			break;
		before = buf_readable(&lw->in);
		lw->in.len += (size_t)n;
		cut = complete_prefix(&lw->in, before);
		if (cut > 0) {
			status = commit(lw, buf_head(&lw->in), cut);
			buf_consume(&lw->in, cut);
		}
		if (lw->caught == SIGPIPE)
			return EXIT_OK;
	}
	if (status == EXIT_OK && buf_readable(&lw->in) > 0) /* a last line without its newline */
		status = commit(lw, buf_head(&lw->in), buf_readable(&lw->in));
	return status;
}

/* The MESSAGE operands joined by spaces, newlines made spaces, plus '\n'. */
static int join_words(struct log_writer *lw, struct buf *msg)
{
	for (int i = 0; i < lw->nwords; i++) {
		if ((i > 0 && buf_append_byte(msg, ' ') < 0) || buf_append_str(msg, lw->words[i]) < 0)
			return diag_errno("allocate");
	}
	for (size_t i = 0; i < msg->len; i++)
		if (msg->data[i] == '\n')
			msg->data[i] = ' ';
	if (buf_append_byte(msg, '\n') < 0)
		return diag_errno("allocate");
	return EXIT_OK;
}

/* An entry every --tick SECS on the monotonic clock, first at once. */
static int run_tick(struct log_writer *lw, const struct buf *msg)
{
	uint64_t interval = clock_seconds_to_ns(lw->tick);
	uint64_t next = clock_now_ns();
	int status = EXIT_OK;

	for (uint64_t n = 0; status == EXIT_OK && (lw->count == 0 || n < lw->count); n++) {
		status = commit(lw, msg->data, msg->len);
		if (status != EXIT_OK || (lw->count && n + 1 == lw->count) || lw->caught)
			break;
		next += interval;
		if (clock_now_ns() > next + interval) /* fell far behind (a suspend): catch up */
			next = clock_now_ns();
		while (status == EXIT_OK && clock_now_ns() < next && !lw->caught) {
			enum event ev;
			uint64_t due = sync_deadline(lw);
			status = wait_event(lw, 0, due && due < next ? due : next, &ev);
			if (status == EXIT_OK && ev == EV_TIMEOUT && due && clock_now_ns() >= due)
				status = sync_log(lw);
		}
		if (lw->caught)
			break;
	}
	return status;
}

/* ---- options, set-up and the outline --------------------------------- */

/* --sync: OPT_GO_ON when understood, else the usage status. */
static int parse_sync(struct log_writer *lw, const char *arg)
{
	if (strcmp(arg, "never") == 0)
		lw->sync = SYNC_NEVER;
	else if (strcmp(arg, "entry") == 0)
		lw->sync = SYNC_ENTRY;
	else if (parse_seconds(arg, 0.001, 86400, &lw->sync_every) == 0)
		lw->sync = SYNC_EVERY;
	else
		return opt_bad_value(&log_writer_tool, 's', arg, "expected never, entry or SECS");
	return OPT_GO_ON;
}

/* The timestamp must be non-empty and one line; try it on the clock. */
static int check_format(struct log_writer *lw)
{
	struct timespec now;

	stamp_init(&lw->stamp,
	           lw->iso      ? STAMP_ISO
	           : lw->format ? STAMP_STRFTIME
	                        : STAMP_CTIME,
	           lw->format, lw->utc);
	clock_gettime(CLOCK_REALTIME, &now);
	if (stamp_make(&lw->stamp, &now) < 0)
		return opt_bad_value(&log_writer_tool, 'f', lw->format, "empty or longer than %d bytes",
		                     STAMP_MAX - 1);
	if (memchr(lw->stamp.text, '\n', lw->stamp.len))
		return opt_bad_value(&log_writer_tool, 'f', lw->format, "a timestamp must stay on one line");
	return EXIT_OK;
}

/* Reads the options; OPT_GO_ON to go on, or the status to exit with now. */
static int parse_args(struct log_writer *lw, int argc, char **argv)
{
	struct opt_state st;
	int key, status = OPT_GO_ON, keep_given = 0, verbosity = 0;
	uint64_t keep = KEEP_DEFAULT;

	opt_init(&st, &log_writer_tool, argc, argv);
	while (status == OPT_GO_ON && (key = opt_next(&st)) != OPT_END) {
		const char *arg = st.arg;
		switch (key) {
		case OPT_EXIT:
			return st.status;
		case 'u':
			lw->utc = 1;
			break;
		case 'i':
			lw->iso = 1;
			break;
		case 'f':
			lw->format = arg;
			break;
		case 'v':
			diag_set_verbosity(++verbosity);
			break;
		case 's':
			status = parse_sync(lw, arg);
			break;
		case 't':
			if (parse_seconds(arg, 0.001, 86400, &lw->tick) < 0)
				status = opt_bad_value(&log_writer_tool, key, arg,
				                       "expected seconds, e.g. 1 or 0.5");
			break;
		case 'c':
			if (parse_uint(arg, 1, UINT64_MAX, &lw->count) < 0)
				status = opt_bad_value(&log_writer_tool, key, arg,
				                       "expected a whole number from 1");
			break;
		case 'm':
			if (parse_size(arg, 1, (uint64_t)INT64_MAX, &lw->max_size) < 0)
				status = opt_bad_value(&log_writer_tool, key, arg,
				                       "expected a size like 64K or 1M");
			break;
		case 'k':
			keep_given = 1;
			if (parse_uint(arg, 1, KEEP_MAX, &keep) < 0)
				status = opt_bad_value(&log_writer_tool, key, arg,
				                       "expected a whole number from 1 to %d", KEEP_MAX);
			break;
		}
	}
	opt_done(&st);
	if (status != OPT_GO_ON)
		return status;
	lw->keep = (unsigned)keep;
	if (st.index >= argc)
		return diag_usage("missing FILE operand");
	lw->path = strcmp(argv[st.index], "-") == 0 ? NULL : argv[st.index];
	lw->name = lw->path ? lw->path : "stdout";
	lw->words = argv + st.index + 1;
	lw->nwords = argc - st.index - 1;
	if (lw->count && lw->tick == 0)
		return diag_usage("--count needs --tick");
	if (keep_given && !lw->max_size)
		return diag_usage("--keep needs --max-size");
	if (lw->max_size && !lw->path)
		return diag_usage("--max-size needs a FILE, not '-'");
	if (lw->iso && lw->format)
		return diag_usage("--iso and --format exclude each other");
	return check_format(lw) == EXIT_OK ? OPT_GO_ON : EXIT_USAGE;
}

static int finish(struct log_writer *lw, int status)
{
	if (status == EXIT_OK && lw->sync != SYNC_NEVER)
		status = sync_log(lw);
	diag_verbose(1, "wrote %" PRIu64 " %s in %" PRIu64 " write%s, last number %" PRIu64, lw->entries,
	             lw->entries == 1 ? "entry" : "entries", lw->writes, lw->writes == 1 ? "" : "s", lw->last);
	close_log(lw);
	sig_fd_close(lw->sig_fd, &lw->old_mask);
	buf_free(&lw->in);
	buf_free(&lw->out);
	buf_free(&lw->scratch);
	return status;
}

int log_writer_main(int argc, char **argv)
{
	struct log_writer lw = { .fd = -1, .sig_fd = -1, .in = BUF_INIT, .out = BUF_INIT, .scratch = BUF_INIT };
	struct buf msg = BUF_INIT;
	int status = parse_args(&lw, argc, argv);

	if (status != OPT_GO_ON)
		return status;
	/* A closed stdin or stdout would be reused by the next open(2): refuse first. */
	if (lw.nwords == 0 && lw.tick == 0 && fcntl(STDIN_FILENO, F_GETFD) < 0)
		return diag_errno("read stdin");
	if (!lw.path && fcntl(STDOUT_FILENO, F_GETFD) < 0)
		return diag_errno("write stdout");
	/* SIGINT, SIGTERM, SIGHUP end the run between two writes, never inside one. */
	lw.sig_fd = sig_fd_open(&lw.old_mask);
	status = lw.sig_fd < 0 ? diag_errno("signalfd") : open_log(&lw);
	if (status == EXIT_OK && lw.path && lw.sync != SYNC_NEVER && rotate_sync_dir(lw.path) < 0)
		status = diag_errno("sync directory of %s", lw.path);
	if (status == EXIT_OK && (lw.nwords > 0 || lw.tick > 0))
		status = join_words(&lw, &msg);
	if (status == EXIT_OK && lw.tick > 0)
		status = run_tick(&lw, &msg);
	else if (status == EXIT_OK && lw.nwords > 0)
		status = commit(&lw, msg.data, msg.len);
	else if (status == EXIT_OK)
		status = run_stdin(&lw);
	buf_free(&msg);
	return finish(&lw, status);
}
