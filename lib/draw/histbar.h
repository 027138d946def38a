/*
 * histbar.h - a latency histogram (lib/base/hist) as a picture: text bars
 * for a terminal, or an SVG figure.
 *
 * Promise: the value axis is logarithmic (each row or bar a fixed ratio
 * wider than the one before: 4 rows per doubling on a terminal, 8 bars in
 * the SVG), because latency spreads over orders of magnitude and its tail
 * matters; the count axis is linear.  Every row between the fastest and
 * the slowest sample is shown, empty ones too, so gaps are visible.  The
 * rows holding p50, p99 and p99.9 are marked, and a closing line gives
 * them with the maximum and the mean (the mean computed from the buckets,
 * within 1 %).  Text uses Unicode block characters with TERM_UNICODE and
 * '#' without (lib/draw/term), ANSI colour only with TERM_COLOR: under
 * LC_ALL=C and NO_COLOR=1 every byte is printable ASCII.  Nothing is
 * printed: the caller writes the buffer.
 *
 * For a tool:
 *	struct buf out = BUF_INIT;
 *	histbar_text(&out, &hist, "round trips", term_caps(STDOUT_FILENO));
 *	... write out ...
 *	if (histbar_svg_file(&hist, "round trips", "tcp-echo --bench", path) < 0) ... errno
 */
#ifndef SOCKBOX_HISTBAR_H
#define SOCKBOX_HISTBAR_H

#include "base/buf.h"
#include "base/hist.h"

#define HISTBAR_WIDTH 40 /* terminal bar cells for the fullest row */

/* Appends the histogram of h (values in nanoseconds) as text: a heading
 * naming what was counted (what: "round trips"), the rows, the summary
 * line.  flags: TERM_UNICODE, TERM_COLOR.  Nothing but a heading when h
 * is empty. */
void histbar_text(struct buf *out, const struct hist *h, const char *what, unsigned flags);

/* Appends the same as a complete SVG document titled title. */
void histbar_svg(struct buf *out, const struct hist *h, const char *what, const char *title);

/* histbar_svg written to path ("-": stdout) whole: 0, or -1 with errno. */
int histbar_svg_file(const struct hist *h, const char *what, const char *title, const char *path);

/* The mean of h's samples from its buckets' middles (within 1 %). */
double histbar_mean(const struct hist *h);

/* "12.3 us": ns as text with a unit of ns, us, ms or s, three significant digits. */
void histbar_duration(char *text, size_t size, double ns);

#endif
