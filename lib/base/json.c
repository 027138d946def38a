/*
 * json.c - JSON writer with RFC 8259 string escaping.
 */
#include "base/json.h"

#include "base/escape.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void json_init(struct json *j, struct buf *out)
{
	memset(j, 0, sizeof *j);
	j->out = out;
	j->first[0] = 1;
}

static void append(struct json *j, const char *s, size_t len)
{
	if (buf_append(j->out, s, len) < 0)
		j->failed = 1;
}

int json_quote(struct buf *out, const void *data, size_t len, int bytes_only)
{
	const unsigned char *s = data;
	size_t i = 0;

	if (buf_reserve(out, len + 2) < 0 || buf_append_byte(out, '"') < 0)
		return -1;
	while (i < len) {
		unsigned char c = s[i];
		char esc[8];
		size_t seq;

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			if (buf_append(out, esc, 2) < 0)
				return -1;
			i++;
			continue;
		}
		if (c >= 0x20 && c < 0x7f) {
			/* copy the whole run of plain characters at once */
			size_t run = i;
			while (run < len && s[run] >= 0x20 && s[run] < 0x7f && s[run] != '"' && s[run] != '\\')
				run++;
			if (buf_append(out, s + i, run - i) < 0)
				return -1;
			i = run;
			continue;
		}
		seq = (!bytes_only && c >= 0x80) ? escape_utf8_next(s + i, len - i, NULL) : 0;
		if (seq > 0) {
			if (buf_append(out, s + i, seq) < 0)
				return -1;
			i += seq;
			continue;
		}
		switch (c) {
		case '\n':
			strcpy(esc, "\\n");
			break;
		case '\r':
			strcpy(esc, "\\r");
			break;
		case '\t':
			strcpy(esc, "\\t");
			break;
		case '\b':
			strcpy(esc, "\\b");
			break;
		case '\f':
			strcpy(esc, "\\f");
			break;
		default:
			snprintf(esc, sizeof esc, "\\u%04x", c);
			break;
		}
		if (buf_append_str(out, esc) < 0)
			return -1;
		i++;
	}
	return buf_append_byte(out, '"');
}

/* Comma and key before a value; 0 when the value must be skipped (too deep). */
static int start_value(struct json *j, const char *key)
{
	if (j->skipped)
		return 0;
	if (!j->first[j->depth])
		append(j, ",", 1);
	j->first[j->depth] = 0;
	if (key) {
		if (json_quote(j->out, key, strlen(key), 0) < 0)
			j->failed = 1;
		append(j, ":", 1);
	}
	return 1;
}

static void begin(struct json *j, const char *key, char open)
{
	if (j->skipped || j->depth + 1 >= JSON_MAX_DEPTH) {
		j->skipped++;
		return;
	}
	start_value(j, key);
	append(j, &open, 1);
	j->depth++;
	j->first[j->depth] = 1;
	j->is_array[j->depth] = (open == '[');
}

void json_begin_object(struct json *j, const char *key)
{
	begin(j, key, '{');
}
void json_begin_array(struct json *j, const char *key)
{
	begin(j, key, '[');
}

/* Closes the innermost object or array, looking at what opened it. */
void json_end(struct json *j)
{
	if (j->skipped) {
		j->skipped--;
		return;
	}
	if (j->depth == 0)
		return;
	append(j, j->is_array[j->depth] ? "]" : "}", 1);
	j->depth--;
}

void json_str(struct json *j, const char *key, const char *value)
{
	if (!value) {
		json_null(j, key);
		return;
	}
	json_str_len(j, key, value, strlen(value));
}

void json_str_len(struct json *j, const char *key, const char *value, size_t len)
{
	if (start_value(j, key) && json_quote(j->out, value, len, 0) < 0)
		j->failed = 1;
}

void json_bytes(struct json *j, const char *key, const void *value, size_t len)
{
	if (start_value(j, key) && json_quote(j->out, value, len, 1) < 0)
		j->failed = 1;
}

static void raw_value(struct json *j, const char *key, const char *text)
{
	if (start_value(j, key))
		append(j, text, strlen(text));
}

void json_int(struct json *j, const char *key, int64_t value)
{
	char text[32];
	snprintf(text, sizeof text, "%lld", (long long)value);
	raw_value(j, key, text);
}

void json_uint(struct json *j, const char *key, uint64_t value)
{
	char text[32];
	snprintf(text, sizeof text, "%llu", (unsigned long long)value);
	raw_value(j, key, text);
}

void json_double(struct json *j, const char *key, double value)
{
	char text[40];

	if (isnan(value)) {
		json_str(j, key, "nan");
		return;
	}
	if (isinf(value)) {
		json_str(j, key, value > 0 ? "inf" : "-inf");
		return;
	}
	/* the shortest of %.15g..%.17g that reads back to the same double */
	for (int precision = 15; precision <= 17; precision++) {
		snprintf(text, sizeof text, "%.*g", precision, value);
		if (strtod(text, NULL) == value)
			break;
	}
	raw_value(j, key, text);
}

void json_fixed(struct json *j, const char *key, double value, int decimals)
{
	char text[48];
	if (!isfinite(value)) {
		json_double(j, key, value);
		return;
	}
	snprintf(text, sizeof text, "%.*f", decimals, value);
	raw_value(j, key, text);
}

void json_bool(struct json *j, const char *key, int value)
{
	raw_value(j, key, value ? "true" : "false");
}
void json_null(struct json *j, const char *key)
{
	raw_value(j, key, "null");
}

void json_raw(struct json *j, const char *key, const char *text, size_t len)
{
	if (start_value(j, key))
		append(j, text, len);
}
void json_newline(struct json *j)
{
	append(j, "\n", 1);
}
