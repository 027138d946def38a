/*
 * netrc.h - credentials from a ~/.netrc file, read as curl and lftp read it.
 *
 * Promise: netrc_lookup finds the first "machine HOST" entry (or, failing
 * that, the "default" entry) whose login matches the one asked for (any
 * login when none is), and copies its login and password.  Tokens are
 * separated by spaces, tabs and newlines; "macdef" bodies (to the next
 * empty line) are skipped; a token may be double-quoted with \" and \\
 * escapes, as curl allows.  Nothing prints or exits.
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

#endif
