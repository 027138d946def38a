/*
 * stamp.c - timestamps as text, remade once a second.
 */
#include "file/stamp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void stamp_init(struct stamp *s, enum stamp_style style, const char *format, int utc)
{
	memset(s, 0, sizeof *s);
	s->style = style;
	s->utc = utc;
	if (style == STAMP_CTIME)
		s->format = "%a %b %e %H:%M:%S %Y"; /* exactly ctime(3), without its newline */
	else if (style == STAMP_ISO)
		s->format = "%Y-%m-%dT%H:%M:%S";
	else
		s->format = format;
}

/* The part of the text that changes once a second, and the UTC offset. */
static void make_base(struct stamp *s, time_t second)
{
	struct tm tm;
	long minutes;

	if (s->utc)
		gmtime_r(&second, &tm);
	else
		localtime_r(&second, &tm);
		/* The format is the user's own by design (--format). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	s->base_len = strftime(s->base, sizeof s->base, s->format, &tm);
#pragma GCC diagnostic pop
	minutes = tm.tm_gmtoff / 60;
	snprintf(s->zone, sizeof s->zone, "%c%02ld:%02ld", minutes < 0 ? '-' : '+', labs(minutes) / 60 % 100,
	         labs(minutes) % 60);
	s->second = second;
	s->fresh = 1;
}

int stamp_make(struct stamp *s, const struct timespec *now)
{
	if (!s->fresh || now->tv_sec != s->second)
		make_base(s, now->tv_sec);
	if (s->base_len == 0) {
		s->len = 0;
		s->text[0] = '\0';
		errno = EINVAL;
		return -1;
	}
	memcpy(s->text, s->base, s->base_len);
	s->len = s->base_len;
	if (s->style == STAMP_ISO)
		s->len += (size_t)snprintf(s->text + s->len, sizeof s->text - s->len, ".%03ld%s",
		                           now->tv_nsec / 1000000, s->zone);
	s->text[s->len] = '\0';
	return 0;
}
