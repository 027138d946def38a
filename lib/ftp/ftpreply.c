/*
 * ftpreply.c - FTP replies and listings, parsed from untrusted bytes.
 */
#include "ftp/ftpreply.h"

#include "base/buf.h"
#include "base/json.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

void ftp_reply_reset(struct ftp_reply *r)
{
	r->code = 0;
	r->multi = 0;
	r->lines = 0;
	r->len = 0;
	r->text[0] = '\0';
}

/* Keeps what fits of a line: a long reply is cut, never overflowing. */
static void keep_line(struct ftp_reply *r, const char *line, size_t len)
{
	size_t room = sizeof r->text - r->len - 1;

	if (room == 0)
		return;
	if (r->len > 0) {
		r->text[r->len++] = '\n';
		room--;
	}
	if (len > room)
		len = room;
	memcpy(r->text + r->len, line, len);
	r->len += len;
	r->text[r->len] = '\0';
}

static int line_code(const char *line, size_t len)
{
	if (len < 3 || !is_digit(line[0]) || !is_digit(line[1]) || !is_digit(line[2]))
		return -1;
	if (len > 3 && line[3] != ' ' && line[3] != '-')
		return -1;
	return (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
}

/*
 * RFC 959 4.2: a multi-line reply starts "123-" and ends with a line that
 * starts "123 " (the same code, then a space); lines in between may say
 * anything, even start with digits.
 */
int ftp_reply_feed(struct ftp_reply *r, const char *line, size_t len)
{
	int code = line_code(line, len);

	if (++r->lines > FTP_REPLY_LINES_MAX)
		return -1;
	if (!r->multi) {
		if (code < 100 || code > 599)
			return -1;
		r->code = code;
		keep_line(r, line, len);
		if (len > 3 && line[3] == '-') {
			r->multi = 1;
			return 0;
		}
		return 1;
	}
	keep_line(r, line, len);
	if (code == r->code && (len == 3 || line[3] == ' ')) {
		r->multi = 0;
		return 1;
	}
	return 0;
}

const char *ftp_reply_last_line(const struct ftp_reply *r)
{
	const char *last = strrchr(r->text, '\n');

	last = last ? last + 1 : r->text;
	if (strlen(last) >= 4 && is_digit(last[0]))
		return last + 4;
	return "";
}

/* A decimal number at s of at most max, at least one digit: chars used, or 0. */
static size_t read_number(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	size_t i = 0;

	while (is_digit(s[i]) && i < 10) {
		v = v * 10 + (unsigned long)(s[i] - '0');
		i++;
	}
	if (i == 0 || is_digit(s[i]) || v > max)
		return 0;
	*out = v;
	return i;
}

/*
 * RFC 959 does not fix where the six numbers stand ("227 Entering Passive
 * Mode (h1,h2,h3,h4,p1,p2)" is usual, some servers drop the parentheses):
 * the first run of six comma-separated numbers is taken, as curl does.
 */
int ftp_parse_227(const char *text, unsigned char addr[4], unsigned *port)
{
	for (const char *s = text; *s; s++) {
		unsigned long n[6];
		const char *p = s;
		int i;

		if (!is_digit(*s) || (s > text && is_digit(s[-1])))
			continue;
		for (i = 0; i < 6; i++) {
			size_t used = read_number(p, 255, &n[i]);
			if (!used)
				break;
			p += used;
			if (i < 5) {
				if (*p != ',')
					break;
				p++;
			}
		}
		if (i < 6)
			continue;
		for (i = 0; i < 4; i++)
			addr[i] = (unsigned char)n[i];
		*port = (unsigned)(n[4] * 256 + n[5]);
		return *port == 0 ? -1 : 0;
	}
	return -1;
}

/* RFC 2428 3: "(<d><d><d><port><d>)", the delimiter any printable character. */
int ftp_parse_229(const char *text, unsigned *port)
{
	const char *open = strchr(text, '(');
	unsigned long v;
	size_t used;
	char d;

	if (!open)
		return -1;
	d = open[1];
	if (d < 33 || d > 126 || open[2] != d || open[3] != d)
		return -1;
	used = read_number(open + 4, 65535, &v);
	if (!used || open[4 + used] != d || open[5 + used] != ')' || v == 0)
		return -1;
	*port = (unsigned)v;
	return 0;
}

int ftp_parse_size(const char *text, uint64_t *size)
{
	uint64_t v = 0;
	size_t i = 0;

	while (is_digit(text[i])) {
		if (v > (UINT64_MAX - 9) / 10 || i >= 20)
			return -1;
		v = v * 10 + (uint64_t)(text[i] - '0');
		i++;
	}
	if (i == 0 || (text[i] != '\0' && text[i] != ' ' && text[i] != '\r'))
		return -1;
	*size = v;
	return 0;
}

/* Copies the next space-separated word of *s into out: 0, or -1 if none or too long. */
static int next_word(const char **s, char *out, size_t size)
{
	const char *p = *s;
	size_t n;

	while (*p == ' ')
		p++;
	n = strcspn(p, " ");
	if (n == 0 || n >= size)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	*s = p + n;
	return 0;
}

int ftp_parse_hash(const char *text, char *algo, size_t algo_size, char *hex, size_t hex_size)
{
	char range[48];
	const char *s = text;

	if (next_word(&s, algo, algo_size) < 0 || next_word(&s, range, sizeof range) < 0 ||
	    next_word(&s, hex, hex_size) < 0)
		return -1;
	if (!strchr(range, '-') || strspn(hex, "0123456789abcdefABCDEF") != strlen(hex))
		return -1;
	return 0;
}

const char *ftp_entry_type_name(enum ftp_entry_type t)
{
	switch (t) {
	case FTP_FILE:
		return "file";
	case FTP_DIR:
		return "dir";
	case FTP_LINK:
		return "link";
	default:
		return "other";
	}
}

static void set_name(struct ftp_entry *e, const char *name, size_t len)
{
	if (len >= sizeof e->name)
		len = sizeof e->name - 1;
	memcpy(e->name, name, len);
	e->name[len] = '\0';
}

/* Splits line[0..len) into at most max space-separated fields; the start
 * of the field after them is *rest.  Returns how many were found. */
static int split_fields(const char *line, size_t len, const char **start, size_t *flen, int max, size_t *rest)
{
	size_t i = 0;
	int n = 0;

	while (n < max) {
		while (i < len && line[i] == ' ')
			i++;
		if (i >= len)
			break;
		start[n] = line + i;
		while (i < len && line[i] != ' ')
			i++;
		flen[n] = (size_t)(line + i - start[n]);
		n++;
	}
	if (i < len && line[i] == ' ')
		i++; /* one separator: a name may start with spaces after it */
	*rest = i;
	return n;
}

static int parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 19)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* "-rw-r--r-- 1 owner group 1234 Dec  7 00:43 name" (ls -l, what vsftpd
 * and pyftpdlib send); some servers omit the group, so the size is found
 * as the field before a month name. */
