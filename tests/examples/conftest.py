"""Fixtures of the example and benchmark tests."""

import importlib
import json
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _importer(monkeypatch, folder):
    # As Python runs a script: its folder first on the path, so that its
    # sibling helper (`_sweep_example`, `_benchmark`) imports.
    monkeypatch.syspath_prepend(str(ROOT / folder))
    return importlib.import_module


@pytest.fixture
def examples(monkeypatch):
    """Imports an example script (by module name) as a module."""
    return _importer(monkeypatch, "examples")


@pytest.fixture
def benchmarks(monkeypatch):
    """Imports a benchmark script (by module name) as a module."""
    return _importer(monkeypatch, "benchmarks")


@pytest.fixture
def run_example(examples, tmp_path):
    """Runs a sweep example in its tiny mode into `tmp_path`; its records."""

    def run(script, *arguments):
        example = examples(script.removesuffix(".py")).EXAMPLE
        example.main(
            ["--tiny", "--no-progress", "--out", str(tmp_path), *arguments]
        )
        lines = (tmp_path / "results.jsonl").read_text().splitlines()
        return [json.loads(line) for line in lines]

    return run
