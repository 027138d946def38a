/*
 * list.c - comma-separated lists of sizes and of names, all or nothing.
 */
#include "ipc/list.h"

#include "cli/parse.h"

#include <errno.h>
#include <string.h>

#define ITEM_MAX 64 /* longer items are refused: no size or name is that long */

/* Copies the item starting at *pos into item (NUL-terminated) and moves *pos
 * past it and its comma.  0, or -1 (EINVAL) for an empty or too long item. */
static int next_item(const char **pos, char *item)
{
	const char *start = *pos;
	const char *comma = strchr(start, ',');
	size_t len = comma ? (size_t)(comma - start) : strlen(start);

	if (len == 0 || len >= ITEM_MAX) {
		errno = EINVAL;
		return -1;
	}
	memcpy(item, start, len);
	item[len] = '\0';
	*pos = comma ? comma + 1 : start + len;
	if (comma && **pos == '\0') { /* "64," ends with an empty item */
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int list_parse_sizes(const char *text, uint64_t min, uint64_t max, uint64_t *out, size_t room, size_t *n)
{
	uint64_t values[32];
	size_t count = 0;
	const char *pos = text;
	char item[ITEM_MAX];

	if (*pos == '\0') {
		errno = EINVAL;
		return -1;
	}
	while (*pos) {
		uint64_t v;

		if (next_item(&pos, item) < 0 || parse_size(item, min, max, &v) < 0)
			return -1;
		for (size_t i = 0; i < count; i++) {
			if (values[i] == v) {
				errno = EINVAL;
				return -1;
			}
		}
		if (count == room || count == sizeof values / sizeof values[0]) {
			errno = E2BIG;
			return -1;
		}
		values[count++] = v;
	}
	memcpy(out, values, count * sizeof values[0]);
	*n = count;
	return 0;
}

/* Appends index to found unless it is there already (EINVAL) or full (E2BIG). */
static int add_index(int *found, size_t *count, size_t room, int index)
{
	for (size_t i = 0; i < *count; i++) {
		if (found[i] == index) {
			errno = EINVAL;
			return -1;
		}
	}
	if (*count == room || *count == 32) {
		errno = E2BIG;
		return -1;
	}
	found[(*count)++] = index;
	return 0;
}

int list_parse_names(const char *text, const char *const *names, const char *alias_word, const int *alias_to,
                     size_t alias_n, int *out, size_t room, size_t *n)
{
	int found[32];
	size_t count = 0;
	const char *pos = text;
	char item[ITEM_MAX];

	if (*pos == '\0') {
		errno = EINVAL;
		return -1;
	}
	while (*pos) {
		int index = -1;

		if (next_item(&pos, item) < 0)
			return -1;
		if (alias_word && strcmp(item, alias_word) == 0) {
			for (size_t i = 0; i < alias_n; i++)
				if (add_index(found, &count, room, alias_to[i]) < 0)
					return -1;
			continue;
		}
		for (int i = 0; names[i]; i++)
			if (strcmp(names[i], item) == 0)
				index = i;
		if (index < 0) {
			errno = EINVAL;
			return -1;
		}
		if (add_index(found, &count, room, index) < 0)
			return -1;
	}
	memcpy(out, found, count * sizeof found[0]);
	*n = count;
	return 0;
}
