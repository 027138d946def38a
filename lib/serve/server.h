/*
 * server.h - the server conventions every sockbox server keeps.
 *
 * Promise: one block of options with one meaning everywhere
 *   -b/--bind ADDR      address to listen on (default 127.0.0.1; also
 *                       ADDR:PORT, [V6]:PORT or unix:/path)
 *   -p/--port PORT      port, 0 for any free one
 *   -4/--ipv4, -6/--ipv6  force the address family
 *   --backlog N         listen(2) backlog
 *   --port-file FILE    the bound port (or unix path), written atomically after listen
 *   --pid-file FILE     the server's PID, written atomically, removed at exit
 *   --max-conns N       end after N connections have been accepted and served
 *   --duration SECS     end after SECS seconds
 * and the lifecycle that goes with them: listen, announce
 * "listening on ADDR:PORT" on stderr, publish the port and PID files.  The
 * stop and report signals are lib/sig's flags (sig_catch_stop,
 * sig_catch_report): a server's loop polls sig_stop_requested.
 *
 * A tool puts `.shared = server_blocks` (server_dgram_blocks for a
 * datagram server) in its struct opt_tool and hands every option key it
 * does not know to server_parse_option; a tool whose defaults differ says
 * so in its opt_tool's .help_for.
 */
#ifndef SOCKBOX_SERVER_H
#define SOCKBOX_SERVER_H

#include <stdint.h>

#include "net/addr.h"
#include "cli/opt.h"

enum {
	SERVER_OPT_BACKLOG = OPT_SHARED_BASE,
	SERVER_OPT_PORT_FILE,
	SERVER_OPT_PID_FILE,
	SERVER_OPT_MAX_CONNS,
	SERVER_OPT_DURATION,
};

extern const struct opt_spec server_specs[];

/* The blocks a server tool puts in .shared: { server_specs, NULL }. */
extern const struct opt_spec *const server_blocks[];

/* The same block for a datagram server: without --backlog and --max-conns
 * (no listen queue, no connections), and -b takes no unix:/path. */
extern const struct opt_spec server_dgram_specs[];
extern const struct opt_spec *const server_dgram_blocks[];

struct server_config {
	const char *bind;         /* as given, NULL for the default */
	const char *port;         /* as given, NULL for the default */
	const char *default_bind; /* "127.0.0.1", or "0.0.0.0" for broadcast listeners */
	const char *default_port; /* the tool's default, "0" for most */
	int family;               /* AF_UNSPEC, AF_INET, AF_INET6 */
	int backlog;
	const char *port_file;
	const char *pid_file;
	uint64_t max_conns; /* 0: no limit */
	double duration;    /* 0: no limit */
	/* Called with the bound socket before "listening on" is announced and
	 * the port file written, so whatever it sets up (a multicast group
	 * joined, a socket option) is in place when a script sees the port.
	 * Returns EXIT_OK, or a status after its own diagnostic.  NULL: none. */
	int (*setup)(int fd, void *setup_ctx);
	void *setup_ctx;
};

struct server {
	int listen_fd;
	char bound[ADDR_TEXT_MAX];                                   /* "127.0.0.1:40123" as listening */
	char unix_path[sizeof(((struct sockaddr_un *)0)->sun_path)]; /* removed at close */
	uint64_t deadline_ns; /* 0 or when --duration runs out (monotonic) */
	const struct server_config *config;
};

/* Defaults: bind 127.0.0.1, port default_port, backlog 511. */
void server_config_init(struct server_config *c, const char *default_port);

/*
 * Handles key if it is one of server_specs: 1 handled, 0 not a server
 * option, -1 a bad value (a usage diagnostic was printed: exit 2).
 */
int server_parse_option(struct server_config *c, const struct opt_tool *tool, int key, const char *arg);

/*
 * Resolves and binds the configured address (SOCK_STREAM listens), with
 * flags (SOCK_NONBLOCK or 0) on the socket, runs the config's setup hook,
 * prints "listening on ADDR", writes the port and PID files.  0, or
 * EXIT_FAIL (or the hook's status) after a diagnostic.
 */
int server_open(struct server *s, const struct server_config *c, int socktype, int flags);

/* Closes the listening socket, removes the PID file and a unix socket file. */
void server_close(struct server *s);

/* 1 once --duration has run out. */
int server_expired(const struct server *s);

/* Milliseconds until --duration runs out, capped at cap_ms; -1 (forever)
 * when there is no duration and cap_ms is -1. */
int server_wait_ms(const struct server *s, int cap_ms);

/*
 * Threads: a struct server belongs to the thread that opened it;
 * server_expired and server_wait_ms only read it.  The stop and report
 * flags that end a server's loop live in lib/sig (sig/sig.h says how
 * threads may poll them).
 */

#endif
