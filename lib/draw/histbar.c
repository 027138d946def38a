/*
 * histbar.c - a log-scale latency histogram in text and SVG.
 */
#include "draw/histbar.h"

#include "draw/svg.h"
#include "draw/term.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define ROWS_MAX 48 /* 40 doublings at most (hist's range) */
#define SVG_BINS_MAX 400

/* Samples grouped by row: row k holds values v with floor(steps * log2(v))
 * == first + k (v = 0 counts as 1). */
struct rows {
	unsigned steps; /* rows per doubling */
	int first;      /* the log index of row 0 */
	unsigned count; /* rows in use */
	uint64_t n[SVG_BINS_MAX];
	uint64_t fullest;
};

static int log_index(double v, unsigned steps)
{
	return (int)floor((double)steps * log2(v < 1 ? 1 : v));
}

/* The lower edge of log index k. */
static double edge(int k, unsigned steps)
{
	return exp2((double)k / steps);
}

/* Fills r for h at `steps` rows per doubling (fewer when the range needs
 * more than max rows). */
static void group(const struct hist *h, unsigned steps, unsigned max, struct rows *r)
{
	int last;

	memset(r, 0, sizeof *r);
	for (;;) {
		r->first = log_index((double)h->min, steps);
		last = log_index((double)h->max, steps);
		if ((unsigned)(last - r->first + 1) <= max || steps == 1)
			break;
		steps /= 2;
	}
	r->steps = steps;
	r->count = (unsigned)(last - r->first + 1);
	if (r->count > SVG_BINS_MAX)
		r->count = SVG_BINS_MAX;
	for (unsigned b = 0; b < HIST_BUCKETS; b++) {
		uint64_t width, low;
		int k;
		if (!h->buckets[b])
			continue;
		low = hist_bucket_low(b, &width);
		k = log_index((double)low + (double)(width - 1) / 2, steps) - r->first;
		k = k < 0 ? 0 : k >= (int)r->count ? (int)r->count - 1 : k;
		r->n[k] += h->buckets[b];
		if (r->n[k] > r->fullest)
			r->fullest = r->n[k];
	}
}

double histbar_mean(const struct hist *h)
{
	double sum = 0;

	if (!h->count)
		return 0;
	for (unsigned b = 0; b < HIST_BUCKETS; b++) {
		uint64_t width, low;
		if (!h->buckets[b])
			continue;
		low = hist_bucket_low(b, &width);
		sum += ((double)low + (double)(width - 1) / 2) * (double)h->buckets[b];
	}
	sum /= (double)h->count;
	return sum < (double)h->min ? (double)h->min : sum > (double)h->max ? (double)h->max : sum;
}

