/*
 * ftpcmd.c - command lines, paths and addresses as an FTP server reads
 * them from its clients (RFC 959 4.1, 5.3; RFC 2428 2; RFC 3659).
 */
#include "ftp/ftpcmd.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

void ftpcmd_reader_init(struct ftpcmd_reader *r)
{
	r->len = 0;
	r->discarding = 0;
}

char *ftpcmd_reader_space(struct ftpcmd_reader *r, size_t *room)
{
	/* take() always leaves room: a full buffer without LF is dropped */
	*room = sizeof r->buf - r->len;
	return r->buf + r->len;
}

void ftpcmd_reader_added(struct ftpcmd_reader *r, size_t n)
{
	r->len += n;
}

int ftpcmd_reader_pending(const struct ftpcmd_reader *r)
{
	return r->len > 0 || r->discarding;
}

static void drop_front(struct ftpcmd_reader *r, size_t n)
{
	memmove(r->buf, r->buf + n, r->len - n);
	r->len -= n;
}

enum ftpcmd_line ftpcmd_reader_take(struct ftpcmd_reader *r, char *line)
{
	for (;;) {
		char *lf = memchr(r->buf, '\n', r->len);
		size_t n;

		if (r->discarding) {
			if (!lf) {
				r->len = 0;
				return FTPCMD_NONE;
			}
			drop_front(r, (size_t)(lf - r->buf) + 1);
			r->discarding = 0;
			continue;
		}
		if (!lf) {
			/* a line that fills the buffer without its end is too long */
			if (r->len >= FTPCMD_LINE_MAX + 2) {
				r->len = 0;
				r->discarding = 1;
				return FTPCMD_TOO_LONG;
			}
			return FTPCMD_NONE;
		}
		n = (size_t)(lf - r->buf);
		if (n > 0 && r->buf[n - 1] == '\r')
			n--;
		if (n > FTPCMD_LINE_MAX) {
			drop_front(r, (size_t)(lf - r->buf) + 1);
			return FTPCMD_TOO_LONG;
		}
		memcpy(line, r->buf, n);
		line[n] = '\0';
		drop_front(r, (size_t)(lf - r->buf) + 1);
		return FTPCMD_LINE;
	}
}

int ftpcmd_parse(const char *line, struct ftpcmd *cmd)
{
	const unsigned char *p = (const unsigned char *)line;
	size_t n = 0;

	/* Telnet IAC pairs (255 x) and stray bytes before the verb */
	while (*p && !isalpha(*p)) {
		if (*p == 255 && p[1])
			p++;
		p++;
	}
	while (isalpha(p[n]) && n < FTPCMD_VERB_MAX + 1)
		n++;
	if (n < 3 || n > FTPCMD_VERB_MAX || (p[n] != '\0' && p[n] != ' '))
		return -1;
	for (size_t i = 0; i < n; i++)
		cmd->verb[i] = (char)toupper(p[i]);
	cmd->verb[n] = '\0';
	cmd->arg = (const char *)(p[n] == ' ' ? p + n + 1 : p + n);
	return 0;
}

