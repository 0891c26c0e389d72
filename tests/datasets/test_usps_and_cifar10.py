"""Tests of the USPS and CIFAR-10 loaders and of USPS's MNIST format.

The real files are found through `$KERAS_NINR_DATA_DIR` (CI sets it to
`../shared/data`); the tests that need them are skipped when it is unset.
Nothing is downloaded: an autouse fixture makes every download fail, and the
tests of the download path replace it with a local stand-in.
"""

import gzip
import importlib
import io
import os
import pickle
import zipfile

import keras
import numpy as np
import pytest

from keras_ninr import datasets

# The implementation module, for the decoded-cache test only.
datasets_module = importlib.import_module("keras_ninr.src.datasets.loaders")

# Read once: the `no_data_places` fixture unsets the variable.
DATA_ROOT = os.environ.get("KERAS_NINR_DATA_DIR")
USPS_TRAIN_LABEL_COUNTS = [1194, 1005, 731, 658, 652, 556, 664, 645, 542, 644]
USPS_TEST_LABEL_COUNTS = [359, 264, 198, 166, 200, 160, 170, 147, 166, 177]
BATCH_FILES = (
    "data_batch_1",
    "data_batch_2",
    "data_batch_3",
    "data_batch_4",
    "data_batch_5",
    "test_batch",
)


@pytest.fixture(autouse=True)
def _no_downloads(monkeypatch):
    def refuse(*args, **kwargs):
        raise RuntimeError("downloads are switched off in the tests")

    monkeypatch.setattr(keras.utils, "get_file", refuse)
    monkeypatch.setattr(keras.datasets.cifar10, "load_data", refuse)


@pytest.fixture
def no_data_places(monkeypatch, tmp_path):
    """No environment folder and an empty Keras cache."""
    monkeypatch.delenv("KERAS_NINR_DATA_DIR", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))


def _real_folder(name):
    folder = DATA_ROOT and os.path.join(DATA_ROOT, name)
    if not folder or not os.path.isdir(folder):
        pytest.skip(
            f"KERAS_NINR_DATA_DIR is unset or lacks {name}/; set it to the "
            "project's data folder (../shared/data) to run this test"
        )
    return folder


@pytest.fixture(scope="module")
def usps():
    return datasets.load("usps", data_dir=_real_folder("usps"), download=False)


@pytest.fixture(scope="module")
def cifar10_subset(tmp_path_factory):
    folder = _real_folder("cifar10")
    with pytest.MonkeyPatch.context() as patch:
        keras_home = tmp_path_factory.mktemp("keras_home")
        patch.setenv("KERAS_HOME", str(keras_home))
        data = datasets.load(
            "cifar10", data_dir=folder, download=False, max_per_class=5
        )
    return data, keras_home


# Generated files.


def _usps_lines(labels, pixels, label_format="{:d}"):
    return "".join(
        " ".join([label_format.format(label)] + [f"{v:.4g}" for v in row])
        + " \n"
        for label, row in zip(labels, pixels.reshape(len(labels), -1))
    )


def _write_usps(folder, num_train=12, num_test=5, seed=0):
    """Write small USPS files; return the values written, in [-1, 1]."""
    rng = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    written = {}
    for file_name, size, label_format in (
        ("zip.train.gz", num_train, "{:.4f}"),  # The real train file's way.
        ("zip.test.gz", num_test, "{:d}"),
    ):
        labels = np.arange(size) % 10
        pixels = np.round(rng.uniform(-1, 1, (size, 16, 16)), 3)
        pixels[:, 0, 0] = -1.0  # Exact ends of the range.
        pixels[:, 8, 8] = 1.0
        text = _usps_lines(labels, pixels, label_format)
        with gzip.open(os.path.join(folder, file_name), "wt") as f:
            f.write(text)
        written[file_name] = (pixels, labels)
    return written


def _jpeg_bytes(color, quality=95):
    Image = pytest.importorskip("PIL.Image")
    buffer = io.BytesIO()
    image = Image.new("RGB", (32, 32), tuple(int(c) for c in color))
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def _color(split_id, class_id, index):
    # Encodes where an image comes from, to check the order of the output.
    return (20 * class_id + 10, 40 * index + 20, 60 + 100 * split_id)


