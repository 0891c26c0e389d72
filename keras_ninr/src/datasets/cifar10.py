"""CIFAR-10 (App. D): the official python batches, or the project's JPEG copy.

In each folder looked in, the official `cifar-10-batches-py/` files come
first (lossless), then the project's `cifar10-jpeg.zip` (lossy, quality
about 75). The zip's 60,000 JPEG files take seconds to decode, so the
decoded arrays are cached in `<Keras cache>/keras_ninr/`, keyed by the
zip's SHA-256. Downloads fetch the official archive, as
`keras.datasets.cifar10` does.
"""

import io
import os
import pickle
import re
import uuid
import warnings
import zipfile
import zlib

import numpy as np

from keras_ninr.src.datasets import files

# The official label ids 0-9 of CIFAR-10, in order.
CIFAR10_CLASS_NAMES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
CIFAR10_BATCH_FOLDER = "cifar-10-batches-py"
CIFAR10_BATCH_FILES = (
    "data_batch_1",
    "data_batch_2",
    "data_batch_3",
    "data_batch_4",
    "data_batch_5",
    "test_batch",
)
# The project's JPEG copy of CIFAR-10 (its data README).
CIFAR10_JPEG_ZIP = "cifar10-jpeg.zip"
CIFAR10_JPEG_ZIP_SHA256 = (
    "1f246f18ee1c4b008b72b11e5d912c2b6a325d41b34a6c0136bab1e640200198"
)
CIFAR10_ARCHIVE_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
# Its SHA-256, as `keras.datasets.cifar10` checks it.
CIFAR10_ARCHIVE_SHA256 = (
    "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
)
# Where Keras 3 extracts the official archive, under its `datasets` cache
# (Keras 2 extracted it straight into `datasets`).
KERAS_CIFAR10_FOLDER = "cifar-10-batches-py-target"
# The decoded JPEG copy is cached here, under the Keras `datasets` cache.
DECODED_CACHE_FOLDER = "keras_ninr"

DATASET = files.Dataset(
    name="cifar10",
    folder="cifar10",
    files_to_provide=(
        f"the project's {CIFAR10_JPEG_ZIP}, or the official python "
        f"batches ({', '.join(CIFAR10_BATCH_FILES)}, or the "
        f"{CIFAR10_BATCH_FOLDER}/ folder holding them, from "
        f"{CIFAR10_ARCHIVE_URL})"
    ),
    # Keras's own name: its download and this one share the cache.
    downloads=(
        files.Download(
            KERAS_CIFAR10_FOLDER,
            CIFAR10_ARCHIVE_URL,
            CIFAR10_ARCHIVE_SHA256,
            extract=True,
        ),
    ),
    download_subdir="datasets",
)


def load_cifar10(
    data_dir, download, verify_checksums, max_per_class, fallback=None
):
    """`load("cifar10")`; decodes only `max_per_class` JPEG files a class."""

    def read_from(folder):
        if not os.path.isdir(folder):
            return None, "no such folder"
        problems = []
        for batch_folder in (
            folder,
            os.path.join(folder, CIFAR10_BATCH_FOLDER),
        ):
            missing = [
                name
                for name in CIFAR10_BATCH_FILES
                if not os.path.isfile(os.path.join(batch_folder, name))
            ]
            if not missing:
                return _read_cifar10_batches(batch_folder), None
            # Some of the files but not all: worth naming.
            if os.path.isdir(batch_folder) and len(missing) < len(
                CIFAR10_BATCH_FILES
            ):
                problems.append(f"{batch_folder} lacks {', '.join(missing)}")
        zip_path = os.path.join(folder, CIFAR10_JPEG_ZIP)
        if os.path.isfile(zip_path):
            data = _read_cifar10_zip(zip_path, verify_checksums, max_per_class)
            return data, None
        problems.append(
            f"no {CIFAR10_JPEG_ZIP}, no {CIFAR10_BATCH_FOLDER}/ files"
        )
        return None, "; ".join(problems)

    def cache_places(cache_folder):
        return [
            os.path.join(cache_folder, DATASET.folder),
            os.path.join(cache_folder, KERAS_CIFAR10_FOLDER),
            cache_folder,
        ]

    return files.find(
        DATASET, data_dir, download, read_from, cache_places, fallback
    )


