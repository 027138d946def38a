/*
 * url-resolve.c - libFuzzer target for url_parse and url_resolve: with -L,
 * http-probe resolves whatever a server puts in a Location field against
 * the URL it asked for.  The input is "BASE\nREFERENCE".  Whatever comes
 * in, the result must be refused or be a URL whose request target is safe
 * on a request line (starts with '/', no space or control character) and
 * whose text parses back to the same URL.
 */
#include "http/url.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct url *u)
{
	char text[URL_TARGET_MAX + URL_HOST_MAX + 32];
	struct url again;
	const char *why;

	if (u->target[0] != '/' || !u->host[0] || u->port == 0 || u->port > 65535)
		abort();
	for (const char *p = u->target; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			abort();
	url_format(u, text, sizeof text);
	if (url_parse(text, &again, &why) != 0 || strcmp(again.target, u->target) != 0 ||
	    strcmp(again.host, u->host) != 0 || again.port != u->port || again.https != u->https)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	char *ref;
	struct url base, out;
	const char *why;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	ref = strchr(text, '\n');
	if (ref)
		*ref++ = '\0';
	if (url_parse(text, &base, &why) == 0) {
		check(&base);
		if (ref && url_resolve(&base, ref, &out, &why) == 0)
			check(&out);
	}
	free(text);
	return 0;
}
