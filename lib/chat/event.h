/*
 * event.h - what udp-chat prints: a server's events and the lines a
 * client received, as text or JSON Lines.
 *
 * Promise: each call appends exactly one line (or nothing) to a buffer,
 * whatever bytes it is given: text fields that are clean UTF-8 appear as
 * they are, anything else escaped (base/escape), so a hostile peer can
 * neither split a record nor move a terminal's cursor.  Never prints.
 */
#ifndef SOCKBOX_CHAT_EVENT_H
#define SOCKBOX_CHAT_EVENT_H

#include <stddef.h>

#include "base/buf.h"
#include "chat/proto.h"

/*
 * A server event: "EVENT SOURCE NAME [TEXT]\n" (NAME "-" when NULL), or
 * with json {"event","source","name","text"} (name null when NULL, text
 * only when not NULL).  0, or -1 (ENOMEM).
 */
int chat_event_format(struct buf *out, int json, const char *event, const char *source, const char *name,
                      size_t name_len, const char *text, size_t text_len);

/*
 * A line a client received from `from`, classified in l (data, len: the
 * datagram): as text, messages, notices and MEMBERS as they came (a line
 * that is not clean text escaped; OK, ERR and EXIT nothing); as JSON one
 * object {"event","from", ...} for every kind.  0, or -1 (ENOMEM).
 */
int chat_line_format(struct buf *out, int json, const char *from, const struct chat_line *l, const void *data,
                     size_t len);

#endif
