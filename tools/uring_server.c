/*
 * uring-server - a single-threaded TCP server built on io_uring(7).
 *
 * Concept: completion, not readiness.  select, poll and epoll tell the
 * program which descriptor is ready, and the program then makes the call
 * itself.  io_uring takes the calls: the program queues operations (accept,
 * receive, send, read) in a submission ring shared with the kernel, and
 * the kernel answers each in a completion ring when it is done.  One
 * io_uring_enter per loop turn hands over what was queued and waits for
 * what completed.  A multishot accept stays armed and completes once per
 * client; a multishot receive stays armed and completes once per arrival,
 * into a buffer the kernel takes from a ring of provided buffers, so ten
 * thousand idle clients hold no buffer at all.
 *
 * Compare with tools/epoll_server.c: the same functions in the same order;
 * where epoll-server asks "who is ready?" and then reads, this one queues
 * the reads and is told what they brought.
 *
 * References: io_uring(7), io_uring_setup(2), io_uring_enter(2),
 * io_uring_register_buf_ring(3), io_uring_prep_multishot_accept(3),
 * io_uring_prep_recv_multishot(3), io_uring_prep_cancel(3).
 */
#include "tools.h"
#include "base/clock.h"
#include "cli/diag.h"
#include "serve/mux.h"
#include "cli/opt.h"
#include "cli/parse.h"
#include "serve/server.h"

#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

enum { OPT_SQPOLL = OPT_LONG_ONLY, OPT_ENTRIES };

/* clang-format off */
static const struct opt_spec options[] = {
	{ OPT_SQPOLL, "sqpoll", NULL, "a kernel thread polls the submission ring (IORING_SETUP_SQPOLL)" },
	{ OPT_ENTRIES, "entries", "N", "submission ring size, 8-32768 (default 1024; completions 4x)" },
	{ 'v', "verbose", NULL, "narrate each io_uring_enter (-vv: each completion)" },
	{ 0, NULL, NULL, NULL },
};

const struct opt_tool uring_server_tool = {
	.name = "uring-server",
	.usage = "[OPTIONS]",
	.summary = "single-threaded TCP server on io_uring completions: echo, upper, discard, reply or http",
	.specs = options,
	.shared = mux_blocks,
};
/* clang-format on */

/* The provided buffers multishot receives land in: shared by every
 * client, so memory follows the traffic, not the number of clients. */
#define BUF_COUNT 256          /* a power of two, as the kernel requires */
#define BUF_SIZE (32 * 1024)   /* one receive's worth at most */
#define BUF_GROUP 0            /* the group id receives select from */
#define PIPE_SIZE (256 * 1024) /* the splice pipe's capacity (F_SETPIPE_SZ): one chunk of a file */

/* What a completion is for: the low bits of its user_data (a struct conn
 * is 8-aligned, so the pointer keeps the rest). */
enum op { OP_ACCEPT = 1, OP_RECV, OP_SEND, OP_CANCEL, OP_SPLICE_IN, OP_SPLICE_OUT };
/* the operations that carry a client's output, at most one chain at a time */
#define OUTPUT_OPS (ARMED(OP_SEND) | ARMED(OP_SPLICE_IN) | ARMED(OP_SPLICE_OUT))
#define OP_MASK 7u
#define ARMED(op) (1u << (op))

/* What one loop turn's completions were, for the -v line. */
struct turn {
	unsigned accepts, recvs, buffers, sends, splices, cancels, closed;
};

struct uring_server {
	struct mux_config config;
	struct mux mux;
	int sqpoll;           /* --sqpoll */
	unsigned entries;     /* --entries */
	struct io_uring ring; /* the submission and completion rings */
	int ring_open;
	struct io_uring_buf_ring *br; /* the provided-buffer ring, then the buffers */
	char *bufs;
	size_t map_len;
	unsigned returned;    /* buffers given back this turn, published at its end */
	int accept_armed;     /* the multishot accept is in flight */
	int accept_cancelled; /* its cancel is queued */
	unsigned dying;       /* dropped connections waiting for their last completion */
	unsigned flushes;     /* extra submits because the submission ring was full */
	struct turn turn;
};

