/*
 * file_copy.c - file-copy: copy one file of any content and size, fast and
 * safely.
 *
 * Concepts: buffered IO against zero-copy (a read/write loop through a
 * buffer, or copy_file_range and sendfile moving pages inside the kernel),
 * holes (SEEK_DATA, SEEK_HOLE), atomic replace (a temporary file beside
 * DST, fsync, rename, fsync of the directory) and signal safety (handlers
 * that only set a flag, a loop that looks at it and cleans up).
 * References: copy_file_range(2), sendfile(2), lseek(2), rename(2),
 * fsync(2), posix_fadvise(2); sockbox(7), section FILES AND IO.
 */
#include "tools.h"
#include "base/clock.h"
#include "file/atomic.h"
#include "file/copy.h"
#include "cli/diag.h"
#include "cli/opt.h"
#include "cli/parse.h"
#include "cli/progress.h"
#include "sig/sig.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

enum {
	OPT_METHOD = OPT_LONG_ONLY,
	OPT_BUFFER_SIZE,
	OPT_SPARSE,
	OPT_VERIFY,
	OPT_FSYNC,
	OPT_PROGRESS,
	OPT_NO_PROGRESS,
};

/* The choices are listed in the order of enum copy_method and enum copy_sparse. */
static const struct opt_spec options[] = {
	{ OPT_METHOD, "method", "auto|copy-file-range|sendfile|read-write",
	  "how the bytes move (default auto: the fastest the kernel accepts)" },
	{ OPT_BUFFER_SIZE, "buffer-size", "SIZE", "bytes per read and write in read-write (default 128K)" },
	{ OPT_SPARSE, "sparse", "auto|always|never",
	  "holes: keep those of SRC (auto), also make them of zero blocks (always), write zeros (never)" },
	{ 'n', "no-clobber", NULL, "refuse to replace an existing DST (exit 1)" },
	{ 'p', "preserve", NULL, "keep mode, ownership (when permitted) and timestamps of SRC" },
	{ OPT_VERIFY, "verify", NULL, "re-read the copy from the disk and compare it with SRC" },
	{ OPT_FSYNC, "fsync", NULL, "flush the copy to the disk before the rename, then its directory" },
	{ OPT_PROGRESS, "progress", NULL, "draw a progress bar on stderr" },
	{ OPT_NO_PROGRESS, "no-progress", NULL, "never draw the progress bar" },
	{ 'v', "verbose", NULL, "narrate the system calls on stderr (repeat for more)" },
	{ 0, NULL, NULL, NULL },
};

const struct opt_tool file_copy_tool = {
	.name = "file-copy",
	.usage = "[OPTIONS] SRC DST",
	.summary = "copy a file safely and fast: atomic replace, holes, zero-copy",
	.specs = options,
};

/* Without --progress, the bar shows on a terminal for files at least this big. */
#define PROGRESS_THRESHOLD (64ULL << 20)
#define DEFAULT_BUFFER_SIZE (128u << 10)

struct file_copy {
	/* What the options and operands say. */
	enum copy_method method;
	enum copy_sparse sparse;
	size_t buffer_size;
	int no_clobber;
	int preserve;
	int verify;
	int fsync;
	int progress_choice; /* 1 --progress, 0 --no-progress, -1 the default rule */
	const char *src;     /* "-" is standard input */
	const char *dst_arg; /* as given; "-" is standard output */

	/* The run. */
	int src_fd;
	struct stat src_st;
	char *dst; /* the file created or replaced, once resolved */
	int dst_exists;
	struct stat dst_st;
	int direct;        /* stdout or an existing device or FIFO: written in place */
	int out_fd;        /* what the copy writes to: the temporary file, or DST itself when direct */
	struct atomic rep; /* DST, through a temporary file or in place */
	int committed;     /* the rename happened: a late signal changes nothing */
	mode_t umask;
	struct progress progress;
	struct copy_result result;
};

