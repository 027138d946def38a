/*
 * diag.c - one-line diagnostics with the "sockbox TOOL: " prefix.
 */
#include "cli/diag.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Module state: the running tool and its -v level, set once by the dispatcher
 * and the tool's option parser. */
static const char *current_tool;
static int verbosity;

void diag_set_tool(const char *tool)
{
	current_tool = tool;
}
const char *diag_tool(void)
{
	return current_tool ? current_tool : "";
}
void diag_set_verbosity(int level)
{
	verbosity = level;
}
int diag_verbosity(void)
{
	return verbosity;
}

/* Formats the whole line first, then writes it once: one write(2), one line. */
__attribute__((format(printf, 2, 0))) static void emit(const char *suffix, const char *fmt, va_list ap)
{
	char line[2048];
	size_t len;
	int n;

	if (current_tool && *current_tool)
		n = snprintf(line, sizeof line, "sockbox %s: ", current_tool);
	else
		n = snprintf(line, sizeof line, "sockbox: ");
	len = (size_t)n;
	n = vsnprintf(line + len, sizeof line - len, fmt, ap);
	if (n > 0)
		len += (size_t)n < sizeof line - len ? (size_t)n : sizeof line - len - 1;
	if (suffix) {
		n = snprintf(line + len, sizeof line - len, "%s", suffix);
		if (n > 0)
			len += (size_t)n < sizeof line - len ? (size_t)n : sizeof line - len - 1;
	}
	if (len >= sizeof line - 1)
		len = sizeof line - 2;
	line[len++] = '\n';
	/* A diagnostic that cannot be written has nowhere else to go. */
	while (write(STDERR_FILENO, line, len) < 0 && errno == EINTR)
		;
}

int diag_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(NULL, fmt, ap);
	va_end(ap);
	return EXIT_FAIL;
}

__attribute__((format(printf, 2, 0))) static int emit_errnum(int errnum, const char *fmt, va_list ap)
{
	char suffix[256];
	snprintf(suffix, sizeof suffix, ": %s", strerror(errnum));
	emit(suffix, fmt, ap);
	return EXIT_FAIL;
}

int diag_errno(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	emit_errnum(saved, fmt, ap);
	va_end(ap);
	errno = saved;
	return EXIT_FAIL;
}

int diag_errnum(int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit_errnum(errnum, fmt, ap);
	va_end(ap);
	return EXIT_FAIL;
}

int diag_usage(const char *fmt, ...)
{
	char suffix[160];
	va_list ap;

	if (current_tool && *current_tool)
		snprintf(suffix, sizeof suffix, " (see 'sockbox %s --help')", current_tool);
	else
		snprintf(suffix, sizeof suffix, " (see 'sockbox --help')");
	va_start(ap, fmt);
	emit(suffix, fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

void diag_info(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(NULL, fmt, ap);
	va_end(ap);
}

void diag_verbose(int level, const char *fmt, ...)
{
	va_list ap;
	if (verbosity < level)
		return;
	va_start(ap, fmt);
	emit(NULL, fmt, ap);
	va_end(ap);
}

void diag_signal_safe(const char *text)
{
	char line[512];
	size_t len = 0;
	const char *parts[4] = { "sockbox ", current_tool ? current_tool : "", ": ", text };

	for (int i = 0; i < 4; i++) {
		for (const char *p = parts[i]; *p && len < sizeof line - 1; p++)
			line[len++] = *p;
	}
	line[len++] = '\n';
	ssize_t ignored = write(STDERR_FILENO, line, len);
	(void)ignored;
}

int diag_finish_stdout(int status)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return status;
	if (errno == EPIPE)
		return status;
	diag_errno("write stdout");
	return EXIT_FAIL;
}

int diag_write_stdout(const void *data, size_t len, int *closed)
{
	const char *p = data;

	while (!*closed && len > 0) {
		ssize_t n = write(STDOUT_FILENO, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EPIPE) {
			*closed = 1;
			break;
		}
		if (n < 0)
			return diag_errno("write stdout");
		p += n;
		len -= (size_t)n;
	}
	return EXIT_OK;
}
