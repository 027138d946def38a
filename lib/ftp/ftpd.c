/*
 * ftpd.c - one FTP session: the control connection's commands and replies,
 * the data connections, the transfers (RFC 959, RFC 2428, RFC 3659,
 * RFC 2577, RFC 4217, draft-bryan-ftpext-hash).
 */
#include "ftp/ftpd.h"

#include "ftp/ftpcmd.h"
#include "ftp/ftpdlist.h"

#include "base/buf.h"
#include "base/clock.h"
#include "base/io.h"
#include "base/json.h"
#include "cli/diag.h"
#include "cli/parse.h"
#include "file/atomic.h"
#include "file/beneath.h"
#include "file/digest.h"
#include "net/addr.h"
#include "net/sock.h"
#include "net/tls.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/sendfile.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum {
	XFER_CHUNK = 1 << 20, /* sendfile(2) and read(2) per step */
	REPLY_MAX = 8192,
	VANISH_GRACE_MS = 10, /* see client_vanished */
	RECV_POLL_EVERY = 16, /* see receive_into */
};

/* How a transfer ended. */
enum xfer_end { XFER_OK, XFER_ABORTED, XFER_PEER_GONE, XFER_TIMEOUT, XFER_LOCAL_ERROR, XFER_STOPPED };
enum { XFER_READY = 100 }; /* wait_data: not an end, the data connection is ready */

struct session {
	const struct ftpd_config *cfg;
	struct ftpd_stats *stats;
	int ctrl_fd;
	const char *peer;
	struct sockaddr_storage peer_ss, local_ss;
	socklen_t peer_len, local_len;
	struct ftpcmd_reader rd;
	char line[FTPCMD_LINE_MAX + 1];
	char pending[FTPCMD_LINE_MAX + 1]; /* a command that came during a transfer */
	int has_pending;
	int quit;
	/* login */
	char user[FTPD_NAME_MAX];
	int user_given, logged_in, anonymous;
	unsigned failures;
	/* state */
	char cwd[FTPCMD_PATH_MAX];
	uint64_t rest;
	char rnfr[FTPCMD_PATH_MAX];
	int has_rnfr;
	int epsv_all;
	enum digest_algo hash_algo;
	/* the next data connection */
	int pasv_fd;
	struct sockaddr_storage port_ss;
	socklen_t port_len;
	int has_port;
	/* TLS (RFC 4217) */
	struct tls_conn *tls;
	int prot_private;
	int pbsz_done;
	char *xfer_buf;
};

/* ---- the control connection ---- */

static int ctrl_send(struct session *s, const char *data, size_t len)
{
	if (s->tls) {
		size_t done = 0;
		uint64_t deadline = clock_now_ns() + clock_seconds_to_ns(s->cfg->idle_timeout);
		return tls_write_full(s->tls, data, len, &done, deadline);
	}
	return sock_send_full(s->ctrl_fd, data, len);
}

static void narrate_reply(struct session *s, const char *text)
{
	if (diag_verbosity() >= 1)
		diag_verbose(1, "%s -> %s", s->peer, text);
}

/* A one-line reply "CODE TEXT". */
static void reply(struct session *s, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void reply(struct session *s, int code, const char *fmt, ...)
{
	char line[REPLY_MAX];
	va_list ap;
	int n = snprintf(line, sizeof line, "%d ", code);

	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof line - (size_t)n - 2, fmt, ap);
	va_end(ap);
	if ((size_t)n > sizeof line - 3)
		n = (int)sizeof line - 3;
	narrate_reply(s, line);
	line[n++] = '\r';
	line[n++] = '\n';
	if (ctrl_send(s, line, (size_t)n) < 0)
		s->quit = 1;
}

/* A multi-line reply (RFC 959 4.2): "CODE-first", the lines of body each
 * sent with a leading space, then "CODE last". */
static void reply_lines(struct session *s, int code, const char *first, const char *body, const char *last)
{
	struct buf out = { 0 };

	buf_printf(&out, "%d-%s\r\n", code, first);
	for (const char *p = body; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		buf_append_byte(&out, ' ');
		buf_append(&out, p, len);
		buf_append_str(&out, "\r\n");
		p += len + (nl ? 1 : 0);
	}
	buf_printf(&out, "%d %s\r\n", code, last);
	if (out.data) {
		narrate_reply(s, out.data);
		if (ctrl_send(s, out.data, out.len) < 0)
			s->quit = 1;
	}
	buf_free(&out);
}

/* Reads more of the control connection: >0, 0 when the client closed, -1
 * on an error, -2 on a timeout, -3 on a stop. */
static int ctrl_fill(struct session *s, int timeout_ms)
{
	size_t room;
	char *space = ftpcmd_reader_space(&s->rd, &room);
	ssize_t n;

	if (!(s->tls && tls_pending(s->tls))) {
		struct pollfd pfd[2] = { { s->ctrl_fd, POLLIN, 0 }, { s->cfg->stop_fd, POLLIN, 0 } };
		int ready = poll(pfd, 2, timeout_ms);
		if (ready < 0)
			return errno == EINTR ? 1 : -1;
		if (ready == 0)
			return -2;
		if (pfd[1].revents)
			return -3;
	}
	if (s->tls)
		n = tls_read(s->tls, space, room, clock_now_ns() + 1000000000ull * 10);
	else
		n = recv(s->ctrl_fd, space, room, 0);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : -1;
	if (n == 0)
		return 0;
	ftpcmd_reader_added(&s->rd, (size_t)n);
	return 1;
}

/* ---- paths ---- */

/* The client path of arg into path, or a 550 (or 501) reply and -1. */
static int resolve(struct session *s, const char *arg, char *path)
{
	if (!arg[0]) {
		reply(s, 501, "Syntax error: a path is needed.");
		return -1;
	}
	if (ftpcmd_path(s->cwd, arg, path, FTPCMD_PATH_MAX) < 0) {
		reply(s, 550, errno == ENAMETOOLONG ? "File name too long." : "Permission denied.");
		return -1;
	}
	return 0;
}

static void reply_errno(struct session *s, int err)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
		reply(s, 550, "No such file or directory.");
		break;
	case EEXIST:
		reply(s, 550, "File exists.");
		break;
	case ENOTEMPTY:
		reply(s, 550, "Directory not empty.");
		break;
	case EISDIR:
		reply(s, 550, "Is a directory.");
		break;
	case ENOSPC:
	case EDQUOT:
		reply(s, 452, "Insufficient storage space.");
		break;
	case ENAMETOOLONG:
		reply(s, 550, "File name too long.");
		break;
	default: /* EXDEV, ELOOP (out of the root), EACCES, EPERM, ... */
		reply(s, 550, "Permission denied.");
		break;
	}
}

/* Opens the directory that holds path (beneath the root) and points *name
 * at its last segment: the O_PATH descriptor, or -1 after a reply. */
