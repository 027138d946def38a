/*
 * struct-pack-pack.c - libFuzzer target for packing text (lib/structfmt.c)
 * and for reading and writing floats (lib/floatfmt.c).
 *
 * Input: a format up to the first newline, then lines of tab-separated
 * values; each line is packed into an exact-size record.  Every field is
 * also read as a float: whatever reads must read back to the same bits
 * from its repr (a wrong digit aborts).
 */
#include "base/buf.h"
#include "struct/floatfmt.h"
#include "struct/structfmt.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_RECORD_MAX (1u << 16)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_float(const char *text, size_t len)
{
	char repr[FLOATFMT_REPR_SIZE];
	double x, y;

	if (floatfmt_parse(text, len, &x) < 0 || isnan(x))
		return;
	if (floatfmt_parse(repr, floatfmt_repr(x, repr), &y) < 0 || memcmp(&x, &y, sizeof x) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *nl = memchr(text, '\n', size);
	size_t flen = nl ? (size_t)(nl - text) : size;
	char *format = malloc(flen + 1);
	struct structfmt f;
	struct structfmt_error err;
	struct buf scratch = BUF_INIT;

	if (!format)
		return 0;
	memcpy(format, text, flen);
	format[flen] = '\0';
	if (structfmt_parse(&f, format, &err) == 0) {
		unsigned char *rec = f.size <= FUZZ_RECORD_MAX ? malloc(f.size ? f.size : 1) : NULL;
		const char *line = nl ? nl + 1 : text + size;
		const char *end = text + size;
		while (rec && line < end) {
			const char *stop = memchr(line, '\n', (size_t)(end - line));
			size_t len = stop ? (size_t)(stop - line) : (size_t)(end - line);
			/* an exact-size copy of the line, so ASan sees any read past it */
			char *copy = malloc(len ? len : 1);
			if (!copy)
				break;
			memcpy(copy, line, len);
			structfmt_pack_line(&f, copy, len, '\t', rec, &scratch, &err);
			for (size_t i = 0, start = 0; i <= len; i++) {
				if (i == len || copy[i] == '\t') {
					check_float(copy + start, i - start);
					start = i + 1;
				}
			}
			free(copy);
			line += len + 1;
		}
		free(rec);
		structfmt_free(&f);
	}
	buf_free(&scratch);
	free(format);
	return 0;
}
