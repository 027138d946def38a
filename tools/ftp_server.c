/*
 * ftp_server.c - sockbox ftp-server: a real FTP file server, a thread per
 * client.
 *
 * Concept: an application protocol over TCP with two connections per
 * session: text commands and numeric replies on the control connection,
 * one data connection per transfer whose end (the close) marks the end of
 * the file; passive and active data connections; explicit TLS.  The
 * course's file server with its '##' sentinel and sleeps, done the way
 * every FTP client on earth expects.
 *
 * References: RFC 959 (FTP), RFC 2428 (EPSV, EPRT), RFC 3659 (SIZE, MDTM,
 * REST, MLST), RFC 2577 (security), RFC 4217 (FTP over TLS), RFC 2389
 * (FEAT, OPTS), draft-bryan-ftpext-hash (HASH); crypt(3), sendfile(2),
 * openat2(2), pthread_create(3).  The session itself is lib/ftp/ftpd.
 */
#include "tools.h"

#include "ftp/ftpd.h"

#include "base/clock.h"
#include "cli/diag.h"
#include "cli/opt.h"
#include "cli/parse.h"
#include "net/addr.h"
#include "net/sock.h"
#include "net/tls.h"
#include "serve/server.h"
#include "sig/sig.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

enum {
	OPT_ROOT = 'r',
	OPT_WRITABLE = 'w',
	OPT_ANONYMOUS = OPT_LONG_ONLY,
	OPT_PASSWD,
	OPT_MAX_LOGIN_FAILURES,
	OPT_LOGIN_DELAY,
	OPT_KEEP_PARTIAL,
	OPT_MAX_CLIENTS,
	OPT_MAX_PER_IP,
	OPT_IDLE_TIMEOUT,
	OPT_DATA_TIMEOUT,
	OPT_PASV_PORTS,
	OPT_PASV_ADDRESS,
	OPT_CERT,
	OPT_KEY,
	OPT_REQUIRE_TLS,
	OPT_REQUIRE_REUSE,
	OPT_JSON,
};

static const struct opt_spec options[] = {
	{ OPT_ROOT, "root", "DIR", "serve the files under DIR (default: the current directory)" },
	{ OPT_WRITABLE, "writable", NULL, "allow STOR APPE DELE MKD RMD RNFR RNTO (default: read-only)" },
	{ OPT_ANONYMOUS, "anonymous", NULL, "accept USER anonymous or ftp even with --passwd" },
	{ OPT_PASSWD, "passwd", "FILE", "accounts: name:HASH lines, crypt(3) hashes (anonymous off)" },
	{ OPT_MAX_LOGIN_FAILURES, "max-login-failures", "N",
	  "close the connection after N failed logins (default 3)" },
	{ OPT_LOGIN_DELAY, "login-delay", "SECS", "wait SECS before answering a failed login (default 1)" },
	{ OPT_KEEP_PARTIAL, "keep-partial", NULL, "keep an interrupted upload under its name (for resuming)" },
	{ OPT_MAX_CLIENTS, "max-clients", "N", "serve at most N clients at once, 421 to others (default 200)" },
	{ OPT_MAX_PER_IP, "max-per-ip", "N", "at most N clients at once from one address (default: no limit)" },
	{ OPT_IDLE_TIMEOUT, "idle-timeout", "SECS", "close a control connection idle for SECS (default 300)" },
	{ OPT_DATA_TIMEOUT, "data-timeout", "SECS", "abort a transfer without progress for SECS (default 60)" },
	{ OPT_PASV_PORTS, "pasv-ports", "LOW-HIGH", "passive data connections on these ports (default: any)" },
	{ OPT_PASV_ADDRESS, "pasv-address", "ADDR", "IPv4 address PASV announces (behind NAT)" },
	{ OPT_CERT, "cert", "FILE", "certificate chain (PEM) for AUTH TLS" },
	{ OPT_KEY, "key", "FILE", "private key (PEM) for AUTH TLS" },
	{ OPT_REQUIRE_TLS, "require-tls", NULL, "refuse USER before AUTH TLS and data before PROT P" },
	{ OPT_REQUIRE_REUSE, "require-reuse", NULL,
	  "refuse a TLS data connection that does not resume the session" },
	{ OPT_JSON, "json", NULL, "one JSON line per transfer on stdout" },
	{ 'v', "verbose", NULL, "narrate commands, replies and data connections" },
	{ 0, NULL, NULL, NULL },
};

