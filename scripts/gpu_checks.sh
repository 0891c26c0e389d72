#!/usr/bin/env bash
# The device checks left for a session lent a GPU (issues 4 and 6), as one
# prepared script. The GPU machine has JAX but no TensorFlow and no network.
#
# Here, once:
#   echo /.whl/ >> .git/info/exclude; echo /.carry/ >> .git/info/exclude
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
#     --implementation cp --platform manylinux_2_28_x86_64 \
#     --platform manylinux_2_27_x86_64 -d .whl keras==3.15.1 namex==0.1.0 optree==0.20.0
#   mkdir -p .carry && cp -r ../shared/data/fashion-mnist .carry/
# Then one device run with carry [".whl", ".carry"] and the command
#   bash scripts/gpu_checks.sh
# Results land under $OUT (the device tool's output folder).
set -u
python3 -m pip install -q --no-index --no-deps --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD KERAS_BACKEND=jax PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/gpu_checks}
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,memory.total --format=csv | tee "$OUT/gpu.txt"

# Issue 6: epochs per second, sequential vs K replicas, all 60k images.
timeout 180 python3 benchmarks/sweep_throughput.py --data-dir .carry \
    --train-size 60000 --epochs 3 --replicas 1 4 16 64 --architectures fc \
    --out "$OUT/sweep_throughput.md" 2>&1 | tail -n 20

# Issue 4: finish the FC's Fig. 2a sweep (seed 2 and full-NINR's seeds 1-2
# were missing): resume from the committed results.
mkdir -p "$OUT/fmnist_fc"
cp examples/results/fmnist_fc_gpu/results.jsonl "$OUT/fmnist_fc/results.jsonl"
timeout 200 python3 examples/fmnist_fc_robustness.py --data-dir .carry \
    --out "$OUT/fmnist_fc" --replicas 3 --no-progress 2>&1 | tail -n 20

# Issue 4: the CNN's Fig. 2b sweep, 3 seeds, replicas per method.
timeout 360 python3 examples/fmnist_cnn_robustness.py --data-dir .carry \
    --out "$OUT/fmnist_cnn" --replicas 3 --no-progress 2>&1 | tail -n 30
