/*
 * coro.c - tcp-echo's coroutine model: one thread, one epoll loop, and each
 * client served by the same blocking-style loop as in the thread model
 * (model_serve_conn), running in a coroutine of its own.
 *
 * Where the thread model's connection loop sleeps in ppoll(2), a coroutine
 * registers its socket with the epoll loop and switches back to it
 * (swapcontext(3)); the loop resumes it once epoll_wait(2) says the socket
 * is ready, or its --timeout ran out, or the server stops.  This is what
 * gevent's monkey patching does to the course's thread-per-client server:
 * the per-client code is unchanged, the blocking call becomes a switch to
 * a hub, and thousands of clients cost thousands of small stacks instead
 * of thousands of threads.  Nothing runs in parallel: a coroutine that
 * computes for long (or calls something that blocks for real) stops every
 * client, and only one core is used.
 *
 * Each coroutine has a stack of CORO_STACK bytes from mmap(2) with a guard
 * page below it (PROT_NONE): an overflow is a SIGSEGV at the guard, never
 * a silent write into another coroutine's memory.  Pages are only touched
 * as used, so 1024 coroutines cost little more than the pages they use.
 *
 * AddressSanitizer watches the stack it believes the thread is on; each
 * switch is announced to it (__sanitizer_start_switch_fiber before,
 * __sanitizer_finish_switch_fiber after), or it reports false stack
 * errors.  The announcements compile to nothing without ASan.
 */
#include "serve/model.h"

#include "base/clock.h"
#include "cli/diag.h"
#include "sig/sig.h"

#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define CORO_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CORO_ASAN 1
#endif
#endif
#ifdef CORO_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

#define CORO_STACK (64u * 1024) /* each coroutine's stack, above its guard page */
#define EVENTS_MAX 64           /* epoll events taken per wait */

struct sched {
	ucontext_t loop_ctx; /* the epoll loop's context, on the thread's own stack */
	int epoll_fd;
	int stopping;
	uint64_t started;
	/* ASan: the loop's stack, and its fake stack while a coroutine runs */
	const void *loop_bottom;
	size_t loop_size;
	void *loop_fake;
};

struct coro {
	ucontext_t ctx;
	struct sched *s;
	struct model_server *ms;
	struct model_conn *c;
	char *map; /* guard page + stack */
	size_t map_size;
	uint32_t watched; /* events epoll is told to watch (0: not registered) */
	uint32_t revents; /* what epoll said, 0 after a timeout */
	int waiting;
	int finished;
	uint64_t deadline_ns; /* 0: none */
	uint64_t number;
	void *fake_stack; /* ASan */
};

/* ---- the switches, announced to ASan -------------------------------------- */

static void fiber_start(void **fake_save, const void *bottom, size_t size)
{
#ifdef CORO_ASAN
	__sanitizer_start_switch_fiber(fake_save, bottom, size);
#else
	(void)fake_save, (void)bottom, (void)size;
#endif
}

static void fiber_finish(void *fake_save, const void **bottom_old, size_t *size_old)
{
#ifdef CORO_ASAN
	__sanitizer_finish_switch_fiber(fake_save, bottom_old, size_old);
#else
	(void)fake_save, (void)bottom_old, (void)size_old;
#endif
}

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* The loop switches into co, until co waits or ends; an ended coroutine's
 * stack is unmapped here, on the loop's stack. */
static void coro_resume(struct coro *co)
{
	struct sched *s = co->s;

	fiber_start(&s->loop_fake, co->map + page_size(), CORO_STACK);
	if (swapcontext(&s->loop_ctx, &co->ctx) < 0)
		diag_errno("swapcontext");
	fiber_finish(s->loop_fake, NULL, NULL);
	if (co->finished) {
		struct model_server *ms = co->ms;
		model_free_slot(ms, co->c);
		munmap(co->map, co->map_size);
		free(co);
	}
}

/* co switches back to the loop; returns when the loop resumes it. */
static void coro_yield(struct coro *co)
{
	struct sched *s = co->s;

	fiber_start(&co->fake_stack, s->loop_bottom, s->loop_size);
	if (swapcontext(&co->ctx, &s->loop_ctx) < 0)
		diag_errno("swapcontext");
	fiber_finish(co->fake_stack, &s->loop_bottom, &s->loop_size);
}

