# formulary: every task a developer or CI runs.
#
#   make demo   build, make a registry in registry-data/, ingest the sample
#               extensions from fixtures/, approve the clean ones, make a
#               read token, print the `composer config` lines, and serve
#               on DEMO_LISTEN until Ctrl-C (safe to run again)
#   make test   install what the tests need (as root), lint, run every test
#   make lint   rustfmt and clippy, warnings denied
#   make bench  the figures named in the issues, beside semgrep,
#               detect-secrets (installed into target/bench-venv) and
#               GNU diff; the peers take tens of minutes on the generated
#               200 MB tree

CARGO ?= cargo
BIN   := $(or $(CARGO_TARGET_DIR),target)/debug/formulary
DATA  ?= registry-data
DEMO_LISTEN ?= 127.0.0.1:8080

# Debian packages the tests use: the real Composer client and its version
# parser (composer, php-cli), unzip for Composer and the bench's peer,
# and what git2/reqwest need to build.
DEB_PACKAGES := php-cli php-zip php-curl composer unzip git pkg-config libssl-dev

.PHONY: all build demo test lint bench deps clean-demo

all: build

build:
	$(CARGO) build -p formulary-cli

deps:
	@scripts/ensure-deps.sh $(DEB_PACKAGES)

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test: deps lint
	$(CARGO) test --workspace

demo: build
	@scripts/demo.sh $(BIN) $(DATA) $(DEMO_LISTEN)

# make bench BENCH_PATH=/some/tree scans that folder instead of a generated one
BENCH_PATH ?=

bench:
	$(CARGO) run --release -q -p formulary-unpack --example bench
	@scripts/bench-peers.sh
	$(CARGO) run --release -q -p formulary-scan --example bench -- $(BENCH_PATH)
	$(CARGO) run --release -q -p formulary-diff --example bench
	$(CARGO) build --release -q -p formulary-cli && $(CARGO) run --release -q -p formulary-registry --example review_bench
	$(CARGO) run --release -q -p formulary-registry --example intake_bench
	@CARGO=$(CARGO) scripts/bench-serve.sh

# Removes the demo registry (everything in registry-data/ but its README).
clean-demo:
	find $(DATA) -mindepth 1 ! -name README.md -exec rm -rf {} +
