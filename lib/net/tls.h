/*
 * tls.h - TLS client connections over a connected socket (OpenSSL).
 *
 * Promise: verification is on unless the caller turns it off: the server's
 * chain must lead to the system trust store (or to the CA file given), and
 * the certificate must name the host the caller asked for (a DNS name, or
 * an IP address for IP literals).  SNI is sent for names, never for IP
 * literals (RFC 6066 3), and ALPN offers "http/1.1".  The certificate's
 * subject, issuer and expiry are readable after the handshake, even when
 * verification failed, so a caller can show what it was offered.
 *
 * Everything that waits takes a deadline on the monotonic clock (clock.h,
 * 0 for none) and fails with ETIMEDOUT past it; a signal makes it return
 * -1 with EINTR, and the same call may be made again to carry on.  The
 * socket is switched to non-blocking mode.  A peer that closes without a
 * close_notify reads as the end of the stream: callers whose messages are
 * framed (HTTP with Content-Length or chunks) detect truncation themselves.
 * Errors leave a text in tls_error(); nothing prints or exits.  OpenSSL
 * writes to the socket with write(2), not send(MSG_NOSIGNAL): a caller
 * must ignore SIGPIPE, or a peer that went away kills the process.
 */
#ifndef SOCKBOX_TLS_H
#define SOCKBOX_TLS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TLS_ERROR_MAX 256

struct tls_config {
	const char *cafile; /* trust only these CAs (PEM); NULL: the system store */
	int insecure;       /* 1: do not verify the chain or the host name */
};

/* Facts about the server's certificate and the session. */
struct tls_info {
	char version[16]; /* "TLSv1.3" */
	char cipher[64];  /* "TLS_AES_256_GCM_SHA384" */
	char alpn[32];    /* "http/1.1", or "" when the server chose none */
	int has_cert;
	char subject[256]; /* RFC 2253: "CN=localhost,O=Example" */
	char issuer[256];
	char not_after[32];     /* "2026-11-24T04:49:00Z" */
	int64_t seconds_left;   /* until not_after, wall clock; negative once expired */
	int verified;           /* the chain and host name check passed */
	char verify_error[128]; /* why it did not, "" when it did */
};

struct tls_client; /* settings and trust store, shared by every connection */
struct tls_conn;   /* one TLS session on one socket */

/* A client context; NULL on failure with the reason in err. */
struct tls_client *tls_client_new(const struct tls_config *cfg, char *err, size_t err_size);

void tls_client_free(struct tls_client *c);

/* A session on the connected socket fd for host (name or IP literal);
 * NULL on failure with the reason in err.  The fd stays the caller's. */
struct tls_conn *tls_conn_new(struct tls_client *c, int fd, const char *host, char *err, size_t err_size);

/*
 * Runs the handshake until deadline_ns.  0; or -1 with errno EINTR (call
 * again), ETIMEDOUT, or EPROTO with tls_error() saying why (a refused
 * certificate: "certificate verify failed: self-signed certificate").
 */
int tls_handshake(struct tls_conn *t, uint64_t deadline_ns);

/* Up to len bytes: >0 read, 0 the peer closed, -1 with errno (EINTR,
 * ETIMEDOUT, EPROTO with tls_error()). */
ssize_t tls_read(struct tls_conn *t, void *buf, size_t len, uint64_t deadline_ns);

/* Writes all len bytes: 0, or -1 with errno (EINTR: *done says how many
 * went out, call again with the rest). */
int tls_write_full(struct tls_conn *t, const void *buf, size_t len, size_t *done, uint64_t deadline_ns);

/* 1 when decrypted bytes are waiting inside OpenSSL (poll would not see them). */
int tls_pending(const struct tls_conn *t);

/* Fills info after a handshake (also one that failed verification). */
void tls_get_info(const struct tls_conn *t, struct tls_info *info);

/* Why the last call failed. */
const char *tls_error(const struct tls_conn *t);

/* Sends close_notify if it can without waiting and frees the session;
 * the caller closes the socket. */
void tls_conn_free(struct tls_conn *t);

/* ---- client: a second connection in the same session (FTP data) ---- */

/*
 * Offers, on t (before its handshake), to resume the session of the
 * established connection from (RFC 4217 10.2: an FTP data connection
 * resumes the control connection's session, and servers such as vsftpd
 * with require_ssl_reuse refuse one that does not).  0, or -1 when from
 * holds no resumable session yet (t then makes a full handshake).
 */
int tls_conn_reuse_session(struct tls_conn *t, const struct tls_conn *from);

/* 1 when t's handshake resumed a session, 0 when it made a new one. */
int tls_session_reused(const struct tls_conn *t);

/*
 * Ends the session in both directions: sends close_notify and reads (and
 * drops) what the peer still sends until its own close_notify or the end
 * of the stream, until deadline_ns.  An FTP upload ends this way: vsftpd
 * counts a data connection closed without it, or reset because a late
 * record was left unread, as a failed transfer.  0, or -1 with errno.
 */
int tls_close(struct tls_conn *t, uint64_t deadline_ns);
/*
 * The server side (ftp-server's explicit TLS, RFC 4217): a context made
 * from a certificate and key in PEM files, handshakes accepted on
 * connected sockets.  Its connections are struct tls_conn, read, written
 * and freed with the functions above.  The context keeps a session cache
 * with a fixed session id context, so that a client may resume the
 * control connection's session on a data connection (what lftp, curl
 * and FileZilla do, and what vsftpd's require_ssl_reuse demands): the
 * data connection then proves it comes from the same client.
 */
struct tls_server;

/* A server context from cert_file (its chain, PEM) and key_file; NULL on
 * failure with the reason in err. */
struct tls_server *tls_server_new(const char *cert_file, const char *key_file, char *err, size_t err_size);
void tls_server_free(struct tls_server *srv);

/* Runs the server handshake on the connected socket fd until deadline_ns
 * (0: none): a session, or NULL with the reason in err.  The fd stays the
 * caller's and is switched to non-blocking mode. */
struct tls_conn *tls_server_accept(struct tls_server *srv, int fd, uint64_t deadline_ns, char *err,
                                   size_t err_size);

/* 1 when the kernel encrypts what t sends (kTLS: the "tls" module loaded
 * and a cipher it knows), so tls_sendfile may be used. */
int tls_ktls_send(const struct tls_conn *t);

/* With kTLS: up to len bytes of file fd from offset sent by SSL_sendfile
 * (the kernel reads, encrypts and sends them; no copy through user
 * space).  Bytes sent, or -1 with errno (EAGAIN: wait for POLLOUT, then
 * call again; ENOTSUP: no kTLS on t). */
ssize_t tls_sendfile(struct tls_conn *t, int fd, off_t offset, size_t len);

#endif
