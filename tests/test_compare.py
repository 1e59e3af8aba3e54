"""``mimic compare``: a student against its twin and teacher from the runs' kept test predictions."""

import numpy as np

from mimic.cli import main


def _kept(folder, right: np.ndarray) -> None:
    """A run folder whose kept test predictions are right exactly where ``right`` (N,) says."""
    label = np.arange(len(right)) % 10
    argmax = np.where(right, label, (label + 1) % 10)
    (folder / "test").mkdir(parents=True)
    np.savez(
        folder / "test/predictions.npz",
        index=np.arange(len(right)),
        label=label,
        argmax=argmax,
        logits=np.zeros((len(right), 10), np.float32),
    )


def test_compare_counts_the_discordant_images_and_the_gap(tmp_path):
    n = 200
    teacher = np.ones(n, bool)
    teacher[:10] = False  # 5% error
    twin = np.ones(n, bool)
    twin[:40] = False  # 20%
    student = np.ones(n, bool)
    student[:20] = False  # 10%: right on 20 images the twin gets wrong, wrong on none it gets right
    for name, right in (("teacher", teacher), ("twin", twin), ("student", student)):
        _kept(tmp_path / name, right)
    text = main(
        [
            "compare",
            str(tmp_path / "student"),
            "--twin",
            str(tmp_path / "twin"),
            "--teacher",
            str(tmp_path / "teacher"),
            "--md",
            str(tmp_path / "table.md"),
        ]
    )
    lines = text.splitlines()
    assert lines[2].startswith("| teacher | twin (teacher's lead) | 5.00% | 20.00% | +15.00 |")
    # 20 discordant images, all the student's: p = 2 / 2^20; the gap: (20 - 10) / (20 - 5)
    assert lines[3] == "| student | twin (twin on labels) | 10.00% | 20.00% | +10.00 | 67% | 20 / 0 | 1.9e-06 |"
    assert (tmp_path / "table.md").read_text() == text


def test_compare_speech_runs_by_the_bootstrap_over_utterances(tmp_path):
    from mimic.callbacks.utterance_results import UtteranceResult, write_utterance_results

    def kept(folder, errors: list[int]) -> None:
        results = [
            UtteranceResult(f"dr1/spk{u}/sx{u}", ["a"] * 10, ["a"] * 10, e, np.zeros(3, np.int64))
            for u, e in enumerate(errors)
        ]
        (folder / "test").mkdir(parents=True)
        write_utterance_results(folder / "test/utterances.npz", results, 1.0, 0.0)

    kept(tmp_path / "twin", [3] * 40)  # PER 30%
    kept(tmp_path / "student", [1] * 40)  # PER 10%
    text = main(["compare", str(tmp_path / "student"), "--twin", str(tmp_path / "twin")])
    row = text.splitlines()[2]
    assert row.startswith("| student | twin (twin on labels) | 10.00% | 30.00% | +20.00 |  | [+20.00, +20.00] |")
    assert "95% CI of Δ (points)" in text and "bootstrap" in text
    _kept(tmp_path / "images", np.ones(40, bool))
    assert "one kept image predictions, the other speech" in _fails(tmp_path / "images", tmp_path / "twin")


def _fails(student, twin) -> str:
    import pytest

    from mimic.tools.compare import run

    with pytest.raises(ValueError) as err:
        run(student, twin, None, [], None)
    return str(err.value)
