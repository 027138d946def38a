/*
 * proto.h - the course's chat protocol: one request or one line per
 * datagram, parsed from untrusted bytes.
 *
 * Promise: chat_parse_request reads one datagram a client sent (`L NAME`,
 * `C NAME TEXT`, `Q NAME`, and the extensions `H NAME`, `W`) and either
 * fills a request whose name and text are valid UTF-8 without control
 * characters, or says which rule it broke, as the reason the server puts
 * in its `ERR` reply.  chat_parse_line does the same for a line a server
 * sent to a client (`OK`, `ERR`, `EXIT`, `MEMBERS`, a message `NAME: TEXT`,
 * a notice).  Both only point into the caller's bytes, never allocate,
 * never print, and read nothing past len: a libFuzzer target calls them.
 * sockbox-udp-chat(1) has the protocol as a table.
 */
#ifndef SOCKBOX_CHAT_PROTO_H
#define SOCKBOX_CHAT_PROTO_H

#include <stddef.h>

#define CHAT_PROTOCOL_VERSION 2 /* the course's protocol is version 1 */
#define CHAT_NAME_CHARS 32      /* a name is 1-32 characters ... */
#define CHAT_NAME_BYTES 128     /* ... of at most 4 bytes each */
#define CHAT_ADMIN_NAME "admin" /* reserved: the operator's announcements */

enum chat_verb {
	CHAT_JOIN = 'L',
	CHAT_SAY = 'C',
	CHAT_QUIT = 'Q',
	CHAT_HEARTBEAT = 'H',
	CHAT_WHO = 'W',
	CHAT_TAKEN = 'T', /* serverless (a multicast group): "that name is mine" */
};

/* Why a request was refused; chat_reason gives the words of the ERR reply. */
enum chat_error {
	CHAT_OK = 0,
	CHAT_ERR_REQUEST,  /* empty, an unknown verb, a missing field */
	CHAT_ERR_UTF8,     /* not valid UTF-8 */
	CHAT_ERR_NAME,     /* name breaks the rules */
	CHAT_ERR_RESERVED, /* the administrator's name */
	CHAT_ERR_TEXT,     /* a control character in the text */
};

struct chat_request {
	int verb;         /* enum chat_verb */
	const char *name; /* into the datagram, name_len bytes; NULL for a bare W */
	size_t name_len;
	const char *text; /* C only: the rest of the datagram, may be empty */
	size_t text_len;
};

/*
 * Parses one datagram (one trailing "\n" or "\r\n" ignored, as the course's
 * client may send one).  CHAT_OK and *req filled, or the rule it broke.
 */
int chat_parse_request(const void *data, size_t len, struct chat_request *req);

/* The ERR reply's reason for error: "bad request", "invalid name", ... */
const char *chat_reason(int error);

/* 1 when data is valid UTF-8 (no overlong form, no surrogate, <= U+10FFFF). */
int chat_utf8_valid(const void *data, size_t len);

/* CHAT_OK, or CHAT_ERR_UTF8 / CHAT_ERR_NAME / CHAT_ERR_RESERVED: 1-32
 * characters, none a control character, a space or ':', not "admin"
 * in any case. */
int chat_name_check(const char *name, size_t len);

/* CHAT_OK when text is valid UTF-8 without control characters (tab
 * allowed), else CHAT_ERR_UTF8 or CHAT_ERR_TEXT. */
int chat_text_check(const char *text, size_t len);

/* What a line from the server is. */
enum chat_line_kind {
	CHAT_LINE_OK,      /* "OK" [VERSION [HEARTBEAT]] */
	CHAT_LINE_ERR,     /* "ERR REASON" */
	CHAT_LINE_EXIT,    /* "EXIT" */
	CHAT_LINE_MEMBERS, /* "MEMBERS NAME..." */
	CHAT_LINE_MESSAGE, /* "NAME: TEXT" */
	CHAT_LINE_NOTICE,  /* anything else printable: "bob joined" */
	CHAT_LINE_BAD,     /* invalid UTF-8 or a control character */
};

struct chat_line {
	int kind;
	const char *name; /* MESSAGE: the sender */
	size_t name_len;
	const char *text; /* MESSAGE: the text; ERR: the reason; MEMBERS: the names; NOTICE: all */
	size_t text_len;
	unsigned version;   /* OK: 1 when absent (the course's server) */
	unsigned heartbeat; /* OK: seconds between heartbeats, 0 for none */
};

/* Classifies one datagram from the server (one trailing newline ignored). */
void chat_parse_line(const void *data, size_t len, struct chat_line *line);

#endif
