/*
 * httpd.c - HTTP/1.1 requests in, static responses out (RFC 9110, RFC 9112).
 */
#include "http/httpd.h"

#include "http/http.h"
#include "http/url.h"

#include "base/escape.h"
#include "base/json.h"

#include "cli/diag.h"

#include "file/beneath.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* The page served when no --root is given. */
static const char builtin_page[] =
    "<!DOCTYPE html>\n"
    "<html><head><meta charset=\"utf-8\"><title>sockbox</title></head>\n"
    "<body>\n"
    "<h1>sockbox</h1>\n"
    "<p>This page comes from a single-threaded sockbox server: one event loop,\n"
    "non-blocking sockets, readiness from select, poll or epoll.\n"
    "Give it <code>--root DIR</code> to serve files.</p>\n"
    "</body></html>\n";

struct content_type {
	const char *ext;
	const char *type;
};

/* clang-format off */
static const struct content_type content_types[] = {
	{ "html", "text/html; charset=utf-8" },
	{ "htm", "text/html; charset=utf-8" },
	{ "txt", "text/plain; charset=utf-8" },
	{ "css", "text/css; charset=utf-8" },
	{ "js", "text/javascript; charset=utf-8" },
	{ "mjs", "text/javascript; charset=utf-8" },
	{ "json", "application/json" },
	{ "xml", "application/xml" },
	{ "svg", "image/svg+xml" },
	{ "png", "image/png" },
	{ "jpg", "image/jpeg" },
	{ "jpeg", "image/jpeg" },
	{ "gif", "image/gif" },
	{ "webp", "image/webp" },
	{ "ico", "image/x-icon" },
	{ "pdf", "application/pdf" },
	{ "wasm", "application/wasm" },
	{ "woff2", "font/woff2" },
	{ "woff", "font/woff" },
	{ "mp4", "video/mp4" },
	{ "gz", "application/gzip" },
	{ "tar", "application/x-tar" },
	{ "zip", "application/zip" },
};
/* clang-format on */

static const char *type_of(const char *path)
{
	const char *dot = strrchr(path, '.');
	const char *slash = strrchr(path, '/');

	if (dot && (!slash || dot > slash))
		for (size_t i = 0; i < sizeof content_types / sizeof content_types[0]; i++)
			if (strcasecmp(dot + 1, content_types[i].ext) == 0)
				return content_types[i].type;
	return "application/octet-stream";
}

/* ---- site ---- */

int httpd_site_open(struct httpd_site *site, const char *root)
{
	memset(site, 0, sizeof *site);
	site->root_fd = -1;
	site->have_openat2 = 1;
	if (!root)
		return 0;
	site->root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return site->root_fd < 0 ? -1 : 0;
}

void httpd_site_close(struct httpd_site *site)
{
	if (site->root_fd >= 0)
		close(site->root_fd);
	site->root_fd = -1;
	for (size_t i = 0; i < HTTPD_CACHE_SLOTS; i++) {
		free(site->cache[i].response);
		site->cache[i].response = NULL;
		site->cache[i].path[0] = '\0';
	}
}

void httpd_conn_init(struct httpd_conn *hc, int log_fd)
{
	memset(hc, 0, sizeof *hc);
	hc->log_fd = log_fd;
}

