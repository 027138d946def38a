/*
 * server.c - listen, announce, publish; the stop and report signals are lib/sig's.
 */
#include "serve/server.h"

#include "base/clock.h"
#include "cli/diag.h"
#include "file/atomic.h"
#include "cli/parse.h"
#include "net/sock.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

const struct opt_spec server_specs[] = {
	{ 'b', "bind", "ADDR", "address to listen on (default 127.0.0.1; ADDR:PORT, [V6]:PORT, unix:/path)" },
	{ 'p', "port", "PORT", "port to listen on, 0 for any free port" },
	{ '4', "ipv4", NULL, "use IPv4 only" },
	{ '6', "ipv6", NULL, "use IPv6 only" },
	{ SERVER_OPT_BACKLOG, "backlog", "N", "listen queue length (default 511)" },
	{ SERVER_OPT_PORT_FILE, "port-file", "FILE", "write the bound port to FILE once listening" },
	{ SERVER_OPT_PID_FILE, "pid-file", "FILE", "write the server's PID to FILE (removed at exit)" },
	{ SERVER_OPT_MAX_CONNS, "max-conns", "N", "end after N connections have been served" },
	{ SERVER_OPT_DURATION, "duration", "SECS", "end after SECS seconds" },
	{ 0, NULL, NULL, NULL },
};

const struct opt_spec *const server_blocks[] = { server_specs, NULL };

/* A datagram server binds but never listens (no queue) and accepts no
 * connections (nothing to count), and a unix socket is not an IP one. */
const struct opt_spec server_dgram_specs[] = {
	{ 'b', "bind", "ADDR", "address to bind (default 127.0.0.1; ADDR:PORT, [V6]:PORT)" },
	{ 'p', "port", "PORT", "port to bind, 0 for any free port" },
	{ '4', "ipv4", NULL, "use IPv4 only" },
	{ '6', "ipv6", NULL, "use IPv6 only" },
	{ SERVER_OPT_PORT_FILE, "port-file", "FILE", "write the bound port to FILE once bound" },
	{ SERVER_OPT_PID_FILE, "pid-file", "FILE", "write the server's PID to FILE (removed at exit)" },
	{ SERVER_OPT_DURATION, "duration", "SECS", "end after SECS seconds" },
	{ 0, NULL, NULL, NULL },
};

const struct opt_spec *const server_dgram_blocks[] = { server_dgram_specs, NULL };

void server_config_init(struct server_config *c, const char *default_port)
{
	memset(c, 0, sizeof *c);
	c->default_bind = "127.0.0.1";
	c->default_port = default_port;
	c->family = AF_UNSPEC;
	c->backlog = 511;
}

int server_parse_option(struct server_config *c, const struct opt_tool *tool, int key, const char *arg)
{
	uint64_t n;

	switch (key) {
	case 'b':
		c->bind = arg;
		return 1;
	case 'p':
		if (parse_uint(arg, 0, 65535, &n) < 0) {
			opt_bad_value(tool, key, arg, "expected 0-65535");
			return -1;
		}
		c->port = arg;
		return 1;
	case '4':
		c->family = AF_INET;
		return 1;
	case '6':
		c->family = AF_INET6;
		return 1;
	case SERVER_OPT_BACKLOG:
		if (parse_uint(arg, 1, 65535, &n) < 0) {
			opt_bad_value(tool, key, arg, "expected 1-65535");
			return -1;
		}
		c->backlog = (int)n;
		return 1;
	case SERVER_OPT_PORT_FILE:
		c->port_file = arg;
		return 1;
	case SERVER_OPT_PID_FILE:
		c->pid_file = arg;
		return 1;
	case SERVER_OPT_MAX_CONNS:
		if (parse_uint(arg, 1, UINT64_MAX, &n) < 0) {
			opt_bad_value(tool, key, arg, "expected a whole number from 1");
			return -1;
		}
		c->max_conns = n;
		return 1;
	case SERVER_OPT_DURATION:
		if (parse_seconds(arg, 0.001, 1e9, &c->duration) < 0) {
			opt_bad_value(tool, key, arg, "expected seconds, such as 10 or 0.5");
			return -1;
		}
		return 1;
	default:
		return 0;
	}
}

