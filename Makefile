# assay build. `make` builds ./assay; `make check` runs the whole suite
# (normal build, then the same suite under ASan+UBSan); `make SAN=1` builds
# the sanitizer variant into build/san/.

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
PKGS     = yaml-0.1 libpcre2-8 sqlite3 jansson zlib
# Loaded on first use, not linked (src/dynlib.h), as libharu (no .pc file)
# is: compiled against their headers, found at run time by the SONAME of
# the library built against.
LAZY_PKGS = libgit2 libxml-2.0 libarchive
VERSION := $(shell cat VERSION)

ifeq ($(SAN),1)
BUILD   ?= build/san
OPT     := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
else
BUILD   ?= build/rel
OPT     := -O2 -g
endif

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2
INCLUDES := -Isrc -Iscanners -Ichecks -Ireports
# Where assay's documentation lives once installed: SARIF's
# tool.driver.informationUri. A packager with a web page sets ASSAY_DOCS_URI.
ASSAY_DOCS_URI ?= file://$(abspath $(PREFIX))/share/doc/assay/README.md
CPPFLAGS += -D_GNU_SOURCE -DASSAY_VERSION='"$(VERSION)"' -DASSAY_DOCS_URI='"$(ASSAY_DOCS_URI)"' $(INCLUDES)
# libyaml's header shares its name with src/yaml.h, which -Isrc finds first:
# src/yaml.c, its one includer, takes it by full path.
CPPFLAGS += -DASSAY_LIBYAML_HEADER='"$(shell pkg-config --variable=includedir yaml-0.1)/yaml.h"'
soname = $(shell objdump -p "$$($(CC) -print-file-name=$(1))" 2>/dev/null | awk '$$1 == "SONAME" { print $$2 }')
LIBGIT2_SONAME := $(call soname,libgit2.so)
LIBXML2_SONAME := $(call soname,libxml2.so)
LIBARCHIVE_SONAME := $(call soname,libarchive.so)
LIBHPDF_SONAME := $(call soname,libhpdf.so)
CPPFLAGS += -DASSAY_LIBGIT2_SONAME='"$(LIBGIT2_SONAME)"' -DASSAY_LIBXML2_SONAME='"$(LIBXML2_SONAME)"' -DASSAY_LIBARCHIVE_SONAME='"$(LIBARCHIVE_SONAME)"' \
	    -DASSAY_LIBHPDF_SONAME='"$(LIBHPDF_SONAME)"'
CFLAGS   ?=
ALL_CFLAGS = -std=c11 $(OPT) $(WARN) $(shell pkg-config --cflags $(PKGS) $(LAZY_PKGS)) $(CFLAGS)
LIBS      = $(shell pkg-config --libs $(PKGS)) -lm
LDFLAGS  ?=
# Functions of the binary's that the libraries it loads are to call instead
# of their own (scanners/repo.c says why).
EXPORTS   = -Wl,--export-dynamic-symbol=mbedtls_x509_crt_parse_file

