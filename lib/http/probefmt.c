/*
 * probefmt.c - http-probe's lines, JSON objects, narration and statistics.
 */
#include "http/probefmt.h"

#include "base/escape.h"
#include "base/json.h"
#include "cli/diag.h"
#include "http/httpjson.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const char *const probefmt_phase_names[PHASES] = { "dns", "connect", "tls", "server", "transfer", "total" };

double probefmt_ms(uint64_t from, uint64_t to)
{
	return to > from ? (double)(to - from) / 1e6 : 0;
}

void probefmt_durations(const struct httpc_timing *t, double d[PHASES])
{
	d[PH_DNS] = probefmt_ms(t->start, t->dns);
	d[PH_CONNECT] = probefmt_ms(t->dns, t->connect);
	d[PH_TLS] = probefmt_ms(t->connect, t->tls);
	d[PH_SERVER] = probefmt_ms(t->tls, t->first_byte);
	d[PH_TRANSFER] = probefmt_ms(t->first_byte, t->end);
	d[PH_TOTAL] = probefmt_ms(t->start, t->end);
}

/* ---- the line and the JSON object ---- */

void probefmt_line(struct buf *t, const struct probefmt_exchange *ex, const struct httpc *c, uint64_t seq,
                   uint64_t attempt, int with_seq)
{
	const struct http_response *r = &c->response;
	double d[PHASES];

	probefmt_durations(&ex->t, d);
	buf_clear(t);
	if (with_seq)
		buf_printf(t, "seq=%llu ", (unsigned long long)seq);
	if (attempt > 1)
		buf_printf(t, "attempt=%llu ", (unsigned long long)attempt);
	buf_printf(t, "HTTP/1.%d %d ", r->version_minor, r->status);
	escape_bytes(t, r->reason.ptr, r->reason.len);
	buf_printf(t, " from %s:", c->remote);
	for (int i = 0; i < PHASES; i++)
		buf_printf(t, " %s %.3f", probefmt_phase_names[i], d[i]);
	buf_printf(t, " ms, %llu bytes", (unsigned long long)r->body_bytes);
	if (c->reused)
		buf_append_str(t, ", reused");
	if (ex->redirect[0])
		buf_printf(t, ", redirect to %s", ex->redirect);
}

/* Cumulative time of a phase (curl's convention), null when not reached. */
static void json_time(struct json *j, const char *key, const struct probefmt_exchange *ex, uint64_t mark)
{
	if (mark)
		json_fixed(j, key, probefmt_ms(ex->t.start, mark), 3);
	else
		json_null(j, key);
}

/* Beyond the stable keys: where the probe was, each connect attempt,
 * the phase durations, and a followed redirect. */
static void json_extras(struct json *j, const struct probefmt_exchange *ex, const struct httpc *c,
                        uint64_t seq, uint64_t attempt)
{
	double d[PHASES];

	json_uint(j, "seq", seq);
	json_uint(j, "attempt", attempt);
	json_bool(j, "reused", c->reused);
	httpjson_connects(j, "connects", c);
	if (ex->complete) {
		probefmt_durations(&ex->t, d);
		json_begin_object(j, "durations");
		for (int i = 0; i < PH_TOTAL; i++) {
			char key[32];
			snprintf(key, sizeof key, "%s_ms", probefmt_phase_names[i]);
			json_fixed(j, key, d[i], 3);
		}
		json_end(j);
	} else {
		json_null(j, "durations");
	}
	json_str(j, "redirect", ex->redirect[0] ? ex->redirect : NULL);
}

int probefmt_json(struct buf *out, const struct probefmt_exchange *ex, const struct httpc *c, int ok,
                  uint64_t seq, uint64_t attempt)
{
	const struct http_response *r = &c->response;
	char url[PROBEFMT_URL_MAX], version[16];
	struct json j;

	json_init(&j, out);
	json_begin_object(&j, NULL);
	json_str(&j, "url", url_format(&ex->url, url, sizeof url));
	snprintf(version, sizeof version, "HTTP/1.%d", r->version_minor);
	if (ex->has_head) {
		json_int(&j, "status", r->status);
		json_bytes(&j, "reason", r->reason.ptr, r->reason.len);
		json_str(&j, "version", version);
	} else {
		json_null(&j, "status");
		json_null(&j, "reason");
		json_null(&j, "version");
	}
	json_str(&j, "remote", c->remote[0] ? c->remote : NULL);
	json_time(&j, "time_dns_ms", ex, ex->t.dns);
	json_time(&j, "time_connect_ms", ex, ex->t.connect);
	json_time(&j, "time_tls_ms", ex, ex->t.tls);
	json_time(&j, "time_ttfb_ms", ex, ex->t.first_byte);
	json_time(&j, "time_total_ms", ex, ex->complete ? ex->t.end : 0);
	if (ex->has_head) {
		json_uint(&j, "size", r->body_bytes);
		httpjson_fields(&j, "headers", &r->headers);
	} else {
		json_null(&j, "size");
		json_null(&j, "headers");
	}
	httpjson_tls(&j, "tls", c);
	json_bool(&j, "ok", ok);
	json_str(&j, "error", ex->error[0] ? ex->error : ex->unmet[0] ? ex->unmet : NULL);
	json_extras(&j, ex, c, seq, attempt);
	json_end(&j);
	json_newline(&j);
	return j.failed ? -1 : 0;
}

