/*
 * struct-pack-unpack.c - libFuzzer target for the struct format parser and
 * the unpacker (lib/structfmt.c, lib/floatfmt.c).
 *
 * Input: a format up to the first newline, then the bytes to unpack.  Every
 * whole record is unpacked as text (tab and comma delimiters) and as JSON;
 * the parser must accept or refuse without reading past the format, and no
 * record may be read past its end (ASan watches).
 */
#include "base/buf.h"
#include "base/json.h"
#include "struct/structfmt.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Records past this are skipped: the tool refuses them too. */
#define FUZZ_RECORD_MAX (1u << 16)

static int flush_nothing(void *ctx)
{
	buf_clear(ctx);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t flen = nl ? (size_t)(nl - data) : size;
	char *format = malloc(flen + 1);
	struct structfmt f;
	struct structfmt_error err;
	struct buf out = BUF_INIT;
	struct structfmt_sink sink = { &out, 4096, flush_nothing, &out };

	if (!format)
		return 0;
	memcpy(format, data, flen);
	format[flen] = '\0';
	if (structfmt_parse(&f, format, &err) == 0) {
		const uint8_t *rec = nl ? nl + 1 : data + size;
		size_t left = (size_t)(data + size - rec);
		for (size_t i = 0; i < f.ngroups; i++)
			(void)structfmt_ctype(f.groups[i].code);
		while (f.size > 0 && f.size <= FUZZ_RECORD_MAX && left >= f.size) {
			/* an exact-size copy, so ASan sees any read past the record */
			unsigned char *copy = malloc(f.size);
			struct json j;
			if (!copy)
				break;
			memcpy(copy, rec, f.size);
			structfmt_unpack_text(&f, copy, '\t', 0, &sink);
			structfmt_unpack_text(&f, copy, ',', 1, &sink);
			json_init(&j, &out);
			structfmt_unpack_json(&f, copy, 0, &j, &sink);
			free(copy);
			rec += f.size;
			left -= f.size;
		}
		structfmt_free(&f);
	}
	buf_free(&out);
	free(format);
	return 0;
}
