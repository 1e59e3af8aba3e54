#!/bin/sh
# After the pilot stages (pid given): the whole Table 1 with --reuse, run from the snapshot /work/snap
# so that edits in /work/main cannot change the code under a running experiment.
cd /work/main
while kill -0 "$1" 2>/dev/null || pgrep -f "synth-timit --transfer-for" > /dev/null; do sleep 10; done
exec .venv/bin/mimic paper-speech --reuse --skip dnn_labels,mimic_transfer_1x,shallow_labels_w1024,shallow_mimic_w1024,mimic_transfer_3x,mimic_transfer_10x,cnn_s1,ensemble --trainer.enable_progress_bar=false
