"""Where a data set's files are looked for, downloaded and verified.

One search serves every data set (`find`): an explicit `data_dir` alone, or
else `$KERAS_NINR_DATA_DIR`, system folders and the Keras download cache,
then a download with `keras.utils.get_file`, checked against the file's
known SHA-256, into the Keras cache where the next search finds it. The
order and the reasons are told in `keras_ninr.src.datasets.loaders`; a data
set's own module says which files it needs and how to read them.
"""

import dataclasses
import gzip
import hashlib
import os
import zlib

import keras

ENVIRONMENT_VARIABLE = "KERAS_NINR_DATA_DIR"


@dataclasses.dataclass(frozen=True)
class Download:
    """One file that `keras.utils.get_file` downloads and verifies."""

    file_name: str  # Its name in the cache (Keras's name, to share it).
    origin: str  # Its URL.
    sha256: str  # Of the downloaded file, checked by `get_file`.
    extract: bool = False  # Whether it is an archive to unpack.


@dataclasses.dataclass(frozen=True)
class Dataset:
    """Where a data set's files live.

    `downloads` go to `<Keras cache>/<download_subdir>`; `find` then reads
    the folder of the files, or the one file (or unpacked archive) when
    there is one download.
    """

    name: str  # As in `load(name)`.
    folder: str  # Its sub-folder in data folders and in the Keras cache.
    files_to_provide: str  # The files a user can provide, for messages.
    downloads: tuple
    download_subdir: str
    system_folders: tuple = ()


def find(dataset, data_dir, download, read_from, cache_places, fallback=None):
    """The data set read from the first place that holds it.

    Args:
        dataset: A `Dataset`.
        data_dir: As for `load`: when given, the only place looked in.
        download: Whether to download when no place holds the data.
        read_from: `read_from(path)` returns `(data, None)`, or
            `(None, reason)` when `path` does not hold the data (a few
            words: "no such folder", "missing <files>"). It raises
            `ValueError` for a file that is there but damaged.
        cache_places: `cache_places(cache_folder)`, the paths to try in one
            Keras cache folder.
        fallback: Optional `fallback(data_dir)`, tried after the local
            places and before a download (TFDS's prepared data): it returns
            `(data, None)`, or `(None, line)` with the line that says, in
            the not-found message, why it did not serve the data.

    Raises:
        FileNotFoundError: listing every place looked in and why it did not
            hold the data, and how to provide it.
    """
    places = local_folders(dataset, data_dir)
    if data_dir is None:
        places += [
            ("Keras cache", path)
            for cache_folder in keras_cache_folders()
            for path in cache_places(cache_folder)
        ]
    looked = []
    for label, path in places:
        if path is None:
            looked.append(f"{label}: not set")
            continue
        data, reason = read_from(path)
        if reason is None:
            return data
        looked.append(f"{label}: {path} ({reason})")
    if fallback is not None:
        data, line = fallback(data_dir)
        if line is None:
            return data
        looked.append(line)
    if data_dir is not None:
        raise FileNotFoundError(
            _not_in_data_dir_message(dataset, data_dir, looked)
        )

    how = f"download with keras.utils.get_file from {_origin(dataset)}"
    if not download:
        looked.append(f"{how}: skipped (download=False)")
        raise FileNotFoundError(_not_found_message(dataset, looked))
    try:
        path = fetch(dataset)
    except Exception as error:  # Any failure: report every place looked.
        looked.append(f"{how}: failed ({type(error).__name__}: {error})")
        raise FileNotFoundError(_not_found_message(dataset, looked)) from error
    data, reason = read_from(path)
    if reason is not None:
        raise FileNotFoundError(
            f"Downloaded the {dataset.name} data set, but {path} does not "
            f"hold it ({reason})."
        )
    return data


def fetch(dataset):
    """Download `dataset.downloads` into the Keras cache; see `Dataset`."""
    # Under the cache `load` looks in (`get_file` itself falls back to
    # /tmp/.keras when that is not writable, which `load` looks in too).
    home = os.path.dirname(keras_cache_folders()[0])
    paths = [
        keras.utils.get_file(
            fname=download.file_name,
            origin=download.origin,
            file_hash=download.sha256,
            cache_dir=home,
            cache_subdir=dataset.download_subdir,
            extract=download.extract,
        )
        for download in dataset.downloads
    ]
    return paths[0] if len(paths) == 1 else os.path.dirname(paths[0])