def _write_jpeg_zip(path, per_class=(3, 2), extra_entries=()):
    """A tiny zip in the layout of the project's JPEG copy of CIFAR-10."""
    entries = []
    for split_id, split in enumerate(("train", "test")):
        entries.append((f"{split}/", None))
        for class_id, class_name in enumerate(datasets.CIFAR10_CLASS_NAMES):
            entries.append((f"{split}/{class_name}/", None))
            for index in range(per_class[split_id]):
                entries.append(
                    (
                        f"{split}/{class_name}/{index:04d}.jpg",
                        _jpeg_bytes(_color(split_id, class_id, index)),
                    )
                )
    entries += list(extra_entries)
    # Written out of order: the loader sorts.
    entries = entries[::-1]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for name, data in entries:
            if data is None:
                archive.writestr(zipfile.ZipInfo(name), b"")
            else:
                archive.writestr(name, data)
    return path


def _write_batches(folder, per_batch=4, seed=0):
    """Tiny CIFAR-10 python batches; return the (data, labels) written."""
    rng = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    written = {}
    for file_name in BATCH_FILES:
        data = rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8)
        labels = [int(v) for v in rng.integers(0, 10, per_batch)]
        batch = {b"batch_label": b"x", b"data": data, b"labels": labels}
        with open(os.path.join(folder, file_name), "wb") as f:
            pickle.dump(batch, f, protocol=2)  # As the official files.
        written[file_name] = (data, np.array(labels, np.uint8))
    return written


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
    written = _write_usps(tmp_path / "usps")
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


def test_max_per_class_keeps_the_first_of_each_class(tmp_path, no_data_places):
    _write_usps(tmp_path, num_train=25)
    (_, y_train), (_, y_test) = datasets.load(
        "usps", data_dir=tmp_path, verify_checksums=False, max_per_class=2
    )
    # Labels 0-9, 0-9, 0-4 written: the first two of each class are kept.
    assert y_train.tolist() == list(range(10)) * 2
    assert y_test.tolist() == list(range(5))
    with pytest.raises(ValueError, match="max_per_class=0"):
        datasets.load("usps", data_dir=tmp_path, max_per_class=0)


def test_load_usps_as_mnist_of_generated_files(tmp_path, no_data_places):
    written = _write_usps(tmp_path)
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


