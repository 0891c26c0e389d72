"""A saved model that standardises its own pixels loads with the add-on alone."""

import os
import subprocess
import sys

import keras
import numpy as np

import keras_ninr


def test_saved_model_loads_after_a_plain_import_of_the_add_on(tmp_path):
    inputs = keras.Input((4,))
    h = keras_ninr.Standardization(0.25, 0.5)(inputs)
    outputs = keras_ninr.NoiseInjectionDense(3, noise_stddev=2.0, seed=0)(h)
    model = keras_ninr.NINRModel(inputs, outputs)
    path = str(tmp_path / "model.keras")
    model.save(path)
    x = np.linspace(0, 1, 8, dtype="float32").reshape(2, 4)
    expected = model.predict(x, verbose=0)
    np.save(tmp_path / "x.npy", x)

    # A fresh process that imports only `keras_ninr`: nothing of the
    # datasets package registers the layer there.
    code = (
        "import sys, keras, keras_ninr, numpy as np\n"
        f"m = keras.saving.load_model({path!r})\n"
        f"x = np.load({str(tmp_path / 'x.npy')!r})\n"
        "assert 'keras_ninr.datasets' not in sys.modules\n"
        f"np.save({str(tmp_path / 'y.npy')!r}, m.predict(x, verbose=0))\n"
    )
    subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        env=dict(os.environ, KERAS_BACKEND=keras.backend.backend()),
        capture_output=True,
    )
    np.testing.assert_array_equal(np.load(tmp_path / "y.npy"), expected)


def test_bad_statistics_are_named():
    import pytest

    with pytest.raises(ValueError, match="std"):
        keras_ninr.Standardization(0.1, 0.0)
    with pytest.raises(ValueError, match="mean"):
        keras_ninr.Standardization("a", 1.0)
