"""Smoke tests of the benchmark scripts on tiny networks, on any backend."""

import math
import os

import keras
import numpy as np
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


def tiny_pixels(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, 784), dtype=np.float32)
    return x, rng.integers(0, 10, n).astype("int32")


def test_step_overhead_times_every_pipeline_and_writes_its_section(
    benchmarks, tmp_path
):
    step_overhead = benchmarks("step_overhead")
    x, y = tiny_pixels()
    result = step_overhead.time_step_overhead(
        x,
        y,
        networks={"tiny": (8,)},
        layers=("in_ninr",),
        pipelines={
            "arrays": (1,),
            "shuffled": (1,),
            "batches": (2,),
            "device": (2,),
            "device_keras": (2,),
            "device_xla": (2,),
        },
        batch_size=16,
        repeats=2,
    )

    backend = keras.backend.backend()
    expected = ["scan", "arrays/1", "shuffled/1"]
    if backend == "tensorflow":  # TensorFlow's own loops, by hand.
        expected[1:1] = ["tf_loop", "tf_loop_xla"]
    if backend != "torch":  # Keras allows steps_per_execution=1 only.
        # Keras's own loop, beside the kit's scanned or graph one.
        expected += ["batches/2", "device/2", "device_keras/2"]
    if backend == "tensorflow":  # The kit's loop compiled by XLA.
        expected.append("device_xla/2")
    assert result.variants("tiny", "in_ninr") == expected
    for variant in expected:
        for cpu in (False, True):
            seconds = (result.cpu_seconds if cpu else result.seconds)[
                ("tiny", "in_ninr", variant)
            ]
            assert len(seconds) == 2
            assert all(math.isfinite(s) and s > 0 for s in seconds)
            assert result.ratio("tiny", "in_ninr", variant, cpu) > 0
    assert result.ratio("tiny", "in_ninr", "scan") == 1.0
    assert set(result.skipped) == {
        "batches/2", "device/2", "device_keras/2", "device_xla/2"
    } - set(expected)

    out = tmp_path / "step_overhead.md"
    step_overhead.update_results_file(
        out, step_overhead.results_section(result, "python step_overhead.py")
    )
    text = out.read_text()
    assert text.startswith("# Per-step overhead of `fit`")
    assert f"## Backend: {backend}" in text
    assert "- Command: `python step_overhead.py`" in text
    assert "load average" in text
    assert "| 784-8-10 | in_ninr | `fit`, NumPy arrays | 1" in text


def test_step_overhead_scan_loop_trains_as_fit_does(benchmarks):
    # The baseline must be the same training, not a cheaper one.
    step_overhead = benchmarks("step_overhead")
    x, y = tiny_pixels(seed=1)
    keras.utils.set_random_seed(0)
    model = step_overhead.compile_network(
        step_overhead.build_network((8,), "dense")
    )
    scan = step_overhead.ScanTraining(
        step_overhead.network_parameters(model),
        x,
        y,
        batch_size=16,
        noise_stddev=step_overhead.IN_NINR_NOISE_STDDEV,
        learning_rate=step_overhead.LEARNING_RATE,
    )
    scan.train_epoch()
    model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    for layer, expected in zip(model.layers, scan.parameters):
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(layer.kernel),
            np.asarray(expected["kernel"]),
            rtol=1e-4,
            atol=1e-6,
        )


def test_step_overhead_names_a_bad_pipeline_and_data(benchmarks):
    step_overhead = benchmarks("step_overhead")
    x, y = tiny_pixels()
    with pytest.raises(ValueError, match="pipelines="):
        step_overhead.time_step_overhead(x, y, pipelines={"numpy": (1,)})
    with pytest.raises(ValueError, match="batch_size=48"):
        step_overhead.time_step_overhead(x, y, batch_size=48)


def test_config_path_counts_returns_and_climbs_over_import_floors(
    benchmarks, tmp_path
):
    config_path = benchmarks("config_path")
    # a imports b and c; b and c import each other (one floor) and d.
    package = tmp_path / "pkg"
    package.mkdir()
    sources = {
        "__init__.py": "",
        "a.py": "from pkg import b\nimport pkg.c\n",
        "b.py": "from pkg import c\nfrom pkg.d import f\n",
        "c.py": "from . import b\n\ndef g():\n    from pkg import a\n",
        "d.py": "def f():\n    pass\n",
    }
    for name, text in sources.items():
        (package / name).write_text(text)
    graph = config_path.import_graph(package)
    assert graph["pkg.a"] == {"pkg.b", "pkg.c"}
    assert graph["pkg.c"] == {"pkg.b"}  # Not the import inside g().
    floors = config_path.floors(graph)
    assert floors == {"pkg": 0, "pkg.d": 0, "pkg.b": 1, "pkg.c": 1, "pkg.a": 2}
    # A path a -> d -> a -> b -> d (the last called by b) and a climb from
    # d up to b (a config's method, say).
    steps = [
        ("a.py", "run", None, True),
        ("d.py", "f", "a.py", False),
        ("a.py", "helper", "a.py", True),
        ("b.py", "method", "d.py", True),
        ("d.py", "f", "b.py", False),
    ]
    counts = config_path.count_path(steps, floors, package="pkg")
    assert counts["returns"] == 2  # a and d entered again.
    assert counts["climbs"] == 1
    assert counts["walk_climbs"] == 1  # d -> a (a -> b goes down).
    assert counts["per_module"] == {"a.py": 2, "d.py": 2, "b.py": 1}
