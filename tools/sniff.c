/*
 * sniff.c - capture packets with libpcap and show what each layer adds.
 *
 * Teaches: protocol layers (link, network, transport), the fields of each
 * header, the TCP three-way handshake and four-step teardown as they pass
 * on the wire, and how a BPF filter runs inside the kernel.  The decoders
 * live in lib/pkt.c, the text and JSON in lib/pktfmt.c, the connection
 * tracking of --explain in lib/tcpflow.c; this file is the command line,
 * the capture loop and the printing.
 *
 * References: pcap(3PCAP), pcap-filter(7), pcap-linktype(7), tcpdump(8),
 * RFC 9293 (TCP), RFC 791 (IPv4), RFC 8200 (IPv6), RFC 826 (ARP).
 */
#include "tools.h"
#include "base/buf.h"
#include "base/clock.h"
#include "cli/diag.h"
#include "pkt/explain.h"
#include "base/io.h"
#include "base/json.h"
#include "cli/opt.h"
#include "cli/parse.h"
#include "pkt/pkt.h"
#include "pkt/pktfmt.h"
#include "sig/sig.h"
#include "pkt/tcpflow.h"
#include "draw/ladder.h"
#include "draw/svg.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { OPT_TIMEOUT = OPT_LONG_ONLY, OPT_JSON, OPT_EXPLAIN, OPT_SVG, OPT_CONN, OPT_MAX_ARROWS };

static const struct opt_spec options[] = {
	{ 'i', "interface", "IFACE", "capture live on IFACE (default lo; any: every interface)" },
	{ 'r', "read", "FILE", "read packets from a pcap or pcapng FILE (- for stdin)" },
	{ 'c', "count", "N", "stop after N packets" },
	{ OPT_TIMEOUT, "timeout", "SECS", "stop after SECS seconds" },
	{ 'w', "write", "FILE", "also save the packets to a pcap FILE (- for stdout)" },
	{ 'q', "quiet", NULL, "with --write: only save, print nothing" },
	{ 's', "snaplen", "BYTES", "keep at most BYTES of each packet (default 262144)" },
	{ 'v', "verbose", NULL, "show every layer with every field named; narrate on stderr" },
	{ 'x', "hex", NULL, "add a hex dump of each packet" },
	{ 'A', "ascii", NULL, "add each packet's payload as ASCII ('.' for other bytes)" },
	{ 'D', "list-interfaces", NULL, "list the interfaces sniff can capture on, and exit" },
	{ OPT_JSON, "json", NULL, "one JSON object per packet" },
	{ OPT_EXPLAIN, "explain", NULL, "follow TCP connections, UDP datagrams and ARP in words" },
	{ 'S', "absolute", NULL, "with --explain: absolute TCP sequence numbers" },
	{ OPT_SVG, "svg", "FILE", "with --explain: draw each connection as a ladder diagram in FILE (SVG)" },
	{ OPT_CONN, "conn", "N", "with --svg: draw only TCP connection N (as --explain numbers them)" },
	{ OPT_MAX_ARROWS, "max-arrows", "N", "with --svg: draw at most N arrows (default 2000)" },
	{ 0, NULL, NULL, NULL },
};

const struct opt_tool sniff_tool = {
	.name = "sniff",
	.usage = "[OPTIONS] [FILTER...]",
	.summary = "capture packets (or read a capture) and show their protocol layers",
	.specs = options,
};

#define SNAPLEN_MAX 262144
#define OUT_FLUSH (64 * 1024)
#define FILE_BATCH 4096
#define MAX_TRACKED_CONNS 262144
#define LIVE_BUFFER (8 * 1024 * 1024) /* the kernel ring: room for bursts */

struct sniff {
	/* what the options decide */
	const char *iface, *read_path, *write_path;
	char *filter;
	uint64_t count;
	double timeout;
	unsigned snaplen;
	int verbose, hex, ascii, json, explain, absolute, quiet, list;
	const char *svg_path;             /* --svg */
	struct ladder_options ladder_opt; /* --conn, --max-arrows */

