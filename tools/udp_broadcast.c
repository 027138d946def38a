/*
 * udp_broadcast.c - send UDP broadcasts, multicasts and beacons, and listen
 * for them; with --wait and --reply, the discovery pattern ("who is out
 * there?").
 *
 * Concept: a datagram is one message, delivered whole or not at all, with
 * its boundaries kept; SO_BROADCAST; the limited (255.255.255.255) and
 * directed (10.0.0.255) broadcast addresses; multicast groups, their TTL
 * and loopback; IP_PKTINFO, which tells a listener where a datagram was
 * going and lets a sender pick the interface it leaves through.
 * References: RFC 768 (UDP), RFC 919 and RFC 922 (broadcasting), RFC 1112
 * (host multicast), RFC 4291 (IPv6 multicast addresses); udp(7), ip(7),
 * ipv6(7), socket(7).
 */
#include "tools.h"
#include "net/addr.h"
#include "base/clock.h"
#include "net/beacon.h"
#include "net/dest.h"
#include "net/dgrecord.h"
#include "net/dgram.h"
#include "cli/diag.h"
#include "cli/opt.h"
#include "cli/parse.h"
#include "serve/server.h"
#include "sig/sig.h"
#include "net/sock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
	OPT_TO = OPT_LONG_ONLY,
	OPT_ALL_INTERFACES,
	OPT_TTL,
	OPT_LOOP,
	OPT_INTERVAL,
	OPT_RAW,
	OPT_JSON,
	OPT_MAX_SIZE,
};

static const struct opt_spec options[] = {
	{ OPT_TO, "to", "ADDR", "destination ADDR or ADDR:PORT (default 255.255.255.255)" },
	{ 'i', "interface", "IFACE",
	  "send through IFACE (to its broadcast address by default); listen on IFACE only" },
	{ 'g', "group", "ADDR", "multicast group to send to, or to join and listen on" },
	{ OPT_ALL_INTERFACES, "all-interfaces", NULL,
	  "to the broadcast address of every interface, through each" },
	{ OPT_TTL, "ttl", "N", "time to live (hop limit) of each datagram; a group's default is 1" },
	{ OPT_LOOP, "loop", NULL, "let this host's own listeners hear the group too" },
	{ 'c', "count", "N", "send N rounds (default 1, endless with --interval); listen for N datagrams" },
	{ OPT_INTERVAL, "interval", "SECS", "repeat every SECS seconds, a beacon" },
	{ 'w', "wait", "SECS", "then collect replies for SECS seconds and print them" },
	{ 'r', "reply", "TEXT", "answer each datagram with TEXT, to its sender" },
	{ 't', "timeout", "SECS", "end after SECS seconds without a datagram" },
	{ OPT_RAW, "raw", NULL, "payloads as they are, not escaped; send reads stdin as one datagram" },
	{ OPT_JSON, "json", NULL, "one JSON object per datagram received" },
	{ OPT_MAX_SIZE, "max-size", "BYTES",
	  "longest datagram kept whole (default 64K); longer ones are reported" },
	{ 'v', "verbose", NULL, "narrate the socket calls on stderr (repeat for more)" },
	{ 0, NULL, NULL, NULL },
};

static const char *const commands[] = { "send", "listen", NULL };

/* Options that go with one command: opt_next refuses them with the other,
 * and --help marks them "send:" or "listen:". */
static const struct opt_bind bindings[] = {
	{ OPT_TO, "send" },
	{ OPT_ALL_INTERFACES, "send" },
	{ OPT_TTL, "send" },
	{ OPT_LOOP, "send" },
	{ OPT_INTERVAL, "send" },
	{ 'w', "send" },
	{ 'r', "listen" },
	{ 't', "listen" },
	{ SERVER_OPT_PORT_FILE, "listen" },
	{ SERVER_OPT_PID_FILE, "listen" },
	{ 0, NULL },
};

