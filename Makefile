# Two entry points on a fresh machine with Python 3.11:
#   make run   – full reproduction (Snakemake, all cores)
#   make test  – linters + test suite (what CI runs)
# and `make report`: the HTML report of the run `make run` made (same SNAKE_ARGS), written to
# <output_dir>/report.html.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CORES ?= all
SNAKE_ARGS ?=

BRIAN2_STAMP := .venv-brian2/.installed
PBN_STAMP := .venv-pbn/.installed

.PHONY: run report test lint pytest bench clean

$(STAMP): pyproject.toml requirements/lock.txt
	command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH (or PYTHON=...)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements/lock.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $(STAMP)

# Snakemake loads the --configfile files before the workflow can check them: check them first
# (a missing file, a YAML error with its line and column). profiles/default applies by itself
# (the workflow profile).
CONFIG_FILES := $(BIN)/python -m eiplast.config_files

run: $(STAMP)
	$(CONFIG_FILES) check $(SNAKE_ARGS)
	$(BIN)/snakemake --cores $(CORES) $(SNAKE_ARGS)

report: $(STAMP)
	report=$$($(CONFIG_FILES) report-path $(SNAKE_ARGS)) && \
		$(BIN)/snakemake --report "$$report" $(SNAKE_ARGS)

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	if [ -f Snakefile ]; then $(BIN)/snakefmt --check Snakefile workflow/rules; fi
	if [ -f Snakefile ]; then $(BIN)/snakemake --lint --cores 1 --configfile config/test.yaml; fi

$(BRIAN2_STAMP): bench/setup_brian2_env.sh pyproject.toml
	bash bench/setup_brian2_env.sh
	touch $(BRIAN2_STAMP)

$(PBN_STAMP): bench/setup_balanced_reference_env.sh
	bash bench/setup_balanced_reference_env.sh
	touch $(PBN_STAMP)

# the reference environments are built first; EIPLAST_REQUIRE_REFERENCES=1 turns a test that
# cannot find one into a failure (a plain `pytest` by hand skips it; tests/conftest.py)
pytest: $(STAMP) $(BRIAN2_STAMP) $(PBN_STAMP)
	EIPLAST_REQUIRE_REFERENCES=1 $(BIN)/python -m pytest -q --durations=20

test: lint pytest

clean:
	rm -rf $(VENV) .venv-brian2 .venv-pbn .snakemake results