/* "Sun, 06 Nov 1994 08:49:37 GMT", the IMF-fixdate of RFC 9110 5.6.7. */
static size_t format_http_date(time_t t, char *out, size_t size)
{
	struct tm tm;

	if (!gmtime_r(&t, &tm))
		return 0;
	return strftime(out, size, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* The Date field changes once a second: format it then, not per response. */
static const char *date_now(struct httpd_site *site)
{
	time_t now = time(NULL);

	if (now != site->date_second || !site->date_text[0]) {
		site->date_second = now;
		format_http_date(now, site->date_text, sizeof site->date_text);
	}
	return site->date_text;
}

/* ---- finding and parsing the head ---- */

ssize_t httpd_head_length(const char *data, size_t len, size_t *scan_from, int *status)
{
	size_t line_window = len < HTTPD_LINE_MAX + 2 ? len : HTTPD_LINE_MAX + 2;
	const char *first_nl = memchr(data, '\n', line_window);
	size_t i = *scan_from;

	/* The request line alone must fit (its CRLF may take two bytes more). */
	if (!first_nl && len > HTTPD_LINE_MAX + 1) {
		*status = 414;
		return -1;
	}
	while (i < len) {
		const char *nl = memchr(data + i, '\n', len - i);
		size_t at;
		if (!nl)
			break;
		at = (size_t)(nl - data);
		/* the head ends with an empty line: "\n\n" or "\n\r\n" */
		if (at + 1 < len && data[at + 1] == '\n') {
			i = at + 2;
			goto found;
		}
		if (at + 2 < len && data[at + 1] == '\r' && data[at + 2] == '\n') {
			i = at + 3;
			goto found;
		}
		if (at + 2 >= len) {
			/* too few bytes after this newline to tell: look here again */
			*scan_from = at;
			goto more;
		}
		i = at + 1;
	}
	*scan_from = len;
more:
	if (len > HTTPD_HEAD_MAX) {
		*status = 431;
		return -1;
	}
	return 0;
found:
	if (i > HTTPD_HEAD_MAX) {
		*status = 431;
		return -1;
	}
	return (ssize_t)i;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int token_equals(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && strncasecmp(s, word, len) == 0;
}

/* request-line = method SP request-target SP HTTP-version CRLF */
static int parse_request_line(const char **pp, const char *end, struct httpd_request *req)
{
	const char *p = *pp, *start = p;
	int major;

	while (p < end && http_is_tchar((unsigned char)*p))
		p++;
	if (p == start || p >= end || *p != ' ')
		return 400;
	req->method_text = start;
	req->method_len = (size_t)(p - start);
	if (req->method_len == 3 && memcmp(start, "GET", 3) == 0)
		req->method = HTTPD_GET;
	else if (req->method_len == 4 && memcmp(start, "HEAD", 4) == 0)
		req->method = HTTPD_HEAD;
	else
		req->method = HTTPD_OTHER; /* methods are case-sensitive: "get" is another method */
	start = ++p;
	while (p < end && (unsigned char)*p > 0x20 && (unsigned char)*p < 0x7f)
		p++;
	if (p == start || p >= end || *p != ' ')
		return 400;
	req->target = start;
	req->target_len = (size_t)(p - start);
	p++;
	if (end - p < 8 || memcmp(p, "HTTP/", 5) != 0 || !is_digit(p[5]) || p[6] != '.' || !is_digit(p[7]))
		return 400;
	major = p[5] - '0';
	req->minor = p[7] - '0' >= 1 ? 1 : 0; /* a later 1.x is answered as 1.1 */
	p += 8;
	if (p < end && *p == '\r')
		p++;
	if (p >= end || *p != '\n')
		return 400;
	*pp = p + 1;
	return major == 1 ? 0 : 505;
}

/* One field line through its LF, split by http.h (RFC 9112 5): 0 or 400. */
static int parse_field(const char **pp, const char *end, struct http_slice *name, struct http_slice *value)
{
	const char *p = *pp, *lf = memchr(p, '\n', (size_t)(end - p)), *line_end, *why;

	if (!lf)
		return 400;
	line_end = lf > p && lf[-1] == '\r' ? lf - 1 : lf;
	if (http_parse_field_line(p, (size_t)(line_end - p), name, value, &why) < 0)
		return 400;
	*pp = lf + 1;
	return 0;
}

/* 1 when one media range of an Accept value (RFC 9110 12.5.1) is
 * application/json, parameters aside. */
static int accepts_json(const char *value, size_t len)
{
	const char *p = value, *end = value + len;

	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p)), *stop = comma ? comma : end;
		const char *semi = memchr(p, ';', (size_t)(stop - p)), *e = semi ? semi : stop;

		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (token_equals(p, (size_t)(e - p), "application/json"))
			return 1;
		p = comma ? comma + 1 : end;
	}
	return 0;
}

