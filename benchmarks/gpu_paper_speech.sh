#!/usr/bin/env bash
# Speech Table 1 (`mimic paper-speech`) on one GPU, in one call of at most ~9.5 minutes.
#
# Run from the repository root on a machine with a CUDA GPU whose Python already has torch, lightning and
# torchmetrics (the device image). What that image lacks travels in the working tree, made beforehand
# on a machine with pip and espeak-ng (Debian):
#   .whl/      wheels: jsonargparse docstring_parser typeshed_client soundfile cffi pycparser (cp312)
#   .espeak/   lib/: libespeak-ng.so.1 and the libraries it links to; espeak-ng-data/ (English only)
# Steps: install the wheels; the Viterbi benchmark on the GPU; a smoke run (--quick, the teacher and
# student paths); then the full run: both CNNs, their ensemble, and every student mimicking the
# ensemble for STUDENT_EPOCHS epochs (no transfer speech). The corpus is synthesised there (16 cores).
# Every 30 s the runs so far (best checkpoints without optimiser states, per-utterance results,
# metrics, the report) are packed into $OUT, so a run cut short still returns what it finished.
#
#   OUT=/tmp/out STUDENT_EPOCHS=24 BUDGET_S=560 bash benchmarks/gpu_paper_speech.sh
set -uo pipefail
OUT=${OUT:-/tmp/gpu-paper-speech}
STUDENT_EPOCHS=${STUDENT_EPOCHS:-24}
BUDGET_S=${BUDGET_S:-560}  # the full run is stopped here (seconds since the script started), then packed
QUICK=${QUICK:-0}          # 1: the smoke run only (for trying this script on a CPU)
mkdir -p "$OUT"
touch /tmp/gpu-paper-speech-started  # a report older than this was not written by this run
LOG="$OUT/log.txt"
exec > >(tee -a "$LOG") 2>&1
say() { echo "[gpu_paper_speech $(date +%T) +${SECONDS}s] $*"; }

source benchmarks/gpu_env.sh
if [ -d .espeak ]; then
  # only the carried libraries the system lacks: a second copy of a system library could clash
  mkdir -p /tmp/espeak-lib
  for lib in .espeak/lib/*; do
    name=$(basename "$lib")
    if [ "$name" = libespeak-ng.so.1 ] || ! ldconfig -p | grep -q "^[[:space:]]*$name "; then cp "$lib" /tmp/espeak-lib/; fi
  done
  export LD_LIBRARY_PATH="/tmp/espeak-lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" ESPEAK_DATA_PATH="$PWD/.espeak"
  say "espeak-ng libraries taken from the tree: $(ls /tmp/espeak-lib | tr '\n' ' ')"
fi
python3 -c "import torch, lightning; print('torch', torch.__version__, 'lightning', lightning.__version__, \
'cuda', torch.cuda.is_available(), torch.cuda.get_device_name() if torch.cuda.is_available() else '')"
nproc | sed 's/^/CPU cores: /'

say "Viterbi: one utterance at a time (CPU) against batched (GPU), dev-set-sized"
python3 benchmarks/viterbi.py --device "$(python3 -c 'import torch; print("cuda" if torch.cuda.is_available() else "cpu")')"

pack() {  # runs so far -> $OUT/runs.tar.NN (15 MB parts); checkpoints lose their optimiser states
  rm -rf /tmp/pack && mkdir -p /tmp/pack
  [ -d runs/paper-speech ] || return 0
  cp -r runs/paper-speech /tmp/pack/ 2>/dev/null
  find /tmp/pack -name last.ckpt -delete -o -name predictions.npz -delete
  if [ docs/results/paper-speech/results.md -nt /tmp/gpu-paper-speech-started ]; then
    mkdir -p /tmp/pack/published && cp -r docs/results/paper-speech/. /tmp/pack/published/
  fi
  if [ -f data/timit-synth-hard/SYNTH.json ]; then  # to check that this corpus is byte for byte the one made elsewhere
    cp data/timit-synth-hard/SYNTH.json /tmp/pack/SYNTH.json
    [ -f /tmp/corpus.md5 ] || (cd data/timit-synth-hard && find TRAIN TEST -name '*.WAV' | sort | xargs md5sum) > /tmp/corpus.md5
    cp /tmp/corpus.md5 /tmp/pack/
  fi
  python3 - <<'EOF'
from pathlib import Path
import torch
for path in Path("/tmp/pack").rglob("best.ckpt"):
    state = torch.load(path, map_location="cpu", weights_only=True)
    for key in ("optimizer_states", "lr_schedulers"):
        state.pop(key, None)
    torch.save(state, path)
EOF
  rm -f "$OUT"/runs.tar.*
  tar -cf - -C /tmp/pack . | split -b 15M -d - "$OUT/runs.tar."
}

say "smoke run: paper-speech --quick (both CNNs, the ensemble, the narrow pair), in a scratch folder"
SMOKE_SKIP=dnn_labels,shallow_labels_w4096,shallow_mimic_w4096,mimic_transfer_1x,mimic_transfer_3x,mimic_transfer_10x
SMOKE_DIR=$(mktemp -d)  # its corpus and runs land there, never in this tree's runs/
if ! (cd "$SMOKE_DIR" && python3 -m mimic paper-speech --quick --mimic-of ensemble --skip "$SMOKE_SKIP") \
  > "$OUT/smoke.txt" 2>&1; then
  tail -60 "$OUT/smoke.txt"
  say "smoke run FAILED"
  exit 1
fi
grep "\[mimic paper-speech\]" "$OUT/smoke.txt" | tail -12
[ "$QUICK" = 1 ] && { say "smoke run passed (QUICK=1: stopping here)"; exit 0; }

say "full run: students mimic the ensemble for $STUDENT_EPOCHS epochs; stopped at ${BUDGET_S}s"
python3 -m mimic paper-speech --mimic-of ensemble --student-epochs "$STUDENT_EPOCHS" \
  --skip mimic_transfer_1x,mimic_transfer_3x,mimic_transfer_10x --trainer.enable_progress_bar=false \
  > "$OUT/full.txt" 2>&1 &
run=$!
last_pack=$SECONDS
while kill -0 "$run" 2>/dev/null; do
  sleep 5
  if [ "$SECONDS" -ge "$BUDGET_S" ]; then
    say "budget reached: stopping the run"
    kill -- "$run" 2>/dev/null; sleep 2; pkill -f "mimic paper-speech" 2>/dev/null
    break
  fi
  if [ $((SECONDS - last_pack)) -ge 30 ]; then
    grep "\[mimic paper-speech\]\|Traceback\|mimic: error" "$OUT/full.txt" | tail -2
    latest=$(ls -t runs/paper-speech/*/metrics.csv 2>/dev/null | head -1)
    [ -n "$latest" ] && echo "  $latest: $(grep -c '^[0-9]*,[0-9]*,[^,]*,[^,]*,,' "$latest") epoch rows; last: $(grep -v ',,,,,,$' "$latest" | tail -1)"
    pack
    last_pack=$SECONDS
  fi
done
wait "$run" 2>/dev/null
status=$?
grep "\[mimic paper-speech\]" "$OUT/full.txt" | tail -20
tail -5 "$OUT/full.txt"
pack
ls -la "$OUT"
say "done (full run exit status $status)"