/* Turns --method and --sparse into their enum; -1 with a usage message. */
static int parse_choice(int key, const char *arg, int *out)
{
	int choice = opt_choice(&file_copy_tool, key, arg);

	if (choice < 0) {
		if (key == OPT_METHOD)
			return opt_bad_value(&file_copy_tool, key, arg,
			                     "expected auto, copy-file-range, sendfile or read-write");
		return opt_bad_value(&file_copy_tool, key, arg, "expected auto, always or never");
	}
	*out = choice;
	return 0;
}

static int parse_buffer_size(struct file_copy *fc, const char *arg)
{
	uint64_t size;

	if (parse_size(arg, 1, 1ULL << 30, &size) < 0)
		return opt_bad_value(&file_copy_tool, OPT_BUFFER_SIZE, arg,
		                     "expected a size from 1 to 1G, like 1K or 128K");
	fc->buffer_size = (size_t)size;
	return 0;
}

/* Options that make no sense together, and operands. */
static int check_args(struct file_copy *fc, int operands, char **argv)
{
	if (operands == 0)
		return diag_usage("missing SRC and DST");
	if (operands == 1)
		return diag_usage("missing DST after '%s'", argv[0]);
	if (operands > 2)
		return diag_usage("extra operand '%s'", argv[2]);
	fc->src = argv[0];
	fc->dst_arg = argv[1];
	if (fc->sparse == COPY_SPARSE_ALWAYS && (fc->method == COPY_FILE_RANGE || fc->method == COPY_SENDFILE))
		return diag_usage(
		    "--sparse always looks at every byte: it needs --method read-write or auto");
	if (fc->verify && strcmp(fc->src, "-") == 0)
		return diag_usage("--verify re-reads SRC, which standard input cannot do");
	if (strcmp(fc->dst_arg, "-") == 0 && (fc->verify || fc->preserve || fc->no_clobber))
		return diag_usage("%s needs a DST file, not standard output", fc->verify ? "--verify"
		                                                              : fc->preserve
		                                                                  ? "--preserve"
		                                                                  : "--no-clobber");
	return 0;
}

/* OPT_GO_ON when the copy should go ahead, else the status to exit with. */
static int parse_args(struct file_copy *fc, int argc, char **argv)
{
	struct opt_state st;
	int key, verbosity = 0, choice = 0;

	opt_init(&st, &file_copy_tool, argc, argv);
	while ((key = opt_next(&st)) != OPT_END) {
		int bad = 0;

		switch (key) {
		case OPT_EXIT:
			return st.status;
		case OPT_METHOD:
			bad = parse_choice(key, st.arg, &choice);
			fc->method = (enum copy_method)choice;
			break;
		case OPT_SPARSE:
			bad = parse_choice(key, st.arg, &choice);
			fc->sparse = (enum copy_sparse)choice;
			break;
		case OPT_BUFFER_SIZE:
			bad = parse_buffer_size(fc, st.arg);
			break;
		case 'n':
			fc->no_clobber = 1;
			break;
		case 'p':
			fc->preserve = 1;
			break;
		case OPT_VERIFY:
			fc->verify = 1;
			break;
		case OPT_FSYNC:
			fc->fsync = 1;
			break;
		case OPT_PROGRESS:
			fc->progress_choice = 1;
			break;
		case OPT_NO_PROGRESS:
			fc->progress_choice = 0;
			break;
		case 'v':
			verbosity++;
			break;
		}
		if (bad) {
			opt_done(&st);
			return bad;
		}
	}
	diag_set_verbosity(verbosity);
	return check_args(fc, argc - st.index, argv + st.index) ? EXIT_USAGE : OPT_GO_ON;
}

static const char *file_kind(mode_t mode)
{
	if (S_ISREG(mode))
		return "regular file";
	if (S_ISDIR(mode))
		return "directory";
	if (S_ISFIFO(mode))
		return "pipe";
	if (S_ISCHR(mode))
		return "character device";
	if (S_ISBLK(mode))
		return "block device";
	if (S_ISSOCK(mode))
		return "socket";
	return "file";
}

