"""``mimic demo-speech``: the paper's TIMIT comparison on a corpus synthesised here, through the real CLI.

Synthesises a TIMIT-format corpus with espeak-ng (``mimic data synth-timit``, into ``data/timit-synth``
unless it is there already), trains a DNN teacher on the 183 tri-state labels, the shallow net
``250L-2048`` on the same labels, and the same shallow net as an L2 mimic of the teacher's logits; scores
each on the dev and core-test speakers (phone error rate after Viterbi decoding, 39 folded phones) and
writes ``runs/demo-speech/results.md`` / ``results.csv`` (the paper's Table 1 layout) and ``curves.png``.
Each stage is exactly ``mimic fit|validate|test --config configs/speech/...``.
"""

import argparse
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from mimic.speech_report import SpeechRow, write_speech_report
from mimic.synth.corpus import MANIFEST, CorpusSettings, synthesise_corpus

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
RUNS = Path("runs/demo-speech")  # where configs/speech/*.yaml put their runs (run.experiment: demo-speech)
CORPUS = Path("data/timit-synth")  # the configs' data root
QUICK_CORPUS = Path("data/timit-synth-quick")


@dataclass(frozen=True)
class Stage:
    name: str  # run.stage in its config
    model: str  # the row's label in the results table
    config: str  # relative to configs/
    role: str  # teacher, baseline or student


STAGES = (
    Stage("dnn_teacher", "DNN teacher", "speech/dnn_teacher.yaml", "teacher"),
    Stage("shallow_labels", "Shallow net on labels", "speech/shallow_labels.yaml", "baseline"),
    Stage("shallow_mimic", "Shallow mimic of the DNN (L2 on logits)", "speech/shallow_mimic.yaml", "student"),
)
CORPUS_SETTINGS = CorpusSettings()  # the generator's defaults: 40 training, 10 dev, 6 core-test speakers
QUICK_SETTINGS = CorpusSettings(train_speakers=3, dev_speakers=1, test_speakers=1, seed=0)
# --quick: a smoke run of every stage on a tiny corpus, in well under a minute; its figures mean nothing.
QUICK = (
    f"--data.init_args.root={QUICK_CORPUS}",
    f"--data.init_args.cache_dir={QUICK_CORPUS}/features",
    "--trainer.max_epochs=1",
    "--trainer.limit_train_batches=4",
    "--trainer.enable_progress_bar=false",
)


def ensure_corpus(root: Path, settings: CorpusSettings) -> None:
    """Synthesise the corpus unless ``root`` holds one made with ``settings``; a corpus made with other
    settings (it has our manifest) is replaced, anything else in ``root`` is left alone (an error)."""
    manifest = root / MANIFEST
    if manifest.is_file():
        made_with = json.loads(manifest.read_text()).get("settings", {})
        if made_with == asdict(settings):
            print(f"[mimic demo-speech] corpus: reusing {root} ({manifest.name} matches)", flush=True)
            return
    synthesise_corpus(root, settings, overwrite=manifest.is_file())


def run_stage(stage: Stage, config_dir: Path, extra: list[str], reuse: bool) -> SpeechRow:
    """Fit (unless reused), then score the best checkpoint on dev (validate) and core test (test)."""
    from mimic.cli import main

    config_args = ["--config", str(config_dir / stage.config), *extra]
    run_dir = RUNS / stage.name
    best = run_dir / "checkpoints" / "best.ckpt"
    started = time.monotonic()
    if not (reuse and best.is_file()):
        main(["fit", *config_args])
    dev = main(["validate", *config_args, f"--ckpt_path={best}"]).trainer.callback_metrics
    tested = main(["test", *config_args, f"--ckpt_path={best}"])
    test = tested.trainer.callback_metrics
    summary = tested.model.net_summary()
    return SpeechRow(
        **SpeechRow.fields_of(stage, summary),
        dev_per=float(dev["val/per"]),
        test_per=float(test["test/per"]),
        test_frame_err=float(test["test/err"]),
        agreement=float(test["test/agreement"]) if "test/agreement" in test else None,
        test_phones=tested.datamodule.scored_phones("test"),
        minutes=(time.monotonic() - started) / 60,
        run_dir=run_dir,
    )


def main(args: list[str]) -> list[SpeechRow]:
    parser = argparse.ArgumentParser(prog="mimic demo-speech", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny corpus, one short epoch (figures mean nothing)")
    parser.add_argument("--reuse", action="store_true", help="skip fitting stages whose best.ckpt exists")
    parser.add_argument("--configs", type=Path, default=CONFIGS, help="folder holding speech/")
    parser.epilog = "Other arguments go to every stage's `mimic fit|validate|test`, e.g. --trainer.max_epochs=4"
    opts, overrides = parser.parse_known_args(args)
    started = time.monotonic()
    if opts.quick:
        ensure_corpus(QUICK_CORPUS, QUICK_SETTINGS)
    else:
        ensure_corpus(CORPUS, CORPUS_SETTINGS)
    extra = [*(QUICK if opts.quick else ()), *overrides]
    rows = []
    for number, stage in enumerate(STAGES, 1):
        print(f"[mimic demo-speech] stage {number}/{len(STAGES)}: {stage.name}", flush=True)
        rows.append(run_stage(stage, opts.configs, extra, opts.reuse))
        row = rows[-1]
        print(
            f"[mimic demo-speech] {stage.name}: PER dev {row.dev_per:.2%}, core test {row.test_per:.2%} "
            f"({row.minutes:.1f} min)",
            flush=True,
        )
    minutes = (time.monotonic() - started) / 60
    report = write_speech_report(rows, RUNS, minutes=minutes, quick=opts.quick)
    print(report.read_text(), flush=True)
    return rows
