"""Unlabeled transfer speech: read only as unlabeled training frames for a student, never as labeled data."""

import pytest
import torch

from mimic.batch import NO_LABEL
from mimic.cli import main
from mimic.data.timit.datamodule import TIMITDataModule
from mimic.formats.timit_corpus import list_transfer, list_utterances
from tests.fixtures.configs import write_config
from tests.fixtures.timit import make_timit, make_transfer, write_utterance


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return make_timit(tmp_path_factory.mktemp("timit") / "TIMIT")


@pytest.fixture(scope="module")
def transfer(tmp_path_factory):
    return make_transfer(tmp_path_factory.mktemp("transfer"))


def test_transfer_frames_follow_the_training_frames_unlabeled(corpus, transfer, tmp_path):
    data = TIMITDataModule(str(corpus), str(tmp_path / "cache"), strict=False, transfer_root=str(transfer))
    data.setup("fit")
    train, extra = data.splits["train"], data.splits["transfer"]
    assert sorted(extra.names) == ["fnew1/si600", "fnew1/sx90", "mnew0/si600", "mnew0/sx90"]
    assert (extra.targets == NO_LABEL).all() and len(extra.phones) == 0
    frames = data.train_dataloader().dataset
    assert len(frames) == len(train.targets) + len(extra.targets)
    assert (frames.targets[: len(train.targets)] >= 0).all() and (frames.targets[len(train.targets) :] == -1).all()
    # scoring and statistics see the labeled corpus only
    assert data.log_state_priors().shape == (183,)
    assert sum(len(chunk) for chunk in data.training_inputs()) == len(train.targets)
    assert data.unlabeled_training and data.cache_key() != TIMITDataModule(str(corpus), strict=False).cache_key()


def test_epochs_as_long_as_the_labeled_set_draw_fresh_frames_from_both(corpus, transfer, tmp_path):
    data = TIMITDataModule(
        str(corpus), str(tmp_path / "cache"), strict=False, transfer_root=str(transfer), epoch_frames="labeled"
    )
    data.setup("fit")
    labeled, extra = len(data.splits["train"].targets), len(data.splits["transfer"].targets)
    loader = data.train_dataloader()
    epochs = []
    for epoch in (0, 1):
        loader.sampler.set_epoch(epoch)
        epochs.append(torch.cat([b["index"] for b in loader]))
    for seen in epochs:
        assert len(seen) == labeled and len(seen.unique()) == labeled  # no frame twice within an epoch
        assert (seen >= labeled).any() and (seen < labeled).any()  # transfer and labeled frames mixed
        assert seen.max() < labeled + extra
    assert not torch.equal(epochs[0].sort().values, epochs[1].sort().values)  # another subset each epoch


def test_a_labeled_corpus_never_reads_the_transfer_folder(corpus, transfer):
    splits = list_utterances(corpus, strict=False)
    assert not any("new" in u.speaker for split in splits.values() for u in split)


def test_transcriptions_or_a_labeled_speaker_in_the_transfer_folder_are_refused(corpus, tmp_path):
    labeled = make_transfer(tmp_path / "labeled", speakers=("mnew2",))
    write_utterance(labeled / "TRANSFER/DR4/MNEW2", "SX91", 7)  # comes with its .PHN
    with pytest.raises(ValueError, match=r"SX91.PHN: the transfer speech folder .* holds transcriptions"):
        list_transfer(labeled, {"fcjf0"})
    leaked = make_transfer(tmp_path / "leaked", speakers=("mnew3", "fcjf0"))
    with pytest.raises(ValueError, match=r"FCJF0: transfer speaker fcjf0 is also a speaker of the labeled corpus"):
        list_transfer(leaked, {"fcjf0", "mdab1"})
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="holds no .WAV files"):
        list_transfer(tmp_path / "empty", set())


def _config(corpus, transfer, cache, stage: str, module: str, callbacks: list) -> dict:
    data_args = {"root": str(corpus), "cache_dir": str(cache), "strict": False, "batch_size": 64}
    return {
        "seed_everything": 0,
        "run": {"experiment": "transfer", "stage": stage},
        "model": {
            "class_path": module,
            "init_args": {"net": {"class_path": "mimic.nets.ShallowNet", "init_args": {"hidden": 16}}},
        },
        "data": {
            "class_path": "mimic.data.TIMITDataModule",
            "init_args": {**data_args, "transfer_root": str(transfer)},
        },
        "trainer": {
            "max_epochs": 1,
            "enable_progress_bar": False,
            "enable_model_summary": False,
            "callbacks": callbacks,
        },
    }


def test_a_student_learns_from_transfer_speech_and_a_label_trained_net_is_refused(in_tmp, corpus, transfer, capsys):
    teacher = _config(corpus, transfer, in_tmp / "cache", "teacher", "mimic.tasks.TeacherModule", [])
    with pytest.raises(ValueError, match="TeacherModule trains on labels, but TIMITDataModule mixes unlabeled"):
        main(["fit", "--config", write_config(in_tmp / "t.yaml", teacher)])
    del teacher["data"]["init_args"]["transfer_root"]
    main(["fit", "--config", write_config(in_tmp / "t.yaml", teacher)])
    checkpoint = in_tmp / "runs/transfer/teacher/checkpoints/best.ckpt"
    logits = {
        "class_path": "mimic.callbacks.TeacherLogits",
        "init_args": {"checkpoints": [str(checkpoint)], "cache": True},
    }
    student = _config(corpus, transfer, in_tmp / "cache", "student", "mimic.tasks.StudentModule", [logits])
    fitted = main(["fit", "--config", write_config(in_tmp / "s.yaml", student)])
    data = fitted.datamodule
    batches = len(data.train_dataloader())
    frames = len(data.splits["train"].targets) + len(data.splits["transfer"].targets)
    assert batches == -(-frames // 64)  # every labeled and transfer frame, each epoch
    assert torch.isfinite(torch.tensor(float(fitted.trainer.callback_metrics["train/loss_epoch"])))
