/*
 * url.c - URL parsing and reference resolution for http and https.
 */
#include "http/url.h"

#include "base/escape.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Length of a scheme followed by ':' at the start of s (3.1), 0 if none. */
static size_t scheme_length(const char *s)
{
	size_t i = 0;
	if (!is_alpha((unsigned char)s[0]))
		return 0;
	while (is_alpha((unsigned char)s[i]) || is_digit((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' ||
	       s[i] == '.')
		i++;
	return s[i] == ':' ? i : 0;
}

/* reg-name and IPv4 characters: unreserved, pct-encoded, sub-delims (3.2.2). */
static int is_host_char(unsigned char c)
{
	return is_alpha(c) || is_digit(c) || (c != '\0' && strchr("-._~%!$&'()*+,;=", c) != NULL);
}

static int parse_port(const char *s, size_t len, unsigned *port, const char **why)
{
	unsigned v = 0;

	if (len > 5) {
		*why = "port out of range";
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if (!is_digit((unsigned char)s[i])) {
			*why = "malformed port";
			return -1;
		}
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v == 0 || v > 65535) {
		*why = "port out of range";
		return -1;
	}
	*port = v;
	return 0;
}

/* authority = host [ ":" port ], the text between "//" and the path. */
static int parse_authority(const char *s, size_t len, struct url *u, const char **why)
{
	const char *host = s, *colon = NULL;
	size_t host_len;

	if (memchr(s, '@', len)) {
		*why = "user names and passwords in URLs are not supported";
		return -1;
	}
	if (len > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', len);
		if (!close || close == s + 1) {
			*why = "malformed IPv6 address";
			return -1;
		}
		host = s + 1;
		host_len = (size_t)(close - host);
		/* hex digits, colons and dots, then perhaps a zone: "%25eth0" (RFC 6874) */
		for (size_t i = 0, zone = 0; i < host_len; i++) {
			unsigned char c = (unsigned char)host[i];
			if (c == '%')
				zone = 1;
			if (zone ? !is_host_char(c) : !(is_digit(c) || strchr("abcdefABCDEF:.", c))) {
				*why = "malformed IPv6 address";
				return -1;
			}
		}
		u->host_is_ipv6 = 1;
		if (close + 1 < s + len) {
			if (close[1] != ':') {
				*why = "malformed authority";
				return -1;
			}
			colon = close + 1;
		}
	} else {
		colon = memchr(s, ':', len);
		host_len = colon ? (size_t)(colon - s) : len;
		for (size_t i = 0; i < host_len; i++) {
			if (!is_host_char((unsigned char)s[i])) {
				*why = "invalid character in the host";
				return -1;
			}
		}
	}
	if (host_len == 0) {
		*why = "no host";
		return -1;
	}
	if (host_len >= sizeof u->host) {
		*why = "host name too long";
		return -1;
	}
	memcpy(u->host, host, host_len);
	u->host[host_len] = '\0';
	u->port = u->https ? 443 : 80;
	if (colon && (size_t)(s + len - colon) > 1) {
		if (parse_port(colon + 1, (size_t)(s + len - colon - 1), &u->port, why) < 0)
			return -1;
		u->port_given = 1;
	}
	return 0;
}

/*
 * Copies path and query into u->target: printable ASCII as is, other bytes
 * of 0x80 and up and spaces percent-encoded (browsers and curl do the same
 * with sloppy Location values), control characters refused.
 */
static int set_target(struct url *u, const char *s, size_t len, int leading_slash, const char **why)
{
	size_t at = 0;
	long encoded;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f) {
			*why = "control character in the URL";
			return -1;
		}
	}
	if (leading_slash)
		u->target[at++] = '/';
	encoded = url_percent_encode(s, len, URL_KEEP_VISIBLE, u->target + at, sizeof u->target - at);
	if (encoded < 0) {
		*why = "URL too long";
		return -1;
	}
	if (at + (size_t)encoded == 0)
		strcpy(u->target, "/");
	return 0;
}

