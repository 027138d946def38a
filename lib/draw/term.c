/*
 * term.c - Unicode and colour, decided from the environment.
 */
#include "draw/term.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

int term_locale_utf8(void)
{
	static const char *const vars[] = { "LC_ALL", "LC_CTYPE", "LANG" };

	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		const char *v = getenv(vars[i]);
		if (v && *v) {
			const char *dot = strchr(v, '.');
			return dot &&
			       (strncasecmp(dot + 1, "utf-8", 5) == 0 || strncasecmp(dot + 1, "utf8", 4) == 0);
		}
	}
	return 0; /* nothing set: the C locale */
}

unsigned term_caps(int fd)
{
	const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");
	unsigned caps = term_locale_utf8() ? TERM_UNICODE : 0;

	if (isatty(fd) && !(no_color && *no_color) && !(term && strcmp(term, "dumb") == 0))
		caps |= TERM_COLOR;
	return caps;
}
