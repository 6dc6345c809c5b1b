# chaffless development tasks. `make help` lists them.
PY ?= python3

.PHONY: help test lint format bench dev

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'

dev:  ## build the extension in place for development (needs an active virtualenv)
	maturin develop --release

test:  ## the README's test command: install with test extras, cargo test, pytest
	$(PY) -m pip install '.[test]' && cargo test && $(PY) -m pytest

lint:  ## rustfmt, clippy (with and without the python feature), docs, ruff, mypy, stubtest
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --all-targets --features python -- -D warnings
	RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --all-features
	$(PY) -m ruff check python tests benchmarks
	$(PY) -m ruff format --check python tests benchmarks
	$(PY) -m mypy python
	$(PY) -m mypy.stubtest chaffless._chaffless

format:  ## rustfmt and ruff format
	cargo fmt --all
	$(PY) -m ruff format python tests benchmarks

bench:  ## throughput benchmarks (Rust stages, then clean_batch from Python)
	cargo bench --bench clean
	$(PY) benchmarks/clean_throughput.py