static int open_source(struct file_copy *fc)
{
	if (strcmp(fc->src, "-") == 0) {
		fc->src_fd = STDIN_FILENO;
	} else {
		/* Opening a FIFO waits for a writer; a signal may end the wait. */
		fc->src_fd = open(fc->src, O_RDONLY | O_NOCTTY | O_CLOEXEC);
		if (fc->src_fd < 0)
			return sig_caught() ? EXIT_FAIL : diag_errno("open %s", fc->src);
	}
	if (fstat(fc->src_fd, &fc->src_st) < 0)
		return diag_errno("stat %s", fc->src);
	if (S_ISDIR(fc->src_st.st_mode))
		return diag_errnum(EISDIR, "open %s", fc->src);
	if (fc->verify && !S_ISREG(fc->src_st.st_mode))
		return diag_usage("--verify re-reads SRC, and %s is a %s", fc->src,
		                  file_kind(fc->src_st.st_mode));
	return 0;
}

static int same_file(const struct stat *a, const struct stat *b)
{
	/* A terminal may well be both standard input and standard output. */
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && !S_ISCHR(a->st_mode);
}

static int refuse_same_file(const struct file_copy *fc, const struct stat *st)
{
	return diag_error("copy %s to %s: same file (device %u:%u, inode %ju)", fc->src, fc->dst,
	                  major(st->st_dev), minor(st->st_dev), (uintmax_t)st->st_ino);
}

/* DST is an existing directory: the copy goes inside, named after SRC. */
static int enter_directory(struct file_copy *fc)
{
	const char *base = strrchr(fc->src, '/');
	size_t len = strlen(fc->dst_arg);
	char *path;

	if (strcmp(fc->src, "-") == 0)
		return diag_error("create %s: is a directory, and standard input has no name to copy under",
		                  fc->dst_arg);
	base = base ? base + 1 : fc->src;
	path = malloc(len + strlen(base) + 2);
	if (!path)
		return diag_errno("allocate a path");
	sprintf(path, "%s%s%s", fc->dst_arg, len > 0 && fc->dst_arg[len - 1] == '/' ? "" : "/", base);
	free(fc->dst);
	fc->dst = path;
	diag_verbose(1, "%s is a directory: copying to %s", fc->dst_arg, fc->dst);
	return 0;
}

/* A symbolic link DST: the file it points to is replaced, as cp writes through it. */
static int follow_link(struct file_copy *fc, struct stat *st)
{
	char *target = realpath(fc->dst, NULL);

	if (!target) {
		if (errno == ENOENT)
			return diag_error("create %s: not writing through a dangling symbolic link", fc->dst);
		return diag_errno("resolve %s", fc->dst);
	}
	diag_verbose(1, "%s is a symbolic link: replacing its target %s", fc->dst, target);
	free(fc->dst);
	fc->dst = target;
	if (lstat(fc->dst, st) < 0)
		return diag_errno("stat %s", fc->dst);
	return 0;
}

/* An existing DST that is not a regular file (a device, a FIFO) is written
 * into in place: replacing /dev/sdb with a regular file would be a disaster. */
static int open_in_place(struct file_copy *fc)
{
	const char *kind = file_kind(fc->dst_st.st_mode);

	if (fc->verify || fc->preserve)
		return diag_usage("%s needs a regular file DST, and %s is a %s",
		                  fc->verify ? "--verify" : "--preserve", fc->dst, kind);
	fc->direct = 1;
	diag_verbose(1, "%s is a %s: writing into it in place, no temporary file", fc->dst, kind);
	if (atomic_open(&fc->rep, fc->dst, 0) < 0)
		return sig_caught() ? EXIT_FAIL : diag_errno("open %s", fc->dst);
	fc->out_fd = fc->rep.fd;
	return 0;
}

static int resolve_stdout(struct file_copy *fc)
{
	fc->direct = 1;
	fc->out_fd = STDOUT_FILENO;
	if (fstat(STDOUT_FILENO, &fc->dst_st) < 0)
		return diag_errno("stat standard output");
	fc->dst_exists = 1;
	if (same_file(&fc->src_st, &fc->dst_st))
		return refuse_same_file(fc, &fc->dst_st);
	return 0;
}

