#!/usr/bin/env bash
# Installs everything, then runs the test suite once per Keras backend.
# BACKENDS="jax" bash scripts/test.sh runs one backend only.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export KERAS_NINR_DATA_DIR=${KERAS_NINR_DATA_DIR:-$PWD/../shared/data}
export TF_CPP_MIN_LOG_LEVEL=3
failed=()
for backend in ${BACKENDS:-tensorflow jax torch}; do
  echo "=== KERAS_BACKEND=$backend"
  KERAS_BACKEND=$backend .venv/bin/python -m pytest -q -p no:cacheprovider \
    -m "not slow" -W ignore::DeprecationWarning tests || failed+=("$backend")
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "Failed under: ${failed[*]}"
  exit 1
fi
