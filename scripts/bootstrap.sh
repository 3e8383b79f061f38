#!/usr/bin/env bash
# Create both environments from their lock files. Idempotent; fast when nothing changed.
#   .venv       Python 3.11+ — the bot (uv.lock)
#   .venv-rasa  Python 3.10  — the Rasa NLU service (rasa_project/requirements.lock)
# uv is used when on PATH; otherwise it is installed into .tools/ from PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

find_uv() {
  if command -v uv >/dev/null 2>&1; then command -v uv; return; fi
  if [ -x .tools/bin/uv ]; then echo .tools/bin/uv; return; fi
  local py; py=$(command -v python3) || die "python3 is needed to install uv (or install uv: https://docs.astral.sh/uv/)"
  say "installing uv into .tools/"
  "$py" -m venv .tools >&2 && .tools/bin/pip install -q "uv==0.13.9" >&2 || die "could not install uv from PyPI"
  echo .tools/bin/uv
}

# find_python VERSION: an interpreter of exactly that minor version, from (in order)
# $PYTHON<VER> (e.g. PYTHON310), pyenv's versions, PATH, or one uv already manages.
find_python() {
  local version=$1 var="PYTHON${1/./}" candidate
  if [ -n "${!var:-}" ]; then echo "${!var}"; return; fi
  for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$version".*/bin/python"$version" \
                   "$(command -v "python$version" 2>/dev/null || true)"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] && "$candidate" -c 'pass' >/dev/null 2>&1; then
      echo "$candidate"; return
    fi
  done
  "$UV" python find "$version" 2>/dev/null && return
  return 1
}

UV=$(find_uv)
export UV_LINK_MODE=copy

PY311=$(find_python 3.11) || PY311=$(find_python 3.12) || PY311=$(find_python 3.13) || \
  die "no Python 3.11+ found. Install one (pyenv install 3.11, or: $UV python install 3.11) or set PYTHON311=/path/to/python"
PY310=$(find_python 3.10) || \
  die "no Python 3.10 found (Rasa 3.6 needs exactly 3.10). Install one (pyenv install 3.10, or: $UV python install 3.10) or set PYTHON310=/path/to/python3.10"

say "bot environment .venv ($PY311)"
"$UV" sync --frozen --quiet --python "$PY311"

stamp=.venv-rasa/.lock-sha256
want=$(sha256sum rasa_project/requirements.lock | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "Rasa environment .venv-rasa ($PY310)"
  [ -x .venv-rasa/bin/python ] || "$UV" venv --quiet --python "$PY310" .venv-rasa
  "$UV" pip sync --quiet --python .venv-rasa/bin/python rasa_project/requirements.lock
  echo "$want" > "$stamp"
fi
say "environments ready"