/*
 * Works out which file DST names: inside it when it is a directory, the
 * target when it is a symbolic link.  Refuses a copy onto SRC itself (same
 * device and inode, whichever names lead there) and, with --no-clobber,
 * any existing DST.
 */
static int resolve_destination(struct file_copy *fc)
{
	struct stat st;
	int status;

	fc->dst = strdup(fc->dst_arg);
	if (!fc->dst)
		return diag_errno("allocate a path");
	if (strcmp(fc->dst_arg, "-") == 0)
		return resolve_stdout(fc);
	if (stat(fc->dst, &st) == 0 && S_ISDIR(st.st_mode) && (status = enter_directory(fc)) != 0)
		return status;
	if (lstat(fc->dst, &st) < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			return diag_errno("stat %s", fc->dst);
		if (fc->dst[strlen(fc->dst) - 1] == '/')
			return diag_errnum(ENOTDIR, "create %s", fc->dst);
		return 0; /* a new file; a missing directory shows when it is created */
	}
	if (fc->no_clobber)
		return diag_error("create %s: File exists (--no-clobber)", fc->dst);
	if (S_ISLNK(st.st_mode) && (status = follow_link(fc, &st)) != 0)
		return status;
	if (S_ISDIR(st.st_mode))
		return diag_errnum(EISDIR, "replace %s", fc->dst);
	fc->dst_exists = 1;
	fc->dst_st = st;
	if (same_file(&fc->src_st, &st))
		return refuse_same_file(fc, &st);
	if (!S_ISREG(st.st_mode))
		return open_in_place(fc);
	if (st.st_nlink > 1)
		diag_verbose(
		    1, "%s has %ju links: the rename gives this name a new file, the others keep the old one",
		    fc->dst, (uintmax_t)st.st_nlink);
	return 0;
}

/* DIR/.NAME.XXXXXX beside DST.  Any failure here is reported against DST:
 * a missing directory, no permission to write in it, a read-only disk. */
static int create_temporary(struct file_copy *fc)
{
	if (atomic_open(&fc->rep, fc->dst, fc->no_clobber ? ATOMIC_NO_CLOBBER : 0) < 0) {
		if (errno == EEXIST && fc->no_clobber)
			return diag_error("create %s: File exists (--no-clobber)", fc->dst);
		return diag_errno("create %s", fc->dst);
	}
	fc->out_fd = fc->rep.fd;
	diag_verbose(1, "temporary file %s (mode 0600 until complete)", fc->rep.tmp);
	return EXIT_OK;
}

static void on_method(void *ctx, enum copy_method now, enum copy_method failed, int errnum)
{
	(void)ctx;
	if (failed == COPY_AUTO)
		diag_verbose(1, "method %s", copy_method_name(now));
	else if (errnum == 0)
		diag_verbose(1, "%s copied nothing at the start: asking read(2) to confirm the end of file",
		             copy_method_name(failed));
	else
		diag_verbose(1, "%s refused (%s): falling back to %s", copy_method_name(failed),
		             strerror(errnum), copy_method_name(now));
}

static void on_extent(void *ctx, uint64_t offset, uint64_t length, int is_hole)
{
	char size[32];

	(void)ctx;
	diag_verbose(2, "%s %" PRIu64 "..%" PRIu64 " (%s)%s", is_hole ? "hole" : "data", offset,
	             offset + length, format_size(length, size, sizeof size),
	             is_hole ? ": skipped, nothing written" : "");
}

static void on_progress(void *ctx, uint64_t done)
{
	struct file_copy *fc = ctx;

	progress_update(&fc->progress, done);
}

static struct copy_job make_job(struct file_copy *fc)
{
	struct copy_job job = {
		.in_fd = fc->src_fd,
		.out_fd = fc->out_fd,
		.method = fc->method,
		/* Holes need a fresh file to skip over; a device gets every byte. */
		.sparse = fc->direct ? COPY_SPARSE_NEVER : fc->sparse,
		.buffer_size = fc->buffer_size,
		.stop = sig_stop_flag(),
		.ctx = fc,
		.on_method = on_method,
		.on_extent = diag_verbosity() >= 2 ? on_extent : NULL,
		.on_progress = fc->progress.enabled ? on_progress : NULL,
	};
	/* Finding zero blocks means looking at the bytes. */
	if (fc->sparse == COPY_SPARSE_ALWAYS && fc->method == COPY_AUTO && !fc->direct)
		job.method = COPY_READ_WRITE;
	return job;
}

