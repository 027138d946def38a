/*
 * uring-seccomp - runs a command where io_uring_setup(2) fails with EPERM,
 * as it does in a container whose seccomp profile blocks io_uring (Docker's
 * default) or on a host with kernel.io_uring_disabled set.
 *
 *   uring-seccomp PROGRAM [ARGS...]
 *
 * Installs a seccomp filter (seccomp(2), a classic BPF program) that
 * answers io_uring_setup with EPERM and allows every other call, then
 * execs PROGRAM.  tests/uring-server.bats builds it with cc.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH AUDIT_ARCH_AARCH64
#else
#error "add this architecture's AUDIT_ARCH value"
#endif

int main(int argc, char **argv)
{
	struct sock_filter filter[] = {
		/* another architecture's system call numbers mean other calls: refuse them all */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof filter / sizeof filter[0], .filter = filter };

	if (argc < 2) {
		fprintf(stderr, "usage: uring-seccomp PROGRAM [ARGS...]\n");
		return 2;
	}
	/* no new privileges: what lets an unprivileged process install a filter */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
		perror("uring-seccomp: install the filter");
		return 1;
	}
	execvp(argv[1], argv + 1);
	perror("uring-seccomp: exec");
	return 127;
}