/* The datagram server block, told with this tool's defaults and roles. */
static const struct opt_help help_for[] = {
	{ 'b', "address to bind (listen: default 0.0.0.0; send: the source; ADDR:PORT, [V6]:PORT)" },
	{ 'p', "port (default 9999): send's destination, listen's to bind, 0 for any free one" },
	{ 0, NULL },
};

const struct opt_tool udp_broadcast_tool = {
	.name = "udp-broadcast",
	.usage = "send [OPTIONS] [MESSAGE]\nlisten [OPTIONS]",
	.summary = "send UDP broadcasts, multicasts and beacons, or listen for them and reply",
	.details = "Options marked send: or listen: go with that command only; the others with both.\n"
	           "Both use port 9999 unless -p says otherwise; listen binds 0.0.0.0 by default\n"
	           "(a broadcast never arrives at 127.0.0.1), and for send -b is the source address.",
	.specs = options,
	.shared = server_dgram_blocks,
	.commands = commands,
	.bind = bindings,
	.help_for = help_for,
};

enum { CMD_SEND = 1, CMD_LISTEN = 2 };

/* Tool exit code: send --wait heard no reply at all. */
enum { EXIT_NO_REPLY = 3 };

#define DEFAULT_PORT "9999"
#define LIMITED_BROADCAST "255.255.255.255"
#define MAX_DATAGRAM BEACON_MAX_DATAGRAM /* more than any UDP payload */

struct udp_broadcast {
	int command; /* CMD_SEND or CMD_LISTEN */
	/* what the options decided */
	const char *to;
	const char *ifname;
	const char *group;
	const char *reply;
	const char *message; /* NULL: datagrams come from stdin */
	int all_interfaces;
	int loop;
	int raw;
	int json;
	int ttl;         /* -1: the kernel's default */
	uint64_t count;  /* 0: the command's default */
	double interval; /* 0: no repetition */
	double wait;     /* 0: no replies collected */
	double timeout;  /* 0: no idle limit */
	size_t max_size;
	struct server_config server;
	/* run state */
	int fd;
	struct server srv;
	struct addrinfo *group_ai; /* --group, resolved */
	unsigned ifindex;          /* -i, resolved */
	struct dest_list dests;
	struct dgrecord rx; /* what listen (and send --wait) receives and prints */
	struct beacon tx;   /* what send sends */
	uint64_t replies;
};

static int bad_value(int key, const char *arg, const char *expected)
{
	return opt_bad_value(&udp_broadcast_tool, key, arg, "expected %s", expected);
}

/* Handles one of the tool's own options: EXIT_OK or EXIT_USAGE. */
static int parse_option(struct udp_broadcast *u, int key, const char *arg)
{
	uint64_t n;

	switch (key) {
	case OPT_TO:
		u->to = arg;
		break;
	case 'i':
		u->ifname = arg;
		break;
	case 'g':
		u->group = arg;
		break;
	case 'r':
		u->reply = arg;
		break;
	case OPT_ALL_INTERFACES:
		u->all_interfaces = 1;
		break;
	case OPT_LOOP:
		u->loop = 1;
		break;
	case OPT_RAW:
		u->raw = 1;
		break;
	case OPT_JSON:
		u->json = 1;
		break;
	case 'v':
		diag_set_verbosity(diag_verbosity() + 1);
		break;
	case OPT_TTL:
		if (parse_uint(arg, 0, 255, &n) < 0)
			return bad_value(key, arg, "0-255");
		u->ttl = (int)n;
		break;
	case 'c':
		if (parse_uint(arg, 1, UINT64_MAX, &u->count) < 0)
			return bad_value(key, arg, "a whole number from 1");
		break;
	case OPT_INTERVAL:
	case 'w':
	case 't':
		if (parse_seconds(arg, 0.001, 1e6,
		                  key == OPT_INTERVAL ? &u->interval
		                  : key == 'w'        ? &u->wait
		                                      : &u->timeout) < 0)
			return bad_value(key, arg, "seconds, such as 2 or 0.5");
		break;
	case OPT_MAX_SIZE:
		if (parse_size(arg, 1, MAX_DATAGRAM, &n) < 0)
			return bad_value(key, arg, "a size from 1 to 64K");
		u->max_size = (size_t)n;
		break;
	default:
		/* not reached: getopt knows the table */
		return diag_usage("unknown option '--%s'", opt_name(&udp_broadcast_tool, key));
	}
	return EXIT_OK;
}