static int open_parent(struct session *s, const char *path, const char **name)
{
	char dir[FTPCMD_PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t len = (size_t)(slash - path);
	int fd;

	if (strcmp(path, "/") == 0) {
		reply(s, 550, "Permission denied.");
		return -1;
	}
	memcpy(dir, path, len);
	dir[len] = '\0';
	fd = beneath_open(s->cfg->root_fd, ftpcmd_relative(len ? dir : "/"), O_PATH | O_DIRECTORY | O_CLOEXEC,
	                  0);
	if (fd < 0) {
		reply_errno(s, errno);
		return -1;
	}
	*name = slash + 1;
	return fd;
}

/* ---- data connections ---- */

static void close_pasv(struct session *s)
{
	if (s->pasv_fd >= 0)
		close(s->pasv_fd);
	s->pasv_fd = -1;
	s->has_port = 0;
}

static int same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	if (a->ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		              &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr)) == 0;
	return 0;
}

/* A listening socket on the control connection's local address, on a port
 * of --pasv-ports (tried from a random start) or any: the port, or -1. */
static int listen_passive(struct session *s, const char *verb)
{
	unsigned low = s->cfg->pasv_low, high = s->cfg->pasv_high;
	unsigned span = low ? high - low + 1 : 1;
	unsigned start = low ? (unsigned)(clock_now_ns() / 1000) % span : 0;

	close_pasv(s);
	for (unsigned i = 0; i < span; i++) {
		struct sockaddr_storage ss = s->local_ss;
		unsigned port = low ? low + (start + i) % span : 0;
		int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			return -1;
		if (ss.ss_family == AF_INET)
			((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
		else
			((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
		if (bind(fd, (struct sockaddr *)&ss, s->local_len) == 0 && listen(fd, 1) == 0) {
			struct sockaddr_storage bound;
			socklen_t len = sizeof bound;
			char text[ADDR_TEXT_MAX];
			getsockname(fd, (struct sockaddr *)&bound, &len);
			s->pasv_fd = fd;
			diag_verbose(1, "%s data: %s, listening on %s", s->peer, verb,
			             addr_format((struct sockaddr *)&bound, len, text, sizeof text));
			return (int)addr_port((struct sockaddr *)&bound);
		}
		close(fd);
		if (errno != EADDRINUSE)
			return -1;
	}
	errno = EADDRINUSE;
	return -1;
}

/* Waits for fd to be ready for events, watching the stop descriptor:
 * 1 ready, 0 timeout, -1 error, -3 stop. */
static int wait_fd(struct session *s, int fd, short events, double seconds)
{
	struct pollfd pfd[2] = { { fd, events, 0 }, { s->cfg->stop_fd, POLLIN, 0 } };
	int ms = seconds > 0 ? (int)(seconds * 1000) : -1;

	for (;;) {
		int n = poll(pfd, 2, ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		if (pfd[1].revents)
			return -3;
		return 1;
	}
}

static int accept_passive(struct session *s)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char text[ADDR_TEXT_MAX];
	int fd, ready = wait_fd(s, s->pasv_fd, POLLIN, s->cfg->data_timeout);

	if (ready <= 0) {
		reply(s, 425,
		      ready == 0 ? "Failed to establish connection: timeout."
		                 : "Failed to establish connection.");
		return -1;
	}
	fd = accept4(s->pasv_fd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0) {
		reply(s, 425, "Failed to establish connection.");
		return -1;
	}
	addr_format((struct sockaddr *)&ss, len, text, sizeof text);
	/* RFC 2577 5: only the client may take the data connection (no theft) */
	if (!same_host(&ss, &s->peer_ss)) {
		diag_verbose(1, "%s data: refused a connection from %s (not the client's address)", s->peer,
		             text);
		close(fd);
		reply(s, 425, "Security: data connection from another address refused.");
		return -1;
	}
	diag_verbose(1, "%s data: accepted %s", s->peer, text);
	return fd;
}

static int connect_active(struct session *s)
{
	char text[ADDR_TEXT_MAX];
	struct sockaddr_storage local = s->local_ss;
	int fd = socket(s->port_ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int err = 0, ready;
	socklen_t elen = sizeof err;

	addr_format((struct sockaddr *)&s->port_ss, s->port_len, text, sizeof text);
	if (fd < 0) {
		reply(s, 425, "Failed to establish connection.");
		return -1;
	}
	/* from the address the client spoke to (port chosen by the kernel) */
	if (local.ss_family == s->port_ss.ss_family) {
		if (local.ss_family == AF_INET)
			((struct sockaddr_in *)&local)->sin_port = 0;
		else
			((struct sockaddr_in6 *)&local)->sin6_port = 0;
		(void)bind(fd, (struct sockaddr *)&local, s->local_len);
	}
	if (connect(fd, (struct sockaddr *)&s->port_ss, s->port_len) < 0 && errno != EINPROGRESS) {
		err = errno;
	} else {
		ready = wait_fd(s, fd, POLLOUT, s->cfg->data_timeout);
		if (ready <= 0)
			err = ready == 0 ? ETIMEDOUT : ECONNABORTED;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
			err = errno;
	}
	if (err) {
		diag_verbose(1, "%s data: connect %s: %s", s->peer, text, strerror(err));
		close(fd);
		reply(s, 425, "Failed to establish connection.");
		return -1;
	}
	diag_verbose(1, "%s data: connected to %s (active)", s->peer, text);
	return fd;
}

/* The data connection the last PASV/EPSV/PORT/EPRT prepared: its
 * non-blocking descriptor, or -1 after a 425 (or 521) reply. */
static int open_data(struct session *s)
{
	int fd = -1;

	if (s->cfg->require_tls && !s->prot_private) {
		reply(s, 521, "Data connections must be encrypted: PROT P first.");
		close_pasv(s);
		return -1;
	}
	if (s->pasv_fd >= 0)
		fd = accept_passive(s);
	else if (s->has_port)
		fd = connect_active(s);
	else
		reply(s, 425, "Use PORT, EPRT, PASV or EPSV first.");
	close_pasv(s);
	if (fd >= 0) {
		int one = 1;
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	}
	return fd;
}

/* ---- transfers ---- */

/* The bound of one TLS step on a data connection: --data-timeout, or
 * 300 s when it is off. */
static double data_seconds(const struct session *s)
{
	return s->cfg->data_timeout > 0 ? s->cfg->data_timeout : 300;
}

struct xfer {
	const char *command; /* "RETR" */
	const char *path;
	int data_fd;
	struct tls_conn *tls; /* PROT P: the data connection's TLS */
	uint64_t bytes;
	uint64_t start_ns;
	int watch_ctrl; /* still watching the control connection for ABOR */
};

/* Looks at the control connection during a transfer: XFER_ABORTED for an
 * ABOR, XFER_PEER_GONE when the client closed it, else -1 (any other
 * command waits for the transfer's end). */
static int check_ctrl(struct session *s, struct xfer *x)
{
	int rc = ctrl_fill(s, 0);

	if (rc == 0) {
		s->quit = 1;
		return XFER_PEER_GONE;
	}
	if (rc == -3)
		return XFER_STOPPED;
	while (!s->has_pending) {
		struct ftpcmd cmd;
		enum ftpcmd_line got = ftpcmd_reader_take(&s->rd, s->line);
		if (got == FTPCMD_NONE)
			break;
		if (got == FTPCMD_TOO_LONG)
			continue;
		if (ftpcmd_parse(s->line, &cmd) == 0 && strcmp(cmd.verb, "ABOR") == 0) {
			diag_verbose(1, "%s <- ABOR", s->peer);
			return XFER_ABORTED;
		}
		memcpy(s->pending, s->line, sizeof s->pending);
		s->has_pending = 1;
	}
	if (s->has_pending)
		x->watch_ctrl = 0; /* a command waits its turn: stop reading */
	return -1;
}

/* Waits until the data connection is ready for events (or the control
 * connection has something): XFER_READY, or an xfer_end. */
static int wait_data(struct session *s, struct xfer *x, short events)
{
	if (x->tls && (events & POLLIN) && tls_pending(x->tls))
		return XFER_READY;
	for (;;) {
		struct pollfd pfd[3] = {
			{ x->data_fd, events, 0 },
			{ s->cfg->stop_fd, POLLIN, 0 },
			{ x->watch_ctrl ? s->ctrl_fd : -1, POLLIN, 0 },
		};
		int ms = s->cfg->data_timeout > 0 ? (int)(s->cfg->data_timeout * 1000) : -1;
		int n = poll(pfd, 3, ms), rc;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return XFER_LOCAL_ERROR;
		if (n == 0)
			return XFER_TIMEOUT;
		if (pfd[1].revents)
			return XFER_STOPPED;
		if (pfd[2].revents && (rc = check_ctrl(s, x)) >= 0)
			return rc;
		if (pfd[0].revents)
			return XFER_READY;
	}
}

static int data_write(struct session *s, struct xfer *x, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n;
		int rc = wait_data(s, x, POLLOUT);
		if (rc != XFER_READY)
			return rc;
		if (x->tls) {
			size_t done = 0;
			if (tls_write_full(x->tls, data, len, &done,
			                   clock_now_ns() + clock_seconds_to_ns(data_seconds(s))) < 0)
				return XFER_PEER_GONE;
			n = (ssize_t)len;
		} else {
			n = sock_send(x->data_fd, data, len);
			if (n < 0 && errno == EAGAIN)
				continue;
			if (n < 0)
				return XFER_PEER_GONE;
		}
		data += n;
		len -= (size_t)n;
		x->bytes += (uint64_t)n;
	}
	return XFER_OK;
}

static const char *end_name(int end)
{
	static const char *const names[] = { "ok",      "aborted",     "client gone",
		                             "timeout", "local error", "stopped" };
	return names[end];
}

static void log_transfer(struct session *s, struct xfer *x, int end)
{
	double seconds = (double)(clock_now_ns() - x->start_ns) / 1e9;
	char size[32];

	atomic_fetch_add(end == XFER_OK ? &s->stats->transfers : &s->stats->failed_transfers, 1);
	diag_verbose(1, "%s %s %s: %s in %.3f s (%s)", s->peer, x->command, x->path,
	             format_size(x->bytes, size, sizeof size), seconds, end_name(end));
	if (s->cfg->json) {
		struct buf out = { 0 };
		struct json j;
		char stamp[64];
		struct timespec now;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &now);
		gmtime_r(&now.tv_sec, &tm);
		snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, now.tv_nsec / 1000000);
		json_init(&j, &out);
		json_begin_object(&j, NULL);
		json_str(&j, "time", stamp);
		json_str(&j, "client", s->peer);
		json_str(&j, "user", s->anonymous ? "anonymous" : s->user);
		json_str(&j, "command", x->command);
		json_str(&j, "path", x->path);
		json_uint(&j, "bytes", x->bytes);
		json_fixed(&j, "seconds", seconds, 3);
		json_str(&j, "result", end == XFER_OK ? "ok" : end_name(end));
		json_end(&j);
		json_newline(&j);
		if (!j.failed) {
			pthread_mutex_lock(s->cfg->out_lock);
			if (io_write_full(STDOUT_FILENO, out.data, out.len) < 0)
				diag_verbose(1, "--json: write: %s", strerror(errno));
			pthread_mutex_unlock(s->cfg->out_lock);
		}
		buf_free(&out);
	}
}

/* The reply that ends a transfer (RFC 959 4.2, 5.4). */
static void reply_end(struct session *s, int end, int local_errno)
{
	switch (end) {
	case XFER_OK:
		reply(s, 226, "Transfer complete.");
		break;
	case XFER_ABORTED:
		reply(s, 426, "Transfer aborted.");
		reply(s, 226, "Abort successful.");
		break;
	case XFER_TIMEOUT:
		reply(s, 426, "Data connection timed out; transfer aborted.");
		break;
	case XFER_LOCAL_ERROR:
		if (local_errno == ENOSPC || local_errno == EDQUOT)
			reply(s, 452, "Insufficient storage space; transfer aborted.");
		else
			reply(s, 451, "Local error: %s; transfer aborted.", strerror(local_errno));
		break;
	case XFER_STOPPED:
		reply(s, 421, "Server shutting down.");
		s->quit = 1;
		break;
	default:
		reply(s, 426, "Connection closed; transfer aborted.");
		break;
	}
}

static void finish_transfer(struct xfer *x)
{
	if (x->tls)
		tls_conn_free(x->tls);
	x->tls = NULL;
	if (x->data_fd >= 0)
		close(x->data_fd);
	x->data_fd = -1;
}

/* Opens the data connection (and its TLS under PROT P) after the 150. */
static int start_transfer(struct session *s, struct xfer *x, const char *what)
{
	x->data_fd = open_data(s);
	x->tls = NULL;
	x->bytes = 0;
	x->watch_ctrl = 1;
	if (x->data_fd < 0)
		return -1;
	reply(s, 150, "%s", what);
	if (s->prot_private && s->tls) {
		char err[TLS_ERROR_MAX];
		uint64_t deadline =
		    clock_now_ns() + clock_seconds_to_ns(s->cfg->data_timeout > 0 ? s->cfg->data_timeout : 30);
		x->tls = tls_server_accept(s->cfg->tls, x->data_fd, deadline, err, sizeof err);
		if (!x->tls) {
			diag_verbose(1, "%s data: TLS: %s", s->peer, err);
			close(x->data_fd);
			x->data_fd = -1;
			reply(s, 522, "Data connection TLS negotiation failed: %s", err);
			return -1;
		}
		diag_verbose(1, "%s data: TLS, %s", s->peer,
		             tls_session_reused(x->tls) ? "the control connection's session resumed"
		                                        : "a new session");
		/* vsftpd's require_ssl_reuse: only the client that holds the
		 * control connection's session may open a data connection */
		if (s->cfg->require_reuse && !tls_session_reused(x->tls)) {
			finish_transfer(x);
			reply(s, 522, "Data connection must resume the control connection's TLS session.");
			return -1;
		}
	}
	x->start_ns = clock_now_ns();
	return 0;
}

/* ---- listings ---- */

/* The listing LIST, NLST, MLSD or STAT asks for: 0, or -1 after a reply. */
static int build_listing(struct session *s, const char *arg, enum ftpd_list_kind kind, struct buf *out,
                         char *path)
{
	struct stat st;
	int all, fd;

	if (kind != FTPD_LIST_MLSD)
		arg = ftpcmd_list_arg(arg, &all);
	if (ftpcmd_path(s->cwd, arg, path, FTPCMD_PATH_MAX) < 0) {
		reply(s, 550, "Permission denied.");
		return -1;
	}
	fd = beneath_open(s->cfg->root_fd, ftpcmd_relative(path),
	                  O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0);
	if (fd < 0 || fstat(fd, &st) < 0) {
		reply_errno(s, errno);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		if (ftpd_list_directory(fd, kind, s->cfg->writable, out) < 0) {
			reply_errno(s, errno);
			return -1;
		}
		return 0;
	}
	close(fd);
	if (kind == FTPD_LIST_MLSD) {
		reply(s, 501, "Not a directory: use MLST for a file.");
		return -1;
	}
	if (kind == FTPD_LIST_NAMES)
		buf_printf(out, "%s\r\n", arg);
	else
		ftpd_list_line(out, ftpcmd_basename(path), &st, NULL, time(NULL));
	return 0;
}

static void cmd_list(struct session *s, const char *verb, const char *arg, enum ftpd_list_kind kind)
{
	struct buf listing = { 0 };
	char path[FTPCMD_PATH_MAX];
	struct xfer x = { .command = verb, .path = path };
	int end;

	if (build_listing(s, arg, kind, &listing, path) < 0) {
		close_pasv(s);
		buf_free(&listing);
		return;
	}
	if (start_transfer(s, &x, "Here comes the directory listing.") == 0) {
		end = data_write(s, &x, listing.data ? listing.data : "", listing.len);
		finish_transfer(&x);
		reply_end(s, end, 0);
	}
	buf_free(&listing);
}

/* ---- file transfers ---- */

static void cmd_retr(struct session *s, const char *arg)
{
	char path[FTPCMD_PATH_MAX], what[FTPCMD_PATH_MAX + 100], size[32];
	struct xfer x = { .command = "RETR", .path = path };
	struct stat st;
	off_t offset = (off_t)s->rest;
	int fd, end = XFER_OK, err = 0;

	s->rest = 0;
	if (resolve(s, arg, path) < 0) {
		close_pasv(s);
		return;
	}
	fd = beneath_open(s->cfg->root_fd, ftpcmd_relative(path),
	                  O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0 && fstat(fd, &st) == 0)
			reply(s, 550, "Not a plain file.");
		else
			reply_errno(s, errno);
		if (fd >= 0)
			close(fd);
		close_pasv(s);
		return;
	}
	snprintf(what, sizeof what, "Opening BINARY mode data connection for %s (%lld bytes).",
	         ftpcmd_basename(path), (long long)st.st_size);
	if (start_transfer(s, &x, what) < 0) {
		close(fd);
		return;
	}
	/* As in receive_into: call again at once while the socket takes
	 * bytes, poll(2) when it is full and once per RECV_POLL_EVERY calls. */
	for (unsigned calls = 0, ready = 0; end == XFER_OK && offset < st.st_size; calls++) {
		size_t want = (size_t)(st.st_size - offset < XFER_CHUNK ? st.st_size - offset : XFER_CHUNK);
		ssize_t n;
		if (!ready || calls % RECV_POLL_EVERY == 0) {
			if ((end = wait_data(s, &x, POLLOUT)) != XFER_READY)
				break;
			end = XFER_OK;
		}
		ready = 0;
		if (x.tls && tls_ktls_send(x.tls)) {
			/* kTLS: the kernel encrypts, the file never leaves it */
			n = tls_sendfile(x.tls, fd, offset, want);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (n <= 0) {
				end = XFER_PEER_GONE, err = errno;
				break;
			}
			offset += n;
			x.bytes += (uint64_t)n;
			continue;
		}
		if (x.tls) {
			/* TLS in user space: the bytes must pass through OpenSSL */
			if (!s->xfer_buf && !(s->xfer_buf = malloc(XFER_CHUNK))) {
				end = XFER_LOCAL_ERROR, err = errno;
				break;
			}
			n = pread(fd, s->xfer_buf, want, offset);
			if (n <= 0) {
				end = XFER_LOCAL_ERROR, err = n < 0 ? errno : EIO;
				break;
			}
			if ((end = data_write(s, &x, s->xfer_buf, (size_t)n)) != XFER_OK)
				break;
			offset += n;
			continue;
		}
		n = sendfile(x.data_fd, fd, &offset, want);
		ready = n == (ssize_t)want; /* a short count: the socket is full */
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0) {
			end = (errno == EPIPE || errno == ECONNRESET) ? XFER_PEER_GONE : XFER_LOCAL_ERROR;
			err = errno;
		} else if (n == 0) {
			end = XFER_LOCAL_ERROR, err = EIO; /* the file shrank under us */
		} else {
			x.bytes += (uint64_t)n;
		}
	}
	if (end == XFER_OK)
		diag_verbose(1, "%s %s: %s in %.3f s", s->peer,
		             !x.tls                 ? "sendfile"
		             : tls_ktls_send(x.tls) ? "SSL_sendfile (kTLS)"
		                                    : "SSL_write",
		             format_size(x.bytes, size, sizeof size),
		             (double)(clock_now_ns() - x.start_ns) / 1e9);
	atomic_fetch_add(&s->stats->bytes_out, x.bytes);
	close(fd);
	finish_transfer(&x);
	log_transfer(s, &x, end);
	reply_end(s, end, err);
}

