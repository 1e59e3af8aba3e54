#!/bin/sh
# The speech Table 1 run of this session: the two stages that decide whether the corpus is hard enough
# (CNN teacher vs the wide shallow net on labels, on dev) first, then everything with --reuse.
set -e
cd /work/main
.venv/bin/python - <<'PY'
from mimic.cli import main
from mimic.experiments import paper_speech
from mimic.experiments.runner import stage_arguments
full = paper_speech.experiment(quick=False)
for stage in full.stages:
    if stage.name in ("cnn_s0", "shallow_labels_w4096"):
        print(f"[pilot] {stage.name}", flush=True)
        main(["fit", *stage_arguments(full, stage), "--trainer.enable_progress_bar=false"])
PY
while pgrep -f "synth-timit --transfer-for" > /dev/null; do sleep 10; done
.venv/bin/mimic paper-speech --reuse --trainer.enable_progress_bar=false
