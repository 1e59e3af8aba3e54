"""``mimic diagnose``: its measures by hand, and the tool on the fixture corpus through the real CLI."""

import math
import sys

import pytest
import torch

from mimic.cli import console_main, main
from mimic.report.speech_diagnosis import (
    PHONE_CLASS,
    all_classes,
    fit_temperature,
    mean_nll,
    phone_errors_by_class,
    squared_error_split,
    top_k_accuracy,
)
from tests.fixtures.configs import write_config
from tests.fixtures.timit import make_timit


def test_squared_error_split_adds_up_to_the_squared_error():
    student, teacher = torch.randn(50, 20), torch.randn(50, 20) * 3
    split = squared_error_split(student + 4.0, teacher, top_k=5)
    assert split.total == pytest.approx(float((student + 4.0 - teacher).pow(2).sum(dim=-1).mean()), rel=1e-6)
    # the offset part is the per-frame mean difference, 20 x its square: about 20 x 4^2 here
    mean = (student + 4.0 - teacher).mean(dim=-1)
    assert split.offset == pytest.approx(float(20 * mean.pow(2).mean()), rel=1e-6)
    # a student off by a constant per frame has all its error in the offset
    shifted = squared_error_split(teacher + torch.randn(50, 1), teacher)
    assert shifted.top == pytest.approx(0.0, abs=1e-9) and shifted.rest == pytest.approx(0.0, abs=1e-9)


def test_top_k_accuracy_and_nll_by_hand():
    logits = torch.tensor([[3.0, 2.0, 1.0], [1.0, 2.0, 3.0]])
    targets = torch.tensor([1, 2])
    assert top_k_accuracy(logits, targets, 1) == 0.5 and top_k_accuracy(logits, targets, 2) == 1.0
    z = math.exp(3) + math.exp(2) + math.exp(1)  # both rows' softmax denominator
    by_hand = -(math.log(math.exp(2) / z) + math.log(math.exp(3) / z)) / 2
    assert mean_nll(logits, targets) == pytest.approx(by_hand, rel=1e-5)


def test_the_fitted_temperature_is_the_best_of_a_fine_grid():
    torch.manual_seed(0)
    targets = torch.randint(0, 10, (400,))
    logits = torch.randn(400, 10) * 4 + 6 * torch.nn.functional.one_hot(targets, 10)  # over-confident
    temperature, nll = fit_temperature(logits, targets)
    grid = [0.1 * k for k in range(2, 200)]
    best = min(grid, key=lambda t: mean_nll(logits, targets, t))
    assert temperature == pytest.approx(best, abs=0.1)
    assert nll <= mean_nll(logits, targets, best) + 1e-4 and nll < mean_nll(logits, targets)


def test_phone_errors_by_class_by_hand():
    reference = ["sil", "sh", "iy", "hh", "ae", "d", "sil"]
    hypothesis = ["sil", "s", "iy", "ae", "d", "z", "sil"]  # sh -> s, hh deleted, z inserted: 3 edits
    counts = phone_errors_by_class([(reference, hypothesis)])
    fricatives = counts["fricatives"]
    assert (fricatives.reference, fricatives.substitutions, fricatives.insertions) == (1, 1, 1)
    assert counts["semivowels"].deletions == 1 and counts["semivowels"].reference == 1
    assert counts["stops"].reference == 1 and counts["silence"].reference == 2
    total = all_classes(counts)
    assert (total.reference, total.substitutions, total.deletions, total.insertions) == (7, 1, 1, 1)
    assert set(PHONE_CLASS.values()) == {c for c in counts}


def _config(corpus, stage: str, module: str, net: dict, teacher: str | None = None) -> dict:
    init_args = {"net": net}
    if teacher:
        init_args["teacher"] = {"class_path": "mimic.callbacks.TeacherLogits", "init_args": {"checkpoints": [teacher]}}
    scorer = {"class_path": "mimic.callbacks.PhoneErrorRateScorer", "init_args": {"lm_weight": [1.0, 3.0]}}
    return {
        "seed_everything": 0,
        "run": {"experiment": "timit", "stage": stage},
        "model": {"class_path": module, "init_args": init_args},
        "data": {
            "class_path": "mimic.data.TIMITDataModule",
            "init_args": {"root": str(corpus), "cache_dir": "cache", "strict": False, "batch_size": 64},
        },
        "trainer": {"max_epochs": 2, "enable_progress_bar": False, "callbacks": [scorer]},
    }


def test_diagnose_on_the_fixture_corpus(in_tmp, monkeypatch, capsys):
    corpus = make_timit(in_tmp / "TIMIT")
    dnn = {"class_path": "mimic.nets.DeepMLP", "init_args": {"hidden": [32, 32]}}
    teacher = write_config(in_tmp / "t.yaml", _config(corpus, "dnn", "mimic.tasks.TeacherModule", dnn))
    main(["fit", "--config", teacher])
    best = "runs/timit/dnn/checkpoints/best.ckpt"
    validated = main(["validate", "--config", teacher, f"--ckpt_path={best}"])  # writes decoder.json
    snn = {"class_path": "mimic.nets.ShallowNet", "init_args": {"hidden": 64, "bottleneck": 8}}
    student = write_config(in_tmp / "s.yaml", _config(corpus, "mimic", "mimic.tasks.StudentModule", snn, best))
    main(["fit", "--config", student])

    out = in_tmp / "diagnosis.md"
    text = main(["diagnose", "runs/timit/mimic", "--teacher", "runs/timit/dnn", "--out", str(out)])
    assert out.read_text() == text and (in_tmp / "diagnosis.png").is_file()
    for section in ("## Frames and decoding", "## Squared logit error", "## Phone errors by class", "epoch by epoch"):
        assert section in text
    teacher_row = next(line for line in text.splitlines() if line.startswith("| dnn |"))
    # decoded with the setting `mimic validate` chose, the teacher's dev PER is the one validate logged
    assert f"{float(validated.trainer.callback_metrics['val/per']):.2%}" in teacher_row
    assert "(decoder.json)" in teacher_row
    mimic_row = next(line for line in text.splitlines() if line.startswith("| mimic |"))
    assert "(default)" in mimic_row  # never validated: the scorer's first setting

    # a net that is not a speech net is one line
    monkeypatch.setattr(sys, "argv", ["mimic", "diagnose", "runs/timit/mimic", "--teacher", "nowhere", "--out", "x"])
    with pytest.raises(SystemExit):
        console_main()
    assert "mimic: error: nowhere does not exist" in capsys.readouterr().err
