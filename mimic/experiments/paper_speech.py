"""``mimic paper-speech``: the paper's Table 1 on a synthetic corpus hard enough for depth to matter.

The corpus is ``mimic data synth-timit --preset hard`` (noise at 0-20 dB, half of it babble, reverberant
rooms, rate and pitch varying within a speaker, 48 voices) with 120 training speakers and the standard
50 dev and 24 core-test names (``--corpus small``: 40 training and 20 dev speakers, all 24 core-test
ones, for a 2-core CPU). The rows, each exactly ``mimic fit|validate|test`` with configs/speech/, in the
order they run (what the claim needs first, so that a run cut short with ``--skip`` still makes it):

- two CNN teachers (seeds 0 and 1; the paper's CNN row) and their ensemble (the ECNN row), which every
  student mimics, as the paper's did;
- the shallow net ``250L-4096`` on labels (four tries: learning rate, dropout, twice the epochs) and as
  the ensemble's mimic: the paper's plain L2 (its own row, whatever it shows) and four tries of fixed
  recipes (L2 at a higher rate without clipping; L2 on centred logits with the targets floored at
  max - 10; KD at T = 2 mixed half and half with the labels; the KD recipe for twice the epochs), each
  choice made on dev PER at the net's own decoder setting; then a deep MLP of about the shallow
  students' size on labels (the DNN row) and the larger mimic ``250L-8192`` against it;
- the mimic with 1x extra *unlabeled* speech (new speakers, recorded the same way,
  ``synth-timit --transfer-for``), labelled on the fly by the teacher: what the paper's students got
  from far more inputs than the labeled set. Each epoch reads all of it, so the steps grow with the
  transfer set;
- the narrower pair ``250L-1024`` on labels and as the paper's L2 mimic; the mimic with 3x (and 10x)
  extra speech.

Every student is compared with its label-trained twin by a paired bootstrap over the core-test
utterances (``test/utterances.npz``). The report ends with ``diagnosis.md`` (``mimic diagnose`` on dev:
the teacher, the chosen twin, the paper's L2 mimic and the chosen mimic). Run again, it reuses every
stage that is done and every corpus whose manifest matches; ``--quick`` is a smoke run on a tiny corpus
(its figures mean nothing).

Options of this experiment alone: ``--corpus small`` (above); ``--mimic-of cnn`` has every student mimic
the seed-0 CNN instead of the ensemble (the second CNN and the ensemble then come last: on a CPU they
cost more than the students); ``--student-epochs N`` trains the shallow nets and the DNN for N epochs
instead of the configs' 12 (label-trained and mimic alike, each keeping its best epoch on dev; the
fourth tries 2N).
"""

from dataclasses import dataclass, replace
from pathlib import Path

from mimic import errors
from mimic.experiments.corpora import ensure_corpus, ensure_transfer, quick_args, transfer_folder
from mimic.experiments.experiment import Experiment, Stage, width
from mimic.experiments.runner import run_experiment
from mimic.report.choices import Choice
from mimic.report.rows import Row
from mimic.report.scoring import PHONE_ERROR_RATES
from mimic.synth.corpus import CorpusSettings
from mimic.synth.variability import PRESETS
from mimic.tools.diagnose import run as run_diagnosis

CORPUS = Path("data/timit-synth-hard")  # configs/speech/hard.yaml's root
QUICK_CORPUS = Path("data/timit-synth-hard-quick")
SETTINGS = CorpusSettings(train_speakers=120, dev_speakers=50, test_speakers=24, variability=PRESETS["hard"])
QUICK_SETTINGS = CorpusSettings(train_speakers=2, dev_speakers=1, test_speakers=1, variability=PRESETS["hard"])


@dataclass(frozen=True)
class CorpusSize:
    """Which hard corpus the run trains on, and where its runs go."""

    corpus: Path
    settings: CorpusSettings
    runs: Path
    summary: str
    transfer_multiples: tuple[int, ...]  # unlabeled speakers per labeled training speaker, one row each


# ``--corpus small``: the run a 2-core CPU finishes in about two hours, teachers included (each student
# epoch about 20 s there). A third of the training speech, fewer dev speakers (the per-epoch dev PER of
# every setting of the LM grid is the other cost of a fit), all 24 core-test speakers (the paired tests
# need them).
CORPUS_SIZES = {
    "full": CorpusSize(
        CORPUS, SETTINGS, Path("runs/paper-speech"), "120 training, 50 dev, 24 core-test speakers", (1, 3, 10)
    ),
    "small": CorpusSize(
        Path("data/timit-synth-hard-small"),
        CorpusSettings(train_speakers=40, dev_speakers=20, test_speakers=24, variability=PRESETS["hard"]),
        Path("runs/paper-speech-small"),
        "40 training, 20 dev, 24 core-test speakers",
        (1, 3),  # each epoch reads all of it: 10x would cost 11 labeled epochs an epoch
    ),
}
WIDTHS = (1024, 4096)
HARD = "speech/hard.yaml"  # every stage: the hard corpus and this experiment's runs

