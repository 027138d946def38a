/*
 * ftp_client.c - sockbox ftp-client: list, download, upload and verify
 * files over FTP, resuming, and from several mirrors at once.
 *
 * Concept: an application protocol with two connections: text commands
 * and numeric replies on the control connection, the file's bytes on a
 * data connection whose close marks the end of the file; passive and
 * active data connections; REST to resume; a download split into ranges
 * fetched in parallel (threads, pwrite at offsets) from several servers.
 *
 * References: RFC 959 (FTP), RFC 2428 (EPSV, EPRT), RFC 3659 (SIZE, REST,
 * MLSD), RFC 2389 (FEAT), RFC 4217 (FTP over TLS), RFC 1738 (ftp URLs),
 * draft-bryan-ftpext-hash (HASH), curl(1) and lftp(1) for the behaviour
 * users expect (~/.netrc, -C, pget -n).
 */
#include "tools.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/io.h"
#include "cli/diag.h"
#include "cli/opt.h"
#include "cli/parse.h"
#include "cli/progress.h"
#include "file/atomic.h"
#include "file/digest.h"
#include "ftp/ftpc.h"
#include "ftp/ftpreply.h"
#include "ftp/ftpreport.h"
#include "ftp/ftpseg.h"
#include "ftp/netrc.h"
#include "http/url.h"
#include "sig/sig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
	OPT_SEGMENTS = OPT_LONG_ONLY,
	OPT_ACTIVE,
	OPT_TLS,
	OPT_CACERT,
	OPT_NETRC,
	OPT_SHA256,
	OPT_VERIFY,
	OPT_JSON,
	OPT_CONNECT_TIMEOUT,
	OPT_TIMEOUT,
	OPT_PROGRESS,
	OPT_NO_PROGRESS,
};

/* clang-format off */
static const struct opt_spec options[] = {
	{ 'o', "output", "FILE", "where the file goes (default: its name, here); - for stdout" },
	{ 'C', "continue", NULL, "resume: get with REST from the local size, put with SIZE + APPE" },
	{ OPT_SEGMENTS, "segments", "N", "fetch N ranges at once over N data connections (default 1, or one per mirror)" },
	{ OPT_ACTIVE, "active", NULL, "active mode: the server connects to us (EPRT/PORT) instead of EPSV/PASV" },
	{ OPT_TLS, "tls", NULL, "explicit TLS: AUTH TLS, then PROT P for every data connection" },
	{ 'k', "insecure", NULL, "do not verify the certificate chain or host name" },
	{ OPT_CACERT, "cacert", "FILE", "trust the CA certificates in FILE (PEM) instead of the system store" },
	{ 'u', "user", "USER[:PASS]", "log in as USER (default: the URL's, or anonymous)" },
	{ OPT_NETRC, "netrc", NULL, "take the login and password from ~/.netrc" },
	{ OPT_SHA256, "sha256", "HEX", "exit 4 unless the file's SHA-256 is HEX" },
	{ OPT_VERIFY, "verify", NULL, "compare the file with the server's HASH (SHA-256); exit 4 on a mismatch" },
	{ OPT_JSON, "json", NULL, "ls: one JSON object per entry; get, put, hash: one object at the end" },
	{ '4', "ipv4", NULL, "connect over IPv4 only" },
	{ '6', "ipv6", NULL, "connect over IPv6 only" },
	{ OPT_CONNECT_TIMEOUT, "connect-timeout", "SECS", "bound on each connect (default 10)" },
	{ OPT_TIMEOUT, "timeout", "SECS", "bound on each wait for the server (default 30)" },
	{ OPT_PROGRESS, "progress", NULL, "draw a progress bar on stderr" },
	{ OPT_NO_PROGRESS, "no-progress", NULL, "never draw the progress bar" },
	{ 'v', "verbose", NULL, "narrate: every command and reply, every data connection" },
	{ 0, NULL, NULL, NULL },
};

static const struct opt_bind bindings[] = {
	{ 'o', "get" },
	{ 'C', "get|put" },
	{ OPT_SEGMENTS, "get" },
	{ OPT_SHA256, "get" },
	{ OPT_VERIFY, "get" },
	{ 0, NULL },
};

