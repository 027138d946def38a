/*
 * http-request.c - libFuzzer target for the http handler's request side:
 * httpd_head_length, httpd_parse_request and httpd_target_path on any
 * bytes, and httpd_input fed the same bytes whole and split in two (the
 * answers must be the same however TCP cut the stream).  Requests come
 * from anyone who can connect: any input must be answered or refused,
 * never read past, never crash.
 */
#include "base/buf.h"
#include "http/httpd.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Feeds data in pieces cut at split, re-feeding what was not used, the way
 * lib/conn does; returns the responses. */
static void feed(struct httpd_site *site, const char *data, size_t size, size_t split, struct buf *out)
{
	struct httpd_conn hc;
	struct httpd_file file = { -1, 0, 0 };
	struct buf pending = BUF_INIT;
	size_t offset = 0;

	httpd_conn_init(&hc, -1);
	while (offset < size && !hc.closing) {
		size_t piece = split && offset < split ? split - offset : size - offset;
		ssize_t used;
		if (buf_append(&pending, data + offset, piece) < 0)
			break;
		offset += piece;
		used = httpd_input(&hc, site, buf_head(&pending), buf_readable(&pending), out, 1u << 20, &file);
		if (used < 0)
			break;
		buf_consume(&pending, (size_t)used);
	}
	if (file.fd >= 0)
		close(file.fd);
	buf_free(&pending);
}

/* The Date field may tick between two runs: compare without it. */
static void blank_dates(struct buf *b)
{
	for (char *p = b->data; p && (p = strstr(p, "Date: ")) != NULL; p += 6)
		for (char *q = p + 6; *q && *q != '\r'; q++)
			*q = '#';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct httpd_site site;
	static int site_ready;
	const char *text = (const char *)data;
	struct httpd_request req;
	struct buf whole = BUF_INIT, split = BUF_INIT;
	size_t scan = 0;
	int status = 0, is_dir;
	char path[HTTPD_LINE_MAX + 16];
	ssize_t head;

	if (!site_ready) {
		httpd_site_open(&site, NULL); /* the built-in page: no files touched */
		site_ready = 1;
	}
	head = httpd_head_length(text, size, &scan, &status);
	if (head > 0 && httpd_parse_request(text, (size_t)head, &req) == 0)
		httpd_target_path(req.target, req.target_len, path, sizeof path, &is_dir);
	httpd_target_path(text, size, path, sizeof path, &is_dir);

	feed(&site, text, size, 0, &whole);
	feed(&site, text, size, size / 2, &split);
	blank_dates(&whole);
	blank_dates(&split);
	if (whole.len != split.len || (whole.len && memcmp(whole.data, split.data, whole.len) != 0))
		abort(); /* the answer depended on how the bytes were split */
	buf_free(&whole);
	buf_free(&split);
	return 0;
}
