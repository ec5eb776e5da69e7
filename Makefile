# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
WORKERS ?= 2
MODEL_DIR := models/default

.PHONY: run test install model clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

# Retrained when the corpus or the training code is newer than the model (after a pull, a model
# fitted by older feature code is refused at load).
$(MODEL_DIR)/metadata.json: $(wildcard data/*.csv) $(wildcard training/*.py) | $(BIN)/.installed
	$(BIN)/python -m training train --data data --out $(MODEL_DIR)

## Retrain the default model from data/ (replaces it atomically).
model: $(BIN)/.installed
	$(BIN)/python -m training train --data data --out $(MODEL_DIR)

## Serve the API on http://127.0.0.1:$(PORT) with gunicorn, training the default model first if missing or stale.
run: $(BIN)/.installed $(MODEL_DIR)/metadata.json
	CLAIMS_MODEL_DIR=$(MODEL_DIR) $(BIN)/gunicorn -c service/gunicorn_conf.py --bind 127.0.0.1:$(PORT) --workers $(WORKERS) service.wsgi:app

## Run the whole test suite.
test: $(BIN)/.installed
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .pytest_cache
