/*
 * escape.c - one-line escaping of arbitrary bytes.
 */
#include "base/escape.h"

#include <errno.h>

static const char hex_digits[] = "0123456789abcdef";

int escape_bytes(struct buf *out, const void *data, size_t len)
{
	const unsigned char *s = data;
	size_t i = 0;

	if (buf_reserve(out, len) < 0)
		return -1;
	while (i < len) {
		size_t run = i;
		char esc[4];
		size_t esclen = 2;

		/* copy the run of bytes that need no escape in one append */
		while (run < len && s[run] >= 0x20 && s[run] < 0x7f && s[run] != '\\')
			run++;
		if (run > i && buf_append(out, s + i, run - i) < 0)
			return -1;
		i = run;
		if (i == len)
			break;
		esc[0] = '\\';
		switch (s[i]) {
		case '\\':
			esc[1] = '\\';
			break;
		case '\t':
			esc[1] = 't';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		default:
			esc[1] = 'x';
			esc[2] = hex_digits[s[i] >> 4];
			esc[3] = hex_digits[s[i] & 0xf];
			esclen = 4;
		}
		if (buf_append(out, esc, esclen) < 0)
			return -1;
		i++;
	}
	return 0;
}

int escape_hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The byte a one-letter escape stands for, or -1. */
static int simple_escape(char c)
{
	switch (c) {
	case '\\':
		return '\\';
	case 't':
		return '\t';
	case 'n':
		return '\n';
	case 'r':
		return '\r';
	case '0':
		return '\0';
	case '\'':
		return '\'';
	case '"':
		return '"';
	case 'a':
		return '\a';
	case 'b':
		return '\b';
	case 'f':
		return '\f';
	case 'v':
		return '\v';
	default:
		return -1;
	}
}

int unescape_bytes(struct buf *out, const char *text, size_t len, size_t *bad_offset)
{
	size_t i = 0;

	while (i < len) {
		int byte;

		if (text[i] != '\\') {
			if (buf_append_byte(out, text[i]) < 0)
				return -1;
			i++;
			continue;
		}
		if (i + 1 >= len)
			goto malformed;
		if (text[i + 1] == 'x') {
			int hi, lo;
			hi = i + 2 < len ? escape_hex_value(text[i + 2]) : -1;
			lo = i + 3 < len ? escape_hex_value(text[i + 3]) : -1;
			if (hi < 0 || lo < 0)
				goto malformed;
			byte = hi * 16 + lo;
			i += 4;
		} else {
			byte = simple_escape(text[i + 1]);
			if (byte < 0)
				goto malformed;
			i += 2;
		}
		if (buf_append_byte(out, (char)byte) < 0)
			return -1;
	}
	return 0;
malformed:
	if (bad_offset)
		*bad_offset = i;
	errno = EINVAL;
	return -1;
}

size_t escape_utf8_next(const void *data, size_t left, uint32_t *cp)
{
	const unsigned char *s = data;
	uint32_t c = s[0], min;
	size_t n;

	if (c < 0x80) {
		n = 1;
		goto done;
	}
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, c &= 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, c &= 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, c &= 0x07, min = 0x10000;
	else
		return 0;
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3fu);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
done:
	if (cp)
		*cp = c;
	return n;
}
