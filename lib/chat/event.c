/*
 * event.c - udp-chat's output records (see event.h).
 */
#include "chat/event.h"

#include <string.h>

#include "base/escape.h"
#include "base/json.h"

/* A field of a text record: as it is when clean and without blanks, else escaped. */
static void put_field(struct buf *b, const char *s, size_t len)
{
	if (len == 0)
		buf_append_byte(b, '-');
	else if (chat_text_check(s, len) == CHAT_OK && !memchr(s, ' ', len) && !memchr(s, '\t', len))
		buf_append(b, s, len);
	else
		escape_bytes(b, s, len);
}

int chat_event_format(struct buf *out, int json, const char *event, const char *source, const char *name,
                      size_t name_len, const char *text, size_t text_len)
{

	if (json) {
		struct json j;
		json_init(&j, out);
		json_begin_object(&j, NULL);
		json_str(&j, "event", event);
		json_str(&j, "source", source);
		if (name)
			json_str_len(&j, "name", name, name_len);
		else
			json_null(&j, "name");
		if (text)
			json_str_len(&j, "text", text, text_len);
		json_end(&j);
		json_newline(&j);
		return j.failed ? -1 : 0;
	}
	buf_printf(out, "%s %s ", event, source);
	put_field(out, name ? name : "", name ? name_len : 0);
	if (text) {
		buf_append_byte(out, ' ');
		if (chat_text_check(text, text_len) == CHAT_OK)
			buf_append(out, text, text_len);
		else
			escape_bytes(out, text, text_len);
	}
	return buf_append_byte(out, '\n');
}

static void line_json(struct json *j, const char *from, const struct chat_line *l)
{
	static const char *const kinds[] = { "ok", "error", "exit", "members", "message", "notice", "invalid" };

	json_begin_object(j, NULL);
	json_str(j, "event", kinds[l->kind]);
	json_str(j, "from", from);
	if (l->kind == CHAT_LINE_MESSAGE)
		json_str_len(j, "name", l->name, l->name_len);
	if (l->kind == CHAT_LINE_OK) {
		json_uint(j, "version", l->version);
		json_uint(j, "heartbeat", l->heartbeat);
	} else if (l->kind == CHAT_LINE_MEMBERS) {
		const char *p = l->text, *end = l->text + l->text_len;
		json_begin_array(j, "names");
		while (p < end) {
			const char *sp = memchr(p, ' ', (size_t)(end - p));
			size_t len = sp ? (size_t)(sp - p) : (size_t)(end - p);
			if (len)
				json_str_len(j, NULL, p, len);
			p += len + 1;
		}
		json_end(j);
	} else if (l->kind != CHAT_LINE_EXIT) {
		json_str_len(j, "text", l->text, l->text_len);
	}
	json_end(j);
	json_newline(j);
}

int chat_line_format(struct buf *out, int json, const char *from, const struct chat_line *l, const void *data,
                     size_t len)
{
	if (json) {
		struct json j;
		json_init(&j, out);
		line_json(&j, from, l);
		return j.failed ? -1 : 0;
	}
	switch (l->kind) {
	case CHAT_LINE_OK:
	case CHAT_LINE_ERR:
	case CHAT_LINE_EXIT:
		return 0;
	case CHAT_LINE_BAD:
		if (escape_bytes(out, data, len) < 0)
			return -1;
		break;
	default:
		/* the line as it came, without the newline the parser ignored */
		if (buf_append(out, data, (size_t)(l->text + l->text_len - (const char *)data)) < 0)
			return -1;
	}
	return buf_append_byte(out, '\n');
}
