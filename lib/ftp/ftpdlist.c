/*
 * ftpdlist.c - LIST, NLST and MLSD listings (RFC 959 4.1.3, RFC 3659 7).
 */
#include "ftp/ftpdlist.h"

#include "ftp/ftpcmd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void format_mode(mode_t m, char out[11])
{
	const char *rwx = "rwxrwxrwx";
	out[0] = S_ISDIR(m)    ? 'd'
	         : S_ISLNK(m)  ? 'l'
	         : S_ISCHR(m)  ? 'c'
	         : S_ISBLK(m)  ? 'b'
	         : S_ISFIFO(m) ? 'p'
	         : S_ISSOCK(m) ? 's'
	                       : '-';
	for (int i = 0; i < 9; i++)
		out[i + 1] = (m & (1u << (8 - i))) ? rwx[i] : '-';
	out[10] = '\0';
}

/* One `ls -l` line, the shape every FTP client parses (dates in UTC). */
void ftpd_list_line(struct buf *out, const char *name, const struct stat *st, const char *link, time_t now)
{
	char mode[11], date[16];
	struct tm tm;

	format_mode(st->st_mode, mode);
	gmtime_r(&st->st_mtime, &tm);
	if (st->st_mtime > now - 182 * 86400 && st->st_mtime < now + 3600)
		strftime(date, sizeof date, "%b %d %H:%M", &tm);
	else
		strftime(date, sizeof date, "%b %d  %Y", &tm);
	buf_printf(out, "%s %4lu %-8u %-8u %12lld %s %s", mode, (unsigned long)st->st_nlink,
	           (unsigned)st->st_uid, (unsigned)st->st_gid, (long long)st->st_size, date, name);
	if (link)
		buf_printf(out, " -> %s", link);
	buf_append_str(out, "\r\n");
}

/* RFC 3659 7: the facts of one entry, "type=file;size=..; name". */
void ftpd_list_facts(struct buf *out, const char *name, const struct stat *st, int writable)
{
	struct tm tm;
	char when[16];
	int w = writable;

	gmtime_r(&st->st_mtime, &tm);
	strftime(when, sizeof when, "%Y%m%d%H%M%S", &tm);
	if (S_ISDIR(st->st_mode))
		buf_printf(out, "type=dir;modify=%s;perm=el%s;", when, w ? "cmpfd" : "");
	else if (S_ISREG(st->st_mode))
		buf_printf(out, "type=file;size=%lld;modify=%s;perm=r%s;", (long long)st->st_size, when,
		           w ? "adfw" : "");
	else
		buf_printf(out, "type=OS.unix=%s;modify=%s;perm=;",
		           S_ISLNK(st->st_mode) ? "symlink" : "special", when);
	buf_printf(out, "unix.mode=0%o; %s\r\n", (unsigned)(st->st_mode & 07777), name);
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The listing of the directory dir_fd into out, sorted bytewise. */
int ftpd_list_directory(int dir_fd, enum ftpd_list_kind kind, int writable, struct buf *out)
{
	DIR *d = fdopendir(dir_fd);
	struct dirent *e;
	char **names = NULL;
	size_t count = 0, cap = 0;
	time_t now = time(NULL);

	if (!d) {
		close(dir_fd);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (count == cap) {
			char **grown = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *names);
			if (!grown)
				break;
			names = grown;
		}
		if (!(names[count] = strdup(e->d_name)))
			break;
		count++;
	}
	qsort(names, count, sizeof *names, compare_names);
	for (size_t i = 0; i < count; i++) {
		struct stat st;
		char link[FTPCMD_PATH_MAX];
		ssize_t n = -1;

		if (kind == FTPD_LIST_NAMES) {
			buf_printf(out, "%s\r\n", names[i]);
		} else if (fstatat(dirfd(d), names[i], &st, AT_SYMLINK_NOFOLLOW) == 0) {
			if (kind == FTPD_LIST_MLSD) {
				ftpd_list_facts(out, names[i], &st, writable);
			} else {
				if (S_ISLNK(st.st_mode) &&
				    (n = readlinkat(dirfd(d), names[i], link, sizeof link - 1)) >= 0)
					link[n] = '\0';
				ftpd_list_line(out, names[i], &st, n >= 0 ? link : NULL, now);
			}
		}
		free(names[i]);
	}
	free(names);
	closedir(d);
	return 0;
}
