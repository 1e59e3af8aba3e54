"""``mimic levers``: what makes a shallow mimic win, measured on Fashion-MNIST's validation split (the
settings for the demo and the paper runs are chosen here; test figures are reported only for the chosen).

One teacher (the demo's CNN trained with shifts and flips), one student net (``256L-2048``, the demo's
shallow MLP), and one lever changed at a time against the same net on labels -> ``runs/levers/results.md``.
"""

from pathlib import Path

from mimic.experiments.experiment import Experiment, Stage
from mimic.experiments.fashion_demo import QUICK
from mimic.experiments.runner import run_experiment
from mimic.report.scoring import Column, Scoring

AUGMENT = "--data.init_args.augment=true"
STREAMED = "--model.init_args.teacher.init_args.cache=false"  # random inputs: the teacher labels each view afresh
TEACHER, ENSEMBLE = ("teacher_aug",), ("teacher_aug", "teacher_aug_s1")
# each mimic against the same net on labels, plain (its twin) and with shifts and flips
LINKS = {"twin": "labels", "against": ("labels_aug",)}


def mimic(name: str, model: str, *args: str, reads: tuple[str, ...] = TEACHER) -> Stage:
    """A shallow mimic of the levers' teacher (or ``reads``) with one lever set by ``args``."""
    teacher = "teacher_aug" if reads == TEACHER else "ensemble_aug"
    return Stage(
        name, model, ("fashion/shallow_mimic.yaml",), "student", reads=reads, teacher=teacher, args=args, **LINKS
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
    Stage("ensemble_aug", "Ensemble of the two", ("fashion/ensemble.yaml",), trained=False, reads=ENSEMBLE),
    Stage("labels", "256L-2048 on labels", ("fashion/shallow_labels.yaml",), role="baseline"),
    Stage(
        "labels_aug",
        "256L-2048 on labels, shifts and flips",
        ("fashion/shallow_labels.yaml",),
        "baseline",
        args=(AUGMENT,),
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
    mimic("mimic_ens", "mimic of the ensemble of two teachers", reads=ENSEMBLE),
    mimic("mimic_ens_long", "mimic of the ensemble, 100 epochs", "--trainer.max_epochs=100", reads=ENSEMBLE),
    # the conv-shallow net 32c-p-256L-2048, on labels and as a mimic of the ensemble
    Stage("conv_labels", "32c-p-256L-2048 on labels", ("fashion/conv_shallow_labels.yaml",), "baseline"),
    Stage(
        "conv_mimic_ens",
        "32c-p-256L-2048 mimic of the ensemble, lr 0.02",
        ("fashion/conv_shallow_mimic.yaml",),
        "student",
        reads=ENSEMBLE,
        twin="conv_labels",
        teacher="ensemble_aug",
        args=("--model.init_args.lr=0.02",),
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
        count="val",
        validate=True,
        curves=(("Shallow 256L-2048: labels vs mimics", "error (%)", (("val/err", "-"), ("train/err", ":"))),),
        curve_roles=("baseline", "student"),
        paired="mcnemar",
        note="Choose on Val err.; the McNemar tests below are on the test predictions each run kept.",
    ),
    quick=QUICK,
    published=Path("docs/results/levers"),
)


def main(args: list[str]):
    return run_experiment(LEVERS, args, description=__doc__)
