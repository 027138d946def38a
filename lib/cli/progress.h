/*
 * progress.h - a one-line progress bar on stderr for long work.
 *
 * Promise: draws only when enabled (the caller decides; progress_wanted
 * gives the default rule: stderr is a terminal and the work is large),
 * redraws at most ten times a second, never touches stdout, and erases
 * its line when finished so later messages start clean.
 *
 *	[#########.........]  48%  512.0 MiB / 1.0 GiB  1.9 GiB/s  ETA 0:00:01
 */
#ifndef SOCKBOX_PROGRESS_H
#define SOCKBOX_PROGRESS_H

#include <stdint.h>

struct progress {
	int enabled;
	uint64_t total; /* 0 when unknown: no percent, no ETA */
	uint64_t start_ns;
	uint64_t last_draw_ns;
};

/* The default rule: choice 1 forces it on, 0 off, -1 means stderr is a
 * terminal and total is at least threshold bytes. */
int progress_wanted(int choice, uint64_t total, uint64_t threshold);

void progress_start(struct progress *p, uint64_t total, int enabled);

/* Reports done bytes so far; draws when the last draw is 100 ms old. */
void progress_update(struct progress *p, uint64_t done);

/* Erases the bar. */
void progress_finish(struct progress *p);

#endif
