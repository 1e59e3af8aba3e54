"""``mimic demo-speech``: the paper's TIMIT comparison on a corpus synthesised here, through the real CLI.

Synthesises a TIMIT-format corpus with espeak-ng (``mimic data synth-timit``, into ``data/timit-synth``
unless it is there already), trains a DNN teacher on the 183 tri-state labels, the shallow net
``250L-2048`` on the same labels, and the same shallow net as an L2 mimic of the teacher's logits; scores
each on the dev and core-test speakers (phone error rate after Viterbi decoding, 39 folded phones) and
writes ``runs/demo-speech/results.md`` / ``results.csv`` (the paper's Table 1 layout) and ``curves.png``.
Each stage is exactly ``mimic fit|validate|test --config configs/speech/...``.
"""

import json
from pathlib import Path

from mimic.experiments.experiment import Column, Experiment, Scoring, Stage
from mimic.experiments.runner import run_experiment
from mimic.synth.corpus import MANIFEST, CorpusSettings, same_settings, synthesise_corpus

CORPUS = Path("data/timit-synth")  # the configs' data root
QUICK_CORPUS = Path("data/timit-synth-quick")
CORPUS_SETTINGS = CorpusSettings()  # the generator's defaults: 40 training, 10 dev, 6 core-test speakers
QUICK_SETTINGS = CorpusSettings(train_speakers=3, dev_speakers=1, test_speakers=1, seed=0)

STAGES = (
    Stage("dnn_teacher", "DNN teacher", ("speech/dnn_teacher.yaml",)),
    Stage("shallow_labels", "Shallow net on labels", ("speech/shallow_labels.yaml",), role="baseline"),
    Stage(
        "shallow_mimic",
        "Shallow mimic of the DNN (L2 on logits)",
        ("speech/shallow_mimic.yaml",),
        role="student",
        twin="shallow_labels",
        teacher="dnn_teacher",
    ),
)

PHONE_ERROR_RATES = Scoring(
    columns=(
        Column("PER dev", "val/per"),
        Column("PER core test", "test/per"),
        Column("Frame err. core test", "test/err"),
        Column("Agreement with teacher", "test/agreement"),
    ),
    compared=(("dev", "val/per", "PER"), ("core test", "test/per", "PER")),
    unit="reference phones of core test",
    count=lambda tested: tested.datamodule.scored_phones("test"),
    validate=True,
    paired="bootstrap",
    curves=(
        ("Phone error rate on dev", "PER (%)", (("val/per", "-"),)),
        ("Frame error: train (dotted) and dev", "frame error (%)", (("train/err", ":"), ("val/err", "-"))),
    ),
    note="PER: phone error rate after Viterbi decoding with a bigram phone LM, 61 -> 39 folded, as in the paper.",
)


def quick_args(corpus: Path) -> tuple[str, ...]:
    """--quick: a smoke run of every stage on the tiny ``corpus``; its figures mean nothing."""
    return (
        f"--data.init_args.root={corpus}",
        f"--data.init_args.cache_dir={corpus}/features",
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
        if same_settings(made_with, settings.as_json()):
            print(f"[mimic demo-speech] corpus: reusing {root} ({manifest.name} matches)", flush=True)
            return
    synthesise_corpus(root, settings, overwrite=manifest.is_file())


def prepare(quick: bool, _: set[str]) -> None:
    if quick:
        ensure_corpus(QUICK_CORPUS, QUICK_SETTINGS)
    else:
        ensure_corpus(CORPUS, CORPUS_SETTINGS)


SPEECH_DEMO = Experiment(
    name="demo-speech",
    title="mimic demo-speech: shallow mimics on a synthetic TIMIT-format corpus (espeak-ng)",
    runs=Path("runs/demo-speech"),  # where configs/speech/*.yaml put their runs (run.experiment: demo-speech)
    stages=STAGES,
    scoring=PHONE_ERROR_RATES,
    quick=quick_args(QUICK_CORPUS),  # every stage in well under a minute
    prepare=prepare,
)


def main(args: list[str]):
    return run_experiment(SPEECH_DEMO, args, description=__doc__)
