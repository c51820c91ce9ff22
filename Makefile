# Two commands for a newcomer: `make run` (registry with demo data on http://localhost:8000/)
# and `make test` (the whole test suite). Both install what they need first.
PYTHON ?= python3
PIP ?= $(PYTHON) -m pip

.PHONY: install install-test run test bench bench-add soak
SIZES ?= 10000

install:
	$(PIP) install --quiet -e .

install-test:
	$(PIP) install --quiet -e ".[test]"

run: install
	passports serve --demo

test: install-test
	lint-imports
	$(PYTHON) -m pytest -q

# this registry, oxigraph serve-read-only and Virtuoso on the same demo passports (docs/benchmarks.md);
# make bench SIZES=10000,100000,1000000
bench: install-test
	$(PYTHON) bench/peers.py --sizes $(SIZES)

bench-add: install-test
	$(PYTHON) bench/bench_add.py --size 100000

soak: install-test
	$(PYTHON) bench/soak.py --minutes 30
