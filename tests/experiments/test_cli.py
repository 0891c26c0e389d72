"""The `keras-ninr` command: sweep and report (reproduce: test_reproduce.py)."""

import json
import os
import pathlib
import re
import subprocess
import sys

import keras
import pytest

from keras_ninr.experiments import cli
from keras_ninr.experiments import sweep
from tests.experiments.test_reports import three_seeds_of_two_methods

ROOT = pathlib.Path(__file__).resolve().parents[2]
needs_data = pytest.mark.skipif(
    not os.environ.get("KERAS_NINR_DATA_DIR"),
    reason="reads Fashion-MNIST from $KERAS_NINR_DATA_DIR",
)
# A few real images, one epoch, a narrow FC: seconds on a CPU.
TINY_FC_FLAGS = [
    "--train-size",
    "256",
    "--test-size",
    "128",
    "--epochs",
    "1",
    "--hidden-units",
    "16",
]


@pytest.fixture
def records():
    return three_seeds_of_two_methods()


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
        (
            [
                "sweep",
                "--results",
                "{tmp}/r.jsonl",
                "--validation-split",
                "1.5",
            ],
            "validation_split=1.5",
        ),
        (
            ["report", "--results", "{tmp}/r.jsonl", "--figure", "fig5"],
            "--figure",
        ),
        (
            ["sweep", "--results", "{tmp}/r.jsonl", "--replicas", "0"],
            "replicas=0",
        ),
        (
            ["sweep", "--results", "{tmp}/r.jsonl", "--attack", "boost", "0.1"],
            "boost",
        ),
        (
            ["sweep", "--results", "{tmp}/r.jsonl", "--attack", "fgsm"],
            "--attack fgsm",
        ),
        (
            ["sweep", "--results", "{tmp}/r.jsonl", "--attack", "pgd", "x"],
            "--attack pgd x",
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
        *TINY_FC_FLAGS,
        "--sigmas",
        "0",
        "0.5",
        "--validation-split",
        "0.25",
        "--replicas",
        "4",
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
    (written,) = [json.loads(x) for x in lines]
    assert written["config"]["validation_split"] == 0.25
    assert written["data"]["train_size"] == 192  # 256 less 64 held out.
    assert 0.0 <= written["evaluations"]["validation"] <= 1.0

    # The report reads the file the subprocess wrote.
    report = tmp_path / "report"
    argv = ["report", "--results", str(results), "--out", str(report)]
    assert cli.main(argv) == 0
    assert (report / "corruption.png").stat().st_size > 0
    table = (report / "clean_accuracy.md").read_text()
    assert "| FC on Fashion-MNIST | in-NINR (σ_ε = 5) | 1 | 1 |" in table
    assert "| validation accuracy (%) | clean test accuracy (%) |" in table


def test_cli_report_figure_picks_the_layout(records, tmp_path, capsys):
    results = tmp_path / "results.jsonl"
    for r in records:
        sweep.append_record(results, r)
    out = tmp_path / "report"
    argv = ["report", "--results", str(results), "--out", str(out)]
    assert cli.main(argv + ["--figure", "fig7"]) == 0
    assert (out / "fig7.png").stat().st_size > 0
    assert not (out / "corruption.png").exists()
    assert "![corruption_curve](fig7.png)" in (out / "report.md").read_text()
    assert cli.main(argv + ["--figure", "fig8"]) == 0
    assert (out / "fig8.png").stat().st_size > 0
    # No VGG run to draw: a message, not a traceback.
    assert cli.main(argv + ["--figure", "fig9"]) == 1
    assert "VGG net on CIFAR-10" in capsys.readouterr().err


def test_cli_report_counts_a_run_recorded_twice_once(records, tmp_path):
    once, twice = tmp_path / "once.jsonl", tmp_path / "twice.jsonl"
    for r in records:
        sweep.append_record(once, r)
    for r in records + records:  # Two sweeps that each ran every run.
        sweep.append_record(twice, r)
    argv = ["report", "--results", str(once), "--out", str(tmp_path / "1")]
    assert cli.main(argv) == 0
    argv = ["report", "--results", str(twice), "--out", str(tmp_path / "2")]
    with pytest.warns(UserWarning, match="6 run\\(s\\) have more than one"):
        assert cli.main(argv) == 0
    for name in ("clean_accuracy.md", "report.md"):
        text_once = (tmp_path / "1" / name).read_text()
        text_twice = (tmp_path / "2" / name).read_text()
        assert text_twice == text_once.replace("once.jsonl", "twice.jsonl")
    assert "Runs: 6 (1 diverged)" in (tmp_path / "2" / "report.md").read_text()


def test_cli_report_names_the_line_of_a_record_without_config(
    records, tmp_path, capsys
):
    results = tmp_path / "results.jsonl"
    sweep.append_record(results, records[0])
    sweep.append_record(results, {**records[1], "config": None})
    broken = dict(records[2])
    del broken["config"]
    sweep.append_record(results, broken)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["report", "--results", str(results)])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert f"{results}, line 2: not a sweep record ('config' is not a " in error
    results.write_text(
        json.dumps(records[0]) + "\n" + json.dumps(broken) + "\n"
    )
    with pytest.raises(SystemExit):
        cli.main(["report", "--results", str(results)])
    error = capsys.readouterr().err
    assert f"{results}, line 2: not a sweep record (no 'config')" in error
    assert "KeyError" not in error


def test_cli_version(capsys):
    import keras_ninr

    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"keras-ninr {keras_ninr.__version__}\n"


def test_cli_sweep_help_shows_one_percent_sign(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["sweep", "--help"])
    assert exit_info.value.code == 0
    help_text = capsys.readouterr().out
    assert "%%" not in help_text
    assert re.search(r"until 98%\s+training accuracy", help_text)


