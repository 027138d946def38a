/*
 * handler.c - stream transforms: echo, upper, discard, reply, frame.
 */
#include "serve/handler.h"

#include <errno.h>
#include <string.h>

static const char *const kind_names[] = { "echo", "upper", "discard", "reply", "frame" };

void handler_init(struct handler *h, enum handler_kind kind, const char *reply)
{
	memset(h, 0, sizeof *h);
	h->kind = kind;
	h->reply = reply ? reply : "";
	h->reply_len = strlen(h->reply);
	h->max_frame = HANDLER_FRAME_MAX_DEFAULT;
}

int handler_kind_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof kind_names / sizeof kind_names[0]; i++)
		if (strcmp(name, kind_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *handler_kind_name(enum handler_kind kind)
{
	return (size_t)kind < sizeof kind_names / sizeof kind_names[0] ? kind_names[kind] : "?";
}

static int append_upper(const unsigned char *in, size_t len, struct buf *out)
{
	char *dst;

	if (buf_reserve(out, len) < 0)
		return -1;
	dst = out->data + out->len;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = in[i];
		dst[i] = (char)(c >= 'a' && c <= 'z' ? c - ('a' - 'A') : c);
	}
	out->len += len;
	out->data[out->len] = '\0';
	return 0;
}

static int append_reply(struct handler *h, struct buf *out)
{
	if (buf_append(out, h->reply, h->reply_len) < 0 || buf_append_byte(out, '\n') < 0)
		return -1;
	h->messages++;
	return 0;
}

static int reply_input(struct handler *h, const unsigned char *in, size_t len, struct buf *out)
{
	const unsigned char *end = in + len;

	while (in < end) {
		const unsigned char *nl = memchr(in, '\n', (size_t)(end - in));
		if (!nl) {
			h->line_open = 1;
			break;
		}
		if (append_reply(h, out) < 0)
			return -1;
		h->line_open = 0;
		in = nl + 1;
	}
	return 0;
}

/* A frame is gathered in h->frame and appended to out once its last byte is in. */
static int frame_input(struct handler *h, const unsigned char *in, size_t len, struct buf *out)
{
	while (len > 0) {
		if (!h->in_payload) {
			size_t take = 4 - h->header_have < len ? 4 - h->header_have : len;
			memcpy(h->header + h->header_have, in, take);
			h->header_have += take;
			in += take;
			len -= take;
			if (h->header_have < 4)
				return 0;
			h->frame_len = (uint32_t)h->header[0] << 24 | (uint32_t)h->header[1] << 16 |
			               (uint32_t)h->header[2] << 8 | (uint32_t)h->header[3];
			if (h->frame_len > h->max_frame) {
				errno = EMSGSIZE;
				return -1;
			}
			buf_clear(&h->frame);
			if (buf_append(&h->frame, h->header, 4) < 0)
				return -1;
			h->in_payload = 1;
		}
		size_t need = 4 + (size_t)h->frame_len - h->frame.len;
		size_t take = need < len ? need : len;
		if (buf_append(&h->frame, in, take) < 0)
			return -1;
		in += take;
		len -= take;
		if (h->frame.len == 4 + (size_t)h->frame_len) {
			if (buf_append(out, h->frame.data, h->frame.len) < 0)
				return -1;
			h->messages++;
			h->in_payload = 0;
			h->header_have = 0;
		}
	}
	return 0;
}

int handler_input(struct handler *h, const void *in, size_t len, struct buf *out)
{
	switch (h->kind) {
	case HANDLER_ECHO:
		return buf_append(out, in, len);
	case HANDLER_UPPER:
		return append_upper(in, len, out);
	case HANDLER_DISCARD:
		return 0;
	case HANDLER_REPLY:
		return reply_input(h, in, len, out);
	case HANDLER_FRAME:
		return frame_input(h, in, len, out);
	}
	errno = EINVAL;
	return -1;
}

int handler_end(struct handler *h, struct buf *out)
{
	if (h->kind == HANDLER_REPLY && h->line_open) {
		h->line_open = 0;
		return append_reply(h, out);
	}
	if (h->kind == HANDLER_FRAME && (h->in_payload || h->header_have > 0)) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

void handler_free(struct handler *h)
{
	buf_free(&h->frame);
}
