/*
 * addr.c - address parsing, resolution and formatting.
 */
#include "net/addr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* A port is a number 0-65535 or a service name made of [A-Za-z0-9-]. */
static int valid_port(const char *s)
{
	if (all_digits(s))
		return strlen(s) <= 5 && atol(s) <= 65535;
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-')
			return 0;
	return 1;
}

static int copy_field(char *dst, size_t size, const char *src, size_t len)
{
	if (len >= size) {
		errno = EINVAL;
		return -1;
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}

int addr_parse(const char *text, int allow_host_only, struct addr_spec *spec)
{
	const char *colon;

	memset(spec, 0, sizeof *spec);
	if (strncmp(text, "unix:", 5) == 0) {
		const char *path = text + 5;
		if (!*path) {
			errno = EINVAL;
			return -1;
		}
		if (strlen(path) >= sizeof spec->path) {
			errno = ENAMETOOLONG;
			return -1;
		}
		spec->is_unix = 1;
		strcpy(spec->path, path);
		return 0;
	}
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (!close || close == text + 1 ||
		    copy_field(spec->host, sizeof spec->host, text + 1, (size_t)(close - text - 1)) < 0)
			goto invalid;
		if (close[1] == '\0' && allow_host_only)
			return 0;
		if (close[1] != ':' || !valid_port(close + 2))
			goto invalid;
		return copy_field(spec->port, sizeof spec->port, close + 2, strlen(close + 2));
	}
	if (all_digits(text)) {
		if (!valid_port(text))
			goto invalid;
		return copy_field(spec->port, sizeof spec->port, text, strlen(text));
	}
	colon = strrchr(text, ':');
	if (colon && strchr(text, ':') != colon) {
		/* several colons and no brackets: a bare IPv6 address, no port */
		if (!allow_host_only)
			goto invalid;
		return copy_field(spec->host, sizeof spec->host, text, strlen(text));
	}
	if (!colon) {
		if (!allow_host_only || !*text)
			goto invalid;
		return copy_field(spec->host, sizeof spec->host, text, strlen(text));
	}
	if (colon == text || !valid_port(colon + 1))
		goto invalid;
	if (copy_field(spec->host, sizeof spec->host, text, (size_t)(colon - text)) < 0)
		goto invalid;
	return copy_field(spec->port, sizeof spec->port, colon + 1, strlen(colon + 1));
invalid:
	errno = EINVAL;
	return -1;
}

/* getaddrinfo has no AF_UNIX: build the single entry by hand, in one block
 * so addr_free can release it like any other list. */
static int resolve_unix(const struct addr_spec *spec, int socktype, struct addrinfo **list)
{
	struct {
		struct addrinfo ai;
		struct sockaddr_un sun;
	} *block = calloc(1, sizeof *block);

	if (!block) {
		errno = ENOMEM;
		return EAI_SYSTEM;
	}
	block->sun.sun_family = AF_UNIX;
	strcpy(block->sun.sun_path, spec->path);
	block->ai.ai_family = AF_UNIX;
	block->ai.ai_socktype = socktype;
	block->ai.ai_addr = (struct sockaddr *)&block->sun;
	block->ai.ai_addrlen = (socklen_t)sizeof block->sun;
	block->ai.ai_canonname = (char *)"unix"; /* marks the hand-made entry for addr_free */
	*list = &block->ai;
	return 0;
}

int addr_resolve(const struct addr_spec *spec, const char *default_host, const char *default_port, int family,
                 int socktype, int passive, struct addrinfo **list)
{
	struct addrinfo hints;
	const char *host = spec->host[0] ? spec->host : default_host;
	const char *port = spec->port[0] ? spec->port : default_port;

	if (spec->is_unix)
		return resolve_unix(spec, socktype, list);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = family;
	hints.ai_socktype = socktype;
	hints.ai_flags = AI_ADDRCONFIG | (passive ? AI_PASSIVE : 0);
	if (host && (strcmp(host, "*") == 0 || !*host))
		host = NULL; /* the wildcard address */
	/* AI_ADDRCONFIG hides ::1 and 127.0.0.1 on hosts with only loopback
	 * configured; numeric addresses never need it. */
	{
		unsigned char probe[sizeof(struct in6_addr)];
		if (!host || inet_pton(AF_INET, host, probe) == 1 || inet_pton(AF_INET6, host, probe) == 1)
			hints.ai_flags &= ~AI_ADDRCONFIG;
	}
	return getaddrinfo(host, port ? port : "0", &hints, list);
}

void addr_free(struct addrinfo *list)
{
	if (!list)
		return;
	if (list->ai_family == AF_UNIX && list->ai_canonname && strcmp(list->ai_canonname, "unix") == 0)
		free(list);
	else
		freeaddrinfo(list);
}

const char *addr_strerror(int code)
{
	return code == EAI_SYSTEM ? strerror(errno) : gai_strerror(code);
}

char *addr_format_host(const struct sockaddr *sa, char *out, size_t size)
{
	const void *raw = NULL;

	if (size == 0)
		return out;
	out[0] = '\0';
	if (sa->sa_family == AF_INET)
		raw = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		raw = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	if (raw)
		inet_ntop(sa->sa_family, raw, out, (socklen_t)size);
	return out;
}

char *addr_format(const struct sockaddr *sa, socklen_t len, char *out, size_t size)
{
	char host[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_UNIX) {
		const struct sockaddr_un *sun = (const struct sockaddr_un *)(const void *)sa;
		size_t pathlen = len > offsetof(struct sockaddr_un, sun_path)
		                     ? len - offsetof(struct sockaddr_un, sun_path)
		                     : 0;
		if (pathlen > 0 && sun->sun_path[0] == '\0')
			snprintf(out, size, "unix:@%.*s", (int)(pathlen - 1), sun->sun_path + 1); /* abstract */
		else
			snprintf(out, size, "unix:%.*s", (int)strnlen(sun->sun_path, sizeof sun->sun_path),
			         sun->sun_path);
		return out;
	}
	addr_format_host(sa, host, sizeof host);
	if (sa->sa_family == AF_INET6)
		snprintf(out, size, "[%s]:%u", host, addr_port(sa));
	else if (sa->sa_family == AF_INET)
		snprintf(out, size, "%s:%u", host, addr_port(sa));
	else
		snprintf(out, size, "family-%d", sa->sa_family);
	return out;
}

unsigned addr_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port);
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)sa)->sin6_port);
	return 0;
}

char *addr_spec_format(const struct addr_spec *spec, const char *default_host, const char *default_port,
                       char *out, size_t size)
{
	const char *host = spec->host[0] ? spec->host : (default_host ? default_host : "*");
	const char *port = spec->port[0] ? spec->port : (default_port ? default_port : "0");

	if (spec->is_unix)
		snprintf(out, size, "unix:%s", spec->path);
	else if (strchr(host, ':'))
		snprintf(out, size, "[%s]:%s", host, port);
	else
		snprintf(out, size, "%s:%s", host, port);
	return out;
}
