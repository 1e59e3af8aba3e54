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


@pytest.mark.parametrize("experiment", [DEMO, LEVERS, PAPER], ids=lambda e: e.name)
def test_every_link_names_a_row_of_the_table(experiment):
    """What students name (twin, teacher, references) is a stage or a choice; a choice's tries are stages
    scored on validation, each try of one choice alone."""
    stages = {stage.name for stage in experiment.stages}
    tries = [name for choice in experiment.choices for name in choice.tries]
    assert set(tries) <= stages and len(tries) == len(set(tries))
    assert not experiment.choices or experiment.scoring.validate
    rows = (stages - set(tries)) | {choice.name for choice in experiment.choices}
    for stage in experiment.stages:
        for linked in (stage.twin, stage.teacher, *stage.against):
            assert linked is None or linked in rows, f"{stage.name} names {linked}, not a row of the table"


def test_the_papers_tries_of_one_net_differ_only_in_their_settings():
    """Within a choice, the nets on labels and the mimics get the same number of tries, on the same configs."""
    by_name = {stage.name: stage for stage in PAPER.stages}
    for twin, mimic in zip(PAPER.choices[::2], PAPER.choices[1::2], strict=True):
        assert "_labels" in twin.name and "_mimic" in mimic.name and len(twin.tries) == len(mimic.tries)
        for choice in (twin, mimic):
            assert len({by_name[name].configs for name in choice.tries}) == 1
