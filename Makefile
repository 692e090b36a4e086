# gan99 — one plain Makefile for gcc, clang, tcc and cross compilers.
#
#   make                      libgan99.a and ./gan99
#   make test                 build and run the test runner (last line: tests: N passed, N failed)
#   make bench                build and run ./gan99 bench (figures; ratios vs the reference when installed)
#   make reliability          build ./gan99 and run a campaign of faults against it (minutes)
#   make install PREFIX=DIR   headers, library, binary and gan99.pc under DIR (default /usr/local)
#   make cross-test ARCH=aarch64|armhf|s390x|riscv64|win64   cross-compile the tests and gan99,
#                             run them under qemu-user or wine, and compare the digest and the
#                             command outputs with the native ones (doc/portability.md)
#   make cross-test-all       every cross target; missing toolchains are skipped with one line
#   make baremetal-test       a 32x32 DCGAN image on a Cortex-M4F (qemu-system-arm mps2-an386,
#                             no OS, newlib, weights from gan99 export-c, no malloc): its CRC
#                             must equal gan99 sample --crc of the same model and seed
#   make simd-test            run the tests and the digest on every kernel set this CPU has
#                             (GAN99_SIMD=scalar, avx2, avx512; neon on aarch64) and require
#                             one digest for all; with OPENMP=1 each set on 1 and 2 threads too
#   make fuzz                 libFuzzer harnesses (clang); make fuzz-standalone without libFuzzer
#   make clean
#
# Options: CC=... SIMD=auto|scalar|avx2|avx512|neon OPENMP=0|1 SANITIZE=1 NATIVE=1 WERROR=1 BUILD=dir
# OpenMP is on wherever the compiler has it (gcc, clang with libomp; not
# tcc): results are the same bits for any thread count. WERROR=1 (CI) turns
# warnings into errors; a plain build does not, so a newer compiler's new
# warning never stops a user's `make`.
# Kernel sets: SIMD=auto compiles every set of the target and picks the best
# the CPU has at run time; the environment variable GAN99_SIMD=scalar|avx2|
# avx512|neon overrides that choice (tests, benches). All give the same bits.
#
# Determinism (doc/determinism.md §5): -ffp-contract=off always, and no fast-math option ever.
# A change of compiler or options rebuilds everything (see $(BUILD)/flags).

CC      ?= cc
SIMD    ?= auto
OPENMP  ?= auto
WERROR  ?= 0
SANITIZE ?= 0
NATIVE  ?= 0
BUILD   ?= build
PREFIX  ?= /usr/local
# The default build puts libgan99.a and gan99 at the top; other BUILD
# folders (clang, tcc, sanitizers, cross) keep theirs inside, so builds of
# different compilers never overwrite each other.
# The target architecture, from the compiler (so CC=aarch64-linux-gnu-gcc is aarch64).
TARGET := $(shell $(CC) -dumpmachine 2>/dev/null || uname -m)
# Windows programs end in .exe (the linker adds it; make must know the name).
ifneq (,$(findstring mingw,$(TARGET)))
  EXE = .exe
  IS_WINDOWS = 1
endif
ifeq ($(BUILD),build)
  LIB   ?= libgan99.a
  BIN   ?= gan99$(EXE)
else
  LIB   ?= $(BUILD)/libgan99.a
  BIN   ?= $(BUILD)/gan99$(EXE)
endif
# gan99 as a command the shell finds: ./gan99 when BIN has no directory
RUN_BIN = $(if $(findstring /,$(BIN)),,./)$(BIN)
AR      ?= ar

CSTD     = -std=c99 -pedantic -Wall -Wextra $(if $(filter 1,$(WERROR)),-Werror)
OPT      = -O2 -g
CFLAGS_ALL = $(CSTD) $(OPT) -ffp-contract=off $(CFLAGS)
LDLIBS_ALL = -lm $(LDLIBS)

# tcc writes dependency files with -MD -MF, gcc and clang with -MMD -MP.
ifneq (,$(findstring tcc,$(notdir $(CC))))
  DEPFLAGS = -MD -MF $(@:.o=.d)
  IS_TCC = 1
