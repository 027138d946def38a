/*
 * clock.c - monotonic time.
 */
#include "base/clock.h"

#include <limits.h>
#include <time.h>

uint64_t clock_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int clock_ms_until(uint64_t deadline_ns)
{
	uint64_t now = clock_now_ns();
	uint64_t ms;

	if (now >= deadline_ns)
		return 0;
	ms = (deadline_ns - now + 999999) / 1000000; /* round up: never wake early */
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

uint64_t clock_seconds_to_ns(double seconds)
{
	if (seconds <= 0)
		return 0;
	if (seconds >= 18e9)
		return UINT64_MAX;
	return (uint64_t)(seconds * 1e9);
}
