/*
 * redirect.c - the redirect statuses, the Location, the next request's method.
 */
#include "http/redirect.h"

#include "base/buf.h"
#include "base/escape.h"

#include <stdio.h>
#include <string.h>

int redirect_is_followed(int status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

int redirect_plan(const struct http_response *r, const struct url *url, uint64_t hops, uint64_t max_hops,
                  struct url *next, char *text, size_t text_size, char *error, size_t error_size)
{
	const char *location = http_fields_get(&r->headers, "Location");
	const char *why;

	if (!redirect_is_followed(r->status) || !location)
		return 0;
	if (hops >= max_hops) {
		snprintf(error, error_size, "stopped after %llu redirects (--max-redirs)",
		         (unsigned long long)hops);
		return 0;
	}
	if (url_resolve(url, location, next, &why) < 0) {
		struct buf escaped = BUF_INIT;
		escape_bytes(&escaped, location, strlen(location));
		snprintf(error, error_size, "redirect to '%s': %s", escaped.data, why);
		buf_free(&escaped);
		return 0;
	}
	url_format(next, text, text_size);
	return 1;
}

void redirect_method(int status, const char **method, int *with_body)
{
	if ((status == 303 && strcmp(*method, "HEAD") != 0) || (status <= 302 && strcmp(*method, "POST") == 0)) {
		*method = "GET";
		*with_body = 0;
	}
}
