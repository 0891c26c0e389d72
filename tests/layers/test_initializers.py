"""App. A's initialisation: one definition for the NIN layers and the zoo."""

import keras
import numpy as np
import pytest
from keras import ops

from keras_ninr import NoiseInjectionDense
from keras_ninr import NoiseInjectionPixel
from keras_ninr.src.initializers import FanInNormal
from keras_ninr.src.initializers import shape_fan_in


def values(tensor):
    return ops.convert_to_numpy(tensor)


@pytest.mark.parametrize(
    "shape", [(784, 16), (16,), (2, 2, 1, 32), (3, 3, 32, 64)]
)
def test_the_data_fan_in_draws_what_variance_scaling_drew(shape):
    # The zoo's kernels (and so the committed results) came from
    # VarianceScaling(1, "fan_in", "untruncated_normal") at these seeds.
    expected = keras.initializers.VarianceScaling(
        1.0, "fan_in", "untruncated_normal", seed=7
    )(shape)
    np.testing.assert_array_equal(
        values(FanInNormal(seed=7)(shape)), values(expected)
    )


def test_fan_in_counts_the_kernel_inputs():
    assert shape_fan_in((784, 16)) == 784
    assert shape_fan_in((2, 2, 3, 32)) == 12  # Kernel size x channels in.
    assert shape_fan_in((16,)) == 16


def test_an_explicit_fan_in_counts_the_nin():
    drawn = values(FanInNormal(fan_in=785, seed=3)((784, 512)))
    before = keras.initializers.RandomNormal(stddev=785**-0.5, seed=3)
    np.testing.assert_allclose(
        drawn, values(before((784, 512))), rtol=1e-6, atol=0
    )
    assert drawn.std() == pytest.approx(785**-0.5, rel=0.01)


def test_nin_layers_count_the_nin_in_their_fan_in():
    keras.utils.set_random_seed(0)
    # Wide enough that the NIW's sample standard deviation is within 1%
    # (one sigma) of the distribution's.
    dense = NoiseInjectionDense(8192)
    dense.build((None, 784))
    for weight in (dense.kernel, dense.noise_kernel):
        assert values(weight).std() == pytest.approx(785**-0.5, rel=0.04)
    pixel = NoiseInjectionPixel()
    pixel.build((None, 64, 64, 3))
    assert values(pixel.noise_kernel).std() == pytest.approx(
        (64 * 64 * 3 + 1) ** -0.5, rel=0.04
    )


def test_config_round_trip_and_bad_fan_in():
    initializer = FanInNormal(fan_in=785, seed=2)
    config = keras.initializers.serialize(initializer)
    again = keras.initializers.deserialize(config)
    assert isinstance(again, FanInNormal) and again.fan_in == 785
    np.testing.assert_array_equal(
        values(again((3, 4))), values(initializer((3, 4)))
    )
    for bad in (0, 2.5, True):
        with pytest.raises(ValueError, match=f"fan_in={bad!r}"):
            FanInNormal(fan_in=bad)
