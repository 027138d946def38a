/*
 * portcheck.c - many non-blocking connects in one poll loop.
 */
#include "net/portcheck.h"

#include "base/clock.h"
#include "base/json.h"
#include "net/addr.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One connect in flight: which port, its socket, when it started. */
struct flight {
	size_t index;
	int fd;
	uint64_t start_ns;
};

const char *portcheck_state_name(enum portcheck_state state)
{
	switch (state) {
	case PORTCHECK_OPEN:
		return "open";
	case PORTCHECK_CLOSED:
		return "closed";
	case PORTCHECK_FILTERED:
		return "filtered";
	case PORTCHECK_PENDING:
		break;
	}
	return "pending";
}

static int parse_port(const char *text, const char **end, unsigned *port)
{
	unsigned long n = 0;
	const char *p = text;

	while (*p >= '0' && *p <= '9' && p - text < 6)
		n = n * 10 + (unsigned long)(*p++ - '0');
	if (p == text || n < 1 || n > 65535)
		return -1;
	*end = p;
	*port = (unsigned)n;
	return 0;
}

int portcheck_parse_range(const char *text, unsigned *low, unsigned *high)
{
	const char *p;

	if (parse_port(text, &p, low) < 0)
		goto bad;
	*high = *low;
	if (*p == '-' && parse_port(p + 1, &p, high) < 0)
		goto bad;
	if (*p != '\0' || *high < *low)
		goto bad;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

/* The verdict a connect's errno gives.  A RST is the only "closed": any
 * other failure (no answer, an ICMP unreachable) means something between
 * here and the port stopped the SYN. */
static void settle(struct portcheck_port *port, int err, uint64_t start_ns)
{
	port->err = err;
	port->state = err == 0 ? PORTCHECK_OPEN : err == ECONNREFUSED ? PORTCHECK_CLOSED : PORTCHECK_FILTERED;
	port->connect_ns = clock_now_ns() - start_ns;
}

/* Starts the connect of port: 1 in flight (f filled), 0 settled at once,
 * -1 no socket (errno). */
static int launch(struct portcheck_port *port, size_t index, struct flight *f)
{
	uint64_t start_ns = clock_now_ns();
	int fd = socket(port->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&port->addr, port->addrlen) == 0) {
		settle(port, 0, start_ns); /* loopback can complete at once */
		close(fd);
		return 0;
	}
	if (errno != EINPROGRESS) {
		settle(port, errno, start_ns);
		close(fd);
		return 0;
	}
	f->index = index;
	f->fd = fd;
	f->start_ns = start_ns;
	return 1;
}