int httpd_parse_request(const char *data, size_t len, struct httpd_request *req)
{
	const char *p = data, *end = data + len;
	int length_seen = 0, close_seen = 0, keep_seen = 0, rc;

	memset(req, 0, sizeof *req);
	rc = parse_request_line(&p, end, req);
	if (rc != 0)
		return rc;
	for (;;) {
		struct http_slice name, value;

		if (p >= end)
			return 400; /* the head must end with an empty line */
		if (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n'))
			break;
		if (*p == ' ' || *p == '\t')
			return 400; /* obs-fold */
		if (++req->fields > HTTPD_FIELDS_MAX)
			return 431;
		rc = parse_field(&p, end, &name, &value);
		if (rc != 0)
			return rc;
		if (token_equals(name.ptr, name.len, "host")) {
			/* RFC 9112 3.2: an invalid Host field value is a 400 */
			if (!http_is_host(value.ptr, value.len))
				return 400;
			req->hosts++;
		} else if (token_equals(name.ptr, name.len, "content-length")) {
			const char *why;
			/* too large is answered 413 below, once the rest is known valid */
			if (http_content_length(value.ptr, value.len, &req->content_length, &length_seen,
			                        &why) < 0 &&
			    errno != EOVERFLOW)
				return 400;
		} else if (token_equals(name.ptr, name.len, "transfer-encoding")) {
			req->chunked = 1;
		} else if (token_equals(name.ptr, name.len, "accept")) {
			req->wants_json |= accepts_json(value.ptr, value.len);
		} else if (token_equals(name.ptr, name.len, "connection")) {
			close_seen |= http_list_has_token(value.ptr, value.len, "close");
			keep_seen |= http_list_has_token(value.ptr, value.len, "keep-alive");
		}
	}
	/* RFC 9112 3.2: a 1.1 request has exactly one Host; none or two is a 400. */
	if ((req->minor == 1 && req->hosts != 1) || req->hosts > 1)
		return 400;
	/* Both framings at once is how requests are smuggled (RFC 9112 6.3). */
	if (req->chunked && length_seen)
		return 400;
	if (req->chunked)
		return 501;
	if (req->content_length > HTTPD_BODY_MAX)
		return 413;
	req->keep_alive = req->minor == 1 ? !close_seen : keep_seen && !close_seen;
	return 0;
}

/* ---- the path ---- */

/* The path part of the target: "/a/b" of "/a/b?q", of "http://h:1/a/b". */
static int target_path_part(const char *target, size_t len, const char **path, size_t *path_len)
{
	const char *p = target, *end = target + len, *q;

	if (len >= 7 && strncasecmp(p, "http://", 7) == 0) {
		p += 7;
		while (p < end && *p != '/' && *p != '?')
			p++;
		if (p == end || *p == '?') {
			*path = "/";
			*path_len = 1;
			return 0;
		}
	}
	if (p >= end || *p != '/')
		return 400; /* neither origin-form nor absolute-form ("*" is for OPTIONS) */
	if (memchr(p, '#', (size_t)(end - p)))
		return 400; /* a fragment is never sent */
	q = memchr(p, '?', (size_t)(end - p));
	*path = p;
	*path_len = (size_t)((q ? q : end) - p);
	return 0;
}

int httpd_target_path(const char *target, size_t len, char *out, size_t size, int *is_dir)
{
	char decoded[HTTPD_LINE_MAX + 1], clean[HTTPD_LINE_MAX + 2];
	const char *path;
	size_t path_len, n = 0, o = 0;
	int rc = target_path_part(target, len, &path, &path_len);

	if (rc != 0)
		return rc;
	if (path_len > HTTPD_LINE_MAX)
		return 414;
	for (size_t k = 0; k < path_len; k++) {
		unsigned char c = (unsigned char)path[k];
		if (c == '%') {
			int hi = k + 2 < path_len ? escape_hex_value(path[k + 1]) : -1;
			int lo = k + 2 < path_len ? escape_hex_value(path[k + 2]) : -1;
			if (hi < 0 || lo < 0)
				return 400;
			c = (unsigned char)(hi * 16 + lo);
			k += 2;
		}
		/* control bytes (a %00, a %0a) have no place in a file name we serve */
		if (c < 0x20 || c == 0x7f)
			return 400;
		/* empty segments ("//a", "a%2F/b") go first: the path names a file
		 * relative to the root, and "a//.." is no different from "a/.." */
		if (c == '/' && n > 0 && decoded[n - 1] == '/')
			continue;
		decoded[n++] = (char)c;
	}
	/* dot segments go after decoding, so "%2e%2e" is a ".." too; one that
	 * climbs above the root is refused, never clamped */
	if (url_remove_dot_segments(decoded, n, clean) > 0)
		return 400;
	*is_dir = clean[strlen(clean) - 1] == '/';
	for (const char *c = clean + 1; *c; c++) {
		if (o + 2 > size)
			return 414;
		out[o++] = *c;
	}
	if (*is_dir) {
		const char *index = "index.html";
		size_t index_len = strlen(index);
		if (o + index_len + 1 > size)
			return 414;
		memcpy(out + o, index, index_len);
		o += index_len;
	}
	out[o] = '\0';
	return 0;
}

/* ---- opening files beneath the root ---- */

/* Opens path (relative, dot segments gone) without leaving the root
 * (file/beneath): the file's descriptor, or -1 with errno (EXDEV/ELOOP:
 * it points out).  O_NONBLOCK: a FIFO in the root must not hang the loop
 * on open. */
static int open_beneath(struct httpd_site *site, const char *path)
{
	int fd = beneath_open(site->root_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);

	if (site->have_openat2 && !beneath_has_openat2()) {
		site->have_openat2 = 0;
		diag_verbose(1, "openat2 is not available: walking paths with O_NOFOLLOW");
	}
	return fd;
}

static int status_of_errno(int err)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
		return 404;
	case EXDEV: /* RESOLVE_BENEATH: the path leads out of the root */
	case ELOOP:
	case EACCES:
	case EPERM:
		return 403;
	case ENAMETOOLONG:
		return 414;
	case EMFILE:
	case ENFILE:
		return 503;
	default:
		return 500;
	}
}

