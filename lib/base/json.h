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
 * Every value function below appends a comma when one is due, `"key":`
 * when key is not NULL, then the value.  None returns an error: an append
 * that runs out of memory sets j->failed, which the caller checks once at
 * the end of the record.  A struct json belongs to one thread at a time.
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
	int skipped;                            /* begins past the depth limit */
	unsigned char first[JSON_MAX_DEPTH];    /* 1 until the level has a member */
	unsigned char is_array[JSON_MAX_DEPTH]; /* what the level was opened with */
	int failed;                             /* an append ran out of memory */
};

/* Starts a writer appending to out (which it does not own), at depth 0. */
void json_init(struct json *j, struct buf *out);

/* Opens an object ({) as the next value; its members follow until json_end. */
void json_begin_object(struct json *j, const char *key);
/* Opens an array ([) as the next value; its elements (key NULL) follow until json_end. */
void json_begin_array(struct json *j, const char *key);
/* Closes the innermost open object or array with the bracket that matches it. */
void json_end(struct json *j);

/* A NUL-terminated string: valid UTF-8 as it is, other bytes as \u00HH. */
void json_str(struct json *j, const char *key, const char *value);
/* Same as json_str for len bytes (NULs included, escaped). */
void json_str_len(struct json *j, const char *key, const char *value, size_t len);
/* len bytes as a string of printable ASCII: every other byte as \u00HH. */
void json_bytes(struct json *j, const char *key, const void *value, size_t len);
/* A signed integer, in decimal. */
void json_int(struct json *j, const char *key, int64_t value);
/* An unsigned integer, in decimal. */
void json_uint(struct json *j, const char *key, uint64_t value);
/* Finite values as numbers with up to 17 significant digits; NaN and
 * infinities as the strings "nan", "inf", "-inf". */
void json_double(struct json *j, const char *key, double value);
/* A number printed with a fixed count of decimals (timings: 3). */
void json_fixed(struct json *j, const char *key, double value, int decimals);
/* true when value is non-zero, else false. */
void json_bool(struct json *j, const char *key, int value);
/* A value already written as JSON text (a number the caller formatted, such
 * as Python's repr of a float); the caller promises it is valid JSON. */
void json_raw(struct json *j, const char *key, const char *text, size_t len);
/* The literal null. */
void json_null(struct json *j, const char *key);

/* Ends a JSON Lines record: appends "\n". */
void json_newline(struct json *j);

/* Appends a quoted, escaped JSON string to out (no key, no comma); with
 * bytes_only every byte outside printable ASCII is escaped (json_bytes),
 * else valid UTF-8 passes (json_str).  0, or -1 with errno ENOMEM. */
int json_quote(struct buf *out, const void *s, size_t len, int bytes_only);

#endif
