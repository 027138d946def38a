/*
 * diag.h - diagnostics: the only lib module that prints to stderr.
 *
 * Promise: every message is one line "sockbox TOOL: TEXT\n" written with a
 * single write(2), so lines from forked children never interleave.  The
 * module remembers the running tool's name and the -v level; nothing else.
 * It never exits: callers return the exit status it hands back.
 *
 * Threads: the printing functions may be called from any thread at once.
 * Each formats its line in a buffer on its own stack and hands it to one
 * write(2), so lines from threads (or forked children) never interleave;
 * strerror is glibc's thread-safe one.  The tool name and -v level are
 * plain globals: set them before starting threads, only read them after.
 */
#ifndef SOCKBOX_DIAG_H
#define SOCKBOX_DIAG_H

#include <stddef.h>

/* Exit statuses shared by every tool; a tool's own codes start at 3. */
enum {
	EXIT_OK = 0,    /* success */
	EXIT_FAIL = 1,  /* runtime failure: network, file, protocol */
	EXIT_USAGE = 2, /* unknown option, bad value, missing operand */
};

/* Name used in the "sockbox TOOL: " prefix; NULL or "" gives "sockbox: ". */
void diag_set_tool(const char *tool);
const char *diag_tool(void);

/* -v level: 0 quiet, 1 narrate, 2 every event. */
void diag_set_verbosity(int level);
int diag_verbosity(void);

/* "sockbox TOOL: TEXT".  Returns EXIT_FAIL so callers can `return diag_error(...)`. */
int diag_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "sockbox TOOL: TEXT: strerror(errno)", errno read on entry.  Returns EXIT_FAIL. */
int diag_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Same as diag_errno with an explicit error number (for getaddrinfo-style APIs
 * that return it). Returns EXIT_FAIL. */
int diag_errnum(int errnum, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "sockbox TOOL: TEXT (see 'sockbox TOOL --help')".  Returns EXIT_USAGE. */
int diag_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A status line printed whatever the -v level ("listening on ADDR:PORT",
 * a server's summary): same prefix, same single write. */
void diag_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Narration: printed with the same prefix when the -v level is >= level. */
void diag_verbose(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Async-signal-safe: writes "sockbox TOOL: TEXT\n" from a handler. */
void diag_signal_safe(const char *text);

/*
 * Flush stdout at the end of a tool.  A failed flush (a full disk, /dev/full)
 * is reported and turns status into EXIT_FAIL; EPIPE stays quiet, the way
 * Unix filters end.  Returns the status to exit with.
 */
int diag_finish_stdout(int status);

/*
 * Writes data[0..len) to stdout with write(2), for tools that keep their
 * output in a buffer.  Once *closed is set (a reader that went away:
 * EPIPE) nothing more is written and EXIT_OK is returned quietly, the way
 * Unix filters end; any other failure is reported and gives EXIT_FAIL.
 */
int diag_write_stdout(const void *data, size_t len, int *closed);

#endif
