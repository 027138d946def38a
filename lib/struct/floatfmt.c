/*
 * floatfmt.c - shortest round-trip decimals (Ryu) and Python's float text.
 *
 * Why not printf: the shortest decimal that reads back to the same double
 * is what Python prints, and finding it with snprintf("%.17g") and strtod
 * takes a dozen conversions a value.  Ryu finds it exactly with a few
 * 128-bit multiplications: the double's rounding interval [mm, mp] is
 * scaled by a power of ten, then digits are dropped while both ends still
 * differ.  The powers of five it multiplies by are computed once, exactly,
 * with a small bignum (no generated tables to trust).
 */
#include "struct/floatfmt.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned __int128 u128;

#define MANTISSA_BITS 52
#define EXPONENT_BITS 11
#define EXPONENT_BIAS 1023
#define POW5_INV_BITCOUNT 125
#define POW5_BITCOUNT 125
#define POW5_INV_ENTRIES 342
#define POW5_ENTRIES 326

/* 5^-q and 5^i, scaled to 125 significant bits: [0] low word, [1] high word. */
struct ryu_tables {
	uint64_t pow5_inv[POW5_INV_ENTRIES][2];
	uint64_t pow5[POW5_ENTRIES][2];
};

static struct ryu_tables tables;
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

/* ---- a bignum just big enough for 5^341 (792 bits) ---- */

#define BIG_LIMBS 28

struct big {
	uint32_t limb[BIG_LIMBS]; /* little-endian 32-bit limbs */
	int used;
};

static void big_set_one(struct big *b)
{
	memset(b, 0, sizeof *b);
	b->limb[0] = 1;
	b->used = 1;
}

static void big_mul_small(struct big *b, uint32_t factor)
{
	uint64_t carry = 0;
	for (int i = 0; i < b->used; i++) {
		uint64_t t = (uint64_t)b->limb[i] * factor + carry;
		b->limb[i] = (uint32_t)t;
		carry = t >> 32;
	}
	if (carry)
		b->limb[b->used++] = (uint32_t)carry;
}

static int big_bitlen(const struct big *b)
{
	uint32_t top = b->limb[b->used - 1];
	int bits = 0;
	while (top) {
		bits++;
		top >>= 1;
	}
	return (b->used - 1) * 32 + bits;
}

/* Bit n of b (0 past the end). */
static unsigned big_bit(const struct big *b, int n)
{
	if (n < 0 || n / 32 >= b->used)
		return 0;
	return (b->limb[n / 32] >> (n % 32)) & 1u;
}

/* The 128 bits of b starting at bit `shift` (a negative shift moves b left). */
static u128 big_bits(const struct big *b, int shift)
{
	u128 v = 0;
	for (int i = 127; i >= 0; i--)
		v = (v << 1) | big_bit(b, shift + i);
	return v;
}

