/*
 * waterfall.c - HTTP phases as a bar on a terminal and an SVG waterfall.
 */
#include "draw/waterfall.h"

#include "draw/histbar.h"
#include "draw/svg.h"
#include "draw/term.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const phase_names[WATERFALL_PHASES] = { "dns", "connect", "tls", "server", "transfer" };
static const char phase_letters[WATERFALL_PHASES] = { 'd', 'c', 't', 's', 'x' };
/* background colours: blue, cyan, magenta, yellow, green (black text) */
static const char *const phase_ansi[WATERFALL_PHASES] = { "\033[30;44m", "\033[30;46m", "\033[30;45m",
	                                                  "\033[30;43m", "\033[30;42m" };

void waterfall_init(struct waterfall *w, unsigned flags)
{
	memset(w, 0, sizeof *w);
	w->flags = flags;
}

void waterfall_free(struct waterfall *w)
{
	free(w->rows);
	w->rows = NULL;
	w->count = w->cap = 0;
}

int waterfall_add(struct waterfall *w, const struct waterfall_row *row)
{
	if (w->count == WATERFALL_MAX_ROWS) {
		w->left_out++;
		return 0;
	}
	if (w->count == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 16;
		struct waterfall_row *grown = realloc(w->rows, cap * sizeof *grown);
		if (!grown)
			return -1;
		w->rows = grown;
		w->cap = cap;
	}
	w->rows[w->count++] = *row;
	return 0;
}

static double total_of(const double ms[WATERFALL_PHASES])
{
	double total = 0;
	for (int i = 0; i < WATERFALL_PHASES; i++)
		total += ms[i] > 0 ? ms[i] : 0;
	return total;
}

void waterfall_bar(struct waterfall *w, struct buf *out, const double ms[WATERFALL_PHASES])
{
	double total = total_of(ms), at = 0;
	int clipped;
	unsigned cell = 0;

	if (w->scale_ms <= 0) {
		w->scale_ms = total > 0 ? total : 1;
		buf_printf(out,
		           "waterfall: d dns, c connect, t tls, s server, x transfer; %u cells = %.3f ms\n",
		           WATERFALL_CELLS, w->scale_ms);
	}
	clipped = total > w->scale_ms * (WATERFALL_CELLS + 0.5) / WATERFALL_CELLS;
	buf_append_byte(out, '|');
	/* each phase ends at the cell its cumulative time rounds to, so the
	 * cells add up to the total however the phases split it */
	for (int i = 0; i < WATERFALL_PHASES; i++) {
		unsigned end;
		at += ms[i] > 0 ? ms[i] : 0;
		end = (unsigned)lround(at / w->scale_ms * WATERFALL_CELLS);
		if (end > WATERFALL_CELLS)
			end = WATERFALL_CELLS;
		if (end <= cell)
			continue;
		if (w->flags & TERM_COLOR)
			buf_append_str(out, phase_ansi[i]);
		for (; cell < end; cell++) /* past the scale: the last cell says so */
			buf_append_byte(out, clipped && cell == WATERFALL_CELLS - 1 ? '>' : phase_letters[i]);
		if (w->flags & TERM_COLOR)
			buf_append_str(out, "\033[0m");
	}
	for (; cell < WATERFALL_CELLS; cell++)
		buf_append_byte(out, ' ');
	buf_printf(out, "| %.3f ms", total);
}

/* ---- SVG ---------------------------------------------------------------- */

#define SVG_W 900
#define LABEL_W 250.0
#define PLOT_X 260.0
#define PLOT_W 560.0 /* room on the right for the longest bar's total */
#define TOP 80.0
#define ROW_H 26.0
#define BAR_H 16.0

static const char *const phase_class[WATERFALL_PHASES] = { "p0 seg", "p1 seg", "p2 seg", "p3 seg", "p4 seg" };
static const char waterfall_css[] = ".p0{fill:#6a9fd8}.p1{fill:#7cc8c8}.p2{fill:#c58fd0}.p3{fill:#e8c45a}"
                                    ".p4{fill:#8cc66d}.seg{stroke:#000;stroke-width:0.6}";

/* Ticks at 1, 2 and 5 times a power of ten, about six of them. */
static double tick_step(double span)
{
	double p = pow(10, floor(log10(span / 6)));
	return span / 6 <= p ? p : span / 6 <= 2 * p ? 2 * p : span / 6 <= 5 * p ? 5 * p : 10 * p;
}

void waterfall_svg(const struct waterfall *w, struct buf *out, const char *title)
{
	double longest = 0, step, y;
	int height = (int)(TOP + ROW_H * (double)(w->count + 1) + 60);
	char t[160];

	for (size_t r = 0; r < w->count; r++)
		if (total_of(w->rows[r].ms) > longest)
			longest = total_of(w->rows[r].ms);
	if (longest <= 0)
		longest = 1;
	svg_begin(out, SVG_W, height, title, waterfall_css);
	svg_text(out, 8, 22, "start", "title", title);
	/* the legend: one swatch per phase, its name beside it */
	for (int i = 0; i < WATERFALL_PHASES; i++) {
		svg_rect(out, 8 + 130.0 * i, 36, 14, 12, phase_class[i]);
		snprintf(t, sizeof t, "%c %s", phase_letters[i], phase_names[i]);
		svg_text(out, 28 + 130.0 * i, 46, "start", "small", t);
	}
	step = tick_step(longest);
	for (double v = 0; v <= longest * 1.0001; v += step) {
		double x = PLOT_X + PLOT_W * v / longest;
		svg_line(out, x, TOP - 6, x, TOP + ROW_H * (double)w->count, "grid", NULL);
		if (v > 0)
			histbar_duration(t, sizeof t, v * 1e6);
		else
			snprintf(t, sizeof t, "0");
		svg_text(out, x, TOP - 10, "middle", "small", t);
	}
	for (size_t r = 0; r < w->count; r++) {
		const struct waterfall_row *row = &w->rows[r];
		double x = PLOT_X;
		y = TOP + ROW_H * (double)r + 4;
		buf_append_str(out, "<g class=\"request\">\n");
		svg_text(out, 8, y + 12, "start", NULL, row->label);
		for (int i = 0; i < WATERFALL_PHASES; i++) {
			double wpx = PLOT_W * (row->ms[i] > 0 ? row->ms[i] : 0) / longest;
			if (wpx <= 0)
				continue;
			svg_rect(out, x, y, wpx, BAR_H, phase_class[i]);
			/* the phase's letter inside when it fits, for black and white */
			if (wpx >= 10) {
				char letter[2] = { phase_letters[i], 0 };
				svg_text(out, x + wpx / 2, y + 12, "middle", "small", letter);
			}
			x += wpx;
		}
		histbar_duration(t, sizeof t, total_of(row->ms) * 1e6);
		svg_text(out, x + 6, y + 12, "start", "small", t);
		buf_append_str(out, "</g>\n");
	}
	y = TOP + ROW_H * (double)w->count + 24;
	if (w->left_out) {
		snprintf(t, sizeof t, "%zu more requests not drawn (the first %d are)", w->left_out,
		         WATERFALL_MAX_ROWS);
		svg_text(out, 8, y, "start", NULL, t);
	}
	svg_text(out, PLOT_X, y + 20, "start", "small",
	         "each bar from its request's start; a reused connection has no dns, connect or tls");
	svg_end(out);
}

int waterfall_svg_file(const struct waterfall *w, const char *title, const char *path)
{
	struct buf out = BUF_INIT;
	int rc;

	waterfall_svg(w, &out, title);
	rc = svg_write_file(path, &out);
	buf_free(&out);
	return rc;
}
