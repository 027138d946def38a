/*
 * proto.c - the chat protocol's parser (see proto.h and the table in
 * sockbox-udp-chat(1)).  Every byte comes from a stranger: lengths are
 * checked before each read, and nothing is copied.
 */
#include "chat/proto.h"

#include "base/escape.h"

#include <stdint.h>
#include <string.h>

/* Drops one trailing "\n" or "\r\n". */
static size_t strip_newline(const char *s, size_t len)
{
	if (len > 0 && s[len - 1] == '\n') {
		len--;
		if (len > 0 && s[len - 1] == '\r')
			len--;
	}
	return len;
}

int chat_utf8_valid(const void *data, size_t len)
{
	const unsigned char *s = data;
	uint32_t cp;

	for (size_t i = 0; i < len;) {
		size_t n = escape_utf8_next(s + i, len - i, &cp);
		if (n == 0)
			return 0;
		i += n;
	}
	return 1;
}

/* C0, DEL and C1 controls: what could move a terminal's cursor or end a line. */
static int is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

/* The reserved name, compared without regard to ASCII case. */
static int is_admin(const char *name, size_t len)
{
	const char *admin = CHAT_ADMIN_NAME;

	if (len != strlen(admin))
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != admin[i])
			return 0;
	}
	return 1;
}

int chat_name_check(const char *name, size_t len)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t chars = 0;
	uint32_t cp;

	if (len == 0 || len > CHAT_NAME_BYTES)
		return CHAT_ERR_NAME;
	for (size_t i = 0; i < len; chars++) {
		size_t n = escape_utf8_next(s + i, len - i, &cp);
		if (n == 0)
			return CHAT_ERR_UTF8;
		if (is_control(cp) || cp == ' ' || cp == ':')
			return CHAT_ERR_NAME;
		i += n;
	}
	if (chars > CHAT_NAME_CHARS)
		return CHAT_ERR_NAME;
	return is_admin(name, len) ? CHAT_ERR_RESERVED : CHAT_OK;
}

int chat_text_check(const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	uint32_t cp;

	for (size_t i = 0; i < len;) {
		size_t n = escape_utf8_next(s + i, len - i, &cp);
		if (n == 0)
			return CHAT_ERR_UTF8;
		if (is_control(cp) && cp != '\t')
			return CHAT_ERR_TEXT;
		i += n;
	}
	return CHAT_OK;
}

const char *chat_reason(int error)
{
	switch (error) {
	case CHAT_OK:
		return "ok";
	case CHAT_ERR_UTF8:
		return "invalid UTF-8";
	case CHAT_ERR_NAME:
		return "invalid name";
	case CHAT_ERR_RESERVED:
		return "name reserved";
	case CHAT_ERR_TEXT:
		return "control character in text";
	default:
		return "bad request";
	}
}

int chat_parse_request(const void *data, size_t len, struct chat_request *req)
{
	const char *s = data;
	const char *space;
	int rc;

	memset(req, 0, sizeof *req);
	len = strip_newline(s, len);
	if (len == 0)
		return CHAT_ERR_REQUEST;
	req->verb = (unsigned char)s[0];
	if (len == 1)
		return req->verb == CHAT_WHO ? CHAT_OK : CHAT_ERR_REQUEST;
	if (s[1] != ' ')
		return CHAT_ERR_REQUEST;
	req->name = s + 2;
	req->name_len = len - 2;
	switch (req->verb) {
	case CHAT_SAY:
		/* C NAME TEXT: the name ends at the first space, the text is the rest */
		space = memchr(req->name, ' ', req->name_len);
		if (!space)
			return CHAT_ERR_REQUEST;
		req->text = space + 1;
		req->text_len = req->name_len - (size_t)(space + 1 - req->name);
		req->name_len = (size_t)(space - req->name);
		rc = chat_name_check(req->name, req->name_len);
		if (rc == CHAT_OK)
			rc = chat_text_check(req->text, req->text_len);
		return rc == CHAT_ERR_RESERVED ? CHAT_OK : rc; /* nobody holds it: "not joined" */
	case CHAT_JOIN:
		return chat_name_check(req->name, req->name_len);
	case CHAT_QUIT:
	case CHAT_HEARTBEAT:
	case CHAT_TAKEN:
	case CHAT_WHO:
		rc = chat_name_check(req->name, req->name_len);
		return rc == CHAT_ERR_RESERVED ? CHAT_OK : rc;
	default:
		return CHAT_ERR_REQUEST;
	}
}

/* Reads a small decimal number at *s; 0 if none. */
static unsigned read_number(const char **s, const char *end)
{
	unsigned n = 0;

	while (*s < end && **s >= '0' && **s <= '9') {
		if (n < 100000)
			n = n * 10 + (unsigned)(**s - '0');
		(*s)++;
	}
	return n;
}

static int starts_with(const char *s, size_t len, const char *word)
{
	size_t n = strlen(word);

	return len >= n && memcmp(s, word, n) == 0 && (len == n || s[n] == ' ');
}

void chat_parse_line(const void *data, size_t len, struct chat_line *line)
{
	const char *s = data, *end, *colon;

	memset(line, 0, sizeof *line);
	len = strip_newline(s, len);
	end = s + len;
	line->text = s;
	line->text_len = len;
	if (chat_text_check(s, len) != CHAT_OK) {
		line->kind = CHAT_LINE_BAD;
		return;
	}
	if (starts_with(s, len, "OK")) {
		const char *p = s + 2;
		line->kind = CHAT_LINE_OK;
		line->version = 1;
		if (p < end && *p == ' ') {
			p++;
			line->version = read_number(&p, end);
			if (p < end && *p == ' ') {
				p++;
				line->heartbeat = read_number(&p, end);
			}
		}
		return;
	}
	if (starts_with(s, len, "EXIT")) {
		line->kind = CHAT_LINE_EXIT;
		return;
	}
	if (starts_with(s, len, "ERR") || starts_with(s, len, "MEMBERS")) {
		size_t word = s[0] == 'E' ? 3 : 7;
		line->kind = s[0] == 'E' ? CHAT_LINE_ERR : CHAT_LINE_MEMBERS;
		line->text = s + word + (len > word);
		line->text_len = len - word - (len > word);
		return;
	}
	/* "NAME: TEXT": a name never holds a space or a colon */
	colon = memchr(s, ':', len);
	if (colon && colon + 1 < end && colon[1] == ' ' &&
	    chat_name_check(s, (size_t)(colon - s)) != CHAT_ERR_NAME &&
	    chat_name_check(s, (size_t)(colon - s)) != CHAT_ERR_UTF8) {
		line->kind = CHAT_LINE_MESSAGE;
		line->name = s;
		line->name_len = (size_t)(colon - s);
		line->text = colon + 2;
		line->text_len = (size_t)(end - colon - 2);
		return;
	}
	line->kind = CHAT_LINE_NOTICE;
}