static const struct opt_help help_for[] = {
	{ 'b', "address to listen on (default 127.0.0.1; ADDR:PORT, [V6]:PORT; not unix:)" },
	{ 'p', "port to listen on (default 2121; 0 for any free one)" },
	{ 0, NULL },
};

const struct opt_tool ftp_server_tool = {
	.name = "ftp-server",
	.usage = "[OPTIONS] [--root DIR]",
	.summary =
	    "FTP file server (RFC 959): passive and active, resume, atomic uploads, HASH, explicit TLS",
	.specs = options,
	.shared = server_blocks,
	.help_for = help_for,
};

/* One client being served. */
struct client {
	int in_use;
	atomic_int done;
	int fd;
	pthread_t thread;
	struct sockaddr_storage addr;
	char peer[ADDR_TEXT_MAX];
	struct ftp_server *fs;
};

struct ftp_server {
	struct server_config config;
	struct server srv;
	struct ftpd_config ftpd;
	struct ftpd_stats stats;
	const char *root;
	const char *passwd;
	const char *cert, *key;
	int anonymous_given;
	unsigned max_clients, max_per_ip;
	struct ftpd_user *users;
	pthread_mutex_t out_lock;
	struct client *clients;
	unsigned active;
	uint64_t accepted, refused;
	int notify_fd;
	sigset_t open_mask;
	uint64_t start_ns;
};

/* ---- options ---- */

static int bad_count(int key, const char *arg, uint64_t min, uint64_t max, uint64_t *out)
{
	if (parse_uint(arg, min, max, out) < 0)
		return opt_bad_value(&ftp_server_tool, key, arg, "expected a whole number from %llu to %llu",
		                     (unsigned long long)min, (unsigned long long)max);
	return EXIT_OK;
}

static int bad_seconds(int key, const char *arg, double *out)
{
	if (parse_seconds(arg, 0, 86400 * 365, out) < 0)
		return opt_bad_value(&ftp_server_tool, key, arg, "expected seconds, such as 30 or 2.5");
	return EXIT_OK;
}

static int parse_ports(struct ftp_server *fs, const char *arg)
{
	const char *dash = strchr(arg, '-');
	char low[8];
	uint64_t lo, hi;

	if (!dash || (size_t)(dash - arg) >= sizeof low)
		return -1;
	memcpy(low, arg, (size_t)(dash - arg));
	low[dash - arg] = '\0';
	if (parse_uint(low, 1024, 65535, &lo) < 0 || parse_uint(dash + 1, lo, 65535, &hi) < 0)
		return -1;
	fs->ftpd.pasv_low = (unsigned)lo;
	fs->ftpd.pasv_high = (unsigned)hi;
	return 0;
}

static int parse_option(struct ftp_server *fs, int key, const char *arg)
{
	uint64_t n;
	int rc;
	struct in_addr a;

	switch (key) {
	case OPT_ROOT:
		fs->root = arg;
		break;
	case OPT_WRITABLE:
		fs->ftpd.writable = 1;
		break;
	case OPT_ANONYMOUS:
		fs->anonymous_given = 1;
		break;
	case OPT_PASSWD:
		fs->passwd = arg;
		break;
	case OPT_KEEP_PARTIAL:
		fs->ftpd.keep_partial = 1;
		break;
	case OPT_CERT:
		fs->cert = arg;
		break;
	case OPT_KEY:
		fs->key = arg;
		break;
	case OPT_REQUIRE_TLS:
		fs->ftpd.require_tls = 1;
		break;
	case OPT_REQUIRE_REUSE:
		fs->ftpd.require_reuse = 1;
		break;
	case OPT_JSON:
		fs->ftpd.json = 1;
		break;
	case 'v':
		diag_set_verbosity(diag_verbosity() + 1);
		break;
	case OPT_MAX_LOGIN_FAILURES:
		if ((rc = bad_count(key, arg, 1, 1000, &n)) != EXIT_OK)
			return rc;
		fs->ftpd.max_login_failures = (unsigned)n;
		break;
	case OPT_MAX_CLIENTS:
		if ((rc = bad_count(key, arg, 1, 100000, &n)) != EXIT_OK)
			return rc;
		fs->max_clients = (unsigned)n;
		break;
	case OPT_MAX_PER_IP:
		if ((rc = bad_count(key, arg, 1, 100000, &n)) != EXIT_OK)
			return rc;
		fs->max_per_ip = (unsigned)n;
		break;
	case OPT_LOGIN_DELAY:
		return bad_seconds(key, arg, &fs->ftpd.login_delay);
	case OPT_IDLE_TIMEOUT:
		return bad_seconds(key, arg, &fs->ftpd.idle_timeout);
	case OPT_DATA_TIMEOUT:
		return bad_seconds(key, arg, &fs->ftpd.data_timeout);
	case OPT_PASV_PORTS:
		if (parse_ports(fs, arg) < 0)
			return opt_bad_value(&ftp_server_tool, key, arg,
			                     "expected LOW-HIGH, ports from 1024 to 65535");
		break;
	case OPT_PASV_ADDRESS:
		if (inet_pton(AF_INET, arg, &a) != 1)
			return opt_bad_value(&ftp_server_tool, key, arg, "expected an IPv4 address");
		fs->ftpd.pasv_address = arg;
		break;
	default:
		rc = server_parse_option(&fs->config, &ftp_server_tool, key, arg);
		return rc < 0 ? EXIT_USAGE : EXIT_OK;
	}
	return EXIT_OK;
}