static int parse_unix(const char *line, size_t len, struct ftp_entry *e)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	const char *f[9];
	size_t fl[9], rest;
	int n = split_fields(line, len, f, fl, 9, &rest), month = -1;

	if (n < 8 || fl[0] != 10 || !strchr("-dlcbps", line[0]))
		return -1;
	for (int i = 3; i < n - 2; i++) {
		if (fl[i] == 3) {
			const char *m = months;
			for (int k = 0; k < 12; k++)
				if (strncasecmp(m + 3 * k, f[i], 3) == 0)
					month = i;
			if (month >= 0)
				break;
		}
	}
	if (month < 0 || parse_u64(f[month - 1], fl[month - 1], &e->size) < 0)
		return -1;
	e->has_size = 1;
	e->type = line[0] == '-'   ? FTP_FILE
	          : line[0] == 'd' ? FTP_DIR
	          : line[0] == 'l' ? FTP_LINK
	                           : FTP_OTHER;
	if (month + 2 >= n)
		return -1;
	snprintf(e->modified, sizeof e->modified, "%.*s %.*s %.*s", (int)fl[month], f[month],
	         (int)fl[month + 1], f[month + 1], (int)fl[month + 2], f[month + 2]);
	/* the name is everything after the time field: spaces in it kept */
	const char *name = f[month + 2] + fl[month + 2];
	const char *end = line + len;
	if (name < end && *name == ' ')
		name++;
	if (name >= end)
		return -1;
	size_t name_len = (size_t)(end - name);
	if (e->type == FTP_LINK) {
		for (size_t i = 0; i + 4 <= name_len; i++)
			if (memcmp(name + i, " -> ", 4) == 0) {
				name_len = i;
				break;
			}
	}
	set_name(e, name, name_len);
	return 0;
}

/* "12-07-26  12:43AM       <DIR>          name" or "... 1234 name" (IIS). */
static int parse_dos(const char *line, size_t len, struct ftp_entry *e)
{
	const char *f[3];
	size_t fl[3], rest;
	int n = split_fields(line, len, f, fl, 3, &rest);

	if (n < 3 || fl[0] < 8 || !is_digit(f[0][0]) || (f[0][2] != '-' && f[0][2] != '/') || fl[1] < 6 ||
	    f[1][2] != ':')
		return -1;
	if (fl[2] == 5 && memcmp(f[2], "<DIR>", 5) == 0) {
		e->type = FTP_DIR;
	} else if (parse_u64(f[2], fl[2], &e->size) == 0) {
		e->type = FTP_FILE;
		e->has_size = 1;
	} else {
		return -1;
	}
	while (rest < len && line[rest] == ' ')
		rest++;
	if (rest >= len)
		return -1;
	snprintf(e->modified, sizeof e->modified, "%.*s %.*s", (int)fl[0], f[0], (int)fl[1], f[1]);
	set_name(e, line + rest, len - rest);
	return 0;
}

