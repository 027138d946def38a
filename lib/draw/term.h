/*
 * term.h - what a terminal can show: Unicode block characters, colour.
 *
 * Promise: term_caps decides once, from the environment only (no
 * setlocale, no terminfo): TERM_UNICODE when the locale that applies to
 * characters (the first set of LC_ALL, LC_CTYPE, LANG) names UTF-8, so
 * LC_ALL=C or POSIX gives plain ASCII; TERM_COLOR when fd is a terminal,
 * NO_COLOR is unset or empty (https://no-color.org) and TERM is not
 * "dumb".  The drawing modules take these bits as their flags.
 */
#ifndef SOCKBOX_TERM_H
#define SOCKBOX_TERM_H

enum {
	TERM_UNICODE = 1, /* block characters and box drawing may be used */
	TERM_COLOR = 2,   /* ANSI colour sequences may be used */
};

/* The TERM_* bits for output written to fd. */
unsigned term_caps(int fd);

/* 1 when the locale for characters is UTF-8, else 0. */
int term_locale_utf8(void);

#endif