static int parse_args(struct ftp_server *fs, int argc, char **argv)
{
	struct opt_state st;
	int key, rc;

	opt_init(&st, &ftp_server_tool, argc, argv);
	while ((key = opt_next(&st)) != OPT_END) {
		if (key == OPT_EXIT)
			return st.status;
		if ((rc = parse_option(fs, key, st.arg)) != EXIT_OK) {
			opt_done(&st);
			return rc;
		}
	}
	if (st.index < argc)
		return diag_usage("unexpected operand '%s'", argv[st.index]);
	/* data connections are TCP: a unix socket has no address to give PASV */
	if (fs->config.bind && strncmp(fs->config.bind, "unix:", 5) == 0)
		return diag_usage("ftp-server listens on TCP only, not on '%s'", fs->config.bind);
	if (!fs->cert != !fs->key)
		return diag_usage("--cert and --key go together");
	if (fs->ftpd.require_tls && !fs->cert)
		return diag_usage("--require-tls needs --cert and --key");
	if (fs->ftpd.require_reuse && !fs->cert)
		return diag_usage("--require-reuse needs --cert and --key");
	if (fs->anonymous_given && !fs->passwd)
		return diag_usage("--anonymous goes with --passwd (anonymous is already on without it)");
	fs->ftpd.anonymous = !fs->passwd || fs->anonymous_given;
	return OPT_GO_ON;
}

/* ---- clients ---- */

static void *client_main(void *arg)
{
	struct client *c = arg;
	uint64_t one = 1;

	ftpd_session(&c->fs->ftpd, &c->fs->stats, c->fd, c->peer);
	atomic_store(&c->done, 1);
	/* wake the main loop: this slot can be joined */
	if (write(c->fs->notify_fd, &one, sizeof one) < 0)
		diag_verbose(1, "notify: %s", strerror(errno));
	return NULL;
}

static void join_clients(struct ftp_server *fs)
{
	uint64_t count;

	if (read(fs->notify_fd, &count, sizeof count) < 0 && errno != EAGAIN)
		diag_verbose(1, "notify: %s", strerror(errno));
	for (unsigned i = 0; i < fs->max_clients; i++) {
		struct client *c = &fs->clients[i];
		if (c->in_use && atomic_load(&c->done)) {
			pthread_join(c->thread, NULL);
			diag_verbose(1, "%s: session ended", c->peer);
			c->in_use = 0;
			fs->active--;
		}
	}
}

static int same_address(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return a->ss_family == AF_INET6 && memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
	                                          &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
}

/* The reason to turn this client away with a 421, or NULL. */
static const char *refusal(struct ftp_server *fs, const struct sockaddr_storage *ss)
{
	unsigned same = 0;

	if (fs->active >= fs->max_clients)
		return "421 Too many users (--max-clients), try later.\r\n";
	for (unsigned i = 0; fs->max_per_ip && i < fs->max_clients; i++)
		if (fs->clients[i].in_use && same_address(&fs->clients[i].addr, ss))
			same++;
	if (fs->max_per_ip && same >= fs->max_per_ip)
		return "421 Too many connections from your address (--max-per-ip).\r\n";
	return NULL;
}

static void start_client(struct ftp_server *fs, int fd, const struct sockaddr_storage *ss, const char *peer)
{
	struct client *c = NULL;
	pthread_attr_t attr;
	int rc;

	for (unsigned i = 0; i < fs->max_clients && !c; i++)
		if (!fs->clients[i].in_use)
			c = &fs->clients[i];
	c->in_use = 1;
	atomic_store(&c->done, 0);
	c->fd = fd;
	c->addr = *ss;
	c->fs = fs;
	snprintf(c->peer, sizeof c->peer, "%s", peer);
	fs->active++;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	rc = pthread_create(&c->thread, &attr, client_main, c);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		diag_errnum(rc, "start a thread for %s", peer);
		close(fd);
		c->in_use = 0;
		fs->active--;
	}
}

