/*
 * ftpseg.c - the segmented, multi-mirror download: a queue of byte ranges
 * and one thread per segment taking ranges from it.
 */
#include "ftp/ftpseg.h"

#include "base/clock.h"
#include "cli/diag.h"
#include "ftp/ftpreport.h"
#include "sig/sig.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct range {
	uint64_t off, end;
};

struct queue {
	pthread_mutex_t lock;
	pthread_cond_t finished; /* signalled as each worker ends */
	int running;
	struct range *ranges;
	size_t count, cap;
	char last_error[FTPC_ERROR_MAX];
	int write_failed;
};

struct worker {
	struct ftpseg_job *job;
	struct queue *q;
	unsigned index;
	pthread_t thread;
	char label[48];
};

static int queue_take(struct queue *q, struct range *r)
{
	int got = 0;

	pthread_mutex_lock(&q->lock);
	if (q->count > 0 && !q->write_failed) {
		*r = q->ranges[--q->count];
		got = 1;
	}
	pthread_mutex_unlock(&q->lock);
	return got;
}

/* The capacity covers every range a failure can hand back (see ftpseg_run). */
static void queue_put(struct queue *q, struct range r)
{
	pthread_mutex_lock(&q->lock);
	if (q->count < q->cap)
		q->ranges[q->count++] = r;
	pthread_mutex_unlock(&q->lock);
}

static void note_error(struct queue *q, const char *text, int write_failed)
{
	pthread_mutex_lock(&q->lock);
	snprintf(q->last_error, sizeof q->last_error, "%s", text);
	if (write_failed)
		q->write_failed = 1;
	pthread_mutex_unlock(&q->lock);
}

/* The next live mirror from m on, or -1 when all are dead. */
static long live_mirror(struct ftpseg_job *j, size_t m)
{
	for (size_t k = 0; k < j->mirror_count; k++) {
		size_t i = (m + k) % j->mirror_count;
		if (!atomic_load(&j->mirrors[i].dead))
			return (long)i;
	}
	return -1;
}

static void mark_dead(struct ftpseg_job *j, struct queue *q, size_t m, const char *why)
{
	struct ftpseg_mirror *mi = &j->mirrors[m];

	if (!atomic_exchange(&mi->dead, 1)) {
		snprintf(mi->error, sizeof mi->error, "%s", why);
		diag_verbose(1, "mirror %zu: failed: %s; its ranges go to the others", m + 1, why);
	}
	note_error(q, why, 0);
}

static const char *session_error(struct ftpc *c, int rc)
{
	if (rc == FTPC_REFUSED)
		snprintf(c->error, sizeof c->error, "refused: %.400s", c->reply.text);
	return c->error;
}

/*
 * One range on an open session: 0 when all its bytes are written; -1
 * with r->off advanced past what was written (the rest is to fetch again).
 */
static int fetch_range(struct worker *w, struct ftpc *c, const char *path, struct range *r, int *rc_out)
{
	struct ftpseg_job *j = w->job;
	struct ftpc_data d;
	static const size_t chunk = 256 * 1024;
	char *buf = malloc(chunk);
	int rc;

	if (!buf) {
		snprintf(c->error, sizeof c->error, "out of memory");
		*rc_out = FTPC_FAILED;
		return -1;
	}
	rc = ftpc_transfer_start(c, &d, r->off, "RETR %s", path);
	if (rc < 0) {
		free(buf);
		*rc_out = rc;
		return -1;
	}
	while (r->off < r->end) {
		uint64_t want = r->end - r->off;
		ssize_t n = ftpc_data_read(c, &d, buf, want < chunk ? (size_t)want : chunk);
		if (n <= 0) {
			if (n == 0)
				snprintf(c->error, sizeof c->error, "data: the file ended at byte %llu of %llu",
				         (unsigned long long)r->off, (unsigned long long)j->size);
			ftpc_data_close(&d);
			free(buf);
			*rc_out = FTPC_FAILED;
			return -1;
		}
		uint64_t zero = 0;
		atomic_compare_exchange_strong(&j->first_ns, &zero, clock_now_ns());
		for (ssize_t put = 0; put < n;) {
			ssize_t m =
			    pwrite(j->fd, buf + put, (size_t)(n - put), (off_t)(r->off + (uint64_t)put));
			if (m < 0 && errno == EINTR)
				continue;
			if (m <= 0) {
				char text[128];
				snprintf(text, sizeof text, "write: %s", strerror(m < 0 ? errno : EIO));
				note_error(w->q, text, 1);
				ftpc_data_close(&d);
				free(buf);
				*rc_out = 0; /* not the mirror's fault */
				return -1;
			}
			put += m;
		}
		r->off += (uint64_t)n;
		atomic_fetch_add(&j->done, (uint64_t)n);
	}
	free(buf);
	/* a segment that stops before the end of the file closes its data
	 * connection on purpose: the server's 426 is expected, not a failure */
	rc = ftpc_transfer_finish(c, &d, r->end < j->size);
	*rc_out = rc;
	return 0;
}