/* The handshake of f ended (writable or an error): its verdict from SO_ERROR. */
static void land(struct portcheck_port *ports, struct flight *f)
{
	int err = 0;
	socklen_t len = sizeof err;

	if (getsockopt(f->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	settle(&ports[f->index], err, f->start_ns);
	close(f->fd);
	f->fd = -1;
}

/* Milliseconds until the oldest flight runs out of time (never negative). */
static int next_timeout_ms(const struct flight *flights, size_t n, int timeout_ms)
{
	uint64_t oldest = flights[0].start_ns;

	for (size_t i = 1; i < n; i++)
		if (flights[i].start_ns < oldest)
			oldest = flights[i].start_ns;
	return clock_ms_until(oldest + (uint64_t)timeout_ms * 1000000u);
}

/* Settles the flights whose handshake ended or whose time ran out, and
 * packs the rest at the front: how many are still in flight. */
static size_t sweep(struct portcheck_port *ports, struct flight *flights, struct pollfd *pfd, size_t n,
                    int timeout_ms, void (*done)(void *, size_t), void *arg)
{
	uint64_t now = clock_now_ns();
	size_t kept = 0;

	for (size_t i = 0; i < n; i++) {
		struct flight *f = &flights[i];
		if (pfd[i].revents) {
			land(ports, f);
		} else if (now >= f->start_ns + (uint64_t)timeout_ms * 1000000u) {
			settle(&ports[f->index], ETIMEDOUT, f->start_ns);
			close(f->fd);
			f->fd = -1;
		} else {
			flights[kept++] = *f;
			continue;
		}
		if (done)
			done(arg, f->index);
	}
	return kept;
}

int portcheck_run(struct portcheck_port *ports, size_t count, unsigned parallel, int timeout_ms,
                  int (*stop)(void), void (*done)(void *arg, size_t index), void *arg)
{
	struct flight *flights = calloc(parallel, sizeof *flights);
	struct pollfd *pfd = calloc(parallel, sizeof *pfd);
	size_t next = 0, n = 0;
	int rc = 0, saved;

	if (!flights || !pfd) {
		rc = -1;
		goto out;
	}
	while (next < count || n > 0) {
		/* keep the window full: start connects until parallel are in flight */
		while (next < count && n < parallel) {
			int started = launch(&ports[next], next, &flights[n]);
			if (started < 0) {
				rc = -1;
				goto out;
			}
			if (started == 0 && done)
				done(arg, next);
			n += (size_t)started;
			next++;
		}
		if (n == 0)
			continue;
		if (stop && stop()) {
			errno = EINTR;
			rc = -1;
			goto out;
		}
		for (size_t i = 0; i < n; i++)
			pfd[i] = (struct pollfd){ flights[i].fd, POLLOUT, 0 };
		if (poll(pfd, (nfds_t)n, next_timeout_ms(flights, n, timeout_ms)) < 0) {
			if (errno == EINTR)
				continue;
			rc = -1;
			goto out;
		}
		n = sweep(ports, flights, pfd, n, timeout_ms, done, arg);
	}
out:
	saved = errno;
	for (size_t i = 0; flights && i < n; i++)
		close(flights[i].fd);
	free(flights);
	free(pfd);
	errno = saved;
	return rc;
}

/* Splits "HOST:RANGE" at its last colon ("[V6]:RANGE" keeps its brackets
 * for addr_parse); an operand without a colon is a range alone. */
static int split_operand(const char *operand, char *host, size_t size, unsigned *low, unsigned *high)
{
	const char *colon = strrchr(operand, ':');
	const char *range = colon ? colon + 1 : operand;
	size_t len = colon ? (size_t)(colon - operand) : 0;

	if (strncmp(operand, "unix:", 5) == 0 || len + 1 > size || (colon && len == 0) ||
	    portcheck_parse_range(range, low, high) < 0) {
		errno = EINVAL;
		return -1;
	}
	if (colon && memchr(operand, ':', len) && operand[0] != '[') {
		errno = EINVAL; /* a bare IPv6 address: which colon ends it? */
		return -1;
	}
	memcpy(host, operand, len);
	host[len] = '\0';
	return 0;
}

static void set_port(struct sockaddr_storage *ss, unsigned port)
{
	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
	else
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
}

int portcheck_add(const char *operand, int family, struct portcheck_port **ports, size_t *count, int *gai_error)
{
	char host[300], text[340];
	struct addr_spec spec;
	struct addrinfo *list = NULL;
	struct portcheck_port *grown;
	unsigned low, high;
	int rc;

	if (split_operand(operand, host, sizeof host, &low, &high) < 0)
		return -1;
	snprintf(text, sizeof text, "%s:%u", host[0] ? host : "127.0.0.1", low);
	if (addr_parse(text, 0, &spec) < 0 || spec.is_unix) {
		errno = EINVAL;
		return -1;
	}
	if ((rc = addr_resolve(&spec, "127.0.0.1", NULL, family, SOCK_STREAM, 0, &list)) != 0) {
		*gai_error = rc;
		return 1;
	}
	grown = realloc(*ports, (*count + (high - low + 1)) * sizeof **ports);
	if (!grown) {
		addr_free(list);
		errno = ENOMEM;
		return -1;
	}
	*ports = grown;
	for (unsigned port = low; port <= high; port++) {
		struct portcheck_port *p = &grown[(*count)++];
		memset(p, 0, sizeof *p);
		memcpy(&p->addr, list->ai_addr, list->ai_addrlen);
		p->addrlen = list->ai_addrlen;
		p->name = operand;
		set_port(&p->addr, port);
	}
	addr_free(list);
	return 0;
}

void portcheck_format(const struct portcheck_port *port, int json, struct buf *out)
{
	char where[ADDR_TEXT_MAX], host[ADDR_TEXT_MAX];
	double ms = (double)port->connect_ns / 1e6;
	int quiet = port->err == 0 || port->err == ECONNREFUSED || port->err == ETIMEDOUT;
	struct json j;

	addr_format((const struct sockaddr *)&port->addr, port->addrlen, where, sizeof where);
	if (!json) {
		buf_printf(out, "%s %s %.2f ms", where, portcheck_state_name(port->state), ms);
		if (!quiet)
			buf_printf(out, " (%s)", strerror(port->err));
		buf_printf(out, "\n");
		return;
	}
	json_init(&j, out);
	json_begin_object(&j, NULL);
	if (port->name)
		json_str(&j, "operand", port->name);
	json_str(&j, "address", addr_format_host((const struct sockaddr *)&port->addr, host, sizeof host));
	json_uint(&j, "port", addr_port((const struct sockaddr *)&port->addr));
	json_str(&j, "state", portcheck_state_name(port->state));
	json_fixed(&j, "connect_ms", ms, 3);
	if (port->err)
		json_str(&j, "error", strerror(port->err));
	else
		json_null(&j, "error");
	json_end(&j);
	json_newline(&j);
}
