/*
 * mux.c - the shared frame of the select, poll, epoll and io_uring servers.
 */
#include "serve/mux.h"

#include "base/clock.h"
#include "cli/diag.h"
#include "cli/parse.h"
#include "sig/sig.h"
#include "net/sock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

/* clang-format off */
const struct opt_spec mux_specs[] = {
	{ MUX_OPT_HANDLER, "handler", "echo|upper|discard|reply|http", "what to answer (default echo)" },
	{ MUX_OPT_REPLY, "reply", "TEXT", "reply handler: answer every line with TEXT" },
	{ MUX_OPT_ROOT, "root", "DIR", "http handler: serve the files under DIR (default a built-in page)" },
	{ MUX_OPT_INDEX, "index", NULL, "http handler: list a directory of --root that has no index.html" },
	{ MUX_OPT_MAX_CLIENTS, "max-clients", "N", "refuse clients beyond N at once (a 503 for http)" },
	{ MUX_OPT_IDLE_TIMEOUT, "idle-timeout", "SECS", "close a client that makes no progress for SECS" },
	{ 0, NULL, NULL, NULL },
};
/* clang-format on */

const struct opt_spec *const mux_blocks[] = { server_specs, mux_specs, NULL };

static const char refusal_text[] = "too many clients\n";
static const char refusal_http[] = "HTTP/1.1 503 Service Unavailable\r\n"
                                   "Content-Type: text/plain; charset=utf-8\r\n"
                                   "Content-Length: 17\r\n"
                                   "Connection: close\r\n"
                                   "\r\n"
                                   "too many clients\n";

/* The order of the --handler choices in every tool's option table. */
enum { CHOICE_ECHO, CHOICE_UPPER, CHOICE_DISCARD, CHOICE_REPLY, CHOICE_HTTP };

void mux_config_init(struct mux_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	server_config_init(&cfg->server, "0");
	cfg->kind = HANDLER_ECHO;
}

int mux_parse_option(struct mux_config *cfg, const struct opt_tool *tool, int key, const char *arg)
{
	uint64_t n;
	int choice;

	switch (key) {
	case MUX_OPT_HANDLER:
		choice = opt_choice(tool, key, arg);
		if (choice < 0) {
			opt_bad_value(tool, key, arg, "expected echo, upper, discard, reply or http");
			return -1;
		}
		cfg->http = choice == CHOICE_HTTP;
		cfg->kind = choice == CHOICE_UPPER     ? HANDLER_UPPER
		            : choice == CHOICE_DISCARD ? HANDLER_DISCARD
		            : choice == CHOICE_REPLY   ? HANDLER_REPLY
		                                       : HANDLER_ECHO;
		cfg->handler_given = 1;
		return 1;
	case MUX_OPT_REPLY:
		if (strchr(arg, '\n')) {
			diag_usage("invalid --reply: the text is one line, without a newline");
			return -1;
		}
		cfg->reply = arg;
		return 1;
	case MUX_OPT_ROOT:
		cfg->root = arg;
		return 1;
	case MUX_OPT_INDEX:
		cfg->index = 1;
		return 1;
	case MUX_OPT_MAX_CLIENTS:
		if (parse_uint(arg, 1, 100000000, &n) < 0) {
			opt_bad_value(tool, key, arg, "expected a whole number from 1");
			return -1;
		}
		cfg->max_clients = n;
		return 1;
	case MUX_OPT_IDLE_TIMEOUT:
		if (parse_seconds(arg, 0.001, 1e9, &cfg->idle_timeout) < 0) {
			opt_bad_value(tool, key, arg, "expected seconds, such as 30 or 0.5");
			return -1;
		}
		return 1;
	default:
		return server_parse_option(&cfg->server, tool, key, arg);
	}
}

