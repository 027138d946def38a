/*
 * parse.c - strict parsers for command-line values.
 */
#include "cli/parse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses the leading digits of s into *value; *end points past them. */
static int parse_digits(const char *s, uint64_t *value, const char **end)
{
	uint64_t v = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p)) {
		errno = EINVAL;
		return -1;
	}
	for (; isdigit((unsigned char)*p); p++) {
		unsigned digit = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - digit) / 10) {
			errno = ERANGE;
			return -1;
		}
		v = v * 10 + digit;
	}
	*value = v;
	*end = p;
	return 0;
}

int parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v;
	const char *end;

	if (parse_digits(s, &v, &end) < 0)
		return -1;
	if (*end != '\0') {
		errno = EINVAL;
		return -1;
	}
	if (v < min || v > max) {
		errno = ERANGE;
		return -1;
	}
	*out = v;
	return 0;
}

int parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
	int negative = (*s == '-');
	uint64_t magnitude;
	const char *end;
	int64_t v;

	if (parse_digits(s + (negative || *s == '+'), &magnitude, &end) < 0)
		return -1;
	if (*end != '\0') {
		errno = EINVAL;
		return -1;
	}
	if (magnitude > (uint64_t)INT64_MAX + (uint64_t)negative) {
		errno = ERANGE;
		return -1;
	}
	if (negative)
		v = magnitude == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)magnitude;
	else
		v = (int64_t)magnitude;
	if (v < min || v > max) {
		errno = ERANGE;
		return -1;
	}
	*out = v;
	return 0;
}

/* Multiplier of a size suffix, 0 when the suffix is unknown. */
static uint64_t size_multiplier(const char *suffix)
{
	static const struct {
		const char *names[4];
		uint64_t factor;
	} table[] = {
		{ { "", "B", NULL, NULL }, 1 },
		{ { "K", "k", "KiB", "KB" }, 1ULL << 10 },
		{ { "M", "MiB", "MB", NULL }, 1ULL << 20 },
		{ { "G", "GiB", "GB", NULL }, 1ULL << 30 },
		{ { "T", "TiB", "TB", NULL }, 1ULL << 40 },
	};
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		for (size_t j = 0; j < 4 && table[i].names[j]; j++)
			if (strcmp(suffix, table[i].names[j]) == 0)
				return table[i].factor;
	return 0;
}

int parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v, factor;
	const char *end;

	if (parse_digits(s, &v, &end) < 0)
		return -1;
	factor = size_multiplier(end);
	if (factor == 0) {
		errno = EINVAL;
		return -1;
	}
	if (v > UINT64_MAX / factor) {
		errno = ERANGE;
		return -1;
	}
	v *= factor;
	if (v < min || v > max) {
		errno = ERANGE;
		return -1;
	}
	*out = v;
	return 0;
}

int parse_seconds(const char *s, double min, double max, double *out)
{
	char *end;
	double v, factor = 1;

	/* strtod would take hex, "inf" and leading blanks: allow digits and '.' only. */
	if (!isdigit((unsigned char)*s) && !(*s == '.' && isdigit((unsigned char)s[1]))) {
		errno = EINVAL;
		return -1;
	}
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || !isfinite(v)) {
		errno = errno ? errno : EINVAL;
		return -1;
	}
	for (const char *p = s; p < end; p++) {
		if (!isdigit((unsigned char)*p) && *p != '.') {
			errno = EINVAL;
			return -1;
		}
	}
	if (strcmp(end, "ms") == 0)
		factor = 0.001;
	else if (strcmp(end, "m") == 0)
		factor = 60;
	else if (strcmp(end, "h") == 0)
		factor = 3600;
	else if (*end != '\0' && strcmp(end, "s") != 0) {
		errno = EINVAL;
		return -1;
	}
	v *= factor;
	if (v < min || v > max) {
		errno = ERANGE;
		return -1;
	}
	*out = v;
	return 0;
}

char *format_size(uint64_t n, char *out, unsigned size)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)n;
	int unit = -1;

	while (v >= 1024 && unit < 4) {
		v /= 1024;
		unit++;
	}
	if (unit < 0)
		snprintf(out, size, "%llu B", (unsigned long long)n);
	else
		snprintf(out, size, "%.1f %s", v, units[unit]);
	return out;
}
