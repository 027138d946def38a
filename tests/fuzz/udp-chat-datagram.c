/*
 * udp-chat-datagram.c - libFuzzer target for the chat protocol's parsers
 * (lib/chat/proto): a request any stranger may send the server, and a
 * line a hostile server may send a client.  Whatever the bytes, the
 * parsers read nothing past them, and what they accept keeps its promise:
 * a name and a text of an accepted request are valid UTF-8 without a
 * newline, within the datagram, and a name passes the name rules.
 */
#include "chat/proto.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_inside(const void *base, size_t size, const char *p, size_t len)
{
	const char *b = base;

	if (p && (p < b || p + len > b + size))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a copy of exactly size bytes, so ASan sees any read past the end */
	char *copy = malloc(size ? size : 1);
	struct chat_request req;
	struct chat_line line;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (chat_parse_request(copy, size, &req) == CHAT_OK) {
		check_inside(copy, size, req.name, req.name_len);
		check_inside(copy, size, req.text, req.text_len);
		if (req.name &&
		    (memchr(req.name, '\n', req.name_len) || !chat_utf8_valid(req.name, req.name_len)))
			abort();
		if (req.text && chat_text_check(req.text, req.text_len) != CHAT_OK)
			abort();
		if (req.verb == CHAT_JOIN && chat_name_check(req.name, req.name_len) != CHAT_OK)
			abort();
	}
	chat_parse_line(copy, size, &line);
	check_inside(copy, size, line.name, line.name_len);
	check_inside(copy, size, line.text, line.text_len);
	if (line.kind != CHAT_LINE_BAD && chat_text_check(line.text, line.text_len) != CHAT_OK)
		abort();
	free(copy);
	return 0;
}
