/*
 * netrc.c - the ~/.netrc tokenizer and lookup.
 */
#include "ftp/netrc.h"

#include "base/io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct cursor {
	const char *s;
	size_t len, at;
};

/* The next token into out: 1, or 0 at the end of the text. */
static int next_token(struct cursor *c, char *out, size_t size)
{
	size_t o = 0;

	while (c->at < c->len && strchr(" \t\r\n", c->s[c->at]))
		c->at++;
	if (c->at >= c->len)
		return 0;
	if (c->s[c->at] == '"') {
		c->at++;
		while (c->at < c->len && c->s[c->at] != '"') {
			char ch = c->s[c->at++];
			if (ch == '\\' && c->at < c->len)
				ch = c->s[c->at++];
			if (o + 1 < size)
				out[o++] = ch;
		}
		c->at++;
	} else {
		while (c->at < c->len && !strchr(" \t\r\n", c->s[c->at])) {
			if (o + 1 < size)
				out[o++] = c->s[c->at];
			c->at++;
		}
	}
	out[o] = '\0';
	return 1;
}

/* Skips a macdef body: everything to the next empty line. */
static void skip_macdef(struct cursor *c)
{
	while (c->at < c->len) {
		const char *nl = memchr(c->s + c->at, '\n', c->len - c->at);
		if (!nl) {
			c->at = c->len;
			return;
		}
		c->at = (size_t)(nl - c->s) + 1;
		if (c->at < c->len && c->s[c->at] == '\n')
			return;
	}
}

int netrc_find(const char *text, size_t len, const char *host, const char *login, struct netrc_entry *e)
{
	struct cursor c = { text, len, 0 };
	char tok[NETRC_FIELD_MAX];
	struct netrc_entry cur, fallback;
	int in_entry = 0, is_match = 0, have_fallback = 0, is_default = 0;

	memset(&cur, 0, sizeof cur);
	memset(&fallback, 0, sizeof fallback);
	for (;;) {
		int more = next_token(&c, tok, sizeof tok);
		int starts = more && (strcmp(tok, "machine") == 0 || strcmp(tok, "default") == 0);
		/* an entry ends where the next begins, or with the text */
		if (in_entry && (!more || starts)) {
			int login_ok = !login || (cur.has_login && strcmp(cur.login, login) == 0);
			if (is_match && login_ok) {
				*e = cur;
				return 1;
			}
			if (is_default && login_ok && !have_fallback) {
				fallback = cur;
				have_fallback = 1;
			}
			in_entry = 0;
		}
		if (!more)
			break;
		if (strcmp(tok, "machine") == 0) {
			memset(&cur, 0, sizeof cur);
			in_entry = 1;
			is_default = 0;
			is_match = next_token(&c, tok, sizeof tok) && strcasecmp(tok, host) == 0;
		} else if (strcmp(tok, "default") == 0) {
			memset(&cur, 0, sizeof cur);
			in_entry = 1;
			is_default = 1;
			is_match = 0;
		} else if (strcmp(tok, "login") == 0 && in_entry) {
			cur.has_login = next_token(&c, cur.login, sizeof cur.login);
		} else if (strcmp(tok, "password") == 0 && in_entry) {
			cur.has_password = next_token(&c, cur.password, sizeof cur.password);
		} else if (strcmp(tok, "account") == 0) {
			next_token(&c, tok, sizeof tok);
		} else if (strcmp(tok, "macdef") == 0) {
			next_token(&c, tok, sizeof tok);
			skip_macdef(&c);
		}
	}
	if (have_fallback) {
		*e = fallback;
		return 1;
	}
	return 0;
}

int netrc_lookup(const char *path, const char *host, const char *login, struct netrc_entry *e)
{
	enum { LIMIT = 1 << 20 };
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *text;
	ssize_t n;
	int rc;

	if (fd < 0)
		return -1;
	text = malloc(LIMIT);
	if (!text) {
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	n = io_read_full(fd, text, LIMIT);
	close(fd);
	if (n < 0) {
		int saved = errno;
		free(text);
		errno = saved;
		return -1;
	}
	rc = netrc_find(text, (size_t)n, host, login, e);
	free(text);
	return rc;
}
