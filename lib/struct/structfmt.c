/*
 * structfmt.c - the struct format engine, after CPython's Modules/_struct.c.
 *
 * A format is read once into groups (one per code written, with its
 * count, offset and padding); packing and unpacking walk the groups.
 * Where Python's rules are subtle, the comment says which rule it is:
 * alignment only under '@' and never at the end, 'x' and '0i' still
 * aligning, 's' truncating or padding silently, 'p' capping its length
 * byte at 255, half floats rounding half to even.
 */
#include "struct/structfmt.h"

#include "base/escape.h"
#include "struct/floatfmt.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define HOST_BIG_ENDIAN 1
#else
#define HOST_BIG_ENDIAN 0
#endif

/* One row of Python's native_table or its standard ("<>!=") tables. */
struct code_def {
	char code;
	enum structfmt_kind kind;
	size_t std_size;     /* size under = < > ! (0: native only) */
	size_t native_size;  /* size under @ */
	size_t native_align; /* alignment under @ (1: none) */
	const char *ctype;
};

static const struct code_def code_defs[] = {
	{ 'x', STRUCTFMT_PAD, 1, 1, 1, "pad byte" },
	{ 'c', STRUCTFMT_CHAR, 1, 1, 1, "char" },
	{ 'b', STRUCTFMT_SIGNED, 1, 1, 1, "signed char" },
	{ 'B', STRUCTFMT_UNSIGNED, 1, 1, 1, "unsigned char" },
	{ '?', STRUCTFMT_BOOL, 1, sizeof(_Bool), alignof(_Bool), "_Bool" },
	{ 'h', STRUCTFMT_SIGNED, 2, sizeof(short), alignof(short), "short" },
	{ 'H', STRUCTFMT_UNSIGNED, 2, sizeof(unsigned short), alignof(unsigned short), "unsigned short" },
	{ 'i', STRUCTFMT_SIGNED, 4, sizeof(int), alignof(int), "int" },
	{ 'I', STRUCTFMT_UNSIGNED, 4, sizeof(unsigned), alignof(unsigned), "unsigned int" },
	{ 'l', STRUCTFMT_SIGNED, 4, sizeof(long), alignof(long), "long" },
	{ 'L', STRUCTFMT_UNSIGNED, 4, sizeof(unsigned long), alignof(unsigned long), "unsigned long" },
	{ 'q', STRUCTFMT_SIGNED, 8, sizeof(long long), alignof(long long), "long long" },
	{ 'Q', STRUCTFMT_UNSIGNED, 8, sizeof(unsigned long long), alignof(unsigned long long),
	  "unsigned long long" },
	{ 'n', STRUCTFMT_SIGNED, 0, sizeof(ssize_t), alignof(ssize_t), "ssize_t" },
	{ 'N', STRUCTFMT_UNSIGNED, 0, sizeof(size_t), alignof(size_t), "size_t" },
	/* Python aligns a half float like a short. */
	{ 'e', STRUCTFMT_HALF, 2, sizeof(short), alignof(short), "IEEE 754 binary16" },
	{ 'f', STRUCTFMT_FLOAT, 4, sizeof(float), alignof(float), "float" },
	{ 'd', STRUCTFMT_DOUBLE, 8, sizeof(double), alignof(double), "double" },
	{ 's', STRUCTFMT_BYTES, 1, 1, 1, "char[]" },
	{ 'p', STRUCTFMT_PASCAL, 1, 1, 1, "char[] (Pascal string)" },
	{ 'P', STRUCTFMT_UNSIGNED, 0, sizeof(void *), alignof(void *), "void *" },
	{ 0, STRUCTFMT_PAD, 0, 0, 0, NULL },
};

static const struct code_def *find_code(char code)
{
	for (const struct code_def *d = code_defs; d->code; d++)
		if (d->code == code)
			return d;
	return NULL;
}

const char *structfmt_ctype(char code)
{
	const struct code_def *d = find_code(code);
	return d ? d->ctype : "?";
}

const char *structfmt_group_order(const struct structfmt *f, const struct structfmt_group *g)
{
	if (g->item_size <= 1 || g->kind == STRUCTFMT_BYTES || g->kind == STRUCTFMT_PASCAL)
		return "-";
	return f->big_endian ? "big" : "little";
}

