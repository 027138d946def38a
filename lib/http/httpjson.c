/*
 * httpjson.c - response fields, TLS and connect attempts as JSON.
 */
#include "http/httpjson.h"

#include <string.h>

void httpjson_fields(struct json *j, const char *key, const struct http_fields *f)
{
	struct buf name = BUF_INIT, value = BUF_INIT;

	json_begin_object(j, key);
	for (size_t i = 0; i < f->count; i++) {
		if (http_fields_find(f, http_fields_name(f, i), 0) < i)
			continue; /* joined with its first occurrence */
		buf_clear(&name);
		buf_clear(&value);
		for (const char *c = http_fields_name(f, i); *c; c++)
			buf_append_byte(&name, (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c));
		for (size_t k = i; k < f->count; k = http_fields_find(f, http_fields_name(f, i), k + 1))
			buf_printf(&value, "%s%s", value.len ? ", " : "", http_fields_value(f, k));
		json_bytes(j, name.data, value.data ? value.data : "", value.len);
	}
	json_end(j);
	buf_free(&name);
	buf_free(&value);
}

void httpjson_tls(struct json *j, const char *key, const struct httpc *c)
{
	const struct tls_info *t = &c->tls_info;

	if (!c->tls_used) {
		json_null(j, key);
		return;
	}
	json_begin_object(j, key);
	json_str(j, "version", t->version);
	json_str(j, "cipher", t->cipher);
	json_str(j, "alpn", t->alpn[0] ? t->alpn : NULL);
	json_str(j, "subject", t->has_cert ? t->subject : NULL);
	json_str(j, "issuer", t->has_cert ? t->issuer : NULL);
	json_str(j, "not_after", t->has_cert ? t->not_after : NULL);
	if (t->has_cert)
		json_int(j, "days_left", t->seconds_left / 86400);
	else
		json_null(j, "days_left");
	json_bool(j, "verified", t->verified);
	json_end(j);
}

void httpjson_connects(struct json *j, const char *key, const struct httpc *c)
{
	json_begin_array(j, key);
	for (size_t i = 0; i < c->attempt_count; i++) {
		json_begin_object(j, NULL);
		json_str(j, "address", c->attempts[i].address);
		json_bool(j, "ok", c->attempts[i].error == 0);
		json_str(j, "error", c->attempts[i].error ? strerror(c->attempts[i].error) : NULL);
		json_fixed(j, "time_ms", c->attempts[i].ms, 3);
		json_end(j);
	}
	json_end(j);
}
