/*
 * ftp-list.c - libFuzzer target for the directory listings ftp-client
 * parses: LIST lines (Unix `ls -l` and DOS shapes, guessed) and MLSD lines
 * (RFC 3659 facts).  The input is cut into lines as the client cuts a
 * listing.  Whatever comes in: no read past a line, every entry's name and
 * modified text NUL-terminated within their buffers, a known type; the
 * whole listing formatted as ls prints it (text and JSON) without a fault.
 */
#include "base/buf.h"
#include "ftp/ftpreply.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct ftp_entry *e)
{
	if (memchr(e->name, '\0', sizeof e->name) == NULL ||
	    memchr(e->modified, '\0', sizeof e->modified) == NULL)
		abort();
	if (e->type != FTP_FILE && e->type != FTP_DIR && e->type != FTP_LINK && e->type != FTP_OTHER)
		abort();
	(void)ftp_entry_type_name(e->type);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t at = 0;

	while (at < size) {
		const uint8_t *nl = memchr(data + at, '\n', size - at);
		size_t len = nl ? (size_t)(nl - data) - at : size - at;
		/* each line in its own allocation, so ASan sees a read past it */
		char *line = malloc(len ? len : 1);
		struct ftp_entry e;
		if (!line)
			return 0;
		memcpy(line, data + at, len);
		if (ftp_parse_list_line(line, len, &e) == 0)
			check(&e);
		if (ftp_parse_mlsx_line(line, len, &e) >= 0)
			check(&e);
		free(line);
		at += len + 1;
	}
	/* and the whole listing as ls prints it, text and JSON */
	struct buf out = BUF_INIT;
	(void)ftp_listing_format((const char *)data, size, 0, 0, &out);
	(void)ftp_listing_format((const char *)data, size, 1, 1, &out);
	buf_free(&out);
	return 0;
}