class _BatchUnpickler(pickle.Unpickler):
    """Unpickles NumPy arrays, lists and dicts, and nothing that runs code."""

    _ALLOWED = frozenset(
        {
            ("numpy", "ndarray"),
            ("numpy", "dtype"),
            ("numpy.core.multiarray", "_reconstruct"),
            ("numpy._core.multiarray", "_reconstruct"),
            ("numpy.core.numeric", "_frombuffer"),
            ("numpy._core.numeric", "_frombuffer"),
            # Bytes pickled by Python 3 at protocol 2.
            ("_codecs", "encode"),
        }
    )

    def find_class(self, module, name):
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"refusing to load `{module}.{name}`: a CIFAR-10 batch holds "
            "only NumPy arrays and lists"
        )


def _read_cifar10_batches(folder):
    parts = {"train": [], "test": []}
    for file_name in CIFAR10_BATCH_FILES:
        path = os.path.join(folder, file_name)
        split = "test" if file_name == "test_batch" else "train"
        parts[split].append(_read_cifar10_batch(path))
    return tuple(
        (
            np.concatenate([x for x, _ in parts[split]]),
            np.concatenate([y for _, y in parts[split]]),
        )
        for split in ("train", "test")
    )


def _read_cifar10_batch(path):
    try:
        with open(path, "rb") as f:
            batch = _BatchUnpickler(f, encoding="bytes").load()
    except (
        pickle.UnpicklingError,
        EOFError,
        ValueError,
        TypeError,
        AttributeError,
        IndexError,
        KeyError,
    ) as error:
        raise ValueError(
            f"Could not read {path}: it is truncated or not a CIFAR-10 "
            f"python batch ({type(error).__name__}: {error}). Replace the "
            "file."
        ) from error
    if not isinstance(batch, dict):
        raise ValueError(
            f"{path} is not a CIFAR-10 python batch: it holds a "
            f"{type(batch).__name__}, not a dict"
        )
    batch = {
        key.decode("latin1") if isinstance(key, bytes) else key: value
        for key, value in batch.items()
    }
    if "data" not in batch or "labels" not in batch:
        raise ValueError(
            f"{path} is not a CIFAR-10 python batch: it lacks the keys "
            f"'data' and 'labels'. Received keys: {sorted(map(str, batch))}"
        )
    data = np.asarray(batch["data"])
    labels = np.asarray(batch["labels"])
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
        raise ValueError(
            f"{path} does not hold CIFAR-10 images: expected uint8 data of "
            f"shape (N, 3072). Received: {data.dtype} of shape {data.shape}"
        )
    if (
        labels.shape != (len(data),)
        or not np.issubdtype(labels.dtype, np.integer)
        or (labels.size and (labels.min() < 0 or labels.max() > 9))
    ):
        raise ValueError(
            f"{path} does not hold CIFAR-10 labels: expected {len(data)} "
            f"integers 0-9. Received: {labels.dtype} of shape {labels.shape}"
        )
    # Rows hold the red, green and blue planes of 32x32 pixels in turn.
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels.astype(np.uint8)


def _read_cifar10_zip(path, verify_checksums, max_per_class):
    sha256 = files.sha256_of_file(path)
    if verify_checksums:
        holds = "the project's JPEG copy of CIFAR-10"
        files.check_sha256(path, sha256, CIFAR10_JPEG_ZIP_SHA256, holds)
    cache_file = f"cifar10_jpeg_{sha256[:16]}.npz"
    for cache_folder in files.keras_cache_folders():
        cache_path = os.path.join(
            cache_folder, DECODED_CACHE_FOLDER, cache_file
        )
        cached = _read_decoded_cache(cache_path, sha256)
        if cached is not None:
            return cached
    data = _decode_cifar10_zip(path, max_per_class)
    if max_per_class is None:
        _write_decoded_cache(cache_file, sha256, data)
    return data


def _cifar10_zip_entries(archive, path):
    """The zip's images as sorted (split, class id, file name, entry)."""
    pattern = re.compile(
        r"(?:.*/)?(train|test)/([^/]+)/([^/]+\.(?:jpe?g|png))", re.IGNORECASE
    )
    entries = []
    for info in archive.infolist():
        if info.is_dir() or info.filename.startswith("__MACOSX/"):
            continue
        match = pattern.fullmatch(info.filename)
        if match is None:
            continue
        split, class_name, file_name = match.groups()
        if class_name not in CIFAR10_CLASS_NAMES:
            raise ValueError(
                f"{path} holds {info.filename!r}, in an unknown class folder "
                f"{class_name!r}. Expected one of "
                f"{', '.join(CIFAR10_CLASS_NAMES)}."
            )
        split_id = 0 if split.lower() == "train" else 1
        class_id = CIFAR10_CLASS_NAMES.index(class_name)
        entries.append((split_id, class_id, file_name, info))
    entries.sort(key=lambda entry: entry[:3])
    for split_id, split in enumerate(("train", "test")):
        if not any(entry[0] == split_id for entry in entries):
            raise ValueError(
                f"{path} is not laid out as the CIFAR-10 JPEG copy: it holds "
                f"no images {split}/<class>/<name>.jpg"
            )
    return entries