static void start_progress(struct file_copy *fc)
{
	uint64_t total = S_ISREG(fc->src_st.st_mode) ? (uint64_t)fc->src_st.st_size : 0;

	progress_start(&fc->progress, total, progress_wanted(fc->progress_choice, total, PROGRESS_THRESHOLD));
}

/* Quiet when a signal is the cause: the caller reports the interruption. */
static int report_copy_failure(struct file_copy *fc, int err)
{
	const struct copy_result *r = &fc->result;

	if (sig_caught())
		return EXIT_FAIL;
	switch (r->failed_side) {
	case COPY_SIDE_IN:
		return diag_errnum(err, "read %s", fc->src);
	case COPY_SIDE_OUT:
		/* A reader that went away ends a filter quietly, and well: the
		 * pipeline took what it wanted (sockbox(1)).  A named FIFO's
		 * reader leaving cuts a copy short: a failure, still quiet. */
		if (err == EPIPE)
			return fc->out_fd == STDOUT_FILENO ? EXIT_OK : EXIT_FAIL;
		return diag_errnum(err, "write %s", fc->dst);
	default:
		return diag_errnum(err, "copy %s to %s: %s", fc->src, fc->dst, r->failed_call);
	}
}

static void narrate_copy(const struct file_copy *fc, uint64_t elapsed_ns)
{
	const struct copy_result *r = &fc->result;
	double seconds = (double)elapsed_ns / 1e9;
	char total[32], rate[32], part[32];

	if (diag_verbosity() < 1)
		return;
	format_size(r->data_bytes, total, sizeof total);
	format_size(seconds > 0 ? (uint64_t)((double)r->data_bytes / seconds) : 0, rate, sizeof rate);
	diag_verbose(1, "copied %s of data in %.3f s (%s/s)", total, seconds, rate);
	for (int m = COPY_FILE_RANGE; m < COPY_METHODS; m++) {
		if (r->bytes_by[m] == 0)
			continue;
		diag_verbose(1, "  %s moved %s in %" PRIu64 " system call%s",
		             copy_method_name((enum copy_method)m),
		             format_size(r->bytes_by[m], part, sizeof part), r->calls_by[m],
		             r->calls_by[m] == 1 ? "" : "s");
	}
	if (r->holes > 0)
		diag_verbose(1, "holes: %s left unwritten in %lu hole%s",
		             format_size(r->hole_bytes, part, sizeof part), r->holes, r->holes == 1 ? "" : "s");
}

static int copy_data(struct file_copy *fc)
{
	struct copy_job job;
	uint64_t start_ns = clock_now_ns();
	int rc;

	start_progress(fc);
	job = make_job(fc);
	rc = copy_run(&job, &fc->result);
	progress_finish(&fc->progress);
	if (rc < 0)
		return report_copy_failure(fc, errno);
	narrate_copy(fc, clock_now_ns() - start_ns);
	return EXIT_OK;
}

static int sync_file(const struct file_copy *fc)
{
	uint64_t start_ns = clock_now_ns();

	if (fsync(fc->out_fd) < 0)
		return diag_errno("fsync %s", fc->dst);
	diag_verbose(1, "fsync %s: %.1f ms", fc->direct ? fc->dst : fc->rep.tmp,
	             (double)(clock_now_ns() - start_ns) / 1e6);
	return EXIT_OK;
}

/*
 * Re-reads the copy from the disk: fsync makes its pages clean, and
 * posix_fadvise(DONTNEED) drops clean pages from the page cache, so the
 * reads that follow go to the device.  SRC may well be read from the cache:
 * it is the reference.
 */
