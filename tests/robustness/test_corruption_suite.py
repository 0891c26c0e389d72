"""Tests of `keras_ninr.robustness.corruptions`: MNIST-C style common corruptions."""

import json
import os

import keras
import numpy as np
import pytest

from keras_ninr.robustness import corruptions
from keras_ninr import datasets
from keras_ninr import robustness

NAMES = tuple(corruptions.CORRUPTIONS)
# Corruptions without randomness: the seed must not matter.
DETERMINISTIC = {"gaussian_blur", "scale", "brightness", "contrast", "stripe"}


def _arc(center_x, center_y, radius_x, radius_y, start, stop, points=12):
    """Points (x, y) of an elliptic arc, angles in degrees, y downwards."""
    angles = np.deg2rad(np.linspace(start, stop, points))
    return list(
        zip(
            center_x + radius_x * np.cos(angles),
            center_y - radius_y * np.sin(angles),
        )
    )


# Strokes of each digit as polylines of (x, y) in a unit box, y downwards.
_STROKES = (
    [_arc(0.5, 0.5, 0.5, 0.5, 0, 360, 24)],
    [[(0.35, 0.15), (0.6, 0.0), (0.6, 1.0)]],
    [_arc(0.5, 0.28, 0.45, 0.28, 160, -30, 10) + [(0.0, 1.0), (1.0, 1.0)]],
    [
        _arc(0.45, 0.25, 0.45, 0.25, 150, -90, 10),
        _arc(0.45, 0.73, 0.5, 0.27, 90, -150, 10),
    ],
    [[(0.7, 1.0), (0.7, 0.0), (0.0, 0.7), (1.0, 0.7)]],
    [
        [(0.95, 0.0), (0.1, 0.0), (0.05, 0.45)]
        + _arc(0.45, 0.68, 0.5, 0.32, 140, -150, 12)
    ],
    [[(0.8, 0.0)] + _arc(0.5, 0.68, 0.45, 0.32, 160, -200, 18)],
    [[(0.0, 0.0), (1.0, 0.0), (0.35, 1.0)]],
    [
        _arc(0.5, 0.25, 0.4, 0.25, 0, 360, 18),
        _arc(0.5, 0.72, 0.5, 0.28, 0, 360, 18),
    ],
    [_arc(0.5, 0.32, 0.45, 0.32, -20, 340, 18) + [(0.95, 0.32), (0.8, 1.0)]],
)


def synthetic_digits(count=10, seed=0):
    """Handwriting-like digits 0-9 (repeating), (count, 28, 28) float32.

    Anti-aliased strokes about 4 pixels wide, each digit of random height,
    width, slant and position, kept 4 pixels from the border (as MNIST's
    digits are); mean intensity 0.12, as MNIST's.
    """
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:28, 0:28].astype(np.float64)
    images = np.zeros((count, 28, 28))
    for i in range(count):
        height, width = rng.uniform(13, 15), rng.uniform(7, 10)
        top = 13.5 - height / 2 + rng.uniform(-0.75, 0.75)
        left = 13.5 - width / 2 + rng.uniform(-0.75, 0.75)
        slant = rng.uniform(-0.2, 0.2)
        segments = []
        for stroke in _STROKES[i % 10]:
            r = top + height * np.array([y for _, y in stroke])
            c = left + width * np.array([x for x, _ in stroke])
            c += slant * (13.5 - r)
            segments.append(np.stack([r[:-1], c[:-1], r[1:], c[1:]], -1))
        r0, c0, r1, c1 = np.concatenate(segments).T[..., None, None]
        # Distance of every pixel from every segment.
        d_row, d_col = r1 - r0, c1 - c0
        t = ((rows - r0) * d_row + (cols - c0) * d_col) / np.maximum(
            d_row**2 + d_col**2, 1e-9
        )
        t = np.clip(t, 0.0, 1.0)
        distance = np.hypot(rows - r0 - t * d_row, cols - c0 - t * d_col)
        images[i] = np.clip(2.0 - distance.min(axis=0), 0.0, 1.0)
    return images.astype(np.float32)


def digits():
    """A few real-looking images: Fashion-MNIST where available."""
    if os.environ.get("KERAS_NINR_DATA_DIR"):
        try:
            _, (x_test, _) = datasets.load("fashion_mnist", download=False)
        except (FileNotFoundError, ValueError):
            pass
        else:
            return x_test[:16].astype(np.float32) / 255
    return synthetic_digits(16)