static const char *const commands[] = { "ls", "get", "put", "hash", NULL };

const struct opt_tool ftp_client_tool = {
	.name = "ftp-client",
	.usage = "ls [OPTIONS] URL\nget [OPTIONS] URL [MIRROR-URL...]\nput [OPTIONS] FILE URL\nhash [OPTIONS] URL",
	.summary = "FTP client: list, get (resumed, segmented, from mirrors, verified), put",
	.details = "URL: ftp://[USER[:PASS]@]HOST[:PORT]/PATH; the password may also come from\n"
	           "SOCKBOX_FTP_PASSWORD or --netrc.  Exit: 0 ok, 1 failure, 2 usage, 3 refused, 4 verification.",
	.specs = options,
	.commands = commands,
	.bind = bindings,
};
/* clang-format on */

enum command { CMD_LS, CMD_GET, CMD_PUT, CMD_HASH };
enum { MAX_MIRRORS = 16 };

#define PROGRESS_THRESHOLD (4u << 20)

struct ftp_client {
	/* what the options ask for */
	enum command cmd;
	const char *output, *local, *user_opt, *sha256;
	int resume, json, verify, netrc, progress_choice;
	unsigned segments;
	struct ftpc_config cfg;
	struct tls_config tls_cfg;
	struct url_ftp urls[MAX_MIRRORS];
	size_t url_count;
	char user[URL_USER_MAX], pass[URL_USER_MAX];
	/* the run */
	struct ftpc c;
	struct atomic out;
	struct progress progress;
	uint64_t start_ns, first_ns, end_ns, bytes, offset;
	char hex[DIGEST_HEX_MAX];
	int verified;
};

/* ---- options ---- */

static int parse_secs(int key, const char *arg, int *ms)
{
	double s;

	if (parse_seconds(arg, 0.001, 86400, &s) < 0)
		return opt_bad_value(&ftp_client_tool, key, arg, "expected seconds from 0.001 to 86400");
	*ms = (int)(s * 1000);
	return 0;
}

static int parse_url_operand(struct ftp_client *fc, const char *arg)
{
	const char *why;

	if (fc->url_count == MAX_MIRRORS)
		return diag_usage("at most %d URLs", MAX_MIRRORS);
	if (url_parse_ftp(arg, &fc->urls[fc->url_count], &why) < 0)
		return diag_usage("invalid URL '%s': %s", arg, why);
	fc->url_count++;
	return 0;
}

static int parse_operands(struct ftp_client *fc, int argc, char **argv)
{
	int i = 0, rc;

	if (argc < 1)
		return diag_usage("missing command: ls, get, put or hash");
	fc->cmd = (enum command)(strcmp(argv[0], "ls") == 0     ? CMD_LS
	                         : strcmp(argv[0], "get") == 0  ? CMD_GET
	                         : strcmp(argv[0], "put") == 0  ? CMD_PUT
	                         : strcmp(argv[0], "hash") == 0 ? CMD_HASH
	                                                        : -1);
	if ((int)fc->cmd < 0)
		return diag_usage("unknown command '%s': expected ls, get, put or hash", argv[0]);
	argc--, argv++;
	if (fc->cmd == CMD_PUT) {
		if (argc != 2)
			return diag_usage("put takes FILE and one URL");
		fc->local = argv[i++];
	} else if (argc < 1 || (fc->cmd != CMD_GET && argc > 1)) {
		return diag_usage("%s takes %s", argv[-1],
		                  fc->cmd == CMD_GET ? "a URL and mirrors" : "one URL");
	}
	for (; i < argc; i++)
		if ((rc = parse_url_operand(fc, argv[i])) != 0)
			return rc;
	return 0;
}

