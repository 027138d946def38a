/*
 * ftp-reply.c - libFuzzer target for what ftp-client reads from a server on
 * the control connection: replies fed line by line (multi-line ones, bounded),
 * the 227 and 229 passive addresses, SIZE and HASH answers, and the ftp://
 * URL and ~/.netrc parsers the client meets before it connects.  Whatever
 * comes in: no read past the input, a reply's text stays NUL-terminated and
 * within its buffer, a parsed port is never 0, a URL path holds no line break.
 */
#include "ftp/ftpreply.h"
#include "ftp/netrc.h"
#include "http/url.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void feed_lines(const char *text, size_t size)
{
	struct ftp_reply r;
	size_t at = 0;

	ftp_reply_reset(&r);
	while (at < size) {
		const char *nl = memchr(text + at, '\n', size - at);
		size_t len = nl ? (size_t)(nl - text) - at : size - at;
		int done = ftp_reply_feed(&r, text + at, len);
		if (r.len >= sizeof r.text || r.text[r.len] != '\0')
			abort();
		if (done != 0) {
			if (done == 1 && (r.code < 100 || r.code > 599))
				abort();
			(void)ftp_reply_last_line(&r);
			ftp_reply_reset(&r);
		}
		at += len + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	unsigned char addr[4];
	unsigned port;
	uint64_t n;
	char algo[16], hex[129];
	struct url_ftp u;
	struct netrc_entry e;
	const char *why;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	feed_lines(text, size);
	if (ftp_parse_227(text, addr, &port) == 0 && port == 0)
		abort();
	if (ftp_parse_229(text, &port) == 0 && (port == 0 || port > 65535))
		abort();
	(void)ftp_parse_size(text, &n);
	(void)ftp_parse_hash(text, algo, sizeof algo, hex, sizeof hex);
	if (url_parse_ftp(text, &u, &why) == 0 && (strpbrk(u.path, "\r\n") || u.port == 0 || !u.host[0]))
		abort();
	(void)netrc_find(text, size, "127.0.0.1", NULL, &e);
	free(text);
	return 0;
}
