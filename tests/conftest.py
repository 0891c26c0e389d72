import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402


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
