/*
 * parse.h - command-line values: whole numbers, sizes, seconds.
 *
 * Promise: each parser accepts the whole string or nothing (no trailing
 * junk, no silent wrap-around), returns 0 and stores the value, or returns
 * -1 with errno EINVAL (not a value of that kind) or ERANGE (outside the
 * bounds) and leaves *out untouched.  None of them prints.
 */
#ifndef SOCKBOX_PARSE_H
#define SOCKBOX_PARSE_H

#include <stdint.h>

/* Decimal whole number in [min, max]. */
int parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* Signed decimal whole number in [min, max]. */
int parse_int(const char *s, int64_t min, int64_t max, int64_t *out);

/*
 * A size: a whole number with an optional binary suffix K, M, G, T
 * (also KiB, MiB, ..., and k; powers of 1024) or B: "512", "64K", "1M",
 * "2G".  Must be in [min, max].
 */
int parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/*
 * A duration in seconds, decimal fractions allowed: "1", "0.25", "1.5";
 * a suffix ms, s, m or h may follow ("250ms", "2m").  Must be in [min, max].
 */
int parse_seconds(const char *s, double min, double max, double *out);

/* Formats n bytes for people: "512 B", "1.5 KiB", "3.2 GiB". Returns out. */
char *format_size(uint64_t n, char *out, unsigned size);

#endif
