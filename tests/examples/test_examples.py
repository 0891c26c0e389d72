"""Every example runs end to end in a tiny mode, so none can rot."""

import os
import pathlib
import re
import subprocess
import sys

import keras
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.skipif(
    not os.environ.get("KERAS_NINR_DATA_DIR"),
    reason="the demo reads Fashion-MNIST from $KERAS_NINR_DATA_DIR",
)
def test_demo_runs_and_prints_both_models():
    completed = subprocess.run(
        [
            sys.executable,
            str(ROOT / "examples" / "demo.py"),
            "--train-size",
            "256",
            "--epochs",
            "1",
        ],
        env=dict(os.environ, KERAS_BACKEND=keras.backend.backend()),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    rows = re.findall(
        r"^\| (none|in-NINR \(sigma_eps=51.8\)) \| ([0-9.]+) \| ([0-9.]+) \| (\S+) \|$",
        completed.stdout,
        flags=re.MULTILINE,
    )
    assert [row[0] for row in rows] == ["none", "in-NINR (sigma_eps=51.8)"]
    for _, clean, corrupted, _ in rows:
        assert 0.1 < float(clean) <= 1.0  # Better than chance after 1 epoch.
        assert 0.0 <= float(corrupted) <= 1.0
    assert rows[0][3] == "-" and float(rows[1][3]) > 0


@pytest.mark.skipif(
    not os.environ.get("KERAS_NINR_DATA_DIR"),
    reason="the example reads Fashion-MNIST from $KERAS_NINR_DATA_DIR",
)
def test_quick_fc_robustness_runs_and_resumes(tmp_path):
    command = [
        sys.executable,
        str(ROOT / "examples" / "quick_fc_robustness.py"),
        "--train-size",
        "256",
        "--epochs",
        "1",
        "--seeds",
        "0",
        "--out",
        str(tmp_path),
    ]
    env = dict(os.environ, KERAS_BACKEND=keras.backend.backend())
    first = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=300
    )
    assert first.returncode == 0, first.stderr[-3000:]
    results = (tmp_path / "quick_fc_robustness.jsonl").read_text().splitlines()
    assert len(results) == 3
    table = (tmp_path / "quick_fc_robustness.md").read_text()
    for method in ("none", "in-NINR", "dropout"):
        assert f"| {method}" in table
    # A rerun finds every run done: nothing is trained or appended again.
    second = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=300
    )
    assert second.returncode == 0, second.stderr[-3000:]
    assert "seed 0" not in second.stdout.split("# Quick")[0]
    assert (tmp_path / "quick_fc_robustness.jsonl").read_text().splitlines() == results


@pytest.mark.skipif(
    not os.environ.get("KERAS_NINR_DATA_DIR"),
    reason="the examples read Fashion-MNIST from $KERAS_NINR_DATA_DIR",
)
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
def test_phase_examples_run(script, arguments, outputs, tmp_path):
    completed = subprocess.run(
        [sys.executable, str(ROOT / "examples" / script), *arguments,
         "--out", str(tmp_path)],
        env=dict(os.environ, KERAS_BACKEND=keras.backend.backend()),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    for name in outputs:
        assert (tmp_path / name).stat().st_size > 0
