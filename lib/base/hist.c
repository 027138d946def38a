/*
 * hist.c - log-linear latency histogram.
 */
#include "base/hist.h"

#include <string.h>

#define SUB_COUNT (1u << HIST_SUB_BITS)
#define VALUE_MAX ((UINT64_C(1) << HIST_MAX_BITS) - 1)

void hist_init(struct hist *h)
{
	memset(h, 0, sizeof *h);
}

/* Bucket of v: below SUB_COUNT the value itself; above, the octave (the
 * position of the top bit) times SUB_COUNT plus the next HIST_SUB_BITS bits. */
static unsigned bucket_of(uint64_t v)
{
	unsigned top, shift;

	if (v < SUB_COUNT)
		return (unsigned)v;
	top = 63u - (unsigned)__builtin_clzll(v);
	shift = top - HIST_SUB_BITS;
	return (shift + 1) * SUB_COUNT + (unsigned)((v >> shift) & (SUB_COUNT - 1));
}

/* Smallest value that falls in bucket b, and the width of that bucket. */
static uint64_t bucket_low(unsigned b, uint64_t *width)
{
	unsigned octave = b / SUB_COUNT, sub = b % SUB_COUNT;

	if (octave == 0) {
		*width = 1;
		return b;
	}
	*width = UINT64_C(1) << (octave - 1);
	return ((uint64_t)SUB_COUNT + sub) << (octave - 1);
}

void hist_add(struct hist *h, uint64_t value)
{
	if (value > VALUE_MAX)
		value = VALUE_MAX;
	if (h->count == 0 || value < h->min)
		h->min = value;
	if (value > h->max)
		h->max = value;
	h->count++;
	h->buckets[bucket_of(value)]++;
}

void hist_merge(struct hist *into, const struct hist *from)
{
	if (from->count == 0)
		return;
	if (into->count == 0 || from->min < into->min)
		into->min = from->min;
	if (from->max > into->max)
		into->max = from->max;
	into->count += from->count;
	for (unsigned b = 0; b < HIST_BUCKETS; b++)
		into->buckets[b] += from->buckets[b];
}

uint64_t hist_percentile(const struct hist *h, double fraction)
{
	uint64_t rank, seen = 0;

	if (h->count == 0)
		return 0;
	if (fraction <= 0)
		return h->min;
	if (fraction >= 1)
		return h->max;
	/* the rank-th smallest sample, counting from 1 */
	rank = (uint64_t)(fraction * (double)h->count + 0.5);
	if (rank < 1)
		rank = 1;
	for (unsigned b = 0; b < HIST_BUCKETS; b++) {
		seen += h->buckets[b];
		if (seen >= rank) {
			uint64_t width, v = bucket_low(b, &width) + width / 2;
			return v < h->min ? h->min : v > h->max ? h->max : v;
		}
	}
	return h->max;
}

uint64_t hist_bucket_low(unsigned b, uint64_t *width)
{
	return bucket_low(b, width);
}