void structfmt_describe(const struct structfmt *f, char *out, size_t size)
{
	const char *host = f->big_endian ? "big-endian" : "little-endian";

	switch (f->order) {
	case '@':
		snprintf(out, size, "native byte order (%s), native sizes and alignment", host);
		break;
	case '=':
		snprintf(out, size, "native byte order (%s), standard sizes, no alignment", host);
		break;
	case '<':
		snprintf(out, size, "little-endian, standard sizes, no alignment");
		break;
	case '!':
		snprintf(out, size, "network byte order (big-endian), standard sizes, no alignment");
		break;
	default:
		snprintf(out, size, "big-endian, standard sizes, no alignment");
		break;
	}
}

static int fail(struct structfmt_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct structfmt_error *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof err->text, fmt, ap);
	va_end(ap);
	errno = EINVAL;
	return -1;
}

/* ---- parsing ---- */

/* Python's Py_ISSPACE: the six ASCII white-space characters. */
static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static void set_order(struct structfmt *f, char order)
{
	f->order = order;
	f->native = order == '@';
	if (order == '<')
		f->big_endian = 0;
	else if (order == '>' || order == '!')
		f->big_endian = 1;
	else
		f->big_endian = HOST_BIG_ENDIAN;
}

/* The range pack accepts for an integer code of size bytes. */
static void set_range(struct structfmt_group *g)
{
	unsigned bits = (unsigned)(g->item_size * 8);

	if (g->kind == STRUCTFMT_SIGNED) {
		g->min = bits >= 64 ? INT64_MIN : -((int64_t)1 << (bits - 1));
		g->max = bits >= 64 ? (uint64_t)INT64_MAX : ((uint64_t)1 << (bits - 1)) - 1;
	} else if (g->kind == STRUCTFMT_UNSIGNED) {
		/* 'P' goes through PyLong_AsVoidPtr, which takes a negative as a long. */
		g->min = g->code == 'P' ? (bits >= 64 ? INT64_MIN : -((int64_t)1 << (bits - 1))) : 0;
		g->max = bits >= 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
	}
}

static int bad_char(const struct structfmt *f, const char *format, size_t offset, struct structfmt_error *err)
{
	char c = format[offset];
	const struct code_def *d = find_code(c);

	err->offset = offset;
	if (d && !f->native)
		return fail(err, "'%c' exists only in native mode ('@' or no prefix), at offset %zu", c,
		            offset);
	if (c && strchr("@=<>!", c))
		return fail(err, "byte order character '%c' must come first, at offset %zu", c, offset);
	if (c > 0x20 && c < 0x7f)
		return fail(err, "bad character '%c' at offset %zu", c, offset);
	if (is_space(c) && offset > 0 && is_digit(format[offset - 1]))
		return fail(err, "white space between a repeat count and its code, at offset %zu", offset);
	return fail(err, "bad character \\x%02x at offset %zu", (unsigned char)c, offset);
}

static int too_long(struct structfmt_error *err, size_t offset)
{
	err->offset = offset;
	return fail(err, "total size too long (over %zd bytes), at offset %zu", (ssize_t)SSIZE_MAX, offset);
}

/* Reads a repeat count at *p: 0, or -1 when it passes SSIZE_MAX. */
static int read_count(const char **p, size_t *count)
{
	size_t n = 0;
	while (is_digit(**p)) {
		size_t digit = (size_t)(**p - '0');
		if (n > ((size_t)SSIZE_MAX - digit) / 10)
			return -1;
		n = n * 10 + digit;
		(*p)++;
	}
	*count = n;
	return 0;
}

/* Lays out group g at the end of the record so far, as Python's align() and prepare_s(). */
static int place_group(struct structfmt *f, struct structfmt_group *g, const struct code_def *d,
                       size_t offset, struct structfmt_error *err)
{
	size_t align = f->native ? d->native_align : 1;
	size_t item = f->native ? d->native_size : d->std_size;
	size_t limit = (size_t)SSIZE_MAX;

	g->pad = 0;
	/* Padding goes before a field, never at the end; none at offset 0. */
	if (align > 1 && f->size > 0) {
		g->pad = (align - 1) - (f->size - 1) % align;
		if (g->pad > limit - f->size)
			return too_long(err, offset);
	}
	f->size += g->pad;
	if (g->kind == STRUCTFMT_BYTES || g->kind == STRUCTFMT_PASCAL) {
		g->item_size = g->count;
		g->nvalues = 1;
		if (g->count > limit - f->size)
			return too_long(err, offset);
		g->offset = f->size;
		g->bytes = g->count;
		f->size += g->count;
	} else {
		g->item_size = item;
		g->nvalues = g->kind == STRUCTFMT_PAD ? 0 : g->count;
		if (g->count > (limit - f->size) / item)
			return too_long(err, offset);
		g->offset = f->size;
		g->bytes = g->count * item;
		f->size += g->bytes;
	}
	g->first_value = f->nvalues;
	f->nvalues += g->nvalues;
	set_range(g);
	return 0;
}

