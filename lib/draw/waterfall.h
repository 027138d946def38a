/*
 * waterfall.h - where an HTTP request's time went, as a browser's network
 * panel draws it: one bar per request, cut into its phases (dns, connect,
 * tls, server, transfer), on a terminal and as an SVG figure.
 *
 * Promise: a terminal bar is WATERFALL_CELLS cells on a scale the first
 * bar sets (its total fills the bar), so with http-probe -n the later
 * requests show what they saved: a reused connection has no dns, connect
 * or tls cells and a shorter bar; one slower than the first is cut at the
 * end with '>'.  Each phase is its own letter (d c t s x), readable in
 * black and white and in plain ASCII; with TERM_COLOR (lib/draw/term)
 * each phase also gets its own background colour.  The SVG draws every
 * request kept (at most WATERFALL_MAX_ROWS, the rest counted) as a row on
 * one time axis, each bar from its request's own start (the pauses
 * between probes are not drawn), with the phases labelled.  Nothing is
 * printed.
 */
#ifndef SOCKBOX_WATERFALL_H
#define SOCKBOX_WATERFALL_H

#include <stddef.h>

#include "base/buf.h"

#define WATERFALL_PHASES 5 /* dns, connect, tls, server, transfer */
#define WATERFALL_CELLS 40
#define WATERFALL_MAX_ROWS 500

struct waterfall_row {
	double ms[WATERFALL_PHASES]; /* how long each phase took; 0 when it did not happen */
	char label[96];              /* "seq=2 200 OK, reused" */
};

struct waterfall {
	unsigned flags;  /* TERM_COLOR for waterfall_bar */
	double scale_ms; /* what WATERFALL_CELLS cells stand for; 0 until the first bar */
	struct waterfall_row *rows;
	size_t count, cap; /* rows kept */
	size_t left_out;   /* rows past WATERFALL_MAX_ROWS */
};

/* An empty waterfall drawing with flags (TERM_* bits). */
void waterfall_init(struct waterfall *w, unsigned flags);

void waterfall_free(struct waterfall *w);

/* Keeps row for the SVG: 0, or -1 (ENOMEM).  Past WATERFALL_MAX_ROWS it is counted in left_out. */
int waterfall_add(struct waterfall *w, const struct waterfall_row *row);

/* Appends the terminal bar of the phases ms[]: "|ddcccttssssx     | 1.234 ms".
 * The first call sets the scale and also appends, before the bar, the
 * legend line that says what a letter and a cell are. */
void waterfall_bar(struct waterfall *w, struct buf *out, const double ms[WATERFALL_PHASES]);

/* Appends the SVG of the rows kept, titled title. */
void waterfall_svg(const struct waterfall *w, struct buf *out, const char *title);

/* waterfall_svg written to path ("-": stdout) whole: 0, or -1 with errno. */
int waterfall_svg_file(const struct waterfall *w, const char *title, const char *path);

#endif
