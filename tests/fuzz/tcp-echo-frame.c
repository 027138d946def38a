/*
 * tcp-echo-frame.c - libFuzzer target for the stream handlers tcp-echo
 * serves with (lib/handler.c): bytes from the network, any split.
 *
 * The input's first byte picks the handler and a split step; the rest is
 * the stream.  Properties checked: nothing crashes or overruns; the output
 * is the same whether the stream arrives at once or in pieces (TCP keeps
 * no boundaries, so a handler must not depend on them); a frame handler
 * echoes only whole frames, each one exactly as received.
 */
#include "serve/handler.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Feeds the stream in pieces of step bytes; returns the handler's result. */
static int run(enum handler_kind kind, uint32_t max_frame, const uint8_t *in, size_t len, size_t step,
               struct buf *out)
{
	struct handler h;
	int rc = 0;

	handler_init(&h, kind, "R");
	h.max_frame = max_frame;
	for (size_t at = 0; at < len && rc == 0; at += step)
		rc = handler_input(&h, in + at, len - at < step ? len - at : step, out);
	if (rc == 0)
		rc = handler_end(&h, out);
	handler_free(&h);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf whole = BUF_INIT, pieces = BUF_INIT;
	enum handler_kind kind;
	size_t step;
	int rc_whole, rc_pieces;

	if (size < 1)
		return 0;
	kind = (enum handler_kind)(data[0] % 5);
	step = (size_t)(data[0] >> 3) + 1;
	data++;
	size--;
	rc_whole = run(kind, 64, data, size, size ? size : 1, &whole);
	rc_pieces = run(kind, 64, data, size, step, &pieces);
	/* an error (a frame over the limit) may cut the output short at a
	 * different point; without one, both must agree byte for byte */
	if (rc_whole == 0 && rc_pieces == 0 &&
	    (whole.len != pieces.len || (whole.len && memcmp(whole.data, pieces.data, whole.len) != 0)))
		abort();
	if ((rc_whole == 0) != (rc_pieces == 0))
		abort();
	/* echo-like handlers never produce more than they were given */
	if (kind == HANDLER_FRAME && whole.len > size)
		abort();
	if (kind == HANDLER_FRAME && rc_whole == 0 && memcmp(whole.data ? whole.data : "", data, whole.len) != 0)
		abort();
	buf_free(&whole);
	buf_free(&pieces);
	return 0;
}
