/*
 * relay.h - the client half of a stream conversation: standard input to a
 * connected socket, the socket to standard output (the netcat core).
 *
 * Promise: both directions move at once (one poll(2) over stdin and the
 * socket), so the relay always reads what the peer sends even while it
 * still has input to send: it can never deadlock against a peer that
 * answers while it reads.  At the end of input, once everything queued is
 * sent, it shuts down its sending side (shutdown(2) SHUT_WR, a FIN) and
 * keeps copying until the peer closes.  Binary-safe; memory stays bounded
 * (input is not read while 256 KiB wait to be sent).
 *
 * End of stream: the peer's EOF ends the relay with success (input not yet
 * sent is dropped: the peer has said all it will say); a reset, a failed
 * send or an idle timeout is a diagnostic and EXIT_FAIL; a closed standard
 * output ends the relay quietly with success.  Like server_open, it reports
 * through diag and returns the exit status.
 */
#ifndef SOCKBOX_RELAY_H
#define SOCKBOX_RELAY_H

#include <stdint.h>

struct relay_options {
	int frame;           /* each input line is sent as one message: 4-byte big-endian length, payload;
				each message received is printed as its payload and a newline */
	uint32_t max_frame;  /* frame mode: the largest payload either way */
	double idle_timeout; /* seconds without a byte either way before failing; 0: none */
	int interactive;     /* a terminal: prompt "PEER> " on stderr before each line */
};

/* Relays until the peer closes the connection fd (named peer in messages).
 * Leaves fd open.  EXIT_OK or EXIT_FAIL after a diagnostic. */
int relay_run(int fd, const char *peer, const struct relay_options *o);

#endif
