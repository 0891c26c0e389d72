#!/usr/bin/env bash
# The prepared plan for a session lent a GPU: the runs a CPU cannot make,
# each through `keras-ninr reproduce`, resuming from the committed results,
# ordered so that what finishes first is the most useful. One device call
# of at most 10 minutes. The GPU machine has JAX but no TensorFlow and no
# network.
#
# Here, once:
#   echo /.whl/ >> .git/info/exclude; echo /.carry/ >> .git/info/exclude
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
#     --implementation cp --platform manylinux_2_28_x86_64 \
#     --platform manylinux_2_27_x86_64 -d .whl keras==3.15.1 namex==0.1.0 optree==0.20.0
#   mkdir -p .carry && cp -r ../shared/data/{fashion-mnist,mnist,usps} .carry/
# (43 MiB: CIFAR-10's 61 MiB does not fit beside them in one 64 MiB call;
# carry cifar10/ alone in a second call to run Fig. 9, stage 5.)
# Then one device run with carry [".whl", ".carry"] and the command
#   bash scripts/gpu_checks.sh
# Results land under $OUT (the device tool's output folder): copy each
# folder's results.jsonl over the committed one, then rerun the same
# `reproduce` command here to rewrite the page (it trains nothing).
set -u
python3 -m pip install -q --no-index --no-deps --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD KERAS_BACKEND=jax PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/gpu_checks}
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,memory.total --format=csv | tee "$OUT/gpu.txt"
reproduce() {  # reproduce SECONDS NAME COMMITTED_FOLDER [FLAGS...]
  local seconds=$1 name=$2 committed=$3
  shift 3
  mkdir -p "$OUT/$name"
  if [ -f "results/$committed/results.jsonl" ]; then
    cp "results/$committed/results.jsonl" "$OUT/$name/results.jsonl"
  fi
  timeout "$seconds" python3 -m keras_ninr reproduce "$name" --data-dir .carry \
    --out "$OUT/$name" --no-progress "$@" 2>&1 | tail -n 20
}

# 1. Fig. 2a: the FC sweep's missing runs (seed 2; full-NINR seeds 1-2).
reproduce 150 fig2a fmnist_fc_gpu --replicas 3
# 2. Fig. 2b: the CNN on all 60,000 images, 3 seeds, replicas per method.
reproduce 200 fig2b fig2b_gpu --replicas 3
# 3. Table 1: MNIST -> USPS, FC and CNN, every method, 3 seeds.
reproduce 150 table1 table1_gpu --replicas 3
# 4. Throughput: sequential runs against K replicas, all 60k images.
timeout 60 python3 benchmarks/sweep_throughput.py --data-dir .carry \
    --train-size 60000 --epochs 2 --replicas 1 4 16 --architectures fc \
    --out "$OUT/sweep_throughput.md" 2>&1 | tail -n 20
# 5. Fig. 9 (only when .carry holds cifar10/): the VGG, as many epochs as fit.
if [ -d .carry/cifar10 ]; then
  reproduce 400 fig9 fig9_gpu --replicas 3 --epochs 10
fi
