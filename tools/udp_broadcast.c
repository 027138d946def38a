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
#include "base/buf.h"
#include "base/clock.h"
#include "net/dest.h"
#include "net/dgram.h"
#include "cli/diag.h"
#include "base/escape.h"
#include "net/iface.h"
#include "base/io.h"
#include "base/json.h"
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
#define MAX_DATAGRAM 65536u /* more than any UDP payload (65507 bytes on IPv4, 65527 on IPv6) */

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
	struct iface_list ifaces;
	uint64_t ifaces_loaded_ns;
	unsigned char *datagram; /* receive buffer, max_size bytes */
	struct buf record;       /* one output record */
	struct buf pending;      /* stdin bytes not yet sent */
	int stdout_closed;       /* EPIPE: the reader went away */
	uint64_t received, received_bytes, truncated, replies, sent;
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

/* ---- output: one record per datagram received ---- */

/* A snapshot of the interfaces at most a second old: addresses change. */
static const struct iface_list *interfaces(struct udp_broadcast *u)
{
	uint64_t now = clock_now_ns();

	if (u->ifaces_loaded_ns && now - u->ifaces_loaded_ns < 1000000000u)
		return &u->ifaces;
	iface_list_free(&u->ifaces);
	if (iface_list_load(&u->ifaces) < 0)
		diag_verbose(1, "getifaddrs: %s", strerror(errno));
	u->ifaces_loaded_ns = now;
	return &u->ifaces;
}

/* Writes the record for one datagram: EXIT_OK, or EXIT_FAIL after a message. */
static int print_datagram(struct udp_broadcast *u, const unsigned char *data, size_t kept,
                          const struct dgram_info *info)
{
	int rc;

	if (u->stdout_closed)
		return EXIT_OK;
	buf_clear(&u->record);
	if (u->raw)
		rc = buf_append(&u->record, data, kept);
	else if (u->json)
		rc = dgram_format_json(&u->record, info, data, kept, interfaces(u));
	else
		rc = dgram_format_line(&u->record, info, data, kept);
	if (rc < 0)
		return diag_errno("format datagram");
	if (io_write_full(STDOUT_FILENO, u->record.data, u->record.len) < 0) {
		if (errno != EPIPE)
			return diag_errno("write stdout");
		u->stdout_closed = 1; /* the reader went away: end quietly, as filters do */
		sig_request_stop();
	}
	return EXIT_OK;
}

/* -v: where a datagram came from and where it was going. */
static void narrate_datagram(struct udp_broadcast *u, const struct dgram_info *info, const char *what)
{
	char source[ADDR_TEXT_MAX], dest[INET6_ADDRSTRLEN], ifname[IF_NAMESIZE];
	const char *name;

	if (diag_verbosity() < 1)
		return;
	addr_format((const struct sockaddr *)&info->source, info->source_len, source, sizeof source);
	if (!info->has_pktinfo) {
		diag_verbose(1, "%s of %zu bytes from %s", what, info->length, source);
		return;
	}
	name = iface_name(interfaces(u), info->ifindex, ifname);
	diag_verbose(1, "%s of %zu bytes from %s to %s (%s) on %s", what, info->length, source,
	             addr_format_host((const struct sockaddr *)&info->destination, dest, sizeof dest),
	             dgram_kind(info, interfaces(u)), name ? name : "?");
}

/*
 * Reads one datagram and prints it.  Sets *got to 1 when one was read
 * (0 on a spurious wake-up).  EXIT_OK or EXIT_FAIL.
 */