/* The bind address and port, from -b (which may carry a port) and -p. */
static int resolve_bind(const struct server_config *c, int socktype, struct addr_spec *spec,
                        struct addrinfo **list)
{
	int rc;

	memset(spec, 0, sizeof *spec);
	if (c->bind && addr_parse(c->bind, 1, spec) < 0) {
		diag_usage("invalid --bind '%s': expected ADDR, ADDR:PORT, [V6]:PORT or unix:/path", c->bind);
		return EXIT_USAGE;
	}
	if (c->port)
		snprintf(spec->port, sizeof spec->port, "%s", c->port);
	if (!spec->is_unix && !spec->host[0] && c->bind == NULL) {
		/* the default host follows -6: ::1 rather than 127.0.0.1 */
		const char *host = c->family == AF_INET6 && strcmp(c->default_bind, "127.0.0.1") == 0 ? "::1"
		                   : c->family == AF_INET6                                            ? "::"
		                                           : c->default_bind;
		snprintf(spec->host, sizeof spec->host, "%s", host);
	}
	rc = addr_resolve(spec, c->default_bind, c->default_port, c->family, socktype, 1, list);
	if (rc != 0) {
		char text[ADDR_TEXT_MAX + 64];
		return diag_error("resolve %s: %s",
		                  addr_spec_format(spec, c->default_bind, c->default_port, text, sizeof text),
		                  addr_strerror(rc));
	}
	return EXIT_OK;
}

static int publish(const char *path, const char *what, const char *text)
{
	if (path && atomic_write_file(path, text, strlen(text)) < 0)
		return diag_errno("write %s file %s", what, path);
	return EXIT_OK;
}

int server_open(struct server *s, const struct server_config *c, int socktype, int flags)
{
	struct addr_spec spec;
	struct addrinfo *list = NULL;
	char text[ADDR_TEXT_MAX + 8];
	int rc;

	memset(s, 0, sizeof *s);
	s->listen_fd = -1;
	s->config = c;
	rc = resolve_bind(c, socktype, &spec, &list);
	if (rc != EXIT_OK)
		return rc;
	s->listen_fd = sock_listen_any(list, c->backlog, flags);
	if (s->listen_fd < 0) {
		char want[ADDR_TEXT_MAX + 64];
		addr_format(list->ai_addr, list->ai_addrlen, want, sizeof want);
		addr_free(list);
		return diag_errno("listen %s", want);
	}
	addr_free(list);
	if (spec.is_unix)
		snprintf(s->unix_path, sizeof s->unix_path, "%s", spec.path);
	if (c->setup) {
		rc = c->setup(s->listen_fd, c->setup_ctx);
		if (rc != EXIT_OK) {
			server_close(s);
			return rc;
		}
	}
	sock_local_text(s->listen_fd, s->bound, sizeof s->bound);
	diag_info("listening on %s", s->bound);
	if (c->duration > 0)
		s->deadline_ns = clock_now_ns() + clock_seconds_to_ns(c->duration);

	if (spec.is_unix)
		snprintf(text, sizeof text, "%s\n", spec.path);
	else
		snprintf(text, sizeof text, "%u\n", sock_local_port(s->listen_fd));
	if (publish(c->port_file, "port", text) != EXIT_OK)
		goto fail;
	snprintf(text, sizeof text, "%ld\n", (long)getpid());
	if (publish(c->pid_file, "pid", text) != EXIT_OK)
		goto fail;
	return EXIT_OK;
fail:
	server_close(s);
	return EXIT_FAIL;
}

void server_close(struct server *s)
{
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	s->listen_fd = -1;
	if (s->config && s->config->pid_file)
		unlink(s->config->pid_file);
	if (s->unix_path[0])
		unlink(s->unix_path);
	s->unix_path[0] = '\0';
}

int server_expired(const struct server *s)
{
	return s->deadline_ns && clock_now_ns() >= s->deadline_ns;
}

int server_wait_ms(const struct server *s, int cap_ms)
{
	int left;

	if (!s->deadline_ns)
		return cap_ms;
	left = clock_ms_until(s->deadline_ns);
	return cap_ms >= 0 && cap_ms < left ? cap_ms : left;
}
