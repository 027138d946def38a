/*
 * tls.c - OpenSSL client sessions with deadlines, verification by default.
 *
 * The handshake runs with SSL_VERIFY_NONE and the verification result is
 * checked right after it, before a single byte of application data is
 * sent: the connection is refused just the same, but the certificate that
 * failed is still there to be shown.
 */
#include "net/tls.h"

#include "base/clock.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

struct tls_client {
	SSL_CTX *ctx;
	int insecure;
};

struct tls_conn {
	SSL *ssl;
	int fd;
	int insecure;
	char error[TLS_ERROR_MAX];
};

/* ALPN protocol list: length-prefixed names (RFC 7301 3.1). */
static const unsigned char alpn_http11[] = "\x08http/1.1";

/* The reason of the oldest error OpenSSL queued, or fallback; clears the queue. */
static void openssl_reason(char *out, size_t size, const char *fallback)
{
	unsigned long e = ERR_get_error();
	const char *reason = e ? ERR_reason_error_string(e) : NULL;

	snprintf(out, size, "%s", reason ? reason : fallback);
	ERR_clear_error();
}

/* 1 when dir holds the hash links OpenSSL looks certificates up by
 * ("5ad8a5d6.0"), as update-ca-certificates or c_rehash make them. */
static int is_hashed_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int hashed = 0;

	if (!d)
		return 0;
	while (!hashed && (e = readdir(d)) != NULL)
		hashed = strlen(e->d_name) == 10 && strspn(e->d_name, "0123456789abcdef") == 8 &&
		         strcmp(e->d_name + 8, ".0") == 0;
	closedir(d);
	return hashed;
}

/*
 * The system trust store.  SSL_CTX_set_default_verify_paths parses the
 * whole CA bundle file up front (some 140 certificates, tens of ms, every
 * run); the hashed directory beside it is read lazily, only the issuers a
 * chain needs.  So: the directory alone when it is hashed, the defaults
 * otherwise, and always when SSL_CERT_FILE or SSL_CERT_DIR say where.
 */
static int load_system_store(SSL_CTX *ctx)
{
	const char *dir = X509_get_default_cert_dir();

	if (getenv(X509_get_default_cert_file_env()) || getenv(X509_get_default_cert_dir_env()) ||
	    !is_hashed_dir(dir))
		return SSL_CTX_set_default_verify_paths(ctx);
	return SSL_CTX_load_verify_dir(ctx, dir);
}

struct tls_client *tls_client_new(const struct tls_config *cfg, char *err, size_t err_size)
{
	struct tls_client *c = calloc(1, sizeof *c);

	if (!c) {
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	c->insecure = cfg->insecure;
	c->ctx = SSL_CTX_new(TLS_client_method());
	if (!c->ctx) {
		openssl_reason(err, err_size, "cannot create a TLS context");
		free(c);
		return NULL;
	}
	/* Many servers close without close_notify; HTTP framing catches truncation. */
	SSL_CTX_set_options(c->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_mode(c->ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_verify(c->ctx, SSL_VERIFY_NONE, NULL);
	/* OpenSSL says "system library" for a missing file: ask first */
	if (cfg->cafile && access(cfg->cafile, R_OK) < 0) {
		snprintf(err, err_size, "load CA file %s: %s", cfg->cafile, strerror(errno));
		tls_client_free(c);
		return NULL;
	}
	if (cfg->cafile ? SSL_CTX_load_verify_locations(c->ctx, cfg->cafile, NULL) != 1
	                : load_system_store(c->ctx) != 1) {
		char reason[128];
		openssl_reason(reason, sizeof reason, "unreadable");
		if (cfg->cafile)
			snprintf(err, err_size, "load CA file %s: %s", cfg->cafile, reason);
		else
			snprintf(err, err_size, "load the system trust store: %s", reason);
		tls_client_free(c);
		return NULL;
	}
	/* SSL_CTX_set_alpn_protos returns 0 on success, unlike its neighbours. */
	if (SSL_CTX_set_alpn_protos(c->ctx, alpn_http11, sizeof alpn_http11 - 1) != 0) {
		openssl_reason(err, err_size, "cannot set ALPN");
		tls_client_free(c);
		return NULL;
	}
	return c;
}

void tls_client_free(struct tls_client *c)
{
	if (!c)
		return;
	SSL_CTX_free(c->ctx);
	free(c);
}

/* 1 when host is an IPv4 or IPv6 literal (an IPv6 zone is ignored). */
static int is_ip_literal(const char *host)
{
	unsigned char raw[sizeof(struct in6_addr)];
	char plain[64];
	size_t len = strcspn(host, "%");

	if (len >= sizeof plain)
		return 0;
	memcpy(plain, host, len);
	plain[len] = '\0';
	return inet_pton(AF_INET, plain, raw) == 1 || inet_pton(AF_INET6, plain, raw) == 1;
}

struct tls_conn *tls_conn_new(struct tls_client *c, int fd, const char *host, char *err, size_t err_size)
{
	struct tls_conn *t = calloc(1, sizeof *t);
	int flags = fcntl(fd, F_GETFL);

	if (!t) {
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	t->fd = fd;
	t->insecure = c->insecure;
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		snprintf(err, err_size, "%s", strerror(errno));
		free(t);
		return NULL;
	}
	t->ssl = SSL_new(c->ctx);
	if (!t->ssl || SSL_set_fd(t->ssl, fd) != 1)
		goto fail;
	if (is_ip_literal(host)) {
		char plain[64];
		snprintf(plain, sizeof plain, "%.*s", (int)strcspn(host, "%"), host);
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl), plain) != 1)
			goto fail;
	} else if (SSL_set_tlsext_host_name(t->ssl, host) != 1 || SSL_set1_host(t->ssl, host) != 1) {
		goto fail;
	}
	SSL_set_connect_state(t->ssl);
	return t;
fail:
	openssl_reason(err, err_size, "cannot create a TLS session");
	SSL_free(t->ssl);
	free(t);
	return NULL;
}

