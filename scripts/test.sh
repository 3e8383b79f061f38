#!/usr/bin/env bash
# Everything CI checks, in order of speed. Run through `make test` (which sets up and trains).
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n== %s\n' "$*"; }

step "ruff (lint and format)"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

step "mypy"
.venv/bin/mypy

step "rasa data validate"
if ! output=$(cd rasa_project && RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=3 \
    PYTHONWARNINGS=ignore ../.venv-rasa/bin/rasa data validate --data data/nlu \
    --domain domain.yml --config config.yml 2>&1); then
  echo "$output" | grep -v -E "Warning|declare_namespace|pkg_resources|^\s*$" | tail -40
  exit 1
fi
echo "training data and domain are valid"

step "knowledge base check"
.venv/bin/python -m bot kb check

step "NLU evaluation on the held-out set (fails below a target: bot/evaluation.py)"
.venv/bin/python -m bot evaluate

step "pytest"
if [ -z "${TEST_DATABASE_URL:-}" ]; then
  echo "note: TEST_DATABASE_URL is unset; PostgreSQL tests will be skipped"
fi
.venv/bin/python -m pytest
