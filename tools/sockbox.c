/*
 * sockbox.c - the multi-call binary: the tool table and main.
 *
 * `sockbox TOOL ARGS...` runs TOOL; so does a link named TOOL that points
 * at the binary (busybox-style).  The table below is the only list of
 * tools: --list, --help, `make install-links` and the completion scripts
 * are all derived from it.
 */
#include "cli/diag.h"
#include "cli/version.h"
#include "sig/sig.h"
#include "tools.h"

#include <stdio.h>
#include <string.h>

struct tool {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *summary;
};

/* Sorted by name; matched by exact name only, never by prefix. */
static const struct tool tools[] = {
	{ "epoll-server", epoll_server_main, "single-threaded TCP server on epoll: echo, reply or http" },
	{ "file-copy", file_copy_main, "copy a file safely and fast: atomic replace, holes, zero-copy" },
	{ "http-probe", http_probe_main, "HTTP/1.1 and HTTPS probe: timing per phase, expectations, statistics" },
	{ "log-writer", log_writer_main, "append numbered, timestamped lines; numbering survives restarts" },
	{ "poll-server", poll_server_main, "single-threaded TCP server on poll: echo, reply or http" },
	{ "select-server", select_server_main, "single-threaded TCP server on select: echo, reply or http" },
	{ "sniff", sniff_main, "capture packets and show their layers, the TCP handshake and teardown" },
	{ "struct-pack", struct_pack_main, "pack and unpack binary records, Python struct formats" },
	{ "tcp-echo", tcp_echo_main, "TCP echo server (iterative, fork, thread) and client with a load mode" },
	{ "udp-broadcast", udp_broadcast_main, "send UDP broadcasts and multicasts, or listen for them" },
	{ NULL, NULL, NULL },
};

static const struct tool *find_tool(const char *name)
{
	for (const struct tool *t = tools; t->name; t++)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

static void print_help(FILE *out)
{
	fprintf(out,
		"Usage: sockbox TOOL [OPTIONS] [ARGS]\n"
		"       TOOL [OPTIONS] [ARGS]        (through a link named after the tool)\n"
		"       sockbox --list | --help | --version\n"
		"Small Linux networking and IO tools in one binary.\n\nTools:\n");
	for (const struct tool *t = tools; t->name; t++)
		fprintf(out, "  %-16s%s\n", t->name, t->summary);
	fprintf(out, "\nRun 'sockbox TOOL --help' for a tool's options; see sockbox(1) and sockbox(7).\n");
}

static int run_tool(const struct tool *t, int argc, char **argv)
{
	diag_set_tool(t->name);
	return diag_finish_stdout(t->main(argc, argv));
}

int main(int argc, char **argv)
{
	const char *self = argv[0] ? strrchr(argv[0], '/') : NULL;
	const struct tool *t;

	self = self ? self + 1 : (argv[0] ? argv[0] : "sockbox");
	/* Once for every tool: a write to a closed pipe or socket returns
	 * EPIPE, so a filter whose reader left ends quietly with exit 0 and a
	 * server outlives a client that went away (sig.h has the policy). */
	if (sig_ignore_pipe() < 0)
		return diag_errno("ignore SIGPIPE");
	t = find_tool(self);
	if (t)
		return run_tool(t, argc, argv);

	if (argc < 2) {
		print_help(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--list") == 0) {
		for (t = tools; t->name; t++)
			printf("%s\n", t->name);
		return diag_finish_stdout(EXIT_OK);
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		print_help(stdout);
		return diag_finish_stdout(EXIT_OK);
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("sockbox %s\n", SOCKBOX_VERSION);
		return diag_finish_stdout(EXIT_OK);
	}
	if (argv[1][0] == '-')
		return diag_usage("unknown option '%s'", argv[1]);
	t = find_tool(argv[1]);
	if (!t) {
		diag_error("unknown tool '%s' (see 'sockbox --list')", argv[1]);
		return EXIT_USAGE;
	}
	return run_tool(t, argc - 1, argv + 1);
}