/*
 * 1 when the client has closed its control connection too: a data
 * connection that ends together with it is a client that went away, not
 * the end of a file (stream mode has no other end marker, RFC 959 3.4.1).
 * A process that dies closes both sockets in the same exit, but not in an
 * order we can rely on, so the control connection gets VANISH_GRACE_MS to
 * show its end; a live client keeps it open, waiting for our 226.
 */
static int client_vanished(struct session *s)
{
	struct pollfd pfd = { s->ctrl_fd, POLLRDHUP, 0 };
	int unread = 0;

	if (poll(&pfd, 1, VANISH_GRACE_MS) <= 0 || !(pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)))
		return 0;
	/* a client that said something (QUIT) before it closed did not die */
	if (ioctl(s->ctrl_fd, FIONREAD, &unread) == 0 && unread > 0)
		return 0;
	return !ftpcmd_reader_pending(&s->rd) && !s->has_pending;
}

/* Receives the data connection into fd: an xfer_end, *err set for a local error. */
static int receive_into(struct session *s, struct xfer *x, int fd, int *err)
{
	if (!s->xfer_buf && !(s->xfer_buf = malloc(XFER_CHUNK))) {
		*err = errno;
		return XFER_LOCAL_ERROR;
	}
	/* While bytes keep coming, read again at once: one poll(2) per
	 * RECV_POLL_EVERY reads is enough to see an ABOR or a stop. */
	for (unsigned reads = 0, ready = 0;; reads++) {
		ssize_t n;
		if (!ready || reads % RECV_POLL_EVERY == 0) {
			int rc = wait_data(s, x, POLLIN);
			if (rc != XFER_READY)
				return rc;
		}
		if (x->tls)
			n = tls_read(x->tls, s->xfer_buf, XFER_CHUNK, clock_now_ns() + 1000000000ull * 30);
		else
			n = recv(x->data_fd, s->xfer_buf, XFER_CHUNK, 0);
		ready = n > 0;
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return XFER_PEER_GONE;
		if (n == 0)
			return client_vanished(s) ? XFER_PEER_GONE : XFER_OK;
		if (io_write_full(fd, s->xfer_buf, (size_t)n) < 0) {
			*err = errno;
			return XFER_LOCAL_ERROR;
		}
		x->bytes += (uint64_t)n;
		atomic_fetch_add(&s->stats->bytes_in, (uint64_t)n);
	}
}

