# The two commands a new user needs: `make run` and `make test`. Both install on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install run test lint format train eval bench clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first and pinned: pip then takes the local CPU wheel instead of CUDA builds.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/orchestrator serve --host 127.0.0.1 --port 8000

test: $(STAMP)
	$(BIN)/pytest --cov --cov-report=term --cov-fail-under=80 $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy src

format: $(STAMP)
	$(BIN)/ruff check --fix src tests
	$(BIN)/ruff format src tests

train: $(STAMP)
	$(BIN)/orchestrator train --data data/train --out src/orchestrator/classifiers/artifacts

eval: $(STAMP)
	$(BIN)/orchestrator eval --data ../shared/data/messages_dev.csv --report reports/dev

# Raw model vs the service under load (1 and 2 workers), ~3 minutes, on the classify path (questions:
# knowledge-base answers, no database write); BENCH_ARGS="--mix realistic" adds tickets and
# compliance records. Table, reports/bench/*.png, one JSON line.
bench: $(STAMP)
	$(BIN)/python -m orchestrator.bench --out reports/bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage var reports .hypothesis