int structfmt_parse(struct structfmt *f, const char *format, struct structfmt_error *err)
{
	const char *p = format;

	memset(f, 0, sizeof *f);
	memset(err, 0, sizeof *err);
	if (*p && strchr("@=<>!", *p))
		set_order(f, *p++);
	else
		set_order(f, '@');
	/* At most one group per character: enough whatever the counts say. */
	f->groups = calloc(strlen(p) + 1, sizeof *f->groups);
	if (!f->groups)
		return -1;
	while (*p) {
		size_t offset = (size_t)(p - format), count = 1;
		const struct code_def *d;
		struct structfmt_group *g;

		if (is_space(*p)) {
			p++;
			continue;
		}
		if (is_digit(*p)) {
			if (read_count(&p, &count) < 0)
				goto too_long;
			if (*p == '\0') {
				err->offset = offset;
				fail(err, "repeat count %zu without a code after it, at offset %zu", count,
				     offset);
				goto error;
			}
		}
		d = find_code(*p);
		if (!d || (!f->native && d->std_size == 0)) {
			bad_char(f, format, (size_t)(p - format), err);
			goto error;
		}
		g = &f->groups[f->ngroups++];
		g->code = *p;
		g->kind = d->kind;
		g->count = count;
		if (place_group(f, g, d, offset, err) < 0)
			goto error;
		p++;
	}
	return 0;
too_long:
	too_long(err, (size_t)(p - format));
error:
	structfmt_free(f);
	errno = EINVAL;
	return -1;
}

void structfmt_free(struct structfmt *f)
{
	free(f->groups);
	f->groups = NULL;
	f->ngroups = 0;
}

/* ---- bytes in a record ---- */

static uint64_t load_uint(const unsigned char *p, size_t size, int big_endian)
{
	uint64_t v = 0;

	if (size == 4) {
		uint32_t w;
		memcpy(&w, p, 4);
		return big_endian != HOST_BIG_ENDIAN ? __builtin_bswap32(w) : w;
	}
	if (size == 8) {
		memcpy(&v, p, 8);
		return big_endian != HOST_BIG_ENDIAN ? __builtin_bswap64(v) : v;
	}
	if (big_endian) {
		for (size_t i = 0; i < size; i++)
			v = (v << 8) | p[i];
	} else {
		for (size_t i = size; i-- > 0;)
			v = (v << 8) | p[i];
	}
	return v;
}

static void store_uint(unsigned char *p, size_t size, int big_endian, uint64_t v)
{
	if (size == 4) {
		uint32_t w = (uint32_t)v;
		if (big_endian != HOST_BIG_ENDIAN)
			w = __builtin_bswap32(w);
		memcpy(p, &w, 4);
		return;
	}
	if (size == 8) {
		if (big_endian != HOST_BIG_ENDIAN)
			v = __builtin_bswap64(v);
		memcpy(p, &v, 8);
		return;
	}
	for (size_t i = 0; i < size; i++) {
		size_t at = big_endian ? size - 1 - i : i;
		p[at] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
}

/* Sign-extends the low size bytes of v. */
static int64_t sign_extend(uint64_t v, size_t size)
{
	unsigned shift = (unsigned)(64 - size * 8);
	if (shift == 0)
		return (int64_t)v;
	return (int64_t)(v << shift) >> shift;
}

/* binary16 to double: exact. */
static double half_to_double(uint16_t h)
{
	int exponent = (h >> 10) & 0x1f;
	unsigned mantissa = h & 0x3ffu;
	double v;

	if (exponent == 0x1f)
		v = mantissa ? NAN : HUGE_VAL;
	else if (exponent == 0)
		v = ldexp((double)mantissa, -24);
	else
		v = ldexp((double)(mantissa + 1024), exponent - 25);
	return (h & 0x8000) ? -v : v;
}

/*
 * double to binary16, rounding half to even, as Python's PyFloat_Pack2: a
 * NaN becomes the quiet NaN 0x7e00 with the sign kept.  0, or -1 when the
 * value rounds past the largest half (65504).
 */
static int double_to_half(double x, uint16_t *out)
{
	uint16_t sign = signbit(x) ? 0x8000 : 0;
	unsigned exponent_field, bits;
	double f;
	int e;

	if (isnan(x)) {
		*out = sign | 0x7e00;
		return 0;
	}
	if (isinf(x) || x == 0) {
		*out = sign | (x == 0 ? 0 : 0x7c00);
		return 0;
	}
	f = frexp(fabs(x), &e) * 2; /* |x| = f * 2^(e-1), 1 <= f < 2 */
	e--;
	if (e >= 16)
		return -1;
	if (e < -25) {
		f = 0; /* below half the smallest subnormal: rounds to zero */
		exponent_field = 0;
	} else if (e < -14) {
		f = ldexp(f, 14 + e); /* subnormal: |x| = f * 2^-14, exact */
		exponent_field = 0;
	} else {
		exponent_field = (unsigned)(e + 15);
		f -= 1;
	}
	f *= 1024;
	bits = (unsigned)f;
	if (f - bits > 0.5 || (f - bits == 0.5 && (bits & 1))) {
		if (++bits == 1024) {
			bits = 0;
			if (++exponent_field == 31)
				return -1;
		}
	}
	*out = (uint16_t)(sign | (exponent_field << 10) | bits);
	return 0;
}

/* ---- pack: text to bytes ---- */

/* A value for a message: printable ASCII as typed, other bytes as \xHH, cut at 40 bytes. */
static const char *shown(const char *text, size_t len, char out[200])
{
	size_t n = 0;

	for (size_t i = 0; i < len && i < 40; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c >= 0x20 && c < 0x7f)
			out[n++] = (char)c;
		else
			n += (size_t)snprintf(out + n, 5, "\\x%02x", c);
	}
	if (len > 40) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
	return out;
}

