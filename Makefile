# Everything installs from this repo: `make run` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
OUT ?= out/seeds

.PHONY: install run test lint format score-textdump score-wcxb line-model check-line-model clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Clean the bundled seeds/ into $(OUT) and print where the Parquet went.
run: $(STAMP)
	$(BIN)/scrapeclean run --input 'seeds/*' --output $(OUT) --overwrite

## Lint, format check and the whole test suite (what CI runs).
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## The labeled text-dump corpus through the real CLI, with the accuracy figures (issue 2).
score-textdump: $(STAMP)
	$(BIN)/python scripts/make_textdump_corpus.py --out out/textdump-corpus
	$(BIN)/python scripts/score_textdump.py --corpus out/textdump-corpus --check

## Text dumps made from real pages (bench/wcxb-dev, bench/html-dev), dev part (issue 19).
score-wcxb: $(STAMP)
	$(BIN)/python -m scripts.score_wcxb --part dev

## The line model (transforms/text/linemodel.json): re-train it on wcxb-dev's dev part, or
## check that re-training gives the shipped file byte for byte (~5 min on 2 cores).
line-model: $(STAMP)
	$(BIN)/python -m scripts.train_line_model

check-line-model: $(STAMP)
	$(BIN)/python -m scripts.train_line_model --check

clean:
	rm -rf out .pytest_cache .ruff_cache
