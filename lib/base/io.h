/*
 * io.h - reads and writes that finish the job.
 *
 * Promise: the functions below retry on EINTR and continue after short
 * counts; on failure they return -1 with errno set and never print.
 */
#ifndef SOCKBOX_IO_H
#define SOCKBOX_IO_H

#include <stddef.h>
#include <sys/types.h>

/* read(2) retried on EINTR: bytes read, 0 at end of file, -1 on error. */
ssize_t io_read(int fd, void *buf, size_t len);

/* Reads until len bytes or end of file: bytes read (< len only at EOF), -1 on error. */
ssize_t io_read_full(int fd, void *buf, size_t len);

/* Writes all len bytes: 0, or -1 on error (how much went out is then unknown). */
int io_write_full(int fd, const void *buf, size_t len);

/* pread(2) of exactly len bytes at offset unless EOF comes first: bytes read, -1 on error. */
ssize_t io_pread_full(int fd, void *buf, size_t len, off_t offset);

#endif
