#!/usr/bin/env bash
# The GPU checks of the speed work (issue 14) in one call, sized for at most 8 minutes on one H100:
#   1. the demo's fits in bf16-mixed, one epoch each: the two CNN teachers, then the shallow mimic that
#      streams their logits (Fashion-MNIST from data/fashion-mnist, carried in the tree, or Debian's path);
#   2. the benchmark suite on the GPU (benchmarks/suite.py --device cuda --precision bf16-mixed): every
#      student's step against a bare loop, with its FLOP/s against a bf16 matmul measured in the same run;
#      streaming teacher and logit cache; TIMIT batches made on the device; the batched Viterbi;
#   3. one Markdown table of both: $OUT/gpu_check.md (and the suite's CSV, the fits' metrics, the log).
# On the device image, the wheels in .whl/ give what it lacks (benchmarks/gpu_env.sh). Before the call, here:
#   mkdir -p data/fashion-mnist && cp /usr/share/datasets/fashion-mnist/*.gz data/fashion-mnist/
#   (and .whl/ as benchmarks/gpu_paper_speech.sh says); then carry [".whl", "data/fashion-mnist"] and run
#   OUT=$OUT bash benchmarks/gpu_check.sh
#   QUICK=1 NO_WHEELS=1 OUT=/tmp/out bash benchmarks/gpu_check.sh    # CI-sized: tries the script on a CPU
set -uo pipefail
OUT=${OUT:-/tmp/gpu-check}
QUICK=${QUICK:-0}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/log.txt") 2>&1
source benchmarks/gpu_env.sh
device=$(python3 -c 'import torch; print("cuda" if torch.cuda.is_available() else "cpu")')
if [ "$device" = cuda ]; then accelerator=gpu precision=bf16-mixed; else accelerator=cpu precision=32-true; fi
echo "device $device, precision $precision"
status=0

fits_table="$OUT/fits.md"
echo "| fit (1 epoch, $precision) | wall s | val err |" >"$fits_table"
echo "|---|---:|---:|" >>"$fits_table"
fit() {  # fit STAGE CONFIG... [--OVERRIDE...]: one epoch of the configs (run.stage STAGE); a row of the fits' table
  local stage=$1 configs=() extra=()
  shift
  for config in "$@"; do
    if [[ $config == --* ]]; then extra+=("$config"); else configs+=(--config "$config"); fi
  done
  [ "$QUICK" = 1 ] && extra+=(--trainer.limit_train_batches=5 --trainer.limit_val_batches=2)
  local started ended
  started=$(date +%s.%N)
  if python3 -m mimic fit "${configs[@]}" --run.root="$OUT/runs" \
    --trainer.accelerator=$accelerator --trainer.devices=1 --trainer.precision=$precision \
    --trainer.max_epochs=1 --trainer.enable_progress_bar=false "${extra[@]}"; then
    ended=$(date +%s.%N)
    python3 - "$stage" "$started" "$ended" "$OUT/runs/demo/$stage/metrics.csv" >>"$fits_table" <<'EOF'
import csv, sys
stage, started, ended, metrics = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
errors = [row["val/err"] for row in csv.DictReader(open(metrics)) if row.get("val/err")]
print(f"| {stage} | {ended - started:.1f} | {float(errors[-1]):.4f} |" if errors else f"| {stage} | {ended - started:.1f} | - |")
EOF
  else
    echo "| $stage | failed | - |" >>"$fits_table"
    status=1
  fi
}

echo "== the demo's fits"
if python3 -c 'from mimic.data.fashion_mnist import find_root; find_root(None)' 2>/dev/null; then
  fit teacher_cnn configs/fashion/teacher_cnn.yaml
  fit teacher_cnn_seed1 configs/fashion/teacher_cnn.yaml configs/fashion/teacher_cnn_seed1.yaml
  # the student's teachers: the two fits above, under this check's runs root
  teachers="$OUT/runs/demo/teacher_cnn/checkpoints/best.ckpt, $OUT/runs/demo/teacher_cnn_seed1/checkpoints/best.ckpt"
  fit shallow_mimic configs/fashion/shallow_mimic.yaml "--model.init_args.teacher.init_args.checkpoints=[$teachers]"
else
  echo "| (no Fashion-MNIST: carry data/fashion-mnist) | - | - |" >>"$fits_table"
fi

echo "== the benchmark suite"
quick=()
[ "$QUICK" = 1 ] && quick=(--quick)
python3 benchmarks/suite.py --device "$device" --precision "$precision" --csv "$OUT/suite.csv" "${quick[@]}" || status=1

python3 - "$OUT" "$device" <<'EOF' >"$OUT/gpu_check.md"
import csv, subprocess, sys
from pathlib import Path
out, device = Path(sys.argv[1]), sys.argv[2]
name = "CPU"
if device == "cuda":
    import torch
    name = torch.cuda.get_device_name(0)
print(f"# GPU check on {name}\n")
print((out / "fits.md").read_text())
if (out / "suite.csv").is_file():
    print("| benchmark | figure | ratio | target | pass |\n|---|---|---:|---|---|")
    for r in csv.DictReader((out / "suite.csv").open()):
        print(f"| {r['benchmark']} | {r['figure']} | {float(r['ratio']):.3f} | {r['target']} | {'yes' if r['pass'] == 'True' else 'NO'} |")
EOF
cat "$OUT/gpu_check.md"
exit $status
