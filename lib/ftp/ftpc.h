/*
 * ftpc.h - the client side of an FTP session (RFC 959): one control
 * connection, a data connection per transfer.
 *
 * Promise: every wait is bounded (the connect by connect_ms, every other
 * wait by io_ms of silence) and a signal that sig_stop_requested() sees
 * ends it with EINTR.  Replies are read whole (multi-line included,
 * bounded by ftpreply.h's limits) and kept in c->reply for the caller to
 * print.  Passive data connections go to the control connection's peer
 * address whatever a 227 names (as curl does: a server behind NAT names an
 * address the client cannot reach, a hostile one names a third party);
 * active ones are accepted from that address only.  With tls, the control
 * connection is protected by AUTH TLS (RFC 4217) and every data
 * connection by PROT P, resuming the control connection's TLS session
 * (what vsftpd's require_ssl_reuse demands).  -v narration goes through
 * cli/diag (commands, replies, data connections; never a password).
 *
 * Results: 0 done; FTPC_FAILED (-1) a network or local failure, c->error
 * says what; FTPC_REFUSED (-2) the server answered 4xx/5xx, c->reply holds
 * its words.  An ftpc belongs to one thread at a time.
 */
#ifndef SOCKBOX_FTPC_H
#define SOCKBOX_FTPC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "ftp/ftpreply.h"
#include "net/tls.h"

struct buf;

enum { FTPC_FAILED = -1, FTPC_REFUSED = -2, FTPC_MALFORMED = -3 };

#define FTPC_ERROR_MAX 512

struct ftpc_config {
	int family;                    /* AF_UNSPEC, AF_INET, AF_INET6 */
	int connect_ms;                /* bound on connecting (control and data) */
	int io_ms;                     /* bound on every wait for the peer */
	int active;                    /* 1: EPRT/PORT, the server connects to us */
	int tls;                       /* 1: AUTH TLS, PBSZ 0, PROT P */
	struct tls_client *tls_client; /* shared, the caller's (tls_client_new) */
	const char *label;             /* prefix of -v lines ("", "mirror 2: ") */
};

/* What the server said it supports (FEAT, RFC 2389). */
struct ftpc_features {
	int mlsd, size, rest, epsv, utf8, hash_sha256;
};

struct ftpc {
	struct ftpc_config cfg;
	int fd;
	struct tls_conn *tls;
	char host[256];               /* the name asked for: TLS checks it */
	struct sockaddr_storage peer; /* the control connection's peer */
	socklen_t peer_len;
	char peer_text[64];
	struct ftp_reply reply;
	struct ftpc_features feat;
	int epsv_refused; /* EPSV got 5xx once: PASV from then on */
	char inbuf[8192];
	size_t in_off, in_len;
	char error[FTPC_ERROR_MAX];
	uint64_t connect_ns, login_ns; /* durations of the phases */
};

/* One data connection. */
struct ftpc_data {
	int fd;        /* connected (passive) or accepted (active), -1 before */
	int listen_fd; /* active mode, until the server connects */
	struct tls_conn *tls;
};

/* Sets c up (no connection yet). */
void ftpc_init(struct ftpc *c, const struct ftpc_config *cfg);

/* Connects to host:port, reads the greeting, and with cfg.tls does AUTH TLS. */
int ftpc_connect(struct ftpc *c, const char *host, unsigned port);

/* USER, PASS (never narrated), FEAT, TYPE I, and with cfg.tls PBSZ 0 and PROT P. */
int ftpc_login(struct ftpc *c, const char *user, const char *pass);

/* Sends one command line (printf-style, CRLF added) and reads its reply:
 * the code (any, 4xx/5xx included), or FTPC_FAILED. */
int ftpc_command(struct ftpc *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* SIZE path: 0 and *size, FTPC_REFUSED, or FTPC_FAILED. */
int ftpc_size(struct ftpc *c, const char *path, uint64_t *size);

/* HASH path (draft-bryan-ftpext-hash), after OPTS HASH SHA-256 when
 * sha256 (the server's default may be another algorithm): 0 with its
 * algorithm and hex; FTPC_REFUSED when the reply is not 213 (c->reply);
 * FTPC_FAILED; FTPC_MALFORMED when a 213 holds no hash (c->error says so,
 * quoting the reply). */
int ftpc_hash(struct ftpc *c, const char *path, int sha256, char *algo, size_t algo_size, char *hex,
              size_t hex_size);

/*
 * Opens a data connection (EPSV, then PASV; or EPRT/PORT when active),
 * sends the command (with REST offset first when offset > 0) and waits for
 * its 1xx preliminary reply.  0 with d ready to read or write.
 */
int ftpc_transfer_start(struct ftpc *c, struct ftpc_data *d, uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Up to len bytes of the data connection: >0, 0 at its end, -1 (c->error). */
ssize_t ftpc_data_read(struct ftpc *c, struct ftpc_data *d, void *buf, size_t len);

/* All len bytes to the data connection: 0 or -1 (c->error). */
int ftpc_data_write(struct ftpc *c, struct ftpc_data *d, const void *buf, size_t len);

/* Copies the data connection to fd until its end (RETR, LIST): 0, or
 * FTPC_FAILED (c->error names name on a failed write; a reader that went
 * away, EPIPE, ends it quietly with 0).  on_bytes(arg, n) after each chunk. */
int ftpc_data_to_fd(struct ftpc *c, struct ftpc_data *d, int fd, const char *name,
                    void (*on_bytes)(void *arg, size_t n), void *arg);

/* Copies fd to the data connection until fd's end (STOR, APPE): 0 or FTPC_FAILED. */
int ftpc_data_from_fd(struct ftpc *c, struct ftpc_data *d, int fd, const char *name,
                      void (*on_bytes)(void *arg, size_t n), void *arg);

/*
 * Closes the data connection (which, for an upload, is how the server
 * learns the file ended) and reads the transfer's final reply: 0 for 2xx;
 * with early (the client stopped reading on purpose: a segment's bytes
 * had arrived) a 426 or 451 counts as done too.
 */
int ftpc_transfer_finish(struct ftpc *c, struct ftpc_data *d, int early);

/* A directory's listing read whole into raw: "MLSD" or "LIST", with path
 * when it is not "", bounded at 64 MiB.  0, FTPC_REFUSED or FTPC_FAILED. */
int ftpc_list(struct ftpc *c, const char *verb, const char *path, struct buf *raw);

/* Releases a data connection without waiting for any reply. */
void ftpc_data_close(struct ftpc_data *d);

/* QUIT (bounded by a short wait), then closes everything. */
void ftpc_quit(struct ftpc *c);

/* Closes everything without a word to the server. */
void ftpc_close(struct ftpc *c);

#endif
