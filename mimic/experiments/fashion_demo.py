"""``mimic demo``: the paper's comparison on Fashion-MNIST, stage by stage, through the real CLI.

Trains two CNN teachers (seeds 0 and 1) and scores their ensemble; trains a deep MLP of the shallow
student's size on labels (the paper's DNN row); and every student net twice, on labels and as a mimic of
the ensemble (L2 on logits): the shallow net ``256L-2048`` and the conv-shallow net ``32c-p-256L-2048``.
Then tests every model, keeps its predictions, and writes ``runs/demo/results.md`` and ``results.csv``
(one row per model, as in the paper's tables; each student against its twin by the exact McNemar test,
with the share of the twin-to-teacher gap it closes) and ``curves.png`` (error by epoch). Each stage is
exactly ``mimic fit|test --config configs/fashion/...``.
"""

from pathlib import Path

from mimic.experiments.experiment import Column, Experiment, Scoring, Stage
from mimic.experiments.runner import run_experiment

STAGES = (
    Stage("teacher_cnn", "Teacher CNN", ("fashion/teacher_cnn.yaml",)),
    Stage("teacher_cnn_seed1", "Teacher CNN, seed 1", ("fashion/teacher_cnn.yaml", "fashion/teacher_cnn_seed1.yaml")),
    Stage("ensemble", "Ensemble of 2 CNNs (the mimics' teacher)", ("fashion/ensemble.yaml",), trained=False),
    Stage("dnn_labels", "Deep MLP of the student's size, on labels", ("fashion/dnn_labels.yaml",), role="baseline"),
    Stage("shallow_labels", "Shallow net on labels", ("fashion/shallow_labels.yaml",), role="baseline"),
    Stage(
        "shallow_mimic",
        "Shallow mimic (L2 on logits)",
        ("fashion/shallow_mimic.yaml",),
        role="student",
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
        twin="conv_shallow_labels",
        teacher="ensemble",
    ),
)

ERROR_RATES = Scoring(
    columns=(
        Column("Test err.", "test/err"),
        Column("Train err.", "train/err"),
        Column("Agreement with teacher", "test/agreement"),
    ),
    compared=(("test", "test/err", "error"),),
    unit="test images",
    count=lambda tested: len(tested.trainer.test_dataloaders.dataset),
    curves=(
        ("Shallow nets: trained on labels vs mimicking logits", "error (%)", (("val/err", "-"), ("train/err", ":"))),
    ),
    curve_roles=("baseline", "student"),
    paired="mcnemar",
    note="Train err.: the last training epoch's error (teachers with dropout on).",
)

DEMO = Experiment(
    name="demo",
    title="mimic demo: shallow mimics of deep teachers on Fashion-MNIST",
    runs=Path("runs/demo"),  # where configs/fashion/*.yaml put their runs (run.experiment: demo)
    stages=STAGES,
    scoring=ERROR_RATES,
    published=Path("docs/results/demo"),  # the README's demo table
    # --quick: a smoke run of every stage in seconds (tests, CI); its figures mean nothing.
    quick=(
        "--data.init_args.train_size=256",
        "--data.init_args.val_size=128",
        "--trainer.max_epochs=1",
        "--trainer.limit_val_batches=1",
        "--trainer.limit_test_batches=1",
        "--trainer.enable_progress_bar=false",
    ),
)


def main(args: list[str]):
    return run_experiment(DEMO, args, description=__doc__)
