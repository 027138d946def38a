/*
 * hist.h - a latency histogram with fixed memory and ~1 % precision.
 *
 * Promise: hist_add costs a few instructions and never allocates, so a
 * load generator can record every sample of a run of any length; min and
 * max are exact, percentiles are within 1/128 (0.8 %) of the true value.
 * Values are whole numbers (nanoseconds, by convention) below 2^40.
 *
 * Layout: values below 128 have a bucket each; above, every power of two
 * is split into 128 equal buckets (log-linear, the HdrHistogram idea).
 */
#ifndef SOCKBOX_HIST_H
#define SOCKBOX_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS 7
#define HIST_MAX_BITS 40
#define HIST_BUCKETS ((HIST_MAX_BITS - HIST_SUB_BITS + 1) << HIST_SUB_BITS)

struct hist {
	uint64_t count;
	uint64_t min;
	uint64_t max;
	uint64_t buckets[HIST_BUCKETS];
};

/* Empties h. */
void hist_init(struct hist *h);

/* Records one value (larger values than 2^40 - 1 count as 2^40 - 1). */
void hist_add(struct hist *h, uint64_t value);

/* Adds every sample of from to into. */
void hist_merge(struct hist *into, const struct hist *from);

/* The value below which fraction (0..1) of the samples lie; 0 when empty. */
uint64_t hist_percentile(const struct hist *h, double fraction);

/* The smallest value bucket b (0 .. HIST_BUCKETS - 1) counts, and in
 * *width how many values it spans: for drawing the histogram (lib/draw). */
uint64_t hist_bucket_low(unsigned b, uint64_t *width);

#endif