LIB_SRC  := $(filter-out src/main.c,$(wildcard src/*.c scanners/*.c checks/*.c reports/*.c))
# The built-in profiles, compiled into the binary in this listing order.
PROFILE_ORDER := $(addprefix profiles/,cis-kubernetes.yaml cis-docker.yaml soc2.yaml iso27001.yaml default.yaml)
PROFILES := $(wildcard $(PROFILE_ORDER)) $(sort $(filter-out $(PROFILE_ORDER),$(wildcard profiles/*.yaml)))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/profile_data.o
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC := $(wildcard tests/tools/*.c)
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_REPLAY := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)

ifeq ($(SAN),1)
ASSAY_BIN := $(BUILD)/assay
else
ASSAY_BIN := assay
endif

.PHONY: all check test test-bin check-valgrind demo bench bench-k8s bench-image bench-pdf fuzz install uninstall clean deps docs format

all: $(ASSAY_BIN)

$(ASSAY_BIN): $(BUILD)/src/main.o $(BUILD)/libassay.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) $(EXPORTS) -o $@ $^ $(LIBS)

$(BUILD)/libassay.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

%/gen/profile_data.c: $(PROFILES) scripts/embed-profiles.sh
	@mkdir -p $(dir $@)
	scripts/embed-profiles.sh $(PROFILES) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/profile_data.o: $(BUILD)/gen/profile_data.c src/profile_data.h
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/%.o: %.c $(wildcard src/*.h scanners/*.h checks/*.h reports/*.h) VERSION
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libassay.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(EXPORTS) -o $@ $< $(BUILD)/libassay.a $(LIBS) $(shell pkg-config --libs cmocka)

$(BUILD)/tools/%: tests/tools/%.c $(BUILD)/libassay.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libassay.a $(LIBS)

# Fuzz targets are replayed over their corpus by a plain driver in `make check`;
# `make fuzz` builds them for libFuzzer with clang and runs each for FUZZ_SECONDS.
$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/replay.c $(BUILD)/libassay.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< tests/fuzz/replay.c $(BUILD)/libassay.a $(LIBS)

test-bin: $(ASSAY_BIN) $(UNIT_BIN) $(TOOL_BIN) $(FUZZ_REPLAY)

# The whole suite: the normal build, then the same suite under ASan+UBSan.
check:
	$(MAKE) test-bin
	$(MAKE) SAN=1 test-bin
	tests/run.sh build/rel:./assay build/san:build/san/assay

# Quick run of the suite on the normal build only.
test: test-bin
	tests/run.sh build/rel:./assay

check-valgrind: test-bin
	VALGRIND=1 tests/run.sh build/rel:./assay

FUZZ_SECONDS ?= 60
FUZZ_DIR     := build/fuzz-lf
FUZZ_CFLAGS  := -std=c11 -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
FUZZ_ONLY    ?= $(FUZZ_SRC)
FUZZ_OBJ     := $(LIB_SRC:%.c=$(FUZZ_DIR)/%.o) $(FUZZ_DIR)/gen/profile_data.o

# The library built once for libFuzzer, as an archive so that each target
# links only what it uses (cli.c needs main.c's command table).
$(FUZZ_DIR)/%.o: %.c $(wildcard src/*.h scanners/*.h checks/*.h reports/*.h) VERSION
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS) $(FUZZ_CFLAGS) $(shell pkg-config --cflags $(PKGS) $(LAZY_PKGS)) -c -o $@ $<

$(FUZZ_DIR)/gen/profile_data.o: $(FUZZ_DIR)/gen/profile_data.c src/profile_data.h
	clang $(CPPFLAGS) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_DIR)/libassay.a: $(FUZZ_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_DIR)/libassay.a
	clang $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(shell pkg-config --cflags $(PKGS) $(LAZY_PKGS)) -o $@ $< \
	  $(FUZZ_DIR)/libassay.a $(LIBS)

# FUZZ_ONLY="tests/fuzz/fuzz_yaml.c" runs the targets named.
fuzz: $(FUZZ_ONLY:tests/fuzz/%.c=$(FUZZ_DIR)/%)
	@for f in $(FUZZ_ONLY); do n=$$(basename $$f .c); \
	  mkdir -p $(FUZZ_DIR)/$$n.corpus; \
	  $(FUZZ_DIR)/$$n -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -artifact_prefix=$(FUZZ_DIR)/$$n- \
	    $(FUZZ_DIR)/$$n.corpus tests/fuzz/corpus/$${n#fuzz_} || exit 1; \
	done

demo: $(ASSAY_BIN)
	fixtures/make-demo.sh build/demo
	fixtures/make-demo-image.sh build/demo-image.tar
	@mkdir -p out
	./assay scan build/demo --db out/assay.db --fail-on none -o out/report.json -o out/report.sarif -o out/report.txt \
	  -o out/report.pdf; \
	  echo "demo reports written to out/ (exit status $$?)"
	./assay scan build/demo-image.tar --db out/assay.db --fail-on none -o out/image-report.json \
	  -o out/image-report.txt; echo "demo image reports written to out/image-report.* (exit status $$?)"

# Image scanning speed against tar (bench/image.sh); BENCH_IMAGE_MB sets the size.
bench-image: $(ASSAY_BIN)
	bench/image.sh ./assay $(BENCH_IMAGE_MB)

# Benchmarks; BENCH_REPO=/path/to/a/repository adds a real history.
bench: $(ASSAY_BIN)
	BENCH_REPO=$(BENCH_REPO) bench/run.sh

# Kubernetes scanning against a bare libyaml event loop (bench/k8s.sh).
# yaml_events is built without src/ on the include path: src/yaml.h
# would shadow libyaml's header.
$(BUILD)/bench/yaml_events: bench/yaml_events.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) -o $@ $< $(shell pkg-config --libs yaml-0.1)

$(BUILD)/bench/yaml_model: bench/yaml_model.c $(BUILD)/libassay.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libassay.a $(LIBS)

$(BUILD)/bench/evict: bench/evict.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) -o $@ $<

bench-k8s: $(ASSAY_BIN) $(BUILD)/bench/yaml_events $(BUILD)/bench/yaml_model $(BUILD)/bench/evict
	bench/k8s.sh $(BENCH_ARGS)

BENCH_IMAGE_MB ?= 200

# PDF report time and peak RSS at 1,000 and 10,000 findings (bench/pdf.sh).
bench-pdf: $(ASSAY_BIN) $(BUILD)/tools/pdf_fixture
	bench/pdf.sh $(BENCH_ARGS)

docs: $(ASSAY_BIN)
	./assay rules --format markdown > docs/rules.md

install: $(ASSAY_BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/assay/profiles
	install -m 0755 assay $(DESTDIR)$(PREFIX)/bin/assay
	if ls profiles/*.yaml >/dev/null 2>&1; then install -m 0644 profiles/*.yaml $(DESTDIR)$(PREFIX)/share/assay/profiles/; fi
	install -d $(DESTDIR)$(PREFIX)/share/doc/assay
	install -m 0644 README.md docs/*.md $(DESTDIR)$(PREFIX)/share/doc/assay/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/assay
	rm -rf $(DESTDIR)$(PREFIX)/share/assay $(DESTDIR)$(PREFIX)/share/doc/assay

# Installs the Debian 12 packages the build, the tests and the demo need.
deps:
	@./scripts/install-deps.sh

format:
	clang-format -i $(wildcard src/*.[ch] scanners/*.[ch] checks/*.[ch] reports/*.[ch] tests/*/*.c)

clean:
	rm -rf build assay out
