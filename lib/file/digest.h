/*
 * digest.h - a file's SHA-256 or MD5, as lowercase hex.
 *
 * Promise: digest_fd hashes the bytes [off, off + len) of an open file
 * (len < 0: to the end) with pread(2), so the file offset is left alone
 * and the same descriptor may be shared; the result is lowercase hex, as
 * sha256sum(1) prints it and as FTP's HASH reply carries it
 * (draft-bryan-ftpext-hash).  Names are those of the HASH draft ("SHA-256",
 * "MD5"), matched without regard to case.  Nothing prints or exits.
 */
#ifndef SOCKBOX_DIGEST_H
#define SOCKBOX_DIGEST_H

#include <stddef.h>
#include <sys/types.h>

enum digest_algo { DIGEST_SHA256, DIGEST_MD5 };

enum { DIGEST_HEX_MAX = 65 }; /* SHA-256's 64 hex digits and the NUL */

/* 0 and *out for "SHA-256" or "MD5" (any case); -1 for anything else. */
int digest_algo_parse(const char *name, enum digest_algo *out);

/* "SHA-256" or "MD5". */
const char *digest_algo_name(enum digest_algo a);

/* Hashes [off, off + len) of fd (len < 0: to the end of the file) into hex
 * (at least DIGEST_HEX_MAX bytes).  0; or -1 with errno from pread, or
 * EIO when the file ends before off + len, or ENOMEM from OpenSSL. */
int digest_fd(int fd, enum digest_algo a, off_t off, off_t len, char *hex);

/* 1 when two hex digests are equal, ignoring case; 0 otherwise. */
int digest_hex_equal(const char *a, const char *b);

#endif
