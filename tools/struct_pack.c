/*
 * struct_pack.c - Python's struct module on the command line: pack text
 * values into binary records, unpack records back into text, size and
 * explain a format.
 *
 * Concept: byte order, alignment and fixed-size records: the same four
 * bytes are 1 or 16777216 depending on which end is read first, and a C
 * compiler slips padding between fields so that each one starts at a
 * multiple of its size.
 * References: Python's struct documentation and Modules/_struct.c (the
 * reference implementation, byte for byte); IEEE 754-2008 (binary16/32/64);
 * RFC 1700 and byteorder(3) (network byte order is big-endian).
 */
#include "tools.h"
#include "base/buf.h"
#include "cli/diag.h"
#include "base/escape.h"
#include "base/io.h"
#include "base/json.h"
#include "cli/opt.h"
#include "cli/parse.h"
#include "struct/structfmt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { OPT_JSON = OPT_LONG_ONLY, OPT_KEEP_NUL, OPT_OFFSET };

static const struct opt_spec options[] = {
	{ 'd', "delimiter", "CHAR", "separator of values in text records (default: tab)" },
	{ 'n', "count", "N", "stop after N records" },
	{ OPT_OFFSET, "offset", "BYTES", "skip BYTES of input first (a file header)" },
	{ OPT_JSON, "json", NULL, "JSON Lines instead of text" },
	{ OPT_KEEP_NUL, "keep-nul", NULL, "keep the NUL padding at the end of s fields" },
	{ 'v', "verbose", NULL, "narrate the layout, the reads and the records (repeat for more)" },
	{ 0, NULL, NULL, NULL },
};

static const char *const commands[] = { "pack", "unpack", "size", "explain", NULL };

/* Options that go with some commands only: opt_next refuses them with the
 * others, and --help shows the commands before the option's help. */
static const struct opt_bind bindings[] = {
	{ 'd', "pack|unpack" },         { 'n', "unpack" },          { OPT_OFFSET, "unpack" },
	{ OPT_JSON, "unpack|explain" }, { OPT_KEEP_NUL, "unpack" }, { 0, NULL },
};

const struct opt_tool struct_pack_tool = {
	.name = "struct-pack",
	.usage = "[OPTIONS] pack FORMAT [VALUE...]\n"
	         "[OPTIONS] unpack FORMAT [FILE]\n"
	         "[OPTIONS] size FORMAT\n"
	         "[OPTIONS] explain FORMAT",
	.summary = "pack and unpack binary records with Python's struct formats",
	.specs = options,
	.commands = commands,
	.bind = bindings,
	.stop_at_operand = 1,
};

enum command { CMD_PACK, CMD_UNPACK, CMD_SIZE, CMD_EXPLAIN };

/* Records past this size are refused: no giant allocation for '999999999999s'. */
#define RECORD_MAX ((size_t)16 << 20)
/* A text line may carry every byte of a record escaped (4 characters each). */
#define LINE_MAX_BYTES (4 * RECORD_MAX + ((size_t)1 << 20))
/* Output leaves in writes of about this size. */
#define OUT_CHUNK ((size_t)128 << 10)
/* Input is read in chunks of about this size (whole records). */
#define IN_CHUNK ((size_t)256 << 10)

struct struct_pack {
	enum command command;
	const char *format;
	char **operands; /* VALUEs for pack, [FILE] for unpack */
	int noperands;
	char delimiter;
	bool json;
	bool keep_nul;
	bool have_offset, have_count, have_delimiter;
	uint64_t offset;
	uint64_t count;
	int verbosity;

	struct structfmt fmt;
	char shown_format[96]; /* the format escaped for messages */
	struct buf out;        /* bytes waiting for stdout */
	struct buf scratch;    /* unescaped bytes while packing */
	uint64_t records;      /* records packed or unpacked so far */
	bool stdout_closed;    /* a write failed: write no more */
	bool write_error;      /* ... for a reason worth an exit status 1 (not EPIPE) */
};

/* ---- arguments ---- */

