"""Reports from sweep records, the `keras-ninr` command and the FC example."""

import json
import os
import pathlib
import re
import subprocess
import sys

import keras
import pytest

from keras_ninr.experiments import cli
from keras_ninr.experiments import reports
from keras_ninr.experiments import sweep
from tests.examples.test_examples import run_script

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
    fields = {
        name: more.pop(name)
        for name in (
            "architecture",
            "optimizer",
            "noise_distribution",
            "cdt_sigma_noise",
            "validation_split",
        )
        if name in more
    }
    config = sweep.RunConfig(
        regularization=regularization,
        seed=seed,
        noise_stddev=more.pop("noise_stddev", "decay"),
        dataset=more.pop("dataset", "fashion_mnist"),
        evaluations=requested,
        **fields,
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
        "noise_stddev_value": config.noise_stddev_value,
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


@needs_data
def test_fmnist_fc_example_tiny_mode(tmp_path):
    run_script(
        "examples/fmnist_fc_robustness.py",
        "--quick",
        "--methods",
        "in-ninr-catapult",
        *TINY_FC_FLAGS,
        "--no-progress",
        "--out",
        tmp_path,
    )
    assert len((tmp_path / "results.jsonl").read_text().splitlines()) == 1
    assert (tmp_path / "fig2a_quick.png").stat().st_size > 0
    table = (tmp_path / "table2_quick.md").read_text()
    assert "Quick CPU settings" in table
    assert "| FC on Fashion-MNIST | in-NINR catapult (σ_ε = 133) |" in table


def test_clean_accuracy_table_shows_validation_and_test_columns(records):
    split = [
        record("none", seed, test, validation_split=0.4, validation=valid)
        for seed, (valid, test) in enumerate([(0.90, 0.80), (0.92, 0.84)])
    ]
    header, _, row = reports.clean_accuracy_table(
        split, sigma_noise=()
    ).splitlines()
    assert header == (
        "| network | method | runs | epochs | validation accuracy (%) | "
        "clean test accuracy (%) |"
    )
    assert row == (
        "| FC on Fashion-MNIST | None | 2 | 20 | 91.0 ± 2.8 | 82.0 ± 5.7 |"
    )
    # Runs without a split show "-" in the validation column if forced.
    lines = reports.clean_accuracy_table(
        records, sigma_noise=(), validation=True
    ).splitlines()
    assert lines[2] == (
        "| FC on Fashion-MNIST | None | 3 | 20 | - | 82.0 ± 4.0 |"
    )
    # And hidden if asked.
    assert "validation" not in reports.clean_accuracy_table(
        split, validation=False
    )


def test_records_older_than_validation_split_group_with_new_ones(records):
    old = [dict(r, config=dict(r["config"])) for r in records[:2]]
    for r in old:
        del r["config"]["validation_split"]  # Written before the field.
    table = reports.clean_accuracy_table(old + records[2:3])
    assert "| FC on Fashion-MNIST | None | 3 | 20 | 82.0 ± 4.0 |" in table


def curve_labels(axis):
    return [line.get_label() for line in axis.get_lines()]


def test_noise_distribution_figure_has_a_panel_per_distribution():
    fc_cnn = [
        record("none", 0, 0.80, [0.5, 0.1]),
        record("none", 1, 0.82, [0.5, 0.1]),
        record("in-ninr", 0, 0.8, [0.6, 0.1], noise_distribution="uniform"),
        record("in-ninr", 1, 0.8, [0.7, 0.1], noise_distribution="uniform"),
        record(
            "in-ninr", 0, 0.8, [0.6, 0.1], noise_distribution="double_normal"
        ),
        record("none", 0, 0.80, [0.5, 0.1], architecture="cnn"),
        record(
            "in-ninr",
            0,
            0.8,
            [0.6, 0.1],
            architecture="cnn",
            noise_distribution="uniform",
        ),
    ]
    figure = reports.noise_distribution_figure(fc_cnn, title="Fig. 7")
    axes = figure.axes
    uniform = "uniform U(-σ_ε, σ_ε)"
    double = "double Gaussian (peaks at ±σ_ε)"
    assert [axis.get_title() for axis in axes] == [
        f"FC on Fashion-MNIST: {uniform}",
        f"FC on Fashion-MNIST: {double}",
        f"CNN on Fashion-MNIST: {uniform}",
        f"CNN on Fashion-MNIST: {double}",
    ]
    # No regularization is the reference in every panel of its network.
    assert curve_labels(axes[0]) == [
        "None (n=2)",
        "in-NINR (decay, σ_ε = 51.8, uniform) (n=2)",
    ]
    assert list(axes[0].get_lines()[1].get_ydata()) == pytest.approx(
        [0.8, 0.65, 0.1]
    )
    assert len(axes[0].collections) == 2  # A ±2σ band per curve.
    assert curve_labels(axes[1]) == [
        "None (n=2)",
        "in-NINR (decay, σ_ε = 51.8, double_normal) (n=1)",
    ]
    assert curve_labels(axes[2])[1] == (
        "in-NINR (decay, σ_ε = 2.8, uniform) (n=1)"
    )
    # The CNN has no double-Gaussian run: an empty panel, not the reference.
    assert curve_labels(axes[3]) == []
    assert not axes[3].axison
    with pytest.raises(ValueError, match="NINR"):
        reports.noise_distribution_figure(fc_cnn[:2])


def test_optimizer_figure_has_a_panel_per_optimizer():
    runs = [
        record("none", 0, 0.80, [0.5, 0.1]),
        record("none", 0, 0.70, [0.4, 0.1], optimizer="adam"),
        record("in-ninr", 0, 0.75, [0.6, 0.1], optimizer="adam"),
        record(
            "in-ninr",
            0,
            0.75,
            [0.6, 0.1],
            optimizer="rmsprop",
            architecture="cnn",
        ),
    ]
    axes = reports.optimizer_figure(runs).axes
    assert [axis.get_title() for axis in axes] == [
        "FC on Fashion-MNIST: SGD",
        "FC on Fashion-MNIST: Adam",
        "FC on Fashion-MNIST: RMSprop",
        "CNN on Fashion-MNIST: SGD",
        "CNN on Fashion-MNIST: Adam",
        "CNN on Fashion-MNIST: RMSprop",
    ]
    # Every run, NINR or not, in its own optimizer's panel only.
    assert curve_labels(axes[0]) == ["None (n=1)"]
    assert curve_labels(axes[1]) == [
        "None (n=1)",
        "in-NINR (decay, σ_ε = 115.8) (n=1)",
    ]
    assert list(axes[1].get_lines()[0].get_ydata()) == pytest.approx(
        [0.7, 0.4, 0.1]
    )
    assert curve_labels(axes[5]) == ["in-NINR (decay, σ_ε = 19.6) (n=1)"]
    assert [axis.axison for axis in axes] == [
        True, True, False, False, False, True,
    ]


def test_cifar10_figure_is_one_panel_in_the_papers_order():
    vgg = dict(dataset="cifar10", architecture="vgg")
    runs = [
        record("cdt", 0, 0.7, [0.6, 0.1], cdt_sigma_noise=0.4, **vgg),
        record("in-ninr", 0, 0.8, [0.5, 0.1], noise_stddev="catapult", **vgg),
        record("cdt", 0, 0.7, [0.5, 0.1], cdt_sigma_noise=0.2, **vgg),
        record("none", 0, 0.8, [0.3, 0.1], **vgg),
        record("in-ninr", 0, 0.8, [0.5, 0.1], **vgg),
        record("none", 0, 0.8, [0.3, 0.1]),  # FC on Fashion-MNIST: left out.
    ]
    (axis,) = reports.cifar10_figure(runs, title="Fig. 9").axes
    assert axis.get_title() == "VGG on CIFAR-10"
    assert curve_labels(axis) == [
        "None (n=1)",
        "in-NINR (decay, σ_ε = 17.5) (n=1)",
        "in-NINR (catapult, σ_ε = 55.4) (n=1)",
        "CDT (σ_noise = 0.2) (n=1)",
        "CDT (σ_noise = 0.4) (n=1)",
    ]
    with pytest.raises(ValueError, match="VGG net on CIFAR-10"):
        reports.cifar10_figure(runs[-1:])


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


def test_a_run_recorded_twice_counts_once_with_a_warning(records):
    twice = [r for r in records for _ in range(2)]
    with pytest.warns(UserWarning) as caught:
        table = reports.clean_accuracy_table(twice)
    assert table == reports.clean_accuracy_table(records)
    (warning,) = caught
    message = str(warning.message)
    assert "6 run(s) have more than one record" in message
    assert all(f"{r['run_id']} (2 times)" in message for r in records)

    with pytest.warns(UserWarning, match="more than one record"):
        groups = reports.group_runs(twice)
    assert [len(g["runs"]) for g in groups] == [3, 3]
    assert [g["diverged"] for g in groups] == [0, 1]
    with pytest.warns(UserWarning, match="more than one record"):
        assert reports.training_seconds(twice) == 6.0
    with pytest.warns(UserWarning, match="more than one record"):
        figure = reports.corruption_figure(twice)
    assert curve_labels(figure.axes[0]) == [
        "None (n=3)",
        "in-NINR (decay, σ_ε = 51.8) (n=2, 1 diverged)",
    ]
    shifted = [
        record("none", seed, 0.97, dataset="mnist", domain_shift={"lecun": a})
        for seed, a in enumerate((0.80, 0.84))
    ]
    with pytest.warns(UserWarning, match="more than one record"):
        table = reports.domain_shift_table(shifted + shifted[:1])
    assert table == reports.domain_shift_table(shifted)


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


def test_cli_report_regenerates_the_committed_fc_report(
    tmp_path, monkeypatch
):
    # The committed report was written by `keras-ninr report` from the
    # committed results: the same command must write the same pages.
    committed = ROOT / "examples" / "results" / "fmnist_fc_gpu"
    monkeypatch.chdir(ROOT)
    results = "examples/results/fmnist_fc_gpu/results.jsonl"
    argv = ["report", "--results", results, "--out", str(tmp_path)]
    assert cli.main(argv) == 0
    for name in ("report.md", "clean_accuracy.md"):
        assert (tmp_path / name).read_text() == (committed / name).read_text()
    assert (tmp_path / "corruption.png").stat().st_size > 0
