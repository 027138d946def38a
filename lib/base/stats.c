/*
 * stats.c - samples, their extremes, mean and exact percentiles.
 */
#include "base/stats.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

int stats_add(struct stats *s, double value)
{
	if (s->count == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		double *values = realloc(s->values, cap * sizeof *values);
		if (!values) {
			errno = ENOMEM;
			return -1;
		}
		s->values = values;
		s->cap = cap;
	}
	if (s->count == 0 || value < s->min)
		s->min = value;
	if (s->count == 0 || value > s->max)
		s->max = value;
	s->values[s->count++] = value;
	s->sum += value;
	s->sorted = 0;
	return 0;
}

double stats_avg(const struct stats *s)
{
	return s->count ? s->sum / (double)s->count : 0;
}

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double stats_percentile(struct stats *s, double p)
{
	size_t rank;

	if (s->count == 0)
		return 0;
	if (!s->sorted) {
		qsort(s->values, s->count, sizeof *s->values, compare_doubles);
		s->sorted = 1;
	}
	/* nearest rank: the smallest value with at least p % of samples at or below it */
	rank = (size_t)ceil(p / 100.0 * (double)s->count);
	if (rank < 1)
		rank = 1;
	if (rank > s->count)
		rank = s->count;
	return s->values[rank - 1];
}

int stats_format_header(struct buf *out, const char *what, const char *unit)
{
	return buf_printf(out, "%-9s %6s %9s %9s %9s %9s %9s (%s)", what, "n", "min", "avg", "p50", "p90",
	                  "max", unit);
}

int stats_format_row(struct buf *out, const char *name, struct stats *s)
{
	if (s->count == 0)
		return buf_printf(out, "%-9s %6d %9s %9s %9s %9s %9s", name, 0, "-", "-", "-", "-", "-");
	return buf_printf(out, "%-9s %6zu %9.3f %9.3f %9.3f %9.3f %9.3f", name, s->count, s->min,
	                  stats_avg(s), stats_percentile(s, 50), stats_percentile(s, 90), s->max);
}

void stats_free(struct stats *s)
{
	free(s->values);
	s->values = NULL;
	s->count = s->cap = 0;
	s->sum = s->min = s->max = 0;
}
