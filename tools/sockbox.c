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

/* A tool's name and summary live in its own option table (tool->name,
 * tool->summary): the table below only pairs that with the entry point. */
struct tool {
	const struct opt_tool *spec;
	int (*main)(int argc, char **argv);
};

/* Sorted by name; matched by exact name only, never by prefix.  One entry
 * a line (clang-format would pack an odd-sized table two a line). */
/* clang-format off */
static const struct tool tools[] = {
	{ &epoll_server_tool, epoll_server_main },
	{ &file_copy_tool, file_copy_main },
	{ &ftp_client_tool, ftp_client_main },
	{ &ftp_server_tool, ftp_server_main },
	{ &http_probe_tool, http_probe_main },
	{ &ipc_bench_tool, ipc_bench_main },
	{ &log_writer_tool, log_writer_main },
	{ &poll_server_tool, poll_server_main },
	{ &select_server_tool, select_server_main },
	{ &sniff_tool, sniff_main },
	{ &struct_pack_tool, struct_pack_main },
	{ &tcp_echo_tool, tcp_echo_main },
	{ &udp_broadcast_tool, udp_broadcast_main },
	{ &udp_chat_tool, udp_chat_main },
	{ &uring_server_tool, uring_server_main },
	{ NULL, NULL },
};
/* clang-format on */

static const struct tool *find_tool(const char *name)
{
	for (const struct tool *t = tools; t->spec; t++)
		if (strcmp(t->spec->name, name) == 0)
			return t;
	return NULL;
}

static void print_help(FILE *out)
{
	fprintf(out, "Usage: sockbox TOOL [OPTIONS] [ARGS]\n"
	             "       TOOL [OPTIONS] [ARGS]        (through a link named after the tool)\n"
	             "       sockbox --list | --help | --version\n"
	             "Small Linux networking and IO tools in one binary.\n\nTools:\n");
	for (const struct tool *t = tools; t->spec; t++)
		fprintf(out, "  %-16s%s\n", t->spec->name, t->spec->summary);
	fprintf(out, "\nRun 'sockbox TOOL --help' for a tool's options; see sockbox(1) and sockbox(7).\n");
}

static int run_tool(const struct tool *t, int argc, char **argv)
{
	diag_set_tool(t->spec->name);
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
	/* The binary itself is any name that starts with "sockbox" (sockbox,
	 * a build's sockbox-asan); any other name is a link meant for a tool
	 * this binary does not have, and it says so rather than print help. */
	if (strncmp(self, "sockbox", 7) != 0) {
		diag_error("unknown tool '%s' (see 'sockbox --list')", self);
		return EXIT_USAGE;
	}

	if (argc < 2) {
		print_help(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--list") == 0) {
		for (t = tools; t->spec; t++)
			printf("%s\n", t->spec->name);
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
