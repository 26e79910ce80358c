# quarry — plain Makefile. `make` builds build/quarry, build/libquarry.a, build/libquarry.so.
# `make run` and `make test` install missing Debian packages first (see `make deps`).

CC      ?= cc
PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
OPT     ?= -O2 -g
WARN    ?= -std=c11 -Wall -Wextra -pedantic -Wstrict-prototypes -Wmissing-prototypes \
           -Wno-unused-parameter
SAN     ?=
PKGS     = libpcre2-8 libutf8proc
DEP_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
DEP_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
TEST_CFLAGS = $(shell pkg-config --cflags criterion 2>/dev/null)
TEST_LIBS   = $(shell pkg-config --libs criterion 2>/dev/null)
CPPFLAGS += -Iinclude -Isrc -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L
ALL_CFLAGS = $(OPT) $(WARN) $(SAN) -fPIC $(DEP_CFLAGS) $(CFLAGS)
# The library's objects hide every symbol but the QUARRY_API functions of include/quarry.h
# (libquarry.so exports only those; the CLI, tests and fuzzers link libquarry.a).
LIB_CFLAGS = -fvisibility=hidden
LDLIBS_ALL = $(DEP_LIBS) -lpthread -lm

VERSION  = 0.1.0
SOMAJOR  = 0

