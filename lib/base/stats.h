/*
 * stats.h - a set of measurements and its summary: count, min, average,
 * percentiles, max (ping-style statistics).
 *
 * Promise: every sample added is kept (8 bytes each), so percentiles are
 * exact, not estimated: p50 is the median, p90 the value 90 % of the
 * samples do not exceed (nearest rank).  Nothing prints or exits.
 */
#ifndef SOCKBOX_STATS_H
#define SOCKBOX_STATS_H

#include <stddef.h>

#include "base/buf.h"

struct stats {
	double *values;
	size_t count;
	size_t cap;
	double sum;
	double min;
	double max;
	int sorted;
};

#define STATS_INIT                                                                                           \
	{                                                                                                    \
		NULL, 0, 0, 0, 0, 0, 0                                                                       \
	}

/* Adds one sample: 0, or -1 with errno ENOMEM (the sample is lost). */
int stats_add(struct stats *s, double value);

/* The mean, 0 with no samples. */
double stats_avg(const struct stats *s);

/* The nearest-rank percentile p (0-100) of the samples, 0 with none. */
double stats_percentile(struct stats *s, double p);

/* Appends a summary row, "NAME  N  MIN  AVG  P50  P90  MAX" in aligned
 * columns with three decimals (dashes without samples): 0 or -1. */
int stats_format_row(struct buf *out, const char *name, struct stats *s);

/* The header line above such rows: what the rows are ("phase"), the
 * column names, and the unit ("ms") at the end: 0 or -1. */
int stats_format_header(struct buf *out, const char *what, const char *unit);

void stats_free(struct stats *s);

#endif
