/*
 * probecheck.c - the expectations of http-probe: status, fields, body, certificate.
 */
#include "http/probecheck.h"

#include "base/escape.h"
#include "http/http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void probecheck_init(struct probecheck *k)
{
	memset(k, 0, sizeof *k);
	k->cert_warn_days = -1;
	for (int s = 100; s < 400; s++)
		k->status[s] = 1;
}

int probecheck_parse_status(struct probecheck *k, const char *arg)
{
	const char *s = arg;

	memset(k->status, 0, sizeof k->status);
	for (;;) {
		size_t len = strcspn(s, ",");
		if (len == 3 && s[0] >= '1' && s[0] <= '5' && s[1] == 'x' && s[2] == 'x') {
			int base = (s[0] - '0') * 100;
			memset(k->status + base, 1, 100);
		} else if (len == 3 && strspn(s, "0123456789") >= 3) {
			int status = atoi(s);
			if (status < 100 || status > 599)
				return -1;
			k->status[status] = 1;
		} else {
			return -1;
		}
		if (s[len] == '\0')
			break;
		s += len + 1;
	}
	k->status_text = arg;
	return 0;
}

void probecheck_body_start(struct probecheck *k)
{
	k->body_found = 0;
	buf_clear(&k->body_tail);
}

/* The text may straddle two reads, so the last strlen(text) - 1 bytes of
 * each are kept for the next. */
void probecheck_body(struct probecheck *k, const char *data, size_t len)
{
	size_t need;

	if (!k->body)
		return;
	need = strlen(k->body);
	if (k->body_found || need == 0) {
		k->body_found = 1;
		return;
	}
	if (buf_append(&k->body_tail, data, len) == 0 &&
	    memmem(buf_head(&k->body_tail), buf_readable(&k->body_tail), k->body, need)) {
		k->body_found = 1;
		buf_clear(&k->body_tail);
	} else if (buf_readable(&k->body_tail) >= need) {
		buf_consume(&k->body_tail, buf_readable(&k->body_tail) - (need - 1));
	}
}

static void check_field(const struct httpc *c, const char *want, char *unmet, size_t size)
{
	const struct http_fields *f = &c->response.headers;
	const char *colon = strchr(want, ':');
	const char *value = colon ? colon + 1 + strspn(colon + 1, " \t") : NULL;
	char name[256];

	snprintf(name, sizeof name, "%.*s", colon ? (int)(colon - want) : (int)strlen(want), want);
	for (size_t i = http_fields_find(f, name, 0); i < f->count; i = http_fields_find(f, name, i + 1))
		if (!value || strcmp(http_fields_value(f, i), value) == 0)
			return;
	if (!value || !http_fields_get(f, name))
		snprintf(unmet, size, "expected the field %s, got none", name);
	else
		snprintf(unmet, size, "expected %s: %s, got %s: %s", name, value, name,
		         http_fields_get(f, name));
}

static void check_certificate(const struct probecheck *k, const struct httpc *c, char *unmet, size_t size)
{
	const struct tls_info *t = &c->tls_info;

	if (k->cert_warn_days < 0 || !c->tls_used || !t->has_cert ||
	    t->seconds_left >= k->cert_warn_days * 86400)
		return;
	if (t->seconds_left < 0)
		snprintf(unmet, size, "certificate expired on %s", t->not_after);
	else
		snprintf(unmet, size, "certificate expires on %s, in %lld days, within --cert-warn-days %lld",
		         t->not_after, (long long)(t->seconds_left / 86400), (long long)k->cert_warn_days);
}

int probecheck_response(struct probecheck *k, const struct httpc *c, char *unmet, size_t size, int *retryable)
{
	int status = c->response.status;

	unmet[0] = '\0';
	if (!k->status[status]) {
		snprintf(unmet, size, "expected status %s, got %d",
		         k->status_text ? k->status_text : "below 400", status);
		*retryable = status == 408 || status == 429 || status >= 500;
		return -1;
	}
	for (size_t i = 0; i < k->field_count && !unmet[0]; i++)
		check_field(c, k->fields[i], unmet, size);
	if (!unmet[0] && k->body && !k->body_found) {
		struct buf text = BUF_INIT;
		escape_bytes(&text, k->body, strlen(k->body));
		snprintf(unmet, size, "expected the body to contain \"%s\"", text.data ? text.data : "");
		buf_free(&text);
	}
	if (!unmet[0])
		check_certificate(k, c, unmet, size);
	return unmet[0] ? -1 : 0;
}

void probecheck_free(struct probecheck *k)
{
	buf_free(&k->body_tail);
}