int url_parse(const char *text, struct url *u, const char **why)
{
	size_t scheme = scheme_length(text);
	const char *rest = text, *end, *path;

	memset(u, 0, sizeof *u);
	if (scheme && strncmp(text + scheme, "://", 3) == 0) {
		if (scheme == 5 && strncasecmp(text, "https", 5) == 0) {
			u->https = 1;
		} else if (!(scheme == 4 && strncasecmp(text, "http", 4) == 0)) {
			*why = "unsupported scheme (only http and https)";
			return -1;
		}
		rest = text + scheme + 3;
	} else if (strstr(text, "://")) {
		*why = "unsupported scheme (only http and https)";
		return -1;
	}
	end = rest + strcspn(rest, "#");
	path = rest + strcspn(rest, "/?#");
	if (parse_authority(rest, (size_t)(path - rest), u, why) < 0)
		return -1;
	/* "http://host?q" has an empty path: the target is "/?q" */
	return set_target(u, path, (size_t)(end - path), *path == '?', why);
}

/* The path of a target, without its query. */
static size_t path_length(const char *target)
{
	return strcspn(target, "?");
}

/* Works segment by segment on an output that only grows by whole
 * segments, so ".." can pop the last one. */
size_t url_remove_dot_segments(const char *in, size_t len, char *out)
{
	size_t o = 0, i = 0, climbs = 0;

	while (i < len) {
		size_t seg_end = i + 1;
		while (seg_end < len && in[seg_end] != '/')
			seg_end++;
		/* in[i] is '/' for every segment of an absolute path */
		size_t seg_len = seg_end - i - 1;
		const char *seg = in + i + 1;
		int last = seg_end == len;
		if (seg_len == 1 && seg[0] == '.') {
			if (last)
				out[o++] = '/';
		} else if (seg_len == 2 && seg[0] == '.' && seg[1] == '.') {
			if (o == 0)
				climbs++;
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			if (last)
				out[o++] = '/';
		} else {
			memcpy(out + o, in + i, seg_end - i);
			o += seg_end - i;
		}
		i = seg_end;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return climbs;
}

static int is_kept(unsigned char c, enum url_keep keep)
{
	if (keep == URL_KEEP_VISIBLE)
		return c > 0x20 && c < 0x7f;
	return is_alpha(c) || is_digit(c) || (c != '\0' && strchr("-._~/", c) != NULL);
}

long url_percent_encode(const char *in, size_t len, enum url_keep keep, char *out, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t at = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		int kept = is_kept(c, keep);
		if (at + (kept ? 1 : 3) >= size) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if (kept) {
			out[at++] = (char)c;
		} else {
			out[at++] = '%';
			out[at++] = hex[c >> 4];
			out[at++] = hex[c & 15];
		}
	}
	if (size == 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	out[at] = '\0';
	return (long)at;
}

int url_resolve(const struct url *base, const char *ref, struct url *out, const char **why)
{
	char merged[URL_TARGET_MAX * 2 + 2];
	char cleaned[URL_TARGET_MAX * 2 + 2];
	size_t ref_len = strcspn(ref, "#");
	size_t scheme = scheme_length(ref);
	size_t base_path = path_length(base->target);

	if (scheme)
		return url_parse(ref, out, why);
	if (ref[0] == '/' && ref[1] == '/') {
		char absolute[URL_TARGET_MAX + URL_HOST_MAX + 16];
		snprintf(absolute, sizeof absolute, "%s:%.*s", base->https ? "https" : "http", (int)ref_len,
		         ref);
		return url_parse(absolute, out, why);
	}
	*out = *base;
	if (ref_len == 0)
		return 0;
	if (ref_len > URL_TARGET_MAX) {
		*why = "URL too long";
		return -1;
	}
	if (ref[0] == '?') {
		snprintf(merged, sizeof merged, "%.*s%.*s", (int)base_path, base->target, (int)ref_len, ref);
		return set_target(out, merged, strlen(merged), 0, why);
	}
	if (ref[0] == '/') {
		snprintf(merged, sizeof merged, "%.*s", (int)ref_len, ref);
	} else {
		/* merge (5.2.3): the base path up to its last '/', then ref */
		size_t dir = base_path;
		while (dir > 0 && base->target[dir - 1] != '/')
			dir--;
		snprintf(merged, sizeof merged, "%.*s%.*s", (int)dir, base->target, (int)ref_len, ref);
	}
	{
		size_t path = path_length(merged);
		url_remove_dot_segments(merged, path, cleaned);
		snprintf(cleaned + strlen(cleaned), sizeof cleaned - strlen(cleaned), "%s", merged + path);
	}
	return set_target(out, cleaned, strlen(cleaned), 0, why);
}

char *url_authority(const struct url *u, char *out, size_t size)
{
	const char *open = u->host_is_ipv6 ? "[" : "";
	const char *close = u->host_is_ipv6 ? "]" : "";

	if (u->port == (u->https ? 443u : 80u))
		snprintf(out, size, "%s%s%s", open, u->host, close);
	else
		snprintf(out, size, "%s%s%s:%u", open, u->host, close, u->port);
	return out;
}

char *url_format(const struct url *u, char *out, size_t size)
{
	char authority[URL_HOST_MAX + 16];
	snprintf(out, size, "%s://%s%s", u->https ? "https" : "http",
	         url_authority(u, authority, sizeof authority), u->target);
	return out;
}

char *url_host_for_lookup(const struct url *u, char *out, size_t size)
{
	const char *zone = u->host_is_ipv6 ? strstr(u->host, "%25") : NULL;

	if (zone)
		snprintf(out, size, "%.*s%%%s", (int)(zone - u->host), u->host, zone + 3);
	else
		snprintf(out, size, "%s", u->host);
	return out;
}

int url_same_origin(const struct url *a, const struct url *b)
{
	return a->https == b->https && a->port == b->port && strcasecmp(a->host, b->host) == 0;
}

/* ---- ftp URLs ---- */

/* Percent-decodes in[0..len) into out (size bytes): 0, or -1 with *why. */
static int percent_decode(const char *in, size_t len, char *out, size_t size, const char **why)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == '%') {
			if (i + 2 >= len) {
				*why = "malformed percent-encoding";
				return -1;
			}
			int h = escape_hex_value(in[i + 1]), l = escape_hex_value(in[i + 2]);
			if (h < 0 || l < 0) {
				*why = "malformed percent-encoding";
				return -1;
			}
			c = (unsigned char)(h * 16 + l);
			i += 2;
		}
		if (c == '\0' || c == '\r' || c == '\n') {
			*why = "a NUL or line break in the URL";
			return -1;
		}
		if (o + 1 >= size) {
			*why = "URL too long";
			return -1;
		}
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