def _decode_cifar10_zip(path, max_per_class):
    Image = files.import_pillow()
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        if isinstance(error, FileNotFoundError):
            raise
        raise ValueError(
            f"Could not open {path}: it is truncated or not a zip file "
            f"({type(error).__name__}: {error}). Replace the file."
        ) from error
    with archive:
        entries = _cifar10_zip_entries(archive, path)
        if max_per_class is not None:
            counts = {}
            kept = []
            for entry in entries:
                key = entry[:2]
                counts[key] = counts.get(key, 0) + 1
                if counts[key] <= max_per_class:
                    kept.append(entry)
            entries = kept
        images = np.empty((len(entries), 32, 32, 3), np.uint8)
        labels = np.empty(len(entries), np.uint8)
        for index, (_, class_id, _, info) in enumerate(entries):
            images[index] = _decode_image(Image, archive, info, path)
            labels[index] = class_id
    num_train = sum(entry[0] == 0 for entry in entries)
    return (
        (images[:num_train], labels[:num_train]),
        (images[num_train:], labels[num_train:]),
    )


def _decode_image(Image, archive, info, path):
    try:
        with Image.open(io.BytesIO(archive.read(info))) as picture:
            image = np.asarray(picture.convert("RGB"))
    except (
        OSError,
        ValueError,
        SyntaxError,
        EOFError,
        zipfile.BadZipFile,
        zlib.error,
    ) as error:
        # Pillow's UnidentifiedImageError and truncated-image errors are
        # OSErrors; a bad CRC is a BadZipFile.
        raise ValueError(
            f"Could not decode {info.filename!r} in {path}: it is corrupt "
            f"({type(error).__name__}: {error}). Replace the zip file."
        ) from error
    if image.shape != (32, 32, 3):
        raise ValueError(
            f"{info.filename!r} in {path} is not a CIFAR-10 image: expected "
            f"32x32 pixels. Received: {image.shape[1]}x{image.shape[0]}"
        )
    return image


def _read_decoded_cache(cache_path, sha256):
    """The cached arrays, or `None` if absent, stale or unreadable."""
    if not os.path.isfile(cache_path):
        return None
    try:
        with np.load(cache_path, allow_pickle=False) as f:
            if str(f["zip_sha256"]) != sha256:
                return None
            data = (
                (f["x_train"], f["y_train"]),
                (f["x_test"], f["y_test"]),
            )
    except (
        OSError,
        ValueError,
        KeyError,
        EOFError,
        zipfile.BadZipFile,
        zlib.error,
    ):
        return None  # A derived file: decode the zip again instead.
    for x, y in data:
        if x.dtype != np.uint8 or x.shape[1:] != (32, 32, 3):
            return None
        if len(x) != len(y):
            return None
    return data


def _write_decoded_cache(cache_file, sha256, data):
    """Cache the decoded arrays; written whole or not at all."""
    (x_train, y_train), (x_test, y_test) = data
    errors = []
    for cache_folder in files.keras_cache_folders():
        folder = os.path.join(cache_folder, DECODED_CACHE_FOLDER)
        # A name of its own, so that concurrent loads do not collide.
        temporary = os.path.join(
            folder, f".{cache_file}.{os.getpid()}.{uuid.uuid4().hex}.tmp"
        )
        try:
            os.makedirs(folder, exist_ok=True)
            with open(temporary, "xb") as f:
                np.savez(
                    f,
                    x_train=x_train,
                    y_train=y_train,
                    x_test=x_test,
                    y_test=y_test,
                    zip_sha256=np.array(sha256),
                )
            os.replace(temporary, os.path.join(folder, cache_file))
            return
        except OSError as error:
            errors.append(f"{folder}: {error}")
            if os.path.exists(temporary):
                os.remove(temporary)
    warnings.warn(
        "Could not cache the decoded CIFAR-10 JPEG files, so the next load "
        f"decodes them again: {'; '.join(errors)}",
        # Points at the caller of `load`, through load, load_cifar10,
        # files.find, read_from and _read_cifar10_zip.
        stacklevel=7,
    )