@pytest.fixture(scope="module")
def images():
    return digits()


def test_synthetic_digits_look_like_digits():
    x = synthetic_digits()
    assert x.shape == (10, 28, 28) and x.dtype == np.float32
    assert x.min() == 0.0 and x.max() == 1.0
    assert 0.1 < x.mean() < 0.2
    ink = x.reshape(10, -1).mean(axis=1)
    assert np.all((ink > 0.05) & (ink < 0.3))
    # A clear border of 4 pixels, as MNIST's.
    assert not x[:, :4].any() and not x[:, -4:].any()
    assert not x[:, :, :4].any() and not x[:, :, -4:].any()
    assert len({im.tobytes() for im in x}) == 10


# The tests loop over the corruptions rather than parametrize: each test pays
# for a fresh Keras session (conftest), and the suite must stay fast.


def test_shape_dtype_and_range_at_every_severity():
    inputs = [
        np.random.default_rng(0).random((5, 28, 28)).astype(np.float32),
        np.random.default_rng(1).random((3, 20, 24, 3)),
        np.random.default_rng(2).random((2, 28, 28, 1)).astype(np.float16),
    ]
    for name in NAMES:
        for x in inputs:
            original = x.copy()
            for severity in corruptions.SEVERITIES:
                out = corruptions.apply(x, name, severity, seed=1)
                where = f"{name}, severity {severity}, {x.shape} {x.dtype}"
                assert out.shape == x.shape, where
                assert out.dtype == x.dtype, where
                assert np.all(np.isfinite(out)), where
                assert out.min() >= 0.0 and out.max() <= 1.0, where
                assert not np.array_equal(out, x), where
            np.testing.assert_array_equal(x, original)  # Input left alone.


def test_same_seed_same_corruption(images):
    x = np.repeat(images[:4, ..., None], 3, axis=-1)  # Also 3 channels.
    for name in NAMES:
        for severity in (1, 5):
            first = corruptions.apply(x, name, severity, seed=3)
            again = corruptions.get(name)(x, severity, seed=3)
            np.testing.assert_array_equal(first, again, err_msg=name)
            other = corruptions.apply(x, name, severity, seed=4)
            if name in DETERMINISTIC:
                np.testing.assert_array_equal(first, other, err_msg=name)
            else:
                assert not np.array_equal(first, other), name
        # The default seed is 0, and a Generator works as a seed.
        np.testing.assert_array_equal(
            corruptions.apply(x, name, 2),
            corruptions.apply(x, name, 2, seed=0),
            err_msg=name,
        )
        np.testing.assert_array_equal(
            corruptions.apply(x, name, 2, seed=np.random.default_rng(5)),
            corruptions.apply(x, name, 2, seed=5),
            err_msg=name,
        )


def test_higher_severity_moves_images_further(images):
    for name in NAMES:
        distances = [
            float(np.mean((corruptions.apply(images, name, s) - images) ** 2))
            for s in corruptions.SEVERITIES
        ]
        assert distances[0] > 0.0, name
        assert np.all(np.diff(distances) > 0.0), (name, distances)


def test_warp_affine_identity_quarter_turn_and_shift():
    x = np.random.default_rng(0).random((3, 6, 6, 2))
    identity = corruptions.warp_affine(x, corruptions.rotation_matrix(0.0))
    np.testing.assert_array_equal(identity, x)
    quarter = corruptions.warp_affine(x, corruptions.rotation_matrix(np.pi / 2))
    np.testing.assert_allclose(quarter, np.rot90(x, axes=(1, 2)), atol=1e-12)
    # Sampling one row down and two columns left moves content up and right.
    shifted = corruptions.warp_affine(x, np.eye(2), offset=(1, -2))
    expected = np.zeros_like(x)
    expected[:, :-1, 2:] = x[:, 1:, :-2]
    np.testing.assert_allclose(shifted, expected, atol=1e-12)
    # Half-pixel shifts interpolate linearly, with 0 beyond the border.
    half = corruptions.warp_affine(x[..., 0], np.eye(2), offset=(0, 0.5))
    np.testing.assert_allclose(
        half[:, :, :-1], (x[:, :, :-1, 0] + x[:, :, 1:, 0]) / 2
    )
    np.testing.assert_allclose(half[:, :, -1], x[:, :, -1, 0] / 2)
    # One matrix per image.
    per_image = corruptions.warp_affine(
        x, corruptions.rotation_matrix([0.0, np.pi / 2, np.pi])
    )
    np.testing.assert_array_equal(per_image[0], x[0])
    np.testing.assert_allclose(per_image[1], np.rot90(x[1]), atol=1e-12)
    np.testing.assert_allclose(per_image[2], np.rot90(x[2], 2), atol=1e-12)


