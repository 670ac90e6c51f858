# semra: the two commands a user needs are `make demo` and `make test`.
JOBS ?= 2
BUILD ?= build
# The Python package is built for, and tested with, Debian's interpreter (docs/python.md).
PYTHON ?= /usr/bin/python3
BUILD_CHECK ?= build-check
BUILD_FUZZ ?= build-fuzz
FUZZ_SECONDS ?= 60
CMAKE_FLAGS ?=
ifeq ($(CI),true)
  CMAKE_FLAGS += -DSEMRA_WERROR=ON
endif

.PHONY: all deps build demo test check fuzz bench format docs clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

# The headline experiment: the DHDRL paper's figure (QoE vs time slot, seven schemes).
demo: build
	$(BUILD)/semra figure dhdrl-qoe-vs-slots --seeds 3 --set train.slots=40000 \
	  --out results/demo-$$(date +%Y%m%d-%H%M%S)

# ctest, then the Python package's tests (pytest) when it was built; CI requires it.
test: build
	ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS)
	@if [ -d $(BUILD)/python/semra ]; then \
	  PYTHONPATH=$(BUILD)/python SEMRA_CLI=$(BUILD)/semra $(PYTHON) -m pytest -q -p no:cacheprovider python/tests; \
	elif [ "$(CI)" = "true" ]; then echo "make test: the Python package was not built" >&2; exit 1; \
	else echo "make test: Python package not built (needs pybind11-dev python3-dev): its tests skipped"; fi

# Every C++ test again under AddressSanitizer + UndefinedBehaviorSanitizer, then the Python tests
# with the package built the same way and the sanitizer runtimes preloaded into Debian's interpreter
# (docs/python.md "Tests"; leaks are not checked there: the interpreter keeps its objects at exit).
SANITIZER_PRELOAD = $(shell $(CXX) -print-file-name=libasan.so) $(shell $(CXX) -print-file-name=libubsan.so)
check: deps
	@cmake -S . -B $(BUILD_CHECK) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSEMRA_SANITIZE=ON \
	  -DSEMRA_BUILD_BENCH=OFF -DSEMRA_PYTHON=ON -DPython3_EXECUTABLE=$(PYTHON) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD_CHECK) -j$(JOBS)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 SEMRA_SANITIZED=1 \
	  ctest --test-dir $(BUILD_CHECK) --output-on-failure -j$(JOBS)
	@if [ -d $(BUILD_CHECK)/python/semra ]; then \
	  echo "python tests under ASan + UBSan (LD_PRELOAD=$(SANITIZER_PRELOAD))"; \
	  LD_PRELOAD="$(SANITIZER_PRELOAD)" ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 SEMRA_SANITIZED=1 PYTHONPATH=$(BUILD_CHECK)/python \
	  SEMRA_CLI=$(BUILD_CHECK)/semra $(PYTHON) -m pytest -q -p no:cacheprovider python/tests; \
	elif [ "$(CI)" = "true" ]; then echo "make check: the Python package was not built" >&2; exit 1; \
	else echo "make check: Python package not built (needs pybind11-dev python3-dev): its tests skipped"; fi

# Every parser fuzzed with libFuzzer (clang, ASan + UBSan) for FUZZ_SECONDS each, two at a time;
# findings land in $(BUILD_FUZZ)/fuzz-findings/. What is fuzzed: docs/fuzzing.md. Baseline NN
# kernels only (clang 14 has no __builtin_cpu_supports("x86-64-v3")); GNU ld for the ISA objects'
# `ld -r --force-group-allocation` (clang picks ld.lld, which lacks it).
fuzz: deps
	@cmake -S . -B $(BUILD_FUZZ) -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_LINKER=ld.bfd -DSEMRA_CXX_HAS_X86_64_V3=OFF -DSEMRA_CXX_HAS_X86_64_V4=OFF \
	  -DSEMRA_FUZZ=ON -DSEMRA_MPI=OFF -DSEMRA_BUILD_TESTS=OFF -DSEMRA_BUILD_BENCH=OFF -DSEMRA_PYTHON=OFF \
	  $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD_FUZZ) -j$(JOBS) --target semra_fuzzers || \
	  { echo "fuzz: FAILED to build the fuzz targets (clang, $(BUILD_FUZZ))" >&2; exit 1; }
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(JOBS) fuzz/run.sh $(BUILD_FUZZ)

bench: build
	@for b in $(BUILD)/bench/bench_*; do echo "== $$b"; $$b --benchmark_repetitions=5 \
	  --benchmark_report_aggregates_only=true || exit 1; done

# docs/config.md is generated from the code (a test checks it is current).
docs: build
	@{ cat docs/config.head.md; $(BUILD)/semra config --markdown; } > docs/config.md.tmp && mv docs/config.md.tmp docs/config.md
	@echo "wrote docs/config.md"

format:
	@clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD) $(BUILD_CHECK) $(BUILD_FUZZ)