void histbar_duration(char *text, size_t size, double ns)
{
	static const struct {
		double scale;
		const char *unit;
	} units[] = { { 1e9, "s" }, { 1e6, "ms" }, { 1e3, "us" }, { 1, "ns" } };
	size_t i = 0;

	while (i + 1 < sizeof units / sizeof units[0] && ns < units[i].scale)
		i++;
	double v = ns / units[i].scale;
	snprintf(text, size, v >= 100 ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s", v, units[i].unit);
}

static const double marks[] = { 0.5, 0.99, 0.999 };
static const char *const mark_names[] = { "p50", "p99", "p99.9" };
#define MARKS (sizeof marks / sizeof marks[0])

/* A bar of cells * 8 eighths: full blocks, then one partial block. */
static void put_bar(struct buf *out, unsigned eighths, unsigned flags)
{
	static const char *const partial[] = { "",       "\u258f", "\u258e", "\u258d",
		                               "\u258c", "\u258b", "\u258a", "\u2589" };
	unsigned cells = 0;

	if (flags & TERM_UNICODE) {
		for (; eighths >= 8; eighths -= 8, cells++)
			buf_append_str(out, "\u2588");
		if (eighths) {
			buf_append_str(out, partial[eighths]);
			cells++;
		}
	} else {
		for (; eighths >= 4 && cells < HISTBAR_WIDTH; eighths = eighths >= 8 ? eighths - 8 : 0, cells++)
			buf_append_byte(out, '#');
	}
	for (; cells < HISTBAR_WIDTH; cells++)
		buf_append_byte(out, ' ');
}

static void summary_line(struct buf *out, const struct hist *h)
{
	char t[32];

	for (size_t m = 0; m < MARKS; m++) {
		histbar_duration(t, sizeof t, (double)hist_percentile(h, marks[m]));
		buf_printf(out, "%s%s %s", m ? ", " : "", mark_names[m], t);
	}
	histbar_duration(t, sizeof t, (double)h->max);
	buf_printf(out, ", max %s", t);
	histbar_duration(t, sizeof t, histbar_mean(h));
	buf_printf(out, ", mean %s\n", t);
}

/* The eighths of a cell row k's bar gets: at least one for a row with
 * samples, so a lone outlier never vanishes. */
static unsigned bar_eighths(const struct rows *r, unsigned k)
{
	unsigned e;

	if (!r->n[k])
		return 0;
	e = (unsigned)((double)r->n[k] * HISTBAR_WIDTH * 8 / (double)r->fullest + 0.5);
	return e ? e : 1;
}

void histbar_text(struct buf *out, const struct hist *h, const char *what, unsigned flags)
{
	struct rows r;
	unsigned mark_row[MARKS];
	char t[32];

	buf_printf(out, "latency of %llu %s", (unsigned long long)h->count, what);
	if (!h->count) {
		buf_append_str(out, ": none\n");
		return;
	}
	group(h, 4, 40, &r);
	buf_printf(out, " (log scale: %u row%s per doubling, each from the time shown)\n", r.steps,
	           r.steps == 1 ? "" : "s");
	for (size_t m = 0; m < MARKS; m++)
		mark_row[m] = (unsigned)(log_index((double)hist_percentile(h, marks[m]), r.steps) - r.first);
	for (unsigned k = 0; k < r.count; k++) {
		int tail = k >= mark_row[1];
		histbar_duration(t, sizeof t, edge(r.first + (int)k, r.steps));
		buf_printf(out, "%10s |", t);
		if (tail && (flags & TERM_COLOR))
			buf_append_str(out, "\033[31m");
		put_bar(out, bar_eighths(&r, k), flags);
		if (tail && (flags & TERM_COLOR))
			buf_append_str(out, "\033[0m");
		buf_printf(out, "| %9llu %5.1f%%", (unsigned long long)r.n[k],
		           100.0 * (double)r.n[k] / (double)h->count);
		for (size_t m = 0; m < MARKS; m++)
			if (mark_row[m] == k)
				buf_printf(out, (flags & TERM_COLOR) ? " \033[1m%s\033[0m" : " %s",
				           mark_names[m]);
		buf_append_byte(out, '\n');
	}
	summary_line(out, h);
}

/* ---- SVG ---------------------------------------------------------------- */

#define SVG_W 760
#define SVG_H 380
#define PLOT_X 70.0
#define PLOT_Y 50.0
#define PLOT_W 650.0
#define PLOT_H 250.0

static const char histbar_css[] = ".bar{fill:#8ab;stroke:#000;stroke-width:0.5}"
                                  ".tail{fill:#e98;stroke:#000;stroke-width:0.5}"
                                  ".mark{stroke:#000;stroke-width:1.5;stroke-dasharray:6,3}"
                                  ".mean{stroke:#000;stroke-width:1.5;stroke-dasharray:1,3}";

/* x of value v on the plot's log axis from log index lo to hi (exclusive). */
static double x_of(double v, const struct rows *r)
{
	double span = (double)r->count / r->steps; /* doublings on the axis */
	double at = log2(v < 1 ? 1 : v) - (double)r->first / r->steps;
	return PLOT_X + PLOT_W * (at < 0 ? 0 : at > span ? span : at) / span;
}

/* Ticks at 1, 2 and 5 times the powers of ten inside the axis. */
static void value_ticks(struct buf *out, const struct rows *r)
{
	double lo = edge(r->first, r->steps), hi = edge(r->first + (int)r->count, r->steps);
	static const double steps[] = { 1, 2, 5 };
	char t[32];

	for (double p = pow(10, floor(log10(lo))); p <= hi; p *= 10)
		for (size_t i = 0; i < 3; i++) {
			double v = p * steps[i], x;
			if (v < lo || v > hi)
				continue;
			x = x_of(v, r);
			svg_line(out, x, PLOT_Y + PLOT_H, x, PLOT_Y + PLOT_H + 5, "axis", NULL);
			histbar_duration(t, sizeof t, v);
			svg_text(out, x, PLOT_Y + PLOT_H + 18, "middle", "small", t);
		}
}

void histbar_svg(struct buf *out, const struct hist *h, const char *what, const char *title)
{
	struct rows r;
	char text[160], t[32];
	double p99 = (double)hist_percentile(h, 0.99);

	svg_begin(out, SVG_W, SVG_H, title, histbar_css);
	snprintf(text, sizeof text, "%s: latency of %llu %s", title, (unsigned long long)h->count, what);
	svg_text(out, PLOT_X, 24, "start", "title", text);
	svg_line(out, PLOT_X, PLOT_Y + PLOT_H, PLOT_X + PLOT_W, PLOT_Y + PLOT_H, "axis", NULL);
	svg_line(out, PLOT_X, PLOT_Y, PLOT_X, PLOT_Y + PLOT_H, "axis", NULL);
	if (!h->count) {
		svg_text(out, PLOT_X + PLOT_W / 2, PLOT_Y + PLOT_H / 2, "middle", NULL, "no samples");
		svg_end(out);
		return;
	}
	group(h, 8, SVG_BINS_MAX, &r);
	for (unsigned k = 0; k < r.count; k++) {
		double x0 = x_of(edge(r.first + (int)k, r.steps), &r),
		       x1 = x_of(edge(r.first + (int)k + 1, r.steps), &r);
		double bh = PLOT_H * (double)r.n[k] / (double)r.fullest;
		if (r.n[k] && bh < 2)
			bh = 2; /* a rare slow sample stays visible: it is the tail */
		if (r.n[k])
			svg_rect(out, x0, PLOT_Y + PLOT_H - bh, x1 - x0, bh,
			         edge(r.first + (int)k, r.steps) >= p99 ? "tail" : "bar");
	}
	value_ticks(out, &r);
	/* the count axis: 0, half and the fullest bar */
	for (int i = 0; i <= 2; i++) {
		double y = PLOT_Y + PLOT_H - PLOT_H * i / 2;
		snprintf(t, sizeof t, "%llu", (unsigned long long)(r.fullest * (unsigned)i / 2));
		svg_line(out, PLOT_X - 5, y, PLOT_X, y, "axis", NULL);
		svg_text(out, PLOT_X - 8, y + 4, "end", "small", t);
	}
	for (size_t m = 0; m < MARKS; m++) {
		double v = (double)hist_percentile(h, marks[m]), x = x_of(v, &r);
		svg_line(out, x, PLOT_Y - 6, x, PLOT_Y + PLOT_H, "mark", NULL);
		histbar_duration(t, sizeof t, v);
		snprintf(text, sizeof text, "%s %s", mark_names[m], t);
		/* beside its line, on the left when it would leave the picture */
		if (x + 3 + svg_text_width(text, 10) > SVG_W - 4)
			svg_text(out, x - 3, PLOT_Y - 8 + 12 * (double)m, "end", "small", text);
		else
			svg_text(out, x + 3, PLOT_Y - 8 + 12 * (double)m, "start", "small", text);
	}
	double mean = histbar_mean(h);
	svg_line(out, x_of(mean, &r), PLOT_Y, x_of(mean, &r), PLOT_Y + PLOT_H, "mean", NULL);
	svg_text(out, PLOT_X + PLOT_W / 2, PLOT_Y + PLOT_H + 38, "middle", NULL,
	         "latency (log scale: each bar 1/8 of a doubling wider than the last)");
	svg_text(out, PLOT_X - 8, PLOT_Y - 14, "end", "small", "count");
	buf_append_str(out, "<g class=\"small\">\n");
	histbar_duration(t, sizeof t, mean);
	snprintf(text, sizeof text,
	         "legend: dashed lines p50, p99, p99.9; dotted line the mean (%s); "
	         "light red bars at or past p99",
	         t);
	svg_text(out, PLOT_X, SVG_H - 14, "start", "small", text);
	buf_append_str(out, "</g>\n");
	svg_end(out);
}

int histbar_svg_file(const struct hist *h, const char *what, const char *title, const char *path)
{
	struct buf out = BUF_INIT;
	int rc;

	histbar_svg(&out, h, what, title);
	rc = svg_write_file(path, &out);
	buf_free(&out);
	return rc;
}
