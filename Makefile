# Tanya Netral — every target does its own set-up; see README.md.
.PHONY: setup train run test lint evaluate bench chat clean

PY := .venv/bin/python

setup:
	@bash scripts/bootstrap.sh

train: setup
	$(PY) -m bot train

## Run the bot (starts a local Rasa server unless RASA_URL is set). Needs TELEGRAM_BOT_TOKEN.
run: setup
	$(PY) -m bot run

## Offline terminal chat through the same pipeline; no Telegram needed.
chat: train
	$(PY) -m bot chat

## Everything CI checks: lint, types, data validation, unit/integration/end-to-end tests, NLU targets.
test: train
	bash scripts/test.sh

evaluate: train
	$(PY) -m bot evaluate

bench: train
	$(PY) -m bench

clean:
	rm -rf .venv .venv-rasa .tools models reports data/logs .mypy_cache .ruff_cache .pytest_cache
