/*
 * dgrecord.c - what a datagram listener prints (see dgrecord.h): one
 * datagram read, told, reported when truncated, written as one record.
 */
#include "net/dgrecord.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/io.h"
#include "cli/diag.h"
#include "net/addr.h"
#include "sig/sig.h"

void dgrecord_init(struct dgrecord *r, size_t max_size)
{
	memset(r, 0, sizeof *r);
	r->max_size = max_size;
	r->record = (struct buf)BUF_INIT;
}

int dgrecord_alloc(struct dgrecord *r)
{
	r->datagram = malloc(r->max_size);
	return r->datagram ? 0 : -1;
}

void dgrecord_free(struct dgrecord *r)
{
	free(r->datagram);
	r->datagram = NULL;
	iface_list_free(&r->ifaces);
	buf_free(&r->record);
}

/* A snapshot of the interfaces at most a second old: addresses change. */
const struct iface_list *dgrecord_interfaces(struct dgrecord *r)
{
	uint64_t now = clock_now_ns();

	if (r->ifaces_loaded_ns && now - r->ifaces_loaded_ns < 1000000000u)
		return &r->ifaces;
	iface_list_free(&r->ifaces);
	if (iface_list_load(&r->ifaces) < 0)
		diag_verbose(1, "getifaddrs: %s", strerror(errno));
	r->ifaces_loaded_ns = now;
	return &r->ifaces;
}

/* Writes the record for one datagram: EXIT_OK, or EXIT_FAIL after a message. */
static int print_datagram(struct dgrecord *r, const unsigned char *data, size_t kept,
                          const struct dgram_info *info)
{
	int rc;

	if (r->stdout_closed)
		return EXIT_OK;
	buf_clear(&r->record);
	if (r->raw)
		rc = buf_append(&r->record, data, kept);
	else if (r->json)
		rc = dgram_format_json(&r->record, info, data, kept, dgrecord_interfaces(r));
	else
		rc = dgram_format_line(&r->record, info, data, kept);
	if (rc < 0)
		return diag_errno("format datagram");
	if (io_write_full(STDOUT_FILENO, r->record.data, r->record.len) < 0) {
		if (errno != EPIPE)
			return diag_errno("write stdout");
		r->stdout_closed = 1; /* the reader went away: end quietly, as filters do */
		sig_request_stop();
	}
	return EXIT_OK;
}

/* -v: where a datagram came from and where it was going. */
static void narrate_datagram(struct dgrecord *r, const struct dgram_info *info, const char *what)
{
	char source[ADDR_TEXT_MAX], dest[INET6_ADDRSTRLEN], ifname[IF_NAMESIZE];
	const char *name;

	if (diag_verbosity() < 1)
		return;
	addr_format((const struct sockaddr *)&info->source, info->source_len, source, sizeof source);
	if (!info->has_pktinfo) {
		diag_verbose(1, "%s of %zu bytes from %s", what, info->length, source);
		return;
	}
	name = iface_name(dgrecord_interfaces(r), info->ifindex, ifname);
	diag_verbose(1, "%s of %zu bytes from %s to %s (%s) on %s", what, info->length, source,
	             addr_format_host((const struct sockaddr *)&info->destination, dest, sizeof dest),
	             dgram_kind(info, dgrecord_interfaces(r)), name ? name : "?");
}

/*
 * Reads one datagram and prints it.  Sets *got to 1 when one was read
 * (0 on a spurious wake-up).  EXIT_OK or EXIT_FAIL.
 */
int dgrecord_receive(struct dgrecord *r, int fd, const char *what, struct dgram_info *info, int *got)
{
	char source[ADDR_TEXT_MAX];
	ssize_t kept = dgram_recv(fd, r->datagram, r->max_size, info);

	*got = 0;
	if (kept < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return EXIT_OK;
		return diag_errno("receive");
	}
	*got = 1;
	r->received++;
	r->received_bytes += info->length;
	narrate_datagram(r, info, what);
	if (info->truncated) {
		r->truncated++;
		addr_format((const struct sockaddr *)&info->source, info->source_len, source, sizeof source);
		diag_info("receive from %s: datagram of %zu bytes truncated to %zu (--max-size)", source,
		          info->length, (size_t)kept);
	}
	return print_datagram(r, r->datagram, (size_t)kept, info);
}
