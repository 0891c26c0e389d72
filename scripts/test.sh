#!/usr/bin/env bash
# Installs everything, then runs the test suite once per Keras backend and
# the tests behind the `slow` marker once, on JAX (the fastest backend here).
# BACKENDS="jax" bash scripts/test.sh runs one backend only; SLOW_BACKENDS=""
# skips the slow tests, SLOW_BACKENDS="tensorflow jax torch" runs them on all.
# Each run spreads its tests over one pytest-xdist worker a core
# (TEST_WORKERS=1 runs them in one process); tests that must not run beside
# each other share an `xdist_group`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export KERAS_NINR_DATA_DIR=${KERAS_NINR_DATA_DIR:-$PWD/../shared/data}
export TF_CPP_MIN_LOG_LEVEL=3
failed=()
run() {  # run BACKEND MARKER
  echo "=== KERAS_BACKEND=$1 -m \"$2\""
  KERAS_BACKEND=$1 .venv/bin/python -m pytest -q -p no:cacheprovider \
    -n "${TEST_WORKERS:-auto}" --dist loadgroup \
    -m "$2" -W ignore::DeprecationWarning tests || failed+=("$1 ($2)")
}
for backend in ${BACKENDS:-tensorflow jax torch}; do
  run "$backend" "not slow"
done
for backend in ${SLOW_BACKENDS-jax}; do
  run "$backend" "slow"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "Failed under: ${failed[*]}"
  exit 1
fi