LIB_SRC  = $(sort $(wildcard src/*.c))
CLI_SRC  = $(sort $(wildcard src/cli/*.c))
TEST_SRC = $(sort $(wildcard tests/test_*.c))
RULE_FILES = $(sort $(shell find rules -type f ! -name '*~' 2>/dev/null))

LIB_OBJ  = $(LIB_SRC:src/%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/rules_embed.o
CLI_OBJ  = $(CLI_SRC:src/cli/%.c=$(BUILD)/obj/cli/%.o)
TEST_OBJ = $(TEST_SRC:tests/%.c=$(BUILD)/obj/tests/%.o)
DEPS_OK  = $(BUILD)/.deps-ok

.PHONY: all run test check unit golden nesting-check exports-check layers-check bench bench-stream eval install uninstall clean asan deps format \
        fuzz fuzz-replay hostile formats-check html-check install-check python-check eval-gold-check bigdoc-check run-check notice-check \
        authoring-check input-check dask-check startup-check \
        $(BUILD)/quarry.pc
all: $(BUILD)/quarry $(BUILD)/libquarry.a $(BUILD)/libquarry.so

deps:
	@sh tools/deps.sh
$(DEPS_OK):
	@sh tools/deps.sh
	@mkdir -p $(BUILD) && touch $@

$(BUILD)/obj/%.o: src/%.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LIB_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/obj/cli/%.o: src/cli/%.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/obj/tests/%.o: tests/%.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(TEST_CFLAGS) -MMD -MP -c $< -o $@

# The shipped rules/ tree, embedded in the library as a table of files.
$(BUILD)/embed: tools/embed.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) -O1 -o $@ $<
$(BUILD)/rules_embed.c: $(BUILD)/embed $(RULE_FILES)
	$(BUILD)/embed $(RULE_FILES) > $@.tmp && mv $@.tmp $@
$(BUILD)/obj/rules_embed.o: $(BUILD)/rules_embed.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(OPT) $(SAN) -fPIC $(LIB_CFLAGS) -c $< -o $@

$(BUILD)/libquarry.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^
$(BUILD)/libquarry.so: $(LIB_OBJ)
	$(CC) $(SAN) -shared -Wl,-soname,libquarry.so.$(SOMAJOR) -o $@ $^ $(LDLIBS_ALL)
$(BUILD)/quarry: $(CLI_OBJ) $(BUILD)/libquarry.a
	$(CC) $(SAN) -o $@ $(CLI_OBJ) $(BUILD)/libquarry.a $(LDLIBS_ALL)
$(BUILD)/unit-tests: $(TEST_OBJ) $(BUILD)/obj/cli/score.o $(BUILD)/libquarry.a
	$(CC) $(SAN) -o $@ $(TEST_OBJ) $(BUILD)/obj/cli/score.o $(BUILD)/libquarry.a $(TEST_LIBS) $(LDLIBS_ALL)

# The main job on the bundled sample, the seed article: who said what and the people, places
# and organisations on the terminal (--format summary); the records, JSON Lines, in a file.
RUN_DOC = corpus/000_663e7d9d773130fa.txt
RUN_OUT = $(BUILD)/run/000_663e7d9d773130fa.jsonl
run: $(BUILD)/quarry
	@mkdir -p $(BUILD)/run
	@$(BUILD)/quarry extract -q $(RUN_DOC) > $(RUN_OUT)
	@$(BUILD)/quarry extract --format summary $(RUN_DOC)
	@echo "The records, one JSON object a line ($$(wc -l < $(RUN_OUT)) lines): $(RUN_OUT)"
	@echo "  on stdout:     $(BUILD)/quarry extract $(RUN_DOC)"
	@echo "  other formats: $(BUILD)/quarry extract --format inline|html|brat|conll|tsv|summary FILE"
	@echo "                 ($(BUILD)/quarry extract --help; README.md)"

unit: $(BUILD)/unit-tests $(BUILD)/quarry
	QUARRY=$(BUILD)/quarry $(BUILD)/unit-tests --jobs 2
golden: $(BUILD)/quarry
	sh tests/golden.sh $(BUILD)/quarry
test: unit golden run-check notice-check nesting-check exports-check layers-check formats-check html-check install-check python-check fuzz-replay hostile \
      eval-gold-check bigdoc-check authoring-check input-check dask-check startup-check
# Output formats (brat through quarry eval, GNU parallel --pipe), the HTML page in headless
# Chromium, make install + examples/ via pkg-config + make uninstall, the Python binding.
formats-check: $(BUILD)/quarry
	sh tests/formats.sh $(BUILD)/quarry
html-check: $(BUILD)/quarry
	sh tests/html.sh $(BUILD)/quarry $(BUILD)
install-check: all
	sh tests/install.sh "$(MAKE)" $(BUILD)
nesting-check: $(BUILD)/quarry
	sh tests/nesting.sh $(BUILD)/quarry
layers-check: all
	sh tests/layers.sh $(BUILD)
exports-check: $(BUILD)/libquarry.so
	sh tests/exports.sh $(BUILD)/libquarry.so
python-check: $(BUILD)/libquarry.so
	sh tests/python.sh $(BUILD)
# A Dask scheduler and two workers on this machine run the BBC set (else corpus/) through
# bindings/python/quarry_dask.py; records = one quarry extract (python3-distributed is
# installed when missing, as root).
dask-check: $(BUILD)/quarry $(BUILD)/libquarry.so
	sh tests/dask.sh $(BUILD)
# quarry eval --gold on the BBC quote gold's layout: a hand-made case, and the dev set against
# ../shared/tools/bbcq.py when ../shared is there (skipped when it is not).
eval-gold-check: $(BUILD)/quarry
	sh tests/eval_gold.sh $(BUILD)/quarry
# LICENSE, NOTICE naming every file of rules/lexicons/, quarry --version (licences).
notice-check: $(BUILD)/quarry
	sh tests/notice.sh $(BUILD)/quarry
# `make run` shows the summary and writes the JSONL under $(BUILD)/run.
run-check: $(BUILD)/quarry
	sh tests/run.sh "$(MAKE)" $(BUILD)
# One large document (README "One large document"): peak RSS of a 20 MB document below 8
# bytes per input byte, and every format of a document cut into windows.
bigdoc-check: $(BUILD)/quarry $(BUILD)/bench-gen $(BUILD)/peakrss
	BIGDOC_LIMIT=$(if $(SAN),40,8) sh tests/bigdoc.sh $(BUILD)/quarry $(BUILD)/bench-gen $(BUILD)/peakrss
# Start-up (docs/PERFORMANCE.md, session 22): peak RSS of quarry extract on a one-word file
# below 50 MB (no limit under sanitizers), the same records with --rules rules.
startup-check: $(BUILD)/quarry $(BUILD)/peakrss
	STARTUP_RSS_MB=$(if $(SAN),0,50) sh tests/startup.sh $(BUILD)/quarry $(BUILD)/peakrss
# What a rule author meets: quarry test --update on partial expected files, quarry check
# reporting every error with a count, undeclared output types.
authoring-check: $(BUILD)/quarry
	sh tests/authoring.sh $(BUILD)/quarry
# Input and pipelines (issue #32): ids and --out-dir files across sub-folders, --encoding,
# binary files skipped, no output lag with -j on a stream, .jsonl by name, duplicate ids,
# folders without .txt files.
input-check: $(BUILD)/quarry
	sh tests/input.sh $(BUILD)/quarry
# Hostile documents, folders, JSONL and rule files through the CLI (docs/HOSTILE.md).
hostile: $(BUILD)/quarry
	sh tests/hostile.sh $(BUILD)/quarry
check: test

asan:
	$(MAKE) BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" test

# Fuzzing (fuzz/, docs/HOSTILE.md). `make fuzz` builds the libFuzzer targets with clang
# into build/fuzz and runs each for FUZZ_SECONDS; `make fuzz-replay` (part of `make test`)
# runs the kept findings in fuzz/regressions/<target>/ through the same targets with $(CC).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS = rules extract match
FUZZ_DEFS = -DQUARRY_RULES_DIR='"$(CURDIR)/rules"'
fuzz:
	$(MAKE) BUILD=build/fuzz CC=clang OPT="-O1 -g -fno-omit-frame-pointer" \
	    SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
	    $(FUZZ_TARGETS:%=build/fuzz/fuzz_%)
	sh fuzz/run.sh build/fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)
$(BUILD)/fuzz_%: fuzz/fuzz_%.c $(BUILD)/libquarry.a
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -fsanitize=fuzzer $(FUZZ_DEFS) -o $@ $< $(BUILD)/libquarry.a $(LDLIBS_ALL)
fuzz-replay: $(FUZZ_TARGETS:%=$(BUILD)/fuzz-replay-%)
	@for t in $(FUZZ_TARGETS); do $(BUILD)/fuzz-replay-$$t fuzz/regressions/$$t || exit 1; done
$(BUILD)/fuzz-replay-%: fuzz/replay.c fuzz/fuzz_%.c $(BUILD)/libquarry.a
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(FUZZ_DEFS) -o $@ fuzz/replay.c fuzz/fuzz_$*.c $(BUILD)/libquarry.a $(LDLIBS_ALL)
$(BUILD)/fuzz_match $(BUILD)/fuzz-replay-match: fuzz/matchgen.h

# Benchmarks (docs/PERFORMANCE.md): one table of throughput beside wc -w, scaling,
# pathological inputs and streaming rows. `make bench-stream` streams STREAM_MB (default
# 1024) MB of JSONL through quarry extract and fails when its peak RSS passes 64 MB.
STREAM_MB ?= 1024
BENCH_TOOLS = $(BUILD)/quarry $(BUILD)/bench-gen $(BUILD)/peakrss
bench: $(BENCH_TOOLS)
	BUILD=$(BUILD) sh bench/run.sh $(BUILD)/quarry
bench-stream: $(BENCH_TOOLS)
	BUILD=$(BUILD) ONLY=stream STREAM_SIZES="64 $(STREAM_MB)" sh bench/run.sh $(BUILD)/quarry
$(BUILD)/bench-gen: bench/gen.c | $(DEPS_OK)
	$(CC) $(OPT) $(WARN) $(CFLAGS) -o $@ $<
$(BUILD)/peakrss: bench/peakrss.c | $(DEPS_OK)
	$(CC) $(OPT) $(WARN) $(CFLAGS) -o $@ $<

# Scores the shipped rules on the evaluation data in ../shared/data (skipped when absent).
eval: $(BUILD)/quarry
	sh tools/eval.sh $(BUILD)/quarry

$(BUILD)/quarry.pc: Makefile   # phony: rewritten on each install, PREFIX may differ
	@mkdir -p $(dir $@)
	printf 'prefix=%s\nexec_prefix=$${prefix}\nlibdir=$${prefix}/lib\nincludedir=$${prefix}/include\n\nName: quarry\nDescription: rule-driven entity and quote extraction\nVersion: %s\nRequires.private: libpcre2-8 libutf8proc\nLibs: -L$${libdir} -lquarry\nLibs.private: -lpthread -lm\nCflags: -I$${includedir}\n' '$(PREFIX)' '$(VERSION)' > $@

install: all $(BUILD)/quarry.pc
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include \
	    $(DESTDIR)$(PREFIX)/share/quarry $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/doc/quarry/LICENSES
	install -m 644 docs/quarry.1 $(DESTDIR)$(PREFIX)/share/man/man1/quarry.1
	install -m 644 LICENSE NOTICE $(DESTDIR)$(PREFIX)/share/doc/quarry/
	install -m 644 LICENSES/LGPL-2.1.txt LICENSES/Apache-2.0.txt $(DESTDIR)$(PREFIX)/share/doc/quarry/LICENSES/
	install -m 755 $(BUILD)/quarry $(DESTDIR)$(PREFIX)/bin/quarry
	install -m 644 $(BUILD)/libquarry.a $(DESTDIR)$(PREFIX)/lib/libquarry.a
	install -m 755 $(BUILD)/libquarry.so $(DESTDIR)$(PREFIX)/lib/libquarry.so.$(VERSION)
	ln -sf libquarry.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libquarry.so.$(SOMAJOR)
	ln -sf libquarry.so.$(SOMAJOR) $(DESTDIR)$(PREFIX)/lib/libquarry.so
	install -m 644 include/quarry.h $(DESTDIR)$(PREFIX)/include/quarry.h
	install -m 644 $(BUILD)/quarry.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/quarry.pc
	cp -R rules $(DESTDIR)$(PREFIX)/share/quarry/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/quarry $(DESTDIR)$(PREFIX)/lib/libquarry.a \
	    $(DESTDIR)$(PREFIX)/lib/libquarry.so $(DESTDIR)$(PREFIX)/lib/libquarry.so.$(SOMAJOR) \
	    $(DESTDIR)$(PREFIX)/lib/libquarry.so.$(VERSION) $(DESTDIR)$(PREFIX)/include/quarry.h \
	    $(DESTDIR)$(PREFIX)/lib/pkgconfig/quarry.pc $(DESTDIR)$(PREFIX)/share/man/man1/quarry.1
	rm -rf $(DESTDIR)$(PREFIX)/share/quarry $(DESTDIR)$(PREFIX)/share/doc/quarry

format:
	clang-format -i src/*.c src/*.h src/cli/*.c include/*.h tests/*.c

clean:
	rm -rf build build-asan

-include $(wildcard $(BUILD)/obj/*.d $(BUILD)/obj/*/*.d)
