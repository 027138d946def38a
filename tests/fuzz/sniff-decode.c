/*
 * sniff-decode.c - libFuzzer target for sniff's packet decoders.
 *
 * Input: byte 0 picks the link layer (enum pkt_link), byte 1 how many
 * bytes more than captured the frame claims to have had on the wire, the
 * rest is the captured frame, copied to a buffer of exactly its size so
 * AddressSanitizer catches any read past the captured length.  Every view
 * is rendered (line, layers, JSON, hex, problems), and the segment is fed
 * to the TCP connection tracker twice, as a retransmission would be, each
 * time put in the words of --explain.
 */
#include "pkt/explain.h"
#include "base/json.h"
#include "pkt/pkt.h"
#include "pkt/pktfmt.h"
#include "pkt/tcpflow.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt p;
	struct buf out = BUF_INIT;
	struct json j;
	struct pktfmt_clock clock = { 0, 0, "" };
	struct pktfmt_seq seq = { 1, 12345, 678, 1 };
	struct tcpflow_event ev;
	struct tcpflow *flows;
	uint8_t *frame;
	size_t caplen;

	if (size < 2)
		return 0;
	caplen = size - 2;
	frame = malloc(caplen ? caplen : 1);
	if (!frame)
		return 0;
	memcpy(frame, data + 2, caplen);
	pkt_decode(&p, (enum pkt_link)(data[0] % (PKT_LINK_UNKNOWN + 1)), frame, (uint32_t)caplen,
	           (uint32_t)(caplen + data[1]));

	pktfmt_time(&out, &clock, 1700000000, 123456);
	pktfmt_line(&out, &p, NULL);
	pktfmt_line(&out, &p, &seq);
	pktfmt_layers(&out, &p);
	pktfmt_hex(&out, frame, caplen);
	json_init(&j, &out);
	json_begin_object(&j, NULL);
	pktfmt_json(&j, &p);
	json_end(&j);

	explain_other(&out, &p);
	flows = tcpflow_new(4);
	if (flows) {
		if (tcpflow_track(flows, &p, 1000, &ev) == 0)
			explain_tcp(&out, &ev, &p, 0);
		if (tcpflow_track(flows, &p, 2000, &ev) == 0)
			explain_tcp(&out, &ev, &p, 1);
		tcpflow_free(flows);
	}
	buf_free(&out);
	free(frame);
	return 0;
}