int mux_check_config(struct mux_config *cfg)
{
	int given = cfg->handler_given;

	if (cfg->reply && given && (cfg->http || cfg->kind != HANDLER_REPLY))
		return diag_usage("--reply goes with --handler reply");
	if (cfg->root && given && !cfg->http)
		return diag_usage("--root goes with --handler http");
	if (cfg->reply && cfg->root)
		return diag_usage("--reply and --root belong to different handlers");
	if (cfg->index && !cfg->root)
		return diag_usage("--index goes with --root DIR");
	/* alone, --reply and --root choose their handler */
	if (cfg->reply)
		cfg->kind = HANDLER_REPLY;
	if (cfg->root)
		cfg->http = 1;
	if (cfg->kind == HANDLER_REPLY && !cfg->reply)
		cfg->reply = "ok";
	return EXIT_OK;
}

/* Raises the soft descriptor limit to the hard one: 10,000 clients need
 * 10,000 descriptors, and the usual soft limit is 1024. */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	rlim_t before;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	before = rl.rlim_cur;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
			diag_verbose(1, "descriptor limit stays at %llu: setrlimit: %s",
			             (unsigned long long)before, strerror(errno));
			return;
		}
		diag_verbose(1, "raised the descriptor limit (RLIMIT_NOFILE) from %llu to its hard limit %llu",
		             (unsigned long long)before, (unsigned long long)rl.rlim_max);
		return;
	}
	diag_verbose(1, "descriptor limit (RLIMIT_NOFILE) is %llu, already the hard limit",
	             (unsigned long long)before);
}

int mux_open(struct mux *m, const struct mux_config *cfg, const char *call)
{
	char bound[32], idle[32];
	int rc;

	memset(m, 0, sizeof *m);
	m->config = cfg;
	m->call = call;
	m->spare_fd = -1;
	m->server.listen_fd = -1;
	m->site.root_fd = -1;
	raise_fd_limit();
	m->svc.http = cfg->http;
	m->svc.kind = cfg->kind;
	m->svc.reply = cfg->reply;
	m->svc.site = &m->site;
	m->svc.out_bound = CONN_OUT_BOUND;
	m->svc.scratch_size = MUX_SCRATCH_SIZE;
	m->svc.scratch = malloc(MUX_SCRATCH_SIZE);
	if (!m->svc.scratch)
		return diag_errno("allocate read buffer");
	if (cfg->http && httpd_site_open(&m->site, cfg->root) < 0)
		return diag_errno("open --root %s", cfg->root);
	m->site.list_dirs = cfg->index;
	m->idle_ns = clock_seconds_to_ns(cfg->idle_timeout);
	m->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (m->spare_fd < 0)
		return diag_errno("open /dev/null");
	if (sig_catch_stop() < 0 || sig_catch_report() < 0)
		return diag_errno("install signal handlers");
	rc = server_open(&m->server, &cfg->server, SOCK_STREAM, SOCK_NONBLOCK);
	if (rc != EXIT_OK)
		return rc;
	if (cfg->idle_timeout > 0)
		snprintf(idle, sizeof idle, "%gs", cfg->idle_timeout);
	diag_verbose(1, "handler %s%s%s%s; output bound %s per client; idle timeout %s",
	             cfg->http ? "http" : handler_kind_name(cfg->kind),
	             cfg->http ? (cfg->root ? ", root " : ", built-in page") : "",
	             cfg->http && cfg->root ? cfg->root : "", cfg->index ? ", directories listed" : "",
	             format_size(CONN_OUT_BOUND, bound, sizeof bound), cfg->idle_timeout > 0 ? idle : "none");
	m->now_ns = clock_now_ns();
	m->running = 1;
	return EXIT_OK;
}

/* ---- the idle list ---- */

static void idle_unlink(struct mux *m, struct conn *c)
{
	if (c->older)
		c->older->newer = c->newer;
	else if (m->oldest == c)
		m->oldest = c->newer;
	if (c->newer)
		c->newer->older = c->older;
	else if (m->newest == c)
		m->newest = c->older;
	c->older = c->newer = NULL;
}

/* Progress: the deadline moves and c goes to the newest end. */
static void touch(struct mux *m, struct conn *c)
{
	if (!m->idle_ns)
		return;
	c->deadline_ns = m->now_ns + m->idle_ns;
	if (m->newest == c)
		return;
	idle_unlink(m, c);
	c->older = m->newest;
	if (m->newest)
		m->newest->newer = c;
	m->newest = c;
	if (!m->oldest)
		m->oldest = c;
}

