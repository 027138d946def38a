/*
 * beneath.h - open a path without ever leaving a root directory.
 *
 * Promise: beneath_open resolves a relative path from a root directory
 * descriptor with openat2(2) and RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
 * so "..", an absolute path or a symbolic link that leads out of the root
 * fails (EXDEV or ELOOP) while a link that stays inside it is followed.
 * On a kernel without openat2 (ENOSYS, remembered for the process) the
 * path is walked one component at a time with O_NOFOLLOW, and every
 * symbolic link is refused (ELOOP).  The one rule of the HTTP handler
 * (http/httpd) and of ftp-server (ftp/ftpd).  Nothing prints.
 *
 * Threads: safe from any thread (the ENOSYS fact is an atomic flag).
 */
#ifndef SOCKBOX_BENEATH_H
#define SOCKBOX_BENEATH_H

#include <sys/types.h>

/* Opens path ("" or "." for the root itself; never starting with '/')
 * beneath root_fd with open(2)'s flags and mode (O_CLOEXEC is the
 * caller's to give): the descriptor, or -1 with errno (EXDEV or ELOOP: it
 * leads out of the root). */
int beneath_open(int root_fd, const char *path, int flags, mode_t mode);

/* 1 while openat2(2) is in use, 0 once the kernel said ENOSYS. */
int beneath_has_openat2(void);

#endif