/* ---- narration (-v) ---- */

/* A failed attempt with another address after it is always told: the
 * next line would otherwise hide why the first address was skipped. */
void probefmt_narrate_connect(const struct httpc *c, const char *name, const struct httpc_timing *t)
{
	const struct tls_info *tls = &c->tls_info;

	if (c->reused) {
		diag_verbose(1, "reusing the connection to %s", c->remote);
		return;
	}
	if (c->resolved[0])
		diag_verbose(1, "resolve %s: %s (%.3f ms)", name, c->resolved, probefmt_ms(t->start, t->dns));
	/* the race's events in the order they happened (net/connect.h) */
	for (size_t i = 0; i < c->race.event_count; i++) {
		const struct connect_event *e = &c->race.events[i];
		const struct connect_attempt *a = &c->race.attempts[e->index];
		if (e->state == CONNECT_TRYING && a->why == CONNECT_AFTER_DELAY)
			diag_verbose(1, "connect %s: trying (no answer from %s after %d ms)", a->address,
			             c->race.attempts[e->index - 1].address, c->race.delay_ms);
		else if (e->state == CONNECT_TRYING)
			diag_verbose(1, "connect %s: trying", a->address);
		else if (e->state == CONNECT_CONNECTED)
			diag_verbose(1, "connect %s: connected in %.3f ms", a->address, connect_attempt_ms(a));
		else if (e->state == CONNECT_CLOSED && a->error != EINTR)
			diag_verbose(1, "connect %s: closed, another address answered first", a->address);
		else if (e->state == CONNECT_FAILED && (size_t)e->index + 1 < c->race.started)
			diag_info("connect %s: %s after %.3f ms, trying the next address", a->address,
			          strerror(a->error), connect_attempt_ms(a));
		else if (e->state == CONNECT_FAILED && (int)e->index != c->race.last_failed)
			diag_info("connect %s: %s after %.3f ms", a->address, strerror(a->error),
			          connect_attempt_ms(a));
	}
	if (!c->tls_used || !tls->version[0])
		return;
	diag_verbose(1, "tls %s %s, alpn %s", tls->version, tls->cipher, tls->alpn[0] ? tls->alpn : "none");
	if (tls->has_cert)
		diag_verbose(1, "certificate subject %s, issuer %s, expires %s (%lld days left), %s%s",
		             tls->subject, tls->issuer, tls->not_after, (long long)(tls->seconds_left / 86400),
		             tls->verified ? "verified" : "not verified: ", tls->verify_error);
}

/* As curl -v shows them. */
void probefmt_narrate_request(struct buf *scratch, const struct buf *request, size_t head_len)
{
	const char *line = request->data, *end = request->data + head_len;

	if (diag_verbosity() < 1)
		return;
	while (line < end) {
		const char *crlf = memmem(line, (size_t)(end - line), "\r\n", 2);
		buf_clear(scratch);
		escape_bytes(scratch, line, (size_t)(crlf - line));
		diag_verbose(1, ">%s%s", crlf > line ? " " : "", scratch->data ? scratch->data : "");
		line = crlf + 2;
	}
	if (request->len > head_len)
		diag_verbose(1, "> (%zu bytes of body)", request->len - head_len);
}

void probefmt_narrate_head(struct buf *scratch, const struct http_response *r)
{
	if (diag_verbosity() < 1)
		return;
	buf_clear(scratch);
	escape_bytes(scratch, r->reason.ptr, r->reason.len);
	diag_verbose(1, "< HTTP/1.%d %d %s", r->version_minor, r->status, scratch->data ? scratch->data : "");
	for (size_t i = 0; i < r->headers.count; i++) {
		const char *value = http_fields_value(&r->headers, i);
		buf_clear(scratch);
		escape_bytes(scratch, value, strlen(value));
		diag_verbose(1, "< %s: %s", http_fields_name(&r->headers, i),
		             scratch->data ? scratch->data : "");
	}
	diag_verbose(1, "<");
}

