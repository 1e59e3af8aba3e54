"""``mimic demo-speech``: the paper's TIMIT comparison on a hard corpus synthesised here, through the real CLI.

Synthesises the small hard TIMIT-format corpus of ``mimic paper-speech --corpus small`` with espeak-ng
(noise, babble, reverberation, 48 voices; 40 training, 20 dev and 24 core-test speakers; into
``data/timit-synth-hard-small`` unless it is there already), trains a CNN teacher on the 183 tri-state
labels, the shallow net ``250L-4096`` on the same labels, and the same shallow net as the teacher's mimic
with the recipe ``mimic paper-speech`` chose on dev (``paper_speech.RECIPE``) on the labeled speech and
3x as many unlabeled speakers (``data/timit-synth-hard-small-transfer-3x``), which the teacher labels on
the fly, each epoch reading all of it; scores each on the dev and core-test speakers (phone error rate
after Viterbi decoding, 39 folded phones) and writes ``runs/demo-speech/results.md`` / ``results.csv``
(the paper's Table 1 layout, with the paired bootstrap of the mimic against its twin) and
``curves.png``. Each stage is exactly ``mimic fit|validate|test --config configs/speech/...``.

On the clean corpus the generator makes by default (``data/timit-synth``, ``configs/speech/data.yaml``)
a DNN teacher loses to the shallow net on labels, and a demo there cannot show a mimic closing a gap.
"""

from pathlib import Path

from mimic.experiments.corpora import ensure_corpus, ensure_transfer, quick_args, transfer_folder
from mimic.experiments.experiment import Experiment, Stage, width
from mimic.experiments.paper_speech import CORPUS_SIZES, HARD, MIMIC_TRIES, RECIPE, WIDEST
from mimic.experiments.runner import run_experiment
from mimic.report.scoring import PHONE_ERROR_RATES
from mimic.synth.corpus import CorpusSettings

SIZE = CORPUS_SIZES["small"]
CORPUS, CORPUS_SETTINGS = SIZE.corpus, SIZE.settings
QUICK_CORPUS = Path("data/timit-synth-quick")
QUICK_SETTINGS = CorpusSettings(train_speakers=3, dev_speakers=1, test_speakers=1, seed=0)
TRANSFER_MULTIPLE = 3  # unlabeled speakers per labeled one: what made the mimic win in paper-speech

STAGES = (
    Stage("cnn_teacher", "CNN teacher", ("speech/cnn_teacher.yaml", HARD)),
    Stage(
        "shallow_labels",
        f"250L-{WIDEST} on labels",
        ("speech/shallow_labels.yaml", HARD),
        role="baseline",
        args=(width(WIDEST),),
    ),
    Stage(
        "shallow_mimic",
        f"250L-{WIDEST} mimic of the CNN ({RECIPE}, + {TRANSFER_MULTIPLE}x unlabeled speech)",
        ("speech/shallow_mimic.yaml", HARD),
        role="student",
        reads=("cnn_teacher",),
        twin="shallow_labels",
        teacher="cnn_teacher",
        args=(
            width(WIDEST),
            *MIMIC_TRIES[RECIPE],
            f"--data.init_args.transfer_root={transfer_folder(CORPUS, TRANSFER_MULTIPLE)}",
        ),
        quick=(f"--data.init_args.transfer_root={transfer_folder(QUICK_CORPUS, TRANSFER_MULTIPLE)}",),
    ),
)


def prepare(quick: bool, running: set[str]) -> None:
    corpus, settings = (QUICK_CORPUS, QUICK_SETTINGS) if quick else (CORPUS, CORPUS_SETTINGS)
    ensure_corpus(corpus, settings)
    if "shallow_mimic" in running:
        ensure_transfer(corpus, settings, TRANSFER_MULTIPLE)


SPEECH_DEMO = Experiment(
    name="demo-speech",
    title="mimic demo-speech: a shallow mimic of a CNN on a hard synthetic TIMIT-format corpus (espeak-ng)",
    runs=Path("runs/demo-speech"),
    stages=STAGES,
    scoring=PHONE_ERROR_RATES,
    quick=quick_args(QUICK_CORPUS),  # every stage in well under a minute
    prepare=prepare,
    args=(f"--data.init_args.root={CORPUS}", f"--data.init_args.cache_dir={CORPUS}/features"),
)


def main(args: list[str]):
    return run_experiment(SPEECH_DEMO, args, description=__doc__)