/* After these the stream's framing cannot be trusted: the response closes. */
static int status_closes(int status)
{
	return status == 400 || status == 413 || status == 414 || status == 431 || status == 501 ||
	       status == 505;
}

/* ---- writing responses ---- */

/* Appends without the NUL bookkeeping per piece: room was reserved. */
static void put(struct buf *out, const char *s, size_t len)
{
	memcpy(out->data + out->len, s, len);
	out->len += len;
}

static void put_str(struct buf *out, const char *s)
{
	put(out, s, strlen(s));
}

static void put_uint(struct buf *out, uint64_t n)
{
	char digits[24];
	size_t i = sizeof digits;

	do {
		digits[--i] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	put(out, digits + i, sizeof digits - i);
}

static void put_status_line(struct buf *out, struct httpd_site *site, int status)
{
	char code[4] = { (char)('0' + status / 100), (char)('0' + status / 10 % 10),
		         (char)('0' + status % 10), ' ' };

	put(out, "HTTP/1.1 ", 9);
	put(out, code, 4);
	put_str(out, http_reason_phrase(status));
	put(out, "\r\nServer: sockbox\r\nDate: ", 25);
	put_str(out, date_now(site));
	put(out, "\r\n", 2);
}

static void put_connection(struct buf *out, int keep_alive, int minor)
{
	if (!keep_alive)
		put(out, "Connection: close\r\n", 19);
	else if (minor == 0)
		put(out, "Connection: keep-alive\r\n", 24);
}

/* Room for the status line, Date, Server and Connection around a head. */
#define RESPONSE_OVERHEAD 256

int httpd_append_status(struct httpd_site *site, int status, int keep_alive, int head_only, struct buf *out)
{
	char body[64];
	int body_len = snprintf(body, sizeof body, "%d %s\n", status, http_reason_phrase(status));

	if (body_len < 0 || buf_reserve(out, RESPONSE_OVERHEAD + 128 + (size_t)body_len) < 0)
		return -1;
	put_status_line(out, site, status);
	put_str(out, "Content-Type: text/plain; charset=utf-8\r\nContent-Length: ");
	put_uint(out, (uint64_t)body_len);
	put(out, "\r\n", 2);
	if (status == 405)
		put_str(out, "Allow: GET, HEAD\r\n");
	put_connection(out, keep_alive, 1);
	put(out, "\r\n", 2);
	if (!head_only)
		put(out, body, (size_t)body_len);
	out->data[out->len] = '\0';
	return 0;
}

/* A directory named without its trailing slash: 301 to the name with one.
 * The Location is built from the normalised path, never from the raw
 * target, so "//evil.example" or "/\evil.example" cannot become a
 * redirect to another host. */
static int append_redirect(struct httpd_site *site, const struct httpd_request *req, const char *normal,
                           int keep_alive, struct buf *out)
{
	const char *path, *query;
	size_t path_len, normal_len = strlen(normal);
	long encoded;
	static const char body[] = "301 Moved Permanently\n";

	if (target_path_part(req->target, req->target_len, &path, &path_len) != 0)
		return httpd_append_status(site, 400, 0, req->method == HTTPD_HEAD, out);
	query = path + path_len;
	if (buf_reserve(out, RESPONSE_OVERHEAD + 128 + 3 * normal_len + req->target_len + sizeof body) < 0)
		return -1;
	put_status_line(out, site, 301);
	put_str(out, "Location: /");
	/* the room for it was reserved above: it cannot fail */
	encoded =
	    url_percent_encode(normal, normal_len, URL_KEEP_PATH, out->data + out->len, 3 * normal_len + 1);
	out->len += encoded > 0 ? (size_t)encoded : 0;
	put(out, "/", 1);
	if (query < req->target + req->target_len && *query == '?')
		put(out, query, (size_t)(req->target + req->target_len - query));
	put_str(out, "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ");
	put_uint(out, sizeof body - 1);
	put(out, "\r\n", 2);
	put_connection(out, keep_alive, req->minor);
	put(out, "\r\n", 2);
	if (req->method != HTTPD_HEAD)
		put(out, body, sizeof body - 1);
	out->data[out->len] = '\0';
	return 0;
}

/* Content-Type, Content-Length and Last-Modified of a file: the fields that
 * stay the same from one response to the next. */
static int format_file_fields(char *out, size_t size, const char *path, off_t length, time_t mtime)
{
	char modified[40];

	format_http_date(mtime, modified, sizeof modified);
	return snprintf(out, size, "Content-Type: %s\r\nContent-Length: %lld\r\nLast-Modified: %s\r\n",
	                type_of(path), (long long)length, modified);
}

static int append_head(struct httpd_site *site, const char *fields, size_t fields_len, int keep_alive,
                       int minor, size_t body_room, struct buf *out)
{
	if (buf_reserve(out, RESPONSE_OVERHEAD + fields_len + body_room) < 0)
		return -1;
	put_status_line(out, site, 200);
	put(out, fields, fields_len);
	put_connection(out, keep_alive, minor);
	put(out, "\r\n", 2);
	return 0;
}

/* A cached response: its fixed fields, then the body, in one buffer. */
static int append_cached(struct httpd_site *site, const struct httpd_cache_entry *e,
                         const struct httpd_request *req, struct buf *out)
{
	size_t body_len = e->len - e->head_len;
	int head_only = req->method == HTTPD_HEAD;

	if (append_head(site, e->response, e->head_len, req->keep_alive, req->minor, head_only ? 0 : body_len,
	                out) < 0)
		return -1;
	if (!head_only)
		put(out, e->response + e->head_len, body_len);
	out->data[out->len] = '\0';
	return 0;
}

static size_t hash_path(const char *path)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h % HTTPD_CACHE_SLOTS;
}