def test_cli_sweep_names_the_readings_it_runs(tmp_path, capsys):
    results = tmp_path / "results.jsonl"
    base = ["sweep", "--results", str(results), "--dry-run", "--seeds", "0", "--methods", "full-ninr", "l2"]
    assert cli.main(base) == 0
    default = capsys.readouterr().out
    assert "full-NINR (decay, σ_ε = 16.4) seed 0" in default
    assert " L2 seed 0" in default
    assert cli.main([*base, "--independent-noise", "--weight-decay", "2.5e-4"]) == 0
    other = capsys.readouterr().out
    assert "full-NINR (decay, σ_ε = 16.4), independent ε seed 0" in other
    assert "L2, penalty 0.00025·Σw² seed 0" in other
    # Other readings, other runs.
    ids = [set(re.findall(r"\b[0-9a-f]{16}\b", text)) for text in (default, other)]
    assert len(ids[0]) == 2 and not ids[0] & ids[1]


# Issue 23: what answers without loading Keras and its backend.
LIGHT_COMMANDS = [
    ["--help"],
    ["--version"],
    ["sweep", "--help"],
    ["report", "--help"],
    ["reproduce", "--list"],
    ["reproduce", "--help"],
    ["reproduce"],
    ["reproduce", "fig2x"],
    ["reproduce", "fig2a", "--epochs", "-1"],
    ["reproduce", "fig2a", "--tiny", "--epochs", "0"],
    ["sweep", "--results", "r.jsonl", "--epochs", "0"],
    ["sweep", "--results", "r.jsonl", "--optimizer", "sgdd"],
    ["report", "--results", "r.jsonl", "--figure", "fig5"],
    ["bogus"],
]
LIGHT_PROBE = """
import contextlib, io, json, sys
sys.argv[0] = "/venv/bin/keras-ninr"  # as the console script runs
from keras_ninr.cli import main
for argv in json.loads(sys.argv[1]):
    with contextlib.redirect_stdout(io.StringIO()):
        with contextlib.redirect_stderr(io.StringIO()):
            try:
                main(argv)
            except SystemExit:
                pass
heavy = {"keras", "tensorflow", "jax", "torch", "numpy"}
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules} & heavy)))
"""


def test_help_list_and_argument_errors_load_no_backend(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", LIGHT_PROBE, json.dumps(LIGHT_COMMANDS)],
        cwd=tmp_path,
        env=dict(
            os.environ,
            KERAS_BACKEND=keras.backend.backend(),
            PYTHONPATH=str(ROOT),
        ),
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(result.stdout.splitlines()[-1]) == []
    assert not (tmp_path / "r.jsonl").exists()



def test_the_catalog_names_what_the_kit_implements():
    # The command's choices come from the catalog (no Keras); each name
    # must be one the kit implements.
    from keras_ninr.datasets import KNOWN_DATASETS
    from keras_ninr.experiments import EXPERIMENTS
    from keras_ninr.src.experiments import catalog
    from keras_ninr.src.experiments.reports.writer import CORRUPTION_FIGURES

    assert set(catalog.TRAINING_DATASETS) == set(KNOWN_DATASETS) - {"usps"}
    assert set(catalog.CORRUPTION_FIGURES) == set(CORRUPTION_FIGURES)
    summaries = {name: e.summary for name, e in EXPERIMENTS.items()}
    assert summaries == catalog.EXPERIMENTS


METHOD_STRINGS = ["none", "l2", "cdt:0.2", "in-ninr:20", "full-ninr:catapult", "in-ninr"]
METHOD_FIELDS = ("regularization", "noise_stddev", "cdt_sigma_noise", "shared_noise")


def test_a_method_string_means_the_same_run_in_sweep_and_in_a_definition(
    tmp_path, monkeypatch
):
    from keras_ninr.experiments import definitions
    from keras_ninr.src.experiments import sweep as sweep_module

    made = []
    monkeypatch.setattr(
        sweep_module, "run_sweep", lambda configs, *a, **k: made.extend(configs) or []
    )
    argv = ["sweep", "--methods", *METHOD_STRINGS, "--architecture", "fc", "--seeds", "0",
            "--epochs", "1", "--results", str(tmp_path / "r.jsonl"), "--no-progress"]
    assert cli.main(argv) == 0
    experiment = definitions.SweepExperiment(
        name="strings", heading="strings", page="strings", architectures=("fc",),
        methods={text: text for text in METHOD_STRINGS},
        modes=definitions.modes(1, (512, 256, 1, METHOD_STRINGS)),
    )
    defined = experiment.configs("quick")
    assert len(made) == len(defined) == len(METHOD_STRINGS)
    for from_cli, from_definition in zip(made, defined):
        for field in METHOD_FIELDS:
            assert getattr(from_cli, field) == getattr(from_definition, field), field
        assert from_cli.method_label == from_definition.method_label
    # A bad string is refused with the grammar's message, by both.
    bad = definitions.SweepExperiment(
        name="bad", heading="bad", page="bad", architectures=("fc",),
        methods={"x": "in-ninr:wide"}, modes=definitions.modes(1, (512, 256, 1, ["x"])),
    )
    with pytest.raises(ValueError, match="in-ninr:wide"):
        bad.configs("quick")


def test_sweep_of_a_file_is_reproduce_of_that_file(tmp_path, monkeypatch, capsys):
    from keras_ninr.src.experiments import reproduce

    seen = []
    monkeypatch.setattr(reproduce, "main", lambda argv: seen.append(argv) or 0)
    assert cli.main(["sweep", "my_sweep.py", "--tiny"]) == 0
    assert seen == [["my_sweep.py", "--tiny"]]