void mux_touch(struct mux *m, struct conn *c)
{
	touch(m, c);
}

/* ---- the table ---- */

static int table_add(struct mux *m, struct conn *c)
{
	if (m->count == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		struct conn **conns = realloc(m->conns, cap * sizeof *conns);
		if (!conns)
			return -1;
		m->conns = conns;
		m->cap = cap;
	}
	c->slot = m->count;
	m->conns[m->count++] = c;
	return 0;
}

/* Swap-remove: the last connection takes the freed slot. */
static void table_remove(struct mux *m, struct conn *c)
{
	struct conn *last = m->conns[--m->count];

	m->conns[c->slot] = last;
	last->slot = c->slot;
}

void mux_drop(struct mux *m, struct conn *c, const char *why)
{
	diag_verbose(2, "fd %d %s: closed (%s), %llu bytes in, %llu bytes out", c->fd, c->peer, why,
	             (unsigned long long)c->bytes_in, (unsigned long long)c->bytes_out);
	idle_unlink(m, c);
	table_remove(m, c);
	m->counters.active--;
	m->round.closed++;
	/* close(2) also takes the descriptor out of an epoll set; a completion
	 * loop's release hook first cancels what the kernel still holds */
	if (m->release)
		m->release(m->release_ctx, c);
	else
		conn_free(c);
}

/* ---- accepting ---- */

static void send_refusal(struct mux *m, int fd)
{
	const char *text = m->config->http ? refusal_http : refusal_text;
	size_t len = m->config->http ? sizeof refusal_http - 1 : sizeof refusal_text - 1;

	/* best effort: a fresh socket's send buffer takes a line without blocking */
	if (sock_send(fd, text, len) < 0)
		diag_verbose(2, "fd %d: refusal not sent: %s", fd, strerror(errno));
	shutdown(fd, SHUT_WR);
}

static void refuse(struct mux *m, int fd, const char *peer, const char *why)
{
	send_refusal(m, fd);
	close(fd);
	m->counters.refused++;
	m->round.refused++;
	diag_verbose(1, "refused %s: %s", peer, why);
}

/* Out of descriptors: the spare one makes room to accept the client and
 * refuse it, so it is not left in the queue to wake every wait call. */
static int refuse_without_descriptor(struct mux *m, int err)
{
	int fd;

	if (m->spare_fd < 0)
		return -1;
	close(m->spare_fd);
	m->spare_fd = -1;
	fd = sock_accept(m->server.listen_fd, NULL, NULL, SOCK_NONBLOCK);
	if (fd >= 0)
		refuse(m, fd, "a client",
		       err == EMFILE ? "out of descriptors (EMFILE, the RLIMIT_NOFILE limit)"
		                     : "out of descriptors (ENFILE, the system-wide limit)");
	m->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return fd >= 0 ? 0 : -1;
}

static void stop_listening(struct mux *m)
{
	diag_verbose(1, "--max-conns %llu clients accepted: no longer listening",
	             (unsigned long long)m->config->server.max_conns);
	close(m->server.listen_fd);
	m->server.listen_fd = -1;
}

int mux_accept(struct mux *m, int fd_limit, struct conn **out)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	int fd;

	*out = NULL;
	if (m->server.listen_fd < 0) {
		errno = EAGAIN;
		return -1;
	}
	fd = sock_accept(m->server.listen_fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK);
	if (fd < 0)
		return mux_accept_failed(m, errno);
	return mux_admit(m, fd, (struct sockaddr *)&ss, len, fd_limit, out);
}

int mux_accept_failed(struct mux *m, int err)
{
	if (err == EMFILE || err == ENFILE)
		return refuse_without_descriptor(m, err);
	if (err != EAGAIN && err != EWOULDBLOCK && err != EINTR) {
		errno = err;
		diag_errno("accept");
	}
	errno = err;
	return -1;
}

