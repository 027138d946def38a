/*
 * udp-broadcast-record.c - libFuzzer target for the records udp-broadcast
 * prints of a received datagram (dgram_format_line, dgram_format_json):
 * the payload is whatever a stranger on the network sent.  The first bytes
 * choose the metadata (family, port, truncation, packet info), the rest is
 * the payload.  Whatever it holds, a line record must be exactly one line
 * whose payload unescapes to the bytes received, and a JSON record one line
 * with no raw control character.
 */
#include "net/dgram.h"
#include "base/escape.h"
#include "net/iface.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fill_info(struct dgram_info *info, const uint8_t *head)
{
	memset(info, 0, sizeof *info);
	if (head[0] & 1) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)(void *)&info->source;
		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, head + 4, 4);
		s6->sin6_port = (uint16_t)(head[1] | head[2] << 8);
		info->source_len = sizeof *s6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)&info->source;
		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, head + 4, 4);
		s4->sin_port = (uint16_t)(head[1] | head[2] << 8);
		info->source_len = sizeof *s4;
	}
	info->has_pktinfo = (head[0] & 2) != 0;
	info->truncated = (head[0] & 4) != 0;
	info->ifindex = head[3];
	if (info->has_pktinfo) {
		struct sockaddr_in *d = (struct sockaddr_in *)(void *)&info->destination;
		d->sin_family = AF_INET;
		memcpy(&d->sin_addr, head + 4, 4);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iface_list ifaces = { NULL, 0 };
	struct dgram_info info;
	struct buf line = BUF_INIT, json = BUF_INIT, back = BUF_INIT;
	const uint8_t *payload;
	size_t len;

	if (size < 8)
		return 0;
	fill_info(&info, data);
	payload = data + 8;
	len = size - 8;
	info.length = len;
	if (dgram_format_line(&line, &info, payload, len) == 0) {
		char *tab = memchr(line.data, '\t', line.len);
		size_t bad;
		if (!tab || line.data[line.len - 1] != '\n' || memchr(line.data, '\n', line.len - 1))
			abort();
		if (unescape_bytes(&back, tab + 1, (size_t)(line.data + line.len - 1 - (tab + 1)), &bad) < 0 ||
		    back.len != len || (len && memcmp(back.data, payload, len) != 0))
			abort();
	}
	if (dgram_format_json(&json, &info, payload, len, &ifaces) == 0) {
		for (size_t i = 0; i + 1 < json.len; i++)
			if ((unsigned char)json.data[i] < 0x20)
				abort();
		if (json.data[json.len - 1] != '\n')
			abort();
	}
	buf_free(&line);
	buf_free(&json);
	buf_free(&back);
	return 0;
}
