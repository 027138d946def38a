/*
 * opt.c - option tables to getopt_long, --help and the hidden listings.
 */
#include "cli/opt.h"

#include "cli/diag.h"
#include "cli/version.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Keys of the options every tool gets, beyond any a tool may use. */
enum {
	KEY_HELP = 'h',
	KEY_VERSION = 0x7fff0000,
	KEY_LIST_OPTIONS,
	KEY_LIST_COMMANDS,
};

static const struct opt_spec common_specs[] = {
	{ KEY_HELP, "help", NULL, "show this help and exit" },
	{ KEY_VERSION, "version", NULL, "print the version and exit" },
	{ 0, NULL, NULL, NULL },
};

static size_t count_specs(const struct opt_spec *specs)
{
	size_t n = 0;
	while (specs && specs[n].name)
		n++;
	return n;
}

static void add_long(struct option *longopts, size_t *n, const struct opt_spec *s)
{
	longopts[*n].name = s->name;
	longopts[*n].has_arg = s->arg ? required_argument : no_argument;
	longopts[*n].flag = NULL;
	longopts[*n].val = s->key;
	(*n)++;
}

static void add_short(char *shortopts, size_t size, const struct opt_spec *s)
{
	size_t len = strlen(shortopts);
	if (s->key <= 0 || s->key >= OPT_LONG_ONLY || len + 3 >= size)
		return;
	shortopts[len++] = (char)s->key;
	if (s->arg)
		shortopts[len++] = ':';
	shortopts[len] = '\0';
}

/* The hidden listings, beside common_specs: their names are taken too. */
static const struct opt_spec hidden_specs[] = {
	{ KEY_LIST_OPTIONS, "list-options", NULL, "" },
	{ KEY_LIST_COMMANDS, "list-commands", NULL, "" },
	{ 0, NULL, NULL, NULL },
};

/* Every table a tool's options come from, in --help order; returns how many. */
static size_t spec_lists(const struct opt_tool *tool, const struct opt_spec *lists[], size_t max)
{
	size_t n = 0;

	lists[n++] = tool->specs;
	for (size_t b = 0; tool->shared && tool->shared[b] && n < max - 2; b++)
		lists[n++] = tool->shared[b];
	lists[n++] = common_specs;
	lists[n++] = hidden_specs;
	return n;
}

/* Two options of one tool with the same key (and so the same short letter)
 * or the same long name: getopt would answer only the first.  A mistake in
 * the tables, not in the command line: said loudly, at every run. */
static int find_clash(const struct opt_tool *tool)
{
	const struct opt_spec *lists[12];
	size_t nlists = spec_lists(tool, lists, 12);

	for (size_t l = 0; l < nlists; l++) {
		for (const struct opt_spec *a = lists[l]; a && a->name; a++) {
			for (size_t m = l; m < nlists; m++) {
				for (const struct opt_spec *b = m == l ? a + 1 : lists[m]; b && b->name; b++) {
					if (a->key == b->key || strcmp(a->name, b->name) == 0) {
						diag_error("option table: --%s and --%s share a %s", a->name,
						           b->name, a->key == b->key ? "key" : "long name");
						return 1;
					}
				}
			}
		}
	}
	return 0;
}

void opt_init(struct opt_state *st, const struct opt_tool *tool, int argc, char **argv)
{
	size_t ntool = count_specs(tool->specs);
	size_t nshared = 0;
	size_t n = 0;
	struct option *longopts;

	for (size_t b = 0; tool->shared && tool->shared[b]; b++)
		nshared += count_specs(tool->shared[b]);
	longopts = calloc(ntool + nshared + 5, sizeof *longopts);

	memset(st, 0, sizeof *st);
	st->tool = tool;
	st->argc = argc;
	st->argv = argv;
	st->longopts = longopts;
	st->clash = find_clash(tool);
	/* '+' stops at the first operand; ':' makes a missing argument return ':'. */
	strcpy(st->shortopts, tool->stop_at_operand ? "+:" : ":");
	if (!longopts)
		return;
	for (size_t i = 0; i < ntool; i++) {
		add_long(longopts, &n, &tool->specs[i]);
		add_short(st->shortopts, sizeof st->shortopts, &tool->specs[i]);
	}
	for (size_t b = 0; tool->shared && tool->shared[b]; b++) {
		for (const struct opt_spec *s = tool->shared[b]; s->name; s++) {
			add_long(longopts, &n, s);
			add_short(st->shortopts, sizeof st->shortopts, s);
		}
	}
	for (size_t i = 0; common_specs[i].name; i++) {
		add_long(longopts, &n, &common_specs[i]);
		add_short(st->shortopts, sizeof st->shortopts, &common_specs[i]);
	}
	for (size_t i = 0; hidden_specs[i].name; i++)
		add_long(longopts, &n, &hidden_specs[i]);
	optind = 0; /* GNU getopt: 0 forces a full re-initialisation */
	opterr = 0; /* our own messages, with the sockbox prefix */
}