TEACHERS = {"cnn": ("cnn_s0",), "ensemble": ("cnn_s0", "cnn_s1")}  # --mimic-of: the stages mimicked
TEACHER_STAGE = {"cnn": "cnn_s0", "ensemble": "ensemble"}  # the stage whose scores are the teacher's
TEACHER_NAME = {"cnn": "the CNN", "ensemble": "the CNN ensemble"}
# The speech demo's mimic rate (AdamW 0.01) diverged here on dev: PER 51.5% after the first epoch, then
# 56.6, 59.6, 61.5% as the one-cycle rate rose (the CNN's logits on this corpus are far from the
# student's: logit MSE 23-29), so the paper's mimics take a tenth of it.
MIMIC_LR = "--model.init_args.lr=0.001"
WIDEST = max(WIDTHS)
PAPER_L2 = f"l2_mimic_w{WIDEST}"  # the paper's recipe, kept as its own row
# The twin and the mimic of the widest net get the same number of tries, chosen on dev PER (each epoch
# decoded at the net's own LM setting: configs/scoring/per.yaml). The twin: the demo's AdamW 0.003 with
# dropout 0.2, a lower rate, more dropout (the twin's training frame error was a third of its dev's).
TWIN_TRIES = {
    "lr003": (),
    "lr001": ("--model.init_args.lr=0.001",),
    "dropout04": ("--model.init_args.net.init_args.dropout=0.4",),
    "dropout04_x2epochs": ("--model.init_args.net.init_args.dropout=0.4",),
}
# The mimic: the paper's L2 at 0.001 ended at 46% training frame error, its clip (5) firing on most steps:
# a higher rate without clipping; an L2 that leaves out what the decoder never sees (the per-frame offset)
# and what the teacher rules out (logits below its max - 10 as one floor); KD, which fits the posteriors
# the decoder reads, at T = 2, half the weight on the labels where frames have them.
NO_CLIP = "--trainer.gradient_clip_val=0"
MIMIC_TRIES = {
    "l2_lr003": ("--model.init_args.lr=0.003", NO_CLIP),
    "centred_floor10": (
        "--model.init_args.lr=0.003",
        "--model.init_args.centre_logits=true",
        "--model.init_args.target_floor=10",
        NO_CLIP,
    ),
    "kd_t2_labels": (
        "--model.init_args.loss=kd",
        "--model.init_args.temperature=2",
        "--model.init_args.hard_label_weight=0.5",
        "--model.init_args.lr=0.003",
        NO_CLIP,
    ),
}
MIMIC_TRIES["kd_t2_labels_x2epochs"] = MIMIC_TRIES["kd_t2_labels"]
# The fourth try of each: the best of its first three on dev (the small corpus's run) for twice the epochs,
# since both were still improving at their last epoch.
TWICE_THE_EPOCHS = {"dropout04_x2epochs", "kd_t2_labels_x2epochs"}
CONFIG_EPOCHS = 12  # configs/speech/shallow_*.yaml's max_epochs

# The objective of the larger mimic and of the mimics with transfer speech, chosen on dev PER among the
# first three mimic tries (``--corpus small``: KD 43.96%, L2 at 0.003 44.85%, centred and floored 60.95%),
# at the configs' epochs: the transfer mimics' extra steps come from their speech.
RECIPE = "kd_t2_labels"
LARGER = 8192  # the larger mimic: the paper's 8k hidden units


@dataclass(frozen=True)
class Plan:
    """What this run of the experiment trains: whom the students mimic, and for how many epochs."""

    mimic_of: str = "ensemble"
    student_epochs: int | None = None  # None: the configs' own
    corpus: str = "full"  # a key of CORPUS_SIZES

    def student_args(self, times: int = 1) -> tuple[str, ...]:
        """The shallow nets' epochs: the plan's (the configs' unless asked), ``times`` over."""
        if times == 1:
            return () if self.student_epochs is None else (f"--trainer.max_epochs={self.student_epochs}",)
        return (f"--trainer.max_epochs={times * (self.student_epochs or CONFIG_EPOCHS)}",)


