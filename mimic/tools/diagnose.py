"""``mimic diagnose --teacher RUN NET_RUN...``: why speech nets decode as they do, measured on dev.

For the teacher and each net (stage run folders, or checkpoints), on the dev utterances of the corpus
the first net was trained on: frame error, top-5 accuracy, the true state's NLL at T = 1 and after one
temperature per net is fitted; dev PER with the net's own decoder setting (its ``decoder.json`` from
``mimic validate``), and its errors by phone class; each net's squared logit error against the teacher
split into the per-frame offset, the teacher's top-k states and the rest; dev PER against dev frame
error at every epoch of each run (its ``metrics.csv``), tabled and plotted. Writes ``--out`` (Markdown)
and, beside it, ``<stem>.png``.
"""

import sys
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor

from mimic import atomic, errors
from mimic import batch as keys
from mimic.callbacks.phone_error_rate import read_decoder_choice
from mimic.data import TIMITDataModule
from mimic.data.timit.datasets import UtteranceBatches
from mimic.deploy.source import ModelSource, load_source
from mimic.metrics.decoding import viterbi_decode_utterances
from mimic.metrics.phone_error_rate import score_utterance
from mimic.report.rows import epoch_curve
from mimic.report.speech_diagnosis import (
    PHONE_CLASSES,
    PhoneClassErrors,
    SquaredErrorSplit,
    all_classes,
    fit_temperature,
    mean_nll,
    phone_errors_by_class,
    squared_error_split,
    top_k_accuracy,
)
from mimic.run_folder import RunFolder

DEFAULT_DECODER = (1.0, 0.0)  # PhoneErrorRateScorer's defaults: what a run without decoder.json decodes with


@dataclass
class Diagnosed:
    """One net's dev measures."""

    name: str
    frame_error: float
    top5: float
    nll: float
    temperature: float
    nll_fitted: float
    per: float
    decoder: tuple[float, float]
    decoder_source: str
    by_class: dict[str, PhoneClassErrors]
    epochs: list[tuple[int, float, float]]  # (epoch, dev frame error, dev PER) of its run
    split: SquaredErrorSplit | None = None  # against the teacher (None: the teacher itself)


def progress(message: str) -> None:
    print(f"[mimic diagnose] {message}", file=sys.stderr, flush=True)


def dev_data(source: ModelSource) -> TIMITDataModule:
    """The DataModule the net was trained with (its checkpoint's settings), set up for the dev split."""
    settings = {k: v for k, v in source.data.items() if not k.startswith("_") and k != "class_path"}
    class_path = str(source.data.get("_class_path") or source.data.get("class_path") or "")
    if not class_path.endswith("TIMITDataModule"):
        raise ValueError(f"{source.name}: trained on {class_path or 'unknown data'}; diagnose needs a speech net")
    settings["transfer_root"] = None  # dev is what is measured: unlabeled transfer speech is not read
    datamodule = TIMITDataModule(**settings)
    datamodule.setup("fit")  # the training split too: the decoder's state priors and bigram come from it
    return datamodule


@torch.inference_mode()
def dev_logits(source: ModelSource, datamodule: TIMITDataModule) -> tuple[list[Tensor], Tensor]:
    """Each dev utterance's (T_i, 183) logits, in utterance order, and the (F,) frame targets."""
    hp = datamodule.hparams
    batches = UtteranceBatches(datamodule.splits["dev"], hp.context, hp.eval_max_frames)
    by_utterance: dict[int, Tensor] = {}
    targets: dict[int, Tensor] = {}
    for chunk in batches.chunks():
        batch = batches.batch(chunk)
        logits = source.net(batch[keys.X]).float()  # (F, 183)
        lengths = batch[keys.LENGTHS].tolist()
        for utterance, scores, truth in zip(chunk, logits.split(lengths), batch[keys.Y].split(lengths), strict=True):
            by_utterance[utterance], targets[utterance] = scores, truth
    order = sorted(by_utterance)
    return [by_utterance[u] for u in order], torch.cat([targets[u] for u in order])


