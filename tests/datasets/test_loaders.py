"""Tests of `datasets.load`: names, where it looks, what it says, downloads.

An explicit `data_dir` is the only place looked in: a `data_dir` missing a
file must not be quietly replaced by the complete copy under
`$KERAS_NINR_DATA_DIR`, in the Keras cache or from a download. Downloads go
through `keras.utils.get_file` with the file's SHA-256, replaced here by a
local stand-in that checks the hash as Keras does.
"""

import gzip
import hashlib
import os
import shutil
import struct

import keras
import numpy as np
import pytest

from keras_ninr import datasets
from tests.datasets.writers import IDX_FILES
from tests.datasets.writers import USPS_FILES
from tests.datasets.writers import real_folder
from tests.datasets.writers import write_batches
from tests.datasets.writers import write_idx_dataset
from tests.datasets.writers import write_jpeg_zip
from tests.datasets.writers import write_usps

KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
USPS_ORIGIN = "https://hastie.su.domains/ElemStatLearn/datasets/"
CIFAR10_ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
# As `keras.datasets.cifar10` checks it.
CIFAR10_ARCHIVE_SHA256 = (
    "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
)


def _sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def _serve(monkeypatch, served, check_hash=True):
    """Make `keras.utils.get_file` copy `served[origin]` into the cache.

    Like Keras, the stand-in raises when the copy's SHA-256 is not
    `file_hash` (with `check_hash`), and for `extract=True` returns the
    folder of the archive's content (`served[origin]`, a folder). Returns
    the list of the calls' keyword arguments.
    """
    calls = []

    def get_file(fname, origin, file_hash, cache_dir, cache_subdir, extract):
        calls.append(
            dict(
                fname=fname,
                origin=origin,
                file_hash=file_hash,
                cache_dir=cache_dir,
                cache_subdir=cache_subdir,
                extract=extract,
            )
        )
        folder = os.path.join(cache_dir, cache_subdir)
        target = os.path.join(folder, fname)
        if extract:
            shutil.copytree(served[origin], target)
            return target
        os.makedirs(folder, exist_ok=True)
        shutil.copyfile(served[origin], target)
        if check_hash and _sha256(target) != file_hash:
            raise ValueError(
                "Incomplete or corrupted file detected. The sha256 file hash "
                f"does not match the provided value of {file_hash}."
            )
        return target

    monkeypatch.setattr(keras.utils, "get_file", get_file)
    return calls


def _not_found(name, **kwargs):
    """The message of the `FileNotFoundError` of `datasets.load`."""
    with pytest.raises(FileNotFoundError) as info:
        datasets.load(name, **kwargs)
    return str(info.value)


def _complete_environment_folder(tmp_path, monkeypatch):
    """A complete copy of every data set under `$KERAS_NINR_DATA_DIR`.

    Generated, so the tests load it only with `verify_checksums=False`: a
    loader that fell back to it would return its arrays without a word.
    """
    root = tmp_path / "complete"
    write_idx_dataset(root / "fashion-mnist", num_train=5, num_test=2)
    write_idx_dataset(root / "mnist", num_train=5, num_test=2)
    write_usps(root / "usps", num_train=4, num_test=3)
    write_batches(root / "cifar10", per_batch=2)
    monkeypatch.setenv("KERAS_NINR_DATA_DIR", str(root))
    return root


# Names and arguments.


def test_unknown_name_lists_the_known_names():
    with pytest.raises(
        ValueError, match="Unrecognized dataset name: 'cifar11'"
    ) as info:
        datasets.load("cifar11")
    assert "Known names: cifar10, fashion_mnist, mnist, usps" in str(info.value)
    assert datasets.KNOWN_DATASETS == (
        "cifar10",
        "fashion_mnist",
        "mnist",
        "usps",
    )
    # Keras's spelling with a hyphen is the same data set.
    with pytest.raises(FileNotFoundError, match="fashion_mnist data set"):
        datasets.load("Fashion-MNIST", data_dir="/no/such/folder")


def test_max_per_class_keeps_the_first_of_each_class(tmp_path, no_data_places):
    write_usps(tmp_path, num_train=25)
    (_, y_train), (_, y_test) = datasets.load(
        "usps", data_dir=tmp_path, verify_checksums=False, max_per_class=2
    )
    # Labels 0-9, 0-9, 0-4 written: the first two of each class are kept.
    assert y_train.tolist() == list(range(10)) * 2
    assert y_test.tolist() == list(range(5))
    for bad in (0, 1.5, True):
        with pytest.raises(ValueError, match=f"max_per_class={bad!r}"):
            datasets.load("usps", data_dir=tmp_path, max_per_class=bad)


