# Loss Functions, Hands-On: the two commands are `make book` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
VENDOR := _vendor/.stamp
BUILD := _build

.PHONY: help book pdf test lab notebooks vendor clean student book-student grade bench browser-deps unit nbval build-check screenshots

help:
	@echo "make book        build the website into $(BUILD)/html (sets up .venv on first use)"
	@echo "make pdf         the whole book as one PDF (_build/pdf/), linked from the website's download menu"
	@echo "make test        everything CI checks: unit tests + doctests, nbval, -W build, browser tests"
	@echo "make lab         JupyterLab on chapters/ with the course environment"
	@echo "make notebooks   re-execute chapters/*.ipynb and store their outputs (after editing a chapter)"
	@echo "make student     student edition: notebooks without solutions or outputs, in student/"
	@echo "make book-student the website with solutions hidden, in $(BUILD)/student/_build/html"
	@echo "make grade SUBMISSIONS=dir ASSIGNMENT=hw.toml KEY=key.json [ROSTER=roster.csv TIMESTAMPS=t.csv]"
	@echo "                 grade submitted notebooks (sandboxed) into the folder grades/ (instructor_guide.md)"
	@echo "make bench       loss costs (budget: vs a plain numpy one-liner) and widget latency -> benchmarks/README.md (BENCH_FLAGS=--all: + notebooks, book, grading, reader timings in chromium)"
	@echo "make screenshots whole-page screenshots of every page (1366 and 390 px, light; dark figures) in $(BUILD)/screenshots"
	@echo "make clean       remove $(BUILD)/ (keeps .venv)"

$(STAMP): requirements.txt constraints.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -c constraints.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

$(VENDOR): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	rm -rf _vendor && mkdir -p _vendor/katex/fonts
	cp node_modules/katex/dist/katex.min.css _vendor/katex/
	cp node_modules/katex/dist/fonts/*.woff2 _vendor/katex/fonts/
	@touch $@

vendor: $(VENDOR)

book: $(STAMP) $(VENDOR)
	$(BIN)/jupyter-book build . --builder html -W -n --keep-going
	@echo ""
	@echo "Open $(CURDIR)/$(BUILD)/html/index.html in a browser."

# The PDF: Sphinx's single-page HTML of the book printed by headless chromium (offline); then the
# website is rebuilt so that every page's download menu offers it.
pdf: $(STAMP) $(VENDOR)
	$(BIN)/jupyter-book build . --builder custom --custom-builder singlehtml -W -n --keep-going --quiet
	$(BIN)/python tools/make_pdf.py --singlehtml $(BUILD)/singlehtml --out $(BUILD)/pdf/loss-functions-hands-on.pdf
	$(BIN)/jupyter-book build . --builder html --all -W -n --keep-going --quiet

test: $(STAMP) $(VENDOR)
	@bash tools/run_tests.sh

# make test keeps the first screen of each page; this captures whole pages (seconds per chapter) of the built site
screenshots: $(STAMP) $(VENDOR)
	@test -f $(BUILD)/html/index.html || $(MAKE) book
	LOSSBOOK_SCREENSHOTS=full $(BIN)/pytest -q -n 2 tests/browser/test_site.py
	@echo "Screenshots in $(CURDIR)/$(BUILD)/screenshots"

lab: $(STAMP)
	$(BIN)/jupyter lab chapters/

notebooks: $(STAMP)
	$(BIN)/python tools/run_notebooks.py chapters/*.ipynb

student: $(STAMP)
	$(BIN)/python tools/make_student.py --out student

book-student: $(STAMP) $(VENDOR)
	@mkdir -p $(BUILD)
	$(BIN)/python tools/student_config.py > $(BUILD)/_config.student.yml
	$(BIN)/jupyter-book build . --builder html -W -n --keep-going --config $(BUILD)/_config.student.yml --path-output $(BUILD)/student
	@echo ""
	@echo "Open $(CURDIR)/$(BUILD)/student/_build/html/index.html in a browser."

SUBMISSIONS ?= submissions
ASSIGNMENT ?= assignment.toml
KEY ?= key.json
GRADES ?= grades
GRADE_FLAGS ?=
grade: $(STAMP)
	$(BIN)/python -m tools.grade grade $(SUBMISSIONS) --assignment $(ASSIGNMENT) --key $(KEY) --out $(GRADES) \
	  $(if $(ROSTER),--roster $(ROSTER)) $(if $(TIMESTAMPS),--timestamps $(TIMESTAMPS)) $(GRADE_FLAGS)

# make bench BENCH_FLAGS=--all  adds notebook times, rebuild and page weight
BENCH_FLAGS ?=
bench: $(STAMP) $(VENDOR)
	$(BIN)/python benchmarks/run.py $(BENCH_FLAGS)

clean:
	rm -rf $(BUILD)
