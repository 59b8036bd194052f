# Cairn: `make run` builds and serves; `make test` runs every test category.
SWIFT ?= swift
RELEASE_DIR := .build-release
RELEASE_FLAGS := -c release --static-swift-stdlib -Xswiftc -static-executable
BIN_DEBUG := .build/debug/cairn
BIN_RELEASE := $(RELEASE_DIR)/release/cairn
# The shipped binary: the release build without its symbol tables (the unstripped one stays
# beside it for profiling).
BIN_SHIPPED := $(RELEASE_DIR)/cairn

.PHONY: deps browser-deps build run release test lint test-unit test-integration test-e2e bench soak clean

# Debian packages the build links against; installed only when missing. Then the dependency
# pins: a build that writes Package.resolved makes the next build plan itself again, and that
# plan orders swift-configuration's trait flags anew, so a fresh clone's second build recompiled
# a share of the graph. Resolving first leaves the builds nothing to re-plan.
deps:
	@missing=""; for p in libsqlite3-dev zlib1g-dev libssl-dev; do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@test -f Package.resolved || $(SWIFT) package resolve

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build $(RELEASE_FLAGS) --scratch-path $(RELEASE_DIR) --product cairn
	strip -o $(BIN_SHIPPED) $(BIN_RELEASE)
	@ls -la $(BIN_RELEASE) $(BIN_SHIPPED)

run: release
	$(BIN_SHIPPED) serve $(ARGS)

test: test-unit test-integration test-e2e

# The suites run the test bundle that `swift build --build-tests` made, directly. `swift test
# --skip-build` plans the build again, and its plan differs from `swift build`'s (the asset
# plugin's output is left out, swift-configuration's trait flags come in another order), so the
# next step's `swift build --build-tests` recompiled a share of the graph every time. Run this
# way, that build finds nothing to do. Exit status: 0 passed, 1 a test failed, 69 no test matched.
# Each run goes through Tests/watchdog.py: past its limit (seconds) the run is stopped, and the log
# names the tests still running and every thread's stack, rather than CI's whole job timing out.
TESTS := .build/debug/CairnPackageTests.xctest --testing-library swift-testing
WATCH = python3 Tests/watchdog.py $(1) $(TESTS)

# Style that a tool keeps: the toolchain's swift-format with .swift-format (line length 150,
# existing line breaks respected, one statement per line). `swift format -i -r Sources` fixes most.
lint:
	$(SWIFT) format lint --configuration .swift-format --strict --recursive Sources

test-unit: deps
	$(SWIFT) build --build-tests
	$(call WATCH,300) --filter CairnUnitTests

# Sign-in tests run a real OpenID Connect provider (oidc-provider-mock, on Authlib).
OIDC_VENV := .build/oidc-venv
$(OIDC_VENV)/bin/python:
	python3 -m venv $(OIDC_VENV)
	$(OIDC_VENV)/bin/pip install --quiet "oidc-provider-mock==0.3.4"

# The fuzz and route-matrix suites send thousands of requests: they run after, not beside, the
# timing-sensitive suites (breaker windows of 1 s, cancel within 1 s).
FUZZ_SUITES := CairnIntegrationTests.HostileBodyFuzzTests|CairnIntegrationTests.RouteMatrixTests
test-integration: deps $(OIDC_VENV)/bin/python
	$(SWIFT) build --build-tests
	CAIRN_OIDC_PYTHON=$(CURDIR)/$(OIDC_VENV)/bin/python $(call WATCH,600) --filter CairnIntegrationTests --skip '$(FUZZ_SUITES)'
	$(call WATCH,600) --filter '$(FUZZ_SUITES)'

# The E2E tests drive the binary with a third-party WebSocket client (python `websockets`).
E2E_VENV := .build/e2e-venv
$(E2E_VENV)/bin/python:
	python3 -m venv $(E2E_VENV)
	$(E2E_VENV)/bin/pip install --quiet "websockets>=13,<18"

# The browser test drives the chat page with Playwright and Debian's Chromium.
BROWSER_VENV := .build/browser-venv
$(BROWSER_VENV)/bin/python:
	python3 -m venv $(BROWSER_VENV)
	$(BROWSER_VENV)/bin/pip install --quiet "playwright>=1.40,<2"

