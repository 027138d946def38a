/*
 * ftpdlist.h - directory listings as FTP clients read them: the `ls -l`
 * lines of LIST, the names of NLST, the RFC 3659 facts of MLSD and MLST.
 *
 * Promise: entries sorted bytewise, "." and ".." left out, symbolic links
 * shown as links (never followed: a listing says nothing about what lies
 * outside the root), dates in UTC, sizes 64-bit.  Every line ends in
 * CR LF.  Nothing prints; appends to a buf (base/buf).
 */
#ifndef SOCKBOX_FTPDLIST_H
#define SOCKBOX_FTPDLIST_H

#include <sys/stat.h>
#include <time.h>

#include "base/buf.h"

enum ftpd_list_kind {
	FTPD_LIST_LONG,  /* LIST: ls -l lines */
	FTPD_LIST_NAMES, /* NLST: names only */
	FTPD_LIST_MLSD,  /* MLSD: facts and name */
};

/* One `ls -l` line for name (with " -> link" when link is not NULL);
 * now decides between "Mon DD HH:MM" and "Mon DD  YYYY" (6 months). */
void ftpd_list_line(struct buf *out, const char *name, const struct stat *st, const char *link, time_t now);

/* RFC 3659 7: "type=file;size=N;modify=YYYYMMDDHHMMSS;perm=r;unix.mode=0644; name";
 * perm includes the write rights when writable. */
void ftpd_list_facts(struct buf *out, const char *name, const struct stat *st, int writable);

/* The listing of the directory dir_fd (which it takes and closes) into
 * out: 0, or -1 with errno. */
int ftpd_list_directory(int dir_fd, enum ftpd_list_kind kind, int writable, struct buf *out);

#endif
