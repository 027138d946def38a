/*
 * http.c - HTTP/1.1 fields, framing, chunked decoding and the response
 * parser.  RFC 9110 (semantics) and RFC 9112 (HTTP/1.1 syntax); the section
 * numbers in the comments are theirs.
 */
#include "http/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* How much of an offending line an error message quotes. */
#define EXCERPT_MAX 48

static int is_ows(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* ---- error messages ---- */

/* Appends text[0..len) to out as an excerpt in quote, escaped: "GET \x01..." */
static void append_excerpt(char *out, size_t size, const char *text, size_t len, char quote)
{
	size_t at = strlen(out);
	size_t shown = len > EXCERPT_MAX ? EXCERPT_MAX : len;

	if (at + 1 >= size)
		return;
	out[at++] = quote;
	for (size_t i = 0; i < shown && at + 6 < size; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c >= 0x20 && c < 0x7f && c != quote && c != '\\')
			out[at++] = (char)c;
		else
			at += (size_t)snprintf(out + at, size - at, "\\x%02x", c);
	}
	if (shown < len && at + 4 < size) {
		memcpy(out + at, "...", 3);
		at += 3;
	}
	if (at + 1 < size)
		out[at++] = quote;
	out[at] = '\0';
}

static void set_error(char *error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_error(char *error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(error, HTTP_ERROR_MAX, fmt, ap);
	va_end(ap);
}

/* "WHAT \"excerpt\": why" (why may be NULL). */
static void set_error_quoting(char *error, const char *what, const char *text, size_t len, const char *why)
{
	snprintf(error, HTTP_ERROR_MAX, "%s ", what);
	append_excerpt(error, HTTP_ERROR_MAX, text, len, '"');
	if (why) {
		size_t at = strlen(error);
		snprintf(error + at, HTTP_ERROR_MAX - at, ": %s", why);
	}
}

/* ---- tokens and field values ---- */

int http_is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

int http_is_token(const char *s, size_t len)
{
	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!http_is_tchar((unsigned char)s[i]))
			return 0;
	return 1;
}

/* field-vchar = VCHAR / obs-text, plus SP and HTAB inside a value. */
static int is_field_char(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

int http_is_field_value(const char *s, size_t len)
{
	if (len == 0)
		return 1;
	if (is_ows((unsigned char)s[0]) || is_ows((unsigned char)s[len - 1]))
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!is_field_char((unsigned char)s[i]))
			return 0;
	return 1;
}

int http_parse_field_line(const char *line, size_t len, struct http_slice *name, struct http_slice *value,
                          const char **why)
{
	const char *colon, *start, *end;

	if (len > 0 && is_ows((unsigned char)line[0])) {
		*why = "line starts with whitespace (obsolete line folding)";
		return -1;
	}
	colon = memchr(line, ':', len);
	if (!colon) {
		*why = "no colon";
		return -1;
	}
	if (colon == line) {
		*why = "empty field name";
		return -1;
	}
	/* 5.1: no whitespace is allowed between the name and the colon; a
	 * server must refuse it, it is how responses get split. */
	if (is_ows((unsigned char)colon[-1])) {
		*why = "whitespace before the colon";
		return -1;
	}
	if (!http_is_token(line, (size_t)(colon - line))) {
		*why = "invalid character in the field name";
		return -1;
	}
	start = colon + 1;
	end = line + len;
	while (start < end && is_ows((unsigned char)*start))
		start++;
	while (end > start && is_ows((unsigned char)end[-1]))
		end--;
	if (!http_is_field_value(start, (size_t)(end - start))) {
		*why = "invalid character in the field value";
		return -1;
	}
	name->ptr = line;
	name->len = (size_t)(colon - line);
	value->ptr = start;
	value->len = (size_t)(end - start);
	return 0;
}

/* ---- the field list ---- */

void http_fields_init(struct http_fields *f, size_t limit)
{
	memset(f, 0, sizeof *f);
	f->limit = limit;
}

int http_fields_add(struct http_fields *f, const char *name, size_t name_len, const char *value,
                    size_t value_len)
{
	size_t charge = name_len + value_len + 4; /* "name: value\r\n" */
	size_t text_len = f->text.len;

	if (f->limit && (charge > f->limit || f->size > f->limit - charge)) {
		errno = E2BIG;
		return -1;
	}
	if (f->count == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		struct http_field *list = realloc(f->list, cap * sizeof *list);
		if (!list)
			return -1;
		f->list = list;
		f->cap = cap;
	}
	if (buf_append(&f->text, name, name_len) < 0 || buf_append_byte(&f->text, '\0') < 0 ||
	    buf_append(&f->text, value, value_len) < 0 || buf_append_byte(&f->text, '\0') < 0) {
		f->text.len = text_len;
		return -1;
	}
	f->list[f->count].name = text_len;
	f->list[f->count].name_len = name_len;
	f->list[f->count].value = text_len + name_len + 1;
	f->list[f->count].value_len = value_len;
	f->count++;
	f->size += charge;
	return 0;
}