	/* run state */
	pcap_t *pcap;
	pcap_dumper_t *dumper;
	FILE *write_file;
	enum pkt_link link;
	int sig_fd;        /* lib/sig descriptor during a live capture, else -1 */
	sigset_t old_mask; /* the signal mask before sig_fd_open */
	uint64_t deadline_ns;
	uint64_t seen;
	int stop, status, told_numbering;
	int svg_only; /* --svg -: no packet lines */
	struct buf out, note;
	struct pktfmt_clock clock;
	int64_t json_sec;
	char json_day[32]; /* "2026-11-23T12:00:00" of json_sec, UTC */
	struct tcpflow *flows;
	struct ladder *ladder; /* --svg: the arrows drawn at the end */
	struct pkt pkt;
	uint8_t *frame; /* SNAPLEN_MAX bytes: see copy_frame */
};

/* FILTER words are joined with spaces, as tcpdump does. */
static int join_filter(struct sniff *s, int argc, char **argv, int first)
{
	struct buf f = BUF_INIT;
	for (int i = first; i < argc; i++)
		if ((i > first && buf_append_byte(&f, ' ') < 0) || buf_append_str(&f, argv[i]) < 0) {
			buf_free(&f);
			return diag_errno("join filter");
		}
	s->filter = f.data;
	return EXIT_OK;
}

/* OPT_GO_ON when the run goes on, else the status to exit with (--help: 0). */
static int parse_args(struct sniff *s, int argc, char **argv)
{
	struct opt_state st;
	uint64_t n;
	int key;

	opt_init(&st, &sniff_tool, argc, argv);
	while ((key = opt_next(&st)) != OPT_END) {
		switch (key) {
		case OPT_EXIT:
			return st.status;
		case 'i':
			s->iface = st.arg;
			break;
		case 'r':
			s->read_path = st.arg;
			break;
		case 'w':
			s->write_path = st.arg;
			break;
		case 'q':
			s->quiet = 1;
			break;
		case 'v':
			s->verbose++;
			break;
		case 'x':
			s->hex = 1;
			break;
		case 'A':
			s->ascii = 1;
			break;
		case 'D':
			s->list = 1;
			break;
		case 'S':
			s->absolute = 1;
			break;
		case OPT_JSON:
			s->json = 1;
			break;
		case OPT_EXPLAIN:
			s->explain = 1;
			break;
		case OPT_SVG:
			s->svg_path = st.arg;
			break;
		case OPT_CONN:
		case OPT_MAX_ARROWS:
			if (parse_uint(st.arg, 1, key == OPT_CONN ? UINT32_MAX : 1000000, &n) < 0) {
				opt_done(&st);
				return opt_bad_value(&sniff_tool, key, st.arg,
				                     "expected a whole number from 1%s",
				                     key == OPT_CONN ? "" : " to 1000000");
			}
			if (key == OPT_CONN)
				s->ladder_opt.conn = (unsigned)n;
			else
				s->ladder_opt.max_arrows = (size_t)n;
			break;
		case 'c':
			if (parse_uint(st.arg, 1, UINT64_MAX, &s->count) < 0) {
				opt_done(&st);
				return opt_bad_value(&sniff_tool, key, st.arg,
				                     "expected a whole number from 1");
			}
			break;
		case 's':
			if (parse_size(st.arg, 0, SNAPLEN_MAX, &n) < 0) {
				opt_done(&st);
				return opt_bad_value(&sniff_tool, key, st.arg, "expected 0 to %d bytes",
				                     SNAPLEN_MAX);
			}
			s->snaplen = n ? (unsigned)n : SNAPLEN_MAX;
			break;
		case OPT_TIMEOUT:
			if (parse_seconds(st.arg, 0.001, 31536000, &s->timeout) < 0) {
				opt_done(&st);
				return opt_bad_value(&sniff_tool, key, st.arg, "expected seconds, more than 0");
			}
			break;
		default:
			opt_done(&st);
			return diag_usage("unknown option '--%s'", opt_name(&sniff_tool, key));
		}
	}
	if (s->list && (s->read_path || s->write_path || st.index < argc))
		return diag_usage("--list-interfaces takes no capture options");
	if (s->iface && s->read_path)
		return diag_usage("--interface and --read exclude each other");
	if (s->svg_path && !s->explain)
		return diag_usage("--svg needs --explain");
	if ((s->ladder_opt.conn || s->ladder_opt.max_arrows) && !s->svg_path)
		return diag_usage("--%s needs --svg", s->ladder_opt.conn ? "conn" : "max-arrows");
	if (s->svg_path && strcmp(s->svg_path, "-") == 0 && s->write_path && strcmp(s->write_path, "-") == 0)
		return diag_usage("--svg - and --write - both want stdout");
	if (s->quiet && !s->write_path)
		return diag_usage("--quiet only makes sense with --write");
	if (s->write_path && strcmp(s->write_path, "-") == 0)
		s->quiet = 1; /* the capture itself goes to stdout */
	s->svg_only = s->svg_path && strcmp(s->svg_path, "-") == 0;
	if (!s->read_path && !s->iface)
		s->iface = "lo";
	diag_set_verbosity(s->verbose);
	return join_filter(s, argc, argv, st.index) == EXIT_OK ? OPT_GO_ON : EXIT_FAIL;
}