/* The command word and the operands after it. */
static int parse_operands(struct udp_broadcast *u, int argc, char **argv, int index)
{
	if (index >= argc)
		return diag_usage("missing command: send or listen");
	if (strcmp(argv[index], "send") == 0)
		u->command = CMD_SEND;
	else if (strcmp(argv[index], "listen") == 0)
		u->command = CMD_LISTEN;
	else
		return diag_usage("unknown command '%s': send or listen", argv[index]);
	index++;
	if (u->command == CMD_SEND && index < argc)
		u->message = argv[index++];
	if (index < argc)
		return diag_usage(u->command == CMD_SEND
		                      ? "unexpected operand '%s' (quote a MESSAGE that has spaces)"
		                      : "unexpected operand '%s'",
		                  argv[index]);
	return EXIT_OK;
}

/* Options that contradict each other or the command (opt_next has refused
 * an option of the other command already). */
static int check_conflicts(struct udp_broadcast *u)
{
	struct addr_spec bspec;

	if (u->server.bind && addr_parse(u->server.bind, 1, &bspec) == 0 && bspec.is_unix)
		return opt_bad_value(
		    &udp_broadcast_tool, 'b', u->server.bind,
		    "expected ADDR, ADDR:PORT or [V6]:PORT (a unix socket carries no broadcast)");
	if (u->raw && u->json)
		return diag_usage("--raw and --json are exclusive");
	if (u->command == CMD_LISTEN)
		return EXIT_OK;
	if (u->to && u->group)
		return diag_usage("--to and --group are exclusive: give one destination");
	if (u->all_interfaces && (u->to || u->group || u->ifname))
		return diag_usage("--all-interfaces chooses destinations and interfaces itself: drop %s",
		                  u->to      ? "--to"
		                  : u->group ? "--group"
		                             : "--interface");
	if (u->loop && !u->group)
		return diag_usage("--loop is for multicast: give --group");
	if ((u->interval > 0 || u->count) && !u->message)
		return diag_usage("%s repeats a MESSAGE: give one as an operand",
		                  u->interval > 0 ? "--interval" : "--count");
	if (u->server.family == AF_INET6 && !u->to && !u->group)
		return diag_usage(
		    "IPv6 has no broadcast: give --group (ff02::1 is every node on the link) or --to");
	return EXIT_OK;
}

/* OPT_GO_ON when the command should run, else the status to exit with now. */
static int parse_args(struct udp_broadcast *u, int argc, char **argv)
{
	struct opt_state st;
	int key, rc;

	opt_init(&st, &udp_broadcast_tool, argc, argv);
	while ((key = opt_next(&st)) != OPT_END) {
		if (key == OPT_EXIT)
			return st.status;
		rc = server_parse_option(&u->server, &udp_broadcast_tool, key, st.arg);
		if (rc < 0) {
			opt_done(&st);
			return EXIT_USAGE;
		}
		if (rc == 0 && parse_option(u, key, st.arg) != EXIT_OK) {
			opt_done(&st);
			return EXIT_USAGE;
		}
	}
	rc = parse_operands(u, argc, argv, st.index);
	if (rc != EXIT_OK)
		return rc;
	rc = check_conflicts(u);
	/* one MESSAGE goes once, unless --interval makes it a beacon */
	if (u->command == CMD_SEND && u->message && !u->count && u->interval == 0)
		u->count = 1;
	return rc == EXIT_OK ? OPT_GO_ON : rc;
}

/* ---- listen ---- */