void opt_done(struct opt_state *st)
{
	free(st->longopts);
	st->longopts = NULL;
}

static const struct opt_spec *find_spec(const struct opt_tool *tool, int key)
{
	for (size_t i = 0; tool->specs && tool->specs[i].name; i++)
		if (tool->specs[i].key == key)
			return &tool->specs[i];
	for (size_t b = 0; tool->shared && tool->shared[b]; b++)
		for (const struct opt_spec *s = tool->shared[b]; s->name; s++)
			if (s->key == key)
				return s;
	return NULL;
}

const char *opt_name(const struct opt_tool *tool, int key)
{
	const struct opt_spec *s = find_spec(tool, key);
	return s ? s->name : "?";
}

int opt_bad_value(const struct opt_tool *tool, int key, const char *arg, const char *fmt, ...)
{
	char reason[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	return diag_usage("invalid --%s '%s': %s", opt_name(tool, key), arg, reason);
}

/* The subcommands key goes with ("send", "pack|unpack"), or NULL: all of them. */
static const char *bound_commands(const struct opt_tool *tool, int key)
{
	for (const struct opt_bind *b = tool->bind; b && b->key; b++)
		if (b->key == key)
			return b->commands;
	return NULL;
}

/* Index of word among the choices "a|b|c", or -1. */
static int choice_index(const char *choices, const char *word)
{
	size_t wordlen = strlen(word);
	int index = 0;

	for (const char *p = choices;; index++) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		if (len == wordlen && strncmp(p, word, len) == 0)
			return index;
		if (!bar)
			return -1;
		p = bar + 1;
	}
}

/* "a|b|c" as "'a', 'b' or 'c'" for a message. */
static void quote_choices(const char *choices, char *out, size_t size)
{
	size_t n = 0, count = 1;

	for (const char *p = choices; *p; p++)
		count += *p == '|';
	out[0] = '\0';
	for (size_t i = 0; choices; i++) {
		const char *bar = strchr(choices, '|');
		int len = bar ? (int)(bar - choices) : (int)strlen(choices);
		const char *sep = i == 0 ? "" : i + 1 == count ? " or " : ", ";
		int w = snprintf(out + n, size - n, "%s'%.*s'", sep, len, choices);
		if (w < 0 || (size_t)w >= size - n)
			return;
		n += (size_t)w;
		choices = bar ? bar + 1 : NULL;
	}
}

int opt_choice(const struct opt_tool *tool, int key, const char *arg)
{
	const struct opt_spec *s = find_spec(tool, key);

	if (!s || !s->arg)
		return -1;
	return choice_index(s->arg, arg);
}

/* "send: " or "pack, unpack: " for an option bound to subcommands, else "". */
static const char *binding_prefix(const struct opt_tool *tool, int key, char *out, size_t size)
{
	const char *cmds = bound_commands(tool, key);
	size_t n = 0;

	out[0] = '\0';
	for (const char *p = cmds; p && *p && n + 4 < size; p++) {
		if (*p == '|') {
			out[n++] = ',';
			out[n++] = ' ';
		} else {
			out[n++] = *p;
		}
	}
	if (cmds && n + 3 < size) {
		out[n++] = ':';
		out[n++] = ' ';
	}
	out[n] = '\0';
	return out;
}

/* The help line of s as tool tells it: its .help_for line, else the spec's. */
static const char *help_text(const struct opt_tool *tool, const struct opt_spec *s)
{
	for (const struct opt_help *h = tool->help_for; h && h->key; h++)
		if (h->key == s->key)
			return h->help;
	return s->help;
}

static void print_spec_line(const struct opt_tool *tool, const struct opt_spec *s)
{
	char left[96], prefix[64];
	int n;

	if (s->key > 0 && s->key < OPT_LONG_ONLY)
		n = snprintf(left, sizeof left, "  -%c, --%s", s->key, s->name);
	else
		n = snprintf(left, sizeof left, "      --%s", s->name);
	if (s->arg && n > 0 && (size_t)n < sizeof left)
		snprintf(left + n, sizeof left - (size_t)n, "=%s", s->arg);
	binding_prefix(tool, s->key, prefix, sizeof prefix);
	if (strlen(left) > 30)
		printf("%s\n%32s%s%s\n", left, "", prefix, help_text(tool, s));
	else
		printf("%-32s%s%s\n", left, prefix, help_text(tool, s));
}