/* pcap's DLT numbers to the decoders' link layers. */
static enum pkt_link link_from_dlt(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
		return PKT_LINK_ETHERNET;
	case DLT_LINUX_SLL:
		return PKT_LINK_SLL;
	case DLT_LINUX_SLL2:
		return PKT_LINK_SLL2;
	case DLT_NULL:
		return PKT_LINK_NULL;
	case DLT_LOOP:
		return PKT_LINK_LOOP;
	case DLT_RAW:
		return PKT_LINK_RAW;
	case DLT_IPV4:
		return PKT_LINK_IPV4;
	case DLT_IPV6:
		return PKT_LINK_IPV6;
	default:
		return PKT_LINK_UNKNOWN;
	}
}

/* "EN10MB (Ethernet)", or the bare number for a type libpcap cannot name. */
static const char *describe_dlt(int dlt, char *text, size_t size)
{
	const char *name = pcap_datalink_val_to_name(dlt);
	const char *what = pcap_datalink_val_to_description(dlt);

	if (name && what)
		snprintf(text, size, "%s (%s)", name, what);
	else
		snprintf(text, size, "%d", dlt);
	return text;
}

/* pcap_create + pcap_activate: the kernel socket and its ring buffer. */
static int open_live(struct sniff *s)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	int rc;

	s->pcap = pcap_create(s->iface, errbuf);
	if (!s->pcap)
		return diag_error("capture on %s: %s", s->iface, errbuf);
	/* immediate mode hands each packet over as it arrives, not in blocks */
	if (pcap_set_snaplen(s->pcap, (int)s->snaplen) != 0 || pcap_set_immediate_mode(s->pcap, 1) != 0 ||
	    pcap_set_timeout(s->pcap, 100) != 0 || pcap_set_buffer_size(s->pcap, LIVE_BUFFER) != 0)
		return diag_error("capture on %s: %s", s->iface, pcap_geterr(s->pcap));
	rc = pcap_activate(s->pcap);
	if (rc == PCAP_ERROR_PERM_DENIED ||
	    (rc == PCAP_ERROR && geteuid() != 0 && strstr(pcap_geterr(s->pcap), "ermission")))
		return diag_error("capturing on %s needs root or CAP_NET_RAW", s->iface);
	if (rc == PCAP_ERROR_NO_SUCH_DEVICE)
		return diag_error("capture on %s: no such interface", s->iface);
	if (rc < 0)
		return diag_error("capture on %s: %s", s->iface, pcap_geterr(s->pcap));
	if (rc > 0)
		diag_verbose(1, "capture on %s: warning: %s", s->iface, pcap_statustostr(rc));
	return EXIT_OK;
}