const char *http_fields_name(const struct http_fields *f, size_t i)
{
	return f->text.data + f->list[i].name;
}

const char *http_fields_value(const struct http_fields *f, size_t i)
{
	return f->text.data + f->list[i].value;
}

size_t http_fields_find(const struct http_fields *f, const char *name, size_t start)
{
	for (size_t i = start; i < f->count; i++)
		if (strcasecmp(http_fields_name(f, i), name) == 0)
			return i;
	return f->count;
}

const char *http_fields_get(const struct http_fields *f, const char *name)
{
	size_t i = http_fields_find(f, name, 0);
	return i < f->count ? http_fields_value(f, i) : NULL;
}

/*
 * The next element of a comma-separated list (5.6.1) in [*p, end), with
 * the whitespace around it trimmed; empty elements come out empty (the
 * grammar allows them and recipients must accept them).  0 at the end.
 */
static int next_element(const char **p, const char *end, struct http_slice *element)
{
	const char *start = *p, *stop;

	if (start > end)
		return 0;
	stop = memchr(start, ',', (size_t)(end - start));
	if (!stop)
		stop = end;
	*p = stop + 1;
	while (start < stop && is_ows((unsigned char)*start))
		start++;
	while (stop > start && is_ows((unsigned char)stop[-1]))
		stop--;
	element->ptr = start;
	element->len = (size_t)(stop - start);
	return 1;
}

/* The part of a list element before its parameters: "chunked;q=1" -> "chunked". */
static struct http_slice element_head(struct http_slice e)
{
	const char *semi = memchr(e.ptr, ';', e.len);
	if (semi) {
		e.len = (size_t)(semi - e.ptr);
		while (e.len > 0 && is_ows((unsigned char)e.ptr[e.len - 1]))
			e.len--;
	}
	return e;
}

static int slice_is(struct http_slice s, const char *word)
{
	return s.len == strlen(word) && strncasecmp(s.ptr, word, s.len) == 0;
}

/* unreserved / sub-delims (RFC 3986 2.2, 2.3): the bytes a reg-name may
 * hold as they are. */
static int is_host_char(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c))
		return 1;
	return c != '\0' && strchr("-._~!$&'()*+,;=", c) != NULL;
}

static int is_hex_digit(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* reg-name = *( unreserved / pct-encoded / sub-delims ); IPv4address is one. */
static int is_reg_name(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%') {
			if (i + 2 >= len || !is_hex_digit((unsigned char)s[i + 1]) ||
			    !is_hex_digit((unsigned char)s[i + 2]))
				return 0;
			i += 2;
		} else if (!is_host_char((unsigned char)s[i])) {
			return 0;
		}
	}
	return 1;
}

/* What is between the brackets of an IP-literal: an IPv6 address, or
 * IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" ). */
static int is_ip_literal(const char *s, size_t len)
{
	char text[INET6_ADDRSTRLEN];
	struct in6_addr addr;
	size_t i = 1;

	if (len > 0 && (s[0] == 'v' || s[0] == 'V')) {
		while (i < len && is_hex_digit((unsigned char)s[i]))
			i++;
		if (i == 1 || i >= len || s[i] != '.' || ++i == len)
			return 0;
		for (; i < len; i++)
			if (!is_host_char((unsigned char)s[i]) && s[i] != ':')
				return 0;
		return 1;
	}
	if (len == 0 || len >= sizeof text)
		return 0;
	memcpy(text, s, len);
	text[len] = '\0';
	return inet_pton(AF_INET6, text, &addr) == 1;
}

int http_is_host(const char *s, size_t len)
{
	const char *end = s + len, *host_end;

	if (len > 0 && s[0] == '[') {
		host_end = memchr(s, ']', len);
		if (!host_end || !is_ip_literal(s + 1, (size_t)(host_end - s - 1)))
			return 0;
		host_end++;
	} else {
		host_end = memchr(s, ':', len);
		if (!host_end)
			host_end = end;
		if (!is_reg_name(s, (size_t)(host_end - s)))
			return 0;
	}
	if (host_end == end)
		return 1;
	if (*host_end != ':')
		return 0; /* "[::1]x" */
	/* port = *DIGIT: "host:" is allowed, as RFC 3986 3.2.3 allows it */
	for (const char *p = host_end + 1; p < end; p++)
		if (!is_digit((unsigned char)*p))
			return 0;
	return 1;
}

