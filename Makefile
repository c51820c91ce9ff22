# Two commands for a newcomer: `make run` (registry with demo data on http://localhost:8000/)
# and `make test` (the whole test suite). Both install what they need first.
PYTHON ?= python3
PIP ?= $(PYTHON) -m pip

.PHONY: install install-test run test bench

install:
	$(PIP) install --quiet -e .

install-test:
	$(PIP) install --quiet -e ".[test]"

run: install
	passports serve --demo

test: install-test
	lint-imports
	$(PYTHON) -m pytest -q

bench: install-test
	$(PYTHON) bench/bench_add.py --size 100000
