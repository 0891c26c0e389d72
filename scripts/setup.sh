#!/usr/bin/env bash
# Creates .venv beside the sources (once) and installs keras_ninr with the
# three Keras backends, the test tools, the plotting library, Ray and
# TensorFlow Datasets.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install -q --disable-pip-version-check \
  -r requirements/backends.txt -e ".[test,plots,tensorboard,ray,datasets]"