int http_list_has_token(const char *value, size_t len, const char *token)
{
	const char *p = value, *end = value + len;
	struct http_slice e;

	while (next_element(&p, end, &e))
		if (slice_is(element_head(e), token))
			return 1;
	return 0;
}

int http_fields_has_token(const struct http_fields *f, const char *name, const char *token)
{
	for (size_t i = http_fields_find(f, name, 0); i < f->count; i = http_fields_find(f, name, i + 1))
		if (http_list_has_token(http_fields_value(f, i), f->list[i].value_len, token))
			return 1;
	return 0;
}

void http_fields_clear(struct http_fields *f)
{
	buf_clear(&f->text);
	f->count = 0;
	f->size = 0;
}

void http_fields_free(struct http_fields *f)
{
	buf_free(&f->text);
	free(f->list);
	f->list = NULL;
	f->count = f->cap = f->size = 0;
}

/* ---- framing ---- */

/* Transfer-Encoding (6.1): the codings in the order applied. */
static int transfer_framing(const struct http_fields *f, int is_request, struct http_framing *out,
                            const char **why)
{
	int chunked_seen = 0, last_is_chunked = 0, codings = 0;

	for (size_t i = http_fields_find(f, "Transfer-Encoding", 0); i < f->count;
	     i = http_fields_find(f, "Transfer-Encoding", i + 1)) {
		const char *p = http_fields_value(f, i);
		const char *end = p + f->list[i].value_len;
		struct http_slice e;
		while (next_element(&p, end, &e)) {
			struct http_slice coding = element_head(e);
			if (e.len == 0)
				continue;
			if (!http_is_token(coding.ptr, coding.len)) {
				*why = "malformed transfer-encoding";
				return -1;
			}
			if (chunked_seen) {
				/* "A sender MUST NOT apply the chunked transfer
				 * coding more than once to a message body." */
				if (slice_is(coding, "chunked")) {
					*why = "chunked applied more than once";
					return -1;
				}
				if (is_request) {
					*why = "chunked is not the last transfer coding";
					return -1;
				}
			}
			codings++;
			last_is_chunked = slice_is(coding, "chunked");
			if (last_is_chunked)
				chunked_seen = 1;
			else
				out->other_codings = 1;
		}
	}
	if (codings == 0) {
		*why = "empty transfer-encoding";
		return -1;
	}
	if (last_is_chunked) {
		out->kind = HTTP_BODY_CHUNKED;
		return 0;
	}
	/* 6.3 item 4: a request must end in chunked; a response whose last
	 * coding is something else runs until the close. */
	if (is_request) {
		*why = "transfer-encoding does not end in chunked";
		return -1;
	}
	out->kind = HTTP_BODY_CLOSE;
	return 0;
}

/* One decimal value, 1*DIGIT: 0, or -1 with errno EINVAL or EOVERFLOW. */
static int parse_length(struct http_slice e, uint64_t *out, const char **why)
{
	uint64_t v = 0;

	if (e.len == 0) {
		*why = "malformed content-length";
		errno = EINVAL;
		return -1;
	}
	for (size_t k = 0; k < e.len; k++) {
		unsigned digit = (unsigned char)e.ptr[k] - (unsigned)'0';
		if (digit > 9) {
			*why = "malformed content-length";
			errno = EINVAL;
			return -1;
		}
		if (v > (HTTP_LENGTH_MAX - digit) / 10) {
			/* keep checking the rest: "99999999999999999999x" is malformed */
			v = (uint64_t)HTTP_LENGTH_MAX + 1;
			continue;
		}
		v = v * 10 + digit;
	}
	*out = v;
	return 0;
}

int http_content_length(const char *value, size_t len, uint64_t *length, int *seen, const char **why)
{
	const char *p = value, *end = value + len;
	struct http_slice e;

	while (next_element(&p, end, &e)) {
		uint64_t v;
		if (parse_length(e, &v, why) < 0)
			return -1;
		if (*seen && v != *length) {
			*why = "conflicting content-length values";
			errno = EINVAL;
			return -1;
		}
		*length = v;
		*seen = 1;
	}
	if (*length > HTTP_LENGTH_MAX) {
		*why = "content-length too large";
		errno = EOVERFLOW;
		return -1;
	}
	return 0;
}

