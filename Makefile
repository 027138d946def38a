# sockbox - one binary of small Linux networking and IO tools.
#
#   make              build ./sockbox
#   make deps         install every build, test and benchmark dependency (apt-get, as root)
#   make test         build, then run every bats suite in tests/ (TEST_JOBS at once)
#   make check-asan   the same suites against an ASan+UBSan build
#   make check-tsan   the threaded tools' tests (tcp-echo pool/thread, ftp-server, ftp-client
#                     segments, ipc-bench --threads) against a TSan build
#   make format-check fail if clang-format would change lib/, tools/ or tests/fuzz/
#   make bench        side-by-side benchmarks against the peers (tests/bench/)
#   make fuzz         every libFuzzer target in tests/fuzz/, FUZZ_SECONDS each
#   make demo         a one-minute tour of every tool on loopback and temp files
#   make install      binary, man pages, completions under DESTDIR/PREFIX
#   make install-links  a link per tool (busybox-style) next to the binary
#   make deb          build/sockbox_VERSION_ARCH.deb with debhelper (debian/)

PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
MANDIR    ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d

CC      ?= cc
CFLAGS  ?= -O2 -g
WARNINGS = -Wall -Wextra -Wshadow -Wconversion -Wformat=2 -Wstrict-prototypes \
           -Wpointer-arith -Wvla -Wundef -Wcast-align -Wmissing-prototypes
# WERROR=1 (set by .ci/run) turns every warning into an error.
ifeq ($(WERROR),1)
WARNINGS += -Werror
endif
CPPFLAGS += -D_GNU_SOURCE -Ilib
# libpcap (sniff), OpenSSL (https in http-probe, FTPS), liburing (uring-server)
# and libcrypt (ftp-server's password hashes), found with pkg-config.
PKGS     = libpcap openssl liburing libcrypt
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lpcap -lssl -lcrypto -luring -lcrypt)
LDLIBS  += $(PKG_LIBS) -lpthread -lm

TOOL_SRCS := $(sort $(wildcard tools/*.c))
LIB_SRCS  := $(sort $(wildcard lib/*/*.c))
SRCS      := $(TOOL_SRCS) $(LIB_SRCS)
OBJS      := $(SRCS:%.c=build/%.o)
ASAN_OBJS := $(SRCS:%.c=build/asan/%.o)
ASAN_FLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
TSAN_OBJS := $(SRCS:%.c=build/tsan/%.o)
TSAN_FLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=thread
# The tests check-tsan runs: those of the tools whose threads share memory
# (tcp-echo's thread and pool models, ftp-server's thread per client,
# ftp-client's segments, ipc-bench --threads).
TSAN_SUITES = tests/tcp-echo.bats tests/ftp-server.bats tests/ftp-client.bats tests/ipc-bench.bats
TSAN_FILTER = --model (thread|pool)|^ftp-server|--segments|mirrors|--threads