static int same_file(const struct httpd_cache_entry *e, const struct stat *st)
{
	return e->dev == st->st_dev && e->ino == st->st_ino && e->size == st->st_size &&
	       e->mtime.tv_sec == st->st_mtim.tv_sec && e->mtime.tv_nsec == st->st_mtim.tv_nsec &&
	       e->ctime.tv_sec == st->st_ctim.tv_sec && e->ctime.tv_nsec == st->st_ctim.tv_nsec;
}

/* The entry for path if it still describes the file on disk (one fstatat). */
static const struct httpd_cache_entry *cache_lookup(struct httpd_site *site, const char *path)
{
	struct httpd_cache_entry *e = &site->cache[hash_path(path)];
	struct stat st;

	if (!e->response || strcmp(e->path, path) != 0)
		return NULL;
	/* follows symlinks: a link swapped in to point out of the root names
	 * another inode, misses, and goes through openat2 again */
	if (fstatat(site->root_fd, path, &st, 0) < 0 || !same_file(e, &st))
		return NULL;
	site->cache_hits++;
	return e;
}

/* Reads a small file whole into its cache slot; NULL (errno) when it cannot. */
static const struct httpd_cache_entry *cache_fill(struct httpd_site *site, const char *path, int fd,
                                                  const struct stat *st)
{
	struct httpd_cache_entry *e = &site->cache[hash_path(path)];
	char fields[512];
	int fields_len = format_file_fields(fields, sizeof fields, path, st->st_size, st->st_mtim.tv_sec);
	size_t body_len = (size_t)st->st_size, got = 0, path_len = strlen(path);
	char *response;

	if (fields_len < 0 || (size_t)fields_len >= sizeof fields || path_len >= sizeof e->path)
		return NULL;
	response = malloc((size_t)fields_len + body_len + 1);
	if (!response)
		return NULL;
	memcpy(response, fields, (size_t)fields_len);
	while (got < body_len) {
		ssize_t n = pread(fd, response + fields_len + got, body_len - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* shrank under us, or an IO error: serve nothing stale */
			free(response);
			if (n == 0)
				errno = EAGAIN;
			return NULL;
		}
		got += (size_t)n;
	}
	free(e->response);
	memcpy(e->path, path, path_len + 1);
	e->dev = st->st_dev;
	e->ino = st->st_ino;
	e->size = st->st_size;
	e->mtime = st->st_mtim;
	e->ctime = st->st_ctim;
	e->response = response;
	e->head_len = (size_t)fields_len;
	e->len = (size_t)fields_len + body_len;
	return e;
}

/* A file too large for the cache: its head now, its bytes by sendfile later. */
static int append_large_file(struct httpd_site *site, const struct httpd_request *req, const char *path,
                             int fd, const struct stat *st, struct buf *out, struct httpd_file *file)
{
	char fields[512];
	int fields_len = format_file_fields(fields, sizeof fields, path, st->st_size, st->st_mtim.tv_sec);

	if (fields_len < 0 || (size_t)fields_len >= sizeof fields ||
	    append_head(site, fields, (size_t)fields_len, req->keep_alive, req->minor, 0, out) < 0) {
		close(fd);
		return -1;
	}
	out->data[out->len] = '\0';
	if (req->method == HTTPD_HEAD || st->st_size == 0) {
		close(fd);
		return 0;
	}
	file->fd = fd;
	file->offset = 0;
	file->left = st->st_size;
	return 0;
}

