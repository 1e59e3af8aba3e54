#!/usr/bin/env bash
# Inference cost of the paper's nets at their real sizes (`mimic speed`) on one GPU machine: PyTorch on the
# GPU, and PyTorch and onnxruntime on its CPU cores; teacher first, so each student's speed-up is against it.
# Weights do not change the cost, so the stage configs are timed untrained (no data or checkpoints needed).
#
#   OUT=/tmp/out bash benchmarks/gpu_speed.sh          # on the device (wheels from .whl/, see gpu_env.sh)
#   QUICK=1 NO_WHEELS=1 bash benchmarks/gpu_speed.sh   # trying the script here: small nets, few repeats
set -uo pipefail
OUT=${OUT:-/tmp/gpu-speed}
QUICK=${QUICK:-0}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/log.txt") 2>&1
source benchmarks/gpu_env.sh
nproc | sed 's/^/CPU cores: /'

speed() {  # NAME CONFIG...: one table, teacher first
  local name=$1
  shift
  echo "== $name"
  python3 -m mimic speed "$@" $REPEATS --md "$OUT/$name.md" --csv "$OUT/$name.csv" || echo "mimic speed FAILED for $name"
}

if [ "$QUICK" = 1 ]; then
  REPEATS="--repeats 5 --warmup 1 --batch-size 16"
  speed fashion configs/fashion/teacher_cnn.yaml configs/fashion/shallow_mimic.yaml
  exit 0
fi
REPEATS="--repeats 50 --warmup 5 --rounds 2"  # 3 rounds of 100 took over 7 minutes with CIFAR
# TIMIT Table 1: a CNN of the ECNN (c-p-2k-2k-2k), the DNN (2k-2k-2k), SNN-MIMIC-8k (250L-8k), 250L-400k
speed timit configs/timit/cnn.yaml configs/timit/dnn.yaml configs/timit_student.yaml configs/timit/snn_8k.yaml+configs/timit/snn_400k.yaml
# CIFAR-10 Table 2: a CNN of the ECNN, the conv-shallow mimic 128c-p-1200L-30k, the plain shallow 1200L-30k
speed cifar configs/cifar/cnn.yaml configs/cifar_student.yaml configs/cifar/snn_30k.yaml
ls -la "$OUT"