static int refuse_write(struct session *s)
{
	if (s->cfg->writable)
		return 0;
	reply(s, 550, "Permission denied: the server is read-only.");
	return 1;
}

/* STOR (atomic, or at REST's offset), APPE. */
static void cmd_store(struct session *s, const char *verb, const char *arg, int append)
{
	char path[FTPCMD_PATH_MAX], tmp_path[64 + FTPCMD_PATH_MAX];
	struct xfer x = { .command = verb, .path = path };
	struct atomic out = { .fd = -1 };
	const char *name;
	struct stat st;
	uint64_t offset = s->rest;
	int dir_fd, fd = -1, end, err = 0, direct = append || offset > 0;

	s->rest = 0;
	if (refuse_write(s) || resolve(s, arg, path) < 0 || (dir_fd = open_parent(s, path, &name)) < 0) {
		close_pasv(s);
		return;
	}
	/* never through a symlink, a directory or a device, whatever it points at */
	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode)) {
		reply(s, 550, "Not a plain file.");
		goto out;
	}
	if (direct) {
		fd = openat(dir_fd, name,
		            O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | (append ? O_APPEND : 0),
		            0666);
		if (fd >= 0 && !append && lseek(fd, (off_t)offset, SEEK_SET) < 0)
			close(fd), fd = -1;
	} else {
		/* file/atomic names the temporary file beside the target; the
		 * directory is reached through its descriptor, which was opened
		 * beneath the root, so nothing outside can be touched */
		snprintf(tmp_path, sizeof tmp_path, "/proc/self/fd/%d/%s", dir_fd, name);
		if (atomic_open(&out, tmp_path, 0) == 0)
			fd = out.fd;
	}
	if (fd < 0) {
		reply_errno(s, errno);
		goto out;
	}
	if (start_transfer(s, &x, "Ok to send data.") < 0)
		goto out;
	end = receive_into(s, &x, fd, &err);
	finish_transfer(&x);
	if (!direct) {
		if (end == XFER_OK || s->cfg->keep_partial) {
			if (atomic_commit(&out) < 0 && end == XFER_OK)
				end = XFER_LOCAL_ERROR, err = errno;
		}
		if (end != XFER_OK && !s->cfg->keep_partial)
			diag_verbose(1, "%s %s %s: incomplete, removed", s->peer, verb, path);
	}
	log_transfer(s, &x, end);
	reply_end(s, end, err);
