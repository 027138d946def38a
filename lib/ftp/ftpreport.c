/*
 * ftpreport.c - ftp-client's messages: URLs, failures, summaries, HASH.
 */
#include "ftp/ftpreport.h"

#include "base/buf.h"
#include "base/json.h"
#include "cli/diag.h"

#include <stdio.h>
#include <string.h>

char *ftpreport_url(const struct url_ftp *u, char *out, size_t size)
{
	snprintf(out, size, "ftp://%s%s%s:%u/%s", u->host_is_ipv6 ? "[" : "", u->host,
	         u->host_is_ipv6 ? "]" : "", u->port, u->path);
	return out;
}

int ftpreport_failure(const struct url_ftp *u, int rc, struct ftpc *c)
{
	char where[FTPREPORT_URL_MAX];

	ftpreport_url(u, where, sizeof where);
	if (rc == FTPC_REFUSED) {
		char *save = NULL;
		for (char *line = strtok_r(c->reply.text, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			diag_error("%s: refused: %s", where, line);
		return FTP_EXIT_REFUSED;
	}
	diag_error("%s: %s", where, c->error);
	return EXIT_FAIL;
}

int ftpreport_open(struct ftpc *c, const struct ftpc_config *cfg, const struct url_ftp *u, const char *user,
                   const char *pass)
{
	int rc;

	ftpc_init(c, cfg);
	rc = ftpc_connect(c, u->host, u->port);
	if (rc == 0)
		rc = ftpc_login(c, user, pass);
	if (rc < 0) {
		rc = ftpreport_failure(u, rc, c);
		ftpc_close(c);
		return rc;
	}
	return 0;
}

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

static void write_json(struct buf *out)
{
	fwrite(buf_head(out), 1, buf_readable(out), stdout);
	buf_free(out);
}

void ftpreport_summary(const struct ftpreport_summary *s, int json)
{
	double secs = (double)(s->end_ns - s->start_ns) / 1e9;
	uint64_t first = s->first_ns ? s->first_ns : s->end_ns;
	uint64_t xfer_start = s->start_ns + s->connect_ns + s->login_ns;
	double rate = secs > 0 ? (double)s->bytes / secs / 1e6 : 0;
	char where[FTPREPORT_URL_MAX];

	ftpreport_url(s->url, where, sizeof where);
	if (json) {
		struct buf out = BUF_INIT;
		struct json j;

		json_init(&j, &out);
		json_begin_object(&j, NULL);
		json_str(&j, "command", s->what);
		json_str(&j, "url", where);
		json_uint(&j, "bytes", s->bytes);
		json_uint(&j, "offset", s->offset);
		json_fixed(&j, "seconds", secs, 3);
		json_fixed(&j, "mb_per_s", rate, 1);
		json_fixed(&j, "connect_ms", ms(s->connect_ns), 3);
		json_fixed(&j, "login_ms", ms(s->login_ns), 3);
		json_fixed(&j, "first_byte_ms", first > xfer_start ? ms(first - xfer_start) : 0, 3);
		json_fixed(&j, "transfer_ms", s->end_ns > first ? ms(s->end_ns - first) : 0, 3);
		json_uint(&j, "segments", s->segments ? s->segments : 1);
		json_uint(&j, "mirrors", s->mirrors);
		if (s->sha256[0])
			json_str(&j, "sha256", s->sha256);
		json_bool(&j, "verified", s->verified);
		json_end(&j);
		json_newline(&j);
		write_json(&out);
		return;
	}
	diag_info(
	    "%s %s: %llu bytes in %.3f s, %.1f MB/s (connect %.1f ms, login %.1f ms, first byte %.1f ms, "
	    "transfer %.1f ms)%s",
	    s->what, where, (unsigned long long)s->bytes, secs, rate, ms(s->connect_ns), ms(s->login_ns),
	    first > xfer_start ? ms(first - xfer_start) : 0, s->end_ns > first ? ms(s->end_ns - first) : 0,
	    s->verified ? ", SHA-256 verified" : "");
}

void ftpreport_hash(const char *name, const char *algo, const char *hex, int json)
{
	if (json) {
		struct buf out = BUF_INIT;
		struct json j;
		json_init(&j, &out);
		json_begin_object(&j, NULL);
		json_str(&j, "name", name);
		json_str(&j, "algorithm", algo);
		json_str(&j, "hash", hex);
		json_end(&j);
		json_newline(&j);
		write_json(&out);
	} else {
		printf("%s  %s\n", hex, name);
	}
}
