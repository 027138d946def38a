/*
 * digest.c - SHA-256 and MD5 of a byte range, with OpenSSL's EVP API.
 */
#include "file/digest.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <strings.h>
#include <unistd.h>

int digest_algo_parse(const char *name, enum digest_algo *out)
{
	if (strcasecmp(name, "SHA-256") == 0) {
		*out = DIGEST_SHA256;
		return 0;
	}
	if (strcasecmp(name, "MD5") == 0) {
		*out = DIGEST_MD5;
		return 0;
	}
	return -1;
}

const char *digest_algo_name(enum digest_algo a)
{
	return a == DIGEST_MD5 ? "MD5" : "SHA-256";
}

int digest_fd(int fd, enum digest_algo a, off_t off, off_t len, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char buf[1 << 16], md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int status = -1, saved = 0;

	if (ctx == NULL) {
		errno = ENOMEM;
		return -1;
	}
	if (EVP_DigestInit_ex(ctx, a == DIGEST_MD5 ? EVP_md5() : EVP_sha256(), NULL) != 1) {
		saved = ENOMEM;
		goto out;
	}
	for (;;) {
		size_t want = sizeof buf;
		ssize_t n;

		if (len >= 0 && (uintmax_t)len < want)
			want = (size_t)len;
		if (want == 0)
			break;
		n = pread(fd, buf, want, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			saved = errno;
			goto out;
		}
		if (n == 0) {
			if (len > 0) {
				saved = EIO; /* the file is shorter than the range */
				goto out;
			}
			break;
		}
		EVP_DigestUpdate(ctx, buf, (size_t)n);
		off += n;
		if (len > 0)
			len -= n;
	}
	if (EVP_DigestFinal_ex(ctx, md, &md_len) != 1) {
		saved = ENOMEM;
		goto out;
	}
	for (unsigned int i = 0; i < md_len; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * md_len] = '\0';
	status = 0;
out:
	EVP_MD_CTX_free(ctx);
	if (status != 0)
		errno = saved;
	return status;
}

int digest_hex_equal(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}
