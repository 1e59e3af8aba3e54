"""The speech demo's results: the paper's Table 1 layout (PER on dev and core test) in Markdown and CSV,
and phone error rate by epoch."""

import csv
from dataclasses import asdict, dataclass
from pathlib import Path

from mimic.report import NetRow, epoch_curve

COLUMNS = ("model", "arch", "params", "hidden_units", "dev_per", "test_per", "test_frame_err", "agreement", "minutes")


@dataclass
class SpeechRow(NetRow):
    dev_per: float  # phone error rate on the dev speakers
    test_per: float  # on the core-test speakers
    test_frame_err: float  # 183-class frame error on the core-test speakers
    agreement: float | None  # frame argmax agreement with the teacher on core test (students only)
    test_phones: int  # reference phones scored on core test (for the standard error)
    minutes: float
    run_dir: Path


def _pct(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.2f}%"


def effect_sentence(rows: list[SpeechRow]) -> str:
    """The paper's claim, measured: the shallow mimic's PER against the same shallow net on labels."""
    baseline = next((r for r in rows if r.role == "baseline"), None)
    students = [r for r in rows if baseline and r.role == "student" and r.arch == baseline.arch]
    teacher = next((r for r in rows if r.role == "teacher"), None)
    if baseline is None or not students:
        return "No label-trained shallow net and mimic of the same architecture to compare."
    lines = []
    for student in students:
        for split, ours, theirs in (
            ("dev", student.dev_per, baseline.dev_per),
            ("core test", student.test_per, baseline.test_per),
        ):
            gap = 100 * (theirs - ours)
            verdict = "lower" if gap > 0 else "higher" if gap < 0 else "equal"
            lines.append(
                f"{student.model} on {split}: PER {_pct(ours)}, {abs(gap):.2f} points {verdict} than the same "
                f"net ({baseline.arch}) on labels ({_pct(theirs)})."
            )
    if teacher is not None:
        lines.append(
            f"The teacher ({teacher.arch}, {teacher.params:,} parameters): core-test PER {_pct(teacher.test_per)}."
        )
    # For scale: the binomial standard error of one PER over the core test's reference phones.
    p, n = baseline.test_per, max(baseline.test_phones, 1)
    lines.append(
        f"(For scale: one standard error of a core-test PER here is about {100 * (p * (1 - p) / n) ** 0.5:.2f} "
        f"points: {n:,} reference phones.)"
    )
    return "\n".join(f"- {line}" for line in lines)


def write_speech_report(rows: list[SpeechRow], out_dir: Path, minutes: float, quick: bool = False) -> Path:
    """Write ``results.md``, ``results.csv`` and ``curves.png`` into ``out_dir``; returns the Markdown path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / "results.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=("stage", "role", *COLUMNS))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: v for k, v in asdict(row).items() if k not in ("run_dir", "test_phones")})
    lines = [
        "# mimic demo-speech: shallow mimics on a synthetic TIMIT-format corpus (espeak-ng)",
        "",
        "| Model | Architecture | # Param. | # Hidden units | PER dev | PER core test | Frame err. core test "
        "| Agreement with teacher |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.model} | {r.arch} | {r.params:,} | {r.hidden_units:,} | {_pct(r.dev_per)} | {_pct(r.test_per)} "
            f"| {_pct(r.test_frame_err)} | {_pct(r.agreement)} |"
        )
    lines += [
        "",
        "PER: phone error rate after Viterbi decoding with a bigram phone LM, 61 -> 39 folded, as in the paper.",
        "",
        effect_sentence(rows),
        "",
        f"All stages, corpus synthesis included, took {minutes:.1f} minutes.",
    ]
    if quick:
        lines += ["", "**Quick smoke run** (`--quick`): a tiny corpus and one short epoch; these figures mean nothing."]
    lines += ["", "![phone error rate by epoch](curves.png)", ""]
    path = out_dir / "results.md"
    path.write_text("\n".join(lines))
    plot_per_curves(rows, out_dir / "curves.png")
    return path


def plot_per_curves(rows: list[SpeechRow], path: Path) -> None:
    """Dev PER and training frame error by epoch of every stage."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (per_ax, err_ax) = plt.subplots(1, 2, figsize=(11, 4.2))
    for row, color in zip(rows, plt.rcParams["axes.prop_cycle"].by_key()["color"], strict=False):
        for ax, key, style in ((per_ax, "val/per", "-"), (err_ax, "train/err", ":"), (err_ax, "val/err", "-")):
            curve = epoch_curve(row.run_dir / "metrics.csv", key)
            if curve:
                epochs, values = zip(*curve, strict=True)
                ax.plot(epochs, [100 * v for v in values], style, color=color, label=f"{row.model}: {key}")
    per_ax.set(xlabel="epoch", ylabel="PER (%)", title="Phone error rate on dev")
    err_ax.set(xlabel="epoch", ylabel="frame error (%)", title="Frame error: train (dotted) and dev")
    for ax in (per_ax, err_ax):
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