static void *run_worker(void *arg)
{
	struct worker *w = arg;
	struct ftpseg_job *j = w->job;
	struct ftpc c;
	long m = (long)(w->index % j->mirror_count);
	int connected = 0;
	struct range r;
	int have_range = 0;

	for (;;) {
		if (sig_stop_requested())
			break;
		if (!connected) {
			m = live_mirror(j, (size_t)m);
			if (m < 0)
				break;
			struct ftpseg_mirror *mi = &j->mirrors[m];
			struct ftpc_config cfg = j->cfg;
			snprintf(w->label, sizeof w->label, "segment %u, mirror %ld: ", w->index + 1, m + 1);
			cfg.label = w->label;
			ftpc_init(&c, &cfg);
			int rc = ftpc_connect(&c, mi->host, mi->port);
			if (rc == 0)
				rc = ftpc_login(&c, mi->user, mi->pass);
			if (rc < 0) {
				mark_dead(j, w->q, (size_t)m, session_error(&c, rc));
				ftpc_close(&c);
				continue;
			}
			connected = 1;
		}
		if (!have_range && !queue_take(w->q, &r))
			break;
		have_range = 1;
		uint64_t before = r.off;
		diag_verbose(1, "%srange %llu-%llu", w->label, (unsigned long long)r.off,
		             (unsigned long long)r.end - 1);
		int rc = 0;
		int ok = fetch_range(w, &c, j->mirrors[m].path, &r, &rc) == 0;
		atomic_fetch_add(&j->mirrors[m].bytes, r.off - before);
		if (ok)
			have_range = 0;
		if (w->q->write_failed)
			break;
		if (!ok || rc < 0) {
			if (!ok) {
				/* hand the rest back; this thread may take it again elsewhere */
				queue_put(w->q, r);
				have_range = 0;
				mark_dead(j, w->q, (size_t)m, session_error(&c, rc));
			}
			ftpc_close(&c);
			connected = 0;
		}
	}
	if (have_range)
		queue_put(w->q, r);
	if (connected)
		ftpc_quit(&c);
	pthread_mutex_lock(&w->q->lock);
	w->q->running--;
	pthread_cond_signal(&w->q->finished);
	pthread_mutex_unlock(&w->q->lock);
	return NULL;
}