/* poll for events until the deadline: 0 ready, -1 with EINTR or ETIMEDOUT. */
static int wait_io(int fd, short events, uint64_t deadline_ns)
{
	struct pollfd pfd = { .fd = fd, .events = events, .revents = 0 };
	int ms = deadline_ns ? clock_ms_until(deadline_ns) : -1;
	int n = poll(&pfd, 1, ms);

	if (n < 0)
		return -1;
	if (n == 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	return 0;
}

/*
 * What to do after an SSL call returned ret <= 0: 0 to retry once the
 * socket is ready (we waited), -1 with errno set to give up.  what names
 * the step for messages.
 */
static int handle_result(struct tls_conn *t, int ret, uint64_t deadline_ns, const char *what)
{
	int saved = errno;

	switch (SSL_get_error(t->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		return wait_io(t->fd, POLLIN, deadline_ns);
	case SSL_ERROR_WANT_WRITE:
		return wait_io(t->fd, POLLOUT, deadline_ns);
	case SSL_ERROR_ZERO_RETURN:
		snprintf(t->error, sizeof t->error, "connection closed by the peer during the %s", what);
		errno = ECONNRESET;
		return -1;
	case SSL_ERROR_SYSCALL:
		ERR_clear_error();
		if (saved == 0 || saved == EAGAIN) {
			snprintf(t->error, sizeof t->error, "connection closed by the peer during the %s",
			         what);
			saved = ECONNRESET;
		} else {
			snprintf(t->error, sizeof t->error, "%s", strerror(saved));
		}
		errno = saved;
		return -1;
	default:
		openssl_reason(t->error, sizeof t->error, "TLS protocol error");
		errno = EPROTO;
		return -1;
	}
}

int tls_handshake(struct tls_conn *t, uint64_t deadline_ns)
{
	for (;;) {
		int ret;
		ERR_clear_error();
		errno = 0;
		ret = SSL_connect(t->ssl);
		if (ret == 1)
			break;
		if (handle_result(t, ret, deadline_ns, "handshake") < 0) {
			if (errno == ETIMEDOUT)
				snprintf(t->error, sizeof t->error, "%s", strerror(errno));
			return -1;
		}
	}
	if (!t->insecure) {
		long result = SSL_get_verify_result(t->ssl);
		if (!SSL_get0_peer_certificate(t->ssl)) {
			snprintf(t->error, sizeof t->error, "the server sent no certificate");
			errno = EPROTO;
			return -1;
		}
		if (result != X509_V_OK) {
			snprintf(t->error, sizeof t->error, "certificate verify failed: %s",
			         X509_verify_cert_error_string(result));
			errno = EPROTO;
			return -1;
		}
	}
	return 0;
}

ssize_t tls_read(struct tls_conn *t, void *buf, size_t len, uint64_t deadline_ns)
{
	int want = len > INT_MAX ? INT_MAX : (int)len;

	for (;;) {
		int ret;
		ERR_clear_error();
		errno = 0;
		ret = SSL_read(t->ssl, buf, want);
		if (ret > 0)
			return ret;
		if (SSL_get_error(t->ssl, ret) == SSL_ERROR_ZERO_RETURN)
			return 0;
		if (handle_result(t, ret, deadline_ns, "read") < 0) {
			if (errno == ETIMEDOUT || errno == EINTR || errno == ECONNRESET)
				snprintf(t->error, sizeof t->error, "%s", strerror(errno));
			return -1;
		}
	}
}

int tls_write_full(struct tls_conn *t, const void *buf, size_t len, size_t *done, uint64_t deadline_ns)
{
	const char *p = buf;

	*done = 0;
	while (*done < len) {
		size_t left = len - *done;
		int ret;
		ERR_clear_error();
		errno = 0;
		ret = SSL_write(t->ssl, p + *done, left > INT_MAX ? INT_MAX : (int)left);
		if (ret > 0) {
			*done += (size_t)ret;
			continue;
		}
		if (handle_result(t, ret, deadline_ns, "write") < 0) {
			if (errno == ETIMEDOUT || errno == EINTR)
				snprintf(t->error, sizeof t->error, "%s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

int tls_pending(const struct tls_conn *t)
{
	return SSL_pending(t->ssl) > 0;
}

const char *tls_error(const struct tls_conn *t)
{
	return t->error;
}

/* A certificate name as RFC 2253 text: "CN=localhost,O=Example". */
static void name_text(const X509_NAME *name, char *out, size_t size)
{
	BIO *bio = BIO_new(BIO_s_mem());
	int n;

	out[0] = '\0';
	if (!bio)
		return;
	if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		n = BIO_read(bio, out, (int)size - 1);
		out[n > 0 ? n : 0] = '\0';
	}
	BIO_free(bio);
}

static void expiry(const X509 *cert, struct tls_info *info)
{
	struct tm tm;
	time_t when;

	memset(&tm, 0, sizeof tm);
	if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) != 1)
		return;
	when = timegm(&tm);
	strftime(info->not_after, sizeof info->not_after, "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* certificate validity is wall-clock time, not the monotonic clock */
	info->seconds_left = (int64_t)when - (int64_t)time(NULL);
}

void tls_get_info(const struct tls_conn *t, struct tls_info *info)
{
	const unsigned char *alpn = NULL;
	unsigned alpn_len = 0;
	const X509 *cert = SSL_get0_peer_certificate(t->ssl);
	long result = SSL_get_verify_result(t->ssl);

	memset(info, 0, sizeof *info);
	snprintf(info->version, sizeof info->version, "%s", SSL_get_version(t->ssl));
	snprintf(info->cipher, sizeof info->cipher, "%s", SSL_get_cipher_name(t->ssl));
	SSL_get0_alpn_selected(t->ssl, &alpn, &alpn_len);
	if (alpn && alpn_len < sizeof info->alpn) {
		memcpy(info->alpn, alpn, alpn_len);
		info->alpn[alpn_len] = '\0';
	}
	if (!cert)
		return;
	info->has_cert = 1;
	name_text(X509_get_subject_name(cert), info->subject, sizeof info->subject);
	name_text(X509_get_issuer_name(cert), info->issuer, sizeof info->issuer);
	expiry(cert, info);
	info->verified = result == X509_V_OK;
	if (!info->verified)
		snprintf(info->verify_error, sizeof info->verify_error, "%s",
		         X509_verify_cert_error_string(result));
}

void tls_conn_free(struct tls_conn *t)
{
	if (!t)
		return;
	/* one non-blocking attempt at close_notify; the peer's answer is not awaited */
	if (SSL_is_init_finished(t->ssl))
		SSL_shutdown(t->ssl);
	SSL_free(t->ssl);
	ERR_clear_error();
	free(t);
}

/* ---- client: a second connection in the same session (FTP data) ---- */

int tls_conn_reuse_session(struct tls_conn *t, const struct tls_conn *from)
{
	SSL_SESSION *s = SSL_get1_session(from->ssl);
	int ok;

	if (!s)
		return -1;
	ok = SSL_SESSION_is_resumable(s) && SSL_set_session(t->ssl, s) == 1;
	SSL_SESSION_free(s);
	ERR_clear_error();
	return ok ? 0 : -1;
}

int tls_session_reused(const struct tls_conn *t)
{
	return SSL_session_reused(t->ssl) == 1;
}

int tls_close(struct tls_conn *t, uint64_t deadline_ns)
{
	for (;;) {
		char drop[4096];
		int ret = SSL_shutdown(t->ssl);
		if (ret == 1)
			return 0;
		if (ret == 0) {
			/* ours is sent; read until the peer's arrives */
			int n = SSL_read(t->ssl, drop, sizeof drop);
			if (n > 0)
				continue;
			ret = n;
		}
		int err = SSL_get_error(t->ssl, ret);
		if (err == SSL_ERROR_ZERO_RETURN || err == SSL_ERROR_SYSCALL) {
			ERR_clear_error();
			return 0; /* the peer's close_notify, or its end of the stream */
		}
		if (handle_result(t, ret, deadline_ns, "TLS close") < 0)
			return -1;
	}
}

/* ---- the server side (ftp-server) ---- */

struct tls_server {
	SSL_CTX *ctx;
};

struct tls_server *tls_server_new(const char *cert_file, const char *key_file, char *err, size_t err_size)
{
	static const unsigned char sid_ctx[] = "sockbox ftp-server";
	struct tls_server *srv = calloc(1, sizeof *srv);

	if (!srv) {
		snprintf(err, err_size, "%s", strerror(errno));
		return NULL;
	}
	ERR_clear_error();
	srv->ctx = SSL_CTX_new(TLS_server_method());
	if (!srv->ctx || !SSL_CTX_set_min_proto_version(srv->ctx, TLS1_2_VERSION) ||
	    SSL_CTX_use_certificate_chain_file(srv->ctx, cert_file) != 1 ||
	    SSL_CTX_use_PrivateKey_file(srv->ctx, key_file, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(srv->ctx) != 1 ||
	    SSL_CTX_set_session_id_context(srv->ctx, sid_ctx, sizeof sid_ctx - 1) != 1) {
		openssl_reason(err, err_size, "cannot set up the TLS server context");
		tls_server_free(srv);
		return NULL;
	}
	SSL_CTX_set_session_cache_mode(srv->ctx, SSL_SESS_CACHE_SERVER);
	/* kTLS when the kernel offers it (tls_sendfile); ignored otherwise */
	SSL_CTX_set_options(srv->ctx, SSL_OP_ENABLE_KTLS);
	SSL_CTX_set_mode(srv->ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	return srv;
}

void tls_server_free(struct tls_server *srv)
{
	if (!srv)
		return;
	SSL_CTX_free(srv->ctx);
	free(srv);
}

struct tls_conn *tls_server_accept(struct tls_server *srv, int fd, uint64_t deadline_ns, char *err,
                                   size_t err_size)
{
	struct tls_conn *t = calloc(1, sizeof *t);
	int flags = fcntl(fd, F_GETFL);

	if (!t || flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		snprintf(err, err_size, "%s", strerror(errno));
		free(t);
		return NULL;
	}
	t->fd = fd;
	ERR_clear_error();
	if (!(t->ssl = SSL_new(srv->ctx)) || SSL_set_fd(t->ssl, fd) != 1) {
		openssl_reason(err, err_size, "cannot start a TLS session");
		tls_conn_free(t);
		return NULL;
	}
	for (;;) {
		int ret;
		ERR_clear_error();
		errno = 0;
		ret = SSL_accept(t->ssl);
		if (ret == 1)
			return t;
		if (handle_result(t, ret, deadline_ns, "handshake") < 0) {
			snprintf(err, err_size, "%s", errno == ETIMEDOUT ? strerror(errno) : t->error);
			tls_conn_free(t);
			return NULL;
		}
	}
}

int tls_ktls_send(const struct tls_conn *t)
{
	return BIO_get_ktls_send(SSL_get_wbio(t->ssl)) == 1;
}

ssize_t tls_sendfile(struct tls_conn *t, int fd, off_t offset, size_t len)
{
	ossl_ssize_t n;

	if (!tls_ktls_send(t)) {
		errno = ENOTSUP;
		return -1;
	}
	ERR_clear_error();
	errno = 0;
	n = SSL_sendfile(t->ssl, fd, offset, len, 0);
	if (n > 0)
		return (ssize_t)n;
	switch (SSL_get_error(t->ssl, (int)n)) {
	case SSL_ERROR_WANT_WRITE:
	case SSL_ERROR_WANT_READ:
		errno = EAGAIN;
		break;
	case SSL_ERROR_SYSCALL:
		if (errno == 0)
			errno = ECONNRESET;
		break;
	default:
		openssl_reason(t->error, sizeof t->error, "TLS protocol error");
		errno = EPROTO;
		break;
	}
	return -1;
}