static void accept_one(struct ftp_server *fs)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char peer[ADDR_TEXT_MAX];
	const char *no;
	int fd = sock_accept(fs->srv.listen_fd, (struct sockaddr *)&ss, &len, 0);

	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR)
			diag_errno("accept on %s", fs->srv.bound);
		return;
	}
	fs->accepted++;
	addr_format((struct sockaddr *)&ss, len, peer, sizeof peer);
	if ((no = refusal(fs, &ss)) != NULL) {
		fs->refused++;
		diag_verbose(1, "%s: refused: %.*s", peer, (int)strlen(no) - 2, no);
		(void)sock_send(fd, no, strlen(no));
		close(fd);
		return;
	}
	diag_verbose(1, "accept %s: a thread serves it (%u active)", peer, fs->active + 1);
	start_client(fs, fd, &ss, peer);
}

static void print_counters(struct ftp_server *fs)
{
	diag_info("counters: %llu accepted, %u active, %llu refused, %llu logins, %llu failed logins, "
	          "%llu transfers, %llu failed, %llu bytes in, %llu bytes out",
	          (unsigned long long)fs->accepted, fs->active, (unsigned long long)fs->refused,
	          (unsigned long long)atomic_load(&fs->stats.logins),
	          (unsigned long long)atomic_load(&fs->stats.login_failures),
	          (unsigned long long)atomic_load(&fs->stats.transfers),
	          (unsigned long long)atomic_load(&fs->stats.failed_transfers),
	          (unsigned long long)atomic_load(&fs->stats.bytes_in),
	          (unsigned long long)atomic_load(&fs->stats.bytes_out));
}

/* Waits for a client, a finished session, a signal or --duration: 1 when
 * the listening socket is readable. */
static int wait_main(struct ftp_server *fs, int accepting, int cap_ms)
{
	struct pollfd pfd[2] = { { accepting ? fs->srv.listen_fd : -1, POLLIN, 0 },
		                 { fs->notify_fd, POLLIN, 0 } };
	int ms = server_wait_ms(&fs->srv, cap_ms);
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	int n = ppoll(pfd, 2, ms < 0 ? NULL : &ts, &fs->open_mask);

	return n > 0 && (pfd[0].revents & POLLIN);
}

static void serve_forever(struct ftp_server *fs)
{
	for (;;) {
		int accepting = 1;
		join_clients(fs);
		if (sig_report_requested())
			print_counters(fs);
		if (sig_stop_requested() || server_expired(&fs->srv))
			break;
		if (fs->config.max_conns && fs->accepted >= fs->config.max_conns) {
			if (fs->active == 0)
				break;
			accepting = 0;
		}
		if (wait_main(fs, accepting, -1))
			accept_one(fs);
	}
	/* the stop descriptor ends every wait of every session */
	if (fs->active > 0) {
		diag_verbose(1, "stopping: closing %u session%s", fs->active, fs->active == 1 ? "" : "s");
		(void)eventfd_write(fs->ftpd.stop_fd, 1);
	}
	for (uint64_t give_up = clock_now_ns() + 5000000000ull; fs->active > 0 && clock_now_ns() < give_up;) {
		join_clients(fs);
		if (fs->active > 0)
			wait_main(fs, 0, 100);
	}
	if (fs->active > 0)
		diag_error("stop: %u sessions did not end in time", fs->active);
}

/* ---- set up and tear down ---- */

/* Signals: the sessions' threads keep them blocked; the main thread lets
 * them in only inside ppoll, so a stop can never slip in unseen. */
static int setup_signals(struct ftp_server *fs)
{
	sigset_t block;

	if (sig_catch_stop() < 0 || sig_catch_report() < 0)
		return diag_errno("install signal handlers");
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &block, &fs->open_mask) < 0)
		return diag_errno("install signal handlers");
	sigdelset(&fs->open_mask, SIGINT);
	sigdelset(&fs->open_mask, SIGTERM);
	sigdelset(&fs->open_mask, SIGHUP);
	sigdelset(&fs->open_mask, SIGUSR1);
	return EXIT_OK;
}

