/*
 * ftpreport.h - what ftp-client tells its user about an FTP session: the
 * URL as printed, a failure's words and exit status, the line (or JSON
 * object) every transfer ends with, and the HASH line.
 *
 * Promise: a URL is printed as "ftp://host:port/path" (IPv6 hosts in
 * brackets), never with its password.  ftpreport_failure turns a session
 * result into the exit status (FTP_EXIT_REFUSED when the server refused,
 * EXIT_FAIL otherwise) and puts the words on stderr: every line of the
 * server's reply when it refused, c->error when it failed.
 * ftpreport_open is a session ready for commands (connected, logged in),
 * or that failure reported and the session closed.  The summary goes to
 * stderr (diag_info), or to stdout as one JSON object with --json.
 */
#ifndef SOCKBOX_FTPREPORT_H
#define SOCKBOX_FTPREPORT_H

#include <stddef.h>
#include <stdint.h>

#include "ftp/ftpc.h"
#include "http/url.h"

/* ftp-client's exit statuses beyond cli/diag's 0, 1 and 2 */
enum { FTP_EXIT_REFUSED = 3, FTP_EXIT_VERIFY = 4 };

/* room for ftpreport_url's text */
#define FTPREPORT_URL_MAX (URL_FTP_PATH_MAX + 300)

/* "ftp://host:port/path" in out; returns out. */
char *ftpreport_url(const struct url_ftp *u, char *out, size_t size);

/* A session's failure (FTPC_FAILED, FTPC_REFUSED) as the exit status, its
 * words on stderr.  Consumes c->reply.text (split into lines). */
int ftpreport_failure(const struct url_ftp *u, int rc, struct ftpc *c);

/* ftpc_init, connect, login: 0, or the failure reported and c closed. */
int ftpreport_open(struct ftpc *c, const struct ftpc_config *cfg, const struct url_ftp *u, const char *user,
                   const char *pass);

/* One transfer's figures (monotonic nanoseconds). */
struct ftpreport_summary {
	const char *what; /* "get", "put" */
	const struct url_ftp *url;
	uint64_t bytes, offset;
	uint64_t start_ns, first_ns, end_ns; /* first_ns 0: no byte moved */
	uint64_t connect_ns, login_ns;
	unsigned segments;
	size_t mirrors;
	const char *sha256; /* hex, or "" when not computed */
	int verified;
};

/* The line on stderr, or with json the object on stdout. */
void ftpreport_summary(const struct ftpreport_summary *s, int json);

/* HASH's answer: "HEX  NAME" on stdout, or with json {name, algorithm, hash}. */
void ftpreport_hash(const char *name, const char *algo, const char *hex, int json);

#endif