int mux_admit(struct mux *m, int fd, const struct sockaddr *sa, socklen_t len, int fd_limit, struct conn **out)
{
	struct sockaddr_storage ss;
	char peer[ADDR_TEXT_MAX], why[160];
	struct conn *c;

	*out = NULL;
	if (!sa) {
		/* accepted without its address (io_uring's multishot accept) */
		len = sizeof ss;
		if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
			len = 0;
		sa = (struct sockaddr *)&ss;
	}
	if (len > 0)
		addr_format(sa, len, peer, sizeof peer);
	else
		snprintf(peer, sizeof peer, "unix:");
	if (strcmp(peer, "unix:") == 0)
		snprintf(peer, sizeof peer, "unix:(unnamed)");
	if (fd >= fd_limit) {
		snprintf(why, sizeof why,
		         "descriptor %d is at or above FD_SETSIZE (%d): select cannot watch it", fd, fd_limit);
		refuse(m, fd, peer, why);
		return 0;
	}
	if (m->config->max_clients && m->count >= m->config->max_clients) {
		snprintf(why, sizeof why, "--max-clients %llu reached",
		         (unsigned long long)m->config->max_clients);
		refuse(m, fd, peer, why);
		return 0;
	}
	c = conn_new(fd, &m->svc, peer);
	if (!c || table_add(m, c) < 0) {
		if (c)
			conn_free(c); /* closes fd */
		else
			close(fd);
		m->counters.refused++;
		m->round.refused++;
		diag_verbose(1, "refused %s: out of memory", peer);
		return 0;
	}
	m->counters.accepted++;
	m->counters.active++;
	if (m->counters.active > m->counters.peak)
		m->counters.peak = m->counters.active;
	m->round.accepted++;
	touch(m, c);
	diag_verbose(2, "fd %d %s: accepted (%zu client%s)", fd, peer, m->count, m->count == 1 ? "" : "s");
	if (m->config->server.max_conns && m->counters.accepted >= m->config->server.max_conns)
		stop_listening(m);
	*out = c;
	return 1;
}

/* ---- serving ---- */

static int settle(struct mux *m, struct conn *c)
{
	if (!conn_finished(c))
		return 0;
	mux_drop(m, c, conn_end_reason(c));
	return 1;
}

static void count_write(struct mux *m, struct conn *c, ssize_t sent)
{
	if (sent <= 0)
		return;
	m->round.writes++;
	m->round.written_bytes += (uint64_t)sent;
	touch(m, c);
}

int mux_serve_readable(struct mux *m, struct conn *c, int until_eagain)
{
	uint64_t got = 0, requests = c->http.requests;
	ssize_t n, sent = 0;
	int reads = 0;

	do {
		n = conn_read(c, &m->svc);
		reads++;
		if (n > 0)
			got += (uint64_t)n;
		/* send as we go: an echo keeps flowing instead of piling up */
		if (conn_wants_write(c)) {
			ssize_t s = conn_write(c, &m->svc);
			if (s > 0)
				sent += s;
		}
	} while (until_eagain && n > 0 && conn_wants_read(c));
	m->round.reads++;
	m->round.read_bytes += got;
	/* n < 0 without a failure: the last read found nothing (EAGAIN) */
	diag_verbose(2, "fd %d %s: readable: %d read%s%s, %llu bytes%s%s", c->fd, c->peer, reads,
	             reads == 1 ? "" : "s",
	             n < 0 && !c->failed ? (reads == 1 ? " (EAGAIN)" : " (the last hit EAGAIN)") : "",
	             (unsigned long long)got,
	             n == 0      ? ", end of stream"
	             : c->failed ? ", failed"
	                         : "",
	             c->paused ? ", paused (output over the bound)" : "");
	if (got > 0 && (!m->svc.http || c->http.requests != requests))
		touch(m, c);
	count_write(m, c, sent);
	return settle(m, c);
}

