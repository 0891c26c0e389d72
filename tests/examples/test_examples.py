"""Every example runs end to end in a tiny setting, so none can rot.

The demo runs as the README runs it, in a subprocess; the other scripts are
imported as Python runs them (their folder first on the path, so that
their sibling `_sweep_example` imports) and their `main` is called here,
which spares a process start and a backend import per script.
"""

import os
import re
import subprocess
import sys

import keras
import pytest

from tests.examples.conftest import ROOT

needs_data = pytest.mark.skipif(
    not os.environ.get("KERAS_NINR_DATA_DIR"),
    reason="reads the data sets from $KERAS_NINR_DATA_DIR",
)


def run_script(path, *arguments):
    """Run `path` (from the repository root) on this test's backend.

    Returns its standard output; fails the test, with the end of its
    standard error, if it exits with an error.
    """
    completed = subprocess.run(
        [sys.executable, str(ROOT / path), *map(str, arguments)],
        env=dict(os.environ, KERAS_BACKEND=keras.backend.backend()),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed.stdout


@needs_data
def test_demo_runs_and_prints_both_models():
    stdout = run_script(
        "examples/demo.py", "--train-size", 256, "--epochs", 1
    )
    rows = re.findall(
        r"^\| (none|in-NINR \(sigma_eps=51.8\)) \| ([0-9.]+) \| ([0-9.]+) \| (\S+) \|$",
        stdout,
        flags=re.MULTILINE,
    )
    assert [row[0] for row in rows] == ["none", "in-NINR (sigma_eps=51.8)"]
    for _, clean, corrupted, _ in rows:
        assert 0.1 < float(clean) <= 1.0  # Better than chance after 1 epoch.
        assert 0.0 <= float(corrupted) <= 1.0
    assert rows[0][3] == "-" and float(rows[1][3]) > 0


@needs_data
def test_quick_fc_robustness_runs_and_resumes(examples, tmp_path, capsys):
    main = examples("quick_fc_robustness").main
    arguments = "--train-size 256 --epochs 1 --seeds 0 --out".split()
    main([*arguments, str(tmp_path)])
    results = (tmp_path / "quick_fc_robustness.jsonl").read_text().splitlines()
    assert len(results) == 3
    table = (tmp_path / "quick_fc_robustness.md").read_text()
    for method in ("none", "in-NINR (decay, sigma_eps=51.8)", "dropout"):
        assert f"| {method}" in table
    capsys.readouterr()
    # A rerun finds every run done: nothing is trained or appended again.
    main([*arguments, str(tmp_path)])
    assert "seed 0" not in capsys.readouterr().out.split("# Quick")[0]
    assert (tmp_path / "quick_fc_robustness.jsonl").read_text().splitlines() == results


@needs_data
@pytest.mark.parametrize(
    "script, arguments, outputs",
    [
        (
            "phases.py",
            ["--epochs", "1", "--train-size", "2000"],
            ["phases_fig3.json", "phases_fig3.png"],
        ),
        (
            "find_phase_boundaries.py",
            ["--train-size", "2560", "--steps", "10", "--epochs", "1"],
            ["phase_boundaries_fc.json", "phase_boundaries_fc.md"],
        ),
    ],
)
def test_phase_examples_run(script, arguments, outputs, examples, tmp_path):
    examples(script.removesuffix(".py")).main([*arguments, "--out", str(tmp_path)])
    for name in outputs:
        assert (tmp_path / name).stat().st_size > 0
