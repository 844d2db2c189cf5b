# SPDX-License-Identifier: GPL-2.0-or-later
# raidvirt top-level build. `make` builds lib/, the crash extension and the
# CLI; `make deps` installs what the project needs; `make check` runs every
# test; `make demo` shows the main job on a real dump.

# The one place the version is set: `raidvirt --version`, tool.version
# of both JSON documents.
VERSION  := 0.1.0

BUILD    ?= build
CC       ?= cc
# The project's own flags live in RV_*; CPPFLAGS, CFLAGS and LDFLAGS are the
# user's and packager's (e.g. Debian's dpkg-buildflags) and add to them:
# `make CFLAGS=-O0` keeps -D_GNU_SOURCE and the warnings.
CFLAGS   ?= -O2 -g
RV_CPPFLAGS = -D_GNU_SOURCE -Ilib -DRV_VERSION='"$(VERSION)"'
RV_CFLAGS   = -std=gnu11 -Wall -Wextra -Wno-unused-parameter -fPIC \
              -fvisibility=hidden
RV_LDFLAGS  =
# libjq: the one `make deps` builds (tools/libjq.py: Debian's newest jq,
# static, under build/deps/jq; Debian 12's 1.6 compiles the rules three
# times slower), else the system's (a package build has no build/deps).
JQ_DIR  ?= $(patsubst %/lib/libjq.a,%,$(wildcard $(CURDIR)/build/deps/jq/lib/libjq.a))
ifneq ($(JQ_DIR),)
# -isystem: jq 1.8's jv.h defines a static function some files do not use
RV_CPPFLAGS += -isystem$(JQ_DIR)/include
LIBJQ   := $(JQ_DIR)/lib/libjq.a
JQ_H    := $(JQ_DIR)/include/jq.h
else
LIBJQ   := -ljq
JQ_H    :=
endif
LDLIBS_CORE = $(LIBJQ) -lonig -lyaml -lm

# make SANITIZE=1 (and `make check SANITIZE=1`): ASan + UBSan + LSan in
# their own build directory (docs/reliability.md).
ifeq ($(SANITIZE),1)
BUILD      := build/sanitize
RV_CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer \
              -fno-sanitize-recover=undefined
RV_LDFLAGS += -fsanitize=address,undefined
endif
ALL_CPPFLAGS = $(RV_CPPFLAGS) $(CPPFLAGS)
ALL_CFLAGS   = $(RV_CFLAGS) $(CFLAGS)
ALL_LDFLAGS  = $(RV_LDFLAGS) $(LDFLAGS)

# The kernel the rig boots: resolved from Debian's metapackage, never
# hardcoded.
RELEASE  ?= $(shell dumps/kernel-release 2>/dev/null)