/* --group ADDR, with port (listen: "0", the bound port decides). */
static int resolve_group(struct udp_broadcast *u, const char *port)
{
	struct addr_spec gspec;
	int rc;

	if (addr_parse(u->group, 1, &gspec) < 0 || gspec.is_unix || gspec.port[0]) {
		return opt_bad_value(&udp_broadcast_tool, 'g', u->group,
		                     "expected a multicast address, such as 239.1.2.3 or ff02::1234");
	}
	rc = addr_resolve(&gspec, NULL, port, u->server.family, SOCK_DGRAM, 0, &u->group_ai);
	if (rc != 0)
		return diag_error("resolve %s: %s", u->group, addr_strerror(rc));
	if (!dgram_is_multicast(u->group_ai->ai_addr)) {
		return opt_bad_value(&udp_broadcast_tool, 'g', u->group,
		                     "not a multicast address (224.0.0.0/4 or ff00::/8)");
	}
	return EXIT_OK;
}

static int resolve_interface(struct udp_broadcast *u)
{
	if (!u->ifname)
		return EXIT_OK;
	u->ifindex = if_nametoindex(u->ifname);
	if (u->ifindex == 0)
		return diag_errno("interface %s", u->ifname);
	return EXIT_OK;
}

/* The server_open hook: everything that must be in place before the port is published. */
static int setup_listener(int fd, void *ctx)
{
	struct udp_broadcast *u = ctx;
	char group[INET6_ADDRSTRLEN];
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return diag_errno("getsockname");
	if (dgram_want_pktinfo(fd, ss.ss_family) < 0)
		return diag_errno("setsockopt %s",
		                  ss.ss_family == AF_INET6 ? "IPV6_RECVPKTINFO" : "IP_PKTINFO");
	diag_verbose(1, "%s on: each datagram comes with its destination address and interface",
	             ss.ss_family == AF_INET6 ? "IPV6_RECVPKTINFO" : "IP_PKTINFO");
	if (dgram_own_groups_only(fd, ss.ss_family) < 0)
		return diag_errno("setsockopt %s",
		                  ss.ss_family == AF_INET6 ? "IPV6_MULTICAST_ALL" : "IP_MULTICAST_ALL");
	diag_verbose(1, "%s off: only the groups this socket joins reach it",
	             ss.ss_family == AF_INET6 ? "IPV6_MULTICAST_ALL" : "IP_MULTICAST_ALL");
	if (u->ifname) {
		if (dgram_bind_device(fd, u->ifname) < 0)
			return diag_errno("bind to device %s", u->ifname);
		diag_verbose(1, "SO_BINDTODEVICE %s: datagrams of other interfaces are not ours", u->ifname);
	}
	if (u->group_ai) {
		addr_format_host(u->group_ai->ai_addr, group, sizeof group);
		if (u->group_ai->ai_family != ss.ss_family)
			return diag_error("join %s: the group's family differs from the bound address's",
			                  group);
		if (dgram_join_group(fd, u->group_ai->ai_addr, u->ifindex) < 0)
			return diag_errno("join group %s", group);
		diag_verbose(1, "joined group %s on %s (%s: the kernel tells the routers with %s)", group,
		             u->ifname ? u->ifname : "the interface routing picks",
		             ss.ss_family == AF_INET6 ? "IPV6_JOIN_GROUP" : "IP_ADD_MEMBERSHIP",
		             ss.ss_family == AF_INET6 ? "an MLD report" : "an IGMP report");
	}
	return EXIT_OK;
}

static int send_reply(struct udp_broadcast *u, const struct dgram_info *info)
{
	char source[ADDR_TEXT_MAX], from[INET6_ADDRSTRLEN];

	addr_format((const struct sockaddr *)&info->source, info->source_len, source, sizeof source);
	if (dgram_reply(u->fd, u->reply, strlen(u->reply), info) < 0) {
		/* one sender we cannot answer is no reason to stop listening */
		diag_errno("reply to %s", source);
		return EXIT_OK;
	}
	u->replies++;
	if (info->has_pktinfo && info->local.ss_family != AF_UNSPEC)
		diag_verbose(1, "replied %zu bytes to %s from %s", strlen(u->reply), source,
		             addr_format_host((const struct sockaddr *)&info->local, from, sizeof from));
	else
		diag_verbose(1, "replied %zu bytes to %s", strlen(u->reply), source);
	return EXIT_OK;
}