static const struct httpd_cache_entry *builtin_entry(struct httpd_site *site)
{
	struct httpd_cache_entry *e = &site->cache[0];
	char fields[512];
	int fields_len;

	if (e->response)
		return e;
	fields_len = format_file_fields(fields, sizeof fields, "index.html", (off_t)(sizeof builtin_page - 1),
	                                time(NULL));
	if (fields_len < 0 || (size_t)fields_len >= sizeof fields)
		return NULL;
	e->response = malloc((size_t)fields_len + sizeof builtin_page);
	if (!e->response)
		return NULL;
	memcpy(e->response, fields, (size_t)fields_len);
	memcpy(e->response + fields_len, builtin_page, sizeof builtin_page);
	snprintf(e->path, sizeof e->path, "index.html");
	e->head_len = (size_t)fields_len;
	e->len = (size_t)fields_len + sizeof builtin_page - 1;
	return e;
}

/* An error answer to a well-formed request.  Whether the connection stays
 * open is decided here and by answer() with the same status_closes(), so a
 * response after which the server closes always says Connection: close
 * (RFC 9112 9.6): a client that pipelined a request behind it learns that
 * it was dropped. */
static int append_error(struct httpd_site *site, const struct httpd_request *req, int status, struct buf *out)
{
	return httpd_append_status(site, status, req->keep_alive && !status_closes(status),
	                           req->method == HTTPD_HEAD, out);
}

/* ---- directory listings ---- */

struct dir_entry {
	char *name;
	const char *type; /* "file", "directory", "symlink", "other" */
	const char *mark; /* what the HTML adds to the name: "/", "@" or "" */
	off_t size;
};

static int compare_entries(const void *a, const void *b)
{
	return strcmp(((const struct dir_entry *)a)->name, ((const struct dir_entry *)b)->name);
}

static void free_entries(struct dir_entry *entries, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(entries[i].name);
	free(entries);
}

/* Reads the directory open at fd (taken over and closed), sorted: 0 with
 * *out and *count, or -1 with errno.  Symlinks are not followed: what one
 * points to may lie outside the root. */
static int read_entries(int fd, struct dir_entry **out, size_t *count)
{
	DIR *dir = fdopendir(fd);
	struct dir_entry *entries = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int saved;

	if (!dir) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	while ((errno = 0, de = readdir(dir)) != NULL) {
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		/* an entry removed since readdir saw it is simply not listed */
		if (fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (n == cap) {
			size_t new_cap = cap ? 2 * cap : 32;
			struct dir_entry *grown = realloc(entries, new_cap * sizeof *entries);
			if (!grown)
				goto fail;
			entries = grown;
			cap = new_cap;
		}
		entries[n].name = strdup(de->d_name);
		if (!entries[n].name)
			goto fail;
		entries[n].size = st.st_size;
		entries[n].type = S_ISDIR(st.st_mode)   ? "directory"
		                  : S_ISLNK(st.st_mode) ? "symlink"
		                  : S_ISREG(st.st_mode) ? "file"
		                                        : "other";
		entries[n].mark = S_ISDIR(st.st_mode) ? "/" : S_ISLNK(st.st_mode) ? "@" : "";
		n++;
	}
	if (errno != 0)
		goto fail;
	closedir(dir);
	if (n > 0)
		qsort(entries, n, sizeof *entries, compare_entries);
	*out = entries;
	*count = n;
	return 0;
fail:
	saved = errno ? errno : ENOMEM;
	free_entries(entries, n);
	closedir(dir);
	errno = saved;
	return -1;
}

/* Text for HTML content and attributes: the five special characters as
 * references, a control byte (never valid in a name shown) as U+FFFD. */
static int append_html(struct buf *b, const char *s)
{
	int rc = 0;

	for (; *s && rc == 0; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '&':
			rc = buf_append_str(b, "&amp;");
			break;
		case '<':
			rc = buf_append_str(b, "&lt;");
			break;
		case '>':
			rc = buf_append_str(b, "&gt;");
			break;
		case '"':
			rc = buf_append_str(b, "&quot;");
			break;
		case '\'':
			rc = buf_append_str(b, "&#39;");
			break;
		default:
			rc = c < 0x20 || c == 0x7f ? buf_append_str(b, "\xef\xbf\xbd")
			                           : buf_append_byte(b, (char)c);
		}
	}
	return rc;
}

/* The page a browser gets, in the shape python3 -m http.server gives:
 * the link is the name percent-encoded (so "a:b" cannot pass for a
 * scheme and no quote can end the attribute), the text HTML-escaped. */
