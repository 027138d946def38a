/*
 * clock.h - time for measuring and for deadlines.
 *
 * Promise: clock_now_ns() is CLOCK_MONOTONIC, immune to date changes, the
 * clock for every duration, timeout and rate sockbox reports.
 *
 * Threads: every function is thread-safe and keeps no state
 * (clock_gettime(2) and arithmetic only).
 */
#ifndef SOCKBOX_CLOCK_H
#define SOCKBOX_CLOCK_H

#include <stdint.h>

/* Nanoseconds on the monotonic clock. */
uint64_t clock_now_ns(void);

/* Milliseconds left before deadline_ns (0 when passed), for poll(2) timeouts. */
int clock_ms_until(uint64_t deadline_ns);

/* Seconds (may be fractional) to nanoseconds, saturating. */
uint64_t clock_seconds_to_ns(double seconds);

#endif
