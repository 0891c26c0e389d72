"""Tests of the USPS loader and of LeCun's processing to MNIST's format."""

import gzip

import numpy as np
import pytest

from keras_ninr import datasets
from tests.datasets.writers import real_folder
from tests.datasets.writers import usps_lines
from tests.datasets.writers import write_usps

USPS_TRAIN_LABEL_COUNTS = [1194, 1005, 731, 658, 652, 556, 664, 645, 542, 644]
USPS_TEST_LABEL_COUNTS = [359, 264, 198, 166, 200, 160, 170, 147, 166, 177]


@pytest.fixture(scope="module")
def usps():
    return datasets.load("usps", data_dir=real_folder("usps"), download=False)


# USPS, real files.


def test_usps_shapes_labels_range_and_polarity(usps):
    (x_train, y_train), (x_test, y_test) = usps
    assert x_train.shape == (7291, 16, 16) and x_test.shape == (2007, 16, 16)
    assert x_train.dtype == x_test.dtype == np.float32
    assert y_train.dtype == y_test.dtype == np.uint8
    assert np.bincount(y_train).tolist() == USPS_TRAIN_LABEL_COUNTS
    assert np.bincount(y_test).tolist() == USPS_TEST_LABEL_COUNTS
    for x in (x_train, x_test):
        assert float(x.min()) == 0.0 and float(x.max()) == 1.0
        # MNIST's polarity: a background of exact zeros, bright strokes.
        assert np.median(x) == 0.0
        assert float(np.mean(x == 0.0)) > 0.5
        assert float(x[:, :, [0, -1]].mean()) < 0.05  # Left and right edges.
        assert float(x[:, 6:10, 6:10].mean()) > 0.3  # Where strokes are.


def _ink_box_sides(images):
    ink = images > 0
    rows, columns = ink.any(axis=2), ink.any(axis=1)
    size = images.shape[1]
    heights = size - rows.argmax(1) - rows[:, ::-1].argmax(1)
    widths = size - columns.argmax(1) - columns[:, ::-1].argmax(1)
    return heights, widths


def _centers_of_mass(images):
    images = images.astype(np.float64)
    mass = images.sum(axis=(1, 2))
    positions = np.arange(images.shape[1])
    return (
        images.sum(axis=2) @ positions / mass,
        images.sum(axis=1) @ positions / mass,
    )


def test_lecun_processing_of_the_usps_test_set(usps):
    _, (x_test, _) = usps
    out = datasets.usps_to_mnist_format(x_test)
    assert out.shape == (2007, 28, 28) and out.dtype == np.float32
    assert float(out.min()) >= 0.0 and float(out.max()) <= 1.0
    heights, widths = _ink_box_sides(out)
    assert np.all(np.abs(np.maximum(heights, widths) - 20) <= 1)
    rows, columns = _centers_of_mass(out)
    assert np.all(np.abs(rows - 14) <= 1) and np.all(np.abs(columns - 14) <= 1)
    # The digits then cover as much of the field as MNIST's do (mean 0.1307).
    assert float(out.mean()) == pytest.approx(0.1307, abs=0.02)


# USPS, generated files.


def test_usps_round_trip_of_generated_files(tmp_path, no_data_places):
    written = write_usps(tmp_path / "usps")
    for data_dir in (tmp_path, tmp_path / "usps"):
        loaded = datasets.load(
            "usps", data_dir=data_dir, verify_checksums=False
        )
        for (x, y), file_name in zip(loaded, ("zip.train.gz", "zip.test.gz")):
            pixels, labels = written[file_name]
            np.testing.assert_allclose(x, (pixels + 1) / 2, atol=1e-6)
            np.testing.assert_array_equal(y, labels)
            assert x.dtype == np.float32 and y.dtype == np.uint8
            assert np.all(x[:, 0, 0] == 0.0) and np.all(x[:, 8, 8] == 1.0)


def test_load_usps_as_mnist_of_generated_files(tmp_path, no_data_places):
    written = write_usps(tmp_path)
    x, y = datasets.load_usps_as_mnist(
        data_dir=tmp_path, verify_checksums=False
    )
    assert x.shape == (5, 28, 28) and x.dtype == np.float32
    np.testing.assert_array_equal(y, written["zip.test.gz"][1])
    x_train, _ = datasets.load_usps_as_mnist(
        data_dir=tmp_path, split="train", variant="pad", verify_checksums=False
    )
    pixels = written["zip.train.gz"][0]
    np.testing.assert_allclose(x_train[:, 6:22, 6:22], (pixels + 1) / 2, 1e-6)
    assert x_train.shape == (12, 28, 28)


