/*
 * addr-parse.c - libFuzzer target for addr_parse and addr_spec_format:
 * address operands come from users and from scripts that build them from
 * untrusted text.  Any input must parse or be refused, never overrun.
 */
#include "net/addr.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct addr_spec spec;
	char out[ADDR_TEXT_MAX + 300];

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (int allow = 0; allow <= 1; allow++) {
		if (addr_parse(text, allow, &spec) == 0)
			addr_spec_format(&spec, "127.0.0.1", "0", out, sizeof out);
	}
	free(text);
	return 0;
}