static int length_framing(const struct http_fields *f, struct http_framing *out, const char **why)
{
	int seen = 0;

	for (size_t i = http_fields_find(f, "Content-Length", 0); i < f->count;
	     i = http_fields_find(f, "Content-Length", i + 1))
		if (http_content_length(http_fields_value(f, i), f->list[i].value_len, &out->length, &seen,
		                        why) < 0)
			return -1;
	out->kind = HTTP_BODY_LENGTH;
	return 0;
}

int http_framing(const struct http_fields *f, int is_request, int version_minor, struct http_framing *out,
                 const char **why)
{
	int has_te = http_fields_find(f, "Transfer-Encoding", 0) < f->count;
	int has_cl = http_fields_find(f, "Content-Length", 0) < f->count;

	memset(out, 0, sizeof *out);
	if (has_te) {
		/* 6.1: HTTP/1.0 has no transfer codings; such framing is faulty. */
		if (version_minor == 0) {
			*why = "transfer-encoding in an HTTP/1.0 message";
			return -1;
		}
		/* 6.3 item 3: both at once "ought to be handled as an error". */
		if (has_cl) {
			*why = "both transfer-encoding and content-length";
			return -1;
		}
		return transfer_framing(f, is_request, out, why);
	}
	if (has_cl)
		return length_framing(f, out, why);
	out->kind = is_request ? HTTP_BODY_NONE : HTTP_BODY_CLOSE;
	return 0;
}

int http_keeps_alive(const struct http_fields *f, int version_minor)
{
	if (http_fields_has_token(f, "Connection", "close"))
		return 0;
	return version_minor >= 1 || http_fields_has_token(f, "Connection", "keep-alive");
}

const char *http_reason_phrase(int status)
{
	/* clang-format off */
	static const struct {
		int status;
		const char *reason;
	} table[] = {
		{ 100, "Continue" }, { 101, "Switching Protocols" }, { 200, "OK" }, { 201, "Created" },
		{ 202, "Accepted" }, { 204, "No Content" }, { 206, "Partial Content" },
		{ 301, "Moved Permanently" }, { 302, "Found" }, { 303, "See Other" },
		{ 304, "Not Modified" }, { 307, "Temporary Redirect" }, { 308, "Permanent Redirect" },
		{ 400, "Bad Request" }, { 401, "Unauthorized" }, { 403, "Forbidden" },
		{ 404, "Not Found" }, { 405, "Method Not Allowed" }, { 408, "Request Timeout" },
		{ 411, "Length Required" }, { 413, "Content Too Large" }, { 414, "URI Too Long" },
		{ 417, "Expectation Failed" }, { 429, "Too Many Requests" },
		{ 431, "Request Header Fields Too Large" }, { 500, "Internal Server Error" },
		{ 501, "Not Implemented" }, { 502, "Bad Gateway" }, { 503, "Service Unavailable" },
		{ 504, "Gateway Timeout" }, { 505, "HTTP Version Not Supported" },
	};
	/* clang-format on */
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (table[i].status == status)
			return table[i].reason;
	return "";
}

/* ---- lines ---- */

/*
 * Appends data up to and including the next LF to line, refusing to let
 * line grow past max bytes.  *used is what was taken.  1 when a whole line
 * is in line, 0 when more is needed, -1 when the line is too long (then
 * exactly the bytes up to the limit were taken, whatever the split of the
 * input) or memory ran out (errno ENOMEM).
 */
static int take_line(struct buf *line, const char *data, size_t len, size_t *used, size_t max)
{
	const char *lf = memchr(data, '\n', len);
	size_t take = lf ? (size_t)(lf - data) + 1 : len;
	int over = line->len > max || take > max - line->len;

	if (over)
		take = max - line->len;
	*used = 0;
	if (buf_append(line, data, take) < 0)
		return -1;
	*used = take;
	if (over) {
		errno = E2BIG;
		return -1;
	}
	return lf != NULL;
}

/* A line taken whole must end in CRLF (2.2) and hold no other CR. */
static const char *line_ending_problem(const char *line, size_t len)
{
	if (len < 2 || line[len - 2] != '\r')
		return "line ends in a bare LF";
	if (memchr(line, '\r', len - 2))
		return "bare CR inside a line";
	return NULL;
}

/* ---- chunked ---- */

enum { CH_SIZE, CH_DATA, CH_DATA_CR, CH_DATA_LF, CH_TRAILER, CH_DONE, CH_ERROR };