def local_folders(dataset, data_dir):
    """(label, folder) pairs of the local places to look, in order.

    An explicit `data_dir` is the only place: a fallback would load other
    data than the caller pointed at, without a word.
    """
    if data_dir is not None:
        data_dir = os.fspath(data_dir)
        return [
            ("data_dir", data_dir),
            ("data_dir", os.path.join(data_dir, dataset.folder)),
        ]
    label = f"${ENVIRONMENT_VARIABLE}"
    environment_dir = os.environ.get(ENVIRONMENT_VARIABLE)
    if environment_dir:
        folders = [
            (label, os.path.join(environment_dir, dataset.folder)),
            (label, environment_dir),
        ]
    else:
        folders = [(label, None)]
    folders += [("system folder", f) for f in dataset.system_folders]
    return folders


def keras_cache_folders():
    """Keras's download cache, as `keras.utils.get_file` chooses it."""
    if os.environ.get("KERAS_HOME"):
        homes = [os.environ["KERAS_HOME"]]
    else:
        homes = [os.path.join(os.path.expanduser("~"), ".keras")]
    # Keras falls back to /tmp/.keras when the home folder is not writable.
    homes.append(os.path.join("/tmp", ".keras"))
    folders = []
    for home in homes:
        folder = os.path.join(os.path.expanduser(home), "datasets")
        if folder not in folders:
            folders.append(folder)
    return folders


def missing_files(folder, files):
    """Why `folder` lacks some of `files`, or `None` if it holds them all."""
    if not os.path.isdir(folder):
        return "no such folder"
    missing = [f for f in files if not os.path.isfile(os.path.join(folder, f))]
    return f"missing {', '.join(missing)}" if missing else None


def decompress(path):
    """The bytes of a gzip file, or a `ValueError` naming it."""
    try:
        with gzip.open(path, "rb") as f:
            return f.read()
    except (OSError, EOFError, zlib.error) as error:
        if isinstance(error, FileNotFoundError):
            raise
        raise ValueError(
            f"Could not decompress {path}: it is truncated or not a valid "
            f"gzip file ({type(error).__name__}: {error}). Replace the file."
        ) from error


def sha256_of_file(path, chunk_size=1 << 20):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_sha256(path, sha256, expected, holds, of="its SHA-256"):
    """Raise unless `sha256` (`of` the file at `path`) is `expected`.

    `holds` names the data the file should hold, for the message.
    """
    if sha256 == expected:
        return
    raise ValueError(
        f"Checksum mismatch for {path}: {of} is {sha256}, expected "
        f"{expected}. The file is corrupt or holds other data than {holds}: "
        "replace it (or delete it, if it is in the Keras cache, so that it "
        "is downloaded again), or pass verify_checksums=False to use it "
        "anyway."
    )


def check_gzip_content(path, data, expected, holds):
    """Verify a gzip file by its decompressed bytes `data`.

    The content, not the gzip file: the same data compressed with other
    settings (the project's MNIST files are `gzip -9 -n` re-compressions,
    Debian's Fashion-MNIST files lack the original's name) verifies too.
    """
    sha256 = hashlib.sha256(data).hexdigest()
    of = "the SHA-256 of its decompressed content"
    check_sha256(path, sha256, expected, holds, of=of)


def import_pillow():
    """`PIL.Image`, which only USPS resizing and the JPEG copy need."""
    try:
        from PIL import Image
    except ImportError as error:
        raise ImportError(
            "Resizing USPS digits and decoding the JPEG copy of CIFAR-10 "
            "need Pillow: `pip install pillow`."
        ) from error
    return Image


def _origin(dataset):
    origins = [download.origin for download in dataset.downloads]
    if len(origins) == 1:
        return origins[0]
    return os.path.dirname(origins[0]) + "/"


def _not_found_message(dataset, looked):
    places = "\n".join(f"  - {line}" for line in looked)
    return (
        f"Could not find the {dataset.name} data set. Looked in:\n{places}\n"
        f"To provide it, put {dataset.files_to_provide} in a folder "
        f"<dir>/{dataset.folder}/ and set the environment variable "
        f"{ENVIRONMENT_VARIABLE}=<dir> (or pass data_dir=<dir> to "
        "`keras_ninr.datasets.load`), or run once on a machine with internet "
        "access so that Keras downloads and caches it."
    )


def _not_in_data_dir_message(dataset, data_dir, looked):
    data_dir = os.fspath(data_dir)
    places = "\n".join(f"  - {line}" for line in looked)
    return (
        f"Could not find the {dataset.name} data set in "
        f"data_dir={data_dir!r}. Looked in:\n{places}\n"
        f"Put {dataset.files_to_provide} in {data_dir} or in "
        f"{os.path.join(data_dir, dataset.folder)}, or pass data_dir=None to "
        f"look in ${ENVIRONMENT_VARIABLE} and the Keras cache and to "
        "download it."
    )
