/*
 * structfmt.h - Python's struct format language: layout, pack, unpack.
 *
 * Promise: for any format string, structfmt_parse accepts exactly what
 * Python 3's struct module accepts and computes the same layout (calcsize,
 * offsets, the padding '@' inserts before each field); packing gives the
 * same bytes as struct.pack and refuses the same values; unpacking gives
 * the same values as struct.unpack, written as text (Python's repr for
 * floats, escape.h's one-line form for bytes) or as JSON.  Repeat counts
 * never cost memory: a parsed format holds one entry per code written,
 * however large its count.  Nothing here prints; failures fill a struct
 * structfmt_error with a message naming the offset or the field.
 *
 *	struct structfmt f; struct structfmt_error err;
 *	if (structfmt_parse(&f, "!i16sif", &err) < 0) ... err.text
 *	f.size == 28, f.nvalues == 4
 */
#ifndef SOCKBOX_STRUCTFMT_H
#define SOCKBOX_STRUCTFMT_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/json.h"

enum structfmt_kind {
	STRUCTFMT_PAD,      /* x */
	STRUCTFMT_SIGNED,   /* b h i l q n */
	STRUCTFMT_UNSIGNED, /* B H I L Q N P (P also takes negatives, as Python) */
	STRUCTFMT_BOOL,     /* ? */
	STRUCTFMT_CHAR,     /* c: bytes of length 1 */
	STRUCTFMT_BYTES,    /* s: count is the length */
	STRUCTFMT_PASCAL,   /* p: a length byte, then count - 1 bytes */
	STRUCTFMT_HALF,     /* e: IEEE 754 binary16 */
	STRUCTFMT_FLOAT,    /* f: binary32 */
	STRUCTFMT_DOUBLE,   /* d: binary64 */
};

/* One code as written in the format, with its repeat count. */
struct structfmt_group {
	char code; /* the format character */
	enum structfmt_kind kind;
	size_t count;       /* repeat count; for s and p, the byte length */
	size_t item_size;   /* bytes of one item (s and p: count) */
	size_t offset;      /* record offset of the first item */
	size_t bytes;       /* bytes of all its items */
	size_t pad;         /* alignment bytes inserted before it ('@' only) */
	size_t first_value; /* index of its first value in a record */
	size_t nvalues;     /* values it takes: count, 1 for s and p, 0 for x */
	int64_t min;        /* integer codes: the range pack accepts */
	uint64_t max;
};

struct structfmt {
	char order;     /* '@', '=', '<', '>' or '!' ('@' when none is written) */
	int native;     /* '@': native sizes and alignment */
	int big_endian; /* byte order of multi-byte fields */
	size_t size;    /* bytes in a record: Python's calcsize */
	size_t nvalues; /* values in a record */
	struct structfmt_group *groups;
	size_t ngroups;
};

/* What went wrong, for the caller's message. */
struct structfmt_error {
	size_t offset;  /* parse: offset of the culprit in the format */
	size_t field;   /* pack: 1-based index of the value refused, 0 for the record */
	char code;      /* pack: its format character */
	char text[200]; /* the reason, lowercase, no period */
};

/* Where unpacked text goes: flush (when set) is called whenever out holds
 * at least flush_at bytes, so one huge record never piles up in memory. */
struct structfmt_sink {
	struct buf *out;
	size_t flush_at;
	int (*flush)(void *ctx); /* 0, or -1 to stop (errno set) */
	void *ctx;
};

/*
 * Parses format into f.  0; or -1 with errno EINVAL (err filled: a bad
 * character, a count without a code, a size past SSIZE_MAX) or ENOMEM.
 * Release with structfmt_free.
 */
int structfmt_parse(struct structfmt *f, const char *format, struct structfmt_error *err);

/* Releases what structfmt_parse allocated. */
void structfmt_free(struct structfmt *f);

/* The C type a code stands for ("unsigned short", "IEEE 754 binary16"). */
const char *structfmt_ctype(char code);

/* The byte order of a group's items: "little", "big", or "-" where it
 * does not apply (single bytes, strings, padding). */
const char *structfmt_group_order(const struct structfmt *f, const struct structfmt_group *g);

/* Writes the format's rules in words ("network byte order (big-endian),
 * standard sizes, no alignment") to out. */
void structfmt_describe(const struct structfmt *f, char *out, size_t size);

/*
 * Packs one record from text values into rec (f->size bytes, padding
 * zeroed).  values[0..nvalues) are the texts (lengths in lens).  0; -1
 * with errno EINVAL (err names the field) or ENOMEM.  scratch holds
 * unescaped bytes between calls (the caller frees it).
 */
int structfmt_pack(const struct structfmt *f, const char *const *values, const size_t *lens, size_t nvalues,
                   unsigned char *rec, struct buf *scratch, struct structfmt_error *err);

/* The same for one line of text, values separated by delimiter. */
int structfmt_pack_line(const struct structfmt *f, const char *line, size_t len, char delimiter,
                        unsigned char *rec, struct buf *scratch, struct structfmt_error *err);

/*
 * Appends the values of the record rec (f->size bytes) to sink->out as one
 * line without its newline: values separated by delimiter, which is
 * escaped as \xHH inside bytes when it is not a tab; trailing NULs of s
 * fields dropped unless keep_nul.  0; -1 when out of memory or when the
 * sink's flush failed (errno set).
 */
int structfmt_unpack_text(const struct structfmt *f, const unsigned char *rec, char delimiter, int keep_nul,
                          struct structfmt_sink *sink);

/* Appends the record as one JSON array value to j (whose out is sink->out). */
int structfmt_unpack_json(const struct structfmt *f, const unsigned char *rec, int keep_nul, struct json *j,
                          struct structfmt_sink *sink);

#endif