def mimic_stage(
    plan: Plan,
    name: str,
    hidden: int,
    against: str,
    *args: str,
    label: str = "",
    recipe: tuple[str, ...] = (MIMIC_LR,),
    epochs_times: int = 1,
) -> Stage:
    """250L-``hidden`` as a mimic of the teacher (``recipe``: the paper's L2 unless given), compared with its
    twin on labels and with ``against``."""
    return Stage(
        name,
        f"250L-{hidden} mimic of {TEACHER_NAME[plan.mimic_of]}{label}",
        ("speech/shallow_mimic.yaml", HARD),
        role="student",
        reads=TEACHERS[plan.mimic_of],
        twin=f"shallow_labels_w{hidden}",
        teacher=TEACHER_STAGE[plan.mimic_of],
        against=(against,),
        args=(width(hidden), *recipe, *args, *plan.student_args(epochs_times)),
    )


def labels_stage(plan: Plan, name: str, hidden: int, *args: str, label: str = "", epochs_times: int = 1) -> Stage:
    return Stage(
        name,
        f"250L-{hidden} on labels{label}",
        ("speech/shallow_labels.yaml", HARD),
        role="baseline",
        args=(width(hidden), *args, *plan.student_args(epochs_times)),
    )


def shallow_pair(plan: Plan, hidden: int) -> list[Stage]:
    """The shallow net of this width on labels, and as the teacher's L2 mimic (against the DNN of about its size)."""
    return [
        labels_stage(plan, f"shallow_labels_w{hidden}", hidden),
        mimic_stage(plan, f"shallow_mimic_w{hidden}", hidden, "dnn_labels"),
    ]


def times(try_name: str) -> int:
    """How many times the plan's epochs a try trains for."""
    return 2 if try_name in TWICE_THE_EPOCHS else 1


def tried_pair(plan: Plan) -> tuple[list[Stage], tuple[Choice, Choice]]:
    """The widest net on labels and as a mimic, each with its tries (the two choices take the names of
    ``shallow_pair``'s stages), and the paper's plain L2 mimic, a row of its own whatever it shows."""
    twin, student = f"shallow_labels_w{WIDEST}", f"shallow_mimic_w{WIDEST}"
    twins = [
        labels_stage(plan, f"{twin}_{name}", WIDEST, *args, label=f", {name}", epochs_times=times(name))
        for name, args in TWIN_TRIES.items()
    ]
    paper_l2 = mimic_stage(plan, PAPER_L2, WIDEST, "dnn_labels", label=" (the paper's L2)")
    mimics = [
        mimic_stage(
            plan, f"{student}_{name}", WIDEST, "dnn_labels", label=f", {name}", recipe=recipe, epochs_times=times(name)
        )
        for name, recipe in MIMIC_TRIES.items()
    ]
    teacher = TEACHER_NAME[plan.mimic_of]
    choices = (
        Choice(twin, f"250L-{WIDEST} on labels", tuple(s.name for s in twins), by="val/per"),
        Choice(student, f"250L-{WIDEST} mimic of {teacher}", tuple(s.name for s in mimics), by="val/per"),
    )
    return [*twins, paper_l2, *mimics], choices


def with_transfer(plan: Plan, corpus: Path, multiple: int) -> Stage:
    """The widest mimic, with the recipe chosen on dev, on its labeled speech and ``multiple`` x the labeled
    speakers of unlabeled speech; every epoch reads all of it, so its steps grow with the transfer set
    (against the same mimic without it)."""
    return mimic_stage(
        plan,
        f"mimic_transfer_{multiple}x",
        WIDEST,
        f"shallow_mimic_w{WIDEST}",
        f"--data.init_args.transfer_root={transfer_folder(corpus, multiple)}",
        label=f", {RECIPE}, + {multiple}x unlabeled speech",
        recipe=MIMIC_TRIES[RECIPE],
    )


def larger_mimic(plan: Plan) -> Stage:
    """The paper's larger mimic (its SNN-MIMIC-8k), with the recipe chosen on dev, against the DNN."""
    return replace(
        mimic_stage(
            plan, f"shallow_mimic_w{LARGER}", LARGER, "dnn_labels", label=f", {RECIPE}", recipe=MIMIC_TRIES[RECIPE]
        ),
        twin=None,  # not trained on labels: its twin costs as much as it does, and the claim is the DNN's
    )