static void print_summary(const struct udp_broadcast *u)
{
	diag_info("received %llu datagrams (%llu bytes), %llu truncated, %llu replies sent",
	          (unsigned long long)u->rx.received, (unsigned long long)u->rx.received_bytes,
	          (unsigned long long)u->rx.truncated, (unsigned long long)u->replies);
}

/* Milliseconds poll may sleep: until --duration or the --timeout idle limit. */
static int listen_wait_ms(const struct udp_broadcast *u, uint64_t idle_deadline)
{
	int ms = server_wait_ms(&u->srv, -1);

	if (idle_deadline) {
		int idle = clock_ms_until(idle_deadline);
		if (ms < 0 || idle < ms)
			ms = idle;
	}
	return ms;
}

static int run_listener(struct udp_broadcast *u)
{
	uint64_t timeout_ns = clock_seconds_to_ns(u->timeout);
	uint64_t idle_deadline = u->timeout > 0 ? clock_now_ns() + timeout_ns : 0;
	struct pollfd pfd = { .fd = u->fd, .events = POLLIN, .revents = 0 };

	while (!sig_stop_requested() && !server_expired(&u->srv) && !(u->count && u->rx.received >= u->count)) {
		struct dgram_info info;
		int ready, got, rc;

		if (sig_report_requested())
			print_summary(u);
		if (idle_deadline && clock_now_ns() >= idle_deadline) {
			diag_verbose(1, "no datagram for %g s (--timeout): done", u->timeout);
			break;
		}
		ready = poll(&pfd, 1, listen_wait_ms(u, idle_deadline));
		if (ready < 0 && errno != EINTR)
			return diag_errno("poll");
		if (ready <= 0)
			continue;
		rc = dgrecord_receive(&u->rx, u->fd, "datagram", &info, &got);
		if (rc != EXIT_OK)
			return rc;
		if (!got)
			continue;
		if (idle_deadline)
			idle_deadline = clock_now_ns() + timeout_ns;
		if (u->reply)
			send_reply(u, &info);
	}
	return EXIT_OK;
}

static int listen_main(struct udp_broadcast *u)
{
	int rc;

	if (u->group) {
		rc = resolve_group(u, "0");
		if (rc != EXIT_OK)
			return rc;
		if (u->server.family == AF_UNSPEC)
			u->server.family = u->group_ai->ai_family; /* the wildcard of the group's family */
	}
	rc = resolve_interface(u);
	if (rc != EXIT_OK)
		return rc;
	if (sig_catch_stop() < 0 || sig_catch_report() < 0)
		return diag_errno("install signal handlers");
	u->server.setup = setup_listener;
	u->server.setup_ctx = u;
	rc = server_open(&u->srv, &u->server, SOCK_DGRAM, SOCK_NONBLOCK);
	if (rc != EXIT_OK)
		return rc;
	u->fd = u->srv.listen_fd;
	rc = run_listener(u);
	print_summary(u);
	server_close(&u->srv);
	u->fd = -1;
	return rc;
}

/* ---- send ---- */

/* --to ADDR[:PORT] (or the limited broadcast address), resolved. */
static int resolve_to(struct udp_broadcast *u, const char *text, const char *port, struct addrinfo **list)
{
	struct addr_spec aspec;
	int rc;

	if (addr_parse(text, 1, &aspec) < 0 || aspec.is_unix || !aspec.host[0])
		return opt_bad_value(&udp_broadcast_tool, OPT_TO, text,
		                     "expected ADDR, ADDR:PORT or [V6]:PORT");
	if (aspec.port[0] && u->server.port)
		return diag_usage("--to '%s' has a port and so has -p: give one", text);
	rc = addr_resolve(&aspec, NULL, port, u->server.family, SOCK_DGRAM, 0, list);
	if (rc != 0)
		return diag_error("resolve %s: %s", aspec.host, addr_strerror(rc));
	return EXIT_OK;
}

