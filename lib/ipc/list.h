/*
 * list.h - ipc-bench's comma-separated lists: message sizes ("64,4K,64K")
 * and names chosen from a fixed set ("pipe,udp").
 *
 * Promise: a list is accepted whole or refused whole; an empty item, a
 * repeated item, an item out of range or unknown, or more than the
 * caller's room is refused, and *n and the output array are left
 * untouched.  Nothing is allocated, nothing printed; the text is never
 * written to, so it may be a command-line argument.  Fuzzed by
 * tests/fuzz/ipc-bench-sizes.c.
 */
#ifndef SOCKBOX_IPC_LIST_H
#define SOCKBOX_IPC_LIST_H

#include <stddef.h>
#include <stdint.h>

/* Sizes in [min, max] (cli/parse's suffixes K, M, ...), at most room of
 * them, in the order given.  0, or -1 with errno EINVAL (malformed,
 * repeated), ERANGE (out of bounds) or E2BIG (more than room). */
int list_parse_sizes(const char *text, uint64_t min, uint64_t max, uint64_t *out, size_t room, size_t *n);

/* Each item of text as an index into names (NULL-terminated); alias, when
 * not NULL, maps one extra word to several names (alias_word expands to
 * the indexes alias_to[0..alias_n-1]).  Order kept, repeats refused.
 * 0, or -1 with errno EINVAL (unknown, empty or repeated) or E2BIG. */
int list_parse_names(const char *text, const char *const *names, const char *alias_word, const int *alias_to,
                     size_t alias_n, int *out, size_t room, size_t *n);

#endif