static int check_conflicts(struct ftp_client *fc)
{
	int many = fc->url_count > 1 || fc->segments > 1;
	int to_stdout = fc->output && strcmp(fc->output, "-") == 0;

	if (many && (to_stdout || fc->resume))
		return diag_usage("--segments and mirrors write at offsets: not with %s",
		                  fc->resume ? "--continue" : "-o -");
	if (to_stdout && (fc->resume || fc->sha256 || fc->verify))
		return diag_usage("-o - cannot be %s", fc->resume ? "resumed" : "verified");
	if (fc->resume && fc->cmd == CMD_PUT && strcmp(fc->local, "-") == 0)
		return diag_usage("--continue needs a file, not stdin");
	if (fc->sha256 && (strlen(fc->sha256) != 64 || strspn(fc->sha256, "0123456789abcdefABCDEF") != 64))
		return opt_bad_value(&ftp_client_tool, OPT_SHA256, fc->sha256, "expected 64 hex digits");
	if (fc->json && to_stdout)
		return diag_usage("--json and -o - would share stdout");
	return 0;
}

/* OPT_GO_ON: run the tool; anything else: the exit status to return now */
static int parse_args(struct ftp_client *fc, int argc, char **argv)
{
	struct opt_state st;
	uint64_t n;
	int key, rc;

	opt_init(&st, &ftp_client_tool, argc, argv);
	while ((key = opt_next(&st)) != OPT_END) {
		switch (key) {
		case OPT_EXIT:
			return st.status;
		case 'o':
			fc->output = st.arg;
			break;
		case 'C':
			fc->resume = 1;
			break;
		case OPT_SEGMENTS:
			if (parse_uint(st.arg, 1, 64, &n) < 0) {
				opt_done(&st);
				return opt_bad_value(&ftp_client_tool, key, st.arg,
				                     "expected a whole number from 1 to 64");
			}
			fc->segments = (unsigned)n;
			break;
		case OPT_ACTIVE:
			fc->cfg.active = 1;
			break;
		case OPT_TLS:
			fc->cfg.tls = 1;
			break;
		case 'k':
			fc->tls_cfg.insecure = 1;
			break;
		case OPT_CACERT:
			fc->tls_cfg.cafile = st.arg;
			break;
		case 'u':
			fc->user_opt = st.arg;
			break;
		case OPT_NETRC:
			fc->netrc = 1;
			break;
		case OPT_SHA256:
			fc->sha256 = st.arg;
			break;
		case OPT_VERIFY:
			fc->verify = 1;
			break;
		case OPT_JSON:
			fc->json = 1;
			break;
		case '4':
			fc->cfg.family = AF_INET;
			break;
		case '6':
			fc->cfg.family = AF_INET6;
			break;
		case OPT_PROGRESS:
			fc->progress_choice = 1;
			break;
		case OPT_NO_PROGRESS:
			fc->progress_choice = 0;
			break;
		case 'v':
			diag_set_verbosity(diag_verbosity() + 1);
			break;
		case OPT_CONNECT_TIMEOUT:
		case OPT_TIMEOUT:
			if (parse_secs(key, st.arg,
			               key == OPT_TIMEOUT ? &fc->cfg.io_ms : &fc->cfg.connect_ms) != 0) {
				opt_done(&st);
				return EXIT_USAGE;
			}
			break;
		}
	}
	if ((rc = parse_operands(fc, argc - st.index, argv + st.index)) != 0)
		return rc;
	if ((rc = check_conflicts(fc)) != 0)
		return rc;
	return OPT_GO_ON;
}

/* ---- credentials ---- */

static int pick_credentials(struct ftp_client *fc, const struct url_ftp *u)
{
	struct netrc_login in = {
		.url_user = u->has_user ? u->user : NULL,
		.url_pass = u->has_pass ? u->pass : NULL,
		.user_opt = fc->user_opt,
		.env_pass = getenv("SOCKBOX_FTP_PASSWORD"),
		.home = fc->netrc ? getenv("HOME") : NULL,
		.use_netrc = fc->netrc,
		.host = u->host,
	};
	int rc = netrc_pick(&in, fc->user, sizeof fc->user, fc->pass, sizeof fc->pass);

	if (rc < 0)
		return diag_errno("read %s/.netrc", in.home ? in.home : ".");
	if (rc == NETRC_PASS_ON_COMMAND_LINE)
		diag_info("warning: a password on the command line is visible to every user (ps); "
		          "prefer SOCKBOX_FTP_PASSWORD or --netrc");
	return 0;
}

/* ---- reporting ---- */

