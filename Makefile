# Two commands, both from a clean clone (see README.md):
#   make book   set up .venv if needed and build the website into _build/html
#   make test   set up .venv if needed, run the unit tests, nbval over every page in _toc.yml,
#               the book build with warnings as errors, then the built site in a real browser
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := book
.DELETE_ON_ERROR:

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(abspath $(VENV))/bin
# The stamp is newer than both files once they are installed: a second run installs nothing.
VENV_STAMP := $(VENV)/.installed

# Notebooks see the venv's python first. MPLBACKEND stays unset: notebook kernels use the
# inline backend, so figures reach the website (tests/conftest.py picks Agg for unit tests).
export PATH := $(BIN):$(PATH)
export PYDEVD_DISABLE_FILE_VALIDATION := 1

CELL_TIMEOUT := 120
STRICT_FLAGS := -W -n --keep-going
DERIVLAB_SRC := $(shell find derivlab -name '*.py' 2>/dev/null)
# Executed notebooks are cached in _build/.jupyter_cache; this stamp empties the cache (and the
# parsed pages) whenever derivlab changes, so the website never shows outputs of old code.
CACHE_STAMP := _build/.derivlab-stamp

.PHONY: book pdf test venv unit browser lint clean help

help:
	@echo "make book   build the course website into _build/html (sets up .venv first)"
	@echo "make test   unit tests + nbval on every page + strict book build + browser test"
	@echo "make unit   only the unit tests;  make lint  ruff check and format --check"
	@echo "make browser  only the real-browser test of the built site (after make book)"
	@echo "make pdf    the whole book as one PDF, linked from the site (after make book)"
	@echo "make clean  remove _build (the .venv stays)"

# ---- environment ----
venv: $(VENV_STAMP)

$(VENV_STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || { echo "creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $@

$(CACHE_STAMP): $(DERIVLAB_SRC) $(VENV_STAMP)
	@rm -rf _build/.jupyter_cache _build/.doctrees
	@mkdir -p _build && touch $@

# ---- what the website needs besides Python ----
# MathJax ships with the site, so math renders with no network: .ci/mathjax.sh fetches a pinned
# version from the npm registry once (it says why it is not committed). The browser test
# (tests/browser) drives Debian's Chromium; Playwright's own browser download is not used.
MATHJAX := book/_static/mathjax/tex-mml-chtml.js
CHROMIUM := /usr/bin/chromium

$(MATHJAX): .ci/mathjax.sh
	bash .ci/mathjax.sh

$(CHROMIUM):
	@[ "$$(id -u)" = 0 ] || { echo "the browser test needs Chromium: sudo apt-get install chromium"; exit 1; }
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium

# Debian's TeX Live for the PDF edition: XeLaTeX (Unicode text), latexmk, and the LaTeX
# packages and fonts Sphinx's LaTeX writer uses; no recommends, so no documentation.
XELATEX := /usr/bin/xelatex
TEX_PACKAGES := latexmk texlive-xetex texlive-latex-recommended texlive-latex-extra \
	texlive-fonts-recommended fonts-freefont-otf fonts-dejavu-core tex-gyre

$(XELATEX):
	@[ "$$(id -u)" = 0 ] || { echo "the PDF needs TeX: sudo apt-get install $(TEX_PACKAGES)"; exit 1; }
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(TEX_PACKAGES)

# ---- the book ----
book: $(VENV_STAMP) $(CACHE_STAMP) $(MATHJAX)
	$(BIN)/jupyter-book build .
	@echo "The book is in $(CURDIR)/_build/html/index.html"

# The PDF edition, from the same executed notebooks (the cache: nothing runs twice), copied
# into the website, whose landing page links it. Log: _build/build-pdf.log.
PDF_NAME := derivatives-in-machine-learning.pdf

pdf: $(VENV_STAMP) $(CACHE_STAMP) $(MATHJAX) $(XELATEX)
	@echo "== the PDF edition (jupyter-book --builder pdflatex, XeLaTeX): _build/build-pdf.log"
	@$(BIN)/jupyter-book build . --builder pdflatex > _build/build-pdf.log 2>&1 \
		|| { tail -60 _build/build-pdf.log; exit 1; }
	@mkdir -p _build/html && cp _build/latex/$(PDF_NAME) _build/html/$(PDF_NAME)
	@echo "The PDF is $(CURDIR)/_build/html/$(PDF_NAME)"

# ---- the tests ----
# nbval's kernels run with a scrambled clock (.ci/scrambled_clock.py, loaded from an IPython
# profile's startup folder through IPYTHONDIR), so no chapter can assert on a measured time;
# the book build keeps the real clock, so the website shows honest timings.
CLOCK_PROFILE := $(abspath _build/ipython)
CLOCK := $(CLOCK_PROFILE)/profile_default/startup/00-scrambled-clock.py

$(CLOCK): .ci/scrambled_clock.py
	@mkdir -p $(dir $@) && cp $< $@

# Each notebook runs twice, the least the checks need: once under nbval (does every cell run?)
# and once in the build (the outputs the website shows). Both run side by side on the two
# cores: the build in the background (log in _build/build-strict.log), pytest in front.
# Then, once the strict build has passed, the PDF edition is built from its cache (so it cannot
# rot), and the real-browser test reads the site it made.
NOTEBOOKS = $(shell $(BIN)/python .ci/notebooks.py list)

test: $(VENV_STAMP) $(CACHE_STAMP) $(MATHJAX) $(CHROMIUM) $(XELATEX) $(CLOCK) lint
	$(BIN)/python .ci/notebooks.py check
	@echo "== book build ($(STRICT_FLAGS)) in the background: _build/build-strict.log"
	@$(BIN)/jupyter-book build . --all $(STRICT_FLAGS) > _build/build-strict.log 2>&1 \
		& build_pid=$$!; \
	pytest_rc=0; \
	IPYTHONDIR=$(CLOCK_PROFILE) $(BIN)/python -m pytest tests/ --ignore=tests/browser --durations=5 --nbval-lax \
		--nbval-current-env --nbval-cell-timeout=$(CELL_TIMEOUT) $(NOTEBOOKS) || pytest_rc=$$?; \
	build_rc=0; wait $$build_pid || build_rc=$$?; \
	if [ $$build_rc -ne 0 ]; then cat _build/build-strict.log; \
	else grep -E "Executed notebook|build succeeded" _build/build-strict.log || true; fi; \
	pdf_rc=1; browser_rc=1; \
	if [ $$build_rc -eq 0 ]; then pdf_rc=0; $(MAKE) --no-print-directory pdf || pdf_rc=$$?; \
		echo "== the built site in Chromium (tests/browser)"; \
		browser_rc=0; DERIVLAB_REQUIRE_PDF=1 $(BIN)/python -m pytest tests/browser -rs \
			--durations=3 || browser_rc=$$?; \
	else echo "== PDF and browser test not run: the strict build failed"; fi; \
	echo "== make test: pytest exit $$pytest_rc, strict book build exit $$build_rc," \
		"PDF exit $$pdf_rc, browser test exit $$browser_rc"; \
	[ $$pytest_rc -eq 0 ] && [ $$build_rc -eq 0 ] && [ $$pdf_rc -eq 0 ] && [ $$browser_rc -eq 0 ]

unit: $(VENV_STAMP)
	$(BIN)/python -m pytest tests/ --ignore=tests/browser

browser: $(VENV_STAMP) $(MATHJAX) $(CHROMIUM)
	$(BIN)/python -m pytest tests/browser -rs

lint: $(VENV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf _build
