/*
 * svg.h - SVG 1.1 written into a buffer: the few elements sockbox's
 * pictures need, text escaped for XML, and an estimate of a label's width.
 *
 * Promise: everything appended is well-formed XML whatever the caller's
 * text holds: svg_escape turns & < > " ' into entities and any byte that
 * XML 1.0 cannot carry (controls, bytes that are not valid UTF-8) into the
 * visible text "\xHH", so a hostile name or payload shows as text and
 * never becomes markup.  The pictures are self-contained: no script, no
 * external font, image or stylesheet (an internal <style> only), and they
 * read in black and white (callers pair every colour with a dash pattern
 * or a word).  Text is drawn in the generic "monospace" family, where a
 * glyph is about 0.6 em wide: that is what svg_text_width assumes, so
 * labels can be placed without measuring fonts.  Nothing is printed;
 * svg_write_file is the one call that touches a file.
 */
#ifndef SOCKBOX_SVG_H
#define SOCKBOX_SVG_H

#include <stddef.h>

#include "base/buf.h"

#define SVG_FONT_SIZE 12 /* pixels, the default label size */
#define SVG_CHAR_EM 0.6  /* width of a monospace glyph, in em */

/* The XML declaration, the <svg> element of width x height pixels with its
 * viewBox, a <title> (escaped), the arrowhead markers and the shared style
 * rules plus extra_css (may be NULL; the caller's own constant rules). */
void svg_begin(struct buf *out, int width, int height, const char *title, const char *extra_css);

/* Closes the <svg> element. */
void svg_end(struct buf *out);

/* Appends text[0..len) escaped for XML character data or an attribute. */
void svg_escape(struct buf *out, const char *text, size_t len);

/* The width in pixels of text drawn at font_size in a monospace font: one
 * glyph per UTF-8 character (escaped bytes count as their 4 characters). */
double svg_text_width(const char *text, double font_size);

/* <text> at (x, y) with anchor "start", "middle" or "end", CSS class cls
 * (may be NULL), the text escaped. */
void svg_text(struct buf *out, double x, double y, const char *anchor, const char *cls, const char *text);

/* Arrowheads svg_begin defines, for svg_line: black, red, orange, grey. */
#define SVG_ARROW "arrow"
#define SVG_ARROW_RED "arrow-red"
#define SVG_ARROW_ORANGE "arrow-orange"
#define SVG_ARROW_GREY "arrow-grey"

/* <line> from (x1, y1) to (x2, y2) with CSS class cls, ending in the
 * arrowhead marker (one of SVG_ARROW_*) or none when marker is NULL. */
void svg_line(struct buf *out, double x1, double y1, double x2, double y2, const char *cls, const char *marker);

/* <rect> with CSS class cls. */
void svg_rect(struct buf *out, double x, double y, double w, double h, const char *cls);

/* Writes the picture to path as one file that appears whole (lib/file/atomic),
 * or to stdout for "-": 0, or -1 with errno set. */
int svg_write_file(const char *path, const struct buf *svg);

#endif
