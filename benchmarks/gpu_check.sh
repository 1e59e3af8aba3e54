#!/usr/bin/env bash
# GPU checks of the speed work (issue 14), in one short call: the student step against a bare loop (with
# the finite-loss check every 50 steps, and every step as before), and the batched Viterbi on the GPU.
# Needs no corpus (random data of the real shapes). On the device image, the wheels in .whl/ (see
# benchmarks/gpu_paper_speech.sh) give what it lacks.
#   OUT=/tmp/out STEPS=200 bash benchmarks/gpu_check.sh
set -uo pipefail
OUT=${OUT:-/tmp/gpu-check}
STEPS=${STEPS:-200}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/log.txt") 2>&1
source benchmarks/gpu_env.sh
device=$(python3 -c 'import torch; print("cuda" if torch.cuda.is_available() else "cpu")')
for every in 50 1; do
  echo "== student step, finite-loss check every $every step(s)"
  python3 benchmarks/student_step.py --device "$device" --steps "$STEPS" --rounds 2 --nets fashion,timit,timit-4096-adamw \
    --finite-check-every "$every" --csv "$OUT/student_step_every$every.csv" 2>&1 | grep "student:"
done
echo "== Viterbi"
python3 benchmarks/viterbi.py --device "$device"
