/*
 * probefmt.h - what http-probe(1) reports: one exchange (a request and
 * its response) as a line or a JSON object, its phases, the -v narration
 * of a connection and an exchange, and a run's ping-style statistics.
 *
 * Promise: the line, the JSON keys and the statistics are those
 * http-probe(1) documents.  The formatters write into a buf (or hand
 * each line to a callback) and print nothing; the probefmt_narrate_*
 * functions print, only through cli/diag and only at -v (a failed
 * connect attempt that another address follows is always told).
 */
#ifndef SOCKBOX_PROBEFMT_H
#define SOCKBOX_PROBEFMT_H

#include <stdint.h>

#include "base/buf.h"
#include "base/stats.h"
#include "http/http.h"
#include "http/httpc.h"
#include "http/url.h"

/* Room for a URL as url_format writes it (a Location, the probed URL). */
#define PROBEFMT_URL_MAX (URL_TARGET_MAX + URL_HOST_MAX + 32)

enum probefmt_phase { PH_DNS, PH_CONNECT, PH_TLS, PH_SERVER, PH_TRANSFER, PH_TOTAL, PHASES };
extern const char *const probefmt_phase_names[PHASES];

/* How a probe ended: answered as expected, answered otherwise, no answer,
 * or stopped by a signal. */
enum probefmt_outcome { OUT_OK, OUT_UNMET, OUT_FAIL, OUT_INTERRUPTED };

/* One request and its response: what a line or a JSON object reports. */
struct probefmt_exchange {
	struct url url;
	const char *method;
	struct httpc_timing t;
	int has_head;                    /* the final status line and fields were parsed */
	int complete;                    /* the whole response arrived */
	int retryable;                   /* a failure worth --retry */
	char error[HTTPC_ERROR_MAX];     /* what failed, "" when nothing did */
	char unmet[600];                 /* the expectation that was not met */
	char redirect[PROBEFMT_URL_MAX]; /* the URL -L goes to next, "" if none */
};

/* A run's counts and the phase times of its complete exchanges. */
struct probefmt_stats {
	uint64_t sent, ok, errors, unmet, connections;
	struct stats phase[PHASES];
};

/* Milliseconds from one clock_now_ns() mark to a later one, 0 if not later. */
double probefmt_ms(uint64_t from, uint64_t to);

/* How long each phase of t took; the five add up to d[PH_TOTAL]. */
void probefmt_durations(const struct httpc_timing *t, double d[PHASES]);

/* t cleared, then the probe line of a complete exchange on c ("seq=" when
 * with_seq, "attempt=" after the first). */
void probefmt_line(struct buf *t, const struct probefmt_exchange *ex, const struct httpc *c, uint64_t seq,
                   uint64_t attempt, int with_seq);

/* The exchange's JSON object and a newline appended to out: 0, or -1
 * when memory ran out (out then holds no whole record). */
int probefmt_json(struct buf *out, const struct probefmt_exchange *ex, const struct httpc *c, int ok,
                  uint64_t seq, uint64_t attempt);

/* -v: what httpc_connect did (lookup of name, each attempt, TLS). */
void probefmt_narrate_connect(const struct httpc *c, const char *name, const struct httpc_timing *t);

/* -v: "> " and each line of the request head, then its body's size. */
void probefmt_narrate_request(struct buf *scratch, const struct buf *request, size_t head_len);

/* -v: "< " and the status line and fields, escaped to one line each. */
void probefmt_narrate_head(struct buf *scratch, const struct http_response *r);

/* -v: the body's size and framing, and whether c's connection stays. */
void probefmt_narrate_end(const struct httpc *c);

/* -v: each phase of a complete exchange, as a duration and since the start. */
void probefmt_narrate_timing(const struct probefmt_exchange *ex);

/* Counts a probe and keeps the phases its connection really had. */
void probefmt_stats_add(struct probefmt_stats *s, enum probefmt_outcome out,
                        const struct probefmt_exchange *ex, const struct httpc *c);

/* The text summary of the run on url, each line through emit (t: scratch). */
void probefmt_stats_text(struct probefmt_stats *s, const char *url, struct buf *t,
                         void (*emit)(void *arg, const char *line), void *arg);

/* The { "statistics": ... } record and a newline appended to out: 0, or -1. */
int probefmt_stats_json(struct buf *out, struct probefmt_stats *s, const char *url);

void probefmt_stats_free(struct probefmt_stats *s);

#endif
