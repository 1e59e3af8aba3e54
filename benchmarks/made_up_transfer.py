"""Does made-up transfer data (MUNGE, mixup) help a shallow mimic? Measured on Fashion-MNIST.

The teacher is the demo's ensemble of two CNNs (``make demo`` trains it). The student is the demo's shallow
mimic (``configs/fashion/shallow_mimic.yaml``, 256L-2048) trained for the same number of steps on:
  (a) the labeled training images only (labels unused: the teacher's logits are the targets);
  (b) those images plus MUNGE images (half of every batch);
  (c) those images plus mixup images (half of every batch);
each with all 55k training images and with only 5k of them (the teacher saw all 55k). Every run is
``mimic fit`` + ``mimic test`` through the CLI; results go to runs/transfer/results.md, .csv and .png.

    python benchmarks/made_up_transfer.py [--steps 1500] [--sizes 5000 55000] [--sources train munge mixup]
"""

import argparse
import csv
import time
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "fashion" / "shallow_mimic.yaml"
RUNS = Path("runs/transfer")
SOURCES = {
    "train set only": [],
    "+ MUNGE": ["--data.init_args.transfer=mimic.data.images.Munge", "--data.init_args.transfer.patch=2"],
    "+ mixup": ["--data.init_args.transfer=mimic.data.images.Mixup"],
}


def run(name: str, train_size: int, steps: int, source_args: list[str]) -> dict:
    from mimic.cli import main

    stage = f"{name.strip('+ ').split()[0].lower()}_{train_size}_{steps}"
    common = [
        "--config",
        str(CONFIG),
        f"--run.root={RUNS.parent}",
        f"--run.experiment={RUNS.name}",
        f"--run.stage={stage}",
        f"--data.init_args.train_size={train_size}",
        "--trainer.enable_progress_bar=false",
        "--trainer.enable_model_summary=false",
        "--trainer.callbacks.init_args.cache=false",  # made-up images differ on every draw
        *source_args,
    ]
    if source_args:
        common.append("--data.init_args.transfer_fraction=0.5")
    started = time.monotonic()
    # validate every `steps / 3` steps, across epoch ends: runs with and without transfer data have epochs
    # of different lengths, and each validation costs a teacher forward over the 5k validation images
    schedule = [f"--trainer.max_steps={steps}", "--trainer.max_epochs=-1", "--trainer.check_val_every_n_epoch=null"]
    main(["fit", *common, *schedule, f"--trainer.val_check_interval={steps // 3}"])
    best = RUNS / stage / "checkpoints" / "best.ckpt"
    metrics = main(["test", *common, f"--ckpt_path={best}"]).trainer.callback_metrics
    return {
        "source": name,
        "train_size": train_size,
        "steps": steps,
        "test_err": float(metrics["test/err"]),
        "agreement": float(metrics["test/agreement"]),
        "minutes": (time.monotonic() - started) / 60,
    }


def previous_rows() -> list[dict]:
    """Rows of earlier invocations (other sizes, steps or sources), so that one table holds them all."""
    if not (RUNS / "results.csv").is_file():
        return []
    with open(RUNS / "results.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    numbers = {"train_size": int, "steps": int, "test_err": float, "agreement": float, "minutes": float}
    return [{k: numbers.get(k, str)(v) for k, v in row.items()} for row in rows]


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = sorted({(r["train_size"], r["steps"]) for r in rows})  # one cluster of bars each
    fig, ax = plt.subplots(figsize=(2 + 2 * len(groups), 3.5))
    width = 0.8 / len(SOURCES)
    for k, source in enumerate(SOURCES):
        found = [(g, r) for g, group in enumerate(groups) for r in rows if (r["train_size"], r["steps"]) == group]
        bars = [(g, 100 * r["test_err"]) for g, r in found if r["source"] == source]
        ax.bar([g + k * width for g, _ in bars], [e for _, e in bars], width, label=source)
    labels = [f"{size:,} labeled\n{steps:,} steps" for size, steps in groups]
    ax.set_xticks([g + width for g in range(len(groups))], labels)
    ax.set_ylabel("test error (%)")
    ax.set_title("Shallow mimic of a CNN ensemble, Fashion-MNIST")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def examples(path: Path, count: int = 8) -> None:
    """A grid: training images, then MUNGE images, then mixup images, as the students see them."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    import torch

    from mimic.data import FashionMNISTDataModule
    from mimic.data.images import Mixup, Munge

    torch.manual_seed(0)
    data = FashionMNISTDataModule(train_size=5000)
    data.setup("fit")
    rows = {"training images": data.train_images[:count]}
    for name, source in (("MUNGE (patch 2)", Munge(patch=2)), ("mixup", Mixup())):
        source.setup(data.train_images)
        rows[name] = source.images(np.arange(count))
    fig, axes = plt.subplots(len(rows), count, figsize=(count * 0.9, len(rows) * 1.1))
    for r, (name, images) in enumerate(rows.items()):
        for c in range(count):
            axes[r, c].imshow(images[c, 0], cmap="gray", vmin=0, vmax=255)
            axes[r, c].axis("off")
        axes[r, 0].set_title(name, fontsize=8, loc="left")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=1500, help="optimisation steps of every student")
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 55000], help="labeled images used")
    kinds = ["train", "munge", "mixup"]
    parser.add_argument("--sources", nargs="+", choices=kinds, default=kinds, help="which students to train")
    opts = parser.parse_args()
    rows = previous_rows()
    chosen = [name for name in SOURCES if name.strip("+ ").split()[0].lower() in opts.sources]
    for size in opts.sizes:
        for name in chosen:
            row = run(name, size, opts.steps, SOURCES[name])
            rows = [r for r in rows if (r["source"], r["train_size"], r["steps"]) != (name, size, opts.steps)] + [row]
            print(f"[made_up_transfer] {name}, {size}, {opts.steps} steps: {row['test_err']:.2%}", flush=True)
    rows.sort(key=lambda r: (r["train_size"], r["steps"], list(SOURCES).index(r["source"])))
    RUNS.mkdir(parents=True, exist_ok=True)
    with open(RUNS / "results.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    lines = [
        "| Student data | Labeled images | Steps | Test err. | Agreement | Minutes |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r['source']} | {r['train_size']:,} | {r['steps']} | {r['test_err']:.2%} | {r['agreement']:.2%} "
        f"| {r['minutes']:.1f} |"
        for r in rows
    ]
    (RUNS / "results.md").write_text("\n".join(lines) + "\n")
    plot(rows, RUNS / "results.png")
    examples(RUNS / "examples.png")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