void http_chunked_init(struct http_chunked *c, struct http_fields *trailers, size_t max_line)
{
	memset(c, 0, sizeof *c);
	c->state = CH_SIZE;
	c->trailers = trailers;
	c->max_line = max_line;
}

void http_chunked_free(struct http_chunked *c)
{
	buf_free(&c->line);
}

static enum http_event chunk_fail(struct http_chunked *c)
{
	c->state = CH_ERROR;
	return HTTP_EV_ERROR;
}

/* chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] ): we check the
 * shape loosely (a ';' first, no control characters) and ignore it. */
static int valid_chunk_ext(const char *s, size_t len)
{
	size_t i = 0;
	while (i < len && is_ows((unsigned char)s[i]))
		i++;
	if (i == len)
		return 0; /* whitespace after the size and no extension */
	if (s[i] != ';')
		return 0;
	for (; i < len; i++)
		if (!is_field_char((unsigned char)s[i]))
			return 0;
	return 1;
}

/* "1a;ext=1" -> 26; the line has no CRLF. */
static int parse_chunk_size(struct http_chunked *c, const char *line, size_t len)
{
	uint64_t size = 0;
	size_t i = 0;

	for (; i < len; i++) {
		int digit;
		unsigned char ch = (unsigned char)line[i];
		if (is_digit(ch))
			digit = ch - '0';
		else if (ch >= 'a' && ch <= 'f')
			digit = ch - 'a' + 10;
		else if (ch >= 'A' && ch <= 'F')
			digit = ch - 'A' + 10;
		else
			break;
		if (size > (UINT64_MAX >> 5)) {
			set_error(c->error, "chunk size too large");
			return -1;
		}
		size = size * 16 + (uint64_t)digit;
	}
	if (i == 0 || (i < len && !valid_chunk_ext(line + i, len - i))) {
		set_error_quoting(c->error, "malformed chunk size line", line, len, NULL);
		return -1;
	}
	c->chunk_left = size;
	return 0;
}

/* A whole line is in c->line: a size line or a trailer line. */
static enum http_event chunk_line(struct http_chunked *c)
{
	const char *text = c->line.data;
	const char *problem = line_ending_problem(text, c->line.len);
	size_t len = c->line.len - 2;
	struct http_slice name, value;
	const char *why;

	if (problem) {
		set_error_quoting(c->error,
		                  c->state == CH_SIZE ? "malformed chunk size line" : "malformed trailer",
		                  text, c->line.len, problem);
		return chunk_fail(c);
	}
	if (c->state == CH_SIZE) {
		if (parse_chunk_size(c, text, len) < 0)
			return chunk_fail(c);
		c->state = c->chunk_left ? CH_DATA : CH_TRAILER;
	} else if (len == 0) {
		c->state = CH_DONE;
	} else if (http_parse_field_line(text, len, &name, &value, &why) < 0) {
		set_error_quoting(c->error, "malformed trailer field", text, len, why);
		return chunk_fail(c);
	} else if (http_fields_add(c->trailers, name.ptr, name.len, value.ptr, value.len) < 0) {
		if (errno == E2BIG)
			set_error(c->error, "trailer section exceeds %zu bytes", c->trailers->limit);
		else
			set_error(c->error, "out of memory");
		return chunk_fail(c);
	}
	buf_clear(&c->line);
	return HTTP_EV_MORE;
}

enum http_event http_chunked_feed(struct http_chunked *c, const char *data, size_t len, size_t *used,
                                  struct http_slice *body)
{
	size_t at = 0;

	body->ptr = NULL;
	body->len = 0;
	*used = 0;
	while (c->state != CH_DONE && c->state != CH_ERROR) {
		if (c->state == CH_SIZE || c->state == CH_TRAILER) {
			size_t max = c->max_line;
			size_t took = 0;
			int got;
			if (c->state == CH_TRAILER && c->trailers->limit)
				max = c->trailers->limit;
			if (at == len)
				break;
			got = take_line(&c->line, data + at, len - at, &took, max);
			if (got < 0) {
				if (errno == ENOMEM)
					set_error(c->error, "out of memory");
				else if (c->state == CH_SIZE)
					set_error(c->error, "chunk size line longer than %zu bytes", max);
				else
					set_error(c->error, "trailer section exceeds %zu bytes", max);
				*used = at + took;
				return chunk_fail(c);
			}
			at += took;
			if (got == 1 && chunk_line(c) == HTTP_EV_ERROR) {
				*used = at;
				return HTTP_EV_ERROR;
			}
		} else if (c->state == CH_DATA) {
			size_t n = len - at;
			if (n == 0)
				break;
			if (n > c->chunk_left)
				n = (size_t)c->chunk_left;
			body->ptr = data + at;
			body->len = n;
			c->chunk_left -= n;
			if (c->chunk_left == 0)
				c->state = CH_DATA_CR;
			*used = at + n;
			return HTTP_EV_BODY;
		} else {
			/* the CRLF that closes every chunk's data */
			char want = c->state == CH_DATA_CR ? '\r' : '\n';
			if (at == len)
				break;
			if (data[at] != want) {
				set_error(c->error, "chunk data not followed by CRLF");
				*used = at;
				return chunk_fail(c);
			}
			at++;
			c->state = c->state == CH_DATA_CR ? CH_DATA_LF : CH_SIZE;
		}
	}
	*used = at;
	if (c->state == CH_DONE)
		return HTTP_EV_DONE;
	return c->state == CH_ERROR ? HTTP_EV_ERROR : HTTP_EV_MORE;
}

