"""Reports from sweep records, the `keras-ninr` command and the FC example."""

import json
import os
import pathlib
import subprocess
import sys

import keras
import pytest

from keras_ninr import cli
from keras_ninr import reports
from keras_ninr import sweep

ROOT = pathlib.Path(__file__).resolve().parents[1]
needs_data = pytest.mark.skipif(
    not os.environ.get("KERAS_NINR_DATA_DIR"),
    reason="reads Fashion-MNIST from $KERAS_NINR_DATA_DIR",
)


def record(regularization, seed, clean, curve=None, status="finished", **more):
    """A sweep record as `run_sweep` writes it, with made-up accuracies."""
    requested = {"clean": True}
    if curve is not None or status != "finished":
        requested["corruption_curve"] = [0.0, 0.4, 1.0]
    if "domain_shift" in more:
        requested["domain_shift"] = list(more["domain_shift"])
    for attack in ("fgsm", "pgd"):
        if attack in more:
            requested[attack] = more[attack]["epsilon"]
    config = sweep.RunConfig(
        regularization=regularization,
        seed=seed,
        noise_stddev=more.pop("noise_stddev", "decay"),
        dataset=more.pop("dataset", "fashion_mnist"),
        evaluations=requested,
    )
    evaluations = {}
    if status == "finished":
        evaluations = {"clean": clean, **more}
        if curve is not None:
            evaluations["corruption_curve"] = {
                "sigma_noise": [0.0, 0.4, 1.0],
                "accuracy": [clean, *curve],
            }
    return {
        "run_id": config.run_id,
        "label": config.method_label,
        "config": config.to_dict(),
        "status": status,
        "epochs_run": 20 if status == "finished" else 1,
        "evaluations": evaluations,
        "timings": {"train_s": 1.0},
        "backend": "jax",
        "versions": {"keras": "3"},
        "machine": {"device": "cpu"},
    }


@pytest.fixture
def records():
    return [
        record("none", 0, 0.80, [0.50, 0.10]),
        record("none", 1, 0.82, [0.52, 0.10]),
        record("none", 2, 0.84, [0.54, 0.10]),
        record("in-ninr", 0, 0.83, [0.70, 0.10]),
        record("in-ninr", 1, None, status="diverged"),
        record("in-ninr", 2, 0.85, [0.72, 0.10]),
    ]


def test_clean_accuracy_table_gives_mean_and_two_sigma(records):
    table = reports.clean_accuracy_table(records, sigma_noise=(0.4,))
    lines = table.splitlines()
    assert lines[0] == (
        "| network | method | runs | epochs | clean accuracy (%) | "
        "accuracy at σ_noise = 0.4 (%) |"
    )
    # Mean 82.0; sample standard deviation of 80, 82, 84 is 2.0.
    assert lines[2] == (
        "| FC on Fashion-MNIST | None | 3 | 20 | 82.0 ± 4.0 | 52.0 ± 4.0 |"
    )
    # The diverged run is counted, not averaged.
    assert lines[3].startswith(
        "| FC on Fashion-MNIST | in-NINR (decay, σ_ε = 51.8) | "
        "3 (1 diverged) | 20 | 84.0 ± 2.8 | 71.0 ± 2.8 |"
    )
    with pytest.raises(ValueError, match="No records"):
        reports.clean_accuracy_table([])


def test_domain_shift_table(records):
    shifted = [
        record("none", seed, 0.97, dataset="mnist", domain_shift={"lecun": a})
        for seed, a in enumerate((0.80, 0.84))
    ]
    table = reports.domain_shift_table(shifted + records)
    header, _, row = table.splitlines()
    assert header == (
        "| network | method | runs | epochs | clean accuracy (%) | "
        "USPS accuracy, lecun (%) |"
    )
    assert row == "| FC on MNIST | None | 2 | 20 | 97.0 ± 0.0 | 82.0 ± 5.7 |"


