/*
 * dgrecord.h - what a datagram listener prints: one datagram read, told
 * (-v), reported when truncated, written to stdout as one record.
 *
 * Promise: dgrecord_receive reads one datagram (net/dgram) into a buffer
 * of max_size bytes, counts it, narrates where it came from and where it
 * was going (-v), says on stderr when it was longer than max_size, and
 * writes its record to stdout in one write: the bytes as they are (raw),
 * one JSON Lines object (json) or one escaped line.  A reader that went
 * away (EPIPE) ends the output quietly and asks the run to stop
 * (sig_request_stop), as filters do.  dgrecord_interfaces keeps the
 * interface snapshot the records are judged against at most a second old.
 * A policy module: it prints records on stdout and messages on stderr
 * (cli/diag); it never exits.  The caller owns the socket.
 */
#ifndef SOCKBOX_DGRECORD_H
#define SOCKBOX_DGRECORD_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "net/dgram.h"
#include "net/iface.h"

struct dgrecord {
	/* what the caller decided */
	int raw;         /* payloads as they are */
	int json;        /* one JSON object per datagram */
	size_t max_size; /* longest datagram kept whole */
	/* run state */
	unsigned char *datagram; /* receive buffer, max_size bytes */
	struct buf record;       /* one output record */
	int stdout_closed;       /* EPIPE: the reader went away */
	struct iface_list ifaces;
	uint64_t ifaces_loaded_ns;
	uint64_t received, received_bytes, truncated;
};

/* An empty receiver of max_size bytes (its buffer not yet allocated). */
void dgrecord_init(struct dgrecord *r, size_t max_size);

/* Allocates the receive buffer of max_size bytes: 0, or -1 (ENOMEM). */
int dgrecord_alloc(struct dgrecord *r);

/* The host's interfaces, loaded again when the snapshot is a second old
 * (a failure is told at -v and leaves the list empty). */
const struct iface_list *dgrecord_interfaces(struct dgrecord *r);

/*
 * Reads one datagram from fd and prints it; what names it in the -v
 * narration ("datagram", "reply").  Sets *got to 1 when one was read (0
 * on a spurious wake-up).  EXIT_OK or EXIT_FAIL after a message.
 */
int dgrecord_receive(struct dgrecord *r, int fd, const char *what, struct dgram_info *info, int *got);

/* Releases the buffers and the snapshot; not the socket. */
void dgrecord_free(struct dgrecord *r);

#endif