/* ---- the response parser ---- */

enum {
	RS_HEAD,          /* reading the status line and header section */
	RS_AFTER_INTERIM, /* a 1xx was reported: start over on the next feed */
	RS_NO_BODY,       /* the head said there is no body: DONE next */
	RS_LENGTH,
	RS_CHUNKED,
	RS_CLOSE,
	RS_DONE,
	RS_ERROR,
};

void http_response_init(struct http_response *r, size_t max_head, int no_body)
{
	memset(r, 0, sizeof *r);
	r->max_head = max_head;
	http_fields_init(&r->headers, max_head);
	http_fields_init(&r->trailers, max_head);
	http_response_reset(r, no_body);
}

void http_response_reset(struct http_response *r, int no_body)
{
	r->no_body = no_body;
	r->version_minor = 0;
	r->status = 0;
	r->reason.ptr = NULL;
	r->reason.len = 0;
	http_fields_clear(&r->headers);
	http_fields_clear(&r->trailers);
	memset(&r->framing, 0, sizeof r->framing);
	r->keep_alive = 0;
	r->body_bytes = 0;
	r->wire_bytes = 0;
	r->interim = 0;
	r->state = RS_HEAD;
	r->line_start = 0;
	buf_clear(&r->head);
	r->body_left = 0;
	r->error[0] = '\0';
}

void http_response_free(struct http_response *r)
{
	http_fields_free(&r->headers);
	http_fields_free(&r->trailers);
	buf_free(&r->head);
	http_chunked_free(&r->chunked);
}

const char *http_response_error(const struct http_response *r)
{
	return r->error;
}

static enum http_event response_fail(struct http_response *r)
{
	r->state = RS_ERROR;
	return HTTP_EV_ERROR;
}

/* status-line = HTTP-version SP status-code SP [ reason-phrase ]  (4) */
static int parse_status_line(struct http_response *r, const char *line, size_t len)
{
	const char *why = NULL;

	if (len < 12 || memcmp(line, "HTTP/", 5) != 0 || !is_digit((unsigned char)line[5]) ||
	    line[6] != '.' || !is_digit((unsigned char)line[7]) || line[8] != ' ' ||
	    !is_digit((unsigned char)line[9]) || !is_digit((unsigned char)line[10]) ||
	    !is_digit((unsigned char)line[11]) || (len > 12 && line[12] != ' ')) {
		why = NULL;
	} else if (line[5] != '1') {
		why = "not HTTP/1.x";
	} else {
		r->version_minor = line[7] == '0' ? 0 : 1;
		r->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
		if (r->status < 100 || r->status > 599)
			why = "status code outside 100-599";
		r->reason.ptr = len > 12 ? line + 13 : line + len;
		r->reason.len = len > 12 ? len - 13 : 0;
		/* reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ) */
		for (size_t i = 0; !why && i < r->reason.len; i++)
			if (!is_field_char((unsigned char)r->reason.ptr[i]))
				why = "invalid character in the reason phrase";
		if (!why)
			return 0;
	}
	set_error_quoting(r->error, "malformed status line", line, len, why);
	return -1;
}

/*
 * 5.2: a user agent must replace each obsolete line folding (CRLF followed
 * by whitespace) in a response with spaces.  Done in place over the field
 * section [start, end), where end is the start of the final empty line.
 */
static void unfold_lines(char *text, size_t start, size_t end)
{
	for (size_t i = start; i + 2 < end; i++) {
		if (text[i] == '\r' && text[i + 1] == '\n' && is_ows((unsigned char)text[i + 2])) {
			text[i] = ' ';
			text[i + 1] = ' ';
		}
	}
}

