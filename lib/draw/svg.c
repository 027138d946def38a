/*
 * svg.c - SVG elements, XML escaping and label widths.
 */
#include "draw/svg.h"

#include "base/escape.h"
#include "base/io.h"
#include "file/atomic.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* Shared by every picture: black strokes, a monospace font, and the
 * classes the modules use.  Dashes make the classes distinct without
 * colour. */
static const char base_css[] = "text{font-family:monospace;font-size:12px;fill:#000}"
                               ".small{font-size:10px}.title{font-size:14px;font-weight:bold}"
                               ".muted{fill:#555}.axis{stroke:#000;stroke-width:1}"
                               ".grid{stroke:#bbb;stroke-width:1;stroke-dasharray:2,3}";

static const struct {
	const char *id, *fill;
} markers[] = {
	{ SVG_ARROW, "#000" },
	{ SVG_ARROW_RED, "#c00" },
	{ SVG_ARROW_ORANGE, "#d60" },
	{ SVG_ARROW_GREY, "#777" },
};

void svg_begin(struct buf *out, int width, int height, const char *title, const char *extra_css)
{
	buf_printf(out,
	           "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	           "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%d\" "
	           "viewBox=\"0 0 %d %d\">\n<title>",
	           width, height, width, height);
	svg_escape(out, title, strlen(title));
	buf_append_str(out, "</title>\n<defs>\n");
	for (size_t i = 0; i < sizeof markers / sizeof markers[0]; i++)
		buf_printf(out,
		           "<marker id=\"%s\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
		           "markerUnits=\"userSpaceOnUse\" markerWidth=\"9\" "
		           "markerHeight=\"9\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"%s\"/>"
		           "</marker>\n",
		           markers[i].id, markers[i].fill);
	buf_append_str(out, "<style type=\"text/css\"><![CDATA[");
	buf_append_str(out, base_css);
	if (extra_css)
		buf_append_str(out, extra_css);
	buf_printf(out,
	           "]]></style>\n</defs>\n<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n",
	           width, height);
}

void svg_end(struct buf *out)
{
	buf_append_str(out, "</svg>\n");
}

/* Length of the UTF-8 sequence at s[0..left) that XML 1.0 can carry, or 0
 * (invalid UTF-8, and U+FFFE and U+FFFF, which XML excludes). */
static size_t utf8_length(const unsigned char *s, size_t left)
{
	uint32_t cp = 0;
	size_t n = escape_utf8_next(s, left, &cp);

	return cp == 0xfffe || cp == 0xffff ? 0 : n;
}

void svg_escape(struct buf *out, const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;

	for (size_t i = 0; i < len;) {
		size_t n = utf8_length(s + i, len - i);
		unsigned char c = s[i];

		if (n == 0 || (n == 1 && (c < 0x20 || c == 0x7f))) {
			/* XML 1.0 has no way to carry these: show them */
			buf_printf(out, "\\x%02x", c);
			i++;
			continue;
		}
		if (c == '&')
			buf_append_str(out, "&amp;");
		else if (c == '<')
			buf_append_str(out, "&lt;");
		else if (c == '>')
			buf_append_str(out, "&gt;");
		else if (c == '"')
			buf_append_str(out, "&quot;");
		else if (c == '\'')
			buf_append_str(out, "&#39;");
		else
			buf_append(out, s + i, n);
		i += n;
	}
}

double svg_text_width(const char *text, double font_size)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t len = strlen(text), glyphs = 0;

	for (size_t i = 0; i < len;) {
		size_t n = utf8_length(s + i, len - i);
		glyphs += n == 0 || (n == 1 && (s[i] < 0x20 || s[i] == 0x7f)) ? 4 : 1;
		i += n ? n : 1;
	}
	return (double)glyphs * SVG_CHAR_EM * font_size;
}

void svg_text(struct buf *out, double x, double y, const char *anchor, const char *cls, const char *text)
{
	buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\"", x, y);
	if (anchor && strcmp(anchor, "start") != 0)
		buf_printf(out, " text-anchor=\"%s\"", anchor);
	if (cls)
		buf_printf(out, " class=\"%s\"", cls);
	buf_append_byte(out, '>');
	svg_escape(out, text, strlen(text));
	buf_append_str(out, "</text>\n");
}

void svg_line(struct buf *out, double x1, double y1, double x2, double y2, const char *cls, const char *marker)
{
	buf_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"%s\"", x1, y1, x2, y2,
	           cls);
	if (marker)
		buf_printf(out, " marker-end=\"url(#%s)\"", marker);
	buf_append_str(out, "/>\n");
}

void svg_rect(struct buf *out, double x, double y, double w, double h, const char *cls)
{
	buf_printf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" class=\"%s\"/>\n", x, y,
	           w > 0 ? w : 0, h > 0 ? h : 0, cls);
}

int svg_write_file(const char *path, const struct buf *svg)
{
	struct atomic a = { .fd = -1 };
	const char *data = svg->data ? svg->data : "";

	if (strcmp(path, "-") == 0)
		return io_write_full(STDOUT_FILENO, data, svg->len) < 0 ? -1 : 0;
	if (atomic_open(&a, path, 0) < 0)
		return -1;
	if (io_write_full(a.fd, data, svg->len) < 0 || atomic_commit(&a) < 0) {
		int saved = errno;
		atomic_abort(&a);
		errno = saved;
		return -1;
	}
	return 0;
}