/* --all-interfaces, -i alone, --group, --to, or 255.255.255.255: the destination list. */
static int resolve_destinations(struct udp_broadcast *u)
{
	const char *port = u->server.port ? u->server.port : DEFAULT_PORT;
	struct addrinfo *list = NULL;
	int rc, added;

	if (u->all_interfaces) {
		added = dest_add_every_interface(&u->dests, dgrecord_interfaces(&u->rx), (unsigned)atoi(port));
		if (added < 0)
			return diag_errno("list destinations");
		if (added == 0)
			return diag_error(
			    "send: no interface can broadcast (none is up with an IPv4 broadcast address)");
		return EXIT_OK;
	}
	if (u->ifname && !u->group && !u->to) {
		if (dest_add_interface(&u->dests, dgrecord_interfaces(&u->rx), u->ifname,
		                       (unsigned)atoi(port)) == 0)
			return EXIT_OK;
		if (errno == EADDRNOTAVAIL)
			return diag_error("interface %s: no IPv4 broadcast address", u->ifname);
		return diag_errno("interface %s", u->ifname);
	}
	rc = u->group ? resolve_group(u, port) : resolve_to(u, u->to ? u->to : LIMITED_BROADCAST, port, &list);
	if (rc != EXIT_OK)
		return rc;
	if (u->group)
		rc = dest_add(&u->dests, u->group_ai->ai_addr, u->group_ai->ai_addrlen, u->ifname,
		              dgrecord_interfaces(&u->rx));
	else
		rc = dest_add(&u->dests, list->ai_addr, list->ai_addrlen, u->ifname,
		              dgrecord_interfaces(&u->rx));
	addr_free(list);
	if (rc < 0)
		return errno == ENODEV ? diag_errno("interface %s", u->ifname)
		                       : diag_errno("list destinations");
	return EXIT_OK;
}

/* -b for send: the source address (and port) datagrams leave from. */
static int bind_source(struct udp_broadcast *u, int family)
{
	struct addr_spec bspec;
	struct addrinfo *list;
	int rc;

	if (addr_parse(u->server.bind, 1, &bspec) < 0 || bspec.is_unix)
		return opt_bad_value(&udp_broadcast_tool, 'b', u->server.bind,
		                     "expected ADDR, ADDR:PORT or [V6]:PORT");
	rc = addr_resolve(&bspec, NULL, "0", family, SOCK_DGRAM, 1, &list);
	if (rc != 0)
		return diag_error("resolve %s: %s", u->server.bind, addr_strerror(rc));
	if (bind(u->fd, list->ai_addr, list->ai_addrlen) < 0) {
		char text[ADDR_TEXT_MAX];
		addr_format(list->ai_addr, list->ai_addrlen, text, sizeof text);
		addr_free(list);
		return diag_errno("bind %s", text);
	}
	addr_free(list);
	return EXIT_OK;
}