int mux_serve_writable(struct mux *m, struct conn *c)
{
	ssize_t sent = conn_write(c, &m->svc);

	diag_verbose(2, "fd %d %s: writable: sent %lld bytes, %zu left%s", c->fd, c->peer, (long long)sent,
	             conn_pending(c), c->write_blocked ? " (EAGAIN: the send buffer is full)" : "");
	count_write(m, c, sent);
	return settle(m, c);
}

/* ---- time, rounds and the end ---- */

int mux_wait_ms(const struct mux *m)
{
	int cap = -1;

	if (m->oldest)
		cap = clock_ms_until(m->oldest->deadline_ns);
	return server_wait_ms(&m->server, cap);
}

void mux_round_begin(struct mux *m)
{
	m->counters.loops++;
	m->now_ns = clock_now_ns();
	memset(&m->round, 0, sizeof m->round);
	if (sig_report_requested())
		mux_report(m);
}

void mux_expire_idle(struct mux *m)
{
	char idle[32];

	while (m->oldest && m->oldest->deadline_ns <= m->now_ns) {
		struct conn *c = m->oldest;
		snprintf(idle, sizeof idle, "idle for %gs", m->config->idle_timeout);
		diag_verbose(1, "fd %d %s: %s, closing", c->fd, c->peer, idle);
		mux_drop(m, c, idle);
	}
}

void mux_round_end(struct mux *m, size_t watched, int ready)
{
	const struct mux_round *r = &m->round;
	char done[256];
	size_t len = 0;

	if (diag_verbosity() < 1)
		return;
	done[0] = '\0';
	/* only what happened: "accepted 1, read 2 (40 bytes), sent 2 (40 bytes)" */
	if (r->accepted)
		len += (size_t)snprintf(done + len, sizeof done - len, ", accepted %u", r->accepted);
	if (r->refused && len < sizeof done)
		len += (size_t)snprintf(done + len, sizeof done - len, ", refused %u", r->refused);
	if (r->reads && len < sizeof done)
		len += (size_t)snprintf(done + len, sizeof done - len, ", read %u (%llu bytes)", r->reads,
		                        (unsigned long long)r->read_bytes);
	if (r->writes && len < sizeof done)
		len += (size_t)snprintf(done + len, sizeof done - len, ", sent %u (%llu bytes)", r->writes,
		                        (unsigned long long)r->written_bytes);
	if (r->closed && len < sizeof done)
		len += (size_t)snprintf(done + len, sizeof done - len, ", closed %u", r->closed);
	if (ready < 0)
		diag_verbose(1, "%s: %zu watched, interrupted by a signal%s", m->call, watched, done);
	else if (ready == 0)
		diag_verbose(1, "%s: %zu watched, none ready (timeout)%s", m->call, watched, done);
	else
		diag_verbose(1, "%s: %zu watched, %d ready%s%s", m->call, watched, ready, len ? ":" : "",
		             len ? done + 1 : "");
}

int mux_done(const struct mux *m)
{
	if (sig_stop_requested() || server_expired(&m->server))
		return 1;
	return m->server.listen_fd < 0 && m->count == 0;
}

void mux_report(const struct mux *m)
{
	const struct mux_counters *k = &m->counters;

	diag_info("accepted %llu, active %llu, peak %llu, refused %llu, bytes in %llu, bytes out %llu, "
	          "loop iterations %llu",
	          (unsigned long long)k->accepted, (unsigned long long)k->active, (unsigned long long)k->peak,
	          (unsigned long long)k->refused, (unsigned long long)m->svc.bytes_in,
	          (unsigned long long)m->svc.bytes_out, (unsigned long long)k->loops);
}

int mux_finish(struct mux *m)
{
	if (m->running)
		mux_report(m);
	while (m->count > 0)
		mux_drop(m, m->conns[m->count - 1], "server stopping");
	free(m->conns);
	m->conns = NULL;
	m->cap = 0;
	server_close(&m->server);
	httpd_site_close(&m->site);
	free(m->svc.scratch);
	m->svc.scratch = NULL;
	if (m->spare_fd >= 0)
		close(m->spare_fd);
	m->spare_fd = -1;
	m->running = 0;
	return EXIT_OK;
}