# USPS to MNIST's format, known images.


def test_lecun_processing_of_a_known_bar():
    image = np.zeros((16, 16), np.float32)
    image[1:11, 0:4] = 1.0  # 10 tall, 4 wide, in the top left corner.
    out = datasets.usps_to_mnist_format(image)
    assert out.shape == (28, 28)
    heights, widths = _ink_box_sides(out[None])
    assert (heights[0], widths[0]) == (20, 8)  # Aspect ratio kept.
    rows, columns = _centers_of_mass(out[None])
    assert abs(rows[0] - 14) <= 0.5 and abs(columns[0] - 14) <= 0.5
    # Bilinear resampling of a uniform bar keeps it uniform.
    np.testing.assert_allclose(out[out > 0], 1.0)
    # uint8 input and a batch give the same.
    batch = datasets.usps_to_mnist_format((image * 255).astype(np.uint8)[None])
    np.testing.assert_allclose(batch[0], out)


def test_lecun_processing_moves_an_off_centre_mass_back_into_the_field():
    # A 20-tall digit whose ink sits at its top: the centre of mass cannot
    # reach row 14 without the box leaving the field.
    image = np.zeros((16, 16), np.float32)
    image[0:2, 0:16] = 1.0
    image[2:16, 7] = 0.05
    out = datasets.usps_to_mnist_format(image, interpolation="lanczos")
    heights, widths = _ink_box_sides(out[None])
    assert max(heights[0], widths[0]) == 20
    rows = np.flatnonzero(out.any(axis=1))
    assert rows[-1] == 27  # At the bottom edge, not beyond.
    assert float(out.min()) >= 0.0 and float(out.max()) <= 1.0


def test_other_variants_and_blank_images():
    image = np.zeros((16, 16), np.float32)
    image[4:12, 6:10] = 0.5
    padded = datasets.usps_to_mnist_format(image, variant="pad")
    np.testing.assert_array_equal(padded[6:22, 6:22], image)
    assert float(padded.sum()) == float(image.sum())
    resized = datasets.usps_to_mnist_format(image, variant="resize28")
    assert resized.shape == (28, 28)
    heights, widths = _ink_box_sides(resized[None])
    assert 13 <= heights[0] <= 16 and 6 <= widths[0] <= 9  # 8x4 times 1.75.
    blank = datasets.usps_to_mnist_format(np.zeros((2, 16, 16), np.float32))
    assert blank.shape == (2, 28, 28) and not blank.any()


def test_bad_processing_arguments_are_rejected():
    image = np.zeros((16, 16), np.float32)
    with pytest.raises(ValueError, match="variant='mnist'"):
        datasets.usps_to_mnist_format(image, variant="mnist")
    with pytest.raises(ValueError, match="interpolation='area'"):
        datasets.usps_to_mnist_format(image, interpolation="area")
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        datasets.usps_to_mnist_format(image - 1.0)
    with pytest.raises(ValueError, match="larger"):
        datasets.usps_to_mnist_format(np.zeros((30, 30)), variant="pad")
    with pytest.raises(ValueError, match="split='validation'"):
        datasets.load_usps_as_mnist(split="validation")


# USPS, bad input.


@pytest.mark.parametrize(
    "bad_line, expected",
    [
        ("3 " + "0 " * 200, "line 2: expected a digit label and 256"),
        ("3 abc " + "0 " * 255, "line 2: not a number"),
        ("12 " + "0 " * 256, "line 2: the label must be a digit 0-9"),
        ("3.5 " + "0 " * 256, "line 2: the label must be a digit 0-9"),
        ("3 1.5 " + "0 " * 255, "line 2: pixel values must lie in"),
    ],
)
def test_malformed_usps_line_is_named(tmp_path, bad_line, expected):
    good = usps_lines([1], np.zeros((1, 256)))
    path = tmp_path / "zip.test.gz"
    with gzip.open(path, "wt") as f:
        f.write(good + bad_line + "\n" + good)
    with pytest.raises(ValueError, match=expected) as info:
        datasets.read_usps(path)
    assert str(path) in str(info.value)
