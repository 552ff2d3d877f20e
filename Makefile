# certctl: GNU make. `make`, `make check`, `make demo`, `make install`.
# Options: PREFIX, DESTDIR, SANITIZE=1 (ASan+UBSan build in build-san/),
# WERROR=1 (warnings are errors; CI sets it), V=1 (show commands).

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc

CC ?= cc
PKG_CONFIG ?= pkg-config
PKGS := libcurl openssl libcjson yaml-0.1

ifeq ($(SANITIZE),1)
O ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
else
O ?= build
SANFLAGS :=
endif

CFLAGS ?= -O2 -g
WARNFLAGS := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wpointer-arith -Wformat=2 -Wno-format-nonliteral \
	-Wno-format-truncation
ifeq ($(WERROR),1)
WARNFLAGS += -Werror
endif
DEPCFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
DEPLIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
CMOCKA_CFLAGS := $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)
ALL_CFLAGS := $(WARNFLAGS) $(CFLAGS) $(SANFLAGS) $(DEPCFLAGS) \
	-D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Ilib -Iproviders \
	-DCERTCTL_SYSCONFDIR='"$(SYSCONFDIR)"' -MMD -MP
ALL_LDFLAGS := $(LDFLAGS) $(SANFLAGS)

ifneq ($(V),1)
Q := @
QCC = @echo '  CC      $@';
QLD = @echo '  LD      $@';
QAR = @echo '  AR      $@';
endif

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

LIB_SRCS := $(sort $(wildcard lib/*.c) $(wildcard providers/*.c))
CMD_SRCS := $(sort $(wildcard cmd/*.c))
TEST_HELPER_SRCS := $(sort $(wildcard tests/helpers/*.c))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))

LIB_OBJS := $(LIB_SRCS:%.c=$(O)/%.o)
CMD_OBJS := $(CMD_SRCS:%.c=$(O)/%.o)
HELPER_OBJS := $(TEST_HELPER_SRCS:%.c=$(O)/%.o)
UNIT_BINS := $(UNIT_SRCS:%.c=$(O)/%)

LIBA := $(O)/libcertctl.a
BIN := $(O)/certctl

.SECONDARY:

.PHONY: all check check-unit check-cli check-integration check-san \
	lint-man demo install uninstall clean deps bench valgrind

all: $(BIN) certctl

certctl: $(BIN)
	$(Q)ln -sf $(BIN) certctl

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(QCC)$(CC) $(ALL_CFLAGS) -DCERTCTL_VERSION='"$(VERSION)"' -c -o $@ $<

$(O)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(QCC)$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) -Itests/helpers -c -o $@ $<

$(LIBA): $(LIB_OBJS)
	$(QAR)rm -f $@ && ar rcs $@ $^

$(BIN): $(CMD_OBJS) $(LIBA)
	$(QLD)$(CC) $(ALL_LDFLAGS) -o $@ $(CMD_OBJS) $(LIBA) $(DEPLIBS)

$(O)/tests/unit/test_%: $(O)/tests/unit/test_%.o $(HELPER_OBJS) $(LIBA)
	$(QLD)$(CC) $(ALL_LDFLAGS) -o $@ $< $(HELPER_OBJS) $(LIBA) \
		$(DEPLIBS) $(CMOCKA_LIBS)

$(O)/bench/%: bench/%.c $(LIBA)
	@mkdir -p $(dir $@)
	$(QLD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIBA) $(DEPLIBS)

deps:
	$(Q)scripts/install-deps.sh

# make check: dependencies (installed if missing), unit tests, CLI tests,
# integration tests, man page lint, then all of it again under ASan+UBSan.
check: deps
	$(Q)$(MAKE) --no-print-directory all $(O)/.unit-built
	$(Q)$(MAKE) --no-print-directory SANITIZE=1 O=build-san all build-san/.unit-built
	$(Q)tests/run.sh --build $(O) --san build-san

$(O)/.unit-built: $(UNIT_BINS)
	$(Q)touch $@

check-unit: all $(UNIT_BINS)
	$(Q)tests/run.sh --build $(O) --only unit

check-cli: all
	$(Q)tests/run.sh --build $(O) --only cli

check-integration: all
	$(Q)tests/run.sh --build $(O) --only integration

check-san:
	$(Q)$(MAKE) --no-print-directory SANITIZE=1 O=build-san all build-san/.unit-built
	$(Q)tests/run.sh --build build-san

lint-man:
	$(Q)tests/lint-man.sh

valgrind: all $(UNIT_BINS)
	$(Q)tests/run.sh --build $(O) --valgrind --only unit

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/demo.sh $(BIN)

# make bench: the benchmarks the issues ask for (not part of make check).
bench:
	$(Q)scripts/install-deps.sh --bench
	$(Q)$(MAKE) --no-print-directory all $(O)/bench/fill
	$(Q)bench/run.sh $(O)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/certctl
	install -m 0644 man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 man/*.5 $(DESTDIR)$(MANDIR)/man5/
	install -d $(DESTDIR)$(PREFIX)/share/doc/certctl
	install -m 0644 certctl.conf.example README.md $(DESTDIR)$(PREFIX)/share/doc/certctl/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/certctl
	cd man && for f in *.1; do rm -f $(DESTDIR)$(MANDIR)/man1/$$f; done
	cd man && for f in *.5; do rm -f $(DESTDIR)$(MANDIR)/man5/$$f; done
	rm -rf $(DESTDIR)$(PREFIX)/share/doc/certctl

clean:
	rm -rf build build-san certctl

-include $(LIB_OBJS:.o=.d) $(CMD_OBJS:.o=.d) $(HELPER_OBJS:.o=.d) \
	$(UNIT_SRCS:%.c=$(O)/%.d)