static int receive_datagram(struct udp_broadcast *u, const char *what, struct dgram_info *info, int *got)
{
	char source[ADDR_TEXT_MAX];
	ssize_t kept = dgram_recv(u->fd, u->datagram, u->max_size, info);

	*got = 0;
	if (kept < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return EXIT_OK;
		return diag_errno("receive");
	}
	*got = 1;
	u->received++;
	u->received_bytes += info->length;
	narrate_datagram(u, info, what);
	if (info->truncated) {
		u->truncated++;
		addr_format((const struct sockaddr *)&info->source, info->source_len, source, sizeof source);
		diag_info("receive from %s: datagram of %zu bytes truncated to %zu (--max-size)", source,
		          info->length, (size_t)kept);
	}
	return print_datagram(u, u->datagram, (size_t)kept, info);
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
	          (unsigned long long)u->received, (unsigned long long)u->received_bytes,
	          (unsigned long long)u->truncated, (unsigned long long)u->replies);
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

	while (!sig_stop_requested() && !server_expired(&u->srv) && !(u->count && u->received >= u->count)) {
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
		rc = receive_datagram(u, "datagram", &info, &got);
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
		added = dest_add_every_interface(&u->dests, interfaces(u), (unsigned)atoi(port));
		if (added < 0)
			return diag_errno("list destinations");
		if (added == 0)
			return diag_error(
			    "send: no interface can broadcast (none is up with an IPv4 broadcast address)");
		return EXIT_OK;
	}
	if (u->ifname && !u->group && !u->to) {
		if (dest_add_interface(&u->dests, interfaces(u), u->ifname, (unsigned)atoi(port)) == 0)
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
		              interfaces(u));
	else
		rc = dest_add(&u->dests, list->ai_addr, list->ai_addrlen, u->ifname, interfaces(u));
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
static int send_round(struct udp_broadcast *u, const void *data, size_t len)
{
	char text[ADDR_TEXT_MAX], local[ADDR_TEXT_MAX];

	for (size_t i = 0; i < u->dests.count; i++) {
		const struct dest *d = &u->dests.items[i];
		addr_format((const struct sockaddr *)&d->addr, d->len, text, sizeof text);
		if (dgram_send(u->fd, data, len, (const struct sockaddr *)&d->addr, d->len, d->ifindex, NULL) <
		    0)
			return diag_errno("send to %s", text);
		if (u->sent++ == 0)
			diag_verbose(
			    1,
			    "first datagram sent: the kernel bound the socket to %s, where replies come back",
			    sock_local_text(u->fd, local, sizeof local));
		if (d->ifindex)
			diag_verbose(1, "sent %zu bytes to %s (%s) through %s", len, text, d->kind, d->ifname);
		else
			diag_verbose(1, "sent %zu bytes to %s (%s)", len, text, d->kind);
	}
	return EXIT_OK;
}

/*
 * Sends what stdin brought: each complete line (or, with --raw, nothing
 * until end of file).  at_eof sends the rest.  EXIT_OK or EXIT_FAIL.
 */
static int send_pending(struct udp_broadcast *u, int at_eof)
{
	struct buf *q = &u->pending;
	char *nl;

	if (u->raw) {
		if (buf_readable(q) > MAX_DATAGRAM)
			return diag_error("read stdin: more than %u bytes: one datagram cannot hold it",
			                  MAX_DATAGRAM);
		return at_eof ? send_round(u, buf_head(q), buf_readable(q)) : EXIT_OK;
	}
	while (buf_readable(q) > 0 && (nl = memchr(buf_head(q), '\n', buf_readable(q))) != NULL) {
		size_t line = (size_t)(nl - buf_head(q));
		if (send_round(u, buf_head(q), line) != EXIT_OK)
			return EXIT_FAIL;
		buf_consume(q, line + 1);
	}
	if (buf_readable(q) > MAX_DATAGRAM)
		return diag_error("read stdin: a line longer than %u bytes: one datagram cannot hold it",
		                  MAX_DATAGRAM);
	if (at_eof && buf_readable(q) > 0) {
		if (send_round(u, buf_head(q), buf_readable(q)) != EXIT_OK)
			return EXIT_FAIL;
		buf_clear(&u->pending);
	}
	return EXIT_OK;
}

/* Reads what stdin has; *eof set at its end.  EXIT_OK or EXIT_FAIL. */
static int read_stdin(struct udp_broadcast *u, int *eof)
{
	char chunk[16384];
	ssize_t n = read(STDIN_FILENO, chunk, sizeof chunk);

	*eof = 0;
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? EXIT_OK : diag_errno("read stdin");
	if (n == 0) {
		*eof = 1;
		return send_pending(u, 1);
	}
	if (buf_append(&u->pending, chunk, (size_t)n) < 0)
		return diag_errno("read stdin");
	return send_pending(u, 0);
}

/* The state of a send run: rounds of MESSAGE, or stdin; then the wait for replies. */
struct send_clock {
	int sending;            /* rounds (or stdin) still to go */
	uint64_t rounds;        /* rounds sent */
	uint64_t next_round_ns; /* when the next round of MESSAGE is due */
	uint64_t wait_until_ns; /* once sending is over: when --wait ends */
	uint64_t deadline_ns;   /* --duration, 0 for none */
};