out:
	if (direct && fd >= 0)
		close(fd);
	atomic_abort(&out);
	close(dir_fd);
	close_pasv(s);
}

/* ---- file and directory commands ---- */

static void cmd_size_mdtm(struct session *s, const char *arg, int mdtm)
{
	char path[FTPCMD_PATH_MAX];
	struct stat st;
	int fd;

	if (resolve(s, arg, path) < 0)
		return;
	fd = beneath_open(s->cfg->root_fd, ftpcmd_relative(path), O_PATH | O_CLOEXEC, 0);
	if (fd < 0 || fstat(fd, &st) < 0) {
		reply_errno(s, errno);
	} else if (!S_ISREG(st.st_mode)) {
		reply(s, 550, "Not a plain file.");
	} else if (mdtm) {
		struct tm tm;
		char when[16];
		gmtime_r(&st.st_mtime, &tm);
		strftime(when, sizeof when, "%Y%m%d%H%M%S", &tm);
		reply(s, 213, "%s", when);
	} else {
		reply(s, 213, "%lld", (long long)st.st_size);
	}
	if (fd >= 0)
		close(fd);
}

static void cmd_mlst(struct session *s, const char *arg)
{
	char path[FTPCMD_PATH_MAX];
	struct buf facts = { 0 };
	struct stat st;
	int fd;

	if (ftpcmd_path(s->cwd, arg, path, sizeof path) < 0) {
		reply(s, 550, "Permission denied.");
		return;
	}
	fd = beneath_open(s->cfg->root_fd, ftpcmd_relative(path), O_PATH | O_CLOEXEC, 0);
	if (fd < 0 || fstat(fd, &st) < 0) {
		reply_errno(s, errno);
	} else {
		ftpd_list_facts(&facts, path, &st, s->cfg->writable);
		if (facts.len >= 2)
			facts.data[facts.len - 2] = '\0'; /* the CR LF: reply_lines adds its own */
		reply_lines(s, 250, "Listing", facts.data, "End");
	}
	if (fd >= 0)
		close(fd);
	buf_free(&facts);
}

static void cmd_hash(struct session *s, const char *arg)
{
	char path[FTPCMD_PATH_MAX], hex[DIGEST_HEX_MAX];
	struct stat st;
	int fd;

	if (resolve(s, arg, path) < 0)
		return;
	fd = beneath_open(s->cfg->root_fd, ftpcmd_relative(path),
	                  O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0);
	if (fd < 0 || fstat(fd, &st) < 0) {
		reply_errno(s, errno);
	} else if (!S_ISREG(st.st_mode)) {
		reply(s, 550, "Not a plain file.");
	} else if (digest_fd(fd, s->hash_algo, 0, -1, hex) < 0) {
		reply(s, 451, "Local error: %s.", strerror(errno));
	} else {
		/* draft-bryan-ftpext-hash 3.3: ALGO START-END HASH PATH */
		reply(s, 213, "%s 0-%lld %s %s", digest_algo_name(s->hash_algo), (long long)st.st_size, hex,
		      arg);
	}
	if (fd >= 0)
		close(fd);
}

static void cmd_cwd(struct session *s, const char *arg)
{
	char path[FTPCMD_PATH_MAX];
	int fd;

	if (resolve(s, arg, path) < 0)
		return;
	fd = beneath_open(s->cfg->root_fd, ftpcmd_relative(path), O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0) {
		reply(s, 550, "Failed to change directory.");
		return;
	}
	close(fd);
	memcpy(s->cwd, path, sizeof s->cwd);
	reply(s, 250, "Directory successfully changed.");
}

/* DELE, RMD, MKD, RNTO: one call on a name in its directory. */
static void cmd_change(struct session *s, const char *verb, const char *arg)
{
	char path[FTPCMD_PATH_MAX], quoted[2 * FTPCMD_PATH_MAX];
	const char *name;
	int dir_fd, rc;

	if (refuse_write(s) || resolve(s, arg, path) < 0 || (dir_fd = open_parent(s, path, &name)) < 0)
		return;
	if (strcmp(verb, "DELE") == 0) {
		struct stat st;
		rc = fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW);
		if (rc == 0 && S_ISDIR(st.st_mode))
			errno = EISDIR, rc = -1;
		else if (rc == 0)
			rc = unlinkat(dir_fd, name, 0);
	} else if (strcmp(verb, "RMD") == 0 || strcmp(verb, "XRMD") == 0) {
		rc = unlinkat(dir_fd, name, AT_REMOVEDIR);
	} else {
		rc = mkdirat(dir_fd, name, 0777);
	}
	if (rc < 0)
		reply_errno(s, errno);
	else if (strcmp(verb, "MKD") == 0 || strcmp(verb, "XMKD") == 0)
		reply(s, 257, "\"%s\" created.", ftpcmd_quote(path, quoted, sizeof quoted));
	else
		reply(s, 250, "%s successful.",
		      verb[0] == 'D' ? "Delete operation" : "Remove directory operation");
	close(dir_fd);
}

