/*
 * url.h - http and https URLs (RFC 3986): parsed into the parts a request
 * needs, and redirect locations resolved against them.
 *
 * Promise: url_parse accepts "http://HOST[:PORT][/PATH][?QUERY][#FRAG]"
 * (and https), where HOST is a name, an IPv4 address or an [IPv6] literal;
 * a URL without a scheme is taken as http.  The request target it keeps
 * (path and query) is always safe to put on a request line: bytes outside
 * printable ASCII are percent-encoded, control characters are refused, the
 * fragment is dropped.  Errors return -1 with a reason in *why; nothing
 * prints or exits.
 */
#ifndef SOCKBOX_URL_H
#define SOCKBOX_URL_H

#include <stddef.h>

#define URL_HOST_MAX 256
#define URL_TARGET_MAX 8192

struct url {
	int https;               /* 1 for https, 0 for http */
	char host[URL_HOST_MAX]; /* as written, IPv6 without brackets; "%25" zone kept */
	int host_is_ipv6;
	unsigned port; /* given or the scheme's default (80, 443) */
	int port_given;
	char target[URL_TARGET_MAX]; /* "/path?query", at least "/" */
};

/* Parses text into u: 0, or -1 with *why ("unsupported scheme", ...). */
int url_parse(const char *text, struct url *u, const char **why);

/* Resolves ref (a Location field value) against base (RFC 3986 5.2):
 * absolute URLs, "//host/...", "/path", "?query" and relative paths with
 * "." and ".." segments.  0, or -1 with *why. */
int url_resolve(const struct url *base, const char *ref, struct url *out, const char **why);

/* The authority as the Host field wants it: "host", "host:8080",
 * "[::1]:8080"; the port only when it is not the scheme's default. */
char *url_authority(const struct url *u, char *out, size_t size);

/* The whole URL again: "https://[::1]:8443/a?b". */
char *url_format(const struct url *u, char *out, size_t size);

/* The host for getaddrinfo and certificate checks: an IPv6 zone "%25eth0"
 * becomes "%eth0". */
char *url_host_for_lookup(const struct url *u, char *out, size_t size);

/* 1 when a and b name the same scheme, host (any case) and port. */
int url_same_origin(const struct url *a, const struct url *b);

/* ---- the pieces a server shares (httpd) ---- */

/*
 * remove_dot_segments (RFC 3986 5.2.4) on the absolute path in[0..len),
 * written to out (len + 2 bytes are always enough) with a NUL: "/a/./b/../c"
 * becomes "/a/c", a last "." or ".." leaves a trailing '/'.  A ".." above
 * the root is dropped, as the RFC says, and counted: the return value is
 * how many were, so that a server can refuse a path that tries to climb.
 */
size_t url_remove_dot_segments(const char *in, size_t len, char *out);

/* Which bytes url_percent_encode leaves as they are; every other byte
 * becomes %XX (uppercase hex, RFC 3986 2.1). */
enum url_keep {
	URL_KEEP_VISIBLE, /* printable ASCII but the space: a sloppy Location made sendable */
	URL_KEEP_PATH,    /* unreserved and '/' (RFC 3986 2.3): a file name made a path */
};

/* Writes in[0..len) percent-encoded to out, with a NUL: the length, or -1
 * with errno ENAMETOOLONG when size bytes are too few (3 * len + 1 are
 * always enough). */
long url_percent_encode(const char *in, size_t len, enum url_keep keep, char *out, size_t size);

/* ---- ftp URLs (RFC 1738 3.2), sharing the authority grammar ---- */

#define URL_FTP_PATH_MAX 4096
#define URL_USER_MAX 256

struct url_ftp {
	char host[URL_HOST_MAX]; /* as url.host */
	int host_is_ipv6;
	unsigned port; /* given or 21 */
	int port_given;
	int has_user, has_pass;
	char user[URL_USER_MAX]; /* percent-decoded */
	char pass[URL_USER_MAX];
	char path[URL_FTP_PATH_MAX]; /* percent-decoded, without the '/' after the authority: "" for the top */
};

/*
 * Parses "ftp://[USER[:PASS]@]HOST[:PORT][/PATH]" into f: 0, or -1 with
 * *why.  The path is relative to the login directory (RFC 1738 3.2.2:
 * "%2F" spells an absolute one); a ";type=X" suffix is dropped (sockbox
 * always transfers in binary).  Decoded bytes that would end or split a
 * command line (NUL, CR, LF) are refused.
 */
int url_parse_ftp(const char *text, struct url_ftp *f, const char **why);

#endif
