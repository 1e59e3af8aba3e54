"""``mimic paper``: the paper's comparison and its Figures 1-3 on Fashion-MNIST, resumable stage by stage.

- The claim, three seeds each: a deep MLP of the shallow student's size on labels, the shallow net
  ``256L-2048`` on labels and as a mimic of an ensemble of two CNNs, the conv-shallow net on labels and
  as a mimic; every student against its label-trained twin by the exact McNemar test.
- Figure 1: test accuracy against parameters for shallow nets of four widths (128 to 4096 hidden units),
  on labels and as mimics, with the deep nets as reference lines.
- Figure 2: training and validation error by epoch of the shallow net on labels and as a mimic.
- Figure 3: mimic accuracy against teacher accuracy for teachers of different quality (one epoch, a
  small CNN, 5,000 labels, a full CNN, the ensemble).

Writes ``runs/paper/results.md|csv``, ``comparisons.csv``, ``figure1.png`` .. ``figure3.png`` and copies them
to ``docs/results/paper/``. Run again, it reuses every stage that is done and resumes the one that was
stopped; ``--quick`` is a smoke run on a few hundred images.
"""

from pathlib import Path

from mimic.experiments.experiment import Experiment, Stage, seeded, width
from mimic.experiments.fashion_demo import QUICK
from mimic.experiments.runner import run_experiment
from mimic.report.paper_figures import FigureStages, draw_figures
from mimic.report.scoring import ERROR_RATES

SEEDS = (0, 1, 2)
WIDTHS = (128, 512, 2048, 4096)  # hidden units of the 256L-H shallow nets: 32x from narrowest to widest
CLAIM_WIDTH = 2048
AUGMENT = "--data.init_args.augment=true"
# The levers' 12-epoch augmented teachers still erred as much on their training views as on validation
# (7.96% against 7.36%): they were short of training, so the paper's teachers train twice as long.
TEACHER = (AUGMENT, "--trainer.max_epochs=24")
# How the mimics train, chosen on validation by `mimic levers` (docs/results/levers): none of the L2
# levers tried (augmented views, 100 epochs) beat the configs' own settings, so the shallow mimics keep
# them; the conv-shallow mimic takes lr 0.02, the one setting with which it beat its twin on validation
# (7.96% against 8.26%).
CONV_MIMIC_RECIPE = ("--model.init_args.lr=0.02",)


def teacher(name: str, model: str, *args: str) -> Stage:
    return Stage(name, model, ("fashion/teacher_cnn.yaml",), args=args)


def mimic(name: str, model: str, teachers: list[str], *args: str, config: str = "shallow", **links) -> Stage:
    """A mimic (``config``: ``shallow`` or ``conv_shallow``) of the given teacher stages."""
    return Stage(name, model, (f"fashion/{config}_mimic.yaml",), "student", reads=tuple(teachers), args=args, **links)


def labels(name: str, model: str, config: str, *args: str) -> Stage:
    return Stage(name, model, (config,), "baseline", args=args)


ENSEMBLE = ["cnn_s0", "cnn_s1"]