static int parse_fields(struct http_response *r, size_t start, size_t end)
{
	char *text = r->head.data;

	/* 2.2: whitespace between the start line and the first field is refused */
	if (start < end && is_ows((unsigned char)text[start])) {
		set_error(r->error, "whitespace before the first header field");
		return -1;
	}
	unfold_lines(text, start, end);
	while (start < end) {
		char *crlf = memchr(text + start, '\n', end - start); /* every line ends in CRLF here */
		size_t len = (size_t)(crlf - (text + start)) + 1;
		const char *problem = line_ending_problem(text + start, len);
		struct http_slice name, value;
		const char *why = problem;

		if (!problem && http_parse_field_line(text + start, len - 2, &name, &value, &why) == 0) {
			if (http_fields_add(&r->headers, name.ptr, name.len, value.ptr, value.len) < 0) {
				set_error(r->error,
				          errno == E2BIG ? "header section too large" : "out of memory");
				return -1;
			}
		} else {
			set_error_quoting(r->error, "malformed header field", text + start,
			                  problem ? len : len - 2, why);
			return -1;
		}
		start += len;
	}
	return 0;
}

/* The framing of the final response: the status and the method first (6.3). */
static int response_framing(struct http_response *r)
{
	const char *why;

	if (r->no_body || r->status < 200 || r->status == 204 || r->status == 304) {
		memset(&r->framing, 0, sizeof r->framing);
		r->framing.kind = HTTP_BODY_NONE;
		return 0;
	}
	if (http_framing(&r->headers, 0, r->version_minor, &r->framing, &why) < 0) {
		set_error(r->error, "%s", why);
		return -1;
	}
	return 0;
}

/* The whole head is in r->head, ending with the empty line. */
static enum http_event parse_head(struct http_response *r)
{
	char *text = r->head.data;
	char *lf = memchr(text, '\n', r->head.len);
	size_t status_len = (size_t)(lf - text) + 1;

	if (parse_status_line(r, text, status_len - 2) < 0 || parse_fields(r, status_len, r->head.len - 2) < 0)
		return response_fail(r);
	if (r->status < 200 && r->status != 101) {
		r->interim++;
		r->state = RS_AFTER_INTERIM;
		return HTTP_EV_INTERIM;
	}
	if (response_framing(r) < 0)
		return response_fail(r);
	r->keep_alive = r->status != 101 && r->framing.kind != HTTP_BODY_CLOSE &&
	                http_keeps_alive(&r->headers, r->version_minor);
	switch (r->framing.kind) {
	case HTTP_BODY_NONE:
		r->state = RS_NO_BODY;
		break;
	case HTTP_BODY_LENGTH:
		r->body_left = r->framing.length;
		r->state = RS_LENGTH;
		break;
	case HTTP_BODY_CHUNKED:
		http_chunked_free(&r->chunked);
		http_chunked_init(&r->chunked, &r->trailers, r->max_head);
		r->state = RS_CHUNKED;
		break;
	case HTTP_BODY_CLOSE:
		r->state = RS_CLOSE;
		break;
	}
	return HTTP_EV_HEAD;
}

/* A status line starts "HTTP/".  Checked when the first line ends, so a
 * peer speaking another protocol (an SSH banner) is named at once, not
 * after a timeout; not earlier, so that the verdict and its quoted text do
 * not depend on how the bytes were split across reads. */
static int looks_like_http(const char *line, size_t len)
{
	static const char prefix[] = "HTTP/";
	size_t n = len < sizeof prefix - 1 ? len : sizeof prefix - 1;

	return memcmp(line, prefix, n) == 0;
}

static enum http_event not_http(struct http_response *r)
{
	size_t len = r->head.len;

	/* the line as it came, without its line ending */
	while (len > 0 && (r->head.data[len - 1] == '\n' || r->head.data[len - 1] == '\r'))
		len--;
	snprintf(r->error, HTTP_ERROR_MAX, "not an HTTP response: ");
	append_excerpt(r->error, HTTP_ERROR_MAX, r->head.data, len, '\'');
	return response_fail(r);
}

/* Reads head lines until the empty line that ends the header section. */
static enum http_event feed_head(struct http_response *r, const char *data, size_t len, size_t *used)
{
	size_t at = 0;

