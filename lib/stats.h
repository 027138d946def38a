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

struct stats {
	double *values;
	size_t count;
	size_t cap;
	double sum;
	double min;
	double max;
	int sorted;
};

#define STATS_INIT { NULL, 0, 0, 0, 0, 0, 0 }

/* Adds one sample: 0, or -1 with errno ENOMEM (the sample is lost). */
int stats_add(struct stats *s, double value);

/* The mean, 0 with no samples. */
double stats_avg(const struct stats *s);

/* The nearest-rank percentile p (0-100) of the samples, 0 with none. */
double stats_percentile(struct stats *s, double p);

void stats_free(struct stats *s);

#endif