enum refusal {
	NOT_INTEGER,
	OUT_OF_RANGE,
	NOT_BOOLEAN,
	NOT_NUMBER,
	TOO_LARGE,
	BAD_ESCAPE,   /* extra: the offset of the escape */
	NOT_ONE_BYTE, /* extra: how many bytes there were */
};

/*
 * Fills err for a refused value; returns -1 with errno EINVAL.  Kept out
 * of line (and its buffer out of the packers' frames): refusals are rare,
 * values are not.
 */
__attribute__((noinline, cold)) static int refuse(struct structfmt_error *err, enum refusal why,
                                                  const struct structfmt_group *g, const char *text,
                                                  size_t len, size_t extra)
{
	char show[200];

	shown(text, len, show);
	switch (why) {
	case NOT_INTEGER:
		return fail(err, "'%s' is not an integer", show);
	case OUT_OF_RANGE:
		return fail(err, "%s is out of range for '%c' (%lld..%llu)", show, g->code, (long long)g->min,
		            (unsigned long long)g->max);
	case NOT_BOOLEAN:
		return fail(err, "'%s' is not a boolean (True, False, true, false, 1 or 0)", show);
	case NOT_NUMBER:
		return fail(err, "'%s' is not a number", show);
	case TOO_LARGE:
		if (g->kind == STRUCTFMT_HALF)
			return fail(err, "%s is too large for 'e' (half float, at most 65504)", show);
		return fail(err, "%s is too large for 'f' (float)", show);
	case BAD_ESCAPE:
		return fail(err, "bad escape at offset %zu in '%s'", extra, show);
	case NOT_ONE_BYTE:
		return fail(err, "'%s' is %zu bytes, 'c' takes exactly 1", show, extra);
	}
	return fail(err, "'%s' is refused", show);
}

/*
 * Reads an integer: optional sign, then decimal digits or 0x, 0o, 0b and
 * digits of that base.  0 (with *too_big set when past 2^64 - 1), or -1.
 */
static int parse_integer(const char *s, size_t len, bool *negative, uint64_t *magnitude, bool *too_big)
{
	size_t i = 0, start;
	unsigned base = 10;
	uint64_t v = 0, limit;
	unsigned limit_digit;

	*negative = false;
	*too_big = false;
	if (i < len && (s[i] == '+' || s[i] == '-'))
		*negative = s[i++] == '-';
	if (len - i > 2 && s[i] == '0') {
		char b = (char)(s[i + 1] | 0x20);
		base = b == 'x' ? 16 : b == 'o' ? 8 : b == 'b' ? 2 : 10;
		if (base != 10)
			i += 2;
	}
	start = i;
	/* The common case: up to 19 decimal digits cannot overflow 64 bits. */
	if (base == 10 && i < len && len - i <= 19) {
		for (; i < len; i++) {
			unsigned digit = (unsigned)(unsigned char)s[i] - '0';
			if (digit > 9)
				return -1;
			v = v * 10 + digit;
		}
		*magnitude = v;
		return 0;
	}
	/* v * base + digit overflows past these: one division per number, not per digit */
	limit = UINT64_MAX / base;
	limit_digit = (unsigned)(UINT64_MAX % base);
	for (; i < len; i++) {
		unsigned digit;
		char c = s[i];
		if (c >= '0' && c <= '9')
			digit = (unsigned)(c - '0');
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			digit = (unsigned)((c | 0x20) - 'a' + 10);
		else
			return -1;
		if (digit >= base)
			return -1;
		if (v > limit || (v == limit && digit > limit_digit))
			*too_big = true;
		else
			v = v * base + digit;
	}
	if (i == start)
		return -1;
	*magnitude = v;
	return 0;
}