# An explicit data_dir.


def test_idx_data_dir_missing_a_file_names_it(
    tmp_path, monkeypatch, no_data_places
):
    environment = _complete_environment_folder(tmp_path, monkeypatch)
    data_dir = tmp_path / "partial"
    data_dir.mkdir()
    for file_name in IDX_FILES[:3]:
        shutil.copy(environment / "fashion-mnist" / file_name, data_dir)
    message = _not_found(
        "fashion_mnist", data_dir=data_dir, verify_checksums=False
    )
    assert (
        f"data_dir: {data_dir} (missing t10k-labels-idx1-ubyte.gz)" in message
    )
    assert f"{data_dir / 'fashion-mnist'} (no such folder)" in message
    assert "data_dir=None" in message
    # Nothing else was looked in.
    assert str(environment) not in message
    assert "keras_home" not in message


def test_explicit_data_dir_is_never_replaced_by_a_download(
    tmp_path, downloads
):
    missing = tmp_path / "no_such_folder"
    for name in datasets.KNOWN_DATASETS:
        with pytest.raises(FileNotFoundError, match="no such folder") as info:
            datasets.load(name, data_dir=missing, download=True)
        assert f"data_dir={str(missing)!r}" in str(info.value)
    assert downloads == []


def test_explicit_data_dir_is_used_over_the_environment(tmp_path, monkeypatch):
    _complete_environment_folder(tmp_path, monkeypatch)
    own = write_idx_dataset(tmp_path / "own" / "mnist", seed=1)
    (x_train, _), _ = datasets.load(
        "mnist", data_dir=tmp_path / "own", verify_checksums=False
    )
    np.testing.assert_array_equal(x_train, own[IDX_FILES[0]])


def test_usps_data_dir_missing_a_file_names_it(tmp_path, monkeypatch):
    environment = _complete_environment_folder(tmp_path, monkeypatch)
    data_dir = tmp_path / "partial"
    (data_dir / "usps").mkdir(parents=True)
    shutil.copy(environment / "usps" / "zip.train.gz", data_dir / "usps")
    message = _not_found(
        "usps", data_dir=data_dir, verify_checksums=False
    )
    assert f"data_dir: {data_dir / 'usps'} (missing zip.test.gz)" in message
    assert str(environment) not in message
    # And through the USPS-as-MNIST helper, which passes data_dir on.
    with pytest.raises(FileNotFoundError, match="missing zip.test.gz"):
        datasets.load_usps_as_mnist(
            data_dir=data_dir, verify_checksums=False
        )


def test_cifar10_data_dir_missing_a_file_names_it(tmp_path, monkeypatch):
    environment = _complete_environment_folder(tmp_path, monkeypatch)
    data_dir = tmp_path / "partial"
    shutil.copytree(environment / "cifar10", data_dir)
    os.remove(data_dir / "test_batch")
    message = _not_found(
        "cifar10", data_dir=data_dir, verify_checksums=False
    )
    assert f"{data_dir} lacks test_batch" in message
    assert f"data_dir={str(data_dir)!r}" in message
    assert str(environment) not in message


# The environment variable and the Keras cache.


def test_environment_variable_folder_is_used(tmp_path, monkeypatch):
    arrays = write_idx_dataset(tmp_path / "mnist", seed=3)
    monkeypatch.setenv("KERAS_NINR_DATA_DIR", str(tmp_path))
    (_, y_train), _ = datasets.load("mnist", verify_checksums=False)
    np.testing.assert_array_equal(y_train, arrays["train-labels-idx1-ubyte.gz"])


