import pytest
import yaml

from a2vlib.cli import main


def test_params_command_prints_the_merged_set(capsys):
    assert main(["params", "01_data_cleaning", "--profile", "lab", "-p", "seed=7"]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed["seed"] == 7 and printed["n_train"] == 1350


def test_unknown_notebook_is_exit_2(capsys):
    assert main(["params", "99_nothing"]) == 2
    assert "no notebook named '99_nothing'" in capsys.readouterr().err


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for cmd in ("run", "report", "classify-audio"):
        assert cmd in out
