"""``mimic demo-speech``: the paper's TIMIT comparison on a corpus synthesised here, through the real CLI.

Synthesises a TIMIT-format corpus with espeak-ng (``mimic data synth-timit``, into ``data/timit-synth``
unless it is there already), trains a DNN teacher on the 183 tri-state labels, the shallow net
``250L-2048`` on the same labels, and the same shallow net as an L2 mimic of the teacher's logits; scores
each on the dev and core-test speakers (phone error rate after Viterbi decoding, 39 folded phones) and
writes ``runs/demo-speech/results.md`` / ``results.csv`` (the paper's Table 1 layout) and ``curves.png``.
Each stage is exactly ``mimic fit|validate|test --config configs/speech/...``.
"""

from pathlib import Path

from mimic.experiments.corpora import ensure_corpus, quick_args
from mimic.experiments.experiment import Experiment, Stage
from mimic.experiments.runner import run_experiment
from mimic.report.scoring import PHONE_ERROR_RATES
from mimic.synth.corpus import CorpusSettings

CORPUS = Path("data/timit-synth")  # configs/speech/data.yaml's root
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
        reads=("dnn_teacher",),
        twin="shallow_labels",
        teacher="dnn_teacher",
    ),
)


def prepare(quick: bool, _: set[str]) -> None:
    ensure_corpus(QUICK_CORPUS, QUICK_SETTINGS) if quick else ensure_corpus(CORPUS, CORPUS_SETTINGS)


SPEECH_DEMO = Experiment(
    name="demo-speech",
    title="mimic demo-speech: shallow mimics on a synthetic TIMIT-format corpus (espeak-ng)",
    runs=Path("runs/demo-speech"),
    stages=STAGES,
    scoring=PHONE_ERROR_RATES,
    quick=quick_args(QUICK_CORPUS),  # every stage in well under a minute
    prepare=prepare,
)


def main(args: list[str]):
    return run_experiment(SPEECH_DEMO, args, description=__doc__)