static int listing_html(struct buf *b, const char *shown, const struct dir_entry *entries, size_t count)
{
	int rc = 0;

	rc |= buf_append_str(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	                        "<title>Directory listing for ");
	rc |= append_html(b, shown);
	rc |= buf_append_str(b, "</title>\n</head>\n<body>\n<h1>Directory listing for ");
	rc |= append_html(b, shown);
	rc |= buf_append_str(b, "</h1>\n<hr>\n<ul>\n");
	for (size_t i = 0; i < count && rc == 0; i++) {
		const char *name = entries[i].name;
		size_t len = strlen(name);
		int is_dir = strcmp(entries[i].type, "directory") == 0;

		rc |= buf_append_str(b, "<li><a href=\"");
		rc |= buf_reserve(b, 3 * len + 1);
		if (rc == 0) {
			long encoded =
			    url_percent_encode(name, len, URL_KEEP_PATH, b->data + b->len, 3 * len + 1);
			b->len += encoded > 0 ? (size_t)encoded : 0;
		}
		rc |= buf_append_str(b, is_dir ? "/\">" : "\">");
		rc |= append_html(b, name);
		rc |= buf_append_str(b, entries[i].mark);
		rc |= buf_append_str(b, "</a></li>\n");
	}
	rc |= buf_append_str(b, "</ul>\n<hr>\n</body>\n</html>\n");
	return rc;
}

/* The same listing for programs: {"path":..., "entries":[{"name", "type", "size"}]}. */
static int listing_json(struct buf *b, const char *shown, const struct dir_entry *entries, size_t count)
{
	struct json j;

	json_init(&j, b);
	json_begin_object(&j, NULL);
	json_str(&j, "path", shown);
	json_begin_array(&j, "entries");
	for (size_t i = 0; i < count; i++) {
		json_begin_object(&j, NULL);
		json_str(&j, "name", entries[i].name);
		json_str(&j, "type", entries[i].type);
		if (strcmp(entries[i].type, "file") == 0)
			json_uint(&j, "size", (uint64_t)entries[i].size);
		json_end(&j);
	}
	json_end(&j);
	json_end(&j);
	json_newline(&j);
	return j.failed ? -1 : 0;
}

/* A directory named with its '/' that has no index.html, under --index:
 * its listing, or the status that refuses it.  index_path is the path
 * httpd_target_path made ("sub/index.html"). */
static int serve_listing(struct httpd_site *site, const struct httpd_request *req, const char *index_path,
                         struct buf *out, int *failed)
{
	char dir[HTTPD_LINE_MAX + 16], shown[HTTPD_LINE_MAX + 17];
	size_t dir_len = strlen(index_path) - strlen("index.html");
	struct dir_entry *entries = NULL;
	size_t count = 0;
	struct buf body = BUF_INIT;
	struct stat st;
	int fd, rc;

	memcpy(dir, index_path, dir_len);
	dir[dir_len] = '\0';
	shown[0] = '/';
	memcpy(shown + 1, dir, dir_len + 1);
	/* "sub/" is opened as "sub": the component walk wants no empty last name */
	if (dir_len > 0)
		dir[dir_len - 1] = '\0';
	fd = open_beneath(site, dir_len > 0 ? dir : ".");
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode)) {
		rc = fd < 0 ? status_of_errno(errno) : 404;
		if (fd >= 0)
			close(fd);
		*failed = append_error(site, req, rc, out) < 0;
		return rc;
	}
	if (read_entries(fd, &entries, &count) < 0) {
		rc = errno == ENOMEM ? 500 : status_of_errno(errno);
		*failed = append_error(site, req, rc, out) < 0;
		return rc;
	}
	rc = req->wants_json ? listing_json(&body, shown, entries, count)
	                     : listing_html(&body, shown, entries, count);
	free_entries(entries, count);
	if (rc < 0 ||
	    buf_reserve(out, RESPONSE_OVERHEAD + 128 + (req->method == HTTPD_HEAD ? 0 : body.len)) < 0) {
		buf_free(&body);
		*failed = 1;
		return 500;
	}
	put_status_line(out, site, 200);
	put_str(out, req->wants_json ? "Content-Type: application/json\r\n"
	                             : "Content-Type: text/html; charset=utf-8\r\n");
	put_str(out, "Vary: Accept\r\nContent-Length: ");
	put_uint(out, body.len);
	put(out, "\r\n", 2);
	put_connection(out, req->keep_alive, req->minor);
	put(out, "\r\n", 2);
	if (req->method != HTTPD_HEAD)
		put(out, body.data, body.len);
	out->data[out->len] = '\0';
	buf_free(&body);
	return 200;
}

/* Answers a well-formed GET or HEAD: the status it sent. */
static int serve_path(struct httpd_site *site, const struct httpd_request *req, struct buf *out,
                      struct httpd_file *file, int *failed)
{
	char path[HTTPD_LINE_MAX + 16];
	const struct httpd_cache_entry *e;
	struct stat st;
	int is_dir, fd, rc;

