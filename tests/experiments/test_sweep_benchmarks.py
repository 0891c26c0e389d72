"""A sweep with the `corruption_benchmark` evaluation, on MNIST-C fixture
data in the original release's layout, and its report."""

import numpy as np
import pytest

from keras_ninr import robustness
from keras_ninr.experiments import reports
from keras_ninr.experiments import sweep
from tests.experiments.test_sweep import easy_images


def write_mnist_c(root, count=24):
    """`<root>/mnist_c/<corruption>/test_images.npy` and `test_labels.npy`
    for the 15 corruptions and `identity`: easy images, a few corrupted."""
    (_, _), (x_test, y_test) = easy_images("mnist")
    rng = np.random.default_rng(0)
    for index, name in enumerate(
        ("identity",) + robustness.MNIST_C_CORRUPTIONS
    ):
        folder = root / "mnist_c" / name
        folder.mkdir(parents=True)
        images = x_test[:count].copy()
        noisy = rng.random(images.shape) < 0.04 * index
        images[noisy] = 255 - images[noisy]
        np.save(folder / "test_images.npy", images[..., None])
        np.save(folder / "test_labels.npy", y_test[:count])
    return root


EVALUATIONS = {"clean": True, "corruption_benchmark": "mnist_c"}


def test_a_tiny_sweep_evaluates_mnist_c_and_reports_it(tmp_path):
    data_dir = write_mnist_c(tmp_path / "data")
    configs = sweep.expand_grid(
        ["none", "dropout"],
        datasets=["mnist"],
        architecture_kwargs={"hidden_units": (16,)},
        train_size=256,
        epochs=1,
        target_accuracy=None,
        evaluations=EVALUATIONS,
    )
    records = sweep.run_sweep(
        configs,
        tmp_path / "results.jsonl",
        progress=False,
        data_dir=data_dir,
        load_data=easy_images,
    )
    assert [r["status"] for r in records] == ["finished", "finished"]
    result = records[0]["evaluations"]["corruption_benchmark"]
    assert result["benchmark"] == "mnist_c"
    assert result["corruptions"] == list(robustness.MNIST_C_CORRUPTIONS)
    assert set(result["images"].values()) == {24}
    assert result["sources"]["fog"] == str(data_dir / "mnist_c")
    # The run's clean accuracy is the benchmark's.
    assert result["clean_accuracy"] == records[0]["evaluations"]["clean"]
    assert 0.0 <= result["mean_corruption_accuracy"] <= 1.0

    table = reports.corruption_benchmark_table(records)
    lines = table.splitlines()
    assert lines[0] == "| MNIST-C corruption | None | Dropout |"
    assert len(lines) == 2 + 15 + 4
    # The baseline's mCE is 100%.
    assert lines[-2].startswith("| mCE vs None | 100.0 | ")
    dropout = robustness.mean_corruption_error(
        records[1]["evaluations"]["corruption_benchmark"], result
    )
    assert lines[-2].endswith(f" {100 * dropout['mce']:.1f} |")
    figure = reports.corruption_benchmark_figure(records)
    assert len(figure.axes) == 1
    labels = figure.axes[0].get_legend_handles_labels()[1]
    assert labels == ["None", "Dropout"]
    # `keras-ninr report` shows the benchmark too.
    written = reports.write_results_report(records, tmp_path / "report", "runs")
    assert (tmp_path / "report" / "corruption_benchmark.png").stat().st_size > 0
    assert (tmp_path / "report" / "corruption_benchmark.md").read_text() == table
    assert str(tmp_path / "report" / "report.md") == written[-1]


def test_the_benchmark_kind_is_checked_and_keeps_older_run_ids():
    config = sweep.RunConfig(
        dataset="mnist",
        evaluations={"clean": True, "corruption_benchmark": "MNIST-C"},
    )
    assert config.evaluations["corruption_benchmark"] == "mnist_c"
    # A config without the kind has the id it had before the kind existed.
    assert sweep.RunConfig().run_id == "a16e99baca69634a"
    assert config.run_id != sweep.RunConfig(dataset="mnist").run_id
    with pytest.raises(ValueError, match="only with dataset='cifar10'"):
        sweep.RunConfig(evaluations={"corruption_benchmark": "cifar10_c"})
    with pytest.raises(ValueError, match="Unrecognized benchmark: 'mnist_x'"):
        sweep.RunConfig(
            dataset="mnist", evaluations={"corruption_benchmark": "mnist_x"}
        )


def cifar10_c_results(accuracy_by_severity, clean):
    names = list(accuracy_by_severity)
    return {
        "benchmark": "cifar10_c",
        "corruptions": names,
        "summary_corruptions": names,
        "severities": [1, 2, 3, 4, 5],
        "accuracy": {
            c: float(np.mean(list(a.values())))
            for c, a in accuracy_by_severity.items()
        },
        "accuracy_by_severity": accuracy_by_severity,
        "mean_corruption_accuracy": float(
            np.mean(
                [
                    np.mean(list(a.values()))
                    for a in accuracy_by_severity.values()
                ]
            )
        ),
        "clean_accuracy": clean,
    }


def test_cifar10_c_report_from_results_dicts():
    severities = [str(s) for s in range(1, 6)]
    base = cifar10_c_results(
        {"fog": dict(zip(severities, [0.9, 0.8, 0.7, 0.6, 0.5]))}, 0.9
    )
    better = cifar10_c_results(
        {"fog": dict(zip(severities, [0.95, 0.9, 0.85, 0.8, 0.75]))}, 0.95
    )
    table = reports.corruption_benchmark_table(
        {"None": base, "in-NINR": better}
    )
    # Errors sum to 0.75 and 1.5: CE = 50%; relative (0.75 - 5 * 0.05) /
    # (1.5 - 5 * 0.1) = 50%.
    assert "| fog | 70.0 | 85.0 |" in table
    assert "| mCE vs None | 100.0 | 50.0 |" in table
    assert "| relative mCE vs None | 100.0 | 50.0 |" in table
    figure = reports.corruption_benchmark_figure(
        {"None": base, "in-NINR": better}
    )
    assert len(figure.axes) == 2  # Per corruption, and against severity.
    line = figure.axes[1].get_lines()[1]
    assert list(line.get_ydata()) == pytest.approx([0.95, 0.9, 0.85, 0.8, 0.75])