def decoder_setting(source: ModelSource) -> tuple[tuple[float, float], str]:
    """The net's own decoder setting: its ``decoder.json`` (chosen on dev by ``mimic validate``)."""
    path = RunFolder(source.folder).decoder_choice if source.folder is not None else None
    if path is None or not path.is_file():
        return DEFAULT_DECODER, "default"
    chosen = read_decoder_choice(path)
    return (chosen["lm_weight"], chosen["insertion_penalty"]), "decoder.json"


def epochs(source: ModelSource) -> list[tuple[int, float, float]]:
    """(epoch, dev frame error, dev PER) of each validated epoch of the net's run (its metrics.csv)."""
    if source.folder is None:
        return []
    metrics = RunFolder(source.folder).metrics
    frame_errors, pers = dict(epoch_curve(metrics, "val/err")), dict(epoch_curve(metrics, "val/per"))
    return [(epoch, frame_errors[epoch], pers[epoch]) for epoch in sorted(frame_errors.keys() & pers.keys())]


def diagnose(source: ModelSource, datamodule: TIMITDataModule, teacher: list[Tensor] | None, top_k: int):
    """The net's measures, and its dev logits (the students' reference when it is the teacher)."""
    progress(f"{source.name}: dev logits")
    utterances, targets = dev_logits(source, datamodule)
    frames = torch.cat(utterances)  # (F, 183)
    temperature, nll_fitted = fit_temperature(frames, targets)
    setting, setting_source = decoder_setting(source)
    progress(f"{source.name}: decoding dev with lm_weight {setting[0]:g}, insertion penalty {setting[1]:g}")
    log_initial, log_bigram = datamodule.bigram()
    paths = viterbi_decode_utterances(utterances, datamodule.log_state_priors(), log_initial, log_bigram, [setting])
    scored = [score_utterance(path, datamodule.reference_phones("val", u)) for u, path in enumerate(paths[0])]
    by_class = phone_errors_by_class((reference, hypothesis) for reference, hypothesis, _ in scored)
    per = sum(errors_ for _, _, errors_ in scored) / max(1, sum(len(reference) for reference, _, _ in scored))
    diagnosed = Diagnosed(
        name=source.name,
        frame_error=1.0 - top_k_accuracy(frames, targets, 1),
        top5=top_k_accuracy(frames, targets, 5),
        nll=mean_nll(frames, targets),
        temperature=temperature,
        nll_fitted=nll_fitted,
        per=per,
        decoder=setting,
        decoder_source=setting_source,
        by_class=by_class,
        epochs=epochs(source),
        split=None if teacher is None else squared_error_split(frames, torch.cat(teacher), top_k),
    )
    return diagnosed, utterances


