"""``mimic demo``: the paper's comparison on Fashion-MNIST, stage by stage, through the real CLI.

Trains two CNN teachers (seeds 0 and 1) and scores their ensemble; trains a deep MLP of the shallow
student's size on labels (the paper's DNN row); and every student net twice, on labels and as a mimic of
the ensemble (L2 on logits): the shallow net ``256L-2048`` and the conv-shallow net ``32c-p-256L-2048``.
Then tests every model, keeps its predictions, times every net (``mimic speed``), and writes
``runs/demo/results.md`` and ``results.csv`` (one row per model, as in the paper's tables; each student
against its twin by the exact McNemar test, with the share of the twin-to-teacher gap it closes) and
``curves.png`` (error by epoch). Each stage is exactly ``mimic fit|test --config configs/fashion/...``.
"""

from pathlib import Path

from mimic.experiments.experiment import Experiment, Stage
from mimic.experiments.runner import run_experiment
from mimic.report.scoring import ERROR_RATES

TEACHERS = ("teacher_cnn", "teacher_cnn_seed1")
STAGES = (
    Stage("teacher_cnn", "Teacher CNN", ("fashion/teacher_cnn.yaml",)),
    Stage("teacher_cnn_seed1", "Teacher CNN, seed 1", ("fashion/teacher_cnn.yaml", "fashion/teacher_cnn_seed1.yaml")),
    Stage(
        "ensemble",
        "Ensemble of 2 CNNs (the mimics' teacher)",
        ("fashion/ensemble.yaml",),
        trained=False,
        reads=TEACHERS,
    ),
    Stage("dnn_labels", "Deep MLP of the student's size, on labels", ("fashion/dnn_labels.yaml",), role="baseline"),
    Stage("shallow_labels", "Shallow net on labels", ("fashion/shallow_labels.yaml",), role="baseline"),
    Stage(
        "shallow_mimic",
        "Shallow mimic (L2 on logits)",
        ("fashion/shallow_mimic.yaml",),
        role="student",
        reads=TEACHERS,
        twin="shallow_labels",
        teacher="ensemble",
        against=("dnn_labels",),
    ),
    Stage("conv_shallow_labels", "Conv-shallow net on labels", ("fashion/conv_shallow_labels.yaml",), role="baseline"),
    Stage(
        "conv_shallow_mimic",
        "Conv-shallow mimic",
        ("fashion/conv_shallow_mimic.yaml",),
        role="student",
        reads=TEACHERS,
        twin="conv_shallow_labels",
        teacher="ensemble",
    ),
)

# --quick: a smoke run of every stage in seconds (tests, CI); its figures mean nothing.
QUICK = (
    "--data.init_args.train_size=256",
    "--data.init_args.val_size=128",
    "--trainer.max_epochs=1",
    "--trainer.limit_val_batches=1",
    "--trainer.limit_test_batches=1",
    "--trainer.enable_progress_bar=false",
)

DEMO = Experiment(
    name="demo",
    title="mimic demo: shallow mimics of deep teachers on Fashion-MNIST",
    runs=Path("runs/demo"),
    stages=STAGES,
    scoring=ERROR_RATES,
    quick=QUICK,
    published=Path("docs/results/demo"),  # the README's demo table
)


def main(args: list[str]):
    return run_experiment(DEMO, args, description=__doc__)