	while (at < len) {
		size_t took = 0;
		int got = take_line(&r->head, data + at, len - at, &took, r->max_head);
		const char *line, *problem;
		size_t line_len;

		if (got < 0) {
			if (errno == ENOMEM)
				set_error(r->error, "out of memory");
			else
				set_error(r->error, "header section exceeds %zu bytes", r->max_head);
			*used = at + took;
			return response_fail(r);
		}
		at += took;
		if (got == 0)
			break;
		line = r->head.data + r->line_start;
		line_len = r->head.len - r->line_start;
		*used = at;
		if (line_len == 1 || (line_len == 2 && line[0] == '\r')) {
			if (r->line_start == 0) {
				set_error(r->error, "empty status line");
				return response_fail(r);
			}
			if (line_len == 1) {
				set_error(r->error, "header section ends in a bare LF");
				return response_fail(r);
			}
			return parse_head(r);
		}
		if (r->line_start == 0 && !looks_like_http(line, line_len))
			return not_http(r);
		problem = line_ending_problem(line, line_len);
		if (!problem && r->line_start == 0 && parse_status_line(r, line, line_len - 2) < 0)
			return response_fail(r);
		if (problem) {
			set_error_quoting(r->error,
			                  r->line_start ? "malformed header field" : "malformed status line",
			                  line, line_len, problem);
			return response_fail(r);
		}
		r->line_start = r->head.len;
	}
	*used = at;
	return HTTP_EV_MORE;
}

static enum http_event feed_body(struct http_response *r, const char *data, size_t len, size_t *used,
                                 struct http_slice *body)
{
	enum http_event ev;
	size_t n = len;

	switch (r->state) {
	case RS_NO_BODY:
		r->state = RS_DONE;
		return HTTP_EV_DONE;
	case RS_LENGTH:
		if (r->body_left == 0) {
			r->state = RS_DONE;
			return HTTP_EV_DONE;
		}
		if (n > r->body_left)
			n = (size_t)r->body_left;
		r->body_left -= n;
		break;
	case RS_CHUNKED:
		ev = http_chunked_feed(&r->chunked, data, len, used, body);
		if (ev == HTTP_EV_ERROR) {
			memcpy(r->error, r->chunked.error, sizeof r->error);
			return response_fail(r);
		}
		if (ev == HTTP_EV_DONE)
			r->state = RS_DONE;
		r->body_bytes += body->len;
		return ev;
	default: /* RS_CLOSE */
		break;
	}
	if (n == 0)
		return HTTP_EV_MORE;
	body->ptr = data;
	body->len = n;
	*used = n;
	r->body_bytes += n;
	return HTTP_EV_BODY;
}

enum http_event http_response_feed(struct http_response *r, const char *data, size_t len, size_t *used,
                                   struct http_slice *body)
{
	enum http_event ev;

	*used = 0;
	body->ptr = NULL;
	body->len = 0;
	switch (r->state) {
	case RS_ERROR:
		return HTTP_EV_ERROR;
	case RS_DONE:
		return HTTP_EV_DONE;
	case RS_AFTER_INTERIM:
		buf_clear(&r->head);
		http_fields_clear(&r->headers);
		r->line_start = 0;
		r->state = RS_HEAD;
		/* fall through */
	case RS_HEAD:
		ev = feed_head(r, data, len, used);
		break;
	default:
		ev = feed_body(r, data, len, used, body);
		break;
	}
	r->wire_bytes += *used;
	return ev;
}

enum http_event http_response_eof(struct http_response *r)
{
	switch (r->state) {
	case RS_ERROR:
		return HTTP_EV_ERROR;
	case RS_DONE:
	case RS_NO_BODY:
	case RS_CLOSE:
		r->state = RS_DONE;
		r->keep_alive = 0;
		return HTTP_EV_DONE;
	case RS_HEAD:
		if (r->wire_bytes == 0)
			set_error(r->error, "connection closed before any response");
		else if (r->interim)
			set_error(r->error, "connection closed after an interim %d response", r->status);
		else
			set_error(r->error, "connection closed inside the header section");
		break;
	case RS_AFTER_INTERIM:
		set_error(r->error, "connection closed after an interim %d response", r->status);
		break;
	case RS_LENGTH:
		if (r->body_left == 0) {
			r->state = RS_DONE;
			return HTTP_EV_DONE;
		}
		set_error(r->error, "connection closed after %llu of %llu body bytes",
		          (unsigned long long)r->body_bytes, (unsigned long long)r->framing.length);
		break;
	case RS_CHUNKED:
		set_error(r->error, "connection closed inside the chunked body after %llu bytes",
		          (unsigned long long)r->body_bytes);
		break;
	}
	return response_fail(r);
}