@pytest.mark.parametrize(
    "name, cache_places, to_provide, origin",
    [
        (
            "cifar10",
            ["cifar10 (no such", "cifar-10-batches-py-target (no such"],
            "the project's cifar10-jpeg.zip, or the official python batches",
            CIFAR10_ORIGIN,
        ),
        (
            "fashion_mnist",
            ["fashion-mnist (no such folder)"],
            "the four files train-images-idx3-ubyte.gz",
            KERAS_ORIGIN,
        ),
        (
            "mnist",
            ["mnist.npz (no such file)", "mnist (no such folder)"],
            "the four files train-images-idx3-ubyte.gz",
            KERAS_ORIGIN + "mnist.npz",
        ),
        (
            "usps",
            ["usps (no such folder)"],
            "the files zip.train.gz, zip.test.gz (from https://hastie",
            USPS_ORIGIN,
        ),
    ],
)
def test_without_a_copy_the_message_lists_every_place(
    name, cache_places, to_provide, origin, no_data_places, downloads
):
    message = _not_found(name)
    assert f"Could not find the {name} data set" in message
    assert "$KERAS_NINR_DATA_DIR: not set" in message
    for place in cache_places:
        assert f"Keras cache: {no_data_places / place}" in message
    assert (
        f"download with keras.utils.get_file from {origin}: failed "
        "(RuntimeError: downloads are switched off"
    ) in message
    assert f"To provide it, put {to_provide}" in message
    assert "KERAS_NINR_DATA_DIR=<dir>" in message
    assert len(downloads) == 1  # Stopped at the first failed file.

    with pytest.raises(FileNotFoundError, match="skipped \\(download=False"):
        datasets.load(name, download=False)
    assert len(downloads) == 1


@pytest.mark.parametrize(
    "name, folder, write, removed, lacks",
    [
        (
            "mnist",
            "mnist",
            write_idx_dataset,
            "t10k-images-idx3-ubyte.gz",
            "(missing t10k-images-idx3-ubyte.gz)",
        ),
        ("usps", "usps", write_usps, "zip.test.gz", "(missing zip.test.gz)"),
        (
            "cifar10",
            "cifar10/cifar-10-batches-py",
            write_batches,
            "test_batch",
            "lacks test_batch; no cifar10-jpeg.zip",
        ),
    ],
)
def test_a_partial_copy_is_named_with_what_it_lacks(
    name, folder, write, removed, lacks, tmp_path, no_data_places, monkeypatch
):
    write(tmp_path / folder)
    os.remove(tmp_path / folder / removed)
    monkeypatch.setenv("KERAS_NINR_DATA_DIR", str(tmp_path))
    message = _not_found(name)
    data_set_folder = tmp_path / folder.split("/")[0]
    assert f"$KERAS_NINR_DATA_DIR: {data_set_folder} (" in message
    assert lacks in message.split(str(data_set_folder), 1)[1].splitlines()[0]
    # Then the environment folder itself, the Keras cache, a download.
    assert f"$KERAS_NINR_DATA_DIR: {tmp_path} (" in message
    assert f"Keras cache: {no_data_places}" in message
    assert "RuntimeError: downloads are switched off" in message


def _write_zip(folder):
    write_jpeg_zip(folder / "cifar10-jpeg.zip", per_class=(1, 1))


# (data set, a writer of its files, one of the files).
FILES = [
    ("mnist", write_idx_dataset, "train-images-idx3-ubyte.gz"),
    ("usps", write_usps, "zip.train.gz"),
    ("cifar10", write_batches, "data_batch_3"),
    ("cifar10", _write_zip, "cifar10-jpeg.zip"),
]


@pytest.mark.parametrize("name, write, file_name", FILES)
def test_a_truncated_file_is_named(
    name, write, file_name, tmp_path, no_data_places
):
    write(tmp_path)
    path = tmp_path / file_name
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated") as info:
        datasets.load(name, data_dir=tmp_path, verify_checksums=False)
    assert str(path) in str(info.value)
    assert "Replace the file" in str(info.value)


# The official CIFAR-10 batches have no checksum of their own.
@pytest.mark.parametrize("name, write, file_name", FILES[:2] + FILES[3:])
def test_a_checksum_mismatch_is_named(
    name, write, file_name, tmp_path, no_data_places
):
    write(tmp_path)
    with pytest.raises(ValueError, match="Checksum mismatch") as info:
        datasets.load(name, data_dir=tmp_path)
    assert str(tmp_path / file_name) in str(info.value)
    assert "verify_checksums=False" in str(info.value)


# Downloads.


