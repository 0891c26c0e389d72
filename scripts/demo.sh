#!/usr/bin/env bash
# Installs everything, then trains the paper's FC on Fashion-MNIST with and
# without in-NINR and prints clean and corrupted test accuracy.
# Extra arguments go to examples/demo.py (try --help).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export KERAS_NINR_DATA_DIR=${KERAS_NINR_DATA_DIR:-$PWD/../shared/data}
export KERAS_BACKEND=${KERAS_BACKEND:-jax}
export TF_CPP_MIN_LOG_LEVEL=3
exec .venv/bin/python examples/demo.py "$@"