def test_figures_are_made_from_records_alone(records):
    from matplotlib.figure import Figure

    figure = reports.corruption_figure(records, title="test")
    assert isinstance(figure, Figure)
    (axis,) = figure.axes
    labels = [line.get_label() for line in axis.get_lines()]
    assert labels == [
        "None (n=3)",
        "in-NINR (decay, σ_ε = 51.8) (n=2, 1 diverged)",
    ]
    assert list(axis.get_lines()[0].get_ydata()) == pytest.approx(
        [0.82, 0.52, 0.10]
    )
    assert len(axis.collections) == 2  # A ±2σ band per method.

    attacked = [
        record(
            "none", seed, 0.8, fgsm={"epsilon": [0, 0.1], "accuracy": [0.8, a]}
        )
        for seed, a in enumerate((0.3, 0.4))
    ]
    figure = reports.attack_figure(attacked, attack="fgsm")
    assert list(figure.axes[0].get_lines()[0].get_ydata()) == pytest.approx(
        [0.8, 0.35]
    )
    with pytest.raises(ValueError, match="pgd"):
        reports.attack_figure(attacked, attack="pgd")
    with pytest.raises(ValueError, match="attack"):
        reports.attack_figure(attacked, attack="cw")


def test_cli_report_writes_figures_and_tables(records, tmp_path, capsys):
    results = tmp_path / "results.jsonl"
    for r in records:
        sweep.append_record(results, r)
    out = tmp_path / "report"
    argv = ["report", "--results", str(results), "--out", str(out)]
    assert cli.main(argv) == 0
    assert (out / "corruption.png").stat().st_size > 0
    table = (out / "clean_accuracy.md").read_text()
    assert "82.0 ± 4.0" in table
    report = (out / "report.md").read_text()
    assert "![corruption_curve](corruption.png)" in report
    assert "Runs: 6 (1 diverged)" in report
    assert not (out / "domain_shift.md").exists()


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["sweep", "--results", "{tmp}/r.jsonl", "--methods", "boost"],
            "boost",
        ),
        (["sweep", "--results", "{tmp}/r.jsonl", "--epochs", "0"], "epochs"),
        (
            ["sweep", "--results", "{tmp}/r.jsonl", "--methods", "none:3"],
            "takes no value",
        ),
        (
            ["sweep", "--results", "{tmp}/r.jsonl", "--sigmas", "2"],
            "sigma_noise",
        ),
        (
            ["sweep", "--results", "{tmp}/r.jsonl", "--domain-shift"],
            "--dataset mnist",
        ),
        (["sweep", "--dataset", "mnist"], "--results"),
        (["report", "--results", "{tmp}/absent.jsonl"], "no such file"),
        ([], "COMMAND"),
    ],
)
def test_cli_bad_arguments_exit_with_a_message(
    argv, message, tmp_path, capsys
):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "r.jsonl").exists()


@needs_data
def test_cli_sweep_then_report_end_to_end(tmp_path):
    results = tmp_path / "runs.jsonl"
    env = dict(os.environ, KERAS_BACKEND=keras.backend.backend())
    command = [
        sys.executable,
        "-m",
        "keras_ninr",
        "sweep",
        "--quick",
        "--results",
        str(results),
        "--methods",
        "in-ninr:5",
        "--train-size",
        "256",
        "--test-size",
        "128",
        "--epochs",
        "1",
        "--hidden-units",
        "16",
        "--sigmas",
        "0",
        "0.5",
    ]
    completed = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=300
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "run 1: fashion_mnist fc in-NINR (σ_ε = 5), seed 0" in (
        completed.stdout
    )
    lines = results.read_text().splitlines()
    assert [json.loads(x)["status"] for x in lines] == ["finished"]

    # The report reads the file the subprocess wrote.
    report = tmp_path / "report"
    argv = ["report", "--results", str(results), "--out", str(report)]
    assert cli.main(argv) == 0
    assert (report / "corruption.png").stat().st_size > 0
    table = (report / "clean_accuracy.md").read_text()
    assert "| FC on Fashion-MNIST | in-NINR (σ_ε = 5) | 1 | 1 |" in table


@needs_data
def test_fmnist_fc_example_tiny_mode(tmp_path):
    completed = subprocess.run(
        [
            sys.executable,
            str(ROOT / "examples" / "fmnist_fc_robustness.py"),
            "--quick",
            "--methods",
            "in-ninr-catapult",
            "--train-size",
            "256",
            "--test-size",
            "128",
            "--epochs",
            "1",
            "--hidden-units",
            "16",
            "--no-progress",
            "--out",
            str(tmp_path),
        ],
        env=dict(os.environ, KERAS_BACKEND=keras.backend.backend()),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert len((tmp_path / "results.jsonl").read_text().splitlines()) == 1
    assert (tmp_path / "fig2a_quick.png").stat().st_size > 0
    table = (tmp_path / "table2_quick.md").read_text()
    assert "Quick CPU settings" in table
    assert "| FC on Fashion-MNIST | in-NINR catapult (σ_ε = 133) |" in table