static int open_file(struct sniff *s)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "", dlt_text[128];

	s->pcap = pcap_open_offline_with_tstamp_precision(s->read_path, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
	if (!s->pcap) {
		/* libpcap starts some messages with the file name: say it once */
		size_t plen = strlen(s->read_path);
		const char *why =
		    strncmp(errbuf, s->read_path, plen) == 0 && strncmp(errbuf + plen, ": ", 2) == 0
		        ? errbuf + plen + 2
		        : errbuf;
		return diag_error("read %s: %s", s->read_path, why);
	}
	diag_verbose(1, "reading %s: pcap format %d.%d, link-type %s, snapshot length %d", s->read_path,
	             pcap_major_version(s->pcap), pcap_minor_version(s->pcap),
	             describe_dlt(pcap_datalink(s->pcap), dlt_text, sizeof dlt_text), pcap_snapshot(s->pcap));
	return EXIT_OK;
}

/* The filter is compiled to BPF instructions; on a live capture they are
 * attached to the socket and run in the kernel for every packet. */
static int apply_filter(struct sniff *s)
{
	struct bpf_program prog;

	if (!s->filter || !*s->filter)
		return EXIT_OK;
	if (pcap_compile(s->pcap, &prog, s->filter, 1, PCAP_NETMASK_UNKNOWN) < 0)
		return diag_usage("filter '%s': %s", s->filter, pcap_geterr(s->pcap));
	diag_verbose(1, "filter '%s': %u BPF instructions, run %s", s->filter, prog.bf_len,
	             s->read_path ? "by libpcap on each packet read" : "in the kernel on each packet");
	for (unsigned i = 0; i < prog.bf_len && diag_verbosity() >= 2; i++)
		diag_verbose(2, "bpf %s", bpf_image(&prog.bf_insns[i], (int)i));
	if (pcap_setfilter(s->pcap, &prog) < 0) {
		pcap_freecode(&prog);
		return diag_error("filter '%s': %s", s->filter, pcap_geterr(s->pcap));
	}
	pcap_freecode(&prog);
	return EXIT_OK;
}

static int open_writer(struct sniff *s)
{
	int fd;

	if (!s->write_path)
		return EXIT_OK;
	/* "-" writes through a copy of stdout, so closing the dump leaves stdout open */
	if (strcmp(s->write_path, "-") == 0)
		s->write_file = (fd = dup(STDOUT_FILENO)) < 0 ? NULL : fdopen(fd, "wb");
	else
		s->write_file = fopen(s->write_path, "wbe");
	if (!s->write_file)
		return diag_errno("write %s", s->write_path);
	s->dumper = pcap_dump_fopen(s->pcap, s->write_file);
	if (!s->dumper) {
		fclose(s->write_file);
		return diag_error("write %s: %s", s->write_path, pcap_geterr(s->pcap));
	}
	return EXIT_OK;
}

/* Writes the output buffer; a closed pipe ends the run quietly. */
static void flush_out(struct sniff *s)
{
	if (!s->out.len)
		return;
	if (io_write_full(STDOUT_FILENO, s->out.data, s->out.len) < 0) {
		if (errno != EPIPE)
			s->status = diag_errno("write stdout");
		s->stop = 1;
		if (s->pcap)
			pcap_breakloop(s->pcap);
	}
	buf_clear(&s->out);
}

/* ---- --explain ---- */

/* Fills s->note with the words for p; TCP also gives the numbering base. */
static void explain_packet(struct sniff *s, const struct pkt *p, uint64_t now_ns, struct pktfmt_seq *seq)
{
	struct tcpflow_event ev;

	if (p->transport != PKT_TR_TCP || tcpflow_track(s->flows, p, now_ns, &ev) < 0) {
		explain_other(&s->note, p);
		if (s->ladder && ladder_add(s->ladder, p, NULL, now_ns) < 0)
			s->status = diag_errno("draw the ladder");
		return;
	}
	if (s->ladder && ladder_add(s->ladder, p, &ev, now_ns) < 0)
		s->status = diag_errno("draw the ladder");
	if (!s->told_numbering && !s->json && !s->svg_only) {
		buf_append_str(
		    &s->out,
		    s->absolute
		        ? "(TCP sequence numbers are absolute, as on the wire)\n"
		        : "(TCP sequence numbers are relative: each side counts from its initial sequence "
		          "number; -S shows them absolute)\n");
		s->told_numbering = 1;
	}
	explain_tcp(&s->note, &ev, p, s->absolute);
	seq->relative = !s->absolute && ev.conn && ev.seq_known;
	seq->seq_base = ev.seq_base;
	seq->ack_base = ev.ack_base;
	seq->ack_known = ev.ack_known;
}

