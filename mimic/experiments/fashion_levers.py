"""What makes a shallow mimic win, measured on Fashion-MNIST's validation split (the settings for the demo
and the paper runs are chosen here; test figures are reported only for the chosen ones).

One teacher (the demo's CNN trained with shifts and flips), one student net (``256L-2048``, the demo's
shallow MLP), and one lever changed at a time against the same net on labels:

    python -m mimic.experiments.fashion_levers [--reuse] [--quick]  ->  runs/levers/results.md
"""

import sys
from pathlib import Path

from mimic.experiments.experiment import Column, Experiment, Scoring, Stage
from mimic.experiments.fashion_demo import DEMO
from mimic.experiments.runner import run_experiment

TEACHER = "runs/levers/teacher_aug/checkpoints/best.ckpt"
ENSEMBLE = f"{TEACHER}, runs/levers/teacher_aug_s1/checkpoints/best.ckpt"
STREAMED = "--trainer.callbacks.init_args.cache=false"  # random inputs: the teacher labels each view afresh
MIMIC = ("fashion/shallow_mimic.yaml",)
LABELS = ("fashion/shallow_labels.yaml",)
AUGMENT = "--data.init_args.augment=true"
# each mimic against the same net on labels, plain (its twin) and with shifts and flips
LINKS = {"twin": "labels", "teacher": "teacher_aug", "against": ("labels_aug",)}


def mimic(name: str, model: str, *args: str, teachers: str = TEACHER) -> Stage:
    """A shallow mimic of the levers' teacher (or ``teachers``) with one lever set by ``args``."""
    links = LINKS | ({"teacher": "ensemble_aug"} if teachers != TEACHER else {})
    return Stage(
        name,
        model,
        MIMIC,
        role="student",
        args=(f"--trainer.callbacks.init_args.checkpoints=[{teachers}]", *args),
        **links,
    )


STAGES = (
    Stage(
        "teacher_aug",
        "Teacher CNN, shifts and flips, 12 epochs",
        ("fashion/teacher_cnn.yaml",),
        args=(AUGMENT, "--trainer.max_epochs=12"),
    ),
    Stage(
        "teacher_aug_s1",
        "Teacher CNN, shifts and flips, 12 epochs, seed 1",
        ("fashion/teacher_cnn.yaml",),
        args=(AUGMENT, "--trainer.max_epochs=12", "--seed_everything=1"),
    ),
    Stage(
        "ensemble_aug",
        "Ensemble of the two",
        ("fashion/ensemble.yaml",),
        trained=False,
        args=(f"--model.init_args.checkpoints=[{ENSEMBLE}]",),
    ),
    Stage("labels", "256L-2048 on labels", LABELS, role="baseline"),
    Stage(
        "labels_aug",
        "256L-2048 on labels, shifts and flips",
        LABELS,
        "baseline",
        args=("--data.init_args.augment=true",),
    ),
    mimic("mimic", "mimic, training images (logits cached)"),
    mimic(
        "mimic_views",
        "mimic + 4 fixed shifted views per image (cached), 8 epochs",
        "--data.init_args.transfer=mimic.data.images.ShiftedViews",
        "--data.init_args.transfer.copies=4",
        "--trainer.max_epochs=8",
    ),
    mimic("mimic_aug", "mimic, shifts and flips, teacher on each view", AUGMENT, STREAMED),
    mimic("kd", "Hinton KD (T=4) instead of L2 on logits", "--model.init_args.loss=kd"),
    mimic("mimic_long", "mimic, 100 epochs instead of 30", "--trainer.max_epochs=100"),
    mimic("mimic_ens", "mimic of the ensemble of two teachers", teachers=ENSEMBLE),
    mimic("mimic_ens_long", "mimic of the ensemble, 100 epochs", "--trainer.max_epochs=100", teachers=ENSEMBLE),
    # the conv-shallow net 32c-p-256L-2048, on labels and as a mimic of the ensemble
    Stage("conv_labels", "32c-p-256L-2048 on labels", ("fashion/conv_shallow_labels.yaml",), "baseline"),
    Stage(
        "conv_mimic_ens",
        "32c-p-256L-2048 mimic of the ensemble, lr 0.02",
        ("fashion/conv_shallow_mimic.yaml",),
        "student",
        args=(f"--trainer.callbacks.init_args.checkpoints=[{ENSEMBLE}]", "--model.init_args.lr=0.02"),
        twin="conv_labels",
        teacher="ensemble_aug",
    ),
    mimic(
        "mimic_mixup",
        "mimic + mixup (half of each batch)",
        "--data.init_args.transfer=mimic.data.images.Mixup",
        "--data.init_args.transfer_fraction=0.5",
        STREAMED,
    ),
)

LEVERS = Experiment(
    name="levers",
    title="What makes a shallow mimic win on Fashion-MNIST (validation decides; test kept for the chosen)",
    runs=Path("runs/levers"),
    stages=STAGES,
    scoring=Scoring(
        columns=(
            Column("Val err.", "val/err"),
            Column("Test err.", "test/err"),
            Column("Train err.", "train/err"),
            Column("Agreement with teacher", "test/agreement"),
        ),
        compared=(("validation", "val/err", "error"),),
        unit="validation images",
        count=lambda tested: len(tested.datamodule.datasets["val"]),
        validate=True,
        curves=(("Shallow 256L-2048: labels vs mimics", "error (%)", (("val/err", "-"), ("train/err", ":"))),),
        curve_roles=("baseline", "student"),
        paired="mcnemar",
        note="Choose on Val err.; the McNemar tests below are on the test predictions each run kept.",
    ),
    quick=DEMO.quick,
    published=Path("docs/results/levers"),
)


def main(args: list[str]):
    return run_experiment(LEVERS, args, description=__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
