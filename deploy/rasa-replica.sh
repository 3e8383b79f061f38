#!/usr/bin/env bash
# Start one Rasa replica exactly as the bot starts its own (bot/nlu/rasa_server.py,
# RasaProcess.command(); environment from bot/nlu/training.py, rasa_environment()):
#
#   RASA_AUTH_TOKEN=TOKEN python rasa_project/serve.py --interface HOST --port PORT --model MODEL
#
# which runs `rasa run --enable-api --auth-token=TOKEN ...` with the token kept off the command
# line, in rasa_project/ with rasa_project/ on PYTHONPATH (the pipeline's custom components).
#
# Usage: deploy/rasa-replica.sh PORT
#   RASA_AUTH_TOKEN_FILE  file holding the token (or RASA_AUTH_TOKEN; the plain variable wins,
#                         as in bot/settings.py). The bot must use the same token.
#   RASA_INTERFACE        address to listen on (default 127.0.0.1)
#   RASA_MODEL            model file (default: models/nlu-<fingerprint>.tar.gz, the model
#                         `python -m bot train` builds from this checkout)
#   RASA_VENV             Rasa environment (default: .venv-rasa in this checkout)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PORT=${1:?usage: deploy/rasa-replica.sh PORT}
die() { printf 'rasa-replica: %s\n' "$*" >&2; exit 2; }

token=${RASA_AUTH_TOKEN:-}
if [ -z "$token" ] && [ -n "${RASA_AUTH_TOKEN_FILE:-}" ]; then
  IFS=$' \t\n' read -r token <"$RASA_AUTH_TOKEN_FILE" || true  # first line, trimmed
fi
[ -n "$token" ] || die "set RASA_AUTH_TOKEN_FILE (or RASA_AUTH_TOKEN)"

model=${RASA_MODEL:-}
if [ -z "$model" ]; then
  model=$(cd "$ROOT" && "$ROOT/.venv/bin/python" -c \
    'from bot.nlu.training import model_path_for, training_fingerprint as f; print(model_path_for(f()))')
fi
[ -f "$model" ] || die "no model at $model: run \`.venv/bin/python -m bot train\` first"

python=${RASA_VENV:-$ROOT/.venv-rasa}/bin/python
[ -x "$python" ] || die "Rasa is not installed at $python: run scripts/bootstrap.sh (make setup)"

cd "$ROOT/rasa_project"
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=3 SQLALCHEMY_SILENCE_UBER_WARNING=1 \
  PYTHONPATH="$ROOT/rasa_project" PYTHONWARNINGS=ignore RASA_AUTH_TOKEN=$token
exec "$python" "$ROOT/rasa_project/serve.py" \
  --interface "${RASA_INTERFACE:-127.0.0.1}" --port "$PORT" --model "$model"
