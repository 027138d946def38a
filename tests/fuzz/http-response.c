/*
 * http-response.c - libFuzzer target for the HTTP/1.1 response parser
 * (lib/http.c): responses come from any server on the network, hostile
 * ones included.  Each input is parsed three times, all at once, one byte
 * at a time, and in uneven pieces, and the three runs must agree on
 * everything (events, status, fields, body bytes, error text): TCP may
 * split a response anywhere, and the parser promises the same result for
 * every split.  The first byte chooses a HEAD request and the piece size.
 */
#include "http/http.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct outcome {
	enum http_event last;
	int status;
	int version_minor;
	int keep_alive;
	unsigned interim;
	size_t headers;
	size_t trailers;
	uint64_t body_bytes;
	uint32_t body_hash;
	size_t consumed;
	char error[HTTP_ERROR_MAX];
};

static uint32_t fnv1a(uint32_t h, const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)p[i]) * 16777619u;
	return h;
}

static void run(const char *data, size_t size, size_t step, int no_body, struct outcome *o)
{
	struct http_response r;
	size_t at = 0, arrived = step < size ? step : size;
	size_t rounds = 0;
	enum http_event ev;

	memset(o, 0, sizeof *o);
	o->body_hash = 2166136261u;
	http_response_init(&r, 512, no_body);
	for (;;) {
		size_t used = 0;
		struct http_slice body;
		if (++rounds > 4 * size + 64)
			abort(); /* the parser stopped making progress */
		ev = http_response_feed(&r, data + at, arrived - at, &used, &body);
		if (used > arrived - at)
			abort();
		if (ev == HTTP_EV_BODY) {
			if (body.len == 0 || body.ptr < data + at || body.ptr + body.len > data + at + used)
				abort();
			o->body_hash = fnv1a(o->body_hash, body.ptr, body.len);
		}
		at += used;
		if (ev == HTTP_EV_MORE) {
			if (at != arrived)
				abort();
			if (arrived == size) {
				ev = http_response_eof(&r);
				break;
			}
			arrived = arrived + step < size ? arrived + step : size;
		} else if (ev == HTTP_EV_DONE || ev == HTTP_EV_ERROR) {
			break;
		} else if (ev == HTTP_EV_HEAD) {
			/* the shared helpers must hold up on whatever was parsed */
			struct http_framing framing;
			const char *why;
			(void)http_fields_has_token(&r.headers, "Connection", "close");
			(void)http_framing(&r.headers, 1, r.version_minor, &framing, &why);
		}
	}
	o->last = ev;
	o->status = r.status;
	o->version_minor = r.version_minor;
	o->keep_alive = r.keep_alive;
	o->interim = r.interim;
	o->headers = r.headers.count;
	o->trailers = r.trailers.count;
	o->body_bytes = r.body_bytes;
	o->consumed = at;
	if (ev == HTTP_EV_ERROR)
		strcpy(o->error, http_response_error(&r));
	http_response_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome whole, bytewise, pieces;
	int no_body;
	size_t step;

	if (size < 1)
		return 0;
	no_body = data[0] & 1;
	step = (size_t)(data[0] >> 1) + 2;
	data++;
	size--;
	run((const char *)data, size, size ? size : 1, no_body, &whole);
	run((const char *)data, size, 1, no_body, &bytewise);
	run((const char *)data, size, step, no_body, &pieces);
	if (memcmp(&whole, &bytewise, sizeof whole) != 0 || memcmp(&whole, &pieces, sizeof whole) != 0)
		abort();
	return 0;
}
