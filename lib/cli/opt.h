/*
 * opt.h - one option table per tool, turned into getopt_long's arguments,
 * the --help text and the hidden --list-options / --list-commands answers
 * that completions and tests read.  Nothing about an option is typed twice.
 *
 * A tool writes:
 *
 *	enum { OPT_METHOD = OPT_LONG_ONLY, OPT_SPARSE };
 *	static const struct opt_spec options[] = {
 *		{ 'n', "no-clobber", NULL, "refuse to replace an existing DST" },
 *		{ OPT_METHOD, "method", "auto|read-write", "copy path to use" },
 *		{ 0, NULL, NULL, NULL },
 *	};
 *	static const struct opt_tool spec = {
 *		.name = "file-copy",
 *		.usage = "[OPTIONS] SRC DST",
 *		.summary = "Copy one file safely.",
 *		.specs = options,
 *	};
 *
 * (designated initializers: fields may be added to struct opt_tool)
 *
 * and loops:
 *
 *	struct opt_state st;
 *	opt_init(&st, &spec, argc, argv);
 *	while ((key = opt_next(&st)) != OPT_END) {
 *		if (key == OPT_EXIT) return st.status;
 *		switch (key) { case 'n': ...; st.arg holds the argument }
 *	}
 *	operands are argv[st.index .. argc-1]
 *
 * -h/--help, --version, --list-options and --list-commands are added to
 * every tool; opt_next prints their answer and returns OPT_EXIT with
 * status 0.  An unknown option or a missing argument prints a usage
 * diagnostic and returns OPT_EXIT with status 2.
 */
#ifndef SOCKBOX_OPT_H
#define SOCKBOX_OPT_H

/* Keys at or above this value have no short letter.  Tools number their
 * long-only keys from OPT_LONG_ONLY; lib blocks of shared options (the
 * server conventions) use OPT_SHARED_BASE and up, so the two never meet. */
#define OPT_LONG_ONLY 256
#define OPT_SHARED_BASE 0x1000

enum {
	OPT_END = -1,   /* no more options: operands start at st.index */
	OPT_EXIT = -2,  /* the tool must return st.status now */
};

struct opt_spec {
	int key;          /* short letter, or >= OPT_LONG_ONLY for long-only */
	const char *name; /* long name without the dashes */
	const char *arg;  /* argument name, NULL for a flag; "a|b|c" lists choices */
	const char *help; /* one line, lowercase, no period */
};

struct opt_tool {
	const char *name;        /* tool name, as in the dispatch table */
	const char *usage;       /* "[OPTIONS] SRC DST"; several lines split by '\n' */
	const char *summary;     /* one sentence printed under the usage */
	const struct opt_spec *specs; /* terminated by an entry with name NULL */
	const struct opt_spec *const *shared; /* lib blocks (server_blocks, mux_blocks), NULL-terminated, or NULL */
	const char *const *commands;  /* subcommands, NULL-terminated, or NULL */
	int stop_at_operand;     /* 1: options end at the first operand (values may start with '-') */
};

struct opt_state {
	const struct opt_tool *tool;
	int argc;
	char **argv;
	const char *arg;   /* argument of the option just returned, or NULL */
	int index;         /* first operand, valid once OPT_END is returned */
	int status;        /* exit status to return when OPT_EXIT is returned */
	/* getopt_long's tables, built from the spec by opt_init */
	char shortopts[160];
	void *longopts;
};

/* Prepares st; resets getopt so a tool may be run more than once in a process. */
void opt_init(struct opt_state *st, const struct opt_tool *tool, int argc, char **argv);

/* Next option key, OPT_END, or OPT_EXIT (see above). Frees its tables at the end. */
int opt_next(struct opt_state *st);

/* Releases the tables if the caller stops before OPT_END/OPT_EXIT. */
void opt_done(struct opt_state *st);

/* Long name of key, for messages ("--count"). */
const char *opt_name(const struct opt_tool *tool, int key);

/* Index of arg among the choices "a|b|c" of key's spec; -1 when it is none of them. */
int opt_choice(const struct opt_tool *tool, int key, const char *arg);

/* Prints the --help text of tool on stdout. */
void opt_print_help(const struct opt_tool *tool);

#endif