/* The line (or --json object) every transfer ends with. */
static void print_summary(struct ftp_client *fc, const char *what, const struct url_ftp *u)
{
	struct ftpreport_summary s = {
		.what = what,
		.url = u,
		.bytes = fc->bytes,
		.offset = fc->offset,
		.start_ns = fc->start_ns,
		.first_ns = fc->first_ns,
		.end_ns = fc->end_ns,
		.connect_ns = fc->c.connect_ns,
		.login_ns = fc->c.login_ns,
		.segments = fc->segments,
		.mirrors = fc->url_count,
		.sha256 = fc->hex,
		.verified = fc->verified,
	};

	ftpreport_summary(&s, fc->json);
}

/* --verify needs the server's SHA-256 (get and the mirrors' check alike). */
static int refuse_no_hash(void)
{
	return diag_error("--verify: the server offers no SHA-256 HASH (FEAT); try --sha256");
}

static void draw_progress(void *arg, uint64_t done)
{
	progress_update(arg, done);
}

/* ---- sessions ---- */

static int open_session(struct ftp_client *fc, const struct url_ftp *u)
{
	return ftpreport_open(&fc->c, &fc->cfg, u, fc->user, fc->pass);
}

/* ---- ls ---- */

static int run_ls(struct ftp_client *fc)
{
	const struct url_ftp *u = &fc->urls[0];
	struct buf raw = BUF_INIT;
	int mlsd, rc;

	if ((rc = open_session(fc, u)) != 0)
		return rc;
	mlsd = fc->c.feat.mlsd;
	/* MLSD's facts are meant for programs (RFC 3659 7); LIST's text is
	 * meant for people and parsed by guessing, so it is the fallback */
	rc = ftpc_list(&fc->c, mlsd ? "MLSD" : "LIST", u->path, &raw);
	if (rc == 0) {
		struct buf out = BUF_INIT;
		size_t skipped = ftp_listing_format(buf_head(&raw), buf_readable(&raw), mlsd, fc->json, &out);
		if (skipped)
			diag_verbose(1, "listing: skipped %zu line%s of no known shape", skipped,
			             skipped == 1 ? "" : "s");
		fwrite(buf_head(&out) ? buf_head(&out) : "", 1, buf_readable(&out), stdout);
		buf_free(&out);
	}
	buf_free(&raw);
	if (rc < 0) {
		rc = ftpreport_failure(u, rc, &fc->c);
		ftpc_close(&fc->c);
		return rc;
	}
	ftpc_quit(&fc->c);
	return EXIT_OK;
}

/* ---- get ---- */

/* The output's name: -o, or the last segment of the URL's path. */
static const char *output_name(struct ftp_client *fc)
{
	const char *path = fc->urls[0].path, *slash = strrchr(path, '/');

	if (fc->output)
		return fc->output;
	return slash ? slash + 1 : path;
}

/* --sha256 and --verify on the finished file: 0, or FTP_EXIT_VERIFY said aloud. */
static int verify_file(struct ftp_client *fc, int fd, const char *name)
{
	char expected[DIGEST_HEX_MAX];

	if (!fc->sha256 && !fc->verify)
		return 0;
	if (digest_fd(fd, DIGEST_SHA256, 0, -1, fc->hex) < 0)
		return diag_errno("hash %s", name);
	if (fc->sha256) {
		snprintf(expected, sizeof expected, "%s", fc->sha256);
	} else {
		char algo[16];
		/* OPTS HASH selects the algorithm to compare */
		int rc = ftpc_hash(&fc->c, fc->urls[0].path, 1, algo, sizeof algo, expected, sizeof expected);
		if (rc == FTPC_MALFORMED)
			return diag_error("%s", fc->c.error);
		if (rc < 0)
			return ftpreport_failure(&fc->urls[0], rc, &fc->c);
		if (strcasecmp(algo, "SHA-256") != 0)
			return diag_error("--verify: the server's HASH is %s, not SHA-256", algo);
		diag_verbose(1, "verify: the server's %s is %s", algo, expected);
	}
	if (!digest_hex_equal(fc->hex, expected)) {
		diag_error("%s: SHA-256 mismatch: got %s, expected %s; the file is not kept", name, fc->hex,
		           expected);
		return FTP_EXIT_VERIFY;
	}
	fc->verified = 1;
	return 0;
}