static int open_sender(struct udp_broadcast *u)
{
	int family = u->dests.items[0].addr.ss_family;
	char local[ADDR_TEXT_MAX];

	u->fd = dgram_socket(family, 0);
	if (u->fd < 0)
		return diag_errno("socket");
	/* Without SO_BROADCAST the kernel refuses a broadcast destination
	 * (EACCES): a guard against broadcasting by mistake.  IPv6 has no
	 * broadcast, only groups. */
	if (family == AF_INET) {
		if (dgram_set_broadcast(u->fd, 1) < 0)
			return diag_errno("setsockopt SO_BROADCAST");
		diag_verbose(1, "SO_BROADCAST on: broadcast destinations allowed");
	}
	if (u->server.bind) {
		int rc = bind_source(u, family);
		if (rc != EXIT_OK)
			return rc;
	}
	if (u->group) {
		if (dgram_set_multicast(u->fd, family, u->ttl, u->loop) < 0)
			return diag_errno("setsockopt multicast TTL and loop");
		diag_verbose(1, "multicast TTL %d, loop %s", u->ttl >= 0 ? u->ttl : 1, u->loop ? "on" : "off");
	} else if (u->ttl >= 0 && dgram_set_ttl(u->fd, family, u->ttl) < 0) {
		return diag_errno("setsockopt TTL");
	}
	if (u->wait > 0 && dgram_want_pktinfo(u->fd, family) < 0)
		return diag_errno("setsockopt %s", family == AF_INET6 ? "IPV6_RECVPKTINFO" : "IP_PKTINFO");
	if (u->server.bind)
		diag_verbose(1, "bound to %s", sock_local_text(u->fd, local, sizeof local));
	return EXIT_OK;
}

/* One datagram to every destination.  EXIT_OK or EXIT_FAIL after a message. */
/* The beacon's on_reply: a reply arrived during --wait, printed as listen prints. */
static int receive_reply(void *ctx)
{
	struct udp_broadcast *u = ctx;
	struct dgram_info info;
	int got;

	return dgrecord_receive(&u->rx, u->fd, "reply", &info, &got);
}

/* Rounds of MESSAGE (or stdin's lines) to every destination, then --wait. */
static int run_sender(struct udp_broadcast *u)
{
	u->tx.fd = u->fd;
	u->tx.dests = &u->dests;
	u->tx.message = u->message;
	u->tx.raw = u->raw;
	u->tx.count = u->count;
	u->tx.interval = u->interval;
	u->tx.wait = u->wait;
	u->tx.duration = u->server.duration;
	u->tx.on_reply = receive_reply;
	u->tx.ctx = u;
	return beacon_run(&u->tx);
}

static int send_main(struct udp_broadcast *u)
{
	int rc = resolve_destinations(u);

	if (rc != EXIT_OK)
		return rc;
	if (sig_catch_stop() < 0)
		return diag_errno("install signal handlers");
	rc = open_sender(u);
	if (rc == EXIT_OK)
		rc = run_sender(u);
	if (rc == EXIT_OK && u->wait > 0 && u->rx.received == 0) {
		diag_info("no reply within %g s", u->wait);
		rc = EXIT_NO_REPLY;
	}
	return rc;
}

static void udp_broadcast_init(struct udp_broadcast *u)
{
	memset(u, 0, sizeof *u);
	u->ttl = -1;
	u->max_size = MAX_DATAGRAM;
	u->fd = -1;
	dgrecord_init(&u->rx, MAX_DATAGRAM);
	beacon_init(&u->tx);
	server_config_init(&u->server, DEFAULT_PORT);
	/* a broadcast never arrives at 127.0.0.1: listen on every address */
	u->server.default_bind = "0.0.0.0";
}

static void udp_broadcast_free(struct udp_broadcast *u)
{
	if (u->fd >= 0)
		close(u->fd);
	if (u->group_ai)
		addr_free(u->group_ai);
	dest_list_free(&u->dests);
	dgrecord_free(&u->rx);
	beacon_free(&u->tx);
}

int udp_broadcast_main(int argc, char **argv)
{
	struct udp_broadcast u;
	int rc;

	udp_broadcast_init(&u);
	rc = parse_args(&u, argc, argv);
	if (rc != OPT_GO_ON) {
		udp_broadcast_free(&u);
		return rc;
	}
	u.rx.raw = u.raw;
	u.rx.json = u.json;
	u.rx.max_size = u.max_size;
	rc = dgrecord_alloc(&u.rx) == 0 ? EXIT_OK : diag_errno("allocate receive buffer");
	if (rc == EXIT_OK)
		rc = u.command == CMD_SEND ? send_main(&u) : listen_main(&u);
	udp_broadcast_free(&u);
	return rc;
}
