/*
 * httpd.h - a small, strict HTTP/1.1 static file server, as a handler fed bytes.
 *
 * Promise: the bytes a client sends go in and the responses owed come out,
 * with no IO on the client's socket: the caller reads, feeds httpd_input,
 * sends what was appended to its output buffer, and then (for a large
 * file) the file region left in struct httpd_file, with sendfile(2), when
 * the socket is writable.  The same code serves blocking and non-blocking
 * servers; the multiplexing servers use it.
 *
 * What it answers (RFC 9110, RFC 9112): GET and HEAD for files under a root
 * directory, or a built-in page when there is none; index.html for a
 * directory; Content-Type by extension, Content-Length, Last-Modified,
 * Date; persistent connections and pipelined requests, answered in order.
 * Everything else gets its exact status: 400 a malformed request (a Host
 * that is not uri-host [ ":" port ] among them), 403 a
 * path the root refuses (a symlink pointing out of it), 404, 405 a method
 * other than GET and HEAD, 413 a request body over HTTPD_BODY_MAX, 414 a
 * request line over HTTPD_LINE_MAX, 431 a head over HTTPD_HEAD_MAX or with
 * more than HTTPD_FIELDS_MAX fields, 501 a Transfer-Encoding, 505 an HTTP
 * major version other than 1.  After a 400, 413, 414, 431, 501 or 505 the
 * stream cannot be trusted: the connection takes no more input.  Every
 * response after which the connection closes says Connection: close.
 *
 * Directory listings (site->list_dirs, off unless asked for): a directory
 * named with its trailing '/' and holding no index.html is answered with
 * its entries, sorted bytewise, directories marked with a '/', symlinks
 * with a '@' (not followed: a listing says nothing about what lies outside
 * the root).  HTML for browsers, names HTML-escaped and links
 * percent-encoded (url.h); JSON when the Accept field names
 * application/json.  Listings are built per request, never cached.
 *
 * Paths never leave the root: percent-decoding, then empty segments and
 * dot segments removed (url.h, RFC 3986 5.2.4) with a ".." above the root
 * refused (400), then openat2(2) with RESOLVE_BENEATH from the root
 * directory, so a symlink may point anywhere inside the root but not out
 * of it (403).  A redirect's Location is the normalised path, percent-
 * encoded again (url.h), never the raw target.  On a kernel without
 * openat2, the path is walked one component at a time with O_NOFOLLOW and
 * every symlink is refused.
 *
 * The fast path allocates nothing per request: small files (up to
 * HTTPD_CACHE_FILE_MAX) are kept in a small cache of whole responses,
 * checked against the file with one fstatat(2) per request; the Date
 * header is formatted once a second.
 */
#ifndef SOCKBOX_HTTPD_H
#define SOCKBOX_HTTPD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "base/buf.h"

#define HTTPD_LINE_MAX 4096              /* request line; 414 beyond */
#define HTTPD_HEAD_MAX 8192              /* request line plus fields; 431 beyond */
#define HTTPD_FIELDS_MAX 100             /* header fields; 431 beyond */
#define HTTPD_BODY_MAX (1024 * 1024)     /* a request body is read and dropped; 413 beyond */
#define HTTPD_CACHE_FILE_MAX (16 * 1024) /* files up to this size are cached */
#define HTTPD_CACHE_SLOTS 64

enum httpd_method { HTTPD_GET, HTTPD_HEAD, HTTPD_OTHER };

/* One parsed request head; the pointers point into the bytes parsed. */
struct httpd_request {
	enum httpd_method method;
	const char *method_text;
	size_t method_len;
	const char *target; /* as sent: "/a%20b?q=1" or "http://host/a" */
	size_t target_len;
	int minor;               /* 0 for HTTP/1.0, 1 for HTTP/1.1 (and 1.x) */
	int keep_alive;          /* the connection persists after this response */
	uint64_t content_length; /* request body bytes that follow the head */
	int hosts;               /* Host fields seen */
	int chunked;             /* a Transfer-Encoding field was sent */
	int wants_json;          /* Accept names application/json: a listing in JSON */
	size_t fields;
};

/* A file region owed after the buffered bytes: fd open, left > 0 while owed. */
struct httpd_file {
	int fd;
	off_t offset;
	off_t left;
};

struct httpd_cache_entry {
	char path[256]; /* relative to the root, "" when the slot is free */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	struct timespec ctime;
	char *response;  /* status line and fields up to the blank line, then the body */
	size_t head_len; /* bytes of response before the body */
	size_t len;      /* whole response (head and body) */
};

/* What every connection of one server shares. */
struct httpd_site {
	int root_fd;        /* O_PATH directory, -1 for the built-in page */
	int have_openat2;   /* 0 once the kernel said ENOSYS */
	int list_dirs;      /* --index: list a directory that has no index.html */
	time_t date_second; /* the second date_text was made for */
	char date_text[40]; /* "Sun, 06 Nov 1994 08:49:37 GMT" */
	struct httpd_cache_entry cache[HTTPD_CACHE_SLOTS];
	uint64_t requests; /* requests answered, every status */
	uint64_t cache_hits;
};

/* One connection's parsing state. */
struct httpd_conn {
	size_t scan_from;   /* how far the search for the head's end has looked */
	uint64_t body_left; /* request body bytes still to drop */
	int closing;        /* a response said Connection: close: take no more input */
	int log_fd;         /* the socket, named in -vv narration */
	uint64_t requests;
};

/* Opens root (a directory; NULL for the built-in page): 0 or -1 with errno. */
int httpd_site_open(struct httpd_site *site, const char *root);

/* Releases the root and the cache. */
void httpd_site_close(struct httpd_site *site);

/* Sets up a connection's state; log_fd names it in narration. */
void httpd_conn_init(struct httpd_conn *hc, int log_fd);

/*
 * Feeds in[0..len): drops a request body still owed, answers every
 * complete request in order, and stops early once room bytes or more have
 * been appended to out, a file region is left in *file, or a response
 * closed the connection (hc->closing).  Returns how many bytes it used;
 * the caller keeps the rest and feeds it again, with more input or once
 * the output has drained.  -1 with errno ENOMEM only; a bad request is
 * answered with its status, never an error here.
 */
ssize_t httpd_input(struct httpd_conn *hc, struct httpd_site *site, const char *in, size_t len,
                    struct buf *out, size_t room, struct httpd_file *file);

/*
 * Finds the end of the request head in data[0..len): returns the head's
 * length (through its blank line), 0 when more bytes are needed, or -1
 * with *status 414 or 431 when the head can never fit.  *scan_from keeps
 * how far it looked, so bytes arriving one at a time are scanned once.
 */
ssize_t httpd_head_length(const char *data, size_t len, size_t *scan_from, int *status);

/*
 * Parses one complete request head (as httpd_head_length measured it):
 * 0, or the status that answers a bad head (400, 413, 414, 431, 501, 505).
 * Reads only data[0..len).
 */
int httpd_parse_request(const char *data, size_t len, struct httpd_request *req);

/*
 * Decodes a request target's path (origin-form or absolute-form, query
 * dropped) into a path relative to the root: percent-decoded, dot segments
 * removed, no leading '/', "index.html" appended when it names a directory
 * by its trailing '/'.  0, or the status that refuses it (400).  *is_dir is
 * set when the target ended with '/'.
 */
int httpd_target_path(const char *target, size_t len, char *out, size_t size, int *is_dir);

/* The response to a request no file is involved in (an error, a 503):
 * appends status line, fields and a short text body. */
int httpd_append_status(struct httpd_site *site, int status, int keep_alive, int head_only, struct buf *out);

#endif
