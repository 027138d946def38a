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
 *	const struct opt_tool file_copy_tool = {   (declared in tools/tools.h)
 *		.name = "file-copy",
 *		.usage = "[OPTIONS] SRC DST",
 *		.summary = "copy one file safely",
 *		.specs = options,
 *	};
 *
 * (designated initializers: fields may be added to struct opt_tool)
 *
 * and one parse_args with one contract in every tool:
 *
 *	// OPT_GO_ON: run the tool; anything else: the exit status to return now
 *	static int parse_args(struct file_copy *fc, int argc, char **argv)
 *	{
 *		struct opt_state st;
 *		int key;
 *
 *		opt_init(&st, &file_copy_tool, argc, argv);
 *		while ((key = opt_next(&st)) != OPT_END) {
 *			switch (key) {
 *			case OPT_EXIT: return st.status;
 *			case 'n': fc->no_clobber = 1; break;
 *			case OPT_METHOD:
 *				if ((fc->method = opt_choice(&file_copy_tool, key, st.arg)) < 0) {
 *					opt_done(&st);
 *					return opt_bad_value(&file_copy_tool, key, st.arg, "expected auto or read-write");
 *				}
 *				break;
 *			}
 *		}
 *		operands are argv[st.index .. argc-1]; check them and the conflicts
 *		return OPT_GO_ON;
 *	}
 *
 *	int file_copy_main(int argc, char **argv)
 *	{
 *		int status = parse_args(&fc, argc, argv);
 *		if (status != OPT_GO_ON)
 *			return status;
 *		...
 *	}
 *
 * -h/--help, --version, --list-options and --list-commands are added to
 * every tool; opt_next prints their answer and returns OPT_EXIT with
 * status 0.  An unknown option (named in the message) or a missing
 * argument prints a usage diagnostic and returns OPT_EXIT with status 2.
 *
 * Subcommands: a tool with .commands binds an option (its own or a shared
 * block's) to some of them in .bind, right under its option table:
 *	{ { OPT_TO, "send" }, { OPT_JSON, "unpack|explain" }, { 0, NULL } }
 * (a separate list, so the one-line specs keep their four fields).  The
 * subcommand is the first operand (or argv[0], for a tool that runs the
 * loop again after its subcommand word); at OPT_END, opt_next refuses a bound option given with
 * another subcommand: "--to goes with 'send', not 'listen'" (status 2).
 * --help and --list-options show the binding as a "send: " before the help.
 *
 * A shared block's help line says what the option means in general; a
 * tool where it means more (its own default, another role in one of its
 * subcommands) replaces that line in .help_for, right beside .bind:
 *	{ { 'b', "listen: address to bind (default 0.0.0.0); send: the source" }, { 0, NULL } }
 * --help and --list-options print the tool's line instead.
 *
 * A tool's options, its shared blocks and the common options must not
 * share a key, a long name or a short letter: opt_init checks, and a
 * clash makes every run of the tool fail (status 1) naming both options.
 */
#ifndef SOCKBOX_OPT_H
#define SOCKBOX_OPT_H

/* Keys at or above this value have no short letter.  Tools number their
 * long-only keys from OPT_LONG_ONLY; lib blocks of shared options (the
 * server conventions) use OPT_SHARED_BASE and up, so the two never meet. */
#define OPT_LONG_ONLY 256
#define OPT_SHARED_BASE 0x1000

enum {
	OPT_END = -1,  /* no more options: operands start at st.index */
	OPT_EXIT = -2, /* the tool must return st.status now */
};

/* parse_args's answer when the tool should run; any other answer is the
 * exit status to return at once (0 after --help, 2 after a usage error). */
enum { OPT_GO_ON = -1 };

struct opt_spec {
	int key;          /* short letter, or >= OPT_LONG_ONLY for long-only */
	const char *name; /* long name without the dashes */
	const char *arg;  /* argument name, NULL for a flag; "a|b|c" lists choices */
	const char *help; /* one line, lowercase, no period */
};

/* Binds one option (the tool's own or a shared block's) to the subcommands
 * it goes with; options not listed go with every subcommand. */
struct opt_bind {
	int key;
	const char *commands; /* "send", or "pack|unpack" */
};

/* One option's help line as this tool tells it (see .help_for above). */
struct opt_help {
	int key;
	const char *help;
};

struct opt_tool {
	const char *name;    /* tool name, as in the dispatch table */
	const char *usage;   /* "[OPTIONS] SRC DST"; several lines split by '\n' */
	const char *summary; /* one line, lowercase, no period: under the usage and in `sockbox --help` */
	const char *details; /* more lines printed under the summary by --help, or NULL */
	const struct opt_spec *specs;         /* terminated by an entry with name NULL */
	const struct opt_spec *const *shared; /* lib blocks (server_blocks, mux_blocks), NULL-terminated, or NULL */
	const char *const *commands;          /* subcommands, NULL-terminated, or NULL */
	const struct opt_bind *bind;          /* options bound to subcommands, ended by key 0, or NULL */
	const struct opt_help *help_for; /* this tool's help for shared options, ended by key 0, or NULL */
	int stop_at_operand;             /* 1: options end at the first operand (values may start with '-') */
};

struct opt_state {
	const struct opt_tool *tool;
	int argc;
	char **argv;
	const char *arg; /* argument of the option just returned, or NULL */
	int index;       /* first operand, valid once OPT_END is returned */
	int status;      /* exit status to return when OPT_EXIT is returned */
	int bound[8];    /* keys given that are bound to subcommands (first 8) */
	int nbound;
	int clash; /* opt_init found a key clash: opt_next fails */
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

/* Long name of key without the dashes ("count"), "?" for no such key.
 * The string is the option table's own: reentrant, never overwritten. */
const char *opt_name(const struct opt_tool *tool, int key);

/* "invalid --NAME 'ARG': REASON" as a usage diagnostic (with the --help
 * hint); REASON is a format ("expected a whole number from 1").
 * Returns EXIT_USAGE. */
int opt_bad_value(const struct opt_tool *tool, int key, const char *arg, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Index of arg among the choices "a|b|c" of key's spec; -1 when it is none of them. */
int opt_choice(const struct opt_tool *tool, int key, const char *arg);

/* Prints the --help text of tool on stdout. */
void opt_print_help(const struct opt_tool *tool);

#endif
