"""Every example runs end to end in a tiny setting, so none can rot.

The scripts are imported as Python runs them and their `main` is called
here, in-process, on the fixture data folder (`fixture_data_dir`): a few
hundred images in the real layouts, so that no test needs the real data.
"""

import re

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


def test_custom_protocol_example_overrides_the_epochs(
    examples, fixture_data_dir, monkeypatch, tmp_path, capsys
):
    monkeypatch.setenv("KERAS_NINR_DATA_DIR", fixture_data_dir)
    assert examples("custom_protocol").main([str(tmp_path), "tiny", "2"]) == 0
    out = capsys.readouterr().out
    assert "None seed 0 epochs 2" in out
    assert (tmp_path / "fig2b_tiny.md").exists()
    assert "--epochs 2" in (tmp_path / "fig2b_tiny.md").read_text()


def test_no_example_is_longer_than_sixty_lines_but_the_demo():
    for path in (ROOT / "examples").glob("*.py"):
        if path.name != "demo.py":
            assert len(path.read_text().splitlines()) <= 60, path.name