static int pack_integer(const struct structfmt *f, const struct structfmt_group *g, const char *text,
                        size_t len, unsigned char *dst, struct structfmt_error *err)
{
	bool negative, too_big;
	uint64_t magnitude, bits, neg_limit;
	if (parse_integer(text, len, &negative, &magnitude, &too_big) < 0)
		return refuse(err, NOT_INTEGER, g, text, len, 0);
	/* How far below zero the code reaches: 0 for unsigned, 2^63 for 'q'. */
	neg_limit = g->min < 0 ? (uint64_t)(-(g->min + 1)) + 1 : 0;
	if (too_big || (negative ? magnitude > neg_limit : magnitude > g->max))
		return refuse(err, OUT_OF_RANGE, g, text, len, 0);
	bits = negative ? (uint64_t)0 - magnitude : magnitude;
	store_uint(dst, g->item_size, f->big_endian, bits);
	return 0;
}

static int pack_bool(const struct structfmt_group *g, const char *text, size_t len, unsigned char *dst,
                     struct structfmt_error *err)
{
	static const char *const truths[] = { "True", "true", "1", NULL };
	static const char *const lies[] = { "False", "false", "0", NULL };

	for (int i = 0; truths[i]; i++) {
		if (strlen(truths[i]) == len && memcmp(truths[i], text, len) == 0) {
			/* _Bool is one byte holding 1 on every ABI Python runs on. */
			memset(dst, 0, g->item_size);
			dst[0] = 1;
			return 0;
		}
		if (strlen(lies[i]) == len && memcmp(lies[i], text, len) == 0) {
			memset(dst, 0, g->item_size);
			return 0;
		}
	}
	return refuse(err, NOT_BOOLEAN, g, text, len, 0);
}

static int pack_real(const struct structfmt *f, const struct structfmt_group *g, const char *text, size_t len,
                     unsigned char *dst, struct structfmt_error *err)
{
	double x;

	if (floatfmt_parse(text, len, &x) < 0) {
		if (errno == ENOMEM)
			return -1;
		return refuse(err, NOT_NUMBER, g, text, len, 0);
	}
	if (g->kind == STRUCTFMT_DOUBLE) {
		uint64_t bits;
		memcpy(&bits, &x, 8);
		store_uint(dst, 8, f->big_endian, bits);
	} else if (g->kind == STRUCTFMT_FLOAT) {
		float y = (float)x; /* round to nearest even, as Python's PyFloat_Pack4 */
		uint32_t bits;
		/* Python refuses a float too large for 'f' in standard sizes only:
		 * its native packer casts, and the cast gives inf. */
		if (!f->native && isinf(y) && !isinf(x))
			return refuse(err, TOO_LARGE, g, text, len, 0);
		memcpy(&bits, &y, 4);
		store_uint(dst, 4, f->big_endian, bits);
	} else {
		uint16_t bits;
		if (double_to_half(x, &bits) < 0)
			return refuse(err, TOO_LARGE, g, text, len, 0);
		store_uint(dst, 2, f->big_endian, bits);
	}
	return 0;
}

/*
 * The first byte in p[0..n) equal to byte, eight at a time: in x = word ^
 * (byte in every byte), a matching byte is zero, and (x - 0x01..01)
 * & ~x & 0x80..80 sets the top bit of the lowest zero byte (higher bits
 * may be wrong, the lowest never is).  The tail goes byte by byte.
 */
static inline const char *find_byte(const char *p, size_t n, char byte)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	const uint64_t pattern = ones * (unsigned char)byte;
	size_t i = 0;

	for (; n - i >= 8; i += 8) {
		uint64_t word, x, hit;
		memcpy(&word, p + i, 8);
#if HOST_BIG_ENDIAN
		word = __builtin_bswap64(word); /* the first byte in the low bits */
#endif
		x = word ^ pattern;
		hit = (x - ones) & ~x & highs;
		if (hit)
			return p + i + (size_t)__builtin_ctzll(hit) / 8;
	}
	for (; i < n; i++)
		if (p[i] == byte)
			return p + i;
	return NULL;
}

