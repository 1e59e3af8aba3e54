"""Every Fashion-MNIST experiment's stages, as the runner hands them to the CLI: each lands where the
report looks for it and reads the checkpoints of the stages it declares it reads."""

import pytest
import yaml

from mimic.cli import main
from mimic.experiments.fashion_demo import DEMO
from mimic.experiments.fashion_levers import LEVERS
from mimic.experiments.paper import PAPER
from mimic.experiments.runner import stage_arguments, stage_folder


@pytest.mark.parametrize("experiment", [DEMO, LEVERS, PAPER], ids=lambda e: e.name)
def test_each_stage_reads_what_it_declares(experiment, capsys):
    for stage in experiment.stages:
        with pytest.raises(SystemExit):
            main(["fit" if stage.trained else "test", *stage_arguments(experiment, stage), "--print_config"])
        config = yaml.safe_load(capsys.readouterr().out)
        assert (config["run"]["experiment"], config["run"]["stage"]) == (experiment.name, stage.name)
        init = config["model"]["init_args"]
        read = init["teacher"]["init_args"]["checkpoints"] if stage.role == "student" else init.get("checkpoints")
        if stage.reads or stage.role == "student":
            assert read == [str(stage_folder(experiment, name).best) for name in stage.reads], stage.name
