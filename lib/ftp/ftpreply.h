/*
 * ftpreply.h - what an FTP server sends, parsed: replies (single and
 * multi-line), the 227/229 passive addresses, SIZE and HASH answers, and
 * the directory listings of LIST (Unix and DOS shapes) and MLSD/MLST.
 *
 * Promise: every function reads untrusted bytes through explicit lengths,
 * never past them, never allocates, and answers -1 (or 0 facts) for what
 * does not parse; nothing prints or exits.  A reply keeps at most
 * FTP_REPLY_TEXT_MAX bytes of text and FTP_REPLY_LINES_MAX lines: a server
 * that sends an endless multi-line reply is cut off there (the feeder
 * returns -1) rather than filling memory.
 *
 * References: RFC 959 4.2 (reply format, multi-line "123-" ... "123 "),
 * RFC 2428 (EPSV's "(|||port|)"), RFC 3659 (SIZE, MLST facts),
 * draft-bryan-ftpext-hash ("213 SHA-256 0-SIZE HEX NAME").
 */
#ifndef SOCKBOX_FTPREPLY_H
#define SOCKBOX_FTPREPLY_H

#include <stddef.h>
#include <stdint.h>

#define FTP_REPLY_TEXT_MAX 4096
#define FTP_REPLY_LINES_MAX 1000
#define FTP_NAME_MAX 1024

/* One reply as it is fed line by line. */
struct ftp_reply {
	int code;                      /* 100..599 once complete */
	int multi;                     /* a "123-" reply waiting for its "123 " line */
	int lines;                     /* lines fed so far */
	size_t len;                    /* bytes kept in text */
	char text[FTP_REPLY_TEXT_MAX]; /* the lines kept, '\n'-separated, NUL-terminated */
};

/* Empties r for the next reply. */
void ftp_reply_reset(struct ftp_reply *r);

/*
 * Feeds one line (without its CRLF or LF): 1 when the reply is complete,
 * 0 when more lines are due, -1 when the line cannot start a reply (no
 * three-digit code) or the reply passed FTP_REPLY_LINES_MAX lines.
 */
int ftp_reply_feed(struct ftp_reply *r, const char *line, size_t len);

/* The text of the reply's last line after its code ("Entering Passive..."). */
const char *ftp_reply_last_line(const struct ftp_reply *r);

/* 227 text "... (h1,h2,h3,h4,p1,p2)": 0 with the address and port, -1 if malformed. */
int ftp_parse_227(const char *text, unsigned char addr[4], unsigned *port);

/* 229 text "... (|||port|)" (any delimiter from 33 to 126): 0 and port, or -1. */
int ftp_parse_229(const char *text, unsigned *port);

/* 213 text of SIZE: a decimal size, 0 and *size, or -1. */
int ftp_parse_size(const char *text, uint64_t *size);

/* 213 text of HASH "ALGO START-END HEX NAME": 0 with algo name and hex copied, or -1. */
int ftp_parse_hash(const char *text, char *algo, size_t algo_size, char *hex, size_t hex_size);

enum ftp_entry_type { FTP_FILE, FTP_DIR, FTP_LINK, FTP_OTHER };

/* One directory entry, from any listing shape. */
struct ftp_entry {
	char name[FTP_NAME_MAX];
	enum ftp_entry_type type;
	int has_size;
	uint64_t size;
	char modified[32]; /* "2026-12-07T00:43:17Z" (MLSD), or the listing's own words ("Dec  7 00:43"), or "" */
};

/* A LIST line, Unix ("-rw-r--r-- 1 u g SIZE Mon DD HH:MM NAME") or DOS
 * ("12-07-26 12:43AM <DIR> NAME"): 0, 1 for a line to skip ("total 12"),
 * -1 when neither shape fits. */
int ftp_parse_list_line(const char *line, size_t len, struct ftp_entry *e);

/* An MLSD line "fact=value;fact=value; NAME" (RFC 3659 7.2): 0, 1 for
 * the "cdir"/"pdir" entries a listing names itself with, -1 if malformed. */
int ftp_parse_mlsx_line(const char *line, size_t len, struct ftp_entry *e);

/* "file", "dir", "link" or "other". */
const char *ftp_entry_type_name(enum ftp_entry_type t);

struct buf;

/* Appends e to out as ftp-client ls prints it: "TYPE SIZE MODIFIED NAME\n"
 * (size and modified "-" when unknown), or with json one JSON Lines object
 * {"name","type","size","modified"} (null when unknown). */
void ftp_entry_format(const struct ftp_entry *e, int json, struct buf *out);

/* A whole listing text[0..len) (lines ended by LF or CRLF) parsed as MLSD
 * (mlsd) or LIST lines and appended to out by ftp_entry_format; returns how
 * many lines fit no known shape and were skipped. */
size_t ftp_listing_format(const char *text, size_t len, int mlsd, int json, struct buf *out);

#endif