/* The bytes text stands for: text itself when it has no escape, else scratch. */
static int unescape_value(const struct structfmt_group *g, const char *text, size_t len, struct buf *scratch,
                          const char **bytes, size_t *nbytes, struct structfmt_error *err)
{
	size_t bad = 0;

	if (!find_byte(text, len, '\\')) {
		*bytes = text;
		*nbytes = len;
		return 0;
	}
	buf_clear(scratch);
	if (unescape_bytes(scratch, text, len, &bad) < 0) {
		if (errno == ENOMEM)
			return -1;
		return refuse(err, BAD_ESCAPE, g, text, len, bad);
	}
	*bytes = scratch->data;
	*nbytes = scratch->len;
	return 0;
}

static inline int pack_bytes(const struct structfmt_group *g, const char *text, size_t len,
                             unsigned char *dst, struct buf *scratch, struct structfmt_error *err)
{
	const char *bytes = NULL;
	size_t n = 0;

	if (unescape_value(g, text, len, scratch, &bytes, &n, err) < 0)
		return -1;
	if (g->kind == STRUCTFMT_CHAR) {
		if (n != 1)
			return refuse(err, NOT_ONE_BYTE, g, text, len, n);
		dst[0] = (unsigned char)bytes[0];
	} else if (g->kind == STRUCTFMT_BYTES) {
		/* Longer is cut, shorter is padded with NULs (already there): Python's 's'. */
		memcpy(dst, bytes, n < g->count ? n : g->count);
	} else if (g->count > 0) {
		/* 'p': count - 1 bytes at most, and a length byte of at most 255. */
		size_t keep = n < g->count - 1 ? n : g->count - 1;
		memcpy(dst + 1, bytes, keep);
		dst[0] = (unsigned char)(keep > 255 ? 255 : keep);
	}
	return 0;
}

static inline int pack_item(const struct structfmt *f, const struct structfmt_group *g, size_t k,
                            const char *text, size_t len, unsigned char *rec, struct buf *scratch,
                            struct structfmt_error *err)
{
	unsigned char *dst = rec + g->offset + k * g->item_size;

	switch (g->kind) {
	case STRUCTFMT_SIGNED:
	case STRUCTFMT_UNSIGNED:
		return pack_integer(f, g, text, len, dst, err);
	case STRUCTFMT_BOOL:
		return pack_bool(g, text, len, dst, err);
	case STRUCTFMT_HALF:
	case STRUCTFMT_FLOAT:
	case STRUCTFMT_DOUBLE:
		return pack_real(f, g, text, len, dst, err);
	case STRUCTFMT_CHAR:
	case STRUCTFMT_BYTES:
	case STRUCTFMT_PASCAL:
		return pack_bytes(g, text, len, dst, scratch, err);
	case STRUCTFMT_PAD:
		break;
	}
	return 0;
}

/* Names the value pack_item just refused (errno is kept). */
static int refused(const struct structfmt_group *g, size_t k, struct structfmt_error *err)
{
	err->field = g->first_value + k + 1;
	err->code = g->code;
	return -1;
}

static int wrong_count(const struct structfmt *f, size_t got, struct structfmt_error *err)
{
	err->offset = 0;
	err->field = 0;
	err->code = 0;
	return fail(err, "the format takes %zu value%s, got %zu", f->nvalues, f->nvalues == 1 ? "" : "s", got);
}

int structfmt_pack(const struct structfmt *f, const char *const *values, const size_t *lens, size_t nvalues,
                   unsigned char *rec, struct buf *scratch, struct structfmt_error *err)
{
	memset(err, 0, sizeof *err);
	if (nvalues != f->nvalues)
		return wrong_count(f, nvalues, err);
	memset(rec, 0, f->size);
	for (size_t i = 0; i < f->ngroups; i++) {
		const struct structfmt_group *g = &f->groups[i];
		for (size_t k = 0; k < g->nvalues; k++) {
			size_t v = g->first_value + k;
			if (pack_item(f, g, k, values[v], lens[v], rec, scratch, err) < 0)
				return refused(g, k, err);
		}
	}
	return 0;
}

/* Fields in line[0..len): one more than its delimiters, none in an empty
 * line for a format that takes no value. */
static size_t count_fields(const struct structfmt *f, const char *line, size_t len, char delimiter)
{
	const char *end = line + len;
	size_t fields = 1;

	if (len == 0 && f->nvalues == 0)
		return 0;
	for (const char *q = line; (q = memchr(q, delimiter, (size_t)(end - q))) != NULL; q++)
		fields++;
	return fields;
}