# Schemathesis fuzzes the HTTP API from its OpenAPI description (Public/openapi.json).
SCHEMA_VENV := .build/schemathesis-venv
$(SCHEMA_VENV)/bin/schemathesis:
	python3 -m venv $(SCHEMA_VENV)
	$(SCHEMA_VENV)/bin/pip install --quiet "schemathesis==4.32.5"

browser-deps:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  echo "installing: chromium"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends chromium; \
	fi

# Crash safety, resource faults and schemathesis drive the binary hard: they run after the other E2E suites.
HARNESS_SUITES := CairnE2ETests.HarnessE2ETests
test-e2e: deps browser-deps $(E2E_VENV)/bin/python $(BROWSER_VENV)/bin/python $(SCHEMA_VENV)/bin/schemathesis $(OIDC_VENV)/bin/python
	$(SWIFT) build --build-tests
	CAIRN_BINARY=$(CURDIR)/$(BIN_DEBUG) CAIRN_PYTHON=$(CURDIR)/$(E2E_VENV)/bin/python \
	  CAIRN_SCHEMATHESIS_PYTHON=$(CURDIR)/$(SCHEMA_VENV)/bin/python \
	  CAIRN_OIDC_PYTHON=$(CURDIR)/$(OIDC_VENV)/bin/python \
	  CAIRN_BROWSER_PYTHON=$(CURDIR)/$(BROWSER_VENV)/bin/python CAIRN_CHROMIUM=$$(command -v chromium) \
	  $(call WATCH,900) --filter CairnE2ETests --skip $(HARNESS_SUITES)
	CAIRN_BINARY=$(CURDIR)/$(BIN_DEBUG) CAIRN_SCHEMATHESIS_PYTHON=$(CURDIR)/$(SCHEMA_VENV)/bin/python \
	  $(call WATCH,600) --filter $(HARNESS_SUITES)

# `make bench`: the release `cairn` side by side with a FastAPI + uvicorn baseline (bench/README.md):
# bench/run_bench.py starts each server per scenario, drives it with bench/loadgen.py (its own
# process), adds cairn-bench's ws-idle and ws fan-out figures, prints the table with the ratio
# Cairn / baseline and writes bench/results/latest.json. BENCH_ARGS="--quick" shortens it (also
# --rounds N, --only seq,u20,u100,u1000,logins,swift, --no-deflate).
# BENCH=auth|engine|ws|ws-idle runs only that part of the Swift-only cairn-bench, as before
# (ws-idle runs the real binary in its own process); BENCH=swift runs all of cairn-bench.
BENCH_VENV := .build/bench-venv
$(BENCH_VENV)/.installed: bench/requirements.txt
	test -x $(BENCH_VENV)/bin/python || python3 -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet -r bench/requirements.txt
	touch $@

bench: deps $(BENCH_VENV)/.installed
	$(SWIFT) build $(RELEASE_FLAGS) --scratch-path $(RELEASE_DIR) --product cairn
	$(SWIFT) build $(RELEASE_FLAGS) --scratch-path $(RELEASE_DIR) --product cairn-bench
	@if [ "$(BENCH)" = swift ]; then \
	  $(RELEASE_DIR)/release/cairn-bench && $(RELEASE_DIR)/release/cairn-bench ws-idle; \
	elif [ -n "$(BENCH)" ]; then \
	  $(RELEASE_DIR)/release/cairn-bench $(BENCH); \
	else \
	  $(BENCH_VENV)/bin/python bench/run_bench.py --cairn $(BIN_RELEASE) \
	    --cairn-bench $(RELEASE_DIR)/release/cairn-bench $(BENCH_ARGS); \
	fi

# A steady load of churning WebSocket and HTTP clients against the release binary; fails when
# RSS or open descriptors keep growing after the warm-up, or a run fails. Not part of `test`.
SOAK_MINUTES ?= 10
soak: release $(E2E_VENV)/bin/python
	$(E2E_VENV)/bin/python Tests/soak/soak.py $(BIN_SHIPPED) --minutes $(SOAK_MINUTES)

clean:
	rm -rf .build $(RELEASE_DIR)