def test_usps_download_is_verified_and_cached(
    tmp_path, no_data_places, monkeypatch
):
    # The published files are the project's copies (unchanged gzip files).
    folder = real_folder("usps")
    calls = _serve(
        monkeypatch,
        {USPS_ORIGIN + name: os.path.join(folder, name) for name in USPS_FILES},
    )
    _, (x_test, y_test) = datasets.load("usps")
    assert [call["origin"] for call in calls] == [
        USPS_ORIGIN + name for name in USPS_FILES
    ]
    assert all(call["cache_subdir"] == "datasets/usps" for call in calls)
    _, (x_local, y_local) = datasets.load("usps", data_dir=folder)
    np.testing.assert_array_equal(x_test, x_local)
    np.testing.assert_array_equal(y_test, y_local)
    # Found in the Keras cache next time, without a download.
    datasets.load("usps", download=False)
    assert len(calls) == 2


def test_fashion_mnist_download_is_the_original_release(
    tmp_path, no_data_places, monkeypatch
):
    # Keras serves Zalando's gzip files. The project's copies hold the same
    # compressed bytes under a header without the file name and with
    # another time stamp; rebuilding Zalando's header rebuilds their files.
    folder = real_folder("fashion-mnist")
    served = {}
    for name in IDX_FILES:
        mtime = 1504176606 if name.startswith("train") else 1504176627
        with open(os.path.join(folder, name), "rb") as f:
            body = f.read()[10:]
        header = b"\x1f\x8b\x08\x08" + struct.pack("<I", mtime) + b"\x00\x03"
        original = tmp_path / "server" / name
        original.parent.mkdir(exist_ok=True)
        original.write_bytes(header + name[:-3].encode() + b"\0" + body)
        served[KERAS_ORIGIN + name] = original
    calls = _serve(monkeypatch, served)
    (_, y_train), _ = datasets.load("fashion_mnist")
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert {call["cache_subdir"] for call in calls} == {
        "datasets/fashion-mnist"  # Where Keras itself puts them.
    }
    assert len(calls) == 4
    datasets.load("fashion_mnist", download=False)


def test_mnist_download_is_keras_npz_and_checked(
    tmp_path, no_data_places, monkeypatch
):
    npz = tmp_path / "mnist.npz"
    np.savez(
        npz,
        x_train=np.zeros((2, 28, 28), np.uint8),
        y_train=np.arange(2, dtype=np.uint8),
        x_test=np.zeros((1, 28, 28), np.uint8),
        y_test=np.arange(1, dtype=np.uint8),
    )
    served = {KERAS_ORIGIN + "mnist.npz": npz}
    # Not the file Keras publishes: refused.
    _serve(monkeypatch, served)
    assert (
        f"get_file from {KERAS_ORIGIN}mnist.npz: failed (ValueError: "
        "Incomplete or corrupted file"
    ) in _not_found("mnist")
    # Keras leaves the refused file in its cache: named, never used.
    with pytest.raises(ValueError, match="Checksum mismatch .*mnist.npz"):
        datasets.load("mnist")
    os.remove(no_data_places / "mnist.npz")

    calls = _serve(monkeypatch, served, check_hash=False)
    (_, y_train), _ = datasets.load("mnist", verify_checksums=False)
    assert y_train.tolist() == [0, 1]
    assert calls[0]["file_hash"] == (  # Keras's own hash of the file.
        "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
    )
    assert (no_data_places / "mnist.npz").is_file()


def test_cifar10_download_is_the_official_archive(
    tmp_path, no_data_places, monkeypatch
):
    content = tmp_path / "archive"
    written = write_batches(content / "cifar-10-batches-py")
    calls = _serve(monkeypatch, {CIFAR10_ORIGIN: content}, check_hash=False)
    (x_train, y_train), (_, y_test) = datasets.load("cifar10")
    assert x_train.shape == (20, 32, 32, 3)
    np.testing.assert_array_equal(y_test, written["test_batch"][1])
    assert calls == [
        {
            "fname": "cifar-10-batches-py-target",  # Keras's own folder.
            "origin": CIFAR10_ORIGIN,
            "file_hash": CIFAR10_ARCHIVE_SHA256,
            "cache_dir": str(no_data_places.parent),
            "cache_subdir": "datasets",
            "extract": True,
        }
    ]
    datasets.load("cifar10", download=False)


def test_a_damaged_download_is_named(tmp_path, no_data_places, monkeypatch):
    served = {}
    for name in USPS_FILES:
        served[USPS_ORIGIN + name] = tmp_path / name
        with gzip.open(tmp_path / name, "wt") as f:
            f.write("3 " + "0 " * 10 + "\n")
    _serve(monkeypatch, served, check_hash=False)
    with pytest.raises(ValueError, match="line 1: expected a digit label"):
        datasets.load("usps", verify_checksums=False)