/* ---- one packet ---- */

/* A record's time as pcap defines it: seconds and microseconds are
 * unsigned 32-bit fields, which libpcap hands over sign-extended (a time
 * past 2038 would read as 1901).  A microseconds field of a million or
 * more is impossible: its whole seconds are carried, so the text and the
 * JSON time agree and stay valid, and the packet is flagged. */
struct stamp {
	int64_t sec;
	uint32_t usec;
};

static struct stamp record_time(struct pkt *p, const struct pcap_pkthdr *h)
{
	struct stamp t;
	uint32_t usec = (uint32_t)h->ts.tv_usec;

	t.sec = h->ts.tv_sec < 0 ? (int64_t)(uint32_t)h->ts.tv_sec : (int64_t)h->ts.tv_sec;
	t.usec = usec % 1000000u;
	if (usec >= 1000000u) {
		t.sec += usec / 1000000u;
		pkt_note(p, PKT_BAD_USEC, PKT_L_FRAME, usec, 999999);
	}
	return t;
}

static void print_json(struct sniff *s, struct stamp ts, const uint8_t *bytes, uint32_t caplen)
{
	struct json j;
	char when[48];
	struct tm tm;
	time_t t = (time_t)ts.sec;

	json_init(&j, &s->out);
	json_begin_object(&j, NULL);
	json_uint(&j, "n", s->seen);
	/* the date and time of day change once a second: format them then */
	if (s->json_sec != ts.sec || !s->json_day[0]) {
		s->json_sec = ts.sec;
		if (!gmtime_r(&t, &tm) || !strftime(s->json_day, sizeof s->json_day, "%Y-%m-%dT%H:%M:%S", &tm))
			snprintf(s->json_day, sizeof s->json_day, "%lld", (long long)t);
	}
	snprintf(when, sizeof when, "%s.%06uZ", s->json_day, (unsigned)ts.usec);
	json_str(&j, "time", when);
	json_fixed(&j, "ts", (double)ts.sec + (double)ts.usec / 1e6, 6);
	pktfmt_json(&j, &s->pkt);
	if (s->note.len)
		json_str_len(&j, "explain", s->note.data, s->note.len);
	if (s->hex) {
		static const char digits[] = "0123456789abcdef";
		struct buf hex = BUF_INIT;
		for (uint32_t i = 0; i < caplen; i++) {
			buf_append_byte(&hex, digits[bytes[i] >> 4]);
			buf_append_byte(&hex, digits[bytes[i] & 15]);
		}
		json_str_len(&j, "hex", hex.data ? hex.data : "", hex.len);
		buf_free(&hex);
	}
	if (s->ascii && s->pkt.has_payload) {
		struct buf text = BUF_INIT;
		pktfmt_ascii(&text, s->pkt.data + s->pkt.payload_off, s->pkt.payload_cap);
		json_str_len(&j, "ascii", text.data ? text.data : "", text.len);
		buf_free(&text);
	}
	json_end(&j);
	json_newline(&j);
}

/* The decoders read a copy that ends where its heap block ends: a read past
 * the captured bytes is then a read past the block, which AddressSanitizer
 * reports (libpcap's own buffer has room after each packet, so a read
 * there would go unseen).  A memcpy of a few dozen bytes is the price. */
static const uint8_t *copy_frame(struct sniff *s, const uint8_t *bytes, uint32_t caplen)
{
	uint8_t *copy = s->frame + SNAPLEN_MAX - caplen;
	memcpy(copy, bytes, caplen);
	return copy;
}

