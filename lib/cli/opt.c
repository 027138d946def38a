/*
 * opt.c - option tables to getopt_long, --help and the hidden listings.
 */
#include "cli/opt.h"

#include "cli/diag.h"
#include "cli/version.h"

#include <getopt.h>
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
	longopts[n++] = (struct option){ "list-options", no_argument, NULL, KEY_LIST_OPTIONS };
	longopts[n++] = (struct option){ "list-commands", no_argument, NULL, KEY_LIST_COMMANDS };
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
	static char name[64];
	const struct opt_spec *s = find_spec(tool, key);
	snprintf(name, sizeof name, "--%s", s ? s->name : "?");
	return name;
}

int opt_choice(const struct opt_tool *tool, int key, const char *arg)
{
	const struct opt_spec *s = find_spec(tool, key);
	size_t arglen = strlen(arg);
	int index = 0;

	if (!s || !s->arg)
		return -1;
	for (const char *p = s->arg;; index++) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		if (len == arglen && strncmp(p, arg, len) == 0)
			return index;
		if (!bar)
			return -1;
		p = bar + 1;
	}
}

static void print_spec_line(const struct opt_spec *s)
{
	char left[96];
	int n;

	if (s->key > 0 && s->key < OPT_LONG_ONLY)
		n = snprintf(left, sizeof left, "  -%c, --%s", s->key, s->name);
	else
		n = snprintf(left, sizeof left, "      --%s", s->name);
	if (s->arg && n > 0 && (size_t)n < sizeof left)
		snprintf(left + n, sizeof left - (size_t)n, "=%s", s->arg);
	if (strlen(left) > 30)
		printf("%s\n%32s%s\n", left, "", s->help);
	else
		printf("%-32s%s\n", left, s->help);
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
	if (tool->commands) {
		printf("\nCommands:");
		for (size_t i = 0; tool->commands[i]; i++)
			printf(" %s", tool->commands[i]);
		printf("\n");
	}
	printf("\nOptions:\n");
	for (size_t i = 0; tool->specs && tool->specs[i].name; i++)
		print_spec_line(&tool->specs[i]);
	for (size_t b = 0; tool->shared && tool->shared[b]; b++)
		for (const struct opt_spec *s = tool->shared[b]; s->name; s++)
			print_spec_line(s);
	for (size_t i = 0; common_specs[i].name; i++)
		print_spec_line(&common_specs[i]);
	printf("\nSee sockbox-%s(1) for the whole story.\n", tool->name);
}

/* One line per option: SHORT<TAB>LONG<TAB>ARG<TAB>HELP (empty fields stay empty). */
static void print_option_list(const struct opt_tool *tool)
{
	const struct opt_spec *lists[8] = { tool->specs };
	size_t nlists = 1;

	for (size_t b = 0; tool->shared && tool->shared[b] && nlists < 7; b++)
		lists[nlists++] = tool->shared[b];
	lists[nlists++] = common_specs;
	for (size_t l = 0; l < nlists; l++) {
		for (size_t i = 0; lists[l] && lists[l][i].name; i++) {
			const struct opt_spec *s = &lists[l][i];
			if (s->key > 0 && s->key < OPT_LONG_ONLY)
				printf("-%c", s->key);
			printf("\t--%s\t%s\t%s\n", s->name, s->arg ? s->arg : "", s->help);
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

int opt_next(struct opt_state *st)
{
	int key;

	st->arg = NULL;
	if (!st->longopts)
		return finish(st, diag_errno("allocate option table"));
	key = getopt_long(st->argc, st->argv, st->shortopts, st->longopts, NULL);
	st->arg = optarg;
	switch (key) {
	case -1:
		st->index = optind;
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
		return key;
	}
}
