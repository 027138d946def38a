/*
 * http.h - HTTP/1.1 message syntax (RFC 9110, RFC 9112): the primitives a
 * client and a server both need, and a strict, bounded, incremental
 * response parser.
 *
 * Promise: nothing here does IO, prints or exits.  The parsers are fed
 * bytes in any split (one byte at a time or everything at once) and reach
 * the same result either way; everything they hold in memory is bounded by
 * a limit the caller sets; a message that is malformed, oversized or cut
 * short is an error, never a guess, with a message that says what was
 * wrong (lowercase, no period: "malformed status line \"HTP/1.1 200\"").
 *
 * An HTTP/1.1 message is a start line, header field lines, an empty line,
 * then the body:
 *
 *	HTTP/1.1 200 OK\r\n                     status line
 *	Content-Type: text/plain\r\n            field lines: name, colon, value
 *	Content-Length: 5\r\n
 *	\r\n                                    end of the header section
 *	hello                                   body, framed by Content-Length,
 *	                                        by chunks, or by the close
 *
 * The request side (the request line, a server's parser) lives in httpd.h;
 * it parses in place, without allocating, on the slice primitives here:
 * tokens, field lines, list elements, Content-Length and reason phrases.
 */
#ifndef SOCKBOX_HTTP_H
#define SOCKBOX_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/* Room for an error message, the offending text included (escaped, cut). */
#define HTTP_ERROR_MAX 192

/* A run of bytes inside some other buffer; not NUL-terminated. */
struct http_slice {
	const char *ptr;
	size_t len;
};

/* ---- tokens and field values (RFC 9110 5.1, 5.5, 5.6.2) ---- */

/* 1 when c may appear in a token (a method, a field name): tchar. */
int http_is_tchar(unsigned char c);

/* 1 when s[0..len) is a non-empty token. */
int http_is_token(const char *s, size_t len);

/* 1 when s[0..len) is a valid field value: visible ASCII, obs-text
 * (0x80-0xff), space and tab, without leading or trailing whitespace.
 * CR, LF, NUL and the other control characters are refused. */
int http_is_field_value(const char *s, size_t len);

/*
 * Splits one field line "Name: value" (without its CRLF) into name and
 * value, the optional whitespace around the value dropped (RFC 9112 5).
 * The slices point into line.  0, or -1 with *why set: no colon, an empty
 * name, a name that is not a token, whitespace before the colon, a line
 * that starts with whitespace (obsolete folding), a bad value character.
 */
int http_parse_field_line(const char *line, size_t len, struct http_slice *name, struct http_slice *value,
                          const char **why);

/*
 * 1 when s[0..len) is a valid Host field value (RFC 9110 7.2, RFC 3986
 * 3.2.2-3.2.3): uri-host [ ":" port ], where uri-host is a reg-name
 * (unreserved, sub-delims, %HH), an IPv4 address, or "[" an IPv6 address
 * or IPvFuture "]", and port is digits.  Empty is valid (a target with no
 * authority); "a b", "x/y@z", "x:port" and "[::1" are not.
 */
int http_is_host(const char *s, size_t len);

/* 1 when the comma-separated list value[0..len) (RFC 9110 5.6.1) has token
 * among its elements, any case, parameters after ';' ignored:
 * "keep-alive, close" has "close". */
int http_list_has_token(const char *value, size_t len, const char *token);

/* ---- Content-Length (RFC 9110 8.6, RFC 9112 6.3) ---- */

/* The largest Content-Length taken: what an off_t holds. */
#define HTTP_LENGTH_MAX ((uint64_t)INT64_MAX)

/*
 * The one Content-Length policy, for requests (httpd) and responses
 * (http_framing) alike:
 *  - a value is 1*DIGIT in decimal; leading zeros are allowed ("007" is 7);
 *    a sign, whitespace inside, hex, an empty value or an empty list
 *    element ("5,") is malformed;
 *  - a list of identical values ("5, 5"), or several fields that all say
 *    5, is the one value 5 (6.3 item 5); values that differ are an error,
 *    since two parties could each pick another one (request smuggling);
 *  - a value above HTTP_LENGTH_MAX is too large, however many digits;
 *  - a message that also has Transfer-Encoding is refused whatever the
 *    values (6.3 item 3): the callers check that, before or after.
 * Call it once per Content-Length field value, in order, with *seen 0 at
 * first: it sets *length and *seen, checking each value against the ones
 * before.  0, or -1 with *why set and errno EOVERFLOW (too large: a server
 * answers 413) or EINVAL (malformed or conflicting: 400).
 */
