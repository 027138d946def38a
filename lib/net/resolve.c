/*
 * resolve.c - getaddrinfo on a detached thread, finished through a pipe.
 *
 * The job is shared by the caller and the thread and freed by whichever
 * lets go of it last (refs under the mutex), so an abandoned lookup needs
 * no one to wait for it.
 */
#include "net/resolve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct resolve {
	pthread_mutex_t lock;
	int refs; /* 2 while the thread runs, then 1 */
	int abandoned;
	int pipe_fds[2]; /* the thread writes one byte when done */
	struct addr_spec spec;
	char default_host[256];
	char default_port[32];
	int has_default_host, has_default_port;
	int family, socktype;
	int result;
	int result_errno;
	struct addrinfo *list;
};

static void job_free(struct resolve *r)
{
	if (r->abandoned)
		addr_free(r->list);
	close(r->pipe_fds[0]);
	close(r->pipe_fds[1]);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

/* Drops one reference; the last one frees the job. */
static void job_release(struct resolve *r)
{
	int last;

	pthread_mutex_lock(&r->lock);
	last = --r->refs == 0;
	pthread_mutex_unlock(&r->lock);
	if (last)
		job_free(r);
}

static void job_run(struct resolve *r)
{
	struct addrinfo *list = NULL;
	int result =
	    addr_resolve(&r->spec, r->has_default_host ? r->default_host : NULL,
	                 r->has_default_port ? r->default_port : NULL, r->family, r->socktype, 0, &list);
	int saved = errno;

	pthread_mutex_lock(&r->lock);
	r->result = result;
	r->result_errno = saved;
	r->list = list;
	pthread_mutex_unlock(&r->lock);
	/* the pipe is never full: this is its only byte */
	while (write(r->pipe_fds[1], "", 1) < 0 && errno == EINTR)
		;
}

static void *job_thread(void *arg)
{
	struct resolve *r = arg;
	job_run(r);
	job_release(r);
	return NULL;
}

/* Numbers and unix paths need no DNS: getaddrinfo answers them at once. */
static int is_immediate(const struct addr_spec *spec, const char *default_host)
{
	const char *host = spec->host[0] ? spec->host : default_host;
	unsigned char raw[sizeof(struct in6_addr)];

	return spec->is_unix || !host || inet_pton(AF_INET, host, raw) == 1 ||
	       inet_pton(AF_INET6, host, raw) == 1;
}

struct resolve *resolve_start(const struct addr_spec *spec, const char *default_host,
                              const char *default_port, int family, int socktype)
{
	struct resolve *r = calloc(1, sizeof *r);
	pthread_attr_t attr;
	pthread_t thread;
	int err;

	if (!r)
		return NULL;
	if (pipe2(r->pipe_fds, O_CLOEXEC) < 0) {
		free(r);
		return NULL;
	}
	pthread_mutex_init(&r->lock, NULL);
	r->spec = *spec;
	r->has_default_host = default_host != NULL;
	r->has_default_port = default_port != NULL;
	if (default_host)
		strncpy(r->default_host, default_host, sizeof r->default_host - 1);
	if (default_port)
		strncpy(r->default_port, default_port, sizeof r->default_port - 1);
	r->family = family;
	r->socktype = socktype;
	r->refs = 1;
	if (is_immediate(spec, default_host)) {
		job_run(r);
		return r;
	}
	r->refs = 2;
	err = pthread_attr_init(&attr);
	if (err == 0) {
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		err = pthread_create(&thread, &attr, job_thread, r);
		pthread_attr_destroy(&attr);
	}
	if (err != 0) {
		r->refs = 1;
		job_free(r);
		errno = err;
		return NULL;
	}
	return r;
}

int resolve_fd(const struct resolve *r)
{
	return r->pipe_fds[0];
}

int resolve_finish(struct resolve *r, struct addrinfo **list)
{
	int result, saved;

	pthread_mutex_lock(&r->lock);
	result = r->result;
	saved = r->result_errno;
	*list = r->list;
	r->list = NULL;
	pthread_mutex_unlock(&r->lock);
	job_release(r);
	errno = saved;
	return result;
}

void resolve_abandon(struct resolve *r)
{
	pthread_mutex_lock(&r->lock);
	r->abandoned = 1;
	pthread_mutex_unlock(&r->lock);
	job_release(r);
}