def stages(corpus: Path, plan: Plan = Plan()) -> tuple[Stage, ...]:
    narrow = min(WIDTHS)
    first, *more = CORPUS_SIZES[plan.corpus].transfer_multiples
    cnn = [
        Stage("cnn_s0", "CNN teacher, seed 0", ("speech/cnn_teacher.yaml", HARD), args=("--seed_everything=0",)),
        Stage("cnn_s1", "CNN teacher, seed 1", ("speech/cnn_teacher.yaml", HARD), args=("--seed_everything=1",)),
        Stage(
            "ensemble",
            "Ensemble of the 2 CNNs",
            ("speech/ensemble.yaml", HARD),
            trained=False,
            reads=TEACHERS["ensemble"],
        ),
    ]
    # What the students need first; on a CPU two more CNN trainings cost more than the students, so the
    # second CNN and the ensemble come last unless the students mimic the ensemble.
    teachers, late = (cnn, []) if plan.mimic_of == "ensemble" else (cnn[:1], cnn[1:])
    dnn = Stage(
        "dnn_labels",
        "DNN 448-448-448 on labels",
        ("speech/dnn_teacher.yaml", "speech/dnn_labels.yaml", HARD),
        role="baseline",
        args=plan.student_args(),
    )
    return (
        *teachers,
        *tried_pair(plan)[0],
        dnn,
        larger_mimic(plan),
        with_transfer(plan, corpus, first),
        *shallow_pair(plan, narrow),
        *(with_transfer(plan, corpus, m) for m in more),
        *late,
    )


FLOORED_TRY = f"shallow_mimic_w{WIDEST}_centred_floor10"  # the try that shows what the decoder needs


def diagnosis_section(rows: list[Row], folder: Path, teacher: str) -> list[str]:
    """``mimic diagnose`` on dev of the teacher, the chosen twin, the paper's L2 mimic, the chosen mimic,
    the floored try and the mimics with transfer speech, into ``folder/diagnosis.md``, once the first four
    are done; the page's line that points to it."""
    by_stage = {row.stage: row for row in rows}
    nets = [f"shallow_labels_w{WIDEST}", PAPER_L2, f"shallow_mimic_w{WIDEST}"]
    if not all(stage in by_stage for stage in (teacher, *nets)):
        return []
    runs = [str(by_stage[n].run_dir) for n in nets]
    floored = by_stage[teacher].run_dir.parent / FLOORED_TRY  # a try: not a row of the table
    if (floored / "checkpoints" / "best.ckpt").is_file():
        runs.append(str(floored))
    runs += [str(row.run_dir) for row in rows if row.stage.startswith("mimic_transfer_")]
    run_diagnosis(str(by_stage[teacher].run_dir), runs, folder / "diagnosis.md", top_k=10)
    return ["Why the mimics decode as they do, measured on dev: [diagnosis.md](diagnosis.md)."]


def transfer_needed(running: set[str], multiples: tuple[int, ...]) -> list[int]:
    """The transfer sets (``multiples`` of the training speakers) that the running stages read."""
    return [m for m in multiples if f"mimic_transfer_{m}x" in running]


def experiment(quick: bool, plan: Plan = Plan()) -> Experiment:
    size = CORPUS_SIZES[plan.corpus]
    corpus, settings = (QUICK_CORPUS, QUICK_SETTINGS) if quick else (size.corpus, size.settings)
    # configs/speech/hard.yaml names the full corpus; another is named to every stage
    elsewhere = corpus != CORPUS and not quick
    where = (f"--data.init_args.root={corpus}", f"--data.init_args.cache_dir={corpus}/features") if elsewhere else ()

    def prepare(_: bool, running: set[str]) -> None:
        ensure_corpus(corpus, settings)
        for multiple in transfer_needed(running, size.transfer_multiples):
            ensure_transfer(corpus, settings, multiple)

    return Experiment(
        name="paper-speech",
        title=f"mimic paper-speech: Table 1 on a hard synthetic TIMIT-format corpus ({size.summary})",
        runs=size.runs,
        stages=stages(corpus, plan),
        scoring=PHONE_ERROR_RATES,
        quick=quick_args(QUICK_CORPUS),
        prepare=prepare,
        published=Path("docs/results/paper-speech"),
        args=where,
        choices=tried_pair(plan)[1],
        figures=lambda rows, folder: diagnosis_section(rows, folder, TEACHER_STAGE[plan.mimic_of]),
    )


def main(args: list[str]):
    parser = errors.ToolParser(prog="mimic paper-speech", add_help=False)
    parser.add_argument("--mimic-of", choices=sorted(TEACHERS), default="ensemble")
    parser.add_argument("--student-epochs", type=int, default=None)
    parser.add_argument("--corpus", choices=sorted(CORPUS_SIZES), default="full")
    opts, rest = parser.parse_known_args(args)
    if opts.student_epochs is not None and opts.student_epochs < 1:
        parser.error(f"--student-epochs: expected at least 1 epoch, got {opts.student_epochs}")
    plan = Plan(mimic_of=opts.mimic_of, student_epochs=opts.student_epochs, corpus=opts.corpus)
    return run_experiment(experiment("--quick" in rest, plan), rest, description=__doc__)