static void cmd_rnfr(struct session *s, const char *arg)
{
	char path[FTPCMD_PATH_MAX];
	const char *name;
	struct stat st;
	int dir_fd;

	s->has_rnfr = 0;
	if (refuse_write(s) || resolve(s, arg, path) < 0 || (dir_fd = open_parent(s, path, &name)) < 0)
		return;
	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		reply_errno(s, errno);
	} else {
		memcpy(s->rnfr, path, sizeof s->rnfr);
		s->has_rnfr = 1;
		reply(s, 350, "Ready for RNTO.");
	}
	close(dir_fd);
}

static void cmd_rnto(struct session *s, const char *arg)
{
	char path[FTPCMD_PATH_MAX];
	const char *from_name, *to_name;
	int from_fd, to_fd;

	if (!s->has_rnfr) {
		reply(s, 503, "RNFR required first.");
		return;
	}
	s->has_rnfr = 0;
	if (refuse_write(s) || resolve(s, arg, path) < 0 || (from_fd = open_parent(s, s->rnfr, &from_name)) < 0)
		return;
	if ((to_fd = open_parent(s, path, &to_name)) >= 0) {
		if (renameat(from_fd, from_name, to_fd, to_name) < 0)
			reply_errno(s, errno);
		else
			reply(s, 250, "Rename successful.");
		close(to_fd);
	}
	close(from_fd);
}

/* ---- data connection commands ---- */

static void cmd_pasv(struct session *s, int extended)
{
	int port;

	if (s->epsv_all && !extended) {
		reply(s, 501, "EPSV ALL given: only EPSV now.");
		return;
	}
	if (!extended && s->local_ss.ss_family != AF_INET) {
		reply(s, 425, "PASV is IPv4 only: use EPSV.");
		return;
	}
	if ((port = listen_passive(s, extended ? "EPSV" : "PASV")) < 0) {
		reply(s, 425, "Cannot open a passive connection: %s.", strerror(errno));
		return;
	}
	if (extended) {
		reply(s, 229, "Entering Extended Passive Mode (|||%d|).", port);
	} else {
		struct in_addr a = ((struct sockaddr_in *)&s->local_ss)->sin_addr;
		uint32_t h;
		if (s->cfg->pasv_address)
			inet_pton(AF_INET, s->cfg->pasv_address, &a);
		h = ntohl(a.s_addr);
		reply(s, 227, "Entering Passive Mode (%u,%u,%u,%u,%d,%d).", h >> 24, (h >> 16) & 255,
		      (h >> 8) & 255, h & 255, port >> 8, port & 255);
	}
}

static void cmd_port(struct session *s, const char *arg, int extended)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char text[ADDR_TEXT_MAX];

	close_pasv(s);
	if (s->epsv_all) {
		reply(s, 501, "EPSV ALL given: only EPSV now.");
		return;
	}
	if ((extended ? ftpcmd_parse_eprt(arg, &ss, &len) : ftpcmd_parse_port(arg, &ss, &len)) < 0) {
		reply(s, 501, "Illegal %s command.", extended ? "EPRT" : "PORT");
		return;
	}
	addr_format((struct sockaddr *)&ss, len, text, sizeof text);
	/* RFC 2577 3: no bounce; data goes only to the client, never to a
	 * privileged port */
	if (!same_host(&ss, &s->peer_ss) || addr_port((struct sockaddr *)&ss) < 1024) {
		diag_verbose(1, "%s data: refused %s %s (not the client's address, or a port below 1024)",
		             s->peer, extended ? "EPRT" : "PORT", text);
		reply(s, 504, "Refused: data goes only to your own address, on a port from 1024.");
		return;
	}
	s->port_ss = ss;
	s->port_len = len;
	s->has_port = 1;
	reply(s, 200, "%s command successful. Consider using EPSV.", extended ? "EPRT" : "PORT");
}

/* ---- login ---- */

static const struct ftpd_user *find_user(struct session *s, const char *name)
{
	for (size_t i = 0; i < s->cfg->user_count; i++)
		if (strcmp(s->cfg->users[i].name, name) == 0)
			return &s->cfg->users[i];
	return NULL;
}

static int is_anonymous_name(const char *name)
{
	return strcasecmp(name, "anonymous") == 0 || strcasecmp(name, "ftp") == 0;
}

static void cmd_user(struct session *s, const char *arg)
{
	if (s->cfg->require_tls && !s->tls) {
		reply(s, 530, "Encryption required: AUTH TLS first.");
		return;
	}
	if (!arg[0]) {
		reply(s, 501, "Syntax error: a user name is needed.");
		return;
	}
	s->logged_in = 0;
	s->anonymous = 0;
	snprintf(s->user, sizeof s->user, "%s", arg);
	s->user_given = 1;
	reply(s, 331, "Please specify the password.");
}

static void login_failed(struct session *s)
{
	uint64_t until = clock_now_ns() + clock_seconds_to_ns(s->cfg->login_delay);
	int ms;

	atomic_fetch_add(&s->stats->login_failures, 1);
	s->failures++;
	diag_verbose(1, "%s login as '%s' failed (%u of %u)", s->peer, s->user, s->failures,
	             s->cfg->max_login_failures);
	/* a delay makes guessing slow; the stop descriptor still ends it */
	while ((ms = clock_ms_until(until)) > 0 && wait_fd(s, s->cfg->stop_fd, POLLIN, ms / 1000.0) == 0)
		;
	if (s->cfg->max_login_failures && s->failures >= s->cfg->max_login_failures) {
		reply(s, 421, "Too many failed logins: closing.");
		s->quit = 1;
		return;
	}
	reply(s, 530, "Login incorrect.");
}

static void cmd_pass(struct session *s, const char *arg)
{
	const struct ftpd_user *u;

	if (!s->user_given) {
		reply(s, 503, "Login with USER first.");
		return;
	}
	if (s->logged_in) {
		reply(s, 230, "Already logged in.");
		return;
	}
	s->user_given = 0;
	if (s->cfg->anonymous && is_anonymous_name(s->user)) {
		s->logged_in = s->anonymous = 1;
	} else if ((u = find_user(s, s->user)) != NULL && ftpd_password_ok(u, arg)) {
		s->logged_in = 1;
	} else {
		login_failed(s);
		return;
	}
	atomic_fetch_add(&s->stats->logins, 1);
	diag_verbose(1, "%s logged in as %s%s", s->peer, s->anonymous ? "anonymous" : s->user,
	             s->cfg->writable ? "" : " (read-only)");
	reply(s, 230, "Login successful.");
}

/* ---- TLS (RFC 4217) ---- */