int http_content_length(const char *value, size_t len, uint64_t *length, int *seen, const char **why);

/* ---- the list of header (or trailer) fields ---- */

struct http_field {
	size_t name; /* offset of the NUL-terminated name in text */
	size_t name_len;
	size_t value; /* offset of the NUL-terminated value in text */
	size_t value_len;
};

/*
 * Fields in the order received, names as sent (compare them with
 * strcasecmp).  size counts each field as it would travel, "name: value"
 * plus CRLF; limit bounds it (0: no limit), so a peer that sends endless
 * fields runs into E2BIG instead of exhausting memory.
 */
struct http_fields {
	struct buf text;
	struct http_field *list;
	size_t count;
	size_t cap;
	size_t size;
	size_t limit;
};

/* An empty list accepting at most limit bytes of fields (0: unlimited). */
void http_fields_init(struct http_fields *f, size_t limit);

/* Appends a field (copied): 0, or -1 with errno E2BIG (over the limit)
 * or ENOMEM; the list is unchanged on failure. */
int http_fields_add(struct http_fields *f, const char *name, size_t name_len, const char *value,
                    size_t value_len);

/* Name and value of field i (i < count), NUL-terminated. */
const char *http_fields_name(const struct http_fields *f, size_t i);
const char *http_fields_value(const struct http_fields *f, size_t i);

/* Index of the first field named name (any case) at or after start;
 * count when there is none. */
size_t http_fields_find(const struct http_fields *f, const char *name, size_t start);

/* Value of the first field named name, or NULL. */
const char *http_fields_get(const struct http_fields *f, const char *name);

/* 1 when some field named name lists token among its comma-separated
 * elements, any case: "Connection: keep-alive, close" has "close". */
int http_fields_has_token(const struct http_fields *f, const char *name, const char *token);

/* Empties the list, keeping its memory and limit. */
void http_fields_clear(struct http_fields *f);

/* Releases the memory; the list is empty and reusable afterwards. */
void http_fields_free(struct http_fields *f);

/* ---- message framing (RFC 9112 6) ---- */

enum http_body_kind {
	HTTP_BODY_NONE,    /* no body */
	HTTP_BODY_LENGTH,  /* exactly length bytes (Content-Length) */
	HTTP_BODY_CHUNKED, /* the chunked transfer coding */
	HTTP_BODY_CLOSE,   /* everything until the connection closes (responses only) */
};

struct http_framing {
	enum http_body_kind kind;
	uint64_t length;   /* HTTP_BODY_LENGTH: the Content-Length */
	int other_codings; /* Transfer-Encoding names codings besides chunked (left applied) */
};

/*
 * How the body of a message with these fields is delimited, by the rules
 * of RFC 9112 6.3 for everything but the status code and the request
 * method (the caller knows those: a response to HEAD, a 1xx, 204 or 304
 * has no body whatever its fields say).  Transfer-Encoding wins over
 * Content-Length; both together are refused, as a sign of request
 * smuggling, and so is Transfer-Encoding in an HTTP/1.0 message.
 * Content-Length follows the policy of http_content_length.  A request
 * without either has no body; a response without either, or whose last
 * coding is not chunked, runs until the close.  0, or -1 with *why set.
 */
int http_framing(const struct http_fields *f, int is_request, int version_minor, struct http_framing *out,
                 const char **why);

/* 1 when the connection may carry another message after this one:
 * HTTP/1.1 unless "Connection: close", HTTP/1.0 only with
 * "Connection: keep-alive" (RFC 9112 9.3). */
int http_keeps_alive(const struct http_fields *f, int version_minor);

/* The standard reason phrase of a status code ("Not Found"), "" if none. */
const char *http_reason_phrase(int status);

/* ---- what the incremental parsers say after each feed ---- */

enum http_event {
	HTTP_EV_MORE,    /* everything fed was used: read more bytes and feed them */
	HTTP_EV_INTERIM, /* (responses) a 1xx head was parsed; it is skipped */
	HTTP_EV_HEAD,    /* the head is parsed: status, fields and framing are known */
	HTTP_EV_BODY,    /* body bytes, in *body (a slice of what was fed) */
	HTTP_EV_DONE,    /* the message is complete; bytes after *used are not its own */
	HTTP_EV_ERROR,   /* malformed, oversized or truncated: the error text says what */
};

