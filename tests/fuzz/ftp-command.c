/*
 * ftp-command.c - libFuzzer target for ftp-server's parser of untrusted
 * bytes (lib/ftp/ftpcmd): the bytes fed to the line reader in pieces of
 * every size the first byte picks, each line parsed as a command, its
 * argument resolved as a path from two current directories, and read as
 * PORT, EPRT and REST arguments.  Clients are anyone who can connect: any
 * input must be answered or refused, never read past, never crash, and a
 * resolved path must never climb above the root.
 */
#include "ftp/ftpcmd.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_line(const char *line)
{
	struct ftpcmd cmd;
	struct sockaddr_storage ss;
	socklen_t len;
	uint64_t offset;
	char path[FTPCMD_PATH_MAX], quoted[2 * FTPCMD_PATH_MAX];
	int all;

	if (ftpcmd_parse(line, &cmd) < 0)
		return;
	if (strlen(cmd.verb) < 3 || strlen(cmd.verb) > FTPCMD_VERB_MAX)
		abort();
	(void)ftpcmd_parse_port(cmd.arg, &ss, &len);
	(void)ftpcmd_parse_eprt(cmd.arg, &ss, &len);
	(void)ftpcmd_parse_offset(cmd.arg, &offset);
	for (int i = 0; i < 2; i++) {
		const char *arg = i ? ftpcmd_list_arg(cmd.arg, &all) : cmd.arg;
		if (ftpcmd_path(i ? "/a/b" : "/", arg, path, sizeof path) == 0) {
			/* normalised: rooted, no dot segments, no empty segment */
			if (path[0] != '/' || strstr(path, "/../") || strstr(path, "//") ||
			    (strlen(path) >= 3 && strcmp(path + strlen(path) - 3, "/..") == 0))
				abort();
			(void)ftpcmd_relative(path);
			(void)ftpcmd_basename(path);
			ftpcmd_quote(path, quoted, sizeof quoted);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ftpcmd_reader rd;
	static char line[FTPCMD_LINE_MAX + 1];
	size_t piece = size ? (size_t)data[0] % 64 + 1 : 1;
	size_t offset = size ? 1 : 0;

	ftpcmd_reader_init(&rd);
	while (offset < size) {
		size_t room, n;
		char *space = ftpcmd_reader_space(&rd, &room);
		enum ftpcmd_line got;

		if (room == 0)
			abort();
		n = size - offset < piece ? size - offset : piece;
		n = n < room ? n : room;
		memcpy(space, data + offset, n);
		ftpcmd_reader_added(&rd, n);
		offset += n;
		while ((got = ftpcmd_reader_take(&rd, line)) != FTPCMD_NONE) {
			if (got == FTPCMD_LINE) {
				if (strlen(line) > FTPCMD_LINE_MAX)
					abort();
				check_line(line);
			}
		}
	}
	return 0;
}