def test_usps_missing_files_message_lists_every_place(
    tmp_path, no_data_places, monkeypatch
):
    with pytest.raises(FileNotFoundError) as info:
        datasets.load("usps")
    assert "$KERAS_NINR_DATA_DIR: not set" in str(info.value)

    _write_usps(tmp_path)
    os.remove(tmp_path / "zip.test.gz")
    monkeypatch.setenv("KERAS_NINR_DATA_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError) as info:
        datasets.load("usps")
    message = str(info.value)
    assert f"$KERAS_NINR_DATA_DIR: {tmp_path} (missing zip.test.gz)" in message
    assert f"{tmp_path / 'usps'} (no such folder)" in message
    assert str(tmp_path / "keras_home" / "datasets" / "usps") in message
    assert "failed (RuntimeError: downloads are switched off" in message
    assert "zip.train.gz, zip.test.gz" in message
    assert "hastie.su.domains" in message
    assert "KERAS_NINR_DATA_DIR=<dir>" in message

    with pytest.raises(FileNotFoundError, match="download=False"):
        datasets.load("usps", download=False)


def test_usps_download_goes_to_the_keras_cache(
    tmp_path, no_data_places, monkeypatch
):
    source = tmp_path / "server"
    written = _write_usps(source)
    requests = []

    def get_file(fname, origin, cache_dir, cache_subdir):
        requests.append(origin)
        folder = os.path.join(cache_dir, cache_subdir)
        os.makedirs(folder, exist_ok=True)
        target = os.path.join(folder, fname)
        with open(source / fname, "rb") as f, open(target, "wb") as g:
            g.write(f.read())
        return target

    monkeypatch.setattr(keras.utils, "get_file", get_file)
    _, (_, y_test) = datasets.load("usps", verify_checksums=False)
    np.testing.assert_array_equal(y_test, written["zip.test.gz"][1])
    assert requests == [
        "https://hastie.su.domains/ElemStatLearn/datasets/zip.train.gz",
        "https://hastie.su.domains/ElemStatLearn/datasets/zip.test.gz",
    ]
    # Found in the cache next time, without a download.
    datasets.load("usps", download=False, verify_checksums=False)


def test_usps_truncated_gzip_file_is_named(tmp_path, no_data_places):
    _write_usps(tmp_path)
    path = tmp_path / "zip.train.gz"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated") as info:
        datasets.load("usps", data_dir=tmp_path, verify_checksums=False)
    assert str(path) in str(info.value)


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
    good = _usps_lines([1], np.zeros((1, 256)))
    path = tmp_path / "zip.test.gz"
    with gzip.open(path, "wt") as f:
        f.write(good + bad_line + "\n" + good)
    with pytest.raises(ValueError, match=expected) as info:
        datasets.read_usps(path)
    assert str(path) in str(info.value)


def test_usps_checksum_mismatch_is_named(tmp_path, no_data_places):
    _write_usps(tmp_path)
    with pytest.raises(ValueError, match="Checksum mismatch") as info:
        datasets.load("usps", data_dir=tmp_path)
    assert str(tmp_path / "zip.train.gz") in str(info.value)
    assert "verify_checksums=False" in str(info.value)


# CIFAR-10, real files.


def test_cifar10_subset_of_the_jpeg_copy(cifar10_subset):
    ((x_train, y_train), (x_test, y_test)), keras_home = cifar10_subset
    assert x_train.shape == (50, 32, 32, 3) and x_test.shape == (50, 32, 32, 3)
    assert x_train.dtype == x_test.dtype == np.uint8
    assert y_train.dtype == y_test.dtype == np.uint8
    assert np.bincount(y_train).tolist() == [5] * 10
    assert np.bincount(y_test).tolist() == [5] * 10
    assert np.all(np.diff(y_train.astype(int)) >= 0)  # Sorted by class.
    assert x_train.std() > 40  # Photographs, not blank images.
    # A subset is never cached: only the whole set is.
    assert not (keras_home / "datasets" / "keras_ninr").exists()

    # The paper's preprocessing: one scalar mean and std over all pixels.
    (train, test), (mean, std) = datasets.standardize(x_train, x_test)
    assert train.shape == x_train.shape and test.dtype == np.float32
    assert mean == pytest.approx(float(np.mean(x_train / 255.0)), abs=1e-6)
    assert std == pytest.approx(float(np.std(x_train / 255.0)), abs=1e-6)
    assert float(train.mean()) == pytest.approx(0.0, abs=1e-4)
    assert float(train.std()) == pytest.approx(1.0, abs=1e-4)


@pytest.mark.slow
def test_whole_jpeg_copy_and_its_decoded_cache(tmp_path, monkeypatch):
    folder = _real_folder("cifar10")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (x_train, y_train), (x_test, y_test) = datasets.load(
        "cifar10", data_dir=folder, download=False
    )
    assert x_train.shape == (50000, 32, 32, 3)
    assert x_test.shape == (10000, 32, 32, 3)
    assert np.bincount(y_train).tolist() == [5000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10
    # The official files' channel means, (0.4914, 0.4822, 0.4465): the JPEG
    # copy holds the same photographs.
    np.testing.assert_allclose(
        x_train.reshape(-1, 3).mean(axis=0) / 255.0,
        [0.4914, 0.4822, 0.4465],
        atol=2e-3,
    )
    assert len(os.listdir(tmp_path / "datasets" / "keras_ninr")) == 1
    (cached_x, _), (_, cached_y) = datasets.load(
        "cifar10", data_dir=folder, download=False
    )
    np.testing.assert_array_equal(cached_x, x_train)
    np.testing.assert_array_equal(cached_y, y_test)


# CIFAR-10, generated files.


def test_jpeg_zip_round_trip_in_sorted_order(tmp_path, no_data_places):
    _write_jpeg_zip(tmp_path / "cifar10-jpeg.zip")
    (x_train, y_train), (x_test, y_test) = datasets.load(
        "cifar10", data_dir=tmp_path, verify_checksums=False
    )
    assert x_train.shape == (30, 32, 32, 3) and x_test.shape == (20, 32, 32, 3)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert y_train.tolist() == np.repeat(np.arange(10), 3).tolist()
    assert y_test.tolist() == np.repeat(np.arange(10), 2).tolist()
    for split_id, x, per_class in ((0, x_train, 3), (1, x_test, 2)):
        expected = [
            _color(split_id, class_id, index)
            for class_id in range(10)
            for index in range(per_class)
        ]
        np.testing.assert_allclose(
            x.mean(axis=(1, 2)), np.array(expected, float), atol=3
        )

    (x_small, y_small), _ = datasets.load(
        "cifar10", data_dir=tmp_path, verify_checksums=False, max_per_class=1
    )
    assert y_small.tolist() == list(range(10))
    np.testing.assert_array_equal(x_small, x_train[::3])


def test_decoded_jpeg_zip_is_cached(tmp_path, no_data_places, monkeypatch):
    zip_path = _write_jpeg_zip(tmp_path / "cifar10-jpeg.zip", per_class=(2, 1))
    first = datasets.load("cifar10", data_dir=tmp_path, verify_checksums=False)
    cache = tmp_path / "keras_home" / "datasets" / "keras_ninr"
    sha256 = datasets_module._sha256_of_file(zip_path)
    assert os.listdir(cache) == [f"cifar10_jpeg_{sha256[:16]}.npz"]

    def fail(*args, **kwargs):
        raise AssertionError("decoded again instead of read from the cache")

    with monkeypatch.context() as patch:
        patch.setattr(datasets_module, "_decode_cifar10_zip", fail)
        second = datasets.load(
            "cifar10", data_dir=tmp_path, verify_checksums=False
        )
    for (x1, y1), (x2, y2) in zip(first, second):
        np.testing.assert_array_equal(x1, x2)
        np.testing.assert_array_equal(y1, y2)

    # A damaged cache file is decoded again and replaced.
    (cache / os.listdir(cache)[0]).write_bytes(b"not an npz file")
    (x_train, _), _ = datasets.load(
        "cifar10", data_dir=tmp_path, verify_checksums=False
    )
    np.testing.assert_array_equal(x_train, first[0][0])
    assert os.listdir(cache) == [f"cifar10_jpeg_{sha256[:16]}.npz"]
    with np.load(cache / os.listdir(cache)[0]) as f:
        assert str(f["zip_sha256"]) == sha256


def test_python_batches_round_trip(tmp_path, no_data_places):
    folder = tmp_path / "cifar10" / "cifar-10-batches-py"
    written = _write_batches(folder)
    for data_dir in (tmp_path, folder):
        (x_train, y_train), (x_test, y_test) = datasets.load(
            "cifar10", data_dir=data_dir
        )
        assert x_train.shape == (20, 32, 32, 3)
        assert x_test.shape == (4, 32, 32, 3)
        assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
        data, labels = written["data_batch_2"]
        np.testing.assert_array_equal(y_train[4:8], labels)
        # Row-major planes of red, green and blue.
        image = x_train[5]
        assert image[3, 7, 0] == data[1, 0 * 1024 + 3 * 32 + 7]
        assert image[3, 7, 2] == data[1, 2 * 1024 + 3 * 32 + 7]
        np.testing.assert_array_equal(y_test, written["test_batch"][1])


def test_python_batches_in_the_keras_cache_come_before_a_zip(
    tmp_path, no_data_places
):
    keras_folder = (
        tmp_path / "keras_home" / "datasets" / "cifar-10-batches-py-target"
    )
    written = _write_batches(keras_folder / "cifar-10-batches-py")
    _, (_, y_test) = datasets.load("cifar10", download=False)
    np.testing.assert_array_equal(y_test, written["test_batch"][1])

    # Lossless official files first when a folder holds both.
    _write_jpeg_zip(keras_folder / "cifar10-jpeg.zip")
    _, (x_test, _) = datasets.load("cifar10", download=False)
    assert x_test.shape == (4, 32, 32, 3)


def test_cifar10_download_labels_are_flattened(no_data_places, monkeypatch):
    def load_data():  # Keras's labels have shape (N, 1).
        x = np.zeros((3, 32, 32, 3), np.uint8)
        y_train = np.array([[1], [2], [3]], np.uint8)
        return (x, y_train), (x[:1], np.array([[4]], np.uint8))

    monkeypatch.setattr(keras.datasets.cifar10, "load_data", load_data)
    (x_train, y_train), (_, y_test) = datasets.load("cifar10")
    assert y_train.tolist() == [1, 2, 3] and y_test.tolist() == [4]
    assert x_train.shape == (3, 32, 32, 3)


# CIFAR-10, bad input.


def test_cifar10_missing_files_message_lists_every_place(
    tmp_path, no_data_places, monkeypatch
):
    with pytest.raises(FileNotFoundError) as info:
        datasets.load("cifar10")
    assert "$KERAS_NINR_DATA_DIR: not set" in str(info.value)

    partial = tmp_path / "cifar10" / "cifar-10-batches-py"
    _write_batches(partial)
    os.remove(partial / "test_batch")
    monkeypatch.setenv("KERAS_NINR_DATA_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError) as info:
        datasets.load("cifar10")
    message = str(info.value)
    assert f"$KERAS_NINR_DATA_DIR: {tmp_path} (no cifar10-jpeg.zip" in message
    assert f"{partial} lacks test_batch" in message
    cache = tmp_path / "keras_home" / "datasets"
    assert str(cache / "cifar10") in message
    assert str(cache / "cifar-10-batches-py-target") in message
    assert "keras.datasets.cifar10.load_data(): failed" in message
    assert "cifar10-jpeg.zip" in message and "cifar-10-python.tar.gz" in message

    with pytest.raises(FileNotFoundError, match="download=False"):
        datasets.load("cifar10", download=False)


def test_corrupt_jpeg_is_named(tmp_path, no_data_places):
    good = _jpeg_bytes((1, 2, 3))
    for name, data in (
        ("train/cat/9999.jpg", b"not a jpeg"),
        ("test/dog/9999.jpg", good[: len(good) // 2]),
    ):
        path = tmp_path / name.replace("/", "_") / "cifar10-jpeg.zip"
        path.parent.mkdir()
        _write_jpeg_zip(path, per_class=(1, 1), extra_entries=[(name, data)])
        with pytest.raises(ValueError, match="Could not decode") as info:
            datasets.load(
                "cifar10", data_dir=path.parent, verify_checksums=False
            )
        assert name in str(info.value) and str(path) in str(info.value)


def test_corrupt_or_misshapen_zip_is_rejected(tmp_path, no_data_places):
    path = _write_jpeg_zip(tmp_path / "cifar10-jpeg.zip", per_class=(1, 1))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="not a zip file") as info:
        datasets.load("cifar10", data_dir=tmp_path, verify_checksums=False)
    assert str(path) in str(info.value)

    _write_jpeg_zip(
        path, per_class=(1, 1), extra_entries=[("train/cats/0.jpg", b"")]
    )
    with pytest.raises(ValueError, match="unknown class folder 'cats'"):
        datasets.load("cifar10", data_dir=tmp_path, verify_checksums=False)

    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("train/cat/0000.jpg", _jpeg_bytes((0, 0, 0)))
    with pytest.raises(ValueError, match="no images test/"):
        datasets.load("cifar10", data_dir=tmp_path, verify_checksums=False)


def test_jpeg_zip_checksum_mismatch_is_named(tmp_path, no_data_places):
    path = _write_jpeg_zip(tmp_path / "cifar10-jpeg.zip", per_class=(1, 1))
    with pytest.raises(ValueError, match="Checksum mismatch") as info:
        datasets.load("cifar10", data_dir=tmp_path)
    assert str(path) in str(info.value)
    assert "verify_checksums=False" in str(info.value)


def test_bad_python_batches_are_named(tmp_path, no_data_places):
    _write_batches(tmp_path)
    path = tmp_path / "data_batch_3"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated") as info:
        datasets.load("cifar10", data_dir=tmp_path)
    assert str(path) in str(info.value)

    # A pickle that would run code is refused, not run.
    path.write_bytes(pickle.dumps({b"data": os.getcwd}))
    with pytest.raises(ValueError, match="refusing to load"):
        datasets.load("cifar10", data_dir=tmp_path)

    with open(path, "wb") as f:
        batch = {b"data": np.zeros((2, 1024), np.uint8), b"labels": [0, 1]}
        pickle.dump(batch, f)
    with pytest.raises(ValueError, match="does not hold CIFAR-10 images"):
        datasets.load("cifar10", data_dir=tmp_path)


def test_unknown_name_lists_the_new_names():
    with pytest.raises(ValueError, match="Unrecognized dataset name") as info:
        datasets.load("usps2")
    assert "cifar10" in str(info.value) and "usps" in str(info.value)
    assert {"cifar10", "usps"} <= set(datasets.KNOWN_DATASETS)
