"""What a stage's record is made of: files by content, the DataModules' input files, the resolved config
less what changes no result, and records that refuse to be read when they are damaged."""

import json
import os
from pathlib import Path

import pytest

from mimic import content_hash
from mimic.content_hash import MISSING, files_hash, sha256_of
from mimic.data import CIFAR10DataModule, FashionMNISTDataModule, TIMITDataModule
from mimic.data.images.sources import TransferSource
from mimic.experiments.stage_inputs import StageInputs
from mimic.stage_record import BadRecord, StageRecord, config_hash
from tests.fixtures.configs import student_config, teacher_config, write_config
from tests.fixtures.images import make_cifar, write_tiny_images
from tests.fixtures.timit import make_timit, make_transfer


def test_files_are_named_by_content_sampled_above_the_limit(tmp_path, monkeypatch):
    a, b = tmp_path / "a.bin", tmp_path / "b.bin"
    a.write_bytes(bytes(range(256)) * 64)
    b.write_bytes(bytes(range(256)) * 64)
    assert content_hash.content_hash(a) == content_hash.content_hash(b) == sha256_of(a)
    assert content_hash.content_hash(tmp_path / "none") == MISSING
    monkeypatch.setattr(content_hash, "SAMPLED_ABOVE", 1000)
    monkeypatch.setattr(content_hash, "BLOCK", 16)
    monkeypatch.setattr(content_hash, "_hashed", {})  # forget the hashes of this process
    sampled = content_hash.content_hash(b)
    assert sampled != sha256_of(b)
    with b.open("r+b") as f:  # a byte in the first sampled block, same size and times
        f.seek(0)
        f.write(b"\xff")
    stat = a.stat()
    os.utime(b, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert content_hash.content_hash(b) != sampled


def test_a_set_of_files_changes_its_hash_when_a_file_is_renamed(tmp_path):
    (tmp_path / "x").write_text("1")
    (tmp_path / "y").write_text("2")
    before = files_hash([tmp_path / "x", tmp_path / "y"])
    (tmp_path / "y").rename(tmp_path / "z")
    assert files_hash([tmp_path / "x", tmp_path / "z"]) != before


def test_datamodules_name_the_files_they_read(tmp_path, fashion_root):
    fashion = FashionMNISTDataModule.input_files({"root": str(fashion_root)})
    assert [p.name for p in fashion][:2] == ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]
    assert all(p.is_file() for p in fashion)
    make_cifar(tmp_path / "cifar", "binary")
    tiny = write_tiny_images(tmp_path / "tiny_images.bin", 20)
    transfer = {"class_path": "mimic.data.images.TinyImages", "init_args": {"path": str(tiny)}}
    cifar = CIFAR10DataModule.input_files({"root": str(tmp_path / "cifar"), "transfer": transfer})
    assert [p.name for p in cifar] == [
        *(f"data_batch_{i}.bin" for i in range(1, 6)),
        "test_batch.bin",
        "tiny_images.bin",
        "80mn_cifar_idxs.txt",
    ]
    made_up = {"class_path": "mimic.data.images.Mixup", "init_args": {}}
    assert (
        CIFAR10DataModule.input_files({"root": str(tmp_path / "cifar"), "transfer": made_up})[-1].name
        == "test_batch.bin"
    )
    with pytest.raises(ValueError, match="is not a TransferSource"):
        TransferSource.input_files_of("mimic.data.CIFAR10DataModule", {})
    corpus, extra = make_timit(tmp_path / "timit"), make_transfer(tmp_path / "transfer")
    speech = TIMITDataModule.input_files({"root": str(corpus), "strict": False, "transfer_root": str(extra)})
    assert len(speech) == 2 * 8 + 4  # 8 scored utterances (wav and phn, no SA), 4 transfer wavs
    assert {p.suffix for p in speech} == {".WAV", ".PHN"}


def test_a_stage_is_known_by_its_resolved_config_less_what_changes_no_result(tmp_path, fashion_root, teachers):
    config = write_config(tmp_path / "s.yaml", student_config(fashion_root, [str(teachers[0])]))
    base = StageInputs.of("fit", ["--config", config])
    shown = StageInputs.of("fit", ["--config", config, "--trainer.enable_progress_bar=true", "--run.root=elsewhere"])
    changed = StageInputs.of("fit", ["--config", config, "--model.init_args.lr=0.5"])
    assert base.config_hash == shown.config_hash != changed.config_hash
    assert base.checkpoints == (str(teachers[0]),)
    inputs = base.hashes()
    assert inputs[f"checkpoint {teachers[0]}"] == sha256_of(teachers[0])
    (name, digest), *_ = ((k, v) for k, v in inputs.items() if k.startswith("data "))
    assert name.startswith(f"data {fashion_root.resolve()} [4 files ")
    assert digest == files_hash(FashionMNISTDataModule.input_files({"root": str(fashion_root)}))
    # data that is not there (yet) is known as missing, where it would be: it changes when it comes
    teacher = write_config(tmp_path / "t.yaml", teacher_config(Path("/nowhere")))
    missing = FashionMNISTDataModule.input_files({"root": "/nowhere"})
    (name, digest), *_ = StageInputs.of("fit", ["--config", teacher]).hashes().items()
    assert name.startswith("data /nowhere [4 files ") and digest == files_hash(missing)
    # stages that read other files have other names for their data: a report compares only like with like
    other = write_config(tmp_path / "o.yaml", teacher_config(Path("/elsewhere")))
    assert set(StageInputs.of("fit", ["--config", other]).hashes()) != {name}


def test_records_that_are_cut_short_edited_or_foreign_are_refused(tmp_path):
    record = StageRecord("demo", "teacher", "done", {"lr": 0.1}, config_hash({"lr": 0.1}), {"data x": "ab"}, "cd")
    path = tmp_path / "record.json"
    record.write(path)
    assert StageRecord.read(path) == record and StageRecord.read(tmp_path / "none.json") is None
    text = path.read_text()
    for damaged, expected in (
        (text[: len(text) // 2], "is not JSON, cut short or edited"),
        (json.dumps(json.loads(text) | {"config": {"lr": 0.2}}), "its config does not match its config_hash"),
        (json.dumps(json.loads(text) | {"state": "halfway"}), "state 'halfway' is not one of"),
        (json.dumps({"stage": "teacher"}), "is not a stage record: expected the keys"),
        ("[1, 2]", "is not a stage record"),
    ):
        path.write_text(damaged)
        with pytest.raises(BadRecord, match=expected):
            StageRecord.read(path)
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(BadRecord, match="cannot be read"):
        StageRecord.read(path)
