/*
 * ftpcmd.h - the FTP server's parser of untrusted bytes: command lines,
 * path arguments, PORT and EPRT addresses (RFC 959, RFC 2428, RFC 3659).
 *
 * Promise: every function reads only the bytes it is given, bounds every
 * copy, and answers "refused" rather than guess.  A command line is at
 * most FTPCMD_LINE_MAX bytes (512 for the command, as RFC 959's era
 * allowed, plus a path); a longer line is reported once as too long and
 * its bytes are dropped up to its end, so a client that never sends a
 * line feed costs a bounded buffer, never memory.  Paths are resolved in
 * the client's view (the root is "/") and normalised; a ".." above the
 * root is refused, never clamped.  Nothing prints, nothing allocates.
 * A struct ftpcmd_reader belongs to one thread at a time.
 */
#ifndef SOCKBOX_FTPCMD_H
#define SOCKBOX_FTPCMD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

enum {
	FTPCMD_PATH_MAX = 4096,                  /* a client path, as PATH_MAX */
	FTPCMD_LINE_MAX = 512 + FTPCMD_PATH_MAX, /* a whole line, CRLF excluded */
	FTPCMD_VERB_MAX = 4,                     /* every command of RFC 959 and its extensions */
};

/* Bytes in, lines out.  Feed it from the socket; take lines from it. */
struct ftpcmd_reader {
	char buf[FTPCMD_LINE_MAX + 3]; /* a longest line, its CR LF, one more */
	size_t len;                    /* bytes held */
	int discarding;                /* inside a line that was too long: drop up to its LF */
};

enum ftpcmd_line {
	FTPCMD_NONE = 0,     /* no whole line yet: read more */
	FTPCMD_LINE = 1,     /* a line, without its CR LF */
	FTPCMD_TOO_LONG = 2, /* a line past FTPCMD_LINE_MAX began (reported once) */
};

/* Empties the reader. */
void ftpcmd_reader_init(struct ftpcmd_reader *r);

/* Where the next bytes may be read to, and how many fit (never 0). */
char *ftpcmd_reader_space(struct ftpcmd_reader *r, size_t *room);

/* Records n bytes read into the space. */
void ftpcmd_reader_added(struct ftpcmd_reader *r, size_t n);

/* Takes the next line: FTPCMD_LINE with the line (NUL-terminated, CR LF
 * removed, a lone LF accepted) copied into line (FTPCMD_LINE_MAX + 1
 * bytes), FTPCMD_TOO_LONG, or FTPCMD_NONE. */
enum ftpcmd_line ftpcmd_reader_take(struct ftpcmd_reader *r, char *line);

/* 1 when bytes of an unfinished line are held. */
int ftpcmd_reader_pending(const struct ftpcmd_reader *r);

/* A command: the verb in upper case, and its argument (after one space). */
struct ftpcmd {
	char verb[FTPCMD_VERB_MAX + 1];
	const char *arg; /* points into the line; "" when none */
};

/* Splits line into verb and argument.  Telnet IAC sequences and other
 * bytes before the verb (what an ABOR sent with the Telnet "interrupt
 * process" and "synch" leaves in the stream) are skipped.  0, or -1 when
 * the line holds no verb of 3 or 4 letters. */
int ftpcmd_parse(const char *line, struct ftpcmd *cmd);

/*
 * Resolves arg (absolute, or relative to cwd, which starts with '/') into
 * the normalised client path out ("/", "/a/b": no "." or ".." or empty
 * segment, no trailing '/').  0; or -1 with errno EACCES (a ".." above the
 * root), ENAMETOOLONG, or EINVAL (a NUL or no path).
 */
int ftpcmd_path(const char *cwd, const char *arg, char *out, size_t size);

/* The root-relative form of a normalised client path: "/a/b" -> "a/b",
 * "/" -> ".". */
const char *ftpcmd_relative(const char *path);

/* The last segment of a normalised path ("/a/b" -> "b", "/" -> "/"). */
const char *ftpcmd_basename(const char *path);

/* Skips ls-style options ("-la ") at the start of a LIST or NLST
 * argument and sets *all when one of them holds 'a'.  Returns the rest. */
const char *ftpcmd_list_arg(const char *arg, int *all);

/* "h1,h2,h3,h4,p1,p2" (PORT) into an IPv4 address: 0 or -1. */
int ftpcmd_parse_port(const char *arg, struct sockaddr_storage *ss, socklen_t *len);

/* "|1|ADDR|PORT|" or "|2|ADDR|PORT|" (EPRT, RFC 2428, any delimiter from
 * 33 to 126) into an address: 0 or -1. */
int ftpcmd_parse_eprt(const char *arg, struct sockaddr_storage *ss, socklen_t *len);

/* A whole number up to 2^63-1 (REST): 0 or -1. */
int ftpcmd_parse_offset(const char *arg, uint64_t *out);

/* Quotes a path for a 257 reply: every '"' doubled (RFC 959 appendix II).
 * Returns out; the result is cut short, still NUL-terminated, when size
 * is too small. */
char *ftpcmd_quote(const char *path, char *out, size_t size);

#endif
