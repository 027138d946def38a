/*
 * ftpd.h - one FTP session, served from start to QUIT on one thread
 * (RFC 959, RFC 2428, RFC 3659, RFC 2577, draft-bryan-ftpext-hash).
 *
 * Promise: ftpd_session reads commands from a connected control socket
 * and answers each with RFC 959's codes until QUIT, a timeout, a stop or
 * the client leaving; every file it reads or writes is opened beneath the
 * root (file/beneath), so ".." above the root, absolute paths and
 * symbolic links out of it are refused with 550.  Data connections: a
 * passive one is accepted only from the control connection's peer
 * address, an active one (PORT, EPRT) goes only to that address and never
 * to a port below 1024 (RFC 2577).  STOR and its kin write through
 * file/atomic: nothing shows under the name until the data connection
 * ended cleanly (or, with keep_partial, whatever arrived is kept under
 * it).  RETR goes by sendfile(2).  Every wait is bounded (idle_timeout on
 * the control connection, data_timeout on a data connection) and watches
 * stop_fd, so a server ends its sessions promptly.
 *
 * Prints: -v narration through cli/diag ("<- RETR x", "-> 226 ...", data
 * connections, sendfile figures; never a password), and with json one
 * JSON line per transfer on stdout under out_lock.  Never exits.
 *
 * Threads: one session per thread; the config is shared read-only, the
 * stats are atomics.
 */
#ifndef SOCKBOX_FTPD_H
#define SOCKBOX_FTPD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

enum { FTPD_NAME_MAX = 64, FTPD_HASH_MAX = 256 };

/* One account of --passwd: a name and its crypt(3) hash. */
struct ftpd_user {
	char name[FTPD_NAME_MAX];
	char hash[FTPD_HASH_MAX];
};

struct ftpd_tls; /* the server's TLS context (net/tls), NULL without --cert */

struct ftpd_config {
	int root_fd;      /* O_PATH directory every path is opened beneath */
	int writable;     /* STOR APPE DELE MKD RMD RNFR RNTO allowed */
	int anonymous;    /* USER anonymous / ftp accepted, read-only */
	int keep_partial; /* an interrupted upload stays under its name */
	const struct ftpd_user *users;
	size_t user_count;
	unsigned max_login_failures;  /* the connection closes after this many */
	double login_delay;           /* seconds before a failed login is answered */
	double idle_timeout;          /* control connection, between commands */
	double data_timeout;          /* a data connection without progress */
	unsigned pasv_low, pasv_high; /* passive ports, 0 0 for any */
	const char *pasv_address;     /* IPv4 address to announce in PASV, or NULL */
	int json;                     /* a JSON line per transfer on stdout */
	pthread_mutex_t *out_lock;    /* serialises those lines */
	int stop_fd;                  /* readable once the server is stopping */
	void *tls;                    /* struct tls_server, or NULL: no AUTH TLS */
	int require_tls;              /* USER refused before AUTH TLS, data before PROT P */
	int require_reuse;            /* a TLS data connection must resume a session of ours */
};

struct ftpd_stats {
	atomic_ullong commands;
	atomic_ullong logins;
	atomic_ullong login_failures;
	atomic_ullong transfers;
	atomic_ullong failed_transfers;
	atomic_ullong bytes_in;
	atomic_ullong bytes_out;
};

/* Serves the client on ctrl_fd (connected, blocking) until it ends; closes
 * ctrl_fd.  peer is the client's address as text, for messages. */
void ftpd_session(const struct ftpd_config *cfg, struct ftpd_stats *stats, int ctrl_fd, const char *peer);

/*
 * Reads a --passwd file: lines "name:HASH" (more ':' fields after the
 * hash are ignored, as in /etc/shadow; '#' lines and blank lines
 * skipped).  A malloc'd array in *users and its length in *count; 0, or
 * -1 with errno (EINVAL: line *bad_line is not of that shape, or its
 * hash is not a crypt(3) hash: a clear-text password is refused).
 */
int ftpd_users_load(const char *path, struct ftpd_user **users, size_t *count, unsigned *bad_line);

/* 1 when password matches user's hash (crypt_rn), else 0. */
int ftpd_password_ok(const struct ftpd_user *user, const char *password);

#endif