void probefmt_narrate_end(const struct httpc *c)
{
	const struct http_response *r = &c->response;
	static const char *const framing[] = { "no body by the rules", "framed by content-length", "chunked",
		                               "ended by the close" };

	diag_verbose(1, "body %llu bytes, %s; connection %s", (unsigned long long)r->body_bytes,
	             framing[r->framing.kind], c->fd >= 0 ? "kept alive" : "closed");
}

/* Since the start is curl's convention. */
void probefmt_narrate_timing(const struct probefmt_exchange *ex)
{
	const struct httpc_timing *t = &ex->t;
	uint64_t marks[PHASES] = { t->dns, t->connect, t->tls, t->first_byte, t->end, t->end };
	double d[PHASES];

	if (diag_verbosity() < 1 || !ex->complete)
		return;
	probefmt_durations(t, d);
	diag_verbose(1, "timing    phase ms   since start ms");
	for (int i = 0; i < PHASES; i++)
		diag_verbose(1, "%-9s %8.3f %16.3f", probefmt_phase_names[i], d[i],
		             probefmt_ms(t->start, marks[i]));
}

/* ---- statistics ---- */

void probefmt_stats_add(struct probefmt_stats *s, enum probefmt_outcome out,
                        const struct probefmt_exchange *ex, const struct httpc *c)
{
	double d[PHASES];

	s->sent++;
	if (out == OUT_OK)
		s->ok++;
	else if (out == OUT_UNMET)
		s->unmet++;
	else
		s->errors++;
	if (!ex->complete)
		return;
	probefmt_durations(&ex->t, d);
	for (int i = 0; i < PHASES; i++) {
		/* a reused connection had no dns, connect or tls phase at all */
		if (i <= PH_TLS && (c->reused || (i == PH_TLS && !c->tls_used)))
			continue;
		stats_add(&s->phase[i], d[i]);
	}
}

/* ping's closing summary: counts, then min/avg/p50/p90/max per phase. */
void probefmt_stats_text(struct probefmt_stats *s, const char *url, struct buf *t,
                         void (*emit)(void *arg, const char *line), void *arg)
{
	buf_clear(t);
	buf_printf(t, "--- %s statistics ---", url);
	emit(arg, t->data);
	buf_clear(t);
	buf_printf(t, "%llu sent, %llu ok, %llu failed (%llu error%s, %llu unmet), %llu connection%s",
	           (unsigned long long)s->sent, (unsigned long long)s->ok,
	           (unsigned long long)(s->errors + s->unmet), (unsigned long long)s->errors,
	           s->errors == 1 ? "" : "s", (unsigned long long)s->unmet,
	           (unsigned long long)s->connections, s->connections == 1 ? "" : "s");
	emit(arg, t->data);
	buf_clear(t);
	stats_format_header(t, "phase", "ms");
	emit(arg, t->data);
	for (int i = 0; i < PHASES; i++) {
		buf_clear(t);
		stats_format_row(t, probefmt_phase_names[i], &s->phase[i]);
		emit(arg, t->data);
	}
}

int probefmt_stats_json(struct buf *out, struct probefmt_stats *s, const char *url)
{
	struct json j;

	json_init(&j, out);
	json_begin_object(&j, NULL);
	json_begin_object(&j, "statistics");
	json_str(&j, "url", url);
	json_uint(&j, "sent", s->sent);
	json_uint(&j, "ok", s->ok);
	json_uint(&j, "failed", s->errors + s->unmet);
	json_uint(&j, "errors", s->errors);
	json_uint(&j, "unmet", s->unmet);
	json_uint(&j, "connections", s->connections);
	for (int i = 0; i < PHASES; i++) {
		struct stats *st = &s->phase[i];
		static const char *const keys[] = { "min_ms", "avg_ms", "p50_ms", "p90_ms", "max_ms" };
		double v[] = { st->min, stats_avg(st), stats_percentile(st, 50), stats_percentile(st, 90),
			       st->max };
		json_begin_object(&j, probefmt_phase_names[i]);
		json_uint(&j, "n", st->count);
		for (int k = 0; k < 5; k++) {
			if (st->count)
				json_fixed(&j, keys[k], v[k], 3);
			else
				json_null(&j, keys[k]);
		}
		json_end(&j);
	}
	json_end(&j);
	json_end(&j);
	json_newline(&j);
	return j.failed ? -1 : 0;
}

void probefmt_stats_free(struct probefmt_stats *s)
{
	for (int i = 0; i < PHASES; i++)
		stats_free(&s->phase[i]);
}
