/*
 * netrc.c - the ~/.netrc tokenizer and lookup.
 */
#include "ftp/netrc.h"

#include "base/io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
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

int netrc_pick(const struct netrc_login *in, char *user, size_t user_size, char *pass, size_t pass_size)
{
	int have_user = 0, have_pass = 0, on_command_line = 0;

	user[0] = pass[0] = '\0';
	if (in->url_user) {
		snprintf(user, user_size, "%s", in->url_user);
		have_user = 1;
		if (in->url_pass) {
			snprintf(pass, pass_size, "%s", in->url_pass);
			have_pass = on_command_line = 1;
		}
	} else if (in->user_opt) {
		const char *colon = strchr(in->user_opt, ':');
		size_t len = colon ? (size_t)(colon - in->user_opt) : strlen(in->user_opt);
		snprintf(user, user_size, "%.*s", (int)len, in->user_opt);
		have_user = 1;
		if (colon) {
			snprintf(pass, pass_size, "%s", colon + 1);
			have_pass = on_command_line = 1;
		}
	}
	if (!have_pass && in->env_pass) {
		snprintf(pass, pass_size, "%s", in->env_pass);
		have_pass = 1;
	}
	if (in->use_netrc && (!have_user || !have_pass)) {
		char path[4096];
		struct netrc_entry e;
		snprintf(path, sizeof path, "%s/.netrc", in->home ? in->home : ".");
		int found = netrc_lookup(path, in->host, have_user ? user : NULL, &e);
		if (found < 0 && errno != ENOENT)
			return -1;
		if (found > 0 && !have_user && e.has_login) {
			snprintf(user, user_size, "%s", e.login);
			have_user = 1;
		}
		if (found > 0 && !have_pass && e.has_password) {
			snprintf(pass, pass_size, "%s", e.password);
			have_pass = 1;
		}
	}
	if (!have_user)
		snprintf(user, user_size, "anonymous");
	if (!have_pass && (strcmp(user, "anonymous") == 0 || strcmp(user, "ftp") == 0))
		snprintf(pass, pass_size, "sockbox@");
	return on_command_line ? NETRC_PASS_ON_COMMAND_LINE : 0;
}