/*
 * One pass: each value is packed as its field is found.  A wrong count is
 * still reported before any refused value, as Python checks the count
 * first: the fields are counted when they run out early, when some are
 * left over, and before a refusal is reported.
 */
int structfmt_pack_line(const struct structfmt *f, const char *line, size_t len, char delimiter,
                        unsigned char *rec, struct buf *scratch, struct structfmt_error *err)
{
	size_t pos = 0, fields;

	memset(rec, 0, f->size);
	for (size_t i = 0; i < f->ngroups; i++) {
		const struct structfmt_group *g = &f->groups[i];
		for (size_t k = 0; k < g->nvalues; k++) {
			const char *stop;
			size_t field_len;
			if (pos > len)
				return wrong_count(f, count_fields(f, line, len, delimiter), err);
			stop = find_byte(line + pos, len - pos, delimiter);
			field_len = stop ? (size_t)(stop - (line + pos)) : len - pos;
			if (pack_item(f, g, k, line + pos, field_len, rec, scratch, err) < 0) {
				fields = count_fields(f, line, len, delimiter);
				return fields != f->nvalues ? wrong_count(f, fields, err) : refused(g, k, err);
			}
			pos += field_len + 1;
		}
	}
	/* Every value packed: the last field must have ended the line. */
	if (f->nvalues == 0 ? len != 0 : pos != len + 1)
		return wrong_count(f, count_fields(f, line, len, delimiter), err);
	return 0;
}

/* ---- unpack: bytes to text ---- */

/* Makes sure out has room for n more bytes. */
static int reserve(struct buf *out, size_t n)
{
	if (out->cap - out->len > n)
		return 0;
	return buf_reserve(out, n);
}

