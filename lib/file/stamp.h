/*
 * stamp.h - wall-clock timestamps as text, for log lines.
 *
 * Promise: stamp_make formats an instant of CLOCK_REALTIME in local time
 * (the TZ variable) or UTC, with the C locale's English names, in one of
 * three styles: ctime(3)'s "Fri Aug 30 17:57:45 2019" (the day padded
 * with a space, as ctime does), ISO 8601 "2019-08-30T17:57:45.123+02:00"
 * (milliseconds and the UTC offset, "+00:00" for UTC), or any strftime(3)
 * format.  The strftime work is redone only when the second changes, so
 * stamping every line of a fast stream costs a copy.
 */
#ifndef SOCKBOX_STAMP_H
#define SOCKBOX_STAMP_H

#include <stddef.h>
#include <time.h>

enum stamp_style { STAMP_CTIME, STAMP_ISO, STAMP_STRFTIME };

enum { STAMP_MAX = 256 }; /* longest text a strftime format may give, NUL included */

struct stamp {
	enum stamp_style style;
	int utc;
	const char *format; /* strftime format of the part that changes each second */
	time_t second;      /* the second base[] was made for */
	int fresh;          /* base[] is valid */
	char base[STAMP_MAX];
	size_t base_len;
	char zone[8]; /* "+hh:mm" for ISO 8601 */
	char text[STAMP_MAX + 16];
	size_t len; /* text[0..len) is the timestamp, NUL-terminated */
};

/* Prepares s; format is used with STAMP_STRFTIME only and must outlive s. */
void stamp_init(struct stamp *s, enum stamp_style style, const char *format, int utc);

/* Formats now into s->text: 0, or -1 with errno EINVAL when the format
 * gives no text (empty, or longer than STAMP_MAX - 1 bytes). */
int stamp_make(struct stamp *s, const struct timespec *now);

#endif
