"""Every example runs end to end in a tiny setting, so none can rot.

The scripts are imported as Python runs them and their `main` is called
here, in-process, on the fixture data folder (`fixture_data_dir`): a few
hundred images in the real layouts, so that no test needs the real data.
"""

import json
import re

import pytest

from tests.examples.conftest import ROOT


def test_demo_runs_and_prints_both_models(examples, fixture_data_dir, capsys):
    examples("demo").main(
        ["--train-size", "256", "--epochs", "1", "--data-dir", fixture_data_dir]
    )
    rows = re.findall(
        r"^\| (none|in-NINR \(sigma_eps=51.8\)) \| ([0-9.]+) \| ([0-9.]+) \| (\S+) \|$",
        capsys.readouterr().out,
        flags=re.MULTILINE,
    )
    assert [row[0] for row in rows] == ["none", "in-NINR (sigma_eps=51.8)"]
    for _, clean, corrupted, _ in rows:
        assert 0.0 <= float(clean) <= 1.0
        assert 0.0 <= float(corrupted) <= 1.0
    # The plain model has no NIW; the in-NINR model's is logged.
    assert rows[0][3] == "-" and float(rows[1][3]) > 0


def test_from_model_example_suppresses_the_niw(examples, capsys):
    assert examples("from_model").main(["3"]) == 0
    out = capsys.readouterr().out
    norms = [float(v) for v in re.findall(r"NIW norm ([0-9.]+)", out)]
    assert len(norms) == 3
    assert norms[-1] < norms[0]
    assert float(re.search(r"accuracy: ([0-9.]+)$", out.strip()).group(1)) > 0.6


@pytest.mark.slow_on_jax
def test_custom_protocol_example_overrides_the_epochs(
    examples, fixture_data_dir, monkeypatch, tmp_path, capsys
):
    monkeypatch.setenv("KERAS_NINR_DATA_DIR", fixture_data_dir)
    assert examples("custom_protocol").main([str(tmp_path), "tiny", "2"]) == 0
    out = capsys.readouterr().out
    assert "None seed 0 epochs 2" in out
    assert (tmp_path / "fig2b_tiny.md").exists()
    assert "--epochs 2" in (tmp_path / "fig2b_tiny.md").read_text()


def test_an_experiment_of_ones_own_runs_through_reproduce(fixture_data_dir, tmp_path, capsys):
    # docs/experiments.md's worked example: one definition in one file, run
    # by the command that runs the paper's, with the paper's flags.
    from keras_ninr.src.experiments import reproduce

    path = str(ROOT / "examples" / "my_experiment.py")
    argv = [path, "--tiny", "--out", str(tmp_path), "--data-dir", fixture_data_dir]
    assert reproduce.main(argv + ["--no-progress", "--methods", "none", "in-ninr-20"]) == 0
    assert "2 runs." in capsys.readouterr().out
    page = (tmp_path / "fc_sigma_scan_tiny.md").read_text()
    assert "| in-NINR (σ_ε = 20) |" in page and "| None |" in page
    assert "keras-ninr reproduce" in page and "my_experiment.py" in page
    records = [json.loads(line) for line in (tmp_path / "results.jsonl").open()]
    assert [r["config"]["noise_stddev"] for r in records] == [None, 20.0]
    # A rerun trains nothing; --page-only rewrites the page from the records.
    assert reproduce.main(argv + ["--page-only", "--methods", "none", "in-ninr-20"]) == 0
    assert "2 of 2 runs." in capsys.readouterr().out
    # Its own method keys are the --methods choices.
    with pytest.raises(SystemExit):
        reproduce.main(argv + ["--methods", "in-ninr-7"])
    assert "invalid choice: 'in-ninr-7'" in capsys.readouterr().err


def test_reproduce_refuses_a_file_without_an_experiment(tmp_path, capsys):
    from keras_ninr.src.experiments import reproduce

    path = tmp_path / "not_one.py"
    path.write_text("EXPERIMENTS = []\n")
    with pytest.raises(SystemExit):
        reproduce.main([str(path), "--tiny"])
    assert "to define `EXPERIMENT`" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        reproduce.main([str(tmp_path / "absent.py")])
    assert "invalid choice" in capsys.readouterr().err


def test_no_example_is_longer_than_sixty_lines_but_the_demo():
    for path in (ROOT / "examples").glob("*.py"):
        if path.name != "demo.py":
            assert len(path.read_text().splitlines()) <= 60, path.name