TEACHERS = (
    teacher("cnn_s0", "Teacher CNN (shifts, flips), seed 0", *TEACHER, seeded(0)),
    teacher("cnn_s1", "Teacher CNN (shifts, flips), seed 1", *TEACHER, seeded(1)),
    Stage("ensemble", "Ensemble of the 2 CNNs", ("fashion/ensemble.yaml",), trained=False, reads=tuple(ENSEMBLE)),
)
CLAIM = tuple(
    stage
    for s in SEEDS
    for stage in (
        labels(f"dnn_labels_s{s}", f"DNN 448-448-448 on labels, seed {s}", "fashion/dnn_labels.yaml", seeded(s)),
        labels(f"shallow_labels_s{s}", f"256L-2048 on labels, seed {s}", "fashion/shallow_labels.yaml", seeded(s)),
        mimic(
            f"shallow_mimic_s{s}",
            f"256L-2048 mimic of the ensemble, seed {s}",
            ENSEMBLE,
            seeded(s),
            twin=f"shallow_labels_s{s}",
            teacher="ensemble",
            against=(f"dnn_labels_s{s}",),
        ),
        labels(
            f"conv_labels_s{s}", f"32c-p-256L-2048 on labels, seed {s}", "fashion/conv_shallow_labels.yaml", seeded(s)
        ),
        mimic(
            f"conv_mimic_s{s}",
            f"32c-p-256L-2048 mimic of the ensemble, seed {s}",
            ENSEMBLE,
            *CONV_MIMIC_RECIPE,
            seeded(s),
            config="conv_shallow",
            twin=f"conv_labels_s{s}",
            teacher="ensemble",
        ),
    )
)
FIGURE1 = tuple(
    stage
    for h in WIDTHS
    if h != CLAIM_WIDTH  # the claim's seed-0 runs are that width's points
    for stage in (
        labels(f"labels_w{h}", f"256L-{h} on labels", "fashion/shallow_labels.yaml", width(h)),
        mimic(f"mimic_w{h}", f"256L-{h} mimic", ENSEMBLE, width(h), twin=f"labels_w{h}", teacher="ensemble"),
    )
)
WEAKER_TEACHERS = (
    teacher("cnn_1epoch", "CNN, 1 epoch", "--trainer.max_epochs=1"),
    teacher(
        "cnn_small",
        "small CNN 8c-p-16c-p-32fc, 3 epochs",
        "--model.init_args.net.init_args.channels=[8, 16]",
        "--model.init_args.net.init_args.fc=[32]",
        "--trainer.max_epochs=3",
    ),
    teacher("cnn_5k", "CNN on 5,000 labels (shifts, flips)", *TEACHER, "--data.init_args.train_size=5000"),
)
FIGURE3 = tuple(
    mimic(f"mimic_of_{t.name}", f"256L-2048 mimic of: {t.model}", [t.name], twin="shallow_labels_s0", teacher=t.name)
    for t in (*WEAKER_TEACHERS, TEACHERS[0])
)

STAGES = (*TEACHERS, *WEAKER_TEACHERS, *CLAIM, *FIGURE1, *FIGURE3)
FIGURE_STAGES = FigureStages(
    widths={h: (f"labels_w{h}", f"mimic_w{h}") for h in WIDTHS if h != CLAIM_WIDTH}
    | {CLAIM_WIDTH: ("shallow_labels_s0", "shallow_mimic_s0")},
    seeds={
        "DNN 448-448-448 on labels": [f"dnn_labels_s{s}" for s in SEEDS],
        "256L-2048 on labels": [f"shallow_labels_s{s}" for s in SEEDS],
        "256L-2048 mimic": [f"shallow_mimic_s{s}" for s in SEEDS],
        "32c-p-256L-2048 on labels": [f"conv_labels_s{s}" for s in SEEDS],
        "32c-p-256L-2048 mimic": [f"conv_mimic_s{s}" for s in SEEDS],
    },
    references={"DNN 448-448-448 (labels)": "dnn_labels_s0", "teacher CNN": "cnn_s0", "ensemble": "ensemble"},
    curves=("shallow_labels_s0", "shallow_mimic_s0"),
    teacher_student={t.name: f"mimic_of_{t.name}" for t in (*WEAKER_TEACHERS, TEACHERS[0])}
    | {"ensemble": "shallow_mimic_s0"},
    labels_reference="shallow_labels_s0",
)

PAPER = Experiment(
    name="paper",
    title="mimic paper: Ba & Caruana's comparison and Figures 1-3 on Fashion-MNIST",
    runs=Path("runs/paper"),
    stages=STAGES,
    scoring=ERROR_RATES,
    quick=QUICK,
    figures=lambda rows, folder: draw_figures(FIGURE_STAGES, rows, folder),
    published=Path("docs/results/paper"),
)


def main(args: list[str]):
    return run_experiment(PAPER, args, description=__doc__)