int ftpseg_run(struct ftpseg_job *j)
{
	struct queue q = { .lock = PTHREAD_MUTEX_INITIALIZER, .finished = PTHREAD_COND_INITIALIZER };
	struct worker *workers;
	unsigned started = 0;
	uint64_t step;

	if (j->segments == 0)
		j->segments = 1;
	if ((uint64_t)j->segments > j->size && j->size > 0)
		j->segments = (unsigned)j->size;
	/* each failure hands back at most one range, and each thread fails at
	 * most once per mirror before it runs out of mirrors */
	q.cap = (size_t)j->segments * (j->mirror_count + 1);
	q.ranges = calloc(q.cap, sizeof *q.ranges);
	workers = calloc(j->segments, sizeof *workers);
	if (!q.ranges || !workers) {
		free(q.ranges);
		free(workers);
		snprintf(j->error, sizeof j->error, "out of memory");
		return -1;
	}
	step = j->size / j->segments;
	/* pushed last to first, so segment 1 (offset 0) is taken first */
	for (unsigned i = j->segments; i-- > 0;) {
		struct range r = { i * step, i + 1 == j->segments ? j->size : (i + 1) * step };
		queue_put(&q, r);
	}
	for (unsigned i = 0; i < j->segments; i++) {
		workers[i] = (struct worker){ .job = j, .q = &q, .index = i };
		pthread_mutex_lock(&q.lock);
		q.running++;
		pthread_mutex_unlock(&q.lock);
		if (pthread_create(&workers[i].thread, NULL, run_worker, &workers[i]) != 0) {
			pthread_mutex_lock(&q.lock);
			q.running--;
			pthread_mutex_unlock(&q.lock);
			break;
		}
		started++;
	}
	/* the caller's thread draws the progress until the last worker ends */
	pthread_mutex_lock(&q.lock);
	while (q.running > 0) {
		struct timespec tick;
		clock_gettime(CLOCK_REALTIME, &tick);
		tick.tv_nsec += 100 * 1000 * 1000;
		if (tick.tv_nsec >= 1000000000) {
			tick.tv_sec++;
			tick.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&q.finished, &q.lock, &tick);
		if (j->on_progress) {
			pthread_mutex_unlock(&q.lock);
			j->on_progress(j->arg, atomic_load(&j->done));
			pthread_mutex_lock(&q.lock);
		}
	}
	pthread_mutex_unlock(&q.lock);
	for (unsigned i = 0; i < started; i++)
		pthread_join(workers[i].thread, NULL);
	int ok = q.count == 0 && !q.write_failed && atomic_load(&j->done) == j->size && started > 0;
	if (!ok)
		snprintf(j->error, sizeof j->error, "%s",
		         sig_stop_requested() ? "interrupted"
		         : q.last_error[0]    ? q.last_error
		                              : "could not start the segments");
	free(q.ranges);
	free(workers);
	pthread_mutex_destroy(&q.lock);
	pthread_cond_destroy(&q.finished);
	return ok ? 0 : -1;
}

int ftpseg_agree(struct ftpseg_probe *p, struct ftpc *c, struct ftpseg_mirror *m, size_t *count)
{
	int first_failure = 0;
	size_t live = 0;

	for (size_t i = 0; i < p->url_count; i++) {
		const struct url_ftp *u = &p->urls[i];
		uint64_t s = 0;
		int rc = ftpreport_open(c, p->cfg, u, p->user, p->pass);
		if (rc == 0 && p->need_hash && i == 0 && !c->feat.hash_sha256) {
			ftpc_quit(c);
			p->no_hash = 1;
			return EXIT_FAIL;
		}
		if (rc == 0 && (rc = ftpc_size(c, u->path, &s)) < 0)
			rc = ftpreport_failure(u, rc, c);
		if (rc == 0 && live > 0 && s != p->size) {
			char a[FTPREPORT_URL_MAX], b[FTPREPORT_URL_MAX];
			ftpc_quit(c);
			diag_error("the mirrors disagree: %s has %llu bytes, %s has %llu; nothing written",
			           ftpreport_url(&p->urls[0], a, sizeof a), (unsigned long long)p->size,
			           ftpreport_url(u, b, sizeof b), (unsigned long long)s);
			return FTP_EXIT_VERIFY;
		}
		if (rc == 0) {
			if (live == 0) {
				p->size = s;
				p->start_ns = clock_now_ns() - c->connect_ns - c->login_ns;
			}
			m[live++] = (struct ftpseg_mirror){
				.host = u->host, .port = u->port, .path = u->path, .user = p->user, .pass = p->pass
			};
			ftpc_quit(c);
		} else if (!first_failure) {
			first_failure = rc;
		}
	}
	*count = live;
	return live ? 0 : first_failure;
}
