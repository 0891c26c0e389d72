"""Fixtures of the example and benchmark tests."""

import importlib
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _importer(monkeypatch, folder):
    # As Python runs a script: its folder first on the path, so that its
    # sibling helper (`_benchmark`) imports.
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