else
  DEPFLAGS = -MMD -MP
endif

ifneq (,$(findstring x86_64,$(TARGET)))
  ARCH_KERNELS = avx2 avx512
else ifneq (,$(findstring aarch64,$(TARGET)))
  ARCH_KERNELS = neon
else
  ARCH_KERNELS =
endif
ifeq ($(IS_TCC),1)
  ARCH_KERNELS =
endif
# gcc for s390x evaluates float expressions in double under -std=c99
# (FLT_EVAL_METHOD 1), so a*b+c would round once instead of twice and differ
# from every other platform; "fast" makes it use float instructions.
ifneq (,$(findstring s390,$(TARGET)))
  CFLAGS_ALL += -fexcess-precision=fast
endif

# SIMD=auto compiles every kernel of the target and picks one at run time by
# CPU detection; SIMD=scalar compiles none; SIMD=<one> compiles and forces it.
ifeq ($(SIMD),auto)
  KERNELS = $(ARCH_KERNELS)
else ifeq ($(SIMD),scalar)
  KERNELS =
  CFLAGS_ALL += -DGAN99_SIMD_FORCE_SCALAR=1
else ifneq (,$(filter $(SIMD),avx2 avx512 neon))
  KERNELS = $(SIMD)
  CFLAGS_ALL += -DGAN99_SIMD_FORCE_$(shell echo $(SIMD) | tr a-z A-Z)=1
else
  $(error SIMD must be auto, scalar, avx2, avx512 or neon, not '$(SIMD)')
endif
CFLAGS_ALL += $(foreach k,$(KERNELS),-DGAN99_HAVE_$(shell echo $(k) | tr a-z A-Z)=1)

ifeq ($(OPENMP),auto)
  ifeq ($(IS_TCC),1)
    OPENMP = 0
  else
    # (linked into the build folder: MinGW's linker cannot write to /dev/null)
    OPENMP := $(shell mkdir -p $(BUILD) && printf '#include <omp.h>\nint main(void){return omp_get_max_threads() < 1;}\n' | \
                $(CC) -fopenmp -x c - -o $(BUILD)/omp-probe$(EXE) >/dev/null 2>&1 && echo 1 || echo 0; \
                rm -f $(BUILD)/omp-probe$(EXE))
  endif
endif
ifeq ($(OPENMP),1)
  CFLAGS_ALL += -fopenmp
  LDLIBS_ALL += -fopenmp
endif
ifeq ($(SANITIZE),1)
  CFLAGS_ALL += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
  LDFLAGS += -fsanitize=address,undefined
endif
ifeq ($(NATIVE),1)
  CFLAGS_ALL += -march=native
endif

# Per-file target flags: only the kernel files may use intrinsics.
KFLAGS_avx2   = -mavx2 -mfma
KFLAGS_avx512 = -mavx512f -mavx512bw -mavx512dq -mavx512vl -mfma
KFLAGS_neon   =
# Windows x64 aligns the stack to 16 bytes only and gcc does not realign it
# for 32- and 64-byte vectors it spills (gcc bug 54412): the assembler then
# writes every aligned vector move as an unaligned one (same speed on AVX
# CPUs), so a spill to a 16-byte aligned slot cannot fault.
ifeq ($(IS_WINDOWS),1)
  KFLAGS_avx2   += -Wa,-muse-unaligned-vector-move
  KFLAGS_avx512 += -Wa,-muse-unaligned-vector-move
endif