void opt_print_help(const struct opt_tool *tool)
{
	const char *line = tool->usage;
	const char *word = "Usage:";

	/* One "Usage:" line per form, aligned under each other. */
	while (line) {
		const char *nl = strchr(line, '\n');
		int len = nl ? (int)(nl - line) : (int)strlen(line);
		printf("%-6s sockbox %s %.*s\n", word, tool->name, len, line);
		word = "";
		line = nl ? nl + 1 : NULL;
	}
	printf("%s\n", tool->summary);
	if (tool->details)
		printf("%s\n", tool->details);
	if (tool->commands) {
		printf("\nCommands:");
		for (size_t i = 0; tool->commands[i]; i++)
			printf(" %s", tool->commands[i]);
		printf("\n");
	}
	printf("\nOptions:\n");
	for (size_t i = 0; tool->specs && tool->specs[i].name; i++)
		print_spec_line(tool, &tool->specs[i]);
	for (size_t b = 0; tool->shared && tool->shared[b]; b++)
		for (const struct opt_spec *s = tool->shared[b]; s->name; s++)
			print_spec_line(tool, s);
	for (size_t i = 0; common_specs[i].name; i++)
		print_spec_line(tool, &common_specs[i]);
	printf("\nSee sockbox-%s(1) for the whole story.\n", tool->name);
}

/* One line per option: SHORT<TAB>LONG<TAB>ARG<TAB>HELP (empty fields stay empty). */
static void print_option_list(const struct opt_tool *tool)
{
	const struct opt_spec *lists[12];
	size_t nlists = spec_lists(tool, lists, 12) - 1; /* not the hidden ones */
	char prefix[64];

	for (size_t l = 0; l < nlists; l++) {
		for (size_t i = 0; lists[l] && lists[l][i].name; i++) {
			const struct opt_spec *s = &lists[l][i];
			if (s->key > 0 && s->key < OPT_LONG_ONLY)
				printf("-%c", s->key);
			printf("\t--%s\t%s\t%s%s\n", s->name, s->arg ? s->arg : "",
			       binding_prefix(tool, s->key, prefix, sizeof prefix), help_text(tool, s));
		}
	}
}

static int finish(struct opt_state *st, int status)
{
	opt_done(st);
	st->status = status;
	return OPT_EXIT;
}

static int report_bad_option(struct opt_state *st, int key)
{
	const char *word = st->argv[optind - 1];
	int status;

	if (key == ':') {
		status = diag_usage("option '%s' needs an argument", word);
	} else if (optopt > 0 && optopt < OPT_LONG_ONLY && strncmp(word, "--", 2) != 0) {
		status = diag_usage("unknown option '-%c'", optopt);
	} else {
		/* an unknown long option, or a flag given "=value" it does not take */
		status = diag_usage("unknown option '%s'", word);
	}
	return finish(st, status);
}

/* The subcommand word: argv[0] when the tool runs the loop again from its
 * subcommand (argv[0] is then the subcommand, not the program), else the
 * first operand; NULL when neither is one. */
static const char *find_command(const struct opt_state *st)
{
	const char *const *cmds = st->tool->commands;
	const char *words[2] = { st->argv[0], st->index < st->argc ? st->argv[st->index] : NULL };

	for (size_t w = 0; w < 2; w++)
		for (size_t i = 0; words[w] && cmds && cmds[i]; i++)
			if (strcmp(words[w], cmds[i]) == 0)
				return cmds[i];
	return NULL;
}

/* An option bound to other subcommands: "--to goes with 'send', not 'listen'". */
static int check_bindings(struct opt_state *st)
{
	const char *command = find_command(st);

	for (int i = 0; command && i < st->nbound; i++) {
		const char *cmds = bound_commands(st->tool, st->bound[i]);
		char with[128];

		if (choice_index(cmds, command) >= 0)
			continue;
		quote_choices(cmds, with, sizeof with);
		return diag_usage("--%s goes with %s, not '%s'", opt_name(st->tool, st->bound[i]), with,
		                  command);
	}
	return OPT_END;
}

int opt_next(struct opt_state *st)
{
	int key;

	st->arg = NULL;
	if (!st->longopts)
		return finish(st, diag_errno("allocate option table"));
	if (st->clash)
		return finish(st, EXIT_FAIL);
	key = getopt_long(st->argc, st->argv, st->shortopts, st->longopts, NULL);
	st->arg = optarg;
	switch (key) {
	case -1:
		st->index = optind;
		key = check_bindings(st);
		if (key != OPT_END)
			return finish(st, key);
		opt_done(st);
		return OPT_END;
	case '?':
	case ':':
		return report_bad_option(st, key);
	case KEY_HELP:
		opt_print_help(st->tool);
		return finish(st, EXIT_OK);
	case KEY_VERSION:
		printf("sockbox %s\n", SOCKBOX_VERSION);
		return finish(st, EXIT_OK);
	case KEY_LIST_OPTIONS:
		print_option_list(st->tool);
		return finish(st, EXIT_OK);
	case KEY_LIST_COMMANDS:
		for (size_t i = 0; st->tool->commands && st->tool->commands[i]; i++)
			printf("%s\n", st->tool->commands[i]);
		return finish(st, EXIT_OK);
	default:
		if (bound_commands(st->tool, key) && st->nbound < (int)(sizeof st->bound / sizeof st->bound[0]))
			st->bound[st->nbound++] = key;
		return key;
	}
}
