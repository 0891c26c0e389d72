import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import gc  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import keras_ninr  # noqa: E402, F401
from keras_ninr import experiments, robustness  # noqa: E402, F401

if keras.backend.backend() == "jax" and os.environ.get("KERAS_NINR_TEST_JAX_CACHE", "1") == "1":
    # The tests build the same small programs again and again; JAX's
    # compilation cache (one folder per test run, shared by the run's
    # pytest-xdist workers) compiles each once.
    import tempfile

    import jax

    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if run:
        cache = os.path.join(tempfile.gettempdir(), f"keras_ninr_jax_cache_{run}")
    else:
        cache = tempfile.mkdtemp(prefix="jax_cache_")
    jax.config.update("jax_compilation_cache_dir", cache)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)

# `keras.utils.clear_session()` (each test's, and each sweep run's) ends in
# `gc.collect()`, which walks every object the imports made: 0.2-1 s a call
# with a backend loaded, about half the suite's time. Freezing what the
# imports made moves it out of the collector's reach; what the tests make is
# still collected.
gc.collect()
gc.freeze()


def pytest_collection_modifyitems(config, items):
    """`slow_on_jax` tests are `slow` under JAX: their cost there is XLA
    compiling many small programs once (the VGG, the CNN replica group), so
    CI runs them in its slow job on JAX and in the default run elsewhere."""
    if keras.backend.backend() != "jax":
        return
    for item in items:
        if item.get_closest_marker("slow_on_jax"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _fresh_keras_state():
    """Each test starts from a clean Keras session and dtype policy."""
    keras.config.set_dtype_policy("float32")
    keras.utils.clear_session()
    yield
    keras.config.set_dtype_policy("float32")


@pytest.fixture
def blobs():
    """A small 3-class problem of overlapping Gaussian blobs in 20 dimensions.

    Hard enough (about 70% accuracy) that the loss does not vanish, so the
    local Hessian that drives the NIW decay stays finite.
    """
    rng = np.random.default_rng(0)
    centers = rng.normal(size=(3, 20)) * 0.3
    y = rng.integers(0, 3, size=512)
    x = centers[y] + rng.normal(size=(512, 20))
    return x.astype("float32"), y.astype("int32")


@pytest.fixture(scope="session")
def _fixture_data_folder(tmp_path_factory):
    from tests.datasets import writers

    root = tmp_path_factory.mktemp("data")
    writers.write_idx_dataset(root / "fashion-mnist", num_train=640, num_test=300)
    writers.write_idx_dataset(root / "mnist", num_train=640, num_test=300, seed=1)
    writers.write_usps(root / "usps", num_train=12, num_test=60)
    writers.write_batches(root / "cifar10", per_batch=256)
    _write_corruption_benchmarks(root)
    return root


def _write_corruption_benchmarks(root, count=16):
    """MNIST-C and CIFAR-10-C in their releases' layouts, a few random
    images per corruption (and severity)."""
    from keras_ninr import robustness

    rng = np.random.default_rng(0)
    for name in ("identity",) + robustness.MNIST_C_CORRUPTIONS:
        folder = root / "mnist_c" / name
        folder.mkdir(parents=True)
        np.save(folder / "test_images.npy", rng.integers(0, 256, (count, 28, 28, 1), np.uint8))
        np.save(folder / "test_labels.npy", rng.integers(0, 10, count, np.uint8))
    folder = root / "CIFAR-10-C"
    folder.mkdir()
    for name in robustness.CIFAR10_C_CORRUPTIONS:
        np.save(folder / f"{name}.npy", rng.integers(0, 256, (5 * count, 32, 32, 3), np.uint8))
    np.save(folder / "labels.npy", rng.integers(0, 10, 5 * count, np.uint8))


@pytest.fixture
def fixture_data_dir(_fixture_data_folder, monkeypatch):
    """A data folder in the real layouts with a few hundred random images
    per data set (Fashion-MNIST, MNIST, USPS, CIFAR-10): what the
    experiment tests train on, so that they run without the real data.

    Its files are not the releases, so the loaders skip their checksums
    (as `verify_checksums=False` would) while the test runs.
    """
    import functools

    from keras_ninr import datasets
    from keras_ninr.src.datasets import loaders

    for name in ("load", "load_usps_as_mnist"):
        unchecked = functools.partial(getattr(loaders, name), verify_checksums=False)
        for module in (loaders, datasets):
            monkeypatch.setattr(module, name, unchecked)
    return str(_fixture_data_folder)