LIB_SRCS := $(wildcard lib/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
EXT_SRCS := $(wildcard ext/*.c)
EXT_OBJS := $(EXT_SRCS:%.c=$(BUILD)/%.o)
CLI_SRCS := $(wildcard cli/*.c)
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/%.o)

LIBRV  := $(BUILD)/lib/librv.a
EXT_SO := $(BUILD)/ext/raidvirt.so
CLI    := $(BUILD)/cli/raidvirt

.PHONY: libjq-flags all deps check demo dumps clean fuzz test-unit test-mutation test-rig test-ext test-cli \
        driver bench man install uninstall deb

# The sanitized build is the CLI's (crash cannot load an ASan extension);
# the man pages are generated from the plain build's help (tools/mkman).
all: $(LIBRV) $(if $(SANITIZE),,$(EXT_SO)) $(if $(CLI_SRCS),$(CLI)) $(if $(SANITIZE),,man)

$(BUILD)/%.o: %.c $(wildcard lib/*.h ext/*.h cli/*.h) $(JQ_H)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -c -o $@ $<

$(LIBRV): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

# crash extensions are built against crash's defs.h with the target arch
# defined, as crash's own extensions/Makefile does.
$(BUILD)/ext/%.o: RV_CPPFLAGS += -DX86_64 -DGDB_10_2 -Iext
$(EXT_SO): $(EXT_OBJS) $(LIBRV)
	$(CC) $(ALL_LDFLAGS) -shared -Wl,-Bsymbolic -Wl,--no-undefined-version \
	    -Wl,--exclude-libs,libjq.a -o $@ \
	    $(EXT_OBJS) $(LIBRV) -ldw -lelf $(LDLIBS_CORE)

$(BUILD)/cli/%.o: RV_CPPFLAGS += -Icli
$(CLI): $(CLI_OBJS) $(LIBRV)
	$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJS) $(LIBRV) -lkdumpfile -laddrxlat -lbpf -ldebuginfod -ldw -lelf \
	    $(LDLIBS_CORE)

deps:
	@tools/deps.sh
	@tools/libjq.py

# ---- man pages: generated from the help the commands print ----
# raidvirt(1) from the program's --help texts, raidvirt-crash(1) from the
# crash help pages (lib/help.c, printed by tools/helpdump), raidvirt-rules(5)
# from docs/rules.md (go-md2man); see tools/mkman.
HELPDUMP := $(BUILD)/tools/helpdump
MANPAGES := $(BUILD)/man/raidvirt.1 $(BUILD)/man/raidvirt-crash.1 $(BUILD)/man/raidvirt-rules.5

$(HELPDUMP): tools/helpdump.c $(LIBRV)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIBRV) -ldw -lelf $(LDLIBS_CORE)

$(MANPAGES) &: $(CLI) $(HELPDUMP) tools/mkman docs/rules.md Makefile
	tools/mkman --cli $(CLI) --helpdump $(HELPDUMP) --rules-md docs/rules.md \
	    --version $(VERSION) --out $(BUILD)/man

man: $(MANPAGES)

# ---- make install / uninstall (docs/hacking.md, "Installing") ----
# PREFIX/bin/raidvirt and PREFIX/lib/crash/extensions/raidvirt.so find
# PREFIX/share/raidvirt/rules relative to themselves (lib/rules.c), so a
# tree installed with DESTDIR and moved keeps working.
PREFIX      ?= /usr/local
DESTDIR     ?=
INSTALL     ?= install
BINDIR      := $(PREFIX)/bin
CRASHEXTDIR := $(PREFIX)/lib/crash/extensions
RULESDIR    := $(PREFIX)/share/raidvirt/rules
MANDIR      := $(PREFIX)/share/man
COMPDIR     := $(PREFIX)/share/bash-completion/completions
RULE_FILES  := $(wildcard rules/*.yaml)

install: all man
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(CRASHEXTDIR) $(DESTDIR)$(RULESDIR) \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(COMPDIR)
	$(INSTALL) -m 755 $(CLI) $(DESTDIR)$(BINDIR)/raidvirt
	$(INSTALL) -m 644 $(EXT_SO) $(DESTDIR)$(CRASHEXTDIR)/raidvirt.so
	$(INSTALL) -m 644 $(RULE_FILES) $(DESTDIR)$(RULESDIR)
	$(INSTALL) -m 644 $(BUILD)/man/raidvirt.1 $(BUILD)/man/raidvirt-crash.1 $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 644 $(BUILD)/man/raidvirt-rules.5 $(DESTDIR)$(MANDIR)/man5
	$(INSTALL) -m 644 tools/completion.bash $(DESTDIR)$(COMPDIR)/raidvirt

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/raidvirt $(DESTDIR)$(CRASHEXTDIR)/raidvirt.so \
	    $(addprefix $(DESTDIR)$(RULESDIR)/,$(notdir $(RULE_FILES))) \
	    $(DESTDIR)$(MANDIR)/man1/raidvirt.1 $(DESTDIR)$(MANDIR)/man1/raidvirt-crash.1 \
	    $(DESTDIR)$(MANDIR)/man5/raidvirt-rules.5 $(DESTDIR)$(COMPDIR)/raidvirt
	-rmdir $(DESTDIR)$(RULESDIR) $(DESTDIR)$(PREFIX)/share/raidvirt 2>/dev/null

# The Debian packages (debian/), built by dpkg-buildpackage in a copy of the
# checkout under build/deb (it writes its output to the parent directory):
# build/deb/raidvirt_VERSION_ARCH.deb and raidvirt-crash_VERSION_ARCH.deb.
deb:
	@tools/build-deb $(BUILD)/deb

dumps:
	@dumps/rig.py build-all

# The reference driver (docs/driver.md), against the rig kernel's headers.
driver:
	$(MAKE) -C driver

# The fast tier: C unit tests of lib/ on synthetic memory, a small -g
# object and temporary rule files; no QEMU, crash or rig dump (docs/hacking.md).
UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_SRCS := $(filter-out tests/unit/types.c,$(UNIT_SRCS))
UNIT_OBJS := $(UNIT_SRCS:%.c=$(BUILD)/%.o)
UNIT      := $(BUILD)/tests/unit/run-unit
UNIT_TYPES := $(BUILD)/tests/unit/types.o
$(BUILD)/tests/unit/%.o: RV_CPPFLAGS += -Itests/unit -DRV_UNIT_RULES_DIR='"$(CURDIR)/rules"'
$(UNIT): $(UNIT_OBJS) $(LIBRV)
	$(CC) $(ALL_LDFLAGS) -o $@ $(UNIT_OBJS) $(LIBRV) -ldw -lelf $(LDLIBS_CORE)
# Only for its DWARF: never linked.
$(UNIT_TYPES): tests/unit/types.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -g -O0 -c -o $@ $<

test-unit: $(UNIT) $(UNIT_TYPES)
	@out=$$($(UNIT) $(UNIT_TYPES) 2>&1); rc=$$?; \
	printf '%s\n' "$$out" | grep -v '^ok - '; exit $$rc

# A defect planted in a scratch copy must make a fast suite fail.
test-mutation:
	@tests/mutation.sh

test-rig test-ext test-cli: all
	@RV_AREAS=$(@:test-%=%) tests/run-all.sh

# make check SANITIZE=1: the unit tier and the CLI suites on the sanitized
# build (tests/sanitize/check-tier); plain `make check` runs tests/sanitize too.
SAN_AREAS = cli rules fixtures torture sanitize
ifeq ($(SANITIZE),1)
check: all test-unit
	@tests/sanitize/check-tier $(BUILD) "$(SAN_AREAS)"
else
check: all test-unit test-mutation
	@tests/run-all.sh
endif

# libFuzzer targets (tests/fuzz): make fuzz FUZZ_SECONDS=N (each target).
fuzz: all
	@FUZZ_SECONDS=$(or $(FUZZ_SECONDS),60) tests/fuzz/run.sh

demo: all
	@tools/demo.sh

bench: all
	@bench/run.sh

# The libjq flags, for the suites that build lib/ or link librv.a
# themselves (tests/lib.sh: RV_LIBJQ).
libjq-flags:
	@echo "$(if $(JQ_DIR),-isystem$(JQ_DIR)/include )$(LIBJQ)"

clean:
	rm -rf $(BUILD)/lib $(BUILD)/ext $(BUILD)/cli $(BUILD)/tests $(BUILD)/tools $(BUILD)/man

-include $(LIB_OBJS:.o=.d) $(EXT_OBJS:.o=.d) $(CLI_OBJS:.o=.d) $(UNIT_OBJS:.o=.d)
