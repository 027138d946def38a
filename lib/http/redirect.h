/*
 * redirect.h - following redirects as curl -L does (RFC 9110 15.4): which
 * statuses are followed, where the Location leads, what the next request
 * sends.
 *
 * Promise: a Location is resolved against the URL that was asked (a
 * relative reference allowed, RFC 9110 10.2.2), the chain is bounded by
 * a count, and a refusal is put in words (the messages http-probe(1)
 * prints, a hostile Location escaped to one line).  Nothing is printed.
 */
#ifndef SOCKBOX_REDIRECT_H
#define SOCKBOX_REDIRECT_H

#include <stddef.h>
#include <stdint.h>

#include "http/http.h"
#include "http/url.h"

/* 1 for the statuses followed: 301, 302, 303, 307, 308. */
int redirect_is_followed(int status);

/* After hops redirects already followed, r's redirect from url: 1 with
 * the next URL in next and written out in text; 0 when r is none to
 * follow, or with the reason in error when it is refused (more than
 * max_hops, a Location that is no URL). */
int redirect_plan(const struct http_response *r, const struct url *url, uint64_t hops, uint64_t max_hops,
                  struct url *next, char *text, size_t text_size, char *error, size_t error_size);

/* The request after a redirect with status: 303 (but for HEAD), and 301
 * or 302 after a POST, become a GET without a body; 307 and 308 keep both. */
void redirect_method(int status, const char **method, int *with_body);

#endif
