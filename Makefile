# Mercator: `make run` serves the platform with its worker; `make test` runs every suite.
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run install test test-sqlite test-postgres test-browser lint format messages bench clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON) --quiet
	touch $@

install: $(VENV)/.synced

# A development install: the sandbox payment gateway is switched on explicitly (buyers
# "pay" with a button; its money is flagged and never counts as a real deal).
# Another port or address: `make run PORT=8080`, or `make run BIND=0.0.0.0:8080`.
PORT ?= 8000
BIND ?= 127.0.0.1:$(PORT)
run: export MERCATOR_SANDBOX_PAYMENTS := 1
run: install
	$(BIN)/mercator migrate
	$(BIN)/mercator demo --if-empty
	$(BIN)/mercator serve --with-worker --bind $(BIND)

test: install
	bash scripts/test.sh all

test-sqlite: install
	bash scripts/test.sh sqlite

test-postgres: install
	bash scripts/test.sh postgres

test-browser: install
	bash scripts/test.sh browser

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Rebuild the translation catalogs from the sources, then compile them.
messages: install
	cd src/mercator && ../../$(BIN)/mercator manage makemessages -l zh_Hans -l en --no-obsolete --ignore "migrations/*"
	$(BIN)/python scripts/fill_catalogs.py
	cd src/mercator && ../../$(BIN)/mercator manage compilemessages

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .tools var/test-*