/* OPT_GO_ON when the server should run, else the status to exit with now. */
static int parse_args(struct uring_server *s, int argc, char **argv)
{
	struct opt_state st;
	int key, verbosity = 0;
	uint64_t n;

	mux_config_init(&s->config);
	s->entries = 1024;
	opt_init(&st, &uring_server_tool, argc, argv);
	while ((key = opt_next(&st)) != OPT_END) {
		if (key == OPT_EXIT)
			return st.status;
		if (key == 'v') {
			diag_set_verbosity(++verbosity);
			continue;
		}
		if (key == OPT_SQPOLL) {
			s->sqpoll = 1;
			continue;
		}
		if (key == OPT_ENTRIES) {
			if (parse_uint(st.arg, 8, 32768, &n) < 0) {
				opt_bad_value(&uring_server_tool, key, st.arg,
				              "expected a whole number from 8 to 32768");
				opt_done(&st);
				return EXIT_USAGE;
			}
			s->entries = (unsigned)n;
			continue;
		}
		if (mux_parse_option(&s->config, &uring_server_tool, key, st.arg) < 0) {
			opt_done(&st);
			return EXIT_USAGE;
		}
	}
	if (st.index < argc)
		return diag_usage("unexpected argument '%s'", argv[st.index]);
	return mux_check_config(&s->config) == EXIT_OK ? OPT_GO_ON : EXIT_USAGE;
}

/* The documented refusal: io_uring is missing or forbidden here. */
static int unavailable(const char *why)
{
	diag_error("io_uring is not available here (%s); epoll-server serves the same", why);
	return EXIT_FAIL;
}

/* The ring itself: the fast flags first (one task submits, and completions
 * are posted only when it waits for them), plain flags on an older kernel. */
static int open_ring(struct uring_server *s)
{
	struct io_uring_params p;
	char why[160];
	int rc;

	memset(&p, 0, sizeof p);
	p.flags = IORING_SETUP_CQSIZE;
	p.cq_entries = s->entries * 4;
	if (s->sqpoll) {
		p.flags |= IORING_SETUP_SQPOLL;
		p.sq_thread_idle = 100; /* ms the kernel thread spins before it sleeps */
	} else {
		p.flags |= IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SINGLE_ISSUER |
		           IORING_SETUP_DEFER_TASKRUN;
	}
	rc = io_uring_queue_init_params(s->entries, &s->ring, &p);
	if (rc == -EINVAL && !s->sqpoll) {
		memset(&p, 0, sizeof p);
		p.flags = IORING_SETUP_CQSIZE;
		p.cq_entries = s->entries * 4;
		rc = io_uring_queue_init_params(s->entries, &s->ring, &p);
	}
	if (rc == -ENOSYS)
		return unavailable("io_uring_setup: Function not implemented: the kernel has no io_uring");
	if (rc == -EPERM || rc == -EACCES) {
		snprintf(why, sizeof why, "io_uring_setup: %s: kernel.io_uring_disabled or a seccomp profile",
		         strerror(-rc));
		return unavailable(why);
	}
	if (rc < 0)
		return diag_errnum(-rc, "io_uring_setup");
	s->ring_open = 1;
	/* each io_uring_enter then names the ring by an index, not a descriptor to look up */
	if (io_uring_register_ring_fd(&s->ring) < 0)
		diag_verbose(1, "io_uring: ring descriptor not registered; each enter looks it up");
	if (!(s->ring.features & IORING_FEAT_EXT_ARG))
		return unavailable("the kernel lacks IORING_FEAT_EXT_ARG: it is older than 5.11");
	diag_verbose(1, "io_uring: %u submission entries, %u completion entries%s%s", p.sq_entries,
	             p.cq_entries, s->sqpoll ? ", SQPOLL: a kernel thread takes submissions" : "",
	             p.flags & IORING_SETUP_DEFER_TASKRUN
	                 ? ", completions run when the loop waits (DEFER_TASKRUN)"
	                 : "");
	return EXIT_OK;
}

/* Asks the kernel which operations it has (io_uring_get_probe_ring). */
static int check_operations(struct uring_server *s)
{
	static const struct {
		int op;
		const char *name;
	} needed[] = {
		{ IORING_OP_ACCEPT, "IORING_OP_ACCEPT" },
		{ IORING_OP_RECV, "IORING_OP_RECV" },
		{ IORING_OP_SEND, "IORING_OP_SEND" },
		{ IORING_OP_SPLICE, "IORING_OP_SPLICE" },
		{ IORING_OP_ASYNC_CANCEL, "IORING_OP_ASYNC_CANCEL" },
	};
	struct io_uring_probe *probe = io_uring_get_probe_ring(&s->ring);
	char why[96];

	if (!probe)
		return unavailable("io_uring_register: the kernel answers no probe");
	for (size_t i = 0; i < sizeof needed / sizeof needed[0]; i++) {
		if (!io_uring_opcode_supported(probe, needed[i].op)) {
			io_uring_free_probe(probe);
			snprintf(why, sizeof why, "the kernel lacks %s", needed[i].name);
			return unavailable(why);
		}
	}
	io_uring_free_probe(probe);
	return EXIT_OK;
}

