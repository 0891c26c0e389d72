"""Smoke tests of the benchmark scripts on tiny networks, on any backend."""

import math
import os

import keras
import pytest

import keras_ninr
from keras_ninr.experiments import zoo

needs_data = pytest.mark.skipif(
    not os.environ.get("KERAS_NINR_DATA_DIR"),
    reason="reads Fashion-MNIST from $KERAS_NINR_DATA_DIR",
)


def test_time_variants_quick_times_every_variant_and_writes_its_section(
    benchmarks, tmp_path
):
    overhead = benchmarks("overhead")
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
        out, overhead.results_section(result, "python overhead.py")
    )
    text = out.read_text()
    assert "kept" in text and "stale" not in text
    assert text.count(f"## Backend: {backend}") == 1
    assert "- Command: `python overhead.py`" in text
    for variant in overhead.VARIANTS:
        assert f"| `{variant}`: " in text


def test_time_variants_names_every_count_that_is_not_positive(benchmarks):
    overhead = benchmarks("overhead")
    with pytest.raises(ValueError, match=r"steps=0, repeats=True"):
        overhead.time_variants(steps=0, repeats=True)


def test_build_fc_puts_the_zoos_decay_presets_where_each_variant_says(
    benchmarks,
):
    overhead = benchmarks("overhead")

    def noise_stddevs(variant):
        model = overhead.build_fc(variant, hidden_units=(8, 8, 8))
        return [
            # sigma_eps is stored in float32.
            round(layer.noise_stddev, 4)
            if isinstance(layer, keras_ninr.NoiseInjectionDense)
            else type(layer).__name__
            for layer in model.layers
        ]

    in_ninr = zoo.noise_preset("fc", "input", "decay")
    full_ninr = zoo.noise_preset("fc", "full", "decay")
    assert (in_ninr, full_ninr) == (51.8, 16.4)
    assert noise_stddevs("dense") == ["Dense"] * 4
    assert noise_stddevs("in_ninr") == [in_ninr, "Dense", "Dense", "Dense"]
    assert noise_stddevs("full_ninr") == [full_ninr] * 4
    assert noise_stddevs("gaussian_noise") == ["GaussianNoise"] + ["Dense"] * 4


@needs_data
def test_sweep_throughput_quick_times_sequential_and_replicas(
    benchmarks, tmp_path
):
    sweep_throughput = benchmarks("sweep_throughput")
    out = tmp_path / "throughput.md"
    rows = sweep_throughput.main(
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
    assert text.startswith("# Sweep throughput")
    assert f"## Backend: {keras.backend.backend()}" in text
    assert "| fc | 2 replicas |" in text
