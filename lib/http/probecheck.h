/*
 * probecheck.h - http-probe(1)'s expectations of a response: the statuses
 * that count as success (--expect), fields (--expect-header), a text in
 * the body (--expect-body), certificate days left (--cert-warn-days).
 *
 * Promise: a response is checked against each expectation in that order
 * and the first one missed is put in words (the messages http-probe(1)
 * prints); the body text is found even when it straddles two reads, with
 * only strlen(text) - 1 bytes kept between them.  Nothing is printed.
 */
#ifndef SOCKBOX_PROBECHECK_H
#define SOCKBOX_PROBECHECK_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "http/httpc.h"

#define PROBECHECK_FIELDS_MAX 64

struct probecheck {
	unsigned char status[600];                 /* 1 for each accepted status */
	const char *status_text;                   /* as given to --expect, NULL: below 400 */
	const char *fields[PROBECHECK_FIELDS_MAX]; /* "NAME" or "NAME: VALUE" */
	size_t field_count;
	const char *body;       /* the text to find, NULL: none */
	int64_t cert_warn_days; /* -1: no check */
	int body_found;         /* this response's body held it */
	struct buf body_tail;   /* the last bytes read, for a straddling text */
};

/* The defaults: statuses below 400, no field, no text, no certificate check. */
void probecheck_init(struct probecheck *k);

/* "200,204,2xx" as the accepted statuses: 0, or -1 when arg is not that
 * (the table is then to be set again). */
int probecheck_parse_status(struct probecheck *k, const char *arg);

/* A new response's body begins. */
void probecheck_body_start(struct probecheck *k);

/* The next len bytes of the body, looked through for k->body. */
void probecheck_body(struct probecheck *k, const char *data, size_t len);

/* c's final response (and TLS certificate) against k: 0 when all are met;
 * -1 with the first one missed in unmet, and *retryable set when the
 * status was one worth a retry (408, 429, 5xx). */
int probecheck_response(struct probecheck *k, const struct httpc *c, char *unmet, size_t size, int *retryable);

void probecheck_free(struct probecheck *k);

#endif
