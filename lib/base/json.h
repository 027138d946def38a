/*
 * json.h - a small typed JSON writer for JSON Lines output.
 *
 * Promise: whatever sequence of calls is made, the text appended to the
 * buffer is valid JSON as long as every begin has its end; strings are
 * escaped per RFC 8259 (quote, backslash and control characters always;
 * json_*_bytes also turns every byte outside printable ASCII into \u00HH,
 * json_*_str lets valid UTF-8 through and escapes invalid bytes the same
 * way).  Commas are placed by the writer.  Nesting is limited to
 * JSON_MAX_DEPTH; deeper begins are ignored (and their ends too).
 *
 *	struct json j; json_init(&j, &out);
 *	json_begin_object(&j, NULL);
 *	json_str(&j, "remote", "127.0.0.1:80");
 *	json_int(&j, "status", 200);
 *	json_end(&j);
 *	json_newline(&j);       -> {"remote":"127.0.0.1:80","status":200}\n
 *
 * A NULL key is for values inside arrays and for the top-level value.
 */
#ifndef SOCKBOX_JSON_H
#define SOCKBOX_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

#define JSON_MAX_DEPTH 32

struct json {
	struct buf *out;
	int depth;
	int skipped;                      /* begins past the depth limit */
	unsigned char first[JSON_MAX_DEPTH];    /* 1 until the level has a member */
	unsigned char is_array[JSON_MAX_DEPTH]; /* what the level was opened with */
	int failed;                       /* an append ran out of memory */
};

void json_init(struct json *j, struct buf *out);

void json_begin_object(struct json *j, const char *key);
void json_begin_array(struct json *j, const char *key);
void json_end(struct json *j);

void json_str(struct json *j, const char *key, const char *value);
void json_str_len(struct json *j, const char *key, const char *value, size_t len);
void json_bytes(struct json *j, const char *key, const void *value, size_t len);
void json_int(struct json *j, const char *key, int64_t value);
void json_uint(struct json *j, const char *key, uint64_t value);
/* Finite values as numbers with up to 17 significant digits; NaN and
 * infinities as the strings "nan", "inf", "-inf". */
void json_double(struct json *j, const char *key, double value);
/* A number printed with a fixed count of decimals (timings: 3). */
void json_fixed(struct json *j, const char *key, double value, int decimals);
void json_bool(struct json *j, const char *key, int value);
/* A value already written as JSON text (a number the caller formatted, such
 * as Python's repr of a float); the caller promises it is valid JSON. */
void json_raw(struct json *j, const char *key, const char *text, size_t len);
void json_null(struct json *j, const char *key);

/* Ends a JSON Lines record: appends "\n". */
void json_newline(struct json *j);

/* Appends a quoted, escaped JSON string to out (no key, no comma). */
int json_quote(struct buf *out, const void *s, size_t len, int bytes_only);

#endif