static int verify_copy(struct file_copy *fc)
{
	struct copy_job job;
	enum copy_side side;
	uint64_t differ_at = 0; /* or, when equal, the length compared */
	char size[32];
	int rc;

	if (sync_file(fc) != EXIT_OK)
		return EXIT_FAIL;
	rc = posix_fadvise(fc->out_fd, 0, 0, POSIX_FADV_DONTNEED);
	if (rc != 0)
		return diag_errnum(rc, "posix_fadvise %s", fc->dst);
	diag_verbose(1, "verify: posix_fadvise DONTNEED dropped the copy from the page cache; re-reading it "
	                "from the disk");
	start_progress(fc);
	job = make_job(fc);
	rc = copy_compare(&job, &differ_at, &side);
	progress_finish(&fc->progress);
	if (rc < 0) {
		if (sig_caught())
			return EXIT_FAIL;
		return diag_errno("read %s", side == COPY_SIDE_IN ? fc->src : fc->dst);
	}
	if (rc > 0)
		return diag_error("verify %s: differs from %s at byte %" PRIu64, fc->dst, fc->src, differ_at);
	diag_verbose(1, "verify: %s identical", format_size(differ_at, size, sizeof size));
	return EXIT_OK;
}

/* Ownership first: chown clears the set-user-ID and set-group-ID bits. */
static mode_t set_owner(const struct file_copy *fc, mode_t mode)
{
	const struct stat *want = fc->preserve ? &fc->src_st : &fc->dst_st;

	if (fchown(fc->out_fd, want->st_uid, want->st_gid) == 0)
		return mode;
	diag_verbose(1, "owner %ju:%ju not kept (%s)", (uintmax_t)want->st_uid, (uintmax_t)want->st_gid,
	             strerror(errno));
	mode &= (mode_t)~S_ISUID;
	if (fchown(fc->out_fd, (uid_t)-1, want->st_gid) == 0)
		return mode;
	return mode & (mode_t)~S_ISGID;
}

/*
 * The mode of the finished file: SRC's with --preserve; an existing DST
 * keeps its own (and its owner, when permitted), as when cp writes into
 * it; a new file gets SRC's permission bits less the umask.
 */
static int set_attributes(struct file_copy *fc)
{
	mode_t mode;

	if (fc->preserve)
		mode = fc->src_st.st_mode & 07777;
	else if (fc->dst_exists)
		mode = fc->dst_st.st_mode & 0777;
	else if (S_ISREG(fc->src_st.st_mode))
		mode = fc->src_st.st_mode & 0777 & ~fc->umask;
	else
		mode = 0666 & ~fc->umask;
	if (fc->preserve || fc->dst_exists)
		mode = set_owner(fc, mode);
	if (atomic_set_mode(&fc->rep, mode) < 0)
		return diag_errno("chmod %s", fc->dst);
	diag_verbose(1, "mode %04o", (unsigned)mode);
	if (fc->preserve) {
		struct timespec times[2] = { fc->src_st.st_atim, fc->src_st.st_mtim };

		if (futimens(fc->out_fd, times) < 0)
			return diag_errno("set times of %s", fc->dst);
		diag_verbose(1, "access and modification times of %s kept, to the nanosecond", fc->src);
	}
	return EXIT_OK;
}

/* The one step that makes the copy visible: before it DST is untouched,
 * after it DST is the copy.  --no-clobber is checked by the rename itself. */
static int commit(struct file_copy *fc)
{
	fc->out_fd = -1;
	if (sig_caught()) /* a signal during fsync or verify */
		return EXIT_FAIL;
	if (atomic_commit(&fc->rep) < 0) {
		if (errno == EEXIST && fc->no_clobber)
			return diag_error("create %s: File exists (--no-clobber)", fc->dst);
		if (strcmp(fc->rep.failed, "close") == 0)
			return diag_errno("close %s", fc->dst);
		return diag_errno("%s %s to %s", fc->rep.failed, fc->rep.tmp, fc->dst);
	}
	fc->committed = 1;
	diag_verbose(1, "rename %s -> %s%s", fc->rep.tmp, fc->dst,
	             fc->dst_exists ? ": the old file is replaced in one step" : "");
	if (fc->fsync) {
		if (atomic_sync_dir(fc->dst) < 0)
			return diag_errno("fsync the directory of %s", fc->dst);
		diag_verbose(1, "fsync of the directory of %s: the new name is durable too", fc->dst);
	}
	return EXIT_OK;
}

