# policybot: `make chat` to talk to the bot locally, `make test` to run every check.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
CARDCHECK := tests/teams/cardcheck/node_modules/.installed-stamp

.PHONY: chat test fault-test lint pytest bench serve clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --upgrade pip
	@$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

## Open a console chat with the bot (SQLite under var/, no chat credentials needed).
chat: $(STAMP)
	@$(BIN)/policybot chat

## Lint, type-check and run the whole test suite (PostgreSQL too when TEST_DATABASE_URL is set).
test: $(STAMP) lint pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

pytest: $(STAMP) $(CARDCHECK)
	$(BIN)/pytest

## The fault tests: real processes killed or starved (PostgreSQL too when TEST_DATABASE_URL is set).
fault-test: $(STAMP)
	$(BIN)/pytest -m fault

# Microsoft's Adaptive Cards parser, with which the Teams tests check every card (needs Node;
# without npm the check is skipped).
$(CARDCHECK): tests/teams/cardcheck/package.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm install --prefix tests/teams/cardcheck --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: Teams cards will not be checked with the adaptivecards parser"; fi

## Print the benchmarks' numbers.
bench: $(STAMP)
	$(BIN)/python -m benchmarks

serve: $(STAMP)
	$(BIN)/policybot serve

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