/* Where the bytes go: stdout, the partial file (-C), or an atomic temporary. */
static int open_output(struct ftp_client *fc, const char *name, int *fd)
{
	if (strcmp(name, "-") == 0) {
		*fd = STDOUT_FILENO;
		return 0;
	}
	if (fc->resume) {
		struct stat st;
		*fd = open(name, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
		if (*fd < 0 || fstat(*fd, &st) < 0 || lseek(*fd, 0, SEEK_END) < 0)
			return diag_errno("open %s", name);
		fc->offset = (uint64_t)st.st_size;
		return 0;
	}
	if (atomic_open(&fc->out, name, 0) < 0)
		return diag_errno("%s %s", fc->out.failed ? fc->out.failed : "open", name);
	*fd = fc->out.fd;
	return 0;
}

/* After each chunk that moved: the first byte's time, the count, the bar. */
static void count_bytes(void *arg, size_t n)
{
	struct ftp_client *fc = arg;

	if (!fc->first_ns)
		fc->first_ns = clock_now_ns();
	fc->bytes += n;
	progress_update(&fc->progress, fc->offset + fc->bytes);
}

static int get_one(struct ftp_client *fc, const char *name)
{
	const struct url_ftp *u = &fc->urls[0];
	struct ftpc_data d;
	uint64_t size = 0;
	int fd = -1, rc, has_size, status;

	if ((rc = open_session(fc, u)) != 0)
		return rc;
	if (fc->verify && !fc->c.feat.hash_sha256) {
		ftpc_quit(&fc->c);
		return refuse_no_hash();
	}
	has_size = ftpc_size(&fc->c, u->path, &size) == 0;
	if ((status = open_output(fc, name, &fd)) != 0) {
		ftpc_quit(&fc->c);
		return status;
	}
	if (fc->resume && has_size && fc->offset >= size) {
		ftpc_quit(&fc->c);
		close(fd);
		if (fc->offset > size)
			return diag_error(
			    "%s: the local file (%llu bytes) is larger than the remote one (%llu)", name,
			    (unsigned long long)fc->offset, (unsigned long long)size);
		diag_info("%s: already complete (%llu bytes)", name, (unsigned long long)size);
		return EXIT_OK;
	}
	progress_start(&fc->progress, has_size ? size : 0,
	               progress_wanted(fc->progress_choice, size, PROGRESS_THRESHOLD));
	rc = ftpc_transfer_start(&fc->c, &d, fc->offset, "RETR %s", u->path);
	if (rc == 0) {
		rc = ftpc_data_to_fd(&fc->c, &d, fd, name, count_bytes, fc);
		if (rc == 0)
			rc = ftpc_transfer_finish(&fc->c, &d, 0);
		else
			ftpc_data_close(&d);
	}
	fc->end_ns = clock_now_ns();
	progress_finish(&fc->progress);
	if (rc == 0 && has_size && fc->offset + fc->bytes != size && strcmp(name, "-") != 0) {
		snprintf(fc->c.error, sizeof fc->c.error, "got %llu bytes of %llu",
		         (unsigned long long)(fc->offset + fc->bytes), (unsigned long long)size);
		rc = FTPC_FAILED;
	}
	status = rc < 0 ? ftpreport_failure(u, rc, &fc->c) : verify_file(fc, fd, name);
	if (fd != STDOUT_FILENO && fc->resume) {
		if (status == FTP_EXIT_VERIFY)
			unlink(name);
		if (close(fd) < 0 && status == 0)
			status = diag_errno("close %s", name);
	} else if (fd != STDOUT_FILENO) {
		if (status == 0 && atomic_commit(&fc->out) < 0)
			status = diag_errno("%s %s", fc->out.failed, name);
		atomic_abort(&fc->out);
	}
	if (rc == FTPC_FAILED)
		ftpc_close(&fc->c);
	else
		ftpc_quit(&fc->c);
	if (status == 0)
		print_summary(fc, "get", u);
	return status;
}

static int get_segmented(struct ftp_client *fc, const char *name)
{
	struct ftpseg_mirror mirrors[MAX_MIRRORS];
	struct ftpseg_probe probe = { .cfg = &fc->cfg,
		                      .urls = fc->urls,
		                      .url_count = fc->url_count,
		                      .user = fc->user,
		                      .pass = fc->pass,
		                      .need_hash = fc->verify };
	struct ftpseg_job job;
	size_t count = 0;
	uint64_t size;
	int status;

	if ((status = ftpseg_agree(&probe, &fc->c, mirrors, &count)) != 0)
		return probe.no_hash ? refuse_no_hash() : status;
	size = probe.size;
	fc->start_ns = probe.start_ns;
	if (!fc->segments)
		fc->segments = (unsigned)count;
	if (atomic_open(&fc->out, name, 0) < 0 || ftruncate(fc->out.fd, (off_t)size) < 0) {
		status = diag_errno("%s %s", fc->out.failed ? fc->out.failed : "ftruncate", name);
		atomic_abort(&fc->out);
		return status;
	}
	memset(&job, 0, sizeof job);
	job.cfg = fc->cfg;
	job.mirrors = mirrors;
	job.mirror_count = count;
	job.fd = fc->out.fd;
	job.size = size;
	job.segments = fc->segments;
	job.on_progress = draw_progress;
	job.arg = &fc->progress;
	progress_start(&fc->progress, size, progress_wanted(fc->progress_choice, size, PROGRESS_THRESHOLD));
	diag_verbose(1, "segments: %u over %zu mirror%s, %llu bytes", job.segments, count,
	             count == 1 ? "" : "s", (unsigned long long)size);
	int rc = size > 0 ? ftpseg_run(&job) : 0; /* an empty file has no range to fetch */
	progress_finish(&fc->progress);
	fc->end_ns = clock_now_ns();
	fc->first_ns = atomic_load(&job.first_ns);
	fc->bytes = atomic_load(&job.done);
	for (size_t i = 0; i < count; i++)
		diag_verbose(1, "mirror %zu: %llu bytes%s%s", i + 1,
		             (unsigned long long)atomic_load(&mirrors[i].bytes),
		             atomic_load(&mirrors[i].dead) ? ", failed: " : "", mirrors[i].error);
	if (rc < 0) {
		atomic_abort(&fc->out);
		return diag_error("get %s: %s; nothing written", name, job.error);
	}
	if (fc->verify && (status = open_session(fc, &fc->urls[0])) != 0) {
		atomic_abort(&fc->out);
		return status;
	}
	status = verify_file(fc, fc->out.fd, name);
	if (fc->verify)
		ftpc_quit(&fc->c);
	if (status == 0 && atomic_commit(&fc->out) < 0)
		status = diag_errno("%s %s", fc->out.failed, name);
	atomic_abort(&fc->out);
	if (status == 0)
		print_summary(fc, "get", &fc->urls[0]);
	return status;
}

/* ---- put ---- */

static int run_put(struct ftp_client *fc)
{
	struct url_ftp *u = &fc->urls[0];
	struct ftpc_data d;
	struct stat st;
	int fd, rc;

	/* "ftp://host/dir/" names the directory: the file keeps its own name */
	size_t plen = strlen(u->path);
	if (plen == 0 || u->path[plen - 1] == '/') {
		const char *base = strrchr(fc->local, '/');
		base = base ? base + 1 : fc->local;
		if (strcmp(base, "-") == 0)
			return diag_usage("put from stdin needs a file name in the URL");
		snprintf(u->path + plen, sizeof u->path - plen, "%s", base);
	}
	fd = strcmp(fc->local, "-") == 0 ? STDIN_FILENO : open(fc->local, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return diag_errno("open %s", fc->local);
	if ((rc = open_session(fc, u)) != 0) {
		close(fd);
		return rc;
	}
	if (fc->resume) {
		uint64_t have = 0;
		rc = ftpc_size(&fc->c, u->path, &have);
		if (rc == FTPC_FAILED)
			goto out;
		fc->offset = rc == 0 ? have : 0; /* 550: nothing there yet */
		rc = 0;
		if (fc->offset > (uint64_t)st.st_size) {
			snprintf(fc->c.error, sizeof fc->c.error,
			         "the remote file (%llu bytes) is larger than %s",
			         (unsigned long long)fc->offset, fc->local);
			rc = FTPC_FAILED;
			goto out;
		}
		if (lseek(fd, (off_t)fc->offset, SEEK_SET) < 0) {
			snprintf(fc->c.error, sizeof fc->c.error, "seek %s: %s", fc->local, strerror(errno));
			rc = FTPC_FAILED;
			goto out;
		}
	}
	progress_start(&fc->progress, (uint64_t)st.st_size,
	               progress_wanted(fc->progress_choice, (uint64_t)st.st_size, PROGRESS_THRESHOLD));
	/* APPE rather than REST + STOR: RFC 3659 5 leaves REST before STOR to
	 * the server, while APPE's meaning is fixed (RFC 959 4.1.3) */
	rc = ftpc_transfer_start(&fc->c, &d, 0, "%s %s", fc->offset ? "APPE" : "STOR", u->path);
	if (rc == 0) {
		rc = ftpc_data_from_fd(&fc->c, &d, fd, fc->local, count_bytes, fc);
		if (rc == 0)
			rc = ftpc_transfer_finish(&fc->c, &d, 0);
		else
			ftpc_data_close(&d);
	}
	progress_finish(&fc->progress);
out:
	fc->end_ns = clock_now_ns();
	if (fd != STDIN_FILENO)
		close(fd);
	if (rc < 0) {
		rc = ftpreport_failure(u, rc, &fc->c);
		ftpc_close(&fc->c);
		return rc;
	}
	ftpc_quit(&fc->c);
	print_summary(fc, "put", u);
	return EXIT_OK;
}

/* ---- hash ---- */

static int run_hash(struct ftp_client *fc)
{
	const struct url_ftp *u = &fc->urls[0];
	char algo[16], hex[DIGEST_HEX_MAX * 2];
	int rc;

	if ((rc = open_session(fc, u)) != 0)
		return rc;
	rc = ftpc_hash(&fc->c, u->path, fc->c.feat.hash_sha256, algo, sizeof algo, hex, sizeof hex);
	if (rc == FTPC_MALFORMED) {
		ftpc_quit(&fc->c);
		return diag_error("%s", fc->c.error);
	}
	if (rc < 0) {
		rc = ftpreport_failure(u, rc, &fc->c);
		ftpc_close(&fc->c);
		return rc;
	}
	ftpc_quit(&fc->c);
	ftpreport_hash(u->path, algo, hex, fc->json);
	return EXIT_OK;
}

/* ---- main ---- */

static int run(struct ftp_client *fc)
{
	char err[256];
	int rc;

	if (fc->cfg.tls) {
		fc->cfg.tls_client = tls_client_new(&fc->tls_cfg, err, sizeof err);
		if (!fc->cfg.tls_client)
			return diag_error("%s", err);
	}
	fc->start_ns = clock_now_ns();
	switch (fc->cmd) {
	case CMD_LS:
		rc = run_ls(fc);
		break;
	case CMD_PUT:
		rc = run_put(fc);
		break;
	case CMD_HASH:
		rc = run_hash(fc);
		break;
	default:
		if (fc->url_count > 1 || fc->segments > 1)
			rc = get_segmented(fc, output_name(fc));
		else
			rc = get_one(fc, output_name(fc));
	}
	tls_client_free(fc->cfg.tls_client);
	return rc;
}

int ftp_client_main(int argc, char **argv)
{
	static struct ftp_client fc;
	int status;

	memset(&fc, 0, sizeof fc);
	fc.progress_choice = -1;
	fc.cfg.connect_ms = 10000;
	fc.cfg.io_ms = 30000;
	fc.out.fd = -1;
	status = parse_args(&fc, argc, argv);
	if (status != OPT_GO_ON)
		return status;
	if (fc.cmd == CMD_GET && !fc.output && !output_name(&fc)[0])
		return diag_usage("the URL names no file: give -o FILE");
	if ((status = pick_credentials(&fc, &fc.urls[0])) != 0)
		return status;
	sig_catch_stop();
	status = run(&fc);
	/* everything is cleaned up (no temporary file, no connection): die of
	 * the signal, so a calling shell sees 130 and stops too */
	if (sig_caught()) {
		fflush(stdout);
		return sig_reraise(sig_caught());
	}
	return status; /* main flushes stdout and reports a failed write */
}