static void print_packet(struct sniff *s, const struct pcap_pkthdr *h, const uint8_t *bytes, uint32_t caplen)
{
	struct pktfmt_seq seq = { 0, 0, 0, 0 };
	struct stamp ts;
	uint64_t now_ns;

	pkt_decode(&s->pkt, s->link, copy_frame(s, bytes, caplen), caplen, h->len);
	ts = record_time(&s->pkt, h);
	now_ns = (uint64_t)ts.sec * 1000000000u + (uint64_t)ts.usec * 1000u;
	buf_clear(&s->note);
	if (s->explain)
		explain_packet(s, &s->pkt, now_ns, &seq);
	if (s->svg_only || s->quiet)
		return; /* --svg -: the picture alone goes to stdout; --quiet: it is only followed */
	if (s->json) {
		print_json(s, ts, bytes, caplen);
		return;
	}
	pktfmt_time(&s->out, &s->clock, ts.sec, ts.usec);
	buf_append_byte(&s->out, ' ');
	pktfmt_line(&s->out, &s->pkt, &seq);
	if (s->verbose)
		pktfmt_layers(&s->out, &s->pkt);
	if (s->note.len) {
		buf_append_str(&s->out, "  ");
		buf_append(&s->out, s->note.data, s->note.len);
		buf_append_byte(&s->out, '\n');
	}
	if (s->hex)
		pktfmt_hex(&s->out, bytes, caplen);
	if (s->ascii && s->pkt.has_payload && s->pkt.payload_cap > 0) {
		pktfmt_ascii(&s->out, s->pkt.data + s->pkt.payload_off, s->pkt.payload_cap);
		buf_append_byte(&s->out, '\n');
	}
}

/* libpcap calls this for every packet that passed the filter. */
static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct sniff *s = (struct sniff *)user;
	uint32_t caplen = h->caplen < s->snaplen ? h->caplen : s->snaplen;

	s->seen++;
	if (s->dumper) {
		struct pcap_pkthdr cut = *h;
		cut.caplen = caplen;
		pcap_dump((u_char *)s->dumper, &cut, bytes);
	}
	if (!s->quiet || s->ladder)
		print_packet(s, h, bytes, caplen);
	if (s->out.len >= OUT_FLUSH)
		flush_out(s);
	if (s->count && s->seen >= s->count) {
		s->stop = 1;
		pcap_breakloop(s->pcap);
	}
}

/* ---- -D ---- */

/* tcpdump's words for an interface's flags: "Up, Running, Loopback". */
static void describe_flags(struct buf *out, bpf_u_int32 flags)
{
	static const struct {
		bpf_u_int32 bit;
		const char *word;
	} words[] = {
		{ PCAP_IF_UP, "Up" },
		{ PCAP_IF_RUNNING, "Running" },
		{ PCAP_IF_LOOPBACK, "Loopback" },
		{ PCAP_IF_WIRELESS, "Wireless" },
	};
	size_t start = out->len;
	bpf_u_int32 status = flags & PCAP_IF_CONNECTION_STATUS;

	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (flags & words[i].bit) {
			if (out->len > start)
				buf_append_str(out, ", ");
			buf_append_str(out, words[i].word);
		}
	if (out->len == start)
		buf_append_str(out, "none");
	if (status == PCAP_IF_CONNECTION_STATUS_UNKNOWN)
		buf_append_str(out, flags & PCAP_IF_WIRELESS ? ", Association status unknown"
		                                             : ", Connection status unknown");
	else if (status == PCAP_IF_CONNECTION_STATUS_CONNECTED)
		buf_append_str(out, flags & PCAP_IF_WIRELESS ? ", Associated" : ", Connected");
	else if (status == PCAP_IF_CONNECTION_STATUS_DISCONNECTED)
		buf_append_str(out, flags & PCAP_IF_WIRELESS ? ", Not associated" : ", Disconnected");
}

/* -D: every interface pcap_findalldevs knows, numbered as tcpdump -D
 * numbers them: "3.lo [Up, Running, Loopback]". */