static size_t format_uint(char *out, uint64_t v)
{
	char tmp[24];
	size_t n = 0;
	do {
		tmp[sizeof tmp - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	memcpy(out, tmp + sizeof tmp - n, n);
	return n;
}

static size_t format_int(char *out, int64_t v)
{
	if (v < 0) {
		out[0] = '-';
		return 1 + format_uint(out + 1, (uint64_t)0 - (uint64_t)v);
	}
	return format_uint(out, (uint64_t)v);
}

static double load_real(const struct structfmt *f, const struct structfmt_group *g, const unsigned char *src)
{
	uint64_t bits = load_uint(src, g->item_size, f->big_endian);

	if (g->kind == STRUCTFMT_DOUBLE) {
		double d;
		memcpy(&d, &bits, 8);
		return d;
	}
	if (g->kind == STRUCTFMT_FLOAT) {
		uint32_t b32 = (uint32_t)bits;
		float y;
		memcpy(&y, &b32, 4);
		return (double)y;
	}
	return half_to_double((uint16_t)bits);
}

/* The bytes of a c, s or p item as Python's unpack returns them. */
static void item_bytes(const struct structfmt_group *g, const unsigned char *src, int keep_nul,
                       const unsigned char **data, size_t *len)
{
	*data = src;
	if (g->kind == STRUCTFMT_CHAR) {
		*len = 1;
	} else if (g->kind == STRUCTFMT_BYTES) {
		size_t n = g->count;
		if (!keep_nul)
			while (n > 0 && src[n - 1] == '\0')
				n--;
		*len = n;
	} else if (g->count == 0) {
		*len = 0; /* '0p' holds nothing (Python 3.11 raises SystemError here) */
	} else {
		size_t n = src[0];
		*len = n < g->count ? n : g->count - 1;
		*data = src + 1;
	}
}

/* Escaped bytes; a printable delimiter inside them becomes \xHH so the line splits right. */
static int append_escaped(struct buf *out, const unsigned char *data, size_t len, char delimiter)
{
	bool plain_delim =
	    delimiter != '\t' && (unsigned char)delimiter >= 0x20 && (unsigned char)delimiter < 0x7f;
	const unsigned char *end = data + len;

	if (!plain_delim)
		return escape_bytes(out, data, len);
	while (data < end) {
		const unsigned char *hit = memchr(data, delimiter, (size_t)(end - data));
		const unsigned char *stop = hit ? hit : end;
		if (escape_bytes(out, data, (size_t)(stop - data)) < 0)
			return -1;
		if (hit && buf_printf(out, "\\x%02x", (unsigned char)delimiter) < 0)
			return -1;
		data = hit ? hit + 1 : end;
	}
	return 0;
}

static int maybe_flush(struct structfmt_sink *sink)
{
	if (sink->flush && sink->out->len >= sink->flush_at)
		return sink->flush(sink->ctx);
	return 0;
}

/* Appends one value as text (room for FLOATFMT_REPR_SIZE reserved by the caller). */
static int text_item(const struct structfmt *f, const struct structfmt_group *g, const unsigned char *src,
                     char delimiter, int keep_nul, struct buf *out)
{
	char *p = out->data + out->len;
	const unsigned char *data;
	size_t len;

	switch (g->kind) {
	case STRUCTFMT_SIGNED:
		out->len +=
		    format_int(p, sign_extend(load_uint(src, g->item_size, f->big_endian), g->item_size));
		break;
	case STRUCTFMT_UNSIGNED:
		out->len += format_uint(p, load_uint(src, g->item_size, f->big_endian));
		break;
	case STRUCTFMT_BOOL: {
		bool truth = false;
		for (size_t i = 0; i < g->item_size; i++)
			truth |= src[i] != 0;
		memcpy(p, truth ? "True" : "False", truth ? 4 : 5);
		out->len += truth ? 4 : 5;
		break;
	}
	case STRUCTFMT_HALF:
	case STRUCTFMT_FLOAT:
	case STRUCTFMT_DOUBLE:
		out->len += floatfmt_repr(load_real(f, g, src), p);
		break;
	case STRUCTFMT_CHAR:
	case STRUCTFMT_BYTES:
	case STRUCTFMT_PASCAL:
		item_bytes(g, src, keep_nul, &data, &len);
		return append_escaped(out, data, len, delimiter);
	case STRUCTFMT_PAD:
		break;
	}
	return 0;
}

int structfmt_unpack_text(const struct structfmt *f, const unsigned char *rec, char delimiter, int keep_nul,
                          struct structfmt_sink *sink)
{
	struct buf *out = sink->out;
	bool first = true;

	for (size_t i = 0; i < f->ngroups; i++) {
		const struct structfmt_group *g = &f->groups[i];
		const unsigned char *src = rec + g->offset;
		for (size_t k = 0; k < g->nvalues; k++, src += g->item_size) {
			if (reserve(out, FLOATFMT_REPR_SIZE + 1) < 0)
				return -1;
			if (!first)
				out->data[out->len++] = delimiter;
			first = false;
			if (text_item(f, g, src, delimiter, keep_nul, out) < 0 || maybe_flush(sink) < 0)
				return -1;
		}
	}
	if (out->data)
		out->data[out->len] = '\0';
	return 0;
}

static void json_item(const struct structfmt *f, const struct structfmt_group *g, const unsigned char *src,
                      int keep_nul, struct json *j)
{
	char text[FLOATFMT_REPR_SIZE];
	const unsigned char *data;
	size_t len;
	double v;

	switch (g->kind) {
	case STRUCTFMT_SIGNED:
		json_int(j, NULL, sign_extend(load_uint(src, g->item_size, f->big_endian), g->item_size));
		break;
	case STRUCTFMT_UNSIGNED:
		json_uint(j, NULL, load_uint(src, g->item_size, f->big_endian));
		break;
	case STRUCTFMT_BOOL: {
		bool truth = false;
		for (size_t i = 0; i < g->item_size; i++)
			truth |= src[i] != 0;
		json_bool(j, NULL, truth);
		break;
	}
	case STRUCTFMT_HALF:
	case STRUCTFMT_FLOAT:
	case STRUCTFMT_DOUBLE:
		v = load_real(f, g, src);
		len = floatfmt_repr(v, text);
		if (isfinite(v))
			json_raw(j, NULL, text, len);
		else
			json_str(j, NULL, text);
		break;
	case STRUCTFMT_CHAR:
	case STRUCTFMT_BYTES:
	case STRUCTFMT_PASCAL:
		item_bytes(g, src, keep_nul, &data, &len);
		json_bytes(j, NULL, data, len);
		break;
	case STRUCTFMT_PAD:
		break;
	}
}

int structfmt_unpack_json(const struct structfmt *f, const unsigned char *rec, int keep_nul, struct json *j,
                          struct structfmt_sink *sink)
{
	json_begin_array(j, NULL);
	for (size_t i = 0; i < f->ngroups; i++) {
		const struct structfmt_group *g = &f->groups[i];
		const unsigned char *src = rec + g->offset;
		for (size_t k = 0; k < g->nvalues; k++, src += g->item_size) {
			json_item(f, g, src, keep_nul, j);
			if (j->failed) {
				errno = ENOMEM;
				return -1;
			}
			if (maybe_flush(sink) < 0)
				return -1;
		}
	}
	json_end(j);
	if (j->failed) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}