/* Standard output or a device: no temporary file, no rename. */
static int copy_in_place(struct file_copy *fc)
{
	int status = copy_data(fc);

	if (status != EXIT_OK)
		return status;
	/* fsync of a pipe or a terminal means nothing, and says EINVAL. */
	if (fc->fsync && fsync(fc->out_fd) < 0 && errno != EINVAL)
		return diag_errno("fsync %s", fc->dst);
	/* A device, not standard output: close(2) may report a late error. */
	if (fc->rep.direct && atomic_commit(&fc->rep) < 0)
		return diag_errno("close %s", fc->dst);
	return EXIT_OK;
}

/* Temporary file, copy, [verify], attributes, [fsync], rename, [fsync the directory]. */
static int copy_and_replace(struct file_copy *fc)
{
	int status = create_temporary(fc);

	if (status == EXIT_OK)
		status = copy_data(fc);
	if (status == EXIT_OK && fc->verify)
		status = verify_copy(fc);
	if (status == EXIT_OK)
		status = set_attributes(fc);
	if (status == EXIT_OK && fc->fsync)
		status = sync_file(fc);
	if (status == EXIT_OK)
		status = commit(fc);
	return status;
}

static int run(struct file_copy *fc)
{
	char size[32];
	int status = open_source(fc);

	if (status == EXIT_OK)
		status = resolve_destination(fc);
	if (status != EXIT_OK)
		return status;
	diag_verbose(1, "copy %s (%s%s%s) to %s%s", fc->src, file_kind(fc->src_st.st_mode),
	             S_ISREG(fc->src_st.st_mode) ? ", " : "",
	             S_ISREG(fc->src_st.st_mode) ? format_size((uint64_t)fc->src_st.st_size, size, sizeof size)
	                                         : "",
	             fc->dst, fc->dst_exists && !fc->direct ? " (exists: replaced atomically)" : "");
	return fc->direct ? copy_in_place(fc) : copy_and_replace(fc);
}

static void clean_up(struct file_copy *fc)
{
	int had_temporary = fc->rep.tmp_exists;

	if (atomic_abort(&fc->rep) < 0)
		diag_errno("remove %s", fc->rep.tmp);
	else if (had_temporary)
		diag_verbose(1, "removed the temporary file %s", fc->rep.tmp);
	if (fc->src_fd > STDERR_FILENO)
		close(fc->src_fd);
}

int file_copy_main(int argc, char **argv)
{
	struct file_copy fc = {
		.method = COPY_AUTO,
		.sparse = COPY_SPARSE_AUTO,
		.buffer_size = DEFAULT_BUFFER_SIZE,
		.progress_choice = -1,
		.src_fd = -1,
		.out_fd = -1,
		.rep = { .fd = -1 },
	};
	int status = parse_args(&fc, argc, argv);
	int sig;

	if (status != OPT_GO_ON)
		return status;
	fc.umask = umask(0);
	umask(fc.umask);
	if (sig_catch_stop() < 0)
		return diag_errno("install signal handlers");
	status = run(&fc);
	clean_up(&fc);
	sig_restore();
	sig = sig_caught();
	if (sig != 0 && !fc.committed) {
		const char *dst = fc.dst ? fc.dst : fc.dst_arg;

		if (fc.direct)
			diag_error("copy %s to %s: interrupted by SIG%s", fc.src, dst, sigabbrev_np(sig));
		else
			/* not committed and cleaned up: what is there now was there before */
			diag_error("copy %s to %s: interrupted by SIG%s (%s %s)", fc.src, dst,
			           sigabbrev_np(sig), dst,
			           faccessat(AT_FDCWD, dst, F_OK, AT_SYMLINK_NOFOLLOW) == 0 ? "left untouched"
			                                                                    : "not created");
		free(fc.dst);
		return sig_reraise(sig);
	}
	free(fc.dst);
	return status;
}