/* The provided-buffer ring, in memory mapped here and registered with
 * io_uring_register_buf_ring (liburing 2.3 has no io_uring_setup_buf_ring):
 * the ring's entries first (page-aligned, as the kernel wants), the
 * buffers after.  The pages are populated at once (MAP_POPULATE): the
 * ring is a fixed cost of the server, counted in its RSS from the start,
 * and no receive pays a page fault inside the kernel. */
static int setup_buffers(struct uring_server *s)
{
	size_t ring_len = BUF_COUNT * sizeof(struct io_uring_buf);
	struct io_uring_buf_reg reg;
	void *mem;
	int rc;

	s->map_len = ring_len + (size_t)BUF_COUNT * BUF_SIZE;
	mem = mmap(NULL, s->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (mem == MAP_FAILED)
		return diag_errno("mmap the buffer ring");
	s->br = mem;
	s->bufs = (char *)mem + ring_len;
	io_uring_buf_ring_init(s->br);
	memset(&reg, 0, sizeof reg);
	reg.ring_addr = (uint64_t)(uintptr_t)s->br;
	reg.ring_entries = BUF_COUNT;
	reg.bgid = BUF_GROUP;
	rc = io_uring_register_buf_ring(&s->ring, &reg, 0);
	if (rc < 0)
		return unavailable("io_uring_register_buf_ring: the kernel has no provided-buffer rings");
	for (unsigned i = 0; i < BUF_COUNT; i++)
		io_uring_buf_ring_add(s->br, s->bufs + (size_t)i * BUF_SIZE, BUF_SIZE, (unsigned short)i,
		                      io_uring_buf_ring_mask(BUF_COUNT), (int)i);
	io_uring_buf_ring_advance(s->br, BUF_COUNT);
	diag_verbose(1, "io_uring: %d provided buffers of %d KiB in group %d (io_uring_register_buf_ring)",
	             BUF_COUNT, BUF_SIZE / 1024, BUF_GROUP);
	return EXIT_OK;
}

static int setup_call(struct uring_server *s)
{
	int rc = open_ring(s);

	if (rc == EXIT_OK)
		rc = check_operations(s);
	if (rc == EXIT_OK)
		rc = setup_buffers(s);
	return rc;
}

/* A free submission entry.  A full ring is handed to the kernel first: an
 * extra io_uring_enter, counted, that a larger --entries avoids. */
static struct io_uring_sqe *next_sqe(struct uring_server *s)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&s->ring);

	if (!sqe) {
		s->flushes++;
		io_uring_submit(&s->ring);
		sqe = io_uring_get_sqe(&s->ring);
	}
	return sqe;
}

/* Queues one operation for c (NULL: the listener); it owes one completion
 * (a multishot one, several: the last without IORING_CQE_F_MORE). */
static struct io_uring_sqe *queue_op(struct uring_server *s, struct conn *c, enum op op)
{
	struct io_uring_sqe *sqe = next_sqe(s);

	if (!sqe)
		return NULL;
	io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)c | (uint64_t)op);
	if (c) {
		c->ops++;
		c->armed |= ARMED(op);
	}
	return sqe;
}

