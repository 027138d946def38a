/*
 * client.h - one member's side of the chat: the requests it sends, the
 * join handshake with a server, the lines it prints, the terminal prompt.
 *
 * Promise: chat_client_send formats "VERB NAME [TEXT]" and sends it on the
 * connected socket, or to c->to (a group) when set; chat_client_join sends
 * L NAME until OK, a refusal or the timeout, the wait doubling after each
 * try; chat_client_receive reads and classifies one datagram from the
 * server; chat_client_print prints a received line on stdout (text or
 * JSON Lines, chat/event.h) with the prompt erased and drawn again, an
 * ERR also on stderr, and a closed stdout asks the tool to stop
 * (sig_request_stop).  A policy module: it prints lines on stdout, the
 * prompt, errors and -v narration on stderr (cli/diag); it never exits.
 * The caller owns the socket, the receive buffer and the poll loop.
 */
#ifndef SOCKBOX_CHAT_CLIENT_H
#define SOCKBOX_CHAT_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "base/buf.h"
#include "chat/proto.h"
#include "net/addr.h"

#define CHAT_DATAGRAM_MAX 65536u /* the receive buffer a client needs: any datagram whole */

struct chat_client {
	/* set by the caller */
	int fd;                   /* connected to the server, or bound to the group (chat/group.h) */
	const char *name;         /* the name we join as */
	int json;                 /* lines as JSON Lines */
	int prompt;               /* stdin and stderr are terminals: draw "NAME> " */
	unsigned char *datagram;  /* the receive buffer, CHAT_DATAGRAM_MAX bytes */
	char peer[ADDR_TEXT_MAX]; /* the server, as text (group mode: chat_group_open sets it) */
	/* state */
	const struct sockaddr *to; /* group mode: where requests go (NULL: the connected peer) */
	socklen_t to_len;
	unsigned heartbeat; /* seconds, from the OK reply */
	struct buf out;     /* one stdout record */
	struct buf line;    /* one datagram to send */
	int stdout_closed;
	char last_join[CHAT_NAME_BYTES + 1]; /* group mode: the last claim heard, and when */
	uint64_t last_join_ns;
};

/* Sends "VERB NAME" (text NULL) or "VERB NAME TEXT": EXIT_OK or EXIT_FAIL. */
int chat_client_send(struct chat_client *c, char verb, const char *text, size_t len);

/* Erases the prompt (draw 0) before a line is printed, or draws it (1). */
void chat_client_prompt(const struct chat_client *c, int draw);

/* Prints one received line l (data, len: its bytes; chat/event.h says what
 * and how); ERR also as a message on stderr.  EXIT_OK or EXIT_FAIL. */
int chat_client_print(struct chat_client *c, const struct chat_line *l, const void *data, size_t len);

/*
 * Waits up to ms (-1: does not wait) for one datagram from the server and
 * classifies it into *l (the bytes in c->datagram, *len).  1 got one, 0
 * none in time, or -1 after a diagnostic (ECONNREFUSED: nobody at that port).
 */
int chat_client_receive(struct chat_client *c, int ms, struct chat_line *l, size_t *len);

/* L NAME until OK (printed, c->heartbeat set), a refusal, or timeout
 * seconds: EXIT_OK joined, EXIT_FAIL after a diagnostic or a stop signal. */
int chat_client_join(struct chat_client *c, double timeout);

#endif