static int list_interfaces(struct sniff *s)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	pcap_if_t *all, *dev;
	unsigned n = 0;

	if (pcap_findalldevs(&all, errbuf) < 0)
		return diag_error("list interfaces: %s", errbuf);
	if (!all)
		return diag_error("list interfaces: none available for capture");
	for (dev = all; dev; dev = dev->next) {
		char number[16];
		snprintf(number, sizeof number, "%u.", ++n);
		buf_append_str(&s->out, number);
		buf_append_str(&s->out, dev->name);
		if (dev->description) {
			buf_append_str(&s->out, " (");
			buf_append_str(&s->out, dev->description);
			buf_append_byte(&s->out, ')');
		}
		if (dev->flags) {
			buf_append_str(&s->out, " [");
			describe_flags(&s->out, dev->flags);
			buf_append_byte(&s->out, ']');
		}
		buf_append_byte(&s->out, '\n');
	}
	pcap_freealldevs(all);
	flush_out(s);
	return s->status;
}

/* ---- the capture loop ---- */

/* During a live capture SIGINT, SIGTERM and SIGHUP arrive through a
 * descriptor (lib/sig), polled with the capture, so the loop ends
 * cleanly: the summary printed, the saved file complete.  Reading a file
 * keeps their default action, so a read from a pipe that blocks can still
 * be interrupted. */
static int open_signals(struct sniff *s)
{
	if (s->read_path)
		return EXIT_OK;
	s->sig_fd = sig_fd_open(&s->old_mask);
	return s->sig_fd < 0 ? diag_errno("signalfd") : EXIT_OK;
}

static int signalled(struct sniff *s)
{
	int sig = s->sig_fd >= 0 ? sig_fd_read(s->sig_fd) : -1;
	if (sig > 0) {
		diag_verbose(1, "signal %d: stopping", sig);
		return 1;
	}
	return 0;
}

static int deadline_passed(const struct sniff *s)
{
	return s->deadline_ns && clock_now_ns() >= s->deadline_ns;
}

/* One pcap_dispatch: a failure is kept in s->status and stops the run. */
static void dispatch(struct sniff *s, int batch)
{
	int n = pcap_dispatch(s->pcap, batch, on_packet, (u_char *)s);
	if (n == PCAP_ERROR) {
		flush_out(s);
		s->stop = 1;
		s->status = diag_error("%s %s: %s", s->read_path ? "read" : "capture on",
		                       s->read_path ? s->read_path : s->iface, pcap_geterr(s->pcap));
	} else if (n == 0 && s->read_path) {
		s->stop = 1; /* end of the file */
	}
}

static int run_live(struct sniff *s)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pollfd pfd[2];

	if (pcap_setnonblock(s->pcap, 1, errbuf) < 0)
		return diag_error("capture on %s: %s", s->iface, errbuf);
	pfd[0] = (struct pollfd){ .fd = pcap_get_selectable_fd(s->pcap), .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = s->sig_fd, .events = POLLIN };
	while (!s->stop) {
		/* wake at least every 100 ms: a quiet link still ends on time */
		int wait_ms = s->deadline_ns ? clock_ms_until(s->deadline_ns) : 100;
		if (deadline_passed(s))
			break;
		if (poll(pfd, 2, wait_ms < 100 ? wait_ms : 100) < 0 && errno != EINTR)
			return diag_errno("poll");
		if (signalled(s))
			break;
		dispatch(s, -1);
		flush_out(s);
	}
	return s->status;
}

static int run_file(struct sniff *s)
{
	while (!s->stop) {
		dispatch(s, FILE_BATCH);
		if (signalled(s) || deadline_passed(s))
			break;
	}
	flush_out(s);
	return s->status;
}