/* One multishot accept serves every client until it is cancelled. */
static void arm_accept(struct uring_server *s)
{
	struct io_uring_sqe *sqe = queue_op(s, NULL, OP_ACCEPT);

	if (!sqe)
		return;
	io_uring_prep_multishot_accept(sqe, s->mux.server.listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	s->accept_armed = 1;
}

/* One multishot receive per client, into buffers the kernel picks. */
static void arm_recv(struct uring_server *s, struct conn *c)
{
	struct io_uring_sqe *sqe = queue_op(s, c, OP_RECV);

	if (!sqe)
		return;
	io_uring_prep_recv_multishot(sqe, c->fd, NULL, 0, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = BUF_GROUP;
}

/* Asks the kernel to stop c's receive (backpressure, or no more input). */
static void cancel_recv(struct uring_server *s, struct conn *c)
{
	struct io_uring_sqe *sqe = queue_op(s, c, OP_CANCEL);

	if (sqe)
		io_uring_prep_cancel64(sqe, (uint64_t)(uintptr_t)c | OP_RECV, 0);
}

/* The pipe a client's file is spliced through, made on its first file. */
static int open_pipe(struct conn *c)
{
	if (c->pipe_fds[0] >= 0)
		return 0;
	if (pipe2(c->pipe_fds, O_CLOEXEC) < 0) {
		conn_fail(c, errno);
		return -1;
	}
	/* a larger pipe moves a larger chunk per pair of splices; the default
	 * (64 KiB) stays if the system's pipe-max-size refuses */
	(void)fcntl(c->pipe_fds[1], F_SETPIPE_SZ, PIPE_SIZE);
	return 0;
}

/* Sends a file region with no copy through this process: splice(2) file
 * to pipe, then pipe to socket, linked (IOSQE_IO_LINK) behind the send
 * of the response head, all in one trip.  A short splice breaks the link
 * (what follows completes with -ECANCELED); what stayed in the pipe is
 * sent first next time. */
static int queue_file_chunk(struct uring_server *s, struct conn *c)
{
	size_t head = buf_readable(&c->sending);
	unsigned chunk = c->file.left < PIPE_SIZE ? (unsigned)c->file.left : PIPE_SIZE;
	struct io_uring_sqe *sqe;

	if (open_pipe(c) < 0)
		return -1;
	if (c->in_pipe > 0) {
		sqe = queue_op(s, c, OP_SPLICE_OUT);
		if (sqe)
			io_uring_prep_splice(sqe, c->pipe_fds[0], -1, c->fd, -1, (unsigned)c->in_pipe,
			                     SPLICE_F_MOVE);
		return 0;
	}
	if (head > 0) {
		sqe = queue_op(s, c, OP_SEND);
		if (!sqe)
			return 0;
		/* MSG_MORE: the file follows, and may share the head's segment */
		io_uring_prep_send(sqe, c->fd, buf_head(&c->sending), head,
		                   MSG_NOSIGNAL | MSG_WAITALL | MSG_MORE);
		sqe->flags |= IOSQE_IO_LINK;
	}
	if (c->file.left == 0)
		return 0;
	sqe = queue_op(s, c, OP_SPLICE_IN);
	if (!sqe)
		return 0;
	io_uring_prep_splice(sqe, c->file.fd, c->file.offset, c->pipe_fds[1], -1, chunk, SPLICE_F_MOVE);
	sqe->flags |= IOSQE_IO_LINK;
	sqe = queue_op(s, c, OP_SPLICE_OUT);
	if (sqe)
		io_uring_prep_splice(sqe, c->pipe_fds[0], -1, c->fd, -1, chunk, SPLICE_F_MOVE);
	return 0;
}

/* One send (or send-and-splice chain) at a time per client keeps its
 * bytes in order; the next is queued when this one completes.
 * MSG_WAITALL: the kernel itself sends the rest of a short send, without
 * a completion per part. */
static int queue_output(struct uring_server *s, struct conn *c)
{
	struct io_uring_sqe *sqe;
	ssize_t n = conn_stage(c, &s->mux.svc);

	if (n < 0)
		return -1;
	if (c->file.left > 0 || c->in_pipe > 0)
		return queue_file_chunk(s, c);
	if (n > 0) {
		sqe = queue_op(s, c, OP_SEND);
		if (sqe)
			io_uring_prep_send(sqe, c->fd, buf_head(&c->sending), (size_t)n,
			                   MSG_NOSIGNAL | MSG_WAITALL);
	}
	return 0;
}

/* After a completion: what c needs in flight now.  The counterpart of
 * epoll-server's update_interest, in operations instead of events. */
static void update_ops(struct uring_server *s, struct conn *c)
{
	struct mux *m = &s->mux;

	if (!(c->armed & OUTPUT_OPS) && queue_output(s, c) < 0) {
		mux_drop(m, c, conn_end_reason(c));
		return;
	}
	/* a failed client goes at once (its operations are cancelled); a
	 * finished one once its last output has completed */
	if (c->failed || (!(c->armed & OUTPUT_OPS) && conn_finished(c))) {
		mux_drop(m, c, conn_end_reason(c));
		return;
	}
	if (conn_wants_read(c) && !(c->armed & ARMED(OP_RECV)))
		arm_recv(s, c);
	else if (!conn_wants_read(c) && (c->armed & ARMED(OP_RECV)) && !(c->armed & ARMED(OP_CANCEL)))
		cancel_recv(s, c);
}

/* mux_drop's hook: a connection the kernel still holds operations for is
 * not freed now.  Every one of them is cancelled (by descriptor), and the
 * last completion frees it: no completion ever finds freed memory. */
static void release_conn(void *ctx, struct conn *c)
{
	struct uring_server *s = ctx;
	struct io_uring_sqe *sqe;

	s->turn.closed++;
	if (c->ops == 0) {
		conn_free(c);
		return;
	}
	c->dying = 1;
	s->dying++;
	sqe = queue_op(s, c, OP_CANCEL);
	if (sqe)
		io_uring_prep_cancel_fd(sqe, c->fd, IORING_ASYNC_CANCEL_ALL);
	else
		shutdown(c->fd, SHUT_RDWR); /* no entry: ends them the other way */
	diag_verbose(2, "fd %d: %u operation%s in flight cancelled; freed at the last completion", c->fd,
	             c->ops - 1, c->ops == 2 ? "" : "s");
}

/* A multishot accept completed: a new client (or an error). */
static void accept_client(struct uring_server *s, struct io_uring_cqe *cqe)
{
	struct mux *m = &s->mux;
	struct conn *c;

	if (!(cqe->flags & IORING_CQE_F_MORE))
		s->accept_armed = 0; /* re-armed by the loop while listening */
	if (cqe->res < 0) {
		if (cqe->res != -ECANCELED)
			mux_accept_failed(m, -cqe->res);
		return;
	}
	s->turn.accepts++;
	if (m->server.listen_fd < 0) {
		close(cqe->res); /* came in after --max-conns closed the door */
		return;
	}
	if (mux_admit(m, cqe->res, NULL, 0, INT_MAX, &c) == 1)
		arm_recv(s, c);
}

/* Gives a receive's buffer back to the ring (published at the turn's end). */
static void return_buffer(struct uring_server *s, struct io_uring_cqe *cqe)
{
	unsigned id = cqe->flags >> IORING_CQE_BUFFER_SHIFT;

	io_uring_buf_ring_add(s->br, s->bufs + (size_t)id * BUF_SIZE, BUF_SIZE, (unsigned short)id,
	                      io_uring_buf_ring_mask(BUF_COUNT), (int)s->returned++);
	s->turn.buffers++;
}

/* A receive completed: bytes in a provided buffer, the end of the stream,
 * or the end of the multishot (cancelled, or no buffer left). */
static void received(struct uring_server *s, struct conn *c, struct io_uring_cqe *cqe)
{
	struct mux *m = &s->mux;
	uint64_t requests = c->http.requests;
	unsigned id = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
	int more = (cqe->flags & IORING_CQE_F_MORE) != 0;

	s->turn.recvs++;
	if (cqe->res > 0) {
		diag_verbose(2, "fd %d %s: recv completed: %d bytes in buffer %u%s", c->fd, c->peer, cqe->res,
		             id, more ? "" : ", multishot ended");
		conn_take(c, &m->svc, s->bufs + (size_t)id * BUF_SIZE, (size_t)cqe->res);
		if (!m->svc.http || c->http.requests != requests)
			mux_touch(m, c);
	} else if (cqe->res == 0) {
		diag_verbose(2, "fd %d %s: recv completed: end of stream", c->fd, c->peer);
		conn_take(c, &m->svc, NULL, 0);
	} else if (cqe->res == -ENOBUFS) {
		diag_verbose(2, "fd %d %s: recv ended: ENOBUFS, the buffer ring is empty; re-armed", c->fd,
		             c->peer);
	} else if (cqe->res != -ECANCELED) {
		conn_fail(c, -cqe->res);
	}
}

/* A send completed: n bytes went out; the rest, if any, goes next. */
static void sent(struct uring_server *s, struct conn *c, struct io_uring_cqe *cqe)
{
	s->turn.sends++;
	if (cqe->res < 0) {
		if (cqe->res != -ECANCELED)
			conn_fail(c, -cqe->res);
		return;
	}
	conn_sent(c, &s->mux.svc, (size_t)cqe->res);
	if (cqe->res > 0)
		mux_touch(&s->mux, c);
	diag_verbose(2, "fd %d %s: send completed: %d bytes, %zu left", c->fd, c->peer, cqe->res,
	             conn_pending(c));
}

/* A splice completed: file to pipe (the region advances), or pipe to
 * socket (bytes went out). */
static void spliced(struct uring_server *s, struct conn *c, struct io_uring_cqe *cqe, enum op op)
{
	s->turn.splices++;
	if (cqe->res < 0) {
		if (cqe->res != -ECANCELED)
			conn_fail(c, -cqe->res);
		return;
	}
	if (op == OP_SPLICE_IN) {
		diag_verbose(2, "fd %d %s: splice completed: %d bytes of the file into the pipe, %lld left",
		             c->fd, c->peer, cqe->res, (long long)c->file.left - cqe->res);
		conn_file_spliced(c, &s->mux.svc, (size_t)cqe->res);
		return;
	}
	conn_pipe_sent(c, &s->mux.svc, (size_t)cqe->res);
	if (cqe->res > 0)
		mux_touch(&s->mux, c);
	diag_verbose(2, "fd %d %s: splice completed: %d bytes from the pipe to the socket, %zu left", c->fd,
	             c->peer, cqe->res, conn_pending(c));
}

/* One completion, routed by the operation in its user_data. */
static void serve_completion(struct uring_server *s, struct io_uring_cqe *cqe)
{
	enum op op = (enum op)(cqe->user_data & OP_MASK);
	struct conn *c = (struct conn *)(uintptr_t)(cqe->user_data & ~(uint64_t)OP_MASK);

	if (op == OP_ACCEPT) {
		accept_client(s, cqe);
		return;
	}
	if (!c) /* the listener's cancel */
		return;
	if (!(cqe->flags & IORING_CQE_F_MORE)) {
		c->ops--;
		c->armed &= ~ARMED(op);
	}
	if (op == OP_CANCEL)
		s->turn.cancels++;
	if (c->dying) {
		if (cqe->flags & IORING_CQE_F_BUFFER)
			return_buffer(s, cqe);
		if (c->ops == 0) {
			conn_free(c);
			s->dying--;
		}
		return;
	}
	if (op == OP_RECV)
		received(s, c, cqe);
	else if (op == OP_SEND)
		sent(s, c, cqe);
	else if (op == OP_SPLICE_IN || op == OP_SPLICE_OUT)
		spliced(s, c, cqe, op);
	if (cqe->flags & IORING_CQE_F_BUFFER)
		return_buffer(s, cqe); /* the handler copied what it keeps */
	update_ops(s, c);
}

/* What the loop keeps in flight for the listener: the multishot accept
 * while listening, its cancel once --max-conns closed the door.  Returns
 * how many submissions wait for the next io_uring_enter. */
static unsigned build_submissions(struct uring_server *s)
{
	int listening = s->mux.server.listen_fd >= 0;

	if (listening && !s->accept_armed)
		arm_accept(s);
	if (!listening && s->accept_armed && !s->accept_cancelled) {
		struct io_uring_sqe *sqe = queue_op(s, NULL, OP_CANCEL);
		if (sqe) {
			io_uring_prep_cancel64(sqe, OP_ACCEPT, 0);
			s->accept_cancelled = 1;
		}
	}
	return io_uring_sq_ready(&s->ring);
}

/* One io_uring_enter: submits what was queued and waits for at least one
 * completion, or the timeout (an idle deadline, --duration).  0, or -errno
 * (-ETIME: the timeout passed; -EINTR: a signal). */
static int submit_and_wait(struct uring_server *s, int timeout_ms)
{
	struct __kernel_timespec ts;
	struct io_uring_cqe *cqe;

	int rc;

	ts.tv_sec = timeout_ms / 1000;
	ts.tv_nsec = (long long)(timeout_ms % 1000) * 1000000;
	rc = io_uring_submit_and_wait_timeout(&s->ring, &cqe, 1, timeout_ms < 0 ? NULL : &ts, NULL);
	return rc < 0 ? rc : 0;
}

/* Walks the completion ring: every completion, then the ring's head moves
 * past all of them and the buffers given back are published at once. */
static unsigned dispatch_completions(struct uring_server *s)
{
	struct io_uring_cqe *cqe;
	unsigned head, count = 0;

	io_uring_for_each_cqe(&s->ring, head, cqe)
	{
		serve_completion(s, cqe);
		count++;
	}
	io_uring_cq_advance(&s->ring, count);
	if (s->returned) {
		io_uring_buf_ring_advance(s->br, (int)s->returned);
		s->returned = 0;
	}
	return count;
}

/* -v: one line per io_uring_enter, in completion terms. */
static void narrate_turn(struct uring_server *s, unsigned submitted, unsigned completed, int rc)
{
	const struct turn *t = &s->turn;
	char done[256];
	size_t len = 0;

	if (diag_verbosity() < 1)
		return;
	done[0] = '\0';
	/* only what happened: "3 accept, 4 recv (2 buffers back to the ring), 2 send" */
	if (t->accepts)
		len += (size_t)snprintf(done + len, sizeof done - len, ", %u accept", t->accepts);
	if (t->recvs && len < sizeof done)
		len += (size_t)snprintf(done + len, sizeof done - len,
		                        ", %u recv (%u buffer%s back to the ring)", t->recvs, t->buffers,
		                        t->buffers == 1 ? "" : "s");
	if (t->sends && len < sizeof done)
		len += (size_t)snprintf(done + len, sizeof done - len, ", %u send", t->sends);
	if (t->splices && len < sizeof done)
		len += (size_t)snprintf(done + len, sizeof done - len, ", %u splice", t->splices);
	if (t->cancels && len < sizeof done)
		len += (size_t)snprintf(done + len, sizeof done - len, ", %u cancel", t->cancels);
	if (t->closed && len < sizeof done)
		len += (size_t)snprintf(done + len, sizeof done - len, ", closed %u", t->closed);
	diag_verbose(1, "io_uring_enter: submitted %u, completed %u%s%s%s", submitted, completed,
	             rc == -ETIME   ? " (timeout)"
	             : rc == -EINTR ? " (interrupted by a signal)"
	                            : "",
	             len ? ":" : "", len ? done + 1 : "");
}

static int run_loop(struct uring_server *s)
{
	struct mux *m = &s->mux;

	while (!mux_done(m)) {
		unsigned submitted = build_submissions(s);
		int rc = submit_and_wait(s, mux_wait_ms(m));
		if (rc < 0 && rc != -ETIME && rc != -EINTR)
			return diag_errnum(-rc, "io_uring_enter");
		mux_round_begin(m);
		memset(&s->turn, 0, sizeof s->turn);
		unsigned completed = dispatch_completions(s);
		mux_expire_idle(m);
		narrate_turn(s, submitted, completed, rc);
	}
	return EXIT_OK;
}

/* After mux_finish dropped every client (each cancel queued): waits for
 * the last completions, so every connection is freed by its own, then the
 * ring goes.  Bounded in time: a cancel completes at once, 10 s is a bug. */
static void cleanup_call(struct uring_server *s)
{
	if (s->ring_open) {
		if (s->accept_armed && !s->accept_cancelled) {
			struct io_uring_sqe *sqe = queue_op(s, NULL, OP_CANCEL);
			if (sqe)
				io_uring_prep_cancel64(sqe, OP_ACCEPT, 0);
			s->accept_cancelled = 1;
		}
		uint64_t give_up = clock_now_ns() + clock_seconds_to_ns(10);
		while ((s->dying > 0 || s->accept_armed) && clock_now_ns() < give_up) {
			int rc = submit_and_wait(s, 100);
			if (rc < 0 && rc != -ETIME && rc != -EINTR)
				break;
			dispatch_completions(s);
		}
		if (s->dying > 0)
			diag_error("%u connections still held by the kernel at exit", s->dying);
		io_uring_queue_exit(&s->ring);
	}
	if (s->br)
		munmap(s->br, s->map_len);
	s->ring_open = 0;
	s->br = NULL;
}

int uring_server_main(int argc, char **argv)
{
	struct uring_server *s = calloc(1, sizeof *s);
	int rc;

	if (!s)
		return diag_errno("allocate server state");
	rc = parse_args(s, argc, argv);
	if (rc == OPT_GO_ON) {
		/* the ring first: where io_uring is refused, nothing listens */
		rc = setup_call(s);
		if (rc == EXIT_OK) {
			rc = mux_open(&s->mux, &s->config, "io_uring_enter");
			s->mux.release = release_conn;
			s->mux.release_ctx = s;
			if (rc == EXIT_OK)
				rc = run_loop(s);
			mux_finish(&s->mux);
		}
	}
	cleanup_call(s);
	free(s);
	return rc;
}