int url_parse_ftp(const char *text, struct url_ftp *f, const char **why)
{
	struct url u;
	const char *rest, *path, *at = NULL, *end;

	memset(f, 0, sizeof *f);
	if (strncasecmp(text, "ftp://", 6) != 0) {
		*why = "not an ftp:// URL";
		return -1;
	}
	rest = text + 6;
	path = rest + strcspn(rest, "/");
	for (const char *p = rest; p < path; p++)
		if (*p == '@')
			at = p; /* the last '@': a password may hold one unencoded */
	if (at) {
		const char *colon = memchr(rest, ':', (size_t)(at - rest));
		size_t user_len = colon ? (size_t)(colon - rest) : (size_t)(at - rest);
		if (percent_decode(rest, user_len, f->user, sizeof f->user, why) < 0)
			return -1;
		f->has_user = 1;
		if (colon) {
			if (percent_decode(colon + 1, (size_t)(at - colon - 1), f->pass, sizeof f->pass, why) <
			    0)
				return -1;
			f->has_pass = 1;
		}
		rest = at + 1;
	}
	memset(&u, 0, sizeof u);
	if (parse_authority(rest, (size_t)(path - rest), &u, why) < 0)
		return -1;
	memcpy(f->host, u.host, sizeof f->host);
	f->host_is_ipv6 = u.host_is_ipv6;
	f->port = u.port_given ? u.port : 21;
	f->port_given = u.port_given;
	if (*path == '/')
		path++;
	end = path + strlen(path);
	const char *type = strstr(path, ";type=");
	if (type && type + 7 == end)
		end = type;
	return percent_decode(path, (size_t)(end - path), f->path, sizeof f->path, why);
}
