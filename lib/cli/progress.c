/*
 * progress.c - terminal progress bar.
 */
#include "cli/progress.h"

#include "base/clock.h"
#include "base/io.h"
#include "cli/parse.h"

#include <stdio.h>
#include <unistd.h>

#define BAR_WIDTH 20
#define REDRAW_NS 100000000ULL

int progress_wanted(int choice, uint64_t total, uint64_t threshold)
{
	if (choice >= 0)
		return choice;
	return isatty(STDERR_FILENO) && total >= threshold;
}

void progress_start(struct progress *p, uint64_t total, int enabled)
{
	p->enabled = enabled;
	p->total = total;
	p->start_ns = clock_now_ns();
	p->last_draw_ns = 0;
}

static void draw(struct progress *p, uint64_t done, uint64_t now)
{
	char line[160], donetext[32], totaltext[32], ratetext[32];
	double seconds = (double)(now - p->start_ns) / 1e9;
	double rate = seconds > 0 ? (double)done / seconds : 0;
	int len;

	format_size(done, donetext, sizeof donetext);
	format_size((uint64_t)rate, ratetext, sizeof ratetext);
	if (p->total > 0) {
		unsigned percent = (unsigned)(done >= p->total ? 100 : done * 100 / p->total);
		unsigned filled = percent * BAR_WIDTH / 100;
		char bar[BAR_WIDTH + 1];
		unsigned long eta =
		    rate > 0 && done < p->total ? (unsigned long)((double)(p->total - done) / rate) : 0;

		for (unsigned i = 0; i < BAR_WIDTH; i++)
			bar[i] = i < filled ? '#' : '.';
		bar[BAR_WIDTH] = '\0';
		format_size(p->total, totaltext, sizeof totaltext);
		len = snprintf(line, sizeof line, "\r[%s] %3u%%  %s / %s  %s/s  ETA %lu:%02lu:%02lu\033[K", bar,
		               percent, donetext, totaltext, ratetext, eta / 3600, eta / 60 % 60, eta % 60);
	} else {
		len = snprintf(line, sizeof line, "\r%s  %s/s\033[K", donetext, ratetext);
	}
	if (len > 0)
		(void)io_write_full(STDERR_FILENO, line,
		                    (size_t)len < sizeof line ? (size_t)len : sizeof line - 1);
}

void progress_update(struct progress *p, uint64_t done)
{
	uint64_t now;

	if (!p->enabled)
		return;
	now = clock_now_ns();
	if (now - p->last_draw_ns < REDRAW_NS)
		return;
	p->last_draw_ns = now;
	draw(p, done, now);
}

void progress_finish(struct progress *p)
{
	if (!p->enabled)
		return;
	(void)io_write_full(STDERR_FILENO, "\r\033[K", 4);
	p->enabled = 0;
}
