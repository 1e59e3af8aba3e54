import pytest
import torch

from mimic.cli import main
from mimic.tasks.checkpoint_io import SafeCheckpointIO
from tests.fixtures.configs import teacher_config, write_config


class _Unpicklable:
    def __reduce__(self):
        raise OSError("No space left on device")  # a save that dies half way


def test_a_failed_save_keeps_the_previous_checkpoint_and_leaves_no_temporary(tmp_path):
    io = SafeCheckpointIO()
    path = tmp_path / "last.ckpt"
    io.save_checkpoint({"step": torch.tensor(1), "big": torch.zeros(10_000)}, path)
    with pytest.raises(OSError, match="No space left"):
        io.save_checkpoint({"big": torch.zeros(10_000), "then": _Unpicklable()}, path)
    assert io.load_checkpoint(path)["step"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["last.ckpt"]


def test_the_cli_saves_and_reads_through_it(in_tmp, fashion_root):
    fitted = main(["fit", "--config", write_config(in_tmp / "t.yaml", teacher_config(fashion_root))])
    assert isinstance(fitted.trainer.strategy.checkpoint_io, SafeCheckpointIO)
    folder = in_tmp / "runs/test/teacher/checkpoints"
    assert sorted(p.name for p in folder.iterdir()) == ["best.ckpt", "last.ckpt"]  # no temporaries