/* A coroutine's whole life: the connection's loop, then back to the loop
 * for good.  makecontext passes ints, so the pointer comes in two halves. */
static void coro_main(unsigned low, unsigned high)
{
	struct coro *co = (struct coro *)(((uintptr_t)high << 32) | (uintptr_t)low);
	struct sched *s = co->s;

	fiber_finish(NULL, &s->loop_bottom, &s->loop_size);
	model_serve_conn(co->ms, co->c);
	co->finished = 1;
	fiber_start(NULL, s->loop_bottom, s->loop_size); /* NULL: this stack is done with */
	setcontext(&s->loop_ctx);
}

/* getcontext(3) only to have a context for makecontext(3) to rewrite, kept
 * out of coro_new: a function that calls it "returns twice", and the
 * compiler would have to keep every local of coro_new in memory. */
static __attribute__((noinline)) int context_init(ucontext_t *ctx)
{
	return getcontext(ctx);
}

/* A coroutine for c, on a guarded stack; NULL with errno. */
static struct coro *coro_new(struct sched *s, struct model_server *ms, struct model_conn *c)
{
	struct coro *co = calloc(1, sizeof *co);
	size_t page = page_size();

	if (!co)
		return NULL;
	co->map_size = page + CORO_STACK;
	co->map =
	    mmap(NULL, co->map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (co->map == MAP_FAILED) {
		free(co);
		return NULL;
	}
	/* the stack grows down: the guard is its lowest page */
	if (mprotect(co->map, page, PROT_NONE) < 0 || context_init(&co->ctx) < 0) {
		int err = errno;
		munmap(co->map, co->map_size);
		free(co);
		errno = err;
		return NULL;
	}
	co->ctx.uc_stack.ss_sp = co->map + page;
	co->ctx.uc_stack.ss_size = CORO_STACK;
	co->ctx.uc_link = NULL; /* coro_main never returns: it switches back itself */
	co->s = s;
	co->ms = ms;
	co->c = c;
	co->number = ++s->started;
	c->coro = co;
	makecontext(&co->ctx, (void (*)(void))coro_main, 2, (unsigned)(uintptr_t)co,
	            (unsigned)((uintptr_t)co >> 32));
	return co;
}

int coro_wait(struct coro *co, struct pollfd *pfd, int timeout_ms)
{
	struct sched *s = co->s;
	uint32_t want = (pfd[0].events & POLLIN ? EPOLLIN : 0u) | (pfd[0].events & POLLOUT ? EPOLLOUT : 0u);

	pfd[0].revents = pfd[1].revents = 0;
	if (!s->stopping && want != co->watched) {
		struct epoll_event ev = { want, { .ptr = co } };
		if (epoll_ctl(s->epoll_fd, co->watched ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, pfd[0].fd, &ev) < 0)
			return -1;
		co->watched = want;
	}
	if (!s->stopping) {
		co->deadline_ns = timeout_ms < 0 ? 0 : clock_now_ns() + (uint64_t)timeout_ms * 1000000u;
		co->revents = 0;
		co->waiting = 1;
		coro_yield(co);
		co->waiting = 0;
	}
	if (s->stopping) {
		pfd[1].revents = POLLIN; /* what the stop eventfd says in the other models */
		return 1;
	}
	if (co->revents == 0)
		return 0; /* the deadline: the caller checks --timeout */
	pfd[0].revents =
	    (short)((co->revents & EPOLLIN ? POLLIN : 0) | (co->revents & EPOLLOUT ? POLLOUT : 0) |
	            (co->revents & EPOLLHUP ? POLLHUP : 0) | (co->revents & EPOLLERR ? POLLERR : 0));
	return 1;
}

/* Accepts what is queued (while below --max-clients and --max-conns), a
 * coroutine per client, each run until its first wait. */
static void accept_clients(struct sched *s, struct model_server *ms)
{
	while (ms->active < ms->max_clients &&
	       !(ms->config.max_conns && atomic_load(&ms->stats->accepted) >= ms->config.max_conns)) {
		struct model_conn *c = model_take_slot(ms);
		struct coro *co;

		if (model_accept(ms, ms->srv.listen_fd, c, -1) < 0) {
			c->in_use = 0;
			ms->active--;
			return;
		}
		if ((co = coro_new(s, ms, c)) == NULL) {
			diag_errno("make a coroutine for %s", c->peer);
			model_drop(ms, c);
			continue;
		}
		diag_verbose(1, "coroutine %llu serves %s (a %u KiB stack; %u coroutines)",
		             (unsigned long long)co->number, c->peer, CORO_STACK / 1024, ms->active);
		coro_resume(co);
	}
}

/* Milliseconds until the nearest coroutine deadline (-1: none). */
static int next_deadline_ms(struct model_server *ms)
{
	uint64_t nearest = 0;

	if (ms->timeout <= 0)
		return -1;
	for (unsigned i = 0; i < ms->max_clients; i++) {
		struct coro *co = ms->slots[i].in_use ? ms->slots[i].coro : NULL;
		if (co && co->waiting && co->deadline_ns && (!nearest || co->deadline_ns < nearest))
			nearest = co->deadline_ns;
	}
	return nearest ? clock_ms_until(nearest) : -1;
}

/* Resumes, with no event, every coroutine whose deadline has passed. */
static void resume_expired(struct model_server *ms)
{
	uint64_t now = clock_now_ns();

	if (ms->timeout <= 0)
		return;
	for (unsigned i = 0; i < ms->max_clients; i++) {
		struct coro *co = ms->slots[i].in_use ? ms->slots[i].coro : NULL;
		if (co && co->waiting && co->deadline_ns && co->deadline_ns <= now)
			coro_resume(co);
	}
}

/* Turns accepting on or off: a full server leaves clients in the backlog. */
static int watch_listener(struct sched *s, struct model_server *ms, int on, int *watching)
{
	struct epoll_event ev = { on ? EPOLLIN : 0u, { .ptr = NULL } };

	if (on == *watching)
		return 0;
	if (!on)
		diag_verbose(1, "%u client%s being served: new ones wait in the backlog", ms->active,
		             ms->active == 1 ? "" : "s");
	*watching = on;
	return epoll_ctl(s->epoll_fd, EPOLL_CTL_MOD, ms->srv.listen_fd, &ev);
}

/* The epoll loop: the one place this model sleeps. */
static int run_loop(struct sched *s, struct model_server *ms)
{
	struct epoll_event events[EVENTS_MAX];
	int watching = 1;

	for (;;) {
		uint64_t accepted = atomic_load(&ms->stats->accepted);
		int limit = ms->config.max_conns && accepted >= ms->config.max_conns, n, wait_ms;

		if (sig_report_requested())
			model_print_counters(ms);
		if (sig_stop_requested() || server_expired(&ms->srv) || (limit && ms->active == 0))
			return EXIT_OK;
		if (watch_listener(s, ms, !limit && ms->active < ms->max_clients, &watching) < 0)
			return diag_errno("epoll_ctl");
		wait_ms = server_wait_ms(&ms->srv, next_deadline_ms(ms));
		n = epoll_pwait(s->epoll_fd, events, EVENTS_MAX, wait_ms, &ms->open_mask);
		if (n < 0 && errno != EINTR)
			return diag_errno("epoll_pwait");
		for (int i = 0; i < n; i++) {
			struct coro *co = events[i].data.ptr;
			if (!co) {
				accept_clients(s, ms);
				continue;
			}
			co->revents = events[i].events;
			coro_resume(co);
		}
		resume_expired(ms);
	}
}

int coro_run(struct model_server *ms)
{
	struct sched s;
	struct epoll_event ev = { EPOLLIN, { .ptr = NULL } };
	int rc;

	memset(&s, 0, sizeof s);
	s.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (s.epoll_fd < 0 || epoll_ctl(s.epoll_fd, EPOLL_CTL_ADD, ms->srv.listen_fd, &ev) < 0) {
		rc = diag_errno("epoll");
		if (s.epoll_fd >= 0)
			close(s.epoll_fd);
		return rc;
	}
	diag_verbose(1, "coroutine: one thread, one epoll loop; each client's loop in a coroutine that "
	                "yields where it would block");
	rc = run_loop(&s, ms);
	/* the stop: each coroutine wakes to it, closes its client and ends */
	s.stopping = 1;
	if (ms->active > 0)
		diag_verbose(1, "stopping: closing %u connection%s", ms->active, ms->active == 1 ? "" : "s");
	for (unsigned i = 0; i < ms->max_clients; i++)
		if (ms->slots[i].in_use && ms->slots[i].coro)
			coro_resume(ms->slots[i].coro);
	close(s.epoll_fd);
	return rc;
}
