"""The demo's results: the paper's table layout in Markdown and CSV, error curves, and a W&B table."""

import csv
from dataclasses import asdict, dataclass
from pathlib import Path

COLUMNS = ("model", "arch", "params", "hidden_units", "test_err", "train_err", "agreement", "minutes")


@dataclass
class NetRow:
    """What every results row (this demo's and the speech demo's) says about its stage and net."""

    stage: str
    model: str
    role: str  # teacher, baseline or student
    arch: str
    params: int
    hidden_units: int

    @staticmethod
    def fields_of(stage, summary: dict) -> dict:
        """The fields above from a demo stage (name, model, role) and ``net_summary()``."""
        return {
            "stage": stage.name,
            "model": stage.model,
            "role": stage.role,
            "arch": summary["net/arch"],
            "params": summary["net/params"],
            "hidden_units": summary["net/hidden_units"],
        }


@dataclass
class Row(NetRow):
    test_err: float
    agreement: float | None  # test argmax agreement with the teacher (students only)
    minutes: float
    run_dir: Path

    @property
    def train_err(self) -> float | None:
        """Training error of the last epoch, from the run's metrics.csv (``None`` if not trained)."""
        curve = epoch_curve(self.run_dir / "metrics.csv", "train/err")
        return curve[-1][1] if curve else None


def epoch_curve(metrics_csv: Path, key: str) -> list[tuple[int, float]]:
    """(epoch, value) pairs of one metric in a CSVLogger file."""
    if not metrics_csv.is_file():
        return []
    with metrics_csv.open() as f:
        return [(int(r["epoch"]), float(r[key])) for r in csv.DictReader(f) if r.get(key)]


def _pct(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.2f}%"


def effect_sentence(rows: list[Row]) -> str:
    """The paper's claim, measured: each shallow student against the same shallow net trained on labels."""
    baseline = next((r for r in rows if r.role == "baseline"), None)
    students = [r for r in rows if baseline and r.role == "student" and r.arch == baseline.arch]
    if baseline is None or not students:
        return "No label-trained baseline and mimic of the same architecture to compare."
    lines = [
        f"Same shallow net ({baseline.arch}, {baseline.params:,} parameters) trained on labels: test error "
        f"{_pct(baseline.test_err)}, training error in the last epoch {_pct(baseline.train_err)}."
    ]
    for student in students:
        gap = 100 * (baseline.test_err - student.test_err)
        verdict = "lower" if gap > 0 else "higher" if gap < 0 else "equal"
        lines.append(
            f"{student.model}: test error {_pct(student.test_err)}, {abs(gap):.2f} points {verdict} than on labels; "
            f"training error {_pct(student.train_err)}."
        )
    # For scale: the binomial standard error of one error rate measured on the 10k test images.
    noise = 100 * (baseline.test_err * (1 - baseline.test_err) / 10_000) ** 0.5
    lines.append(f"(For scale: one standard error of a single test error here is {noise:.2f} points.)")
    return "\n".join(f"- {line}" for line in lines)


def write_report(rows: list[Row], out_dir: Path, minutes: float, quick: bool = False, wandb: bool = False) -> Path:
    """Write ``results.md``, ``results.csv`` and ``curves.png`` into ``out_dir``; returns the Markdown path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / "results.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=("stage", "role", *COLUMNS))
        writer.writeheader()
        for row in rows:
            values = {k: v for k, v in asdict(row).items() if k != "run_dir"}
            writer.writerow({**values, "train_err": row.train_err})
    lines = [
        "# mimic demo: shallow mimics of deep teachers on Fashion-MNIST",
        "",
        "| Model | Architecture | # Param. | # Hidden units | Test err. | Train err. | Agreement with teacher |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.model} | {r.arch} | {r.params:,} | {r.hidden_units:,} | {_pct(r.test_err)} "
            f"| {_pct(r.train_err)} | {_pct(r.agreement)} |"
        )
    lines += ["", effect_sentence(rows), "", f"All stages took {minutes:.1f} minutes."]
    if quick:
        lines += ["", "**Quick smoke run** (`--quick`): tiny data and one epoch, so these figures mean nothing."]
    lines += ["", "![error by epoch](curves.png)", ""]
    path = out_dir / "results.md"
    path.write_text("\n".join(lines))
    plot_curves(rows, out_dir / "curves.png")
    if wandb:
        log_wandb_table(rows, out_dir)
    return path


def plot_curves(rows: list[Row], path: Path) -> None:
    """Validation and training error by epoch of the shallow nets: the label net overfits, the mimic less."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    shallow = [row for row in rows if row.role != "teacher"]
    for row, color in zip(shallow, plt.rcParams["axes.prop_cycle"].by_key()["color"], strict=False):
        for key, style in (("val/err", "-"), ("train/err", ":")):
            curve = epoch_curve(row.run_dir / "metrics.csv", key)
            if curve:
                epochs, values = zip(*curve, strict=True)
                label = f"{row.model}: {key.split('/')[0]}"
                ax.plot(epochs, [100 * v for v in values], style, color=color, label=label)
    for row in rows:
        if row.role == "teacher" and row.stage == "ensemble":
            ax.axhline(100 * row.test_err, color="grey", lw=0.8, ls="--", label=f"{row.model}: test")
    ax.set(xlabel="epoch", ylabel="error (%)", title="Shallow nets: trained on labels vs mimicking logits")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def log_wandb_table(rows: list[Row], out_dir: Path) -> None:
    """One W&B run (job_type "report") holding the results table and the curves, grouped with the stages."""
    import wandb

    run = wandb.init(project="mimic", group="demo", job_type="report", name="results", dir=str(out_dir))
    table = wandb.Table(columns=list(COLUMNS))
    for r in rows:
        table.add_data(r.model, r.arch, r.params, r.hidden_units, r.test_err, r.train_err, r.agreement, r.minutes)
    run.log({"results": table, "curves": wandb.Image(str(out_dir / "curves.png"))})
    run.finish()