int ftp_parse_list_line(const char *line, size_t len, struct ftp_entry *e)
{
	memset(e, 0, sizeof *e);
	if (len >= 6 && strncmp(line, "total ", 6) == 0)
		return 1;
	if (len == 0)
		return 1;
	if (parse_unix(line, len, e) == 0)
		return 0;
	memset(e, 0, sizeof *e);
	return parse_dos(line, len, e);
}

/* "20261207004317" or "20261207004317.123" (RFC 3659 2.3) as ISO 8601. */
static void set_modify(struct ftp_entry *e, const char *v, size_t len)
{
	if (len < 14)
		return;
	for (size_t i = 0; i < 14; i++)
		if (!is_digit(v[i]))
			return;
	snprintf(e->modified, sizeof e->modified, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", v, v + 4, v + 6, v + 8,
	         v + 10, v + 12);
}

int ftp_parse_mlsx_line(const char *line, size_t len, struct ftp_entry *e)
{
	const char *sp = memchr(line, ' ', len);
	size_t i = 0, facts_len;
	int self = 0;

	memset(e, 0, sizeof *e);
	e->type = FTP_OTHER;
	if (!sp || sp + 1 >= line + len)
		return -1;
	facts_len = (size_t)(sp - line);
	while (i < facts_len) {
		const char *fact = line + i;
		const char *semi = memchr(fact, ';', facts_len - i);
		size_t flen = semi ? (size_t)(semi - fact) : facts_len - i;
		const char *eq = memchr(fact, '=', flen);
		if (!eq)
			return -1;
		size_t nlen = (size_t)(eq - fact), vlen = flen - nlen - 1;
		const char *v = eq + 1;
		if (nlen == 4 && strncasecmp(fact, "type", 4) == 0) {
			if (vlen == 4 && strncasecmp(v, "file", 4) == 0)
				e->type = FTP_FILE;
			else if (vlen == 3 && strncasecmp(v, "dir", 3) == 0)
				e->type = FTP_DIR;
			else if ((vlen == 4 && strncasecmp(v, "cdir", 4) == 0) ||
			         (vlen == 4 && strncasecmp(v, "pdir", 4) == 0))
				self = 1;
			else if (vlen >= 7 && strncasecmp(v, "OS.unix=", 8 > vlen ? vlen : 8) == 0)
				e->type = FTP_LINK;
		} else if (nlen == 4 && strncasecmp(fact, "size", 4) == 0) {
			if (parse_u64(v, vlen, &e->size) == 0)
				e->has_size = 1;
		} else if (nlen == 6 && strncasecmp(fact, "modify", 6) == 0) {
			set_modify(e, v, vlen);
		}
		i += flen + 1;
	}
	set_name(e, sp + 1, (size_t)(line + len - sp - 1));
	return self;
}

void ftp_entry_format(const struct ftp_entry *e, int json, struct buf *out)
{
	char size[24];

	if (json) {
		struct json j;
		json_init(&j, out);
		json_begin_object(&j, NULL);
		json_str(&j, "name", e->name);
		json_str(&j, "type", ftp_entry_type_name(e->type));
		if (e->has_size)
			json_uint(&j, "size", e->size);
		else
			json_null(&j, "size");
		if (e->modified[0])
			json_str(&j, "modified", e->modified);
		else
			json_null(&j, "modified");
		json_end(&j);
		json_newline(&j);
		return;
	}
	snprintf(size, sizeof size, "%llu", (unsigned long long)e->size);
	buf_printf(out, "%-4s %12s  %-20s  %s\n", ftp_entry_type_name(e->type), e->has_size ? size : "-",
	           e->modified[0] ? e->modified : "-", e->name);
}

size_t ftp_listing_format(const char *text, size_t len, int mlsd, int json, struct buf *out)
{
	const char *p = text, *end = text + len;
	size_t skipped = 0;

	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t line_len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct ftp_entry e;
		if (line_len > 0 && p[line_len - 1] == '\r')
			line_len--;
		int rc = mlsd ? ftp_parse_mlsx_line(p, line_len, &e) : ftp_parse_list_line(p, line_len, &e);
		if (rc == 0)
			ftp_entry_format(&e, json, out);
		else if (rc < 0)
			skipped++;
		p = nl ? nl + 1 : end;
	}
	return skipped;
}