	rc = httpd_target_path(req->target, req->target_len, path, sizeof path, &is_dir);
	if (rc == 0 && site->root_fd < 0) {
		/* the built-in page: "/" and "/index.html", nothing else */
		rc = strcmp(path, "index.html") == 0 ? 0 : 404;
		if (rc == 0 && (e = builtin_entry(site)) != NULL) {
			*failed = append_cached(site, e, req, out) < 0;
			return 200;
		}
		if (rc == 0)
			rc = 500;
	}
	if (rc != 0) {
		*failed = append_error(site, req, rc, out) < 0;
		return rc;
	}
	e = cache_lookup(site, path);
	if (e) {
		*failed = append_cached(site, e, req, out) < 0;
		return 200;
	}
	fd = open_beneath(site, path);
	if (fd < 0 && errno == ENOENT && is_dir && site->list_dirs)
		return serve_listing(site, req, path, out, failed);
	if (fd < 0 || fstat(fd, &st) < 0) {
		rc = status_of_errno(errno);
		if (fd >= 0)
			close(fd);
		*failed = append_error(site, req, rc, out) < 0;
		return rc;
	}
	if (S_ISDIR(st.st_mode) && !is_dir) {
		close(fd);
		*failed = append_redirect(site, req, path, req->keep_alive, out) < 0;
		return 301;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		*failed = append_error(site, req, 404, out) < 0;
		return 404;
	}
	if (st.st_size <= HTTPD_CACHE_FILE_MAX && (e = cache_fill(site, path, fd, &st)) != NULL) {
		close(fd);
		*failed = append_cached(site, e, req, out) < 0;
		return 200;
	}
	*failed = append_large_file(site, req, path, fd, &st, out, file) < 0;
	return 200;
}

/* Answers one head: appends the response, and records what follows it. */
static int answer(struct httpd_conn *hc, struct httpd_site *site, const char *head, size_t head_len,
                  struct buf *out, struct httpd_file *file)
{
	struct httpd_request req;
	int status = httpd_parse_request(head, head_len, &req);
	int failed = 0;

	if (status != 0) {
		failed = httpd_append_status(site, status, 0, 0, out) < 0;
		hc->closing = 1;
		diag_verbose(2, "fd %d: malformed request head -> %d %s, closing", hc->log_fd, status,
		             http_reason_phrase(status));
	} else {
		if (req.method == HTTPD_OTHER) {
			status = 405;
			failed = append_error(site, &req, 405, out) < 0;
		} else {
			status = serve_path(site, &req, out, file, &failed);
		}
		hc->closing = !req.keep_alive || status_closes(status);
		diag_verbose(2, "fd %d: %.*s %.*s HTTP/1.%d -> %d %s%s", hc->log_fd, (int)req.method_len,
		             req.method_text, (int)(req.target_len > 200 ? 200 : req.target_len), req.target,
		             req.minor, status, http_reason_phrase(status), hc->closing ? ", closing" : "");
	}
	if (failed)
		return -1;
	hc->body_left = hc->closing ? 0 : req.content_length;
	hc->requests++;
	site->requests++;
	return 0;
}

ssize_t httpd_input(struct httpd_conn *hc, struct httpd_site *site, const char *in, size_t len,
                    struct buf *out, size_t room, struct httpd_file *file)
{
	size_t used = 0, start_len = out->len;

	while (used < len && !hc->closing && file->left == 0 && out->len - start_len < room) {
		int status = 0;
		ssize_t head_len;

		if (hc->body_left > 0) {
			size_t take = len - used < hc->body_left ? len - used : (size_t)hc->body_left;
			used += take;
			hc->body_left -= take;
			continue;
		}
		/* RFC 9112 2.2: empty lines before a request line are ignored */
		if (hc->scan_from == 0 && (in[used] == '\n' || in[used] == '\r')) {
			if (in[used] == '\n' || (used + 1 < len && in[used + 1] == '\n')) {
				used += in[used] == '\n' ? 1 : 2;
				continue;
			}
			if (used + 1 == len)
				break; /* a CR: its LF has not arrived yet */
		}
		head_len = httpd_head_length(in + used, len - used, &hc->scan_from, &status);
		if (head_len == 0)
			break;
		hc->scan_from = 0;
		if (head_len < 0) {
			diag_verbose(2, "fd %d: request head too large -> %d %s, closing", hc->log_fd, status,
			             http_reason_phrase(status));
			if (httpd_append_status(site, status, 0, 0, out) < 0)
				return -1;
			hc->closing = 1;
			hc->requests++;
			site->requests++;
			break;
		}
		if (answer(hc, site, in + used, (size_t)head_len, out, file) < 0)
			return -1;
		used += (size_t)head_len;
	}
	/* once closing, what follows is never read: it counts as used */
	return hc->closing ? (ssize_t)len : (ssize_t)used;
}
