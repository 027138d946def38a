/*
 * netrc.h - credentials from a ~/.netrc file, read as curl and lftp read it.
 *
 * Promise: netrc_lookup finds the first "machine HOST" entry (or, failing
 * that, the "default" entry) whose login matches the one asked for (any
 * login when none is), and copies its login and password.  Tokens are
 * separated by spaces, tabs and newlines; "macdef" bodies (to the next
 * empty line) are skipped; a token may be double-quoted with \" and \\
 * escapes, as curl allows.  netrc_pick applies the order in which
 * ftp-client (like curl) takes a login and a password from the URL, the
 * command line, the environment and the file.  Nothing prints or exits.
 */
#ifndef SOCKBOX_NETRC_H
#define SOCKBOX_NETRC_H

#include <stddef.h>

#define NETRC_FIELD_MAX 256

struct netrc_entry {
	char login[NETRC_FIELD_MAX];
	char password[NETRC_FIELD_MAX];
	int has_login, has_password;
};

/* Looks host (and login, unless NULL) up in the netrc text[0..len):
 * 1 and *e when found, 0 when not. */
int netrc_find(const char *text, size_t len, const char *host, const char *login, struct netrc_entry *e);

/* Reads the file at path (at most 1 MiB) and calls netrc_find: 1, 0, or
 * -1 with errno when the file cannot be read. */
int netrc_lookup(const char *path, const char *host, const char *login, struct netrc_entry *e);

/* Where a login may come from; NULL for a source that is not there. */
struct netrc_login {
	const char *url_user, *url_pass; /* from ftp://USER:PASS@ */
	const char *user_opt;            /* --user USER[:PASS] */
	const char *env_pass;            /* SOCKBOX_FTP_PASSWORD */
	const char *home;                /* where .netrc is, with use_netrc */
	int use_netrc;
	const char *host; /* the machine looked up */
};

enum { NETRC_PASS_ON_COMMAND_LINE = 1 };

/*
 * The login: the URL's user, else --user's, else the netrc file's, else
 * "anonymous".  The password: the URL's or --user's, else env_pass, else
 * the netrc file's, else "sockbox@" for anonymous and ftp (RFC 1635's
 * e-mail-shaped word) and "" for others.  0; NETRC_PASS_ON_COMMAND_LINE
 * when the password came from the command line (ps shows it: warn); -1
 * with errno when the netrc file exists but cannot be read.
 */
int netrc_pick(const struct netrc_login *in, char *user, size_t user_size, char *pass, size_t pass_size);

#endif