BATS        ?= bats
BATS_FLAGS  ?= --tap
SUITES      ?= $(sort $(wildcard tests/*.bats))
# How many suites run at once.  Suites share nothing (each test has its own
# $TMP, servers listen on port 0, mounts and namespaces are per test), so
# they may overlap, except SERIAL_SUITES: each opens 10,000 connections (and
# watches descriptor counts and RSS), and two at once would fight over
# ephemeral ports and descriptors, so they run one after another, beside
# the rest.  Within a suite, tests never overlap.
TEST_JOBS   ?= 2
SERIAL_SUITES = tests/select-server.bats tests/poll-server.bats tests/epoll-server.bats tests/uring-server.bats
FORMAT_SRCS = $(sort $(wildcard lib/*/*.[ch] tools/*.[ch] tests/fuzz/*.c))
FUZZ_SECONDS ?= 30
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/*.c))

DEB_PACKAGES = build-essential pkg-config clang libclang-rt-14-dev libpcap-dev libssl-dev \
	bats bats-assert bats-support bats-file mandoc python3 socat ncat curl nginx openssl \
	tcpdump tshark iperf3 wrk moreutils jq iproute2 gawk mawk busybox hyperfine \
	procps psmisc util-linux coreutils e2fsprogs bc strace clang-format-14 parallel \
	debhelper dpkg-dev lintian man-db fish zsh \
	liburing-dev libcrypt-dev vsftpd python3-pyftpdlib lftp wget whois linux-perf sockperf \
	chromium libxml2-utils

.PHONY: all deps test check-asan check-tsan run-suites format-check bench fuzz demo install uninstall \
	install-links completions lint deb clean FORCE

all: sockbox

sockbox: $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

build/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) $(WARNINGS) -std=c11 -MMD -MP -c -o $@ $<

build/asan/sockbox: $(ASAN_OBJS)
	$(CC) $(ASAN_FLAGS) $(LDFLAGS) -o $@ $(ASAN_OBJS) $(LDLIBS)

build/asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(ASAN_FLAGS) $(WARNINGS) -std=c11 -MMD -MP -c -o $@ $<

build/tsan/sockbox: $(TSAN_OBJS)
	$(CC) $(TSAN_FLAGS) $(LDFLAGS) -o $@ $(TSAN_OBJS) $(LDLIBS)

build/tsan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(TSAN_FLAGS) $(WARNINGS) -std=c11 -MMD -MP -c -o $@ $<

-include $(OBJS:.o=.d) $(ASAN_OBJS:.o=.d) $(TSAN_OBJS:.o=.d)

deps:
	@if [ "$$(id -u)" -ne 0 ]; then echo "make deps: run as root (apt-get install)" >&2; exit 1; fi
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(DEB_PACKAGES)

test: sockbox
	@$(MAKE) --no-print-directory run-suites

check-asan: build/asan/sockbox
	@SOCKBOX=$(CURDIR)/build/asan/sockbox \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99 \
	$(MAKE) --no-print-directory run-suites

# ThreadSanitizer on the tests of the thread models only: the process
# models share no memory but the counters, and the coroutine model's stack
# switches are not announced to TSan.  A race report ends the server with
# exit 66, which the tests see as a failure.
check-tsan: build/tsan/sockbox
	@start=$$(date +%s); SOCKBOX=$(CURDIR)/build/tsan/sockbox \
	TSAN_OPTIONS=halt_on_error=1:exitcode=66:second_deadlock_stack=1 \
	$(BATS) $(BATS_FLAGS) -f '$(TSAN_FILTER)' $(TSAN_SUITES); status=$$?; \
	echo "suite tsan: $$(($$(date +%s) - start)) s"; exit $$status

# Every suite, TEST_JOBS at once, the longest first; each prints its TAP
# output in one piece when it ends, then "suite NAME: N s".  A failing suite
# does not stop the others (-k); the run fails if any failed.
RUN_ORDER = $(filter $(SUITES),$(SERIAL_SUITES)) $(filter-out $(SERIAL_SUITES),$(SUITES))
run-suites:
	@$(MAKE) --no-print-directory -k -j$(TEST_JOBS) --output-sync=target $(RUN_ORDER:%=suite/%)

suite/%: FORCE
	@start=$$(date +%s); $(BATS) $(BATS_FLAGS) $*; status=$$?; \
	echo "suite $(basename $(notdir $*)): $$(($$(date +%s) - start)) s"; exit $$status

# Each serial suite waits for the one before it.
SERIAL_RUN = $(filter $(SUITES),$(SERIAL_SUITES))
$(foreach i,$(wordlist 2,$(words $(SERIAL_RUN)),1 2 3 4 5 6 7 8 9),\
	$(eval suite/$(word $(i),$(SERIAL_RUN)): | suite/$(word $(shell echo $$(($(i) - 1))),$(SERIAL_RUN))))

FORCE:

format-check:
	clang-format-14 --dry-run -Werror $(FORMAT_SRCS)

bench: sockbox
	bash tests/bench/run.sh $(CURDIR)/sockbox $(BENCH)

fuzz: $(FUZZ_TARGETS:%=build/fuzz/%)
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p build/fuzz/corpus-$$t tests/fuzz/corpus/$$t; \
		echo "fuzz: $$t for $(FUZZ_SECONDS)s"; \
		build/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -timeout=5 -print_final_stats=1 \
			-artifact_prefix=build/fuzz/$$t- build/fuzz/corpus-$$t tests/fuzz/corpus/$$t \
			>build/fuzz/$$t.log 2>&1; status=$$?; \
		tail -n 4 build/fuzz/$$t.log; \
		if [ $$status -ne 0 ]; then echo "fuzz: $$t failed (exit $$status), see build/fuzz/$$t.log" >&2; exit 1; fi; \
	done

# Each target is compiled with the whole of lib, so it may call any module.
build/fuzz/%: tests/fuzz/%.c $(LIB_SRCS) $(TOOL_SRCS)
	@mkdir -p build/fuzz
	clang $(CPPFLAGS) $(PKG_CFLAGS) -g -O1 -fsanitize=fuzzer,address,undefined $(WARNINGS) -std=c11 \
		-o $@ $< $(LIB_SRCS) $(LDLIBS)

demo: sockbox
	bash tests/demo/run.sh $(CURDIR)/sockbox

completions: sockbox
	bash completions/generate $(CURDIR)/sockbox completions

lint:
	mandoc -Tlint -Wwarning man/*.1 man/*.7

install: sockbox
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	install -m 755 sockbox $(DESTDIR)$(BINDIR)/sockbox
	install -m 644 man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 man/*.7 $(DESTDIR)$(MANDIR)/man7/
	install -m 644 completions/sockbox.bash $(DESTDIR)$(BASHCOMPDIR)/sockbox
	install -m 644 completions/_sockbox $(DESTDIR)$(ZSHCOMPDIR)/_sockbox
	install -m 644 completions/sockbox.fish $(DESTDIR)$(FISHCOMPDIR)/sockbox.fish

# bash-completion loads a command's completion from a file named after it,
# so each link gets a link to the one script as well.
install-links: sockbox
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(BASHCOMPDIR)
	@for t in $$(./sockbox --list); do \
		ln -sf sockbox $(DESTDIR)$(BINDIR)/$$t && echo "link $(DESTDIR)$(BINDIR)/$$t"; \
		ln -sf sockbox $(DESTDIR)$(BASHCOMPDIR)/$$t; \
	done

uninstall:
	@for t in $$(./sockbox --list 2>/dev/null); do \
		rm -f $(DESTDIR)$(BINDIR)/$$t $(DESTDIR)$(BASHCOMPDIR)/$$t; done
	rm -f $(DESTDIR)$(BINDIR)/sockbox $(DESTDIR)$(BASHCOMPDIR)/sockbox \
		$(DESTDIR)$(ZSHCOMPDIR)/_sockbox $(DESTDIR)$(FISHCOMPDIR)/sockbox.fish \
		$(DESTDIR)$(MANDIR)/man7/sockbox.7
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(wildcard man/*.1)))

# dpkg-buildpackage writes beside the source directory and into debian/,
# so it runs on a copy in build/deb/ (the tree as it is, without build
# products or .git) and the packages are moved to build/.  The suites are
# not run again (nocheck): CI runs them on the same sources.
DEB_DIR = build/deb
deb:
	rm -rf $(DEB_DIR) build/sockbox_*.deb build/sockbox-dbgsym_*.deb
	mkdir -p $(DEB_DIR)/sockbox
	tar -c --exclude=./build --exclude=./.git --exclude=./sockbox . | tar -x -C $(DEB_DIR)/sockbox
	cd $(DEB_DIR)/sockbox && DEB_BUILD_OPTIONS="nocheck $(DEB_BUILD_OPTIONS)" \
		dpkg-buildpackage -us -uc -b
	mv $(DEB_DIR)/*.deb build/
	@ls build/*.deb

clean:
	rm -rf build sockbox