/* ---- the chunked transfer coding (RFC 9112 7.1) ---- */

/*
 *	5;name=value\r\n        chunk size in hex, optional extensions
 *	hello\r\n               that many bytes, then CRLF
 *	0\r\n                   the last chunk
 *	Expires: never\r\n      optional trailer fields
 *	\r\n                    the end
 */
struct http_chunked {
	int state;
	uint64_t chunk_left;          /* bytes of the current chunk still to come */
	size_t max_line;              /* longest chunk-size line accepted */
	struct buf line;              /* the size or trailer line being read */
	struct http_fields *trailers; /* where trailer fields go; its limit bounds them */
	char error[HTTP_ERROR_MAX];
};

/* Ready to decode a chunked body; trailer fields go to trailers. */
void http_chunked_init(struct http_chunked *c, struct http_fields *trailers, size_t max_line);

/*
 * Decodes data[0..len); *used says how much was consumed.  Returns
 * HTTP_EV_BODY with the next run of body bytes in *body, HTTP_EV_MORE when
 * all was used with no body byte left to hand over, HTTP_EV_DONE after the
 * last chunk and the trailer section, HTTP_EV_ERROR (c->error says why).
 */
enum http_event http_chunked_feed(struct http_chunked *c, const char *data, size_t len, size_t *used,
                                  struct http_slice *body);

void http_chunked_free(struct http_chunked *c);

/* ---- the response parser ---- */

/*
 *	struct http_response r;
 *	http_response_init(&r, 64 * 1024, is_head_request);
 *	loop: ev = http_response_feed(&r, data, len, &used, &body);
 *	      data += used, len -= used;
 *	      HTTP_EV_MORE: read more (at end of stream: ev = http_response_eof(&r))
 *	      any other event: act on it, then feed again, even with len 0
 *
 * Interim 1xx responses are reported and skipped; the parser goes on to
 * the final response.  A 101 (Switching Protocols) is final and ends the
 * HTTP conversation (whether it was asked for is the caller's to judge).
 * The status line is checked as soon as its line ends: a peer speaking
 * another protocol fails with "not an HTTP response: '...'" rather than
 * a wait.  The status line must be "HTTP/1.x NNN reason", the
 * lines must end in CRLF, and the status line and header section together
 * may not exceed max_head bytes (the trailers get the same allowance).
 */
struct http_response {
	/* set by http_response_init */
	size_t max_head; /* bytes allowed for the status line and header section */
	int no_body;     /* the request was HEAD: no response carries a body */
	/* what was parsed: valid from HTTP_EV_INTERIM or HTTP_EV_HEAD on */
	int version_minor;        /* HTTP/1.0 or HTTP/1.1 (1.x above 1 counts as 1.1) */
	int status;               /* 100-599 */
	struct http_slice reason; /* the reason phrase as sent (inside head) */
	struct http_fields headers;
	struct http_fields trailers; /* chunked bodies only */
	struct http_framing framing; /* with the status and the method applied */
	int keep_alive;              /* the connection may carry another request after DONE */
	uint64_t body_bytes;         /* body bytes handed over so far (chunk framing removed) */
	uint64_t wire_bytes;         /* bytes consumed so far, all responses included */
	unsigned interim;            /* 1xx responses skipped */
	/* the parser's own state */
	int state;
	size_t line_start;  /* where the line being read starts in head */
	struct buf head;    /* the status line and header section as received */
	uint64_t body_left; /* HTTP_BODY_LENGTH: bytes still to come */
	struct http_chunked chunked;
	char error[HTTP_ERROR_MAX];
};

/* Ready to parse one response with the given head limit; no_body for HEAD. */
void http_response_init(struct http_response *r, size_t max_head, int no_body);

/* Ready for the next response on the same connection (memory kept). */
void http_response_reset(struct http_response *r, int no_body);

/* Feeds data[0..len) (see above). */
enum http_event http_response_feed(struct http_response *r, const char *data, size_t len, size_t *used,
                                   struct http_slice *body);

/* The peer closed the connection: HTTP_EV_DONE when that ends the message
 * (a body read until the close), else HTTP_EV_ERROR saying what was cut. */
enum http_event http_response_eof(struct http_response *r);

/* The message of the last HTTP_EV_ERROR. */
const char *http_response_error(const struct http_response *r);

void http_response_free(struct http_response *r);

#endif
