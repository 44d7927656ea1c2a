# One command to run the service with a sample evaluation (make demo),
# one to set up and pass the tests (make test). Everything installs into .venv from
# pyproject.toml + client/pyproject.toml, pinned by constraints.txt.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: pdf-tools install postgresql demo demo-once test lint typecheck proto proto-check buf-lint buf-breaking ci bench load fuzz-long clean

$(STAMP): pyproject.toml client/pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 needed")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=23.2"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e "./client[cli,report]" -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

## PostgreSQL server binaries for the records tests (Debian's package, only when missing).
postgresql:
	bash scripts/install_postgresql.sh

## Start the service with embedded defaults, evaluate the sample tender, keep serving (Ctrl-C stops).
demo: install
	$(BIN)/python scripts/demo.py

## The same, but stop after showing the evaluation (used by CI to keep the README promise honest).
demo-once: install
	$(BIN)/python scripts/demo.py --once

## LibreOffice (headless Calc) for the test that prints the Excel report to PDF, and poppler-utils
## (pdftotext, pdftoppm) to read and render its pages (tests/client/test_report_pdf.py skips
## without them): each installed where missing and possible.
pdf-tools:
	@command -v soffice >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] \
	  && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-calc-nogui \
	  || echo "pdf-tools: cannot install LibreOffice here (needs apt-get as root); the PDF test will be skipped"; }
	@command -v pdftotext >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] \
	  && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends poppler-utils \
	  || echo "pdf-tools: cannot install poppler-utils here (needs apt-get as root); the page text checks will be skipped"; }

## Set up and run the whole test suite (PostgreSQL and the PDF tools installed where missing).
test: install postgresql pdf-tools
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

buf-lint: install
	$(BIN)/buf lint

## Fail on a breaking change of proto/ against the previous commit (or REV=<commit>).
buf-breaking: install
	BUF=$(BIN)/buf bash scripts/buf_breaking.sh $(REV)

## Regenerate client/tcoapi from proto/ (the one way generated code is produced).
proto: install
	$(BIN)/python scripts/gen_proto.py

## Fail when regenerating would change the committed generated code.
proto-check: proto
	git diff --exit-code --stat -- client/tcoapi
	@test -z "$$(git status --porcelain -- client/tcoapi)" || (git status --porcelain -- client/tcoapi; echo "generated code differs from proto/: run make proto and commit"; exit 1)

ci: test lint typecheck buf-lint proto-check buf-breaking demo-once

bench: install
	$(BIN)/python -m bench.run

load: install
	$(BIN)/python -m pytest -m load -p no:randomly $(PYTEST_ARGS)

fuzz-long: install
	TCO_FUZZ_EXAMPLES=100000 $(BIN)/python -m pytest -m fuzz_long $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache build *.egg-info client/*.egg-info