def markdown(teacher: Diagnosed, nets: list[Diagnosed], dev_frames: int, figure: str | None) -> str:
    everyone = [teacher, *nets]
    lines = [
        "# Diagnosis on dev",
        "",
        f"{dev_frames:,} dev frames, {len(PHONE_CLASSES)} phone classes; teacher: {teacher.name}.",
        "",
        "## Frames and decoding",
        "",
        "| Net | Frame err. | Top-5 acc. | NLL (T = 1) | Fitted T | NLL (fitted T) | Dev PER | Decoder (LM weight, "
        "ins. penalty) |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for d in everyone:
        lines.append(
            f"| {d.name} | {d.frame_error:.2%} | {d.top5:.2%} | {d.nll:.3f} | {d.temperature:.2f} | "
            f"{d.nll_fitted:.3f} | {d.per:.2%} | {d.decoder[0]:g}, {d.decoder[1]:g} ({d.decoder_source}) |"
        )
    lines += [
        "",
        "NLL: the true tri-state target's mean negative log-likelihood (nats) under softmax(logits / T);",
        "the fitted T minimises it on these frames, so NLL (fitted T) compares the nets calibration aside.",
        "",
        "## Squared logit error against the teacher",
        "",
        f"Per frame, sum over the 183 logits of (net - teacher)^2, split into the frame's offset (183 x the "
        f"mean difference squared: what a softmax ignores), the centred error on the teacher's top "
        f"{nets[0].split.top_k if nets else 10} states, and on the others.",
        "",
        "| Net | Total | Offset | Teacher's top states | Other states |",
        "|---|---:|---:|---:|---:|",
    ]
    for d in nets:
        s = d.split
        shares = [f"{part:.1f} ({part / s.total:.0%})" for part in (s.offset, s.top, s.rest)]
        lines.append(f"| {d.name} | {s.total:.1f} | " + " | ".join(shares) + " |")
    lines += ["", "## Phone errors by class (dev, per reference phone of the class)", ""]
    head = "| Class | Phones | " + " | ".join(f"{d.name}: sub / del / ins" for d in everyone) + " |"
    lines += [head, "|---|---:|" + "---:|" * len(everyone)]
    for name in [*PHONE_CLASSES, "all"]:
        counts = [all_classes(d.by_class) if name == "all" else d.by_class[name] for d in everyone]
        lines.append(f"| {name} | {counts[0].reference:,} | " + " | ".join(c.rates() for c in counts) + " |")
    lines += ["", "## Dev PER against dev frame error, epoch by epoch", ""]
    for d in everyone:
        if d.epochs:
            shown = ", ".join(f"{epoch}: {err:.1%} / {per:.1%}" for epoch, err, per in d.epochs)
            lines.append(f"- {d.name} (epoch: frame err. / PER): {shown}")
    if figure:
        lines += ["", f"![dev PER against dev frame error]({figure})"]
    return "\n".join(lines) + "\n"


def plot(everyone: list[Diagnosed], path: Path) -> bool:
    """Dev PER against dev frame error, a line per net through its epochs; False if no run has any."""
    curves = [d for d in everyone if d.epochs]
    if not curves:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    for d in curves:
        ax.plot([100 * e for _, e, _ in d.epochs], [100 * p for _, _, p in d.epochs], marker="o", label=d.name)
    ax.set(xlabel="dev frame error (%)", ylabel="dev PER (%)", title="Each epoch of each run, on dev")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    atomic.write_with(path, lambda f: fig.savefig(f, format="png", dpi=120))
    plt.close(fig)
    return True


def run(teacher_name: str, net_names: list[str], out: Path, top_k: int) -> str:
    teacher_source = load_source([teacher_name])
    sources = [load_source([name]) for name in net_names]
    datamodule = dev_data(sources[0] if sources else teacher_source)
    teacher, teacher_logits = diagnose(teacher_source, datamodule, None, top_k)
    nets = [diagnose(source, datamodule, teacher_logits, top_k)[0] for source in sources]
    figure = out.with_suffix(".png")
    drawn = plot([teacher, *nets], figure)
    text = markdown(teacher, nets, len(datamodule.splits["dev"].targets), figure.name if drawn else None)
    atomic.write_text(out, text)
    progress(f"wrote {out}" + (f" and {figure}" if drawn else ""))
    return text


def main(args: list[str]) -> str:
    parser = errors.ToolParser(prog="mimic diagnose", description=__doc__)
    parser.add_argument("nets", nargs="+", help="the nets' run folders (or checkpoints), compared with the teacher")
    parser.add_argument("--teacher", required=True, help="the teacher's run folder (an ensemble's too)")
    parser.add_argument("--out", type=Path, required=True, help="the Markdown page to write (its figure beside it)")
    parser.add_argument("--top-k", type=int, default=10, help="the teacher's states counted as competing")
    parsed = parser.parse_args(args)
    if not 1 <= parsed.top_k <= 183:
        parser.error(f"--top-k must lie in [1, 183], got {parsed.top_k}")
    text = errors.reported(run, parsed.teacher, parsed.nets, parsed.out, parsed.top_k)
    print(text)
    return text
