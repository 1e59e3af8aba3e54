"""Where a stage's files live, declared once: the ``mimic`` command, the callbacks that write files, the
experiment runner, the report and ``mimic export|speed`` all ask ``RunFolder``.

```
runs/<experiment>/<stage>/          a stage (``run.root``/``run.experiment``/``run.stage``)
    record.json                     how far the stage got and what it read (``mimic.stage_record``)
    scores.json                     what its validate and test runs measured (the report's row)
    labeled.json                    the training images that kept their labels (``data.labeled_size``)
    config.yaml  metrics.csv        the fit's resolved config and its logs
    checkpoints/best.ckpt           the best epoch by ``run.monitor``; the next stage reads it
    checkpoints/last.ckpt           the run as it last stood: what ``--ckpt_path last`` resumes
    decoder.json                    the decoder setting ``mimic validate`` chose on dev (speech)
    validate/  test/                evaluation runs: their own config.yaml and metrics.csv, and
        test/predictions.npz        every test sample's logits (images and speech)
        test/utterances.npz         every test utterance's scored phones (speech)
```

The ``mimic`` command sets the trainer's ``default_root_dir`` to ``RunFolder.run_dir(subcommand)``, so a
callback finds its stage from the trainer alone (``RunFolder.of_trainer``).
"""

from dataclasses import dataclass
from pathlib import Path

import lightning.pytorch as pl

EVALUATIONS = ("validate", "test", "predict")  # subcommands that get a subfolder of their own


@dataclass(frozen=True)
class RunFolder:
    """Args:
    stage_dir: ``runs/<experiment>/<stage>``.
    """

    stage_dir: Path

    @classmethod
    def of(cls, root: str | Path, experiment: str, stage: str) -> "RunFolder":
        return cls(Path(root) / experiment / stage)

    @classmethod
    def of_trainer(cls, trainer: pl.Trainer) -> "RunFolder":
        """The stage a trainer made by the ``mimic`` command runs in."""
        run_dir = Path(trainer.default_root_dir)
        return cls(run_dir.parent if trainer.state.fn in EVALUATIONS else run_dir)

    def run_dir(self, subcommand: str | None) -> Path:
        """Where a run of ``subcommand`` logs: evaluation runs never overwrite the fit's logs."""
        return self.stage_dir / subcommand if subcommand in EVALUATIONS else self.stage_dir

    @property
    def checkpoints(self) -> Path:
        return self.stage_dir / "checkpoints"

    @property
    def best(self) -> Path:
        return self.checkpoints / "best.ckpt"

    @property
    def last(self) -> Path:
        return self.checkpoints / "last.ckpt"

    @property
    def record(self) -> Path:
        return self.stage_dir / "record.json"

    @property
    def labeled_split(self) -> Path:
        """Which training images kept their labels under ``data.labeled_size`` (written by the fit)."""
        return self.stage_dir / "labeled.json"

    @property
    def scores(self) -> Path:
        return self.stage_dir / "scores.json"

    @property
    def config(self) -> Path:
        return self.stage_dir / "config.yaml"

    @property
    def metrics(self) -> Path:
        return self.stage_dir / "metrics.csv"

    @property
    def decoder_choice(self) -> Path:
        return self.stage_dir / "decoder.json"

    @property
    def predictions(self) -> Path:
        return self.stage_dir / "test" / "predictions.npz"

    @property
    def utterances(self) -> Path:
        return self.stage_dir / "test" / "utterances.npz"