MODULES   = base nn image align gan
LIB_SRCS  = $(filter-out %_avx2.c %_avx512.c %_neon.c,$(wildcard $(addsuffix /*.c,$(MODULES)) nn/kernels/*.c))
LIB_SRCS := $(filter $(wildcard $(LIB_SRCS)),$(LIB_SRCS)) \
            $(foreach k,$(KERNELS),$(wildcard nn/kernels/*_$(k).c image/*_$(k).c))
CLI_SRCS  = $(wildcard cli/*.c)
TEST_SRCS = $(wildcard tests/*.c)
FUZZ_SRCS = $(filter-out tests/fuzz/standalone.c,$(wildcard tests/fuzz/fuzz_*.c))

LIB_OBJS  = $(LIB_SRCS:%.c=$(BUILD)/%.o)
CLI_OBJS  = $(CLI_SRCS:%.c=$(BUILD)/%.o)
TEST_OBJS = $(TEST_SRCS:%.c=$(BUILD)/%.o)
ALL_OBJS  = $(LIB_OBJS) $(CLI_OBJS) $(TEST_OBJS)

# Rebuild everything when the compiler or flags change.
FLAGS_FILE := $(BUILD)/flags
FLAGS_NOW  := $(CC) $(CFLAGS_ALL) $(LDFLAGS) $(LDLIBS_ALL)
$(shell mkdir -p $(BUILD) && (echo '$(FLAGS_NOW)' | cmp -s - $(FLAGS_FILE) || echo '$(FLAGS_NOW)' > $(FLAGS_FILE)))

.PHONY: all test bench install uninstall clean cross-test cross-test-all baremetal baremetal-test bm-elf simd-test fuzz fuzz-standalone digest reliability
.DEFAULT_GOAL := all

all: $(LIB) $(BIN)

$(BUILD)/%.o: %.c $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(KFLAGS) $(DEPFLAGS) -c $< -o $@

$(foreach k,avx2 avx512 neon,$(eval $(BUILD)/nn/kernels/%_$(k).o: KFLAGS = $(KFLAGS_$(k))))
$(foreach k,avx2 avx512 neon,$(eval $(BUILD)/image/%_$(k).o: KFLAGS = $(KFLAGS_$(k))))

$(LIB): $(LIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(BIN): $(CLI_OBJS) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJS) $(LIB) $(LDLIBS_ALL)

$(BUILD)/tests/run$(EXE): $(TEST_OBJS) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(TEST_OBJS) $(LIB) $(LDLIBS_ALL)

test: $(BUILD)/tests/run$(EXE) $(BIN)
	@mkdir -p $(BUILD)/test-tmp
	$(BUILD)/tests/run$(EXE) --tmp $(BUILD)/test-tmp --gan99 $(RUN_BIN)

bench: $(BIN)
	$(RUN_BIN) bench

# The determinism digest: CRC-32s of PRNG streams and math outputs, printed by
# the test runner (--digest); cross-test compares a qemu run with a native one.
digest: $(BUILD)/tests/run$(EXE)
	$(BUILD)/tests/run$(EXE) --digest

# A campaign of faults against the command line (kill -9 and resume, Ctrl-C,
# two runs in one folder, a full disk, bad numbers, unwritable outputs); it
# takes minutes, so it is not part of `make test`.
reliability: $(BIN)
	bash tests/reliability.sh $(BIN)

# Cross builds: a cross compiler and an emulator from Debian's packages,
# linked statically so the emulator needs no target libc. Linux targets run
# under qemu-user, win64 (MinGW-w64) under wine. The test runner runs every
# suite there, the CLI suites on the cross-built gan99 (through a small
# wrapper script that starts it in the emulator), then the determinism
# digest must equal the native one byte for byte (also with each kernel set
# of the target forced, on 1 and 2 threads), and so must the outputs of
# detect, convert, align, a short train and sample (tests/cross_cli.sh).
#   make cross-test ARCH=a    one target; a missing compiler or emulator names
#                             the Debian package to install and exits 2
#   make cross-test-all       every target; those whose tools are missing are
#                             skipped with one line each
CROSS_ARCHS   = aarch64 armhf s390x riscv64 win64
CROSS_aarch64 = aarch64-linux-gnu
CROSS_armhf   = arm-linux-gnueabihf
CROSS_s390x   = s390x-linux-gnu
CROSS_riscv64 = riscv64-linux-gnu
CROSS_win64   = x86_64-w64-mingw32
# Debian's packages of the compilers and the emulators.
CROSS_PKG_aarch64 = gcc-aarch64-linux-gnu
CROSS_PKG_armhf   = gcc-arm-linux-gnueabihf
CROSS_PKG_s390x   = gcc-s390x-linux-gnu
CROSS_PKG_riscv64 = gcc-riscv64-linux-gnu
CROSS_PKG_win64   = gcc-mingw-w64-x86-64
RUN_aarch64 = qemu-aarch64
RUN_armhf   = qemu-arm
RUN_s390x   = qemu-s390x
RUN_riscv64 = qemu-riscv64
RUN_win64   = wine
RUN_PKG_aarch64 = qemu-user
RUN_PKG_armhf   = qemu-user
RUN_PKG_s390x   = qemu-user
RUN_PKG_riscv64 = qemu-user
RUN_PKG_win64   = wine wine64
# wine makes its prefix (its C: drive and registry) on first start, which is
# slow: it lives in the build folder, so it is made once. No debug chatter,
# and no offer to install Mono or Gecko (gan99 needs neither).
RUN_ENV_win64 = WINEPREFIX="$(abspath $(BUILD))/wine" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
ARCH ?= aarch64
# armv7's NEON flushes denormals (doc/determinism.md §5), so armhf runs the scalar path.
CROSS_SIMD_armhf = scalar
CROSS_EXE_win64 = .exe
# The kernel sets each target's digest is taken with, on 1 and 2 threads.
CROSS_SETS_aarch64 = scalar neon
CROSS_SETS_armhf   = scalar
CROSS_SETS_s390x   = scalar
CROSS_SETS_riscv64 = scalar
CROSS_SETS_win64   = scalar avx2 avx512
CROSS_DIR = $(BUILD)/$(ARCH)
CROSS_RUN = $(RUN_ENV_$(ARCH)) $(RUN_$(ARCH))
# The shell test of one target's tools: prints what to install, or nothing.
cross_missing = command -v $(CROSS_$(1))-gcc >/dev/null 2>&1 || \
	  echo "no $(CROSS_$(1))-gcc (install it: apt-get install $(CROSS_PKG_$(1)))"; \
	command -v $(RUN_$(1)) >/dev/null 2>&1 || \
	  echo "no $(RUN_$(1)) (install it: apt-get install $(RUN_PKG_$(1)))"
cross-test:
	@test -n "$(CROSS_$(ARCH))" || { echo "cross-test: ARCH must be one of $(CROSS_ARCHS), not '$(ARCH)'"; exit 2; }
	@m=$$($(call cross_missing,$(ARCH))); test -z "$$m" || { \
	  echo "$$m" | sed 's/^/cross-test $(ARCH): /'; exit 2; }
	$(MAKE) BUILD=$(BUILD)/native $(BUILD)/native/tests/run $(BUILD)/native/gan99
	$(MAKE) BUILD=$(CROSS_DIR) CC=$(CROSS_$(ARCH))-gcc AR=$(CROSS_$(ARCH))-ar \
	        SIMD=$(or $(CROSS_SIMD_$(ARCH)),auto) LDFLAGS=-static \
	        $(CROSS_DIR)/tests/run$(CROSS_EXE_$(ARCH)) $(CROSS_DIR)/gan99$(CROSS_EXE_$(ARCH))
	@mkdir -p $(CROSS_DIR)/test-tmp
	@printf '#!/bin/sh\nexec env $(CROSS_RUN) "%s" "$$@"\n' "$(CROSS_DIR)/gan99$(CROSS_EXE_$(ARCH))" > $(CROSS_DIR)/gan99-run
	@chmod +x $(CROSS_DIR)/gan99-run
	$(CROSS_RUN) $(CROSS_DIR)/tests/run$(CROSS_EXE_$(ARCH)) --tmp $(CROSS_DIR)/test-tmp \
	  --gan99 $(if $(CROSS_EXE_$(ARCH)),$(CROSS_DIR)/gan99$(CROSS_EXE_$(ARCH)),$(CROSS_DIR)/gan99-run)
	$(BUILD)/native/tests/run --digest > $(BUILD)/native/digest.txt
	$(CROSS_RUN) $(CROSS_DIR)/tests/run$(CROSS_EXE_$(ARCH)) --digest > $(CROSS_DIR)/digest.txt
	cmp $(BUILD)/native/digest.txt $(CROSS_DIR)/digest.txt && \
	  echo "cross-test $(ARCH): digest identical to native ($$(wc -l < $(BUILD)/native/digest.txt) lines)"
	@for s in $(CROSS_SETS_$(ARCH)); do for t in 1 2; do \
	  GAN99_SIMD=$$s OMP_NUM_THREADS=$$t $(CROSS_RUN) $(CROSS_DIR)/tests/run$(CROSS_EXE_$(ARCH)) --digest \
	    > $(CROSS_DIR)/digest-$$s-$$t.txt 2> $(CROSS_DIR)/digest-$$s-$$t.log || exit 1; \
	  if ! grep -q "kernel set $$s, $$t thread" $(CROSS_DIR)/digest-$$s-$$t.log; then \
	    echo "cross-test $(ARCH): $$s on $$t thread(s) cannot run here ($$(cat $(CROSS_DIR)/digest-$$s-$$t.log)): skipped"; \
	    continue; fi; \
	  cmp $(BUILD)/native/digest.txt $(CROSS_DIR)/digest-$$s-$$t.txt || exit 1; \
	  echo "cross-test $(ARCH): kernel set $$s, $$t thread(s): digest identical to native"; \
	done; done
	sh tests/cross_cli.sh $(BUILD)/native/gan99 $(CROSS_DIR)/gan99-run $(CROSS_DIR)/cli-compare

# One target after the other (they are heavy: never in parallel). Exit 1 when
# one failed; skipped ones (tools missing) do not fail the run.
cross-test-all:
	@passed=; failed=; skipped=; \
	$(foreach a,$(CROSS_ARCHS),\
	m=$$($(call cross_missing,$(a))); \
	if test -n "$$m"; then \
	  echo "cross-test-all: $(a) skipped: $$(echo "$$m" | paste -sd ';' | sed 's/;/; /g')"; skipped="$$skipped $(a)"; \
	elif $(MAKE) --no-print-directory cross-test ARCH=$(a); then passed="$$passed $(a)"; \
	else failed="$$failed $(a)"; fi; ) \
	echo "cross-test-all: passed:$${passed:- none}; failed:$${failed:- none}; skipped:$${skipped:- none}"; \
	test -z "$$failed"

# Bare metal: a DCGAN generator on a Cortex-M4F with no operating system
# (doc/portability.md §1). The native gan99 trains a small 32x32 model (2
# steps on synthetic faces, seed 1: the same bytes on every host) and
# export-c writes it as C (const weights: flash; the arena size). The
# library is built for the Cortex-M4F with newlib (base/platform.c's plain
# C99 branch, scalar kernels, no OpenMP; unused functions dropped), and
# tests/baremetal/main.c draws latent BM_SEED from a static arena with
# malloc refused after start. baremetal-test runs it on qemu-system-arm's
# mps2-an386 board (semihosting for the output, -icount for the instruction
# count) and requires its "crc32" line to equal `gan99 sample --crc` of the
# same model and seed on the host, and the host build of main.c's.
BM_FLAGS = -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16
BM_DIR   = $(BUILD)/cortex-m4
BM_LIBS  = -Wl,--start-group -lc -lrdimon -lm -lgcc -Wl,--end-group
BM_WRAP  = -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=_malloc_r
BM_SEED  = 7
BM_MODEL = $(BM_DIR)/run/model.safetensors
BM_GAN99 = $(RUN_BIN)
# The tools (a missing one is named with its Debian package before any work).
BM_CC    = arm-none-eabi-gcc
BM_QEMU  = qemu-system-arm
bm_missing = command -v $(BM_CC) >/dev/null 2>&1 || { \
	  echo "$(1): no $(BM_CC) (install it: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)"; exit 2; }; \
	test -f "$$($(BM_CC) $(BM_FLAGS) --specs=rdimon.specs -print-file-name=rdimon-crt0.o)" || { \
	  echo "$(1): no newlib for $(BM_CC) (install it: apt-get install libnewlib-arm-none-eabi)"; exit 2; }
baremetal:
	@$(call bm_missing,baremetal)
	$(MAKE) --no-print-directory bm-elf

bm-elf: $(BIN)
	@mkdir -p $(BM_DIR)
	rm -rf $(BM_DIR)/run
	$(BM_GAN99) train dcgan --data synth:16 --size 32 --steps 2 --batch 4 --ngf 16 --ndf 16 --seed 1 \
	  --out $(BM_DIR)/run > /dev/null
	$(BM_GAN99) export-c $(BM_MODEL) --out $(BM_DIR)/model.c
	$(MAKE) BUILD=$(BM_DIR) CC=$(BM_CC) AR=arm-none-eabi-ar SIMD=scalar OPENMP=0 \
	        CFLAGS="$(BM_FLAGS) -ffunction-sections -fdata-sections" WERROR=$(WERROR) $(BM_DIR)/libgan99.a
	$(BM_CC) -std=c99 -Wall -Wextra -O2 $(BM_FLAGS) -c tests/baremetal/startup.c -o $(BM_DIR)/startup.o
	$(BM_CC) $(CSTD) $(OPT) -ffp-contract=off $(BM_FLAGS) -DG99_BAREMETAL -DSEED=$(BM_SEED) -I. -I$(BM_DIR) \
	  --specs=rdimon.specs -nostartfiles -T tests/baremetal/mps2.ld -Wl,--gc-sections $(BM_WRAP) \
	  -o $(BM_DIR)/dcgan32.elf tests/baremetal/main.c $(BM_DIR)/startup.o $(BM_DIR)/libgan99.a $(BM_LIBS) \
	  $$($(BM_CC) $(BM_FLAGS) --specs=rdimon.specs -print-file-name=rdimon-crt0.o)
	arm-none-eabi-size $(BM_DIR)/dcgan32.elf

baremetal-test:
	@$(call bm_missing,baremetal-test)
	@command -v $(BM_QEMU) >/dev/null 2>&1 || { \
	  echo "baremetal-test: no $(BM_QEMU) (install it: apt-get install qemu-system-arm)"; exit 2; }
	$(MAKE) --no-print-directory bm-elf $(LIB)
	$(BM_GAN99) sample $(BM_MODEL) --n 1 --seed $(BM_SEED) --crc > $(BM_DIR)/sample.txt
	$(CC) $(CFLAGS_ALL) -DSEED=$(BM_SEED) -I. -I$(BM_DIR) -o $(BM_DIR)/dcgan32-host$(EXE) tests/baremetal/main.c \
	  $(LIB) $(LDLIBS_ALL)
	$(BM_DIR)/dcgan32-host$(EXE) > $(BM_DIR)/host.txt
	timeout 900 $(BM_QEMU) -M mps2-an386 -icount shift=0 -nographic -monitor none -serial none -semihosting \
	  -kernel $(BM_DIR)/dcgan32.elf > $(BM_DIR)/board.txt
	@cat $(BM_DIR)/sample.txt $(BM_DIR)/board.txt
	@grep '^crc32 ' $(BM_DIR)/board.txt > $(BM_DIR)/board-crc.txt
	cmp $(BM_DIR)/sample.txt $(BM_DIR)/host.txt
	cmp $(BM_DIR)/sample.txt $(BM_DIR)/board-crc.txt
	@echo "baremetal-test: Cortex-M4F (mps2-an386) prints the CRC of gan99 sample on the host ($$(cat $(BM_DIR)/sample.txt))"

# Every kernel set the CPU runs, and with OPENMP=1 one and two threads: the
# whole test suite, then the digest, which must equal the scalar set's. A set
# this build lacks or this CPU cannot run is reported and skipped (the
# digest's stderr line names the set that ran).
SIMD_SETS = scalar $(ARCH_KERNELS)
SIMD_THREADS = $(if $(filter 1,$(OPENMP)),1 2,1)
simd-test: $(BUILD)/tests/run$(EXE) $(BIN)
	@mkdir -p $(BUILD)/test-tmp
	@GAN99_SIMD=scalar OMP_NUM_THREADS=1 $(BUILD)/tests/run$(EXE) --digest > $(BUILD)/digest-scalar.txt
	@for s in $(SIMD_SETS); do for t in $(SIMD_THREADS); do \
	  GAN99_SIMD=$$s OMP_NUM_THREADS=$$t $(BUILD)/tests/run$(EXE) --digest > $(BUILD)/digest-$$s-$$t.txt \
	    2> $(BUILD)/digest-$$s-$$t.log || exit 1; \
	  if ! grep -q "kernel set $$s," $(BUILD)/digest-$$s-$$t.log; then \
	    echo "simd-test: $$s not available here, skipped"; continue; fi; \
	  echo "simd-test: $$s, $$t thread(s): tests"; \
	  GAN99_SIMD=$$s OMP_NUM_THREADS=$$t $(BUILD)/tests/run$(EXE) --tmp $(BUILD)/test-tmp \
	    --gan99 $(RUN_BIN) > $(BUILD)/tests-$$s-$$t.log 2>&1 || { cat $(BUILD)/tests-$$s-$$t.log; exit 1; }; \
	  tail -1 $(BUILD)/tests-$$s-$$t.log; \
	  cmp $(BUILD)/digest-scalar.txt $(BUILD)/digest-$$s-$$t.txt || exit 1; \
	  echo "simd-test: $$s, $$t thread(s): digest identical to scalar's"; \
	done; done

# Fuzzing: `make fuzz` builds tests/fuzz/fuzz_*.c with clang's libFuzzer;
# `make fuzz-standalone` builds the same entry points with a plain main that
# runs them over files (so any compiler can replay a corpus or a crash).
FUZZ_BINS = $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_STANDALONE_BINS = $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%-standalone)
fuzz:
	$(MAKE) BUILD=$(BUILD)/libfuzzer CC=clang SANITIZE=1 CFLAGS=-fsanitize=fuzzer-no-link fuzz-bins-libfuzzer
fuzz-bins-libfuzzer: $(FUZZ_BINS)
$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -fsanitize=fuzzer -o $@ $< $(LIB) $(LDLIBS_ALL)
fuzz-standalone: $(FUZZ_STANDALONE_BINS)
$(BUILD)/fuzz/%-standalone: tests/fuzz/%.c tests/fuzz/standalone.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS) -o $@ $< tests/fuzz/standalone.c $(LIB) $(LDLIBS_ALL)

HEADERS = base/base.h nn/nn.h image/image.h $(wildcard align/align.h gan/gan.h)
install: all
	mkdir -p $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig
	cp $(BIN) $(DESTDIR)$(PREFIX)/bin/
	cp $(LIB) $(DESTDIR)$(PREFIX)/lib/
	for h in $(HEADERS); do mkdir -p $(DESTDIR)$(PREFIX)/include/gan99/$$(dirname $$h); \
	  cp $$h $(DESTDIR)$(PREFIX)/include/gan99/$$h; done
	mkdir -p $(DESTDIR)$(PREFIX)/share/gan99/cascades
	cp align/cascades/*.xml $(DESTDIR)$(PREFIX)/share/gan99/cascades/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(shell sed -n 's/.*GAN99_VERSION "\(.*\)"/\1/p' base/base.h)|' \
	  gan99.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/gan99.pc

uninstall:
	rm -rf $(DESTDIR)$(PREFIX)/include/gan99 $(DESTDIR)$(PREFIX)/lib/libgan99.a \
	       $(DESTDIR)$(PREFIX)/lib/pkgconfig/gan99.pc $(DESTDIR)$(PREFIX)/bin/gan99 \
	       $(DESTDIR)$(PREFIX)/share/gan99

clean:
	rm -rf $(BUILD) libgan99.a gan99

-include $(ALL_OBJS:.o=.d)
