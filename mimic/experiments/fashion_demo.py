"""``mimic demo``: the paper's comparison on Fashion-MNIST where its effect lives, stage by stage, through
the real CLI.

**Few labels, much transfer** (the paper's CIFAR setting in miniature): only 1,000 of the 55,000 training
images keep their labels. Four CNN teachers (shifts and flips, seeds 0-3) and their ensemble, a deep MLP
of the student's size, and each student net on labels learn from those 1,000; each mimic regresses the
ensemble's logits on all 55,000 images, the 54,000 others unlabeled and labeled by the teacher. The twin
on labels gets two tries (plain; shifts, flips and mixup), the mimic two (two learning rates), each
chosen on validation. **All labels**: one CNN teacher, the shallow net on labels and its mimic, the
regime where mimicking has least to give, kept for contrast.

Then tests every model, keeps its predictions, times every net (``mimic speed``), and writes
``runs/demo/results.md`` and ``results.csv`` (each student against its twin by the exact McNemar test, with
the share of the twin-to-teacher gap it closes) and ``curves.png``. Each stage is exactly
``mimic fit|validate|test --config configs/fashion/...``.
"""

from pathlib import Path

from mimic.experiments.experiment import Experiment, Stage, seeded
from mimic.experiments.runner import run_experiment
from mimic.report.choices import Choice
from mimic.report.scoring import VALIDATED_ERROR_RATES

FEW = "fashion/few_labels.yaml"
FEW_MIMIC = "fashion/few_labels_mimic.yaml"
AUGMENT = "--data.init_args.augment=true"
MIXUP = ("--data.init_args.mix=mixup", "--data.init_args.mix_share=0.5")
# --quick: the smoke run has 256 training images; 64 of them keep their labels
QUICK_FEW = ("--data.init_args.labeled_size=64",)
# The four teachers' logits on the 55,000 images, computed once and shared by the mimics' tries.
SHARED_LOGITS = "--model.init_args.teacher.init_args.cache_dir=runs/demo/teacher_logits"

MEMBERS = tuple(f"few_cnn_s{seed}" for seed in range(4))
FEW_TEACHERS = tuple(
    Stage(
        f"few_cnn_s{seed}",
        f"Teacher CNN on 1,000 labels (shifts, flips), seed {seed}",
        ("fashion/teacher_cnn.yaml", FEW),
        args=(AUGMENT, "--trainer.max_epochs=80", seeded(seed)),
        quick=QUICK_FEW,
    )
    for seed in range(4)
)


def few_labels(name: str, model: str, config: str, *args: str) -> Stage:
    return Stage(name, model, (config, FEW), "baseline", args=args, quick=QUICK_FEW)


def few_mimic(name: str, model: str, config: str, *args: str, **links) -> Stage:
    return Stage(
        name,
        model,
        (config, FEW_MIMIC),
        "student",
        reads=MEMBERS,
        args=(SHARED_LOGITS, *args),
        quick=QUICK_FEW,
        teacher="few_ensemble",
        **links,
    )


FEW_LABELS = (
    *FEW_TEACHERS,
    Stage(
        "few_ensemble",
        "Ensemble of the 4 CNNs on 1,000 labels (the mimics' teacher)",
        ("fashion/ensemble.yaml",),
        trained=False,
        reads=MEMBERS,
    ),
    few_labels("few_dnn", "Deep MLP 448-448-448 on 1,000 labels", "fashion/dnn_labels.yaml"),
    few_labels("few_shallow_labels_plain", "plain", "fashion/shallow_labels.yaml"),
    few_labels("few_shallow_labels_mixup", "shifts, flips, mixup", "fashion/shallow_labels.yaml", AUGMENT, *MIXUP),
    few_mimic(
        "few_shallow_mimic_lr05",
        "lr 0.05",
        "fashion/shallow_mimic.yaml",
        twin="few_shallow_labels",
        against=("few_dnn",),
    ),
    few_mimic(
        "few_shallow_mimic_lr02",
        "lr 0.02",
        "fashion/shallow_mimic.yaml",
        "--model.init_args.lr=0.02",
        twin="few_shallow_labels",
        against=("few_dnn",),
    ),
    few_labels(
        "few_conv_labels",
        "Conv-shallow net on 1,000 labels (shifts, flips)",
        "fashion/conv_shallow_labels.yaml",
        AUGMENT,
    ),
    few_mimic(
        "few_conv_mimic",
        "Conv-shallow mimic of the ensemble, 54,000 unlabeled images",
        "fashion/conv_shallow_mimic.yaml",
        "--trainer.max_epochs=5",
        twin="few_conv_labels",
    ),
)
CHOICES = (
    Choice(
        "few_shallow_labels", "Shallow net on 1,000 labels", ("few_shallow_labels_plain", "few_shallow_labels_mixup")
    ),
    Choice(
        "few_shallow_mimic",
        "Shallow mimic of the ensemble, 54,000 unlabeled images",
        ("few_shallow_mimic_lr05", "few_shallow_mimic_lr02"),
    ),
)
ALL_LABELS = (
    Stage("teacher_cnn", "Teacher CNN on all 55,000 labels", ("fashion/teacher_cnn.yaml",)),
    Stage("shallow_labels", "Shallow net on all labels", ("fashion/shallow_labels.yaml",), role="baseline"),
    Stage(
        "shallow_mimic",
        "Shallow mimic of the CNN, all labels",
        ("fashion/shallow_mimic.yaml",),
        role="student",
        reads=("teacher_cnn",),
        twin="shallow_labels",
        teacher="teacher_cnn",
    ),
)
STAGES = (*FEW_LABELS, *ALL_LABELS)

# --quick: a smoke run of every stage in seconds (tests, CI); its figures mean nothing.
QUICK = (
    "--data.init_args.train_size=256",
    "--data.init_args.val_size=128",
    "--trainer.max_epochs=1",
    "--trainer.check_val_every_n_epoch=1",
    "--trainer.limit_val_batches=1",
    "--trainer.limit_test_batches=1",
    "--trainer.enable_progress_bar=false",
)

DEMO = Experiment(
    name="demo",
    title="mimic demo: shallow mimics of deep teachers on Fashion-MNIST, with 1,000 labels and with all",
    runs=Path("runs/demo"),
    stages=STAGES,
    scoring=VALIDATED_ERROR_RATES,
    quick=QUICK,
    published=Path("docs/results/demo"),  # the README's demo table
    choices=CHOICES,
)


def main(args: list[str]):
    return run_experiment(DEMO, args, description=__doc__)