def test_geometric_transforms_keep_the_ink():
    x = synthetic_digits()
    ink = x.sum(axis=(1, 2))
    for name in ("rotate", "shear"):
        out = corruptions.apply(x, name, 1)
        np.testing.assert_allclose(out.sum(axis=(1, 2)), ink, rtol=0.05)
        assert np.abs(out - x).max() > 0.5  # Yet the digits moved.
    # Rotations by 0 and by whole turns change nothing.
    for angle in (0.0, 2 * np.pi):
        turned = corruptions.warp_affine(x, corruptions.rotation_matrix(angle))
        np.testing.assert_allclose(turned, x, atol=1e-5)
    # Whole-pixel shifts that keep the digit inside move the ink unchanged.
    for severity in (1, 2, 3, 4):
        out = corruptions.translate(x, severity, seed=0)
        np.testing.assert_allclose(out.sum(axis=(1, 2)), ink, rtol=1e-5)
    # Zooming out by a factor shrinks the ink by its square.
    for severity, factor in enumerate(corruptions.SCALE_FACTORS, start=1):
        out = corruptions.scale(x, severity)
        np.testing.assert_allclose(
            out.sum(axis=(1, 2)), factor**2 * ink, rtol=0.08
        )


def test_deterministic_corruptions_match_their_formulas():
    x = np.random.default_rng(0).random((4, 28, 28)).astype(np.float32)
    np.testing.assert_allclose(
        corruptions.brightness(x, 3), np.clip(x + 0.3, 0, 1), atol=1e-6
    )
    mean = x.mean(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(
        corruptions.contrast(x, 4), (x - mean) * 0.1 + mean, atol=1e-6
    )
    # MNIST-C's stripe at severity 3: the 7 outer columns of each side.
    expected = x.copy()
    expected[:, :, :7] = 1 - x[:, :, :7]
    expected[:, :, 21:] = 1 - x[:, :, 21:]
    np.testing.assert_allclose(corruptions.stripe(x, 3), expected, atol=1e-6)
    # Brightness keeps hue and saturation of colour pixels.
    rgb = np.array([[[[0.2, 0.4, 0.1]]]])
    np.testing.assert_allclose(
        corruptions.brightness(rgb, 1), [[[[0.25, 0.5, 0.125]]]]
    )
    # Blurs keep a constant image constant (edges are repeated) and the
    # total of a centred image.
    flat = np.full((2, 28, 28), 0.3)
    digit = synthetic_digits(2)
    for name in ("gaussian_blur", "glass_blur", "motion_blur"):
        for severity in (1, 5):
            # Glass blur truncates to 8 bits between its blurs, as MNIST-C.
            atol = 1 / 255 if name == "glass_blur" else 1e-6
            np.testing.assert_allclose(
                corruptions.apply(flat, name, severity), flat, atol=atol
            )
    # MNIST-C's truncation: 0.3 becomes floor(76.5) / 255.
    np.testing.assert_allclose(
        corruptions.glass_blur(flat, 1), 76 / 255, atol=1e-6
    )
    blurred = corruptions.gaussian_blur(digit, 1)
    np.testing.assert_allclose(blurred.sum(), digit.sum(), rtol=1e-5)
    assert (blurred > 0.01).sum() > 1.2 * (digit > 0.01).sum()  # Spread.


def test_noise_statistics():
    x = np.full((200, 28, 28), 0.5)
    for severity, amount in enumerate(corruptions.IMPULSE_NOISE_AMOUNTS, 1):
        out = corruptions.impulse_noise(x, severity)
        assert np.mean(out != 0.5) == pytest.approx(amount, rel=0.05)
        assert np.mean(out == 1.0) == pytest.approx(amount / 2, rel=0.07)
    for severity, photons in enumerate(corruptions.SHOT_NOISE_PHOTONS, 1):
        out = corruptions.shot_noise(x, severity)
        # Poisson counts: variance 0.5 / photons (3 photons clip at 1).
        if photons > 5:
            assert out.mean() == pytest.approx(0.5, abs=0.005)
            assert out.var() == pytest.approx(0.5 / photons, rel=0.05)
    for severity in (1, 2, 3):  # Higher ones clip at 0 and 1.
        out = corruptions.gaussian_noise(x, severity)
        stddev = corruptions.GAUSSIAN_NOISE_STDDEVS[severity - 1]
        assert out.std() == pytest.approx(stddev, rel=0.05)


def test_fog_and_spatter_cover_the_image():
    x = synthetic_digits()
    fogged = corruptions.fog(x, 5)
    background = fogged[x == 0]
    # Fog lightens the background unevenly; digits are dimmed, still there.
    assert background.mean() > 0.2 and background.std() > 0.03
    assert np.corrcoef(fogged.ravel(), x.ravel())[0, 1] > 0.3
    np.testing.assert_array_equal(corruptions.fog(np.zeros((2, 8, 8)), 3), 0)
    # Spatter: mud (63/255) over more of the image at higher severity.
    blank = np.zeros((50, 28, 28))
    covered = [np.mean(corruptions.spatter(blank, s) > 0) for s in (1, 3, 5)]
    assert covered[0] < covered[1] < covered[2]
    assert covered[1] == pytest.approx(0.13, abs=0.04)
    assert corruptions.spatter(blank, 5).max() <= 63 / 255 + 1e-6


def test_bad_names_severities_and_images_are_rejected():
    x = np.zeros((1, 8, 8))
    for name in ("nope", "Shot Noise", None, 3):
        with pytest.raises(ValueError, match="Unrecognized corruption name"):
            corruptions.get(name)
        with pytest.raises(ValueError, match="Known names: .*shot_noise"):
            corruptions.apply(x, name, 1)
    assert corruptions.get("Shot-Noise") is corruptions.shot_noise
    for severity in (0, 6, 2.5, -1, True, "3", None, 3.0):
        for name in NAMES:
            with pytest.raises(ValueError) as error:
                corruptions.apply(x, name, severity)
            assert f"Received: severity={severity!r}" in str(error.value)
    bad_images = [
        (np.full((1, 8, 8), 1.5), "values in \\[1.5, 1.5\\]"),
        (np.full((1, 8, 8), -0.1), "values in \\[-0.1, -0.1\\]"),
        (np.full((1, 8, 8), np.nan), "NaN"),
        (np.zeros((1, 8, 8), dtype=np.uint8), "dtype uint8"),
        (np.zeros((8, 8)), "shape \\(8, 8\\)"),
        (np.zeros((1, 2, 8, 8, 1)), "shape \\(1, 2, 8, 8, 1\\)"),
    ]
    for bad, message in bad_images:
        for name in NAMES:
            with pytest.raises(ValueError, match=f"`x`.*{message}"):
                corruptions.apply(bad, name, 1)
        with pytest.raises(ValueError, match=message):
            corruptions.warp_affine(bad, np.eye(2))


class _MeanModel:
    """Predicts class 1 where an input's mean exceeds `threshold`, else 0."""

    def __init__(self, threshold):
        self.threshold = threshold
        self.calls = 0

    def predict(self, x, batch_size=None, verbose=None):
        self.calls += 1
        positive = x.reshape(len(x), -1).mean(axis=1) > self.threshold
        return np.stack([~positive, positive], axis=1).astype(np.float32)


def test_corruption_accuracy_structure_and_means(images):
    x = (images[:8] * 255).astype(np.uint8)
    mean = float(x.mean()) / 255
    y = (x.reshape(8, -1).mean(axis=1) / 255 > mean).astype(int)
    model = _MeanModel(mean)
    results = corruptions.corruption_accuracy(model, x, y)
    assert set(results) == {
        "accuracy",
        "mean_accuracy",
        "mean_corruption_accuracy",
        "clean_accuracy",
    }
    assert model.calls == 1 + len(NAMES) * 5
    assert results["clean_accuracy"] == 1.0
    assert list(results["accuracy"]) == list(NAMES)
    all_values = []
    for name, by_severity in results["accuracy"].items():
        assert list(by_severity) == [1, 2, 3, 4, 5]
        for value in by_severity.values():
            assert isinstance(value, float) and 0.0 <= value <= 1.0
        assert results["mean_accuracy"][name] == pytest.approx(
            np.mean(list(by_severity.values()))
        )
        all_values += list(by_severity.values())
    assert results["mean_corruption_accuracy"] == pytest.approx(
        np.mean(all_values)
    )
    # Brightening every image raises its mean above the training mean.
    assert results["accuracy"]["brightness"][5] == pytest.approx(
        np.mean(y == 1)
    )
    # Each entry is corrupted_accuracy on the corrupted pixels.
    rotated = corruptions.rotate(x / np.float32(255), 4, seed=0)
    assert results["accuracy"]["rotate"][4] == robustness.corrupted_accuracy(
        _MeanModel(mean), rotated, y, 0.0
    )


def test_corruption_accuracy_argument_checks(images):
    model = _MeanModel(0.5)
    x, y = images[:2], [0, 1]
    with pytest.raises(ValueError, match="Unrecognized corruption name"):
        corruptions.corruption_accuracy(
            model, x, y, corruptions=["rotate", "blur"]
        )
    with pytest.raises(ValueError, match="severity=6"):
        corruptions.corruption_accuracy(model, x, y, severities=[6])
    with pytest.raises(ValueError, match="values in \\[-1.0, 1.0\\]"):
        corruptions.corruption_accuracy(model, x * 2 - 1, y)
    with pytest.raises(ValueError, match="as many labels"):
        corruptions.corruption_accuracy(model, x, [0, 1, 1])
    assert model.calls == 0  # Every check before any prediction.


def test_corruption_accuracy_of_a_trained_model():
    keras.utils.set_random_seed(0)
    x_train = np.concatenate([synthetic_digits(10, seed=s) for s in range(20)])
    y_train = np.tile(np.arange(10), 20)
    _, (mean, std) = datasets.standardize(x_train)
    model = keras.Sequential(
        [
            keras.Input((28, 28)),
            datasets.Standardization(mean, std),
            keras.layers.Flatten(),
            keras.layers.Dense(10),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(0.01),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    model.fit(x_train, y_train, epochs=10, batch_size=50, verbose=0)
    x_test = synthetic_digits(20, seed=100)
    y_test = np.tile(np.arange(10), 2)
    results = corruptions.corruption_accuracy(
        model,
        x_test,
        y_test,
        corruptions=("stripe", "rotate"),
        severities=(1, 5),
    )
    assert results["clean_accuracy"] >= 0.9
    assert set(results["accuracy"]) == {"stripe", "rotate"}
    accuracies = [
        a for b in results["accuracy"].values() for a in b.values()
    ]
    assert all(0.0 <= a <= 1.0 for a in accuracies)
    assert results["mean_corruption_accuracy"] == pytest.approx(
        np.mean(accuracies)
    )
    # Inverting 13 of 28 columns on both sides is far from the training set.
    assert results["accuracy"]["stripe"][5] < results["clean_accuracy"]
    # The model's pixels are those of the corruption, as a model of
    # standardised inputs saw them standardised.
    network = keras.Sequential(model.layers[1:])  # No Standardization.
    stripes = corruptions.stripe(x_test, 5)
    outputs = network.predict(
        (stripes - np.float32(mean)) / np.float32(std), verbose=0
    )
    assert results["accuracy"]["stripe"][5] == float(
        np.mean(outputs.argmax(axis=-1) == y_test)
    )


def test_corruption_table():
    results = {
        "accuracy": {
            "shot_noise": {1: 0.9, 2: 0.8},
            "fog": {1: 0.7, 2: 0.5},
        },
        "mean_accuracy": {"shot_noise": 0.85, "fog": 0.6},
        "mean_corruption_accuracy": 0.725,
        "clean_accuracy": 0.95,
    }
    table = corruptions.corruption_table(results)
    assert table == (
        "| corruption | severity 1 | severity 2 | mean |\n"
        "| --- | ---: | ---: | ---: |\n"
        "| shot_noise | 0.9000 | 0.8000 | 0.8500 |\n"
        "| fog | 0.7000 | 0.5000 | 0.6000 |\n"
        "| mean | 0.8000 | 0.6500 | 0.7250 |\n"
    )
    # A JSON round trip turns severities into strings; the table is the same.
    assert corruptions.corruption_table(json.loads(json.dumps(results))) == (
        table
    )
    assert "0.90 |" in corruptions.corruption_table(results, digits=2)
