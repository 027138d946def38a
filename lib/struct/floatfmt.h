/*
 * floatfmt.h - doubles as Python writes and reads them.
 *
 * Promise: floatfmt_repr writes exactly what Python 3's repr() writes for
 * the same double: the shortest decimal that reads back to the same bits
 * (Ryu: Adams, "Ryu: fast float-to-string conversion", PLDI 2018), laid
 * out as Python does ("1.5", "0.1", "100.0", "1e+16", "1.5e-05", "-0.0",
 * "inf", "-inf", "nan").  floatfmt_parse reads the text Python's float()
 * reads (less its underscores and surrounding blanks) and rounds it
 * correctly, the way strtod(3) does.  Neither allocates on the fast path;
 * neither prints.
 */
#ifndef SOCKBOX_FLOATFMT_H
#define SOCKBOX_FLOATFMT_H

#include <stddef.h>
#include <stdint.h>

/* Room for the longest repr ("-2.2250738585072014e-308") and its NUL. */
#define FLOATFMT_REPR_SIZE 32

/*
 * Shortest decimal of a finite, positive double: value = digits * 10^exp10,
 * with digits having no trailing zero removed when it matters for
 * round-trip (digits has at most 17 decimal digits).
 */
void floatfmt_shortest(double value, uint64_t *digits, int *exp10);

/* Writes the decimal digits of v to out (20 bytes at most, no NUL); returns their count. */
size_t floatfmt_uint(uint64_t v, char *out);

/* Writes Python's repr of value into out (FLOATFMT_REPR_SIZE bytes); returns its length. */
size_t floatfmt_repr(double value, char *out);

/*
 * Reads text[0..len): an optional sign, then decimal digits with an
 * optional fraction and exponent ("12", "-1.5", ".5", "5.", "1e-3"), or
 * "inf", "infinity", "nan" in any case.  0 and *out set; -1 with errno
 * EINVAL when the text is anything else.  Out-of-range values become
 * +-inf or +-0 as in Python (not an error).
 */
int floatfmt_parse(const char *text, size_t len, double *out);

#endif