static void cmd_auth(struct session *s, const char *arg)
{
	char err[TLS_ERROR_MAX];

	if (!s->cfg->tls) {
		reply(s, 502, "TLS is not configured (--cert, --key).");
		return;
	}
	if (s->tls) {
		reply(s, 503, "Already using TLS.");
		return;
	}
	if (strcasecmp(arg, "TLS") != 0 && strcasecmp(arg, "TLS-C") != 0 && strcasecmp(arg, "SSL") != 0) {
		reply(s, 504, "Unknown AUTH type: use AUTH TLS.");
		return;
	}
	reply(s, 234, "Proceed with negotiation.");
	/* RFC 4217 4: a new login follows the handshake */
	s->logged_in = s->user_given = 0;
	s->tls = tls_server_accept(s->cfg->tls, s->ctrl_fd, clock_now_ns() + clock_seconds_to_ns(30), err,
	                           sizeof err);
	if (!s->tls) {
		diag_verbose(1, "%s TLS handshake failed: %s", s->peer, err);
		s->quit = 1;
		return;
	}
	diag_verbose(1, "%s control connection: TLS", s->peer);
}

static void cmd_prot(struct session *s, const char *arg)
{
	if (!s->tls) {
		reply(s, 503, "PROT needs AUTH TLS first.");
	} else if (!s->pbsz_done) {
		reply(s, 503, "PBSZ first.");
	} else if (strcasecmp(arg, "P") == 0) {
		s->prot_private = 1;
		reply(s, 200, "PROT now Private.");
	} else if (strcasecmp(arg, "C") == 0) {
		if (s->cfg->require_tls) {
			reply(s, 534, "PROT C refused: data must be encrypted.");
			return;
		}
		s->prot_private = 0;
		reply(s, 200, "PROT now Clear.");
	} else {
		reply(s, 504, "PROT %s not supported.", arg);
	}
}

/* ---- everything else ---- */

static const char feat_text[] = "AUTH TLS\nEPRT\nEPSV\nHASH SHA-256*;MD5\nMDTM\n"
                                "MLST type*;size*;modify*;perm*;unix.mode*;\nPASV\nPBSZ\nPROT\nREST STREAM\n"
                                "SIZE\nTVFS\nUTF8";

static const char help_text[] = "ABOR APPE AUTH CDUP CWD  DELE EPRT EPSV FEAT HASH HELP LIST MDTM MKD\n"
                                "MLSD MLST MODE NLST NOOP OPTS PASS PASV PBSZ PORT PROT PWD  QUIT REST\n"
                                "RETR RMD  RNFR RNTO SIZE STAT STOR STRU SYST TYPE USER";

static void cmd_opts(struct session *s, const char *arg)
{
	if (strncasecmp(arg, "UTF8", 4) == 0) {
		reply(s, 200, "Always in UTF8 mode.");
	} else if (strncasecmp(arg, "HASH", 4) == 0) {
		const char *name = arg + 4;
		while (*name == ' ')
			name++;
		if (*name && digest_algo_parse(name, &s->hash_algo) < 0) {
			reply(s, 501, "Unknown algorithm: SHA-256 or MD5.");
			return;
		}
		reply(s, 200, "%s", digest_algo_name(s->hash_algo));
	} else {
		reply(s, 501, "Option not understood.");
	}
}

static void cmd_stat(struct session *s, const char *arg)
{
	char status[512];
	struct buf listing = { 0 };
	char path[FTPCMD_PATH_MAX];

	if (arg[0]) {
		if (build_listing(s, arg, FTPD_LIST_LONG, &listing, path) == 0) {
			/* the listing's CR LFs become the reply's line breaks */
			for (size_t i = 0; i < listing.len; i++)
				if (listing.data[i] == '\r')
					listing.data[i] = listing.len - i > 2 ? '\n' : '\0';
			for (char *p = listing.data; p && (p = strstr(p, "\n\n")) != NULL;)
				memmove(p, p + 1, strlen(p + 1) + 1);
			reply_lines(s, 213, "Status follows:", listing.data ? listing.data : "",
			            "End of status.");
		}
		buf_free(&listing);
		return;
	}
	snprintf(status, sizeof status,
	         "Connected to %s\nLogged in as %s\nTYPE: BINARY\nSession bandwidth: unlimited\n"
	         "Control connection: %s\nData connections: %s\nsockbox ftp-server",
	         s->peer, s->logged_in ? (s->anonymous ? "anonymous" : s->user) : "nobody",
	         s->tls ? "TLS" : "plain text", s->prot_private ? "TLS" : "plain text");
	reply_lines(s, 211, "FTP server status:", status, "End of status.");
}

/* Commands a client may send before it has logged in. */
static int allowed_before_login(const char *verb)
{
	static const char *const open[] = { "USER", "PASS", "QUIT", "NOOP", "FEAT", "SYST", "HELP",
		                            "OPTS", "AUTH", "PBSZ", "PROT", "ABOR", NULL };
	for (int i = 0; open[i]; i++)
		if (strcmp(verb, open[i]) == 0)
			return 1;
	return 0;
}