/* --svg: the ladder diagrams, written whole at the end, and what was left out. */
static int write_ladder(struct sniff *s)
{
	struct buf svg = BUF_INIT;
	char title[600];
	int rc = EXIT_OK;

	snprintf(title, sizeof title, "sniff --explain %s%s", s->read_path ? "-r " : "-i ",
	         s->read_path ? s->read_path : s->iface);
	ladder_svg(s->ladder, &svg, title);
	if (svg_write_file(s->svg_path, &svg) < 0)
		rc = errno == EPIPE ? EXIT_OK : diag_errno("write %s", s->svg_path);
	else if (ladder_left_out(s->ladder))
		diag_info("%s: %zu arrows drawn, %zu packets left out (--max-arrows %zu)", s->svg_path,
		          ladder_arrows(s->ladder), ladder_left_out(s->ladder),
		          s->ladder_opt.max_arrows ? s->ladder_opt.max_arrows
		                                   : (size_t)LADDER_MAX_ARROWS_DEFAULT);
	buf_free(&svg);
	return rc;
}

static void report_stats(struct sniff *s)
{
	struct pcap_stat st;
	if (s->read_path || pcap_stats(s->pcap, &st) < 0)
		return;
	diag_verbose(0, "%llu packets captured, %u dropped by kernel", (unsigned long long)s->seen, st.ps_drop);
}

static int close_writer(struct sniff *s, int status)
{
	if (!s->dumper)
		return status;
	if (pcap_dump_flush(s->dumper) < 0 || ferror(s->write_file)) {
		if (errno != EPIPE)
			status = diag_errno("write %s", s->write_path);
	}
	pcap_dump_close(s->dumper); /* closes write_file too */
	s->dumper = NULL;
	return status;
}

static int setup(struct sniff *s)
{
	int status = s->read_path ? open_file(s) : open_live(s);
	char dlt_text[128];
	int dlt;

	if (status != EXIT_OK)
		return status;
	if ((status = apply_filter(s)) != EXIT_OK || (status = open_writer(s)) != EXIT_OK)
		return status;
	dlt = pcap_datalink(s->pcap);
	s->link = link_from_dlt(dlt);
	describe_dlt(dlt, dlt_text, sizeof dlt_text);
	if (s->link == PKT_LINK_UNKNOWN && !s->quiet)
		diag_verbose(0, "link-type %s is not decoded: frames are shown by length", dlt_text);
	if (!(s->frame = malloc(SNAPLEN_MAX)))
		return diag_errno("allocate frame buffer");
	if (s->explain && !(s->flows = tcpflow_new(MAX_TRACKED_CONNS)))
		return diag_errno("allocate connection table");
	s->ladder_opt.absolute = s->absolute;
	if (s->svg_path && !(s->ladder = ladder_new(&s->ladder_opt)))
		return diag_errno("allocate the ladder");
	if (s->timeout > 0)
		s->deadline_ns = clock_now_ns() + clock_seconds_to_ns(s->timeout);
	if (!s->read_path)
		diag_verbose(0, "listening on %s, link-type %s, snapshot length %u bytes", s->iface, dlt_text,
		             s->snaplen);
	return EXIT_OK;
}

static void cleanup(struct sniff *s)
{
	if (s->pcap)
		pcap_close(s->pcap);
	sig_fd_close(s->sig_fd, &s->old_mask);
	tcpflow_free(s->flows);
	ladder_free(s->ladder);
	free(s->frame);
	buf_free(&s->out);
	buf_free(&s->note);
	free(s->filter);
}

int sniff_main(int argc, char **argv)
{
	struct sniff s = { .snaplen = SNAPLEN_MAX, .sig_fd = -1 };
	int status;

	if ((status = parse_args(&s, argc, argv)) != OPT_GO_ON) {
		free(s.filter);
		return status;
	}
	if (s.list) {
		status = list_interfaces(&s);
		cleanup(&s);
		return status;
	}
	status = open_signals(&s);
	if (status == EXIT_OK)
		status = setup(&s);
	if (status == EXIT_OK) {
		status = s.read_path ? run_file(&s) : run_live(&s);
		report_stats(&s);
	}
	flush_out(&s);
	if (status == EXIT_OK && s.status == EXIT_OK && s.ladder)
		status = write_ladder(&s);
	if (s.status != EXIT_OK)
		status = s.status;
	status = close_writer(&s, status);
	cleanup(&s);
	return status;
}
