# Cluster Inquiry Evidence Book — every verb is .PHONY (book/ is a folder).
.DEFAULT_GOAL := help
.PHONY: help env data validate notebooks book strict pdf test test-fast bench clean golden lint nbval links audit

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

help: ## list the verbs
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $(STAMP)

env: $(STAMP) ## create .venv from the pinned lock file

data: env ## regenerate the illustrative cluster dataset (deterministic)
	$(BIN)/cluster-inquiry generate

validate: env ## check every input table against the data contract
	$(BIN)/cluster-inquiry validate

book: env ## validate, execute notebooks (papermill) and build the HTML book into _build/html
	$(BIN)/cluster-inquiry build

pdf: book ## print the built book to _build/pdf/evidence-book.pdf (headless Chromium)
	$(BIN)/cluster-inquiry pdf

NBVAL := -p no:cacheprovider -o addopts= --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

nbval: env ## evidence check: nbval on tests/golden and on every notebook in _build/executed (after make book)
	CLUSTER_INQUIRY_ROOT=$(CURDIR) $(BIN)/python -m pytest $(NBVAL) tests/golden _build/executed

golden: env ## accept an intended change of evidence: rewrite tests/golden, then review git diff and commit
	$(BIN)/cluster-inquiry golden

links: env ## offline link check of _build/html; external links listed in _build/artifacts/link-check.txt
	$(BIN)/cluster-inquiry check-links

audit: env ## headless Chromium + axe-core over _build/html; screenshots in _build/artifacts/screenshots
	$(BIN)/cluster-inquiry audit

test: env ## run every test (unit, integration build, nbval, browser)
	$(BIN)/python -m pytest

test-fast: env ## unit tests only
	$(BIN)/python -m pytest -m "not integration and not browser"

bench: env ## measure build speed: Jupyter Book execution vs ours (prints ratios)
	$(BIN)/python -m cluster_inquiry.bench

clean: ## remove build outputs (keeps .venv)
	rm -rf _build book/generated .pytest_cache
