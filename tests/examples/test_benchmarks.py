"""Smoke test of `benchmarks/overhead.py` on a tiny network, on any backend."""

import importlib.util
import math
import pathlib
import sys

import keras

import keras_ninr

_OVERHEAD_PATH = (
    pathlib.Path(__file__).resolve().parents[2] / "benchmarks" / "overhead.py"
)


def _load_overhead():
    # `benchmarks` is not an installed package, and pytest does not put the
    # repository root on sys.path; load the script from its file.
    spec = importlib.util.spec_from_file_location(
        "benchmarks_overhead", _OVERHEAD_PATH
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_time_variants_quick_times_every_variant_and_writes_its_section(
    tmp_path,
):
    overhead = _load_overhead()
    result = overhead.time_variants(
        hidden_units=(8, 8, 8), batch_size=16, steps=2, repeats=2
    )

    assert list(result.seconds_per_step) == list(overhead.VARIANTS)
    assert {"dense", "in_ninr", "full_ninr", "gaussian_noise"} <= set(
        result.seconds_per_step
    )
    for variant, seconds in result.seconds_per_step.items():
        assert len(seconds) == 2, variant
        assert all(math.isfinite(s) and s > 0 for s in seconds), variant
        assert result.ratio(variant) > 0, variant
    assert result.ratio("dense") == 1.0

    backend = keras.backend.backend()
    out = tmp_path / "overhead.md"
    out.write_text(
        "# Overhead\n\n## Backend: other\n\nkept\n\n"
        f"## Backend: {backend}\n\nstale\n"
    )
    overhead.update_results_file(
        out, overhead.results_section(result, backend, "python overhead.py")
    )
    text = out.read_text()
    assert "kept" in text and "stale" not in text
    assert text.count(f"## Backend: {backend}") == 1
    for variant in overhead.VARIANTS:
        assert f"| `{variant}`: " in text


def test_build_fc_puts_noise_where_each_variant_says():
    overhead = _load_overhead()

    def noise_stddevs(variant):
        model = overhead.build_fc(variant, hidden_units=(8, 8, 8))
        return [
            # sigma_eps is stored in float32.
            round(layer.noise_stddev, 4)
            if isinstance(layer, keras_ninr.NoiseInjectionDense)
            else type(layer).__name__
            for layer in model.layers
        ]

    assert noise_stddevs("dense") == ["Dense"] * 4
    assert noise_stddevs("in_ninr") == [51.8, "Dense", "Dense", "Dense"]
    assert noise_stddevs("full_ninr") == [16.4] * 4
    assert noise_stddevs("gaussian_noise") == ["GaussianNoise"] + ["Dense"] * 4


def test_sweep_throughput_quick_times_sequential_and_replicas(tmp_path):
    import os

    import pytest

    if not os.environ.get("KERAS_NINR_DATA_DIR"):
        pytest.skip("reads Fashion-MNIST from $KERAS_NINR_DATA_DIR")
    path = _OVERHEAD_PATH.parent / "sweep_throughput.py"
    spec = importlib.util.spec_from_file_location("benchmarks_sweep", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "throughput.md"
    rows = module.main(
        ["--quick", "--architectures", "fc", "--replicas", "2", "--out", str(out)]
    )
    assert [(r["mode"], r["replicas"]) for r in rows] == [
        ("sequential", 1),
        ("replicas", 2),
    ]
    for row in rows:
        assert math.isfinite(row["epoch_s"]) and row["epoch_s"] > 0
        assert row["speedup"] > 0
    assert rows[1]["run_epoch_s"] == rows[1]["epoch_s"] / 2
    text = out.read_text()
    assert f"## Backend: {keras.backend.backend()}" in text
    assert "| fc | 2 replicas |" in text