static int load_accounts(struct ftp_server *fs)
{
	size_t count = 0;
	unsigned bad_line = 0;

	if (!fs->passwd)
		return EXIT_OK;
	if (ftpd_users_load(fs->passwd, &fs->users, &count, &bad_line) < 0) {
		if (bad_line)
			return diag_error("--passwd %s: line %u: expected name:HASH with a crypt(3) hash "
			                  "(mkpasswd, openssl passwd -6)",
			                  fs->passwd, bad_line);
		return diag_errno("--passwd %s", fs->passwd);
	}
	fs->ftpd.users = fs->users;
	fs->ftpd.user_count = count;
	diag_verbose(1, "%zu account%s from %s%s", count, count == 1 ? "" : "s", fs->passwd,
	             fs->ftpd.anonymous ? ", and anonymous" : "");
	return EXIT_OK;
}

static int setup(struct ftp_server *fs)
{
	const char *root = fs->root ? fs->root : ".";
	char err[TLS_ERROR_MAX];
	int rc;

	fs->ftpd.root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fs->ftpd.root_fd < 0)
		return diag_errno("--root %s", root);
	if ((rc = load_accounts(fs)) != EXIT_OK)
		return rc;
	if (fs->cert && !(fs->ftpd.tls = tls_server_new(fs->cert, fs->key, err, sizeof err)))
		return diag_error("--cert %s --key %s: %s", fs->cert, fs->key, err);
	fs->clients = calloc(fs->max_clients, sizeof *fs->clients);
	fs->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	fs->ftpd.stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!fs->clients || fs->notify_fd < 0 || fs->ftpd.stop_fd < 0)
		return diag_errno("set up the server");
	if ((rc = setup_signals(fs)) != EXIT_OK)
		return rc;
	if ((rc = server_open(&fs->srv, &fs->config, SOCK_STREAM, SOCK_NONBLOCK)) != EXIT_OK)
		return rc;
	fs->start_ns = clock_now_ns();
	diag_verbose(1, "root %s, %s, %s%s, at most %u client%s", root,
	             fs->ftpd.writable ? "writable" : "read-only",
	             fs->ftpd.anonymous ? "anonymous allowed" : "accounts only",
	             fs->ftpd.tls ? (fs->ftpd.require_tls ? ", TLS required" : ", TLS offered") : "",
	             fs->max_clients, fs->max_clients == 1 ? "" : "s");
	return EXIT_OK;
}

static void teardown(struct ftp_server *fs)
{
	if (fs->srv.config)
		server_close(&fs->srv);
	if (fs->notify_fd >= 0)
		close(fs->notify_fd);
	if (fs->ftpd.stop_fd >= 0)
		close(fs->ftpd.stop_fd);
	if (fs->ftpd.root_fd >= 0)
		close(fs->ftpd.root_fd);
	tls_server_free(fs->ftpd.tls);
	free(fs->clients);
	free(fs->users);
	pthread_mutex_destroy(&fs->out_lock);
}

int ftp_server_main(int argc, char **argv)
{
	struct ftp_server fs;
	int rc;

	memset(&fs, 0, sizeof fs);
	server_config_init(&fs.config, "2121");
	fs.max_clients = 200;
	fs.notify_fd = fs.ftpd.stop_fd = fs.ftpd.root_fd = -1;
	fs.ftpd.max_login_failures = 3;
	fs.ftpd.login_delay = 1;
	fs.ftpd.idle_timeout = 300;
	fs.ftpd.data_timeout = 60;
	pthread_mutex_init(&fs.out_lock, NULL);
	fs.ftpd.out_lock = &fs.out_lock;
	if ((rc = parse_args(&fs, argc, argv)) != OPT_GO_ON) {
		pthread_mutex_destroy(&fs.out_lock);
		return rc;
	}
	if ((rc = setup(&fs)) == EXIT_OK) {
		unsigned long long xfers = atomic_load(&fs.stats.transfers);
		serve_forever(&fs);
		xfers = atomic_load(&fs.stats.transfers);
		diag_info(
		    "summary: %llu connection%s, %llu refused, %llu transfer%s, %llu failed, %llu bytes in, "
		    "%llu bytes out, %.3f s",
		    (unsigned long long)fs.accepted, fs.accepted == 1 ? "" : "s",
		    (unsigned long long)fs.refused, xfers, xfers == 1 ? "" : "s",
		    (unsigned long long)atomic_load(&fs.stats.failed_transfers),
		    (unsigned long long)atomic_load(&fs.stats.bytes_in),
		    (unsigned long long)atomic_load(&fs.stats.bytes_out),
		    (double)(clock_now_ns() - fs.start_ns) / 1e9);
	}
	teardown(&fs);
	sig_restore();
	return diag_finish_stdout(rc);
}
