/*
 * httpjson.h - the HTTP client's objects as JSON members (lib/base/json):
 * response fields, the TLS session, the connect attempts.
 *
 * Promise: each function adds one member named key to the object j has
 * open, with the keys http-probe(1) documents under JSON; nothing else is
 * written and nothing printed.  Field names are lowercased (they are
 * case-insensitive, RFC 9110 5.1) and a repeated field is joined with
 * ", " into its first occurrence, as RFC 9110 5.3 allows; values go
 * through json_bytes, so no byte of a hostile server breaks the record.
 */
#ifndef SOCKBOX_HTTPJSON_H
#define SOCKBOX_HTTPJSON_H

#include "base/json.h"
#include "http/http.h"
#include "http/httpc.h"

/* key: { "name": "value", ... } for the fields f. */
void httpjson_fields(struct json *j, const char *key, const struct http_fields *f);

/* key: { version, cipher, alpn, subject, issuer, not_after, days_left,
 * verified } of c's TLS session, or null when c used none. */
void httpjson_tls(struct json *j, const char *key, const struct httpc *c);

/* key: [ { address, ok, error, time_ms }, ... ], one per connect attempt of c. */
void httpjson_connects(struct json *j, const char *key, const struct httpc *c);

#endif