int ftpcmd_path(const char *cwd, const char *arg, char *out, size_t size)
{
	size_t o = 0;
	const char *parts[2];

	if (size < 2 || !cwd || cwd[0] != '/') {
		errno = EINVAL;
		return -1;
	}
	/* an absolute argument starts again at the root */
	parts[0] = arg[0] == '/' ? "" : cwd;
	parts[1] = arg;
	out[0] = '\0';
	for (int i = 0; i < 2; i++) {
		const char *p = parts[i];
		while (*p) {
			const char *end = strchr(p, '/');
			size_t len = end ? (size_t)(end - p) : strlen(p);
			if (len == 0 || (len == 1 && p[0] == '.')) {
				/* empty or "." segment: nothing */
			} else if (len == 2 && p[0] == '.' && p[1] == '.') {
				if (o == 0) {
					errno = EACCES;
					return -1;
				}
				while (o > 0 && out[o - 1] != '/')
					o--;
				o = o > 0 ? o - 1 : 0;
			} else {
				if (o + 1 + len + 1 > size) {
					errno = ENAMETOOLONG;
					return -1;
				}
				out[o++] = '/';
				memcpy(out + o, p, len);
				o += len;
			}
			p += len;
			if (*p == '/')
				p++;
		}
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return 0;
}

const char *ftpcmd_relative(const char *path)
{
	return path[0] == '/' && path[1] ? path + 1 : ".";
}

const char *ftpcmd_basename(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash && slash[1] ? slash + 1 : path;
}

const char *ftpcmd_list_arg(const char *arg, int *all)
{
	*all = 0;
	/* "-la", "-a -l": options as ls takes them, which many clients send */
	while (arg[0] == '-' && arg[1] && arg[1] != ' ') {
		const char *p = arg + 1;
		while (*p && *p != ' ') {
			if (*p == 'a' || *p == 'A')
				*all = 1;
			p++;
		}
		while (*p == ' ')
			p++;
		arg = p;
	}
	return arg;
}

/* A decimal number from 0 to max, digits only; advances *p.  -1 if none. */
static long read_number(const char **p, long max)
{
	long v = 0;
	int digits = 0;

	while (isdigit((unsigned char)**p)) {
		v = v * 10 + (**p - '0');
		if (v > max || ++digits > 10)
			return -1;
		(*p)++;
	}
	return digits ? v : -1;
}

int ftpcmd_parse_port(const char *arg, struct sockaddr_storage *ss, socklen_t *len)
{
	long f[6];
	const char *p = arg;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	for (int i = 0; i < 6; i++) {
		while (*p == ' ')
			p++;
		if ((f[i] = read_number(&p, 255)) < 0)
			return -1;
		while (*p == ' ')
			p++;
		if (i < 5 && *p++ != ',')
			return -1;
	}
	if (*p != '\0')
		return -1;
	memset(ss, 0, sizeof *ss);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl((uint32_t)(f[0] << 24 | f[1] << 16 | f[2] << 8 | f[3]));
	sin->sin_port = htons((uint16_t)(f[4] << 8 | f[5]));
	*len = sizeof *sin;
	return 0;
}

int ftpcmd_parse_eprt(const char *arg, struct sockaddr_storage *ss, socklen_t *len)
{
	char delim = arg[0], host[INET6_ADDRSTRLEN];
	const char *p = arg + 1, *end;
	long proto, port;
	size_t n;

	if (delim < 33 || delim > 126 || isdigit((unsigned char)delim) || isalpha((unsigned char)delim))
		return -1;
	if ((proto = read_number(&p, 2)) < 1 || *p++ != delim)
		return -1;
	if (!(end = strchr(p, delim)) || (n = (size_t)(end - p)) == 0 || n >= sizeof host)
		return -1;
	memcpy(host, p, n);
	host[n] = '\0';
	p = end + 1;
	if ((port = read_number(&p, 65535)) < 0 || *p++ != delim || *p != '\0')
		return -1;
	memset(ss, 0, sizeof *ss);
	if (proto == 1) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return -1;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof *sin;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -1;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof *sin6;
	}
	return 0;
}

int ftpcmd_parse_offset(const char *arg, uint64_t *out)
{
	uint64_t v = 0;

	if (!isdigit((unsigned char)arg[0]))
		return -1;
	for (const char *p = arg; *p; p++) {
		if (!isdigit((unsigned char)*p) || v > (INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*out = v;
	return 0;
}

char *ftpcmd_quote(const char *path, char *out, size_t size)
{
	size_t o = 0;

	for (const char *p = path; *p && o + 3 < size; p++) {
		if (*p == '"')
			out[o++] = '"';
		out[o++] = *p;
	}
	if (size > 0)
		out[o < size ? o : size - 1] = '\0';
	return out;
}