static void finish_sending(struct udp_broadcast *u, struct send_clock *sc)
{
	sc->sending = 0;
	sc->wait_until_ns = clock_now_ns() + clock_seconds_to_ns(u->wait);
	if (u->wait > 0)
		diag_verbose(1, "waiting %g s for replies", u->wait);
}

/* A round of MESSAGE when one is due. */
static int send_due_round(struct udp_broadcast *u, struct send_clock *sc, uint64_t now)
{
	uint64_t interval_ns = clock_seconds_to_ns(u->interval > 0 ? u->interval : 1.0);

	if (send_round(u, u->message, strlen(u->message)) != EXIT_OK)
		return EXIT_FAIL;
	sc->rounds++;
	if (u->count && sc->rounds >= u->count) {
		finish_sending(u, sc);
		return EXIT_OK;
	}
	/* keep the cadence, but never try to catch up on missed rounds */
	sc->next_round_ns += interval_ns;
	if (sc->next_round_ns <= now)
		sc->next_round_ns = now + interval_ns;
	return EXIT_OK;
}

/* How long poll may sleep: until the next round, the end of --wait, or --duration. */
static int send_wait_ms(const struct udp_broadcast *u, const struct send_clock *sc)
{
	int ms = -1;

	if (sc->sending && u->message)
		ms = clock_ms_until(sc->next_round_ns);
	if (!sc->sending)
		ms = clock_ms_until(sc->wait_until_ns);
	if (sc->deadline_ns) {
		int left = clock_ms_until(sc->deadline_ns);
		if (ms < 0 || left < ms)
			ms = left;
	}
	return ms;
}

static int run_sender(struct udp_broadcast *u)
{
	struct send_clock sc = { 1, 0, clock_now_ns(), 0, 0 };
	struct pollfd pfd[2];

	if (u->server.duration > 0)
		sc.deadline_ns = clock_now_ns() + clock_seconds_to_ns(u->server.duration);
	while (!sig_stop_requested()) {
		uint64_t now = clock_now_ns();
		nfds_t n = 0;
		int ready, rc = EXIT_OK, stdin_slot = -1, sock_slot = -1;

		if (sc.deadline_ns && now >= sc.deadline_ns)
			break;
		if (sc.sending && u->message && now >= sc.next_round_ns) {
			if (send_due_round(u, &sc, now) != EXIT_OK)
				return EXIT_FAIL;
			continue;
		}
		if (!sc.sending && now >= sc.wait_until_ns)
			break;
		if (sc.sending && !u->message) {
			pfd[n] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN, .revents = 0 };
			stdin_slot = (int)n++;
		}
		if (u->wait > 0) {
			pfd[n] = (struct pollfd){ .fd = u->fd, .events = POLLIN, .revents = 0 };
			sock_slot = (int)n++;
		}
		ready = poll(pfd, n, send_wait_ms(u, &sc));
		if (ready < 0 && errno != EINTR)
			return diag_errno("poll");
		if (ready <= 0)
			continue;
		if (stdin_slot >= 0 && pfd[stdin_slot].revents) {
			int eof;
			rc = read_stdin(u, &eof);
			if (rc == EXIT_OK && eof)
				finish_sending(u, &sc);
		}
		if (rc == EXIT_OK && sock_slot >= 0 && (pfd[sock_slot].revents & POLLIN)) {
			struct dgram_info info;
			int got;
			rc = receive_datagram(u, "reply", &info, &got);
		}
		if (rc != EXIT_OK)
			return rc;
	}
	return EXIT_OK;
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
	if (rc == EXIT_OK && u->wait > 0 && u->received == 0) {
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
	u->record = (struct buf)BUF_INIT;
	u->pending = (struct buf)BUF_INIT;
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
	free(u->datagram);
	iface_list_free(&u->ifaces);
	buf_free(&u->record);
	buf_free(&u->pending);
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
	u.datagram = malloc(u.max_size);
	rc = u.datagram ? EXIT_OK : diag_errno("allocate receive buffer");
	if (rc == EXIT_OK)
		rc = u.command == CMD_SEND ? send_main(&u) : listen_main(&u);
	udp_broadcast_free(&u);
	return rc;
}
