/*
 * ipc-bench-sizes.c - libFuzzer target for ipc-bench's list parsers
 * (lib/ipc/list): --size and --mech lists come from users and scripts.
 *
 * Properties checked: nothing crashes or overruns; a list is taken whole
 * or refused whole (a refusal leaves the output untouched); what is taken
 * has no repeats, stays within its bounds and its room.
 */
#include "ipc/list.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = { "pipe", "fifo", "udp", "shm", NULL };
static const int alias[] = { 0, 1 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	uint64_t sizes[4];
	int found[4];
	size_t n = 99;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(sizes, 0xAA, sizeof sizes);
	if (list_parse_sizes(text, 8, 1u << 20, sizes, 4, &n) == 0) {
		if (n < 1 || n > 4)
			abort();
		for (size_t i = 0; i < n; i++) {
			if (sizes[i] < 8 || sizes[i] > (1u << 20))
				abort();
			for (size_t j = 0; j < i; j++)
				if (sizes[i] == sizes[j])
					abort();
		}
	} else if (n != 99 || sizes[0] != UINT64_C(0xAAAAAAAAAAAAAAAA)) {
		abort();
	}
	n = 99;
	if (list_parse_names(text, names, "both", alias, 2, found, 4, &n) == 0) {
		if (n < 1 || n > 4)
			abort();
		for (size_t i = 0; i < n; i++)
			if (found[i] < 0 || found[i] > 3)
				abort();
	} else if (n != 99) {
		abort();
	}
	free(text);
	return 0;
}