static void run_command(struct session *s, const struct ftpcmd *c)
{
	const char *v = c->verb, *a = c->arg;

	if (!s->logged_in && !allowed_before_login(v)) {
		reply(s, 530, "Please login with USER and PASS.");
	} else if (strcmp(v, "USER") == 0) {
		cmd_user(s, a);
	} else if (strcmp(v, "PASS") == 0) {
		cmd_pass(s, a);
	} else if (strcmp(v, "QUIT") == 0) {
		reply(s, 221, "Goodbye.");
		s->quit = 1;
	} else if (strcmp(v, "NOOP") == 0) {
		reply(s, 200, "NOOP ok.");
	} else if (strcmp(v, "SYST") == 0) {
		reply(s, 215, "UNIX Type: L8");
	} else if (strcmp(v, "FEAT") == 0) {
		reply_lines(s, 211, "Features:", feat_text, "End");
	} else if (strcmp(v, "HELP") == 0) {
		reply_lines(s, 214, "The following commands are recognized.", help_text, "Help OK.");
	} else if (strcmp(v, "OPTS") == 0) {
		cmd_opts(s, a);
	} else if (strcmp(v, "AUTH") == 0) {
		cmd_auth(s, a);
	} else if (strcmp(v, "PBSZ") == 0) {
		if (!s->tls)
			reply(s, 503, "PBSZ needs AUTH TLS first.");
		else
			s->pbsz_done = 1, reply(s, 200, "PBSZ=0");
	} else if (strcmp(v, "PROT") == 0) {
		cmd_prot(s, a);
	} else if (strcmp(v, "ABOR") == 0) {
		close_pasv(s);
		reply(s, 225, "No transfer to ABOR.");
	} else if (strcmp(v, "PWD") == 0 || strcmp(v, "XPWD") == 0) {
		char quoted[2 * FTPCMD_PATH_MAX];
		reply(s, 257, "\"%s\" is the current directory.", ftpcmd_quote(s->cwd, quoted, sizeof quoted));
	} else if (strcmp(v, "CWD") == 0 || strcmp(v, "XCWD") == 0) {
		cmd_cwd(s, a);
	} else if (strcmp(v, "CDUP") == 0 || strcmp(v, "XCUP") == 0) {
		cmd_cwd(s, "..");
	} else if (strcmp(v, "TYPE") == 0) {
		/* ASCII is accepted and sends bytes unchanged, as vsftpd does */
		if (strcasecmp(a, "I") == 0 || strcasecmp(a, "L 8") == 0)
			reply(s, 200, "Switching to Binary mode.");
		else if (strcasecmp(a, "A") == 0 || strcasecmp(a, "A N") == 0)
			reply(s, 200, "Switching to ASCII mode.");
		else
			reply(s, 504, "TYPE %s not supported.", a);
	} else if (strcmp(v, "MODE") == 0) {
		if (strcasecmp(a, "S") == 0)
			reply(s, 200, "Mode set to S.");
		else
			reply(s, 504, "Only MODE S is supported.");
	} else if (strcmp(v, "STRU") == 0) {
		if (strcasecmp(a, "F") == 0)
			reply(s, 200, "Structure set to F.");
		else
			reply(s, 504, "Only STRU F is supported.");
	} else if (strcmp(v, "STAT") == 0) {
		cmd_stat(s, a);
	} else if (strcmp(v, "PASV") == 0) {
		cmd_pasv(s, 0);
	} else if (strcmp(v, "EPSV") == 0) {
		if (strcasecmp(a, "ALL") == 0)
			s->epsv_all = 1, reply(s, 200, "EPSV ALL ok.");
		else
			cmd_pasv(s, 1);
	} else if (strcmp(v, "PORT") == 0) {
		cmd_port(s, a, 0);
	} else if (strcmp(v, "EPRT") == 0) {
		cmd_port(s, a, 1);
	} else if (strcmp(v, "REST") == 0) {
		if (ftpcmd_parse_offset(a, &s->rest) < 0)
			reply(s, 501, "REST needs a byte offset.");
		else
			reply(s, 350, "Restart position accepted (%llu).", (unsigned long long)s->rest);
	} else if (strcmp(v, "LIST") == 0) {
		cmd_list(s, v, a, FTPD_LIST_LONG);
	} else if (strcmp(v, "NLST") == 0) {
		cmd_list(s, v, a, FTPD_LIST_NAMES);
	} else if (strcmp(v, "MLSD") == 0) {
		cmd_list(s, v, a, FTPD_LIST_MLSD);
	} else if (strcmp(v, "MLST") == 0) {
		cmd_mlst(s, a);
	} else if (strcmp(v, "SIZE") == 0) {
		cmd_size_mdtm(s, a, 0);
	} else if (strcmp(v, "MDTM") == 0) {
		cmd_size_mdtm(s, a, 1);
	} else if (strcmp(v, "HASH") == 0) {
		cmd_hash(s, a);
	} else if (strcmp(v, "RETR") == 0) {
		cmd_retr(s, a);
	} else if (strcmp(v, "STOR") == 0) {
		cmd_store(s, v, a, 0);
	} else if (strcmp(v, "APPE") == 0) {
		cmd_store(s, v, a, 1);
	} else if (strcmp(v, "DELE") == 0 || strcmp(v, "RMD") == 0 || strcmp(v, "XRMD") == 0 ||
	           strcmp(v, "MKD") == 0 || strcmp(v, "XMKD") == 0) {
		cmd_change(s, v, a);
	} else if (strcmp(v, "RNFR") == 0) {
		cmd_rnfr(s, a);
	} else if (strcmp(v, "RNTO") == 0) {
		cmd_rnto(s, a);
	} else if (strcmp(v, "ALLO") == 0) {
		reply(s, 202, "ALLO command ignored.");
	} else if (strcmp(v, "ACCT") == 0 || strcmp(v, "SMNT") == 0 || strcmp(v, "REIN") == 0 ||
	           strcmp(v, "STOU") == 0 || strcmp(v, "SITE") == 0) {
		reply(s, 502, "%s not implemented.", v);
	} else {
		reply(s, 500, "Unknown command.");
	}
}

/* Narrates a command line as received; a password never shows. */
static void narrate_command(struct session *s, const struct ftpcmd *c)
{
	if (diag_verbosity() < 1)
		return;
	if (strcmp(c->verb, "PASS") == 0)
		diag_verbose(1, "%s <- PASS ****", s->peer);
	else
		diag_verbose(1, "%s <- %s%s%s", s->peer, c->verb, c->arg[0] ? " " : "", c->arg);
}

/* The next line of the control connection into s->line: 1, or 0 when the
 * session must end (after a reply, where one is due). */
static int next_line(struct session *s)
{
	if (s->has_pending) {
		memcpy(s->line, s->pending, sizeof s->line);
		s->has_pending = 0;
		return 1;
	}
	for (;;) {
		enum ftpcmd_line got = ftpcmd_reader_take(&s->rd, s->line);
		int ms, rc;
		if (got == FTPCMD_LINE)
			return 1;
		if (got == FTPCMD_TOO_LONG) {
			reply(s, 500, "Command line too long.");
			if (s->quit)
				return 0;
			continue;
		}
		ms = s->cfg->idle_timeout > 0 ? (int)(s->cfg->idle_timeout * 1000) : -1;
		rc = ctrl_fill(s, ms);
		if (rc == -2) {
			reply(s, 421, "Timeout.");
			return 0;
		}
		if (rc == -3) {
			reply(s, 421, "Server shutting down.");
			return 0;
		}
		if (rc <= 0)
			return 0;
	}
}

void ftpd_session(const struct ftpd_config *cfg, struct ftpd_stats *stats, int ctrl_fd, const char *peer)
{
	struct session *s = calloc(1, sizeof *s);

	if (!s) {
		close(ctrl_fd);
		return;
	}
	s->cfg = cfg;
	s->stats = stats;
	s->ctrl_fd = ctrl_fd;
	s->peer = peer;
	s->pasv_fd = -1;
	s->hash_algo = DIGEST_SHA256;
	strcpy(s->cwd, "/");
	ftpcmd_reader_init(&s->rd);
	s->peer_len = sizeof s->peer_ss;
	s->local_len = sizeof s->local_ss;
	if (getpeername(ctrl_fd, (struct sockaddr *)&s->peer_ss, &s->peer_len) < 0 ||
	    getsockname(ctrl_fd, (struct sockaddr *)&s->local_ss, &s->local_len) < 0) {
		close(ctrl_fd);
		free(s);
		return;
	}
	/* RFC 959 4.1.3: ABOR may come as Telnet "urgent" data (python's
	 * ftplib sends its last byte with MSG_OOB): keep that byte in the
	 * stream, or the line would never end */
	(void)setsockopt(ctrl_fd, SOL_SOCKET, SO_OOBINLINE, &(int){ 1 }, sizeof(int));
	reply(s, 220, "sockbox ftp-server ready.");
	while (!s->quit && next_line(s)) {
		struct ftpcmd cmd;
		atomic_fetch_add(&stats->commands, 1);
		if (ftpcmd_parse(s->line, &cmd) < 0) {
			diag_verbose(1, "%s <- (not a command)", s->peer);
			reply(s, 500, "Unknown command.");
			continue;
		}
		narrate_command(s, &cmd);
		run_command(s, &cmd);
	}
	close_pasv(s);
	if (s->tls)
		tls_conn_free(s->tls);
	close(ctrl_fd);
	free(s->xfer_buf);
	free(s);
}
