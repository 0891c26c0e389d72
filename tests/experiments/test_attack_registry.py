"""An attack is one entry of the attack registry: the sweep checks it,
runs it and records it, and the reports draw it, with no other edit."""

import numpy as np
import pytest

from keras_ninr import robustness
from keras_ninr.experiments import cli
from keras_ninr.experiments import reports
from keras_ninr.experiments import sweep
from tests.experiments.test_sweep import TINY
from tests.experiments.test_sweep import easy_images


def darken(model, x, y, epsilon, *, batch_size, clip_min=0.0, clip_max=1.0):
    """A toy attack: every pixel `epsilon` darker."""
    return np.clip(x - np.float32(epsilon), clip_min, clip_max)


@pytest.fixture
def registered(monkeypatch):
    monkeypatch.setitem(
        robustness.ATTACKS,
        "darken",
        robustness.Attack(darken, "Darken", "L∞", "every pixel darker"),
    )


def test_a_registered_attack_is_checked_run_recorded_and_drawn(
    registered, tmp_path
):
    config = sweep.RunConfig(
        **{
            **TINY,
            "epochs": 1,
            "attack_size": 128,
            "evaluations": {"clean": True, "darken": [0, 1.0, 1.0]},
        }
    )
    assert config.evaluations == {"clean": True, "darken": [0.0, 1.0]}
    with pytest.raises(ValueError, match="darken"):
        sweep.RunConfig(**{**TINY, "evaluations": {"darken": [-0.1]}})

    (record,) = sweep.run_sweep(
        [config], tmp_path / "r.jsonl", progress=False, load_data=easy_images
    )
    darkened = record["evaluations"]["darken"]
    assert darkened["epsilon"] == [0.0, 1.0]
    # Epsilon 0 leaves the images as they are; 1.0 makes them all black,
    # which the network gives one class: the accuracy is its share.
    assert darkened["accuracy"][0] == record["evaluations"]["clean"]
    _, (_, labels) = easy_images("mnist")
    shares = np.bincount(labels, minlength=10) / len(labels)
    assert darkened["accuracy"][1] in shares.tolist()

    written = reports.write_results_report([record], tmp_path / "report", "r")
    assert any(path.endswith("darken.png") for path in written)
    figure = reports.attack_figure([record], attack="darken")
    assert figure.axes[0].get_xlabel().startswith("Darken ε (L∞")



def test_the_sweep_command_takes_a_registered_attack_by_name(
    registered, tmp_path, capsys
):
    argv = [
        "sweep", "--results", str(tmp_path / "r.jsonl"), "--dry-run",
        "--seeds", "0", "--methods", "none",
        "--attack", "darken", "0", "0.5", "--attack", "fgsm", "0.1",
    ]
    assert cli.main(argv) == 0
    with pytest.MonkeyPatch.context() as patch:
        patch.delitem(robustness.ATTACKS, "darken")
        with pytest.raises(SystemExit) as exit_info:
            cli.main(argv)
    assert exit_info.value.code == 2
    assert "darken" in capsys.readouterr().err
