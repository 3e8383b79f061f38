#!/usr/bin/env bash
# Create both environments from their lock files. Idempotent; fast when nothing changed.
#   .venv       Python 3.11+ — the bot (uv.lock)
#   .venv-rasa  Python 3.10  — the Rasa NLU service (rasa_project/requirements.lock, every
#               package checked against its hash)
# Only uv $UV_VERSION is used: the uv on PATH if it is that version, otherwise that version
# installed into .tools/ from PyPI (a uv of another version on PATH is left alone).
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.9

say() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

# is_pinned_uv PROGRAM: PROGRAM is uv $UV_VERSION ("uv 0.13.9 (x86_64-unknown-linux-gnu)").
is_pinned_uv() { [ "$("$1" --version 2>/dev/null | cut -d' ' -f1,2)" = "uv $UV_VERSION" ]; }

find_uv() {
  local candidate py
  for candidate in "$(command -v uv 2>/dev/null || true)" .tools/bin/uv; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] && is_pinned_uv "$candidate"; then
      echo "$candidate"; return
    fi
  done
  py=$(command -v python3) || die "python3 is needed to install uv $UV_VERSION into .tools/"
  say "installing uv $UV_VERSION into .tools/"
  { [ -x .tools/bin/pip ] || "$py" -m venv .tools >&2; } &&
    .tools/bin/pip install -q "uv==$UV_VERSION" >&2 || die "could not install uv $UV_VERSION from PyPI"
  is_pinned_uv .tools/bin/uv || die "uv $UV_VERSION was installed but .tools/bin/uv says otherwise"
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
  "$UV" pip sync --quiet --require-hashes --python .venv-rasa/bin/python rasa_project/requirements.lock
  echo "$want" > "$stamp"
fi
say "environments ready"