static int big_cmp(const struct big *a, const struct big *b)
{
	int n = a->used > b->used ? a->used : b->used;
	for (int i = n - 1; i >= 0; i--) {
		uint32_t x = i < a->used ? a->limb[i] : 0;
		uint32_t y = i < b->used ? b->limb[i] : 0;
		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

static void big_sub(struct big *a, const struct big *b)
{
	int64_t borrow = 0;
	for (int i = 0; i < a->used; i++) {
		int64_t t = (int64_t)a->limb[i] - (i < b->used ? b->limb[i] : 0) - borrow;
		borrow = t < 0;
		a->limb[i] = (uint32_t)(t + (borrow << 32));
	}
	while (a->used > 1 && a->limb[a->used - 1] == 0)
		a->used--;
}

static void big_shl1(struct big *a)
{
	uint32_t carry = 0;
	for (int i = 0; i < a->used; i++) {
		uint32_t next = a->limb[i] >> 31;
		a->limb[i] = (a->limb[i] << 1) | carry;
		carry = next;
	}
	if (carry)
		a->limb[a->used++] = carry;
}

/* floor(2^(bitlen(d) - 1 + steps) / d) by binary long division; the quotient must fit 128 bits. */
static u128 big_quotient(const struct big *d, int steps)
{
	int len = big_bitlen(d);
	struct big r;
	u128 quotient = 0;

	memset(&r, 0, sizeof r);
	r.used = (len - 1) / 32 + 1;
	r.limb[(len - 1) / 32] = 1u << ((len - 1) % 32);
	for (int step = 0; step <= steps; step++) {
		if (step > 0)
			big_shl1(&r);
		quotient <<= 1;
		if (big_cmp(&r, d) >= 0) {
			big_sub(&r, d);
			quotient |= 1;
		}
	}
	return quotient;
}

static void store(uint64_t entry[2], u128 v)
{
	entry[0] = (uint64_t)v;
	entry[1] = (uint64_t)(v >> 64);
}

static void build_tables(void)
{
	struct big p;

	big_set_one(&p);
	for (int q = 0; q < POW5_INV_ENTRIES; q++) {
		int len = big_bitlen(&p);
		if (q < POW5_ENTRIES)
			store(tables.pow5[q], big_bits(&p, len - POW5_BITCOUNT));
		store(tables.pow5_inv[q], big_quotient(&p, POW5_INV_BITCOUNT) + 1);
		big_mul_small(&p, 5);
	}
}

/*
 * For reading: 5^q for -LEMIRE_Q <= q <= LEMIRE_Q as a 128-bit T with its
 * top bit set and a power of two, 5^q = (T + a fraction below 1) * 2^exp2.
 * Exponents past that range are rare in records and go to strtod.
 */
#define LEMIRE_Q 100

struct lemire_tables {
	uint64_t pow5[2 * LEMIRE_Q + 1][2];
	int exp2[2 * LEMIRE_Q + 1];
};

static struct lemire_tables lemire;
static pthread_once_t lemire_once = PTHREAD_ONCE_INIT;

static void build_lemire(void)
{
	struct big p;

	big_set_one(&p);
	for (int q = 0; q <= LEMIRE_Q; q++) {
		int len = big_bitlen(&p);
		/* 5^q truncated to its top 128 bits (shifted up while it is shorter) */
		store(lemire.pow5[LEMIRE_Q + q], big_bits(&p, len - 128));
		lemire.exp2[LEMIRE_Q + q] = len - 128;
		if (q > 0) {
			/* 5^-q = 2^-(len + 127) * (2^(len + 127) / 5^q), the quotient truncated */
			store(lemire.pow5[LEMIRE_Q - q], big_quotient(&p, 128));
			lemire.exp2[LEMIRE_Q - q] = -(len + 127);
		}
		big_mul_small(&p, 5);
	}
}

/* ---- Ryu, double to shortest decimal ---- */

/* ceil(log2(5^e)) for 0 <= e <= 3528 (1 for e = 0). */
static int32_t pow5bits(int32_t e)
{
	return (int32_t)(((uint32_t)e * 1217359u) >> 19) + 1;
}

/* floor(log10(2^e)) for 0 <= e <= 1650. */
static uint32_t log10_pow2(int32_t e)
{
	return ((uint32_t)e * 78913u) >> 18;
}

/* floor(log10(5^e)) for 0 <= e <= 2620. */
static uint32_t log10_pow5(int32_t e)
{
	return ((uint32_t)e * 732923u) >> 20;
}

static uint32_t pow5_factor(uint64_t value)
{
	uint32_t count = 0;
	while (value % 5 == 0) {
		value /= 5;
		count++;
	}
	return count;
}

static bool multiple_of_pow5(uint64_t value, uint32_t p)
{
	return pow5_factor(value) >= p;
}

static bool multiple_of_pow2(uint64_t value, uint32_t p)
{
	return (value & ((1ull << p) - 1)) == 0;
}

/* (m * mul) >> j, mul a 128-bit table entry, j >= 64. */
static uint64_t mul_shift(uint64_t m, const uint64_t mul[2], int32_t j)
{
	u128 low = (u128)m * mul[0];
	u128 high = (u128)m * mul[1];
	return (uint64_t)(((low >> 64) + high) >> (j - 64));
}

void floatfmt_shortest(double value, uint64_t *digits, int *exp10)
{
	uint64_t bits, ieee_mantissa, m2, mv, vr, vp, vm, output;
	uint32_t ieee_exponent, mm_shift;
	int32_t e2, e10, removed = 0;
	bool accept_bounds, vm_trailing_zeros = false, vr_trailing_zeros = false;
	uint8_t last_removed = 0;

	pthread_once(&tables_once, build_tables);
	memcpy(&bits, &value, sizeof bits);
	ieee_mantissa = bits & ((1ull << MANTISSA_BITS) - 1);
	ieee_exponent = (uint32_t)((bits >> MANTISSA_BITS) & ((1u << EXPONENT_BITS) - 1));
	if (ieee_exponent == 0) {
		e2 = 1 - EXPONENT_BIAS - MANTISSA_BITS - 2;
		m2 = ieee_mantissa;
	} else {
		e2 = (int32_t)ieee_exponent - EXPONENT_BIAS - MANTISSA_BITS - 2;
		m2 = (1ull << MANTISSA_BITS) | ieee_mantissa;
	}
	/* Round-half-even when reading back: an even mantissa owns its bounds. */
	accept_bounds = (m2 & 1) == 0;
	mv = 4 * m2;
	/* The gap below is half as wide at a power of two (except the smallest). */
	mm_shift = ieee_mantissa != 0 || ieee_exponent <= 1;

	if (e2 >= 0) {
		uint32_t q = log10_pow2(e2) - (e2 > 3);
		int32_t k = POW5_INV_BITCOUNT + pow5bits((int32_t)q) - 1;
		int32_t i = -e2 + (int32_t)q + k;
		e10 = (int32_t)q;
		vr = mul_shift(4 * m2, tables.pow5_inv[q], i);
		vp = mul_shift(4 * m2 + 2, tables.pow5_inv[q], i);
		vm = mul_shift(4 * m2 - 1 - mm_shift, tables.pow5_inv[q], i);
		if (q <= 21) {
			/* Only one of mp, mv, mm can be a multiple of 5, if any. */
			if (mv % 5 == 0)
				vr_trailing_zeros = multiple_of_pow5(mv, q);
			else if (accept_bounds)
				vm_trailing_zeros = multiple_of_pow5(mv - 1 - mm_shift, q);
			else
				vp -= multiple_of_pow5(mv + 2, q);
		}
	} else {
		uint32_t q = log10_pow5(-e2) - (-e2 > 1);
		int32_t i = -e2 - (int32_t)q;
		int32_t k = pow5bits(i) - POW5_BITCOUNT;
		int32_t j = (int32_t)q - k;
		e10 = (int32_t)q + e2;
		vr = mul_shift(4 * m2, tables.pow5[i], j);
		vp = mul_shift(4 * m2 + 2, tables.pow5[i], j);
		vm = mul_shift(4 * m2 - 1 - mm_shift, tables.pow5[i], j);
		if (q <= 1) {
			/* mv = 4 * m2 has at least two trailing zero bits. */
			vr_trailing_zeros = true;
			if (accept_bounds)
				vm_trailing_zeros = mm_shift == 1;
			else
				vp--;
		} else if (q < 63) {
			vr_trailing_zeros = multiple_of_pow2(mv, q);
		}
	}

	if (vm_trailing_zeros || vr_trailing_zeros) {
		/* The rare general case: exact ties and bounds that are exact. */
		while (vp / 10 > vm / 10) {
			vm_trailing_zeros &= vm % 10 == 0;
			vr_trailing_zeros &= last_removed == 0;
			last_removed = (uint8_t)(vr % 10);
			vr /= 10;
			vp /= 10;
			vm /= 10;
			removed++;
		}
		if (vm_trailing_zeros) {
			while (vm % 10 == 0) {
				vr_trailing_zeros &= last_removed == 0;
				last_removed = (uint8_t)(vr % 10);
				vr /= 10;
				vp /= 10;
				vm /= 10;
				removed++;
			}
		}
		if (vr_trailing_zeros && last_removed == 5 && vr % 2 == 0)
			last_removed = 4; /* exactly .5: round half to even */
		output = vr + ((vr == vm && (!accept_bounds || !vm_trailing_zeros)) || last_removed >= 5);
	} else {
		bool round_up = false;
		if (vp / 100 > vm / 100) {
			round_up = vr % 100 >= 50;
			vr /= 100;
			vp /= 100;
			vm /= 100;
			removed += 2;
		}
		while (vp / 10 > vm / 10) {
			round_up = vr % 10 >= 5;
			vr /= 10;
			vp /= 10;
			vm /= 10;
			removed++;
		}
		output = vr + (vr == vm || round_up);
	}
	*digits = output;
	*exp10 = e10 + removed;
}

/* ---- Python's layout of the digits ---- */

/* "00" "01" ... "99": two digits per division. */
static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

static unsigned decimal_length(uint64_t v)
{
	unsigned n = 1;
	while (v >= 10000) {
		v /= 10000;
		n += 4;
	}
	return n + (v >= 10) + (v >= 100) + (v >= 1000);
}

size_t floatfmt_uint(uint64_t v, char *out)
{
	unsigned len = decimal_length(v);
	char *p = out + len;

	while (v >= 100) {
		unsigned pair = (unsigned)(v % 100) * 2;
		v /= 100;
		*--p = digit_pairs[pair + 1];
		*--p = digit_pairs[pair];
	}
	if (v >= 10) {
		*--p = digit_pairs[v * 2 + 1];
		*--p = digit_pairs[v * 2];
	} else {
		*--p = (char)('0' + v);
	}
	return len;
}

/*
 * Python's float_repr_style 'short': with decpt the position of the
 * decimal point after the first digit's place (0.d1d2... x 10^decpt),
 * exponent form when decpt <= -4 or decpt > 16, else positional with at
 * least one digit after the point.
 */
size_t floatfmt_repr(double value, char *out)
{
	char digits[24];
	size_t ndigits, len = 0;
	uint64_t d;
	int exp10, decpt;

	if (isnan(value)) {
		memcpy(out, "nan", 4);
		return 3;
	}
	if (signbit(value))
		out[len++] = '-';
	if (isinf(value)) {
		memcpy(out + len, "inf", 4);
		return len + 3;
	}
	if (value == 0) {
		memcpy(out + len, "0.0", 4);
		return len + 3;
	}
	floatfmt_shortest(fabs(value), &d, &exp10);
	ndigits = floatfmt_uint(d, digits);
	decpt = exp10 + (int)ndigits;
	if (decpt <= -4 || decpt > 16) {
		int e = decpt - 1;
		out[len++] = digits[0];
		if (ndigits > 1) {
			out[len++] = '.';
			memcpy(out + len, digits + 1, ndigits - 1);
			len += ndigits - 1;
		}
		out[len++] = 'e';
		out[len++] = e < 0 ? '-' : '+';
		if (e < 0)
			e = -e;
		if (e < 10)
			out[len++] = '0';
		len += floatfmt_uint((uint64_t)e, out + len);
	} else if (decpt <= 0) {
		out[len++] = '0';
		out[len++] = '.';
		for (int i = 0; i < -decpt; i++)
			out[len++] = '0';
		memcpy(out + len, digits, ndigits);
		len += ndigits;
	} else if ((size_t)decpt >= ndigits) {
		memcpy(out + len, digits, ndigits);
		len += ndigits;
		for (size_t i = ndigits; i < (size_t)decpt; i++)
			out[len++] = '0';
		out[len++] = '.';
		out[len++] = '0';
	} else {
		memcpy(out + len, digits, (size_t)decpt);
		len += (size_t)decpt;
		out[len++] = '.';
		memcpy(out + len, digits + decpt, ndigits - (size_t)decpt);
		len += ndigits - (size_t)decpt;
	}
	out[len] = '\0';
	return len;
}

/* ---- reading Python's float text ---- */

static int ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static bool equals_word(const char *s, size_t len, const char *word)
{
	if (strlen(word) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (ascii_lower((unsigned char)s[i]) != word[i])
			return false;
	return true;
}

/* Exactly representable powers of ten: products with them round once. */
static const double exact_pow10[] = {
	1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/*
 * w * 10^q correctly rounded, after Eisel and Lemire ("Number parsing at a
 * gigabyte per second", 2021), made conservative: the 192-bit product of
 * w and the truncated 5^q is below the true one by less than 2^64, so
 * unless the bits under the mantissa sit right at a rounding boundary
 * (exact values and ties: the caller falls back to strtod), they decide
 * the rounding exactly.  Normal results only.  false: fall back.
 */
static bool parse_lemire(uint64_t w, long q, double *out)
{
	const u128 one = 1;
	const uint64_t *t;
	u128 low, high, mid, rest, half;
	uint64_t mantissa, bits;
	int lz, shift, biased;

	if (q < -LEMIRE_Q || q > LEMIRE_Q)
		return false;
	pthread_once(&lemire_once, build_lemire);
	t = lemire.pow5[LEMIRE_Q + q];
	lz = __builtin_clzll(w);
	w <<= lz;
	low = (u128)w * t[0];
	high = (u128)w * t[1];
	mid = high + (low >> 64); /* the product's bits 64..191; its top bit is 127 or 126 */
	shift = (int)(mid >> 127) ? 127 - 52 : 126 - 52;
	mantissa = (uint64_t)(mid >> shift);
	rest = mid & ((one << shift) - 1);
	half = one << (shift - 1);
	if (rest == half - 1 || rest == half || rest == (one << shift) - 1)
		return false;
	if (rest > half && ++mantissa == (1ull << 53)) {
		mantissa >>= 1;
		shift++;
	}
	biased = shift + 64 + lemire.exp2[LEMIRE_Q + q] + (int)q - lz + MANTISSA_BITS + EXPONENT_BIAS;
	if (biased <= 0 || biased >= 2047)
		return false;
	bits = ((uint64_t)biased << MANTISSA_BITS) | (mantissa & ((1ull << MANTISSA_BITS) - 1));
	memcpy(out, &bits, sizeof bits);
	return true;
}

/* strtod on a NUL-terminated copy (the text was already checked). */
static int parse_slow(const char *text, size_t len, double *out)
{
	char small[128];
	char *copy = len < sizeof small ? small : malloc(len + 1);

	if (!copy)
		return -1;
	memcpy(copy, text, len);
	copy[len] = '\0';
	*out = strtod(copy, NULL);
	if (copy != small)
		free(copy);
	return 0;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * The value of the 8 ASCII digits at p, or -1 when one of them is not a
 * digit: the bytes are read as one word and combined pairwise (1 -> 2 ->
 * 4 -> 8 digits) with three multiplications instead of eight rounds.
 */
static inline int64_t eight_digits(const char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v); /* the first digit in the low byte */
#endif
	/* every byte 0x30..0x39: high nibble 3, and adding 6 does not carry past it */
	if ((v & 0xf0f0f0f0f0f0f0f0ull) != 0x3030303030303030ull ||
	    ((v + 0x0606060606060606ull) & 0xf0f0f0f0f0f0f0f0ull) != 0x3030303030303030ull)
		return -1;
	v -= 0x3030303030303030ull;
	v = v * 10 + (v >> 8); /* pairs of digits in bytes 0, 2, 4, 6 */
	v = ((v & 0x000000ff000000ffull) * (100 + (1000000ull << 32)) +
	     ((v >> 16) & 0x000000ff000000ffull) * (1 + (10000ull << 32))) >>
	    32;
	return (int64_t)(uint32_t)v;
}

/* Reads digits from text[*at..len) into *w (at most 19 in all, counted in *count). */
static inline void read_digits(const char *text, size_t len, size_t *at, uint64_t *w, size_t *count)
{
	size_t i = *at, n = *count;
	uint64_t v = *w;
	int64_t eight;

	while (len - i >= 8 && n + 8 <= 19 && (eight = eight_digits(text + i)) >= 0) {
		v = v * 100000000 + (uint64_t)eight;
		i += 8;
		n += 8;
	}
	for (; i < len && is_digit(text[i]); i++, n++)
		if (n < 19)
			v = v * 10 + (uint64_t)(text[i] - '0');
	*at = i;
	*count = n;
	*w = v;
}

int floatfmt_parse(const char *text, size_t len, double *out)
{
	size_t i = 0, ndigits = 0, frac_digits = 0;
	uint64_t w = 0;
	long exp10 = 0, exp_value = 0;
	bool negative = false, exp_negative = false;

	if (i < len && (text[i] == '+' || text[i] == '-'))
		negative = text[i++] == '-';
	if (i < len && !is_digit(text[i]) && text[i] != '.') {
		if (equals_word(text + i, len - i, "inf") || equals_word(text + i, len - i, "infinity")) {
			*out = negative ? -HUGE_VAL : HUGE_VAL;
			return 0;
		}
		if (equals_word(text + i, len - i, "nan")) {
			*out = negative ? -NAN : NAN;
			return 0;
		}
		goto invalid;
	}
	/* Count the digits, keeping the first 19 in w (they fit 64 bits). */
	read_digits(text, len, &i, &w, &ndigits);
	if (i < len && text[i] == '.') {
		size_t before = ++i;
		read_digits(text, len, &i, &w, &ndigits);
		frac_digits = i - before;
	}
	if (ndigits == 0)
		goto invalid;
	if (i < len && (text[i] == 'e' || text[i] == 'E')) {
		size_t start;
		i++;
		if (i < len && (text[i] == '+' || text[i] == '-'))
			exp_negative = text[i++] == '-';
		start = i;
		while (i < len && is_digit(text[i])) {
			if (exp_value < 100000) /* past this the value is 0 or inf anyway */
				exp_value = exp_value * 10 + (text[i] - '0');
			i++;
		}
		if (i == start)
			goto invalid;
	}
	if (i != len)
		goto invalid;
	/* Past 19 digits w would not fit 64 bits: rare enough for strtod. */
	if (ndigits > 19)
		return parse_slow(text, len, out);
	exp10 = (exp_negative ? -exp_value : exp_value) - (long)frac_digits;
	if (w == 0) {
		*out = negative ? -0.0 : 0.0;
		return 0;
	}
	/* Clinger's fast path: both operands exact, so one correctly rounded operation. */
	if (w <= (1ull << 53) && exp10 >= -22 && exp10 <= 22) {
		double v = (double)w;
		v = exp10 < 0 ? v / exact_pow10[-exp10] : v * exact_pow10[exp10];
		*out = negative ? -v : v;
		return 0;
	}
	if (parse_lemire(w, exp10, out)) {
		if (negative)
			*out = -*out;
		return 0;
	}
	return parse_slow(text, len, out);
invalid:
	errno = EINVAL;
	return -1;
}