static int parse_delimiter(struct struct_pack *sp, const char *arg)
{
	struct buf shown = BUF_INIT;
	char c = arg[0];
	int status = EXIT_OK;

	/* Characters that occur inside numbers or escapes would split values. */
	if (strlen(arg) != 1 || c == '\\' || c == '\n' || c == '.' || c == '+' || c == '-' ||
	    (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')) {
		if (escape_bytes(&shown, arg, strlen(arg)) < 0)
			return diag_errno("--delimiter");
		if (strlen(arg) != 1)
			status = opt_bad_value(&struct_pack_tool, 'd', shown.len ? shown.data : "",
			                       "expected one character");
		else
			status = opt_bad_value(&struct_pack_tool, 'd', shown.data,
			                       "it occurs inside values and cannot separate them");
		buf_free(&shown);
		return status;
	}
	sp->delimiter = c;
	sp->have_delimiter = true;
	return EXIT_OK;
}

static int take_option(struct struct_pack *sp, int key, const char *arg)
{
	switch (key) {
	case 'd':
		return parse_delimiter(sp, arg);
	case 'n':
		if (parse_uint(arg, 0, UINT64_MAX, &sp->count) < 0)
			return opt_bad_value(&struct_pack_tool, key, arg, "expected a whole number");
		sp->have_count = true;
		return EXIT_OK;
	case OPT_OFFSET:
		if (parse_size(arg, 0, UINT64_MAX, &sp->offset) < 0)
			return opt_bad_value(&struct_pack_tool, key, arg, "expected a size in bytes");
		sp->have_offset = true;
		return EXIT_OK;
	case OPT_JSON:
		sp->json = true;
		return EXIT_OK;
	case OPT_KEEP_NUL:
		sp->keep_nul = true;
		return EXIT_OK;
	case 'v':
		diag_set_verbosity(++sp->verbosity);
		return EXIT_OK;
	default:
		return diag_usage("unknown option '--%s'", opt_name(&struct_pack_tool, key));
	}
}

/* Runs the option loop over argv; *index is where its operands start.
 * OPT_GO_ON or a status; opt_next refuses an option of another command. */
static int read_options(struct struct_pack *sp, int argc, char **argv, int *index)
{
	struct opt_state st;
	int key;

	opt_init(&st, &struct_pack_tool, argc, argv);
	while ((key = opt_next(&st)) != OPT_END) {
		int status;
		if (key == OPT_EXIT)
			return st.status;
		status = take_option(sp, key, st.arg);
		if (status != EXIT_OK) {
			opt_done(&st);
			return status;
		}
	}
	*index = st.index;
	return OPT_GO_ON;
}

/* Everything after the format is an operand (so -5 is a value): an option
 * typed there is one, and the message says where options go. */
static const char *option_hint(const struct struct_pack *sp, char *out, size_t size)
{
	out[0] = '\0';
	for (int i = 0; i < sp->noperands; i++) {
		const char *word = sp->operands[i];
		if (word[0] == '-' && word[1] != '\0') {
			snprintf(out, size, " ('%.32s' is an option: options go before the format)", word);
			break;
		}
	}
	return out;
}

static int check_options(const struct struct_pack *sp)
{
	const char *name = commands[sp->command];
	char hint[128];

	if (sp->have_delimiter && sp->json)
		return diag_usage("--delimiter and --json do not go together");
	if (sp->command == CMD_UNPACK && sp->noperands > 1)
		return diag_usage("unpack takes one FILE, got %d operands after the format%s", sp->noperands,
		                  option_hint(sp, hint, sizeof hint));
	if ((sp->command == CMD_SIZE || sp->command == CMD_EXPLAIN) && sp->noperands > 0)
		return diag_usage("%s takes only a FORMAT%s", name, option_hint(sp, hint, sizeof hint));
	return EXIT_OK;
}

/*
 * Options may come before the command and between the command and the
 * format; everything after the format is an operand, so values such as
 * -5 need no "--".  Returns OPT_GO_ON, or the status to exit with.
 */
static int parse_args(struct struct_pack *sp, int argc, char **argv)
{
	int index = 0, status, cmd;

	sp->delimiter = '\t';
	status = read_options(sp, argc, argv, &index);
	if (status != OPT_GO_ON)
		return status;
	if (index >= argc)
		return diag_usage("missing command: pack, unpack, size or explain");
	for (cmd = 0; commands[cmd] && strcmp(commands[cmd], argv[index]) != 0; cmd++)
		;
	if (!commands[cmd])
		return diag_usage("unknown command '%s': pack, unpack, size or explain", argv[index]);
	sp->command = (enum command)cmd;
	argc -= index;
	argv += index; /* argv[0] is now the command, as getopt expects a program name */
	status = read_options(sp, argc, argv, &index);
	if (status != OPT_GO_ON)
		return status;
	if (index >= argc)
		return diag_usage("%s: missing FORMAT", commands[cmd]);
	sp->format = argv[index];
	sp->operands = argv + index + 1;
	sp->noperands = argc - index - 1;
	status = check_options(sp);
	return status == EXIT_OK ? OPT_GO_ON : status;
}

/* ---- output ---- */

/* Writes the output buffer to stdout.  After a failure nothing more is
 * written: the reason is told once (EPIPE quietly: the reader is gone). */
static int write_out(struct struct_pack *sp)
{
	if (sp->stdout_closed || sp->out.len == 0) {
		buf_clear(&sp->out);
		return sp->stdout_closed ? -1 : 0;
	}
	if (io_write_full(STDOUT_FILENO, sp->out.data, sp->out.len) < 0) {
		sp->stdout_closed = true;
		sp->write_error = errno != EPIPE;
		if (sp->write_error)
			diag_errno("write stdout");
		buf_clear(&sp->out);
		return -1;
	}
	buf_clear(&sp->out);
	return 0;
}

static int flush_sink(void *ctx)
{
	return write_out(ctx);
}

/* Exit status after a failed write: 0 when the reader just went away. */
static int write_failed(const struct struct_pack *sp)
{
	return sp->write_error ? EXIT_FAIL : EXIT_OK;
}

/* ---- the format ---- */

static int load_format(struct struct_pack *sp)
{
	struct structfmt_error err;
	struct buf shown = BUF_INIT;
	char order[96];

	/* The format as one line, cut at 80 characters. */
	if (escape_bytes(&shown, sp->format, strlen(sp->format)) == 0)
		snprintf(sp->shown_format, sizeof sp->shown_format, "%.*s%s",
		         (int)(shown.len > 80 ? 77 : shown.len), shown.len ? shown.data : "",
		         shown.len > 80 ? "..." : "");
	buf_free(&shown);
	if (structfmt_parse(&sp->fmt, sp->format, &err) < 0) {
		if (errno == ENOMEM)
			return diag_errno("format '%s'", sp->shown_format);
		return diag_usage("format '%s': %s", sp->shown_format, err.text);
	}
	structfmt_describe(&sp->fmt, order, sizeof order);
	diag_verbose(1, "format '%s': %s; %zu bytes per record, %zu value%s", sp->shown_format, order,
	             sp->fmt.size, sp->fmt.nvalues, sp->fmt.nvalues == 1 ? "" : "s");
	return EXIT_OK;
}

static int check_record_size(const struct struct_pack *sp)
{
	if (sp->fmt.size > RECORD_MAX)
		return diag_error("%s: format '%s' makes records of %zu bytes, over the %zu MiB limit",
		                  commands[sp->command], sp->shown_format, sp->fmt.size, RECORD_MAX >> 20);
	return EXIT_OK;
}

/* ---- size and explain ---- */

static int run_size(struct struct_pack *sp)
{
	printf("%zu\n", sp->fmt.size);
	return EXIT_OK;
}

static void field_range(const struct structfmt_group *g, char *out, size_t size)
{
	if (g->nvalues == 0)
		snprintf(out, size, "-");
	else if (g->nvalues == 1)
		snprintf(out, size, "%zu", g->first_value + 1);
	else
		snprintf(out, size, "%zu-%zu", g->first_value + 1, g->first_value + g->nvalues);
}

static void explain_json(const struct structfmt *f, const struct structfmt_group *g, struct buf *out)
{
	struct json j;
	char code[2] = { g->code, '\0' };

	json_init(&j, out);
	json_begin_object(&j, NULL);
	json_uint(&j, "field", g->nvalues ? g->first_value + 1 : 0);
	json_uint(&j, "values", g->nvalues);
	json_uint(&j, "offset", g->offset);
	json_uint(&j, "size", g->bytes);
	json_uint(&j, "pad", g->pad);
	json_str(&j, "code", code);
	json_uint(&j, "count", g->count);
	json_str(&j, "order", structfmt_group_order(f, g));
	json_str(&j, "type", structfmt_ctype(g->code));
	json_end(&j);
	json_newline(&j);
}

static int run_explain(struct struct_pack *sp)
{
	const struct structfmt *f = &sp->fmt;
	char order[96], fields[48], code[32];
	size_t padding = 0;

	structfmt_describe(f, order, sizeof order);
	if (!sp->json) {
		printf("format '%s': %s\n", sp->shown_format, order);
		printf("%-7s %7s %7s %4s  %-6s %-6s %s\n", "field", "offset", "size", "pad", "code", "order",
		       "type");
	}
	for (size_t i = 0; i < f->ngroups; i++) {
		const struct structfmt_group *g = &f->groups[i];
		padding += g->pad;
		if (sp->json) {
			explain_json(f, g, &sp->out);
			continue;
		}
		field_range(g, fields, sizeof fields);
		if (g->count == 1 && g->kind != STRUCTFMT_BYTES && g->kind != STRUCTFMT_PASCAL)
			snprintf(code, sizeof code, "%c", g->code);
		else
			snprintf(code, sizeof code, "%zu%c", g->count, g->code);
		printf("%-7s %7zu %7zu %4zu  %-6s %-6s %s\n", fields, g->offset, g->bytes, g->pad, code,
		       structfmt_group_order(f, g), structfmt_ctype(g->code));
	}
	if (sp->json)
		return write_out(sp) < 0 ? write_failed(sp) : EXIT_OK;
	printf("%zu bytes, %zu value%s, %zu padding byte%s\n", f->size, f->nvalues,
	       f->nvalues == 1 ? "" : "s", padding, padding == 1 ? "" : "s");
	return EXIT_OK;
}

/* ---- pack ---- */

static int report_pack_error(const struct structfmt_error *err, uint64_t line)
{
	char where[48] = "";

	if (errno == ENOMEM)
		return diag_errno("pack");
	if (line)
		snprintf(where, sizeof where, " line %llu", (unsigned long long)line);
	if (err->field)
		return diag_error("pack%s: field %zu (%c): %s", where, err->field, err->code, err->text);
	return diag_error("pack%s: %s", where, err->text);
}

/* Makes room for one more record at the end of the output buffer. */
static unsigned char *next_record(struct struct_pack *sp)
{
	if (sp->out.cap - sp->out.len <= sp->fmt.size && buf_reserve(&sp->out, sp->fmt.size) < 0) {
		diag_errno("pack");
		return NULL;
	}
	return (unsigned char *)sp->out.data + sp->out.len;
}

static int pack_operands(struct struct_pack *sp)
{
	struct structfmt_error err;
	size_t n = (size_t)sp->noperands;
	size_t *lens = calloc(n ? n : 1, sizeof *lens);
	unsigned char *rec = next_record(sp);
	int status = EXIT_OK;

	if (!rec) {
		free(lens);
		return EXIT_FAIL;
	}
	if (!lens)
		return diag_errno("pack");
	for (size_t i = 0; i < n; i++)
		lens[i] = strlen(sp->operands[i]);
	if (structfmt_pack(&sp->fmt, (const char *const *)sp->operands, lens, n, rec, &sp->scratch, &err) < 0)
		status = report_pack_error(&err, 0);
	free(lens);
	if (status != EXIT_OK)
		return status;
	sp->out.len += sp->fmt.size;
	diag_verbose(2, "record 1: %zu bytes", sp->fmt.size);
	return write_out(sp) < 0 ? write_failed(sp) : EXIT_OK;
}

/* Packs one line of text (without its newline) onto the output. */
static int pack_one_line(struct struct_pack *sp, const char *line, size_t len, uint64_t lineno)
{
	struct structfmt_error err;
	unsigned char *rec = next_record(sp);

	if (!rec)
		return EXIT_FAIL;
	if (structfmt_pack_line(&sp->fmt, line, len, sp->delimiter, rec, &sp->scratch, &err) < 0)
		return report_pack_error(&err, lineno);
	sp->out.len += sp->fmt.size;
	sp->records++;
	if (sp->verbosity >= 2)
		diag_verbose(2, "line %llu: record of %zu bytes", (unsigned long long)lineno, sp->fmt.size);
	if (sp->out.len >= OUT_CHUNK && write_out(sp) < 0)
		return write_failed(sp);
	return EXIT_OK;
}

/* Packs every complete line in in; the unfinished tail stays (or, at_eof, is packed too). */
static int pack_lines(struct struct_pack *sp, struct buf *in, uint64_t *lineno, bool at_eof)
{
	size_t start = in->off;
	int status = EXIT_OK;

	while (status == EXIT_OK && start < in->len) {
		char *nl = memchr(in->data + start, '\n', in->len - start);
		size_t end = nl ? (size_t)(nl - in->data) : in->len;
		if (!nl && !at_eof)
			break;
		++*lineno;
		status = pack_one_line(sp, in->data + start, end - start, *lineno);
		start = nl ? end + 1 : end;
	}
	buf_consume(in, start - in->off);
	if (status == EXIT_OK && buf_readable(in) > LINE_MAX_BYTES)
		return diag_error("pack line %llu: longer than %zu MiB", (unsigned long long)*lineno + 1,
		                  LINE_MAX_BYTES >> 20);
	return status;
}

static int pack_stdin(struct struct_pack *sp)
{
	struct buf in = BUF_INIT;
	uint64_t lineno = 0;
	int status = EXIT_OK;

	for (;;) {
		ssize_t n;
		if (buf_reserve(&in, IN_CHUNK) < 0) {
			status = diag_errno("pack");
			break;
		}
		n = io_read(STDIN_FILENO, in.data + in.len, IN_CHUNK);
		if (n < 0) {
			status = diag_errno("read -");
			break;
		}
		in.len += (size_t)n;
		status = pack_lines(sp, &in, &lineno, n == 0);
		if (status != EXIT_OK || n == 0 || sp->stdout_closed)
			break;
	}
	buf_free(&in);
	diag_verbose(1, "packed %llu records of %zu bytes", (unsigned long long)sp->records, sp->fmt.size);
	/* Records packed before a refusal still go out, whole. */
	if (write_out(sp) < 0 && status == EXIT_OK)
		status = write_failed(sp);
	return status;
}

static int run_pack(struct struct_pack *sp)
{
	int status = check_record_size(sp);

	if (status != EXIT_OK)
		return status;
	if (sp->noperands > 0)
		return pack_operands(sp);
	return pack_stdin(sp);
}

/* ---- unpack ---- */

struct input {
	int fd;
	const char *name;
	uint64_t offset; /* bytes of the input consumed so far */
};

static int open_input(struct struct_pack *sp, struct input *in)
{
	const char *path = sp->noperands ? sp->operands[0] : "-";

	in->name = path;
	in->offset = 0;
	if (strcmp(path, "-") == 0) {
		in->fd = STDIN_FILENO;
		return EXIT_OK;
	}
	in->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (in->fd < 0)
		return diag_errno("open %s", path);
	return EXIT_OK;
}

/* Skips --offset bytes: lseek(2) where the input can seek, reading them otherwise. */
static int skip_offset(struct struct_pack *sp, struct input *in)
{
	char sink[64 << 10];
	struct stat st;
	uint64_t left = sp->offset;

	if (left == 0)
		return EXIT_OK;
	if (fstat(in->fd, &st) == 0 && S_ISREG(st.st_mode)) {
		off_t here = lseek(in->fd, 0, SEEK_CUR);
		if (here >= 0 && (uint64_t)st.st_size >= (uint64_t)here &&
		    left <= (uint64_t)st.st_size - (uint64_t)here) {
			if (lseek(in->fd, (off_t)left, SEEK_CUR) < 0)
				return diag_errno("seek %s", in->name);
			in->offset = left;
			diag_verbose(1, "skipped %llu bytes with lseek", (unsigned long long)left);
			return EXIT_OK;
		}
	}
	while (left > 0) {
		ssize_t n = io_read(in->fd, sink, left < sizeof sink ? (size_t)left : sizeof sink);
		if (n < 0)
			return diag_errno("read %s", in->name);
		if (n == 0)
			return diag_error("unpack %s: input ends at byte %llu, before --offset %llu", in->name,
			                  (unsigned long long)in->offset, (unsigned long long)sp->offset);
		left -= (uint64_t)n;
		in->offset += (uint64_t)n;
	}
	diag_verbose(1, "skipped %llu bytes by reading them", (unsigned long long)sp->offset);
	return EXIT_OK;
}

/* Appends one record as a line of text or JSON. */
static int unpack_record(struct struct_pack *sp, const unsigned char *rec, struct structfmt_sink *sink)
{
	int rc;

	if (sp->json) {
		struct json j;
		json_init(&j, &sp->out);
		rc = structfmt_unpack_json(&sp->fmt, rec, sp->keep_nul, &j, sink);
	} else {
		rc = structfmt_unpack_text(&sp->fmt, rec, sp->delimiter, sp->keep_nul, sink);
	}
	if (rc == 0)
		rc = buf_append_byte(&sp->out, '\n');
	if (rc < 0) {
		if (sp->stdout_closed || errno != ENOMEM)
			return write_failed(sp); /* the flush already said why */
		return diag_errno("unpack");
	}
	if (sp->out.len >= OUT_CHUNK && write_out(sp) < 0)
		return write_failed(sp);
	return EXIT_OK;
}

/* Reads records back to back and prints them; a partial record at the end is an error. */
static int unpack_stream(struct struct_pack *sp, struct input *in)
{
	size_t size = sp->fmt.size;
	size_t cap = size >= IN_CHUNK ? size : IN_CHUNK - IN_CHUNK % size;
	unsigned char *data = malloc(cap);
	struct structfmt_sink sink = { &sp->out, OUT_CHUNK, flush_sink, sp };
	size_t have = 0;
	int status = EXIT_OK;
	bool eof = false;

	if (!data)
		return diag_errno("unpack");
	while (status == EXIT_OK && !eof && !sp->stdout_closed &&
	       !(sp->have_count && sp->records >= sp->count)) {
		size_t done = 0;
		ssize_t n = io_read(in->fd, data + have, cap - have);
		if (n < 0) {
			status = diag_errno("read %s", in->name);
			break;
		}
		eof = n == 0;
		have += (size_t)n;
		diag_verbose(2, "read %zd bytes", n);
		while (status == EXIT_OK && have - done >= size && !sp->stdout_closed &&
		       !(sp->have_count && sp->records >= sp->count)) {
			if (sp->verbosity >= 2)
				diag_verbose(2, "record %llu at offset %llu",
				             (unsigned long long)sp->records + 1,
				             (unsigned long long)in->offset);
			status = unpack_record(sp, data + done, &sink);
			done += size;
			in->offset += size;
			sp->records++;
		}
		memmove(data, data + done, have - done);
		have -= done;
	}
	free(data);
	diag_verbose(1, "unpacked %llu records of %zu bytes", (unsigned long long)sp->records, size);
	if (write_out(sp) < 0 && status == EXIT_OK)
		status = write_failed(sp);
	if (status == EXIT_OK && have > 0 && !sp->stdout_closed && !(sp->have_count && sp->records >= sp->count))
		status = diag_error("unpack %s: partial record at offset %llu: %zu bytes, a record is %zu",
		                    in->name, (unsigned long long)in->offset, have, size);
	return status;
}

static int run_unpack(struct struct_pack *sp)
{
	struct input in;
	int status;

	if (sp->fmt.size == 0)
		return diag_usage("unpack: format '%s' makes records of 0 bytes, which a stream cannot hold",
		                  sp->shown_format);
	status = check_record_size(sp);
	if (status == EXIT_OK)
		status = open_input(sp, &in);
	if (status != EXIT_OK)
		return status;
	status = skip_offset(sp, &in);
	if (status == EXIT_OK)
		status = unpack_stream(sp, &in);
	if (in.fd != STDIN_FILENO)
		close(in.fd);
	return status;
}

int struct_pack_main(int argc, char **argv)
{
	struct struct_pack sp;
	int status;

	memset(&sp, 0, sizeof sp);
	status = parse_args(&sp, argc, argv);
	if (status != OPT_GO_ON)
		return status;
	status = load_format(&sp);
	if (status != EXIT_OK)
		return status;
	switch (sp.command) {
	case CMD_PACK:
		status = run_pack(&sp);
		break;
	case CMD_UNPACK:
		status = run_unpack(&sp);
		break;
	case CMD_SIZE:
		status = run_size(&sp);
		break;
	case CMD_EXPLAIN:
		status = run_explain(&sp);
		break;
	}
	structfmt_free(&sp.fmt);
	buf_free(&sp.out);
	buf_free(&sp.scratch);
	return status;
}
