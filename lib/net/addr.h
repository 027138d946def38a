/*
 * addr.h - socket addresses as people write them, and back.
 *
 * Promise: the one parser of address operands for every tool, so that
 * `HOST:PORT`, `[IPV6]:PORT`, `PORT` alone and `unix:/path` mean the same
 * thing everywhere; resolution goes through getaddrinfo(3) (names, -4/-6);
 * formatting gives `127.0.0.1:8080`, `[::1]:8080` or `unix:/path`.
 * Nothing here prints or exits.
 */
#ifndef SOCKBOX_ADDR_H
#define SOCKBOX_ADDR_H

#include <netdb.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

/* Longest formatted address, "[v6%scope]:port" and "unix:" + a path. */
#define ADDR_TEXT_MAX (sizeof(((struct sockaddr_un *)0)->sun_path) + 8)

struct addr_spec {
	int is_unix;    /* 1 for unix:/path */
	char host[256]; /* empty: the caller's default host */
	char port[32];  /* service name or number; empty: the caller's default */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

/*
 * Parses text into spec: "HOST:PORT", "[V6ADDR]:PORT", "PORT" (digits only),
 * "HOST" (when allow_host_only; the port stays empty), or "unix:/path".
 * 0, or -1 with errno EINVAL (malformed) or ENAMETOOLONG (unix path).
 */
int addr_parse(const char *text, int allow_host_only, struct addr_spec *spec);

/*
 * Resolves spec with getaddrinfo: family AF_UNSPEC/AF_INET/AF_INET6,
 * socktype SOCK_STREAM/SOCK_DGRAM, passive for bind addresses.  An empty
 * host or port takes default_host / default_port.  Returns 0 and a list to
 * free with addr_free, or a getaddrinfo error code (EAI_*; EAI_SYSTEM sets
 * errno) to show with addr_strerror.  A unix spec yields one entry.
 */
int addr_resolve(const struct addr_spec *spec, const char *default_host, const char *default_port, int family,
                 int socktype, int passive, struct addrinfo **list);

void addr_free(struct addrinfo *list);

/* Text of a getaddrinfo error code (EAI_SYSTEM: strerror(errno)). */
const char *addr_strerror(int code);

/* Formats sa as "1.2.3.4:80", "[::1]:80" or "unix:/path" into out; returns out. */
char *addr_format(const struct sockaddr *sa, socklen_t len, char *out, size_t size);

/* Formats only the IP part ("1.2.3.4", "::1"), for output fields that split
 * address and port; returns out. */
char *addr_format_host(const struct sockaddr *sa, char *out, size_t size);

/* The port of an AF_INET/AF_INET6 address in host order, 0 for others. */
unsigned addr_port(const struct sockaddr *sa);

/* "HOST:PORT" as the user wrote it, for messages before resolution. */
char *addr_spec_format(const struct addr_spec *spec, const char *default_host, const char *default_port,
                       char *out, size_t size);

#endif
