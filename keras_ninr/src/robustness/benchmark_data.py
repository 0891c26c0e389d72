"""The data of the standard corruption benchmarks, MNIST-C and CIFAR-10-C.

- **MNIST-C** (Mu and Gilmer 2019): the 10,000 MNIST test images under 15
  corruptions, one fixed severity each. The original release
  (https://zenodo.org/record/3239543, `mnist_c.zip`) holds one folder per
  corruption with `test_images.npy` (`uint8`, `(10000, 28, 28, 1)`) and
  `test_labels.npy` (`uint8`, `(10000,)`), and an `identity/` folder of the
  clean images. TFDS: `mnist_corrupted/<corruption>`.
- **CIFAR-10-C** (Hendrycks and Dietterich 2019): the 10,000 CIFAR-10 test
  images under 19 corruptions at 5 severities. The original release
  (https://zenodo.org/record/2535967, `CIFAR-10-C.tar`) holds one
  `<corruption>.npy` per corruption (`uint8`, `(50000, 32, 32, 3)`: the five
  severities of 10,000 images in order) and `labels.npy` (the 10,000
  labels, five times). TFDS: `cifar10_corrupted/<corruption>_<severity>`,
  which names two corruptions otherwise (`frosted_glass_blur`, `elastic`).
  The first 15 corruptions are the paper's benchmark (its mCE); the last 4
  (`speckle_noise`, `gaussian_blur`, `spatter`, `saturate`) are its
  held-out extras.

Where the data is looked for (`read_corruption`), with `source="auto"`:
a local folder in the original layout (`data_dir`, or `data_dir/<folder>`;
without `data_dir`, `$KERAS_NINR_DATA_DIR/<folder>`, the folder being
`mnist_c/`, or `CIFAR-10-C/` or `cifar10_c/`), then TensorFlow Datasets'
prepared data (in `data_dir` if given, else TFDS's data folder), never a
download. `source="files"` and `source="tfds"` use one of the two.
"""

import dataclasses
import os

import numpy as np

from keras_ninr.src.datasets import tfds
from keras_ninr.src.datasets.files import ENVIRONMENT_VARIABLE

MNIST_C_CORRUPTIONS = (
    "shot_noise",
    "impulse_noise",
    "glass_blur",
    "motion_blur",
    "shear",
    "scale",
    "rotate",
    "brightness",
    "translate",
    "stripe",
    "fog",
    "spatter",
    "dotted_line",
    "zigzag",
    "canny_edges",
)
# The original release's file names, in the paper's order: its 15
# benchmark corruptions, then its 4 held-out extras.
CIFAR10_C_CORRUPTIONS = (
    "gaussian_noise",
    "shot_noise",
    "impulse_noise",
    "defocus_blur",
    "glass_blur",
    "motion_blur",
    "zoom_blur",
    "snow",
    "frost",
    "fog",
    "brightness",
    "contrast",
    "elastic_transform",
    "pixelate",
    "jpeg_compression",
    "speckle_noise",
    "gaussian_blur",
    "spatter",
    "saturate",
)
CIFAR10_C_BENCHMARK_CORRUPTIONS = CIFAR10_C_CORRUPTIONS[:15]
# TFDS's names where they differ from the release's file names.
CIFAR10_C_TFDS_NAMES = {
    "glass_blur": "frosted_glass_blur",
    "elastic_transform": "elastic",
}
BENCHMARK_SEVERITIES = (1, 2, 3, 4, 5)
SOURCES = ("auto", "files", "tfds")


@dataclasses.dataclass(frozen=True)
class Benchmark:
    """What a corruption benchmark is and where its data lives."""

    name: str  # As in `corruption_benchmark(model, name)`.
    title: str
    corruptions: tuple
    # The corruptions the mean accuracy and the mCE average over.
    summary_corruptions: tuple
    severities: tuple  # `()` for MNIST-C: one fixed severity per corruption.
    folders: tuple  # Names of its local folder.
    image_shape: tuple
    clean_dataset: str  # The `keras_ninr.datasets` name of its clean test set.
    release_url: str

    def tfds_name(self, corruption, severity=None):
        """TFDS's name of one corruption (and severity)."""
        if self.name == "mnist_c":
            return f"mnist_corrupted/{corruption}"
        corruption = CIFAR10_C_TFDS_NAMES.get(corruption, corruption)
        return f"cifar10_corrupted/{corruption}_{severity}"


BENCHMARKS = {
    "mnist_c": Benchmark(
        name="mnist_c",
        title="MNIST-C",
        corruptions=MNIST_C_CORRUPTIONS,
        summary_corruptions=MNIST_C_CORRUPTIONS,
        severities=(),
        folders=("mnist_c",),
        image_shape=(28, 28, 1),
        clean_dataset="mnist",
        release_url="https://zenodo.org/record/3239543/files/mnist_c.zip",
    ),
    "cifar10_c": Benchmark(
        name="cifar10_c",
        title="CIFAR-10-C",
        corruptions=CIFAR10_C_CORRUPTIONS,
        summary_corruptions=CIFAR10_C_BENCHMARK_CORRUPTIONS,
        severities=BENCHMARK_SEVERITIES,
        folders=("CIFAR-10-C", "cifar10_c"),
        image_shape=(32, 32, 3),
        clean_dataset="cifar10",
        release_url="https://zenodo.org/record/2535967/files/CIFAR-10-C.tar",
    ),
}


def get_benchmark(name):
    """The `Benchmark` called `name` (`"mnist_c"`, `"cifar10_c"`; case and
    dashes ignored), or a `ValueError` listing the known ones."""
    key = name.lower().replace("-", "_") if isinstance(name, str) else name
    if key not in BENCHMARKS:
        raise ValueError(
            f"Unrecognized benchmark: {name!r}. Known benchmarks: "
            f"{', '.join(BENCHMARKS)}"
        )
    return BENCHMARKS[key]


def check_corruptions(benchmark, corruptions):
    """`corruptions` (names, one name, or `None` for all) as a checked tuple."""
    if corruptions is None:
        return benchmark.corruptions
    if isinstance(corruptions, str):
        corruptions = (corruptions,)
    aliases = {tfds_name: c for c, tfds_name in CIFAR10_C_TFDS_NAMES.items()}
    checked = []
    for corruption in corruptions:
        if benchmark.name == "cifar10_c":
            corruption = aliases.get(corruption, corruption)
        if corruption not in benchmark.corruptions:
            raise ValueError(
                f"Unrecognized {benchmark.title} corruption: {corruption!r}. "
                f"Known corruptions: {', '.join(benchmark.corruptions)}"
            )
        checked.append(corruption)
    if not checked:
        raise ValueError(
            f"Expected at least one corruption. Received: "
            f"corruptions={corruptions!r}"
        )
    return tuple(dict.fromkeys(checked))


def read_corruption(benchmark, corruption, data_dir=None, source="auto"):
    """One corruption's images, per severity.

    Args:
        benchmark: A `Benchmark`.
        corruption: One of `benchmark.corruptions`.
        data_dir: Optional folder of the original release (or holding it
            as `mnist_c/`, `CIFAR-10-C/`), and of TFDS's prepared data.
        source: `"auto"`, `"files"` or `"tfds"`.

    Returns:
        `(where, parts)`: a string saying where the data came from, and a
        list of `(severity, images, labels)`, `severity` `None` for
        MNIST-C; images `uint8` of shape `(N,) + benchmark.image_shape`.

    Raises:
        FileNotFoundError: naming every place looked in and how to get the
            data (the original release's URL, TFDS's name).
        ValueError: for files that do not hold the benchmark's arrays.
    """
    if source not in SOURCES:
        raise ValueError(
            f"Unrecognized `source`. Expected one of {SOURCES}. Received: "
            f"source={source!r}"
        )
    looked = []
    if source in ("auto", "files"):
        for label, folder in _local_folders(benchmark, data_dir):
            if folder is None:
                looked.append(f"{label}: not set")
                continue
            reason = _missing(benchmark, folder, corruption)
            if reason is None:
                return folder, _read_local(benchmark, folder, corruption)
            looked.append(f"{label}: {folder} ({reason})")
    if source in ("auto", "tfds"):
        names = [
            benchmark.tfds_name(corruption, s) for s in _severities(benchmark)
        ]
        if source == "auto" and not tfds.is_installed():
            looked.append(
                f"TensorFlow Datasets: not installed ({tfds.INSTALL_HINT})"
            )
        elif source == "auto" and not all(
            tfds.is_prepared(name, data_dir) for name in names
        ):
            missing = [n for n in names if not tfds.is_prepared(n, data_dir)]
            looked.append(
                "TensorFlow Datasets: no prepared "
                f"{', '.join(missing)} in "
                f"{data_dir if data_dir is not None else tfds.default_data_dir()}"
            )
        else:
            parts = []
            for severity, name in zip(_severities(benchmark), names):
                images, labels, _ = tfds.read_split(name, "test", data_dir)
                parts.append((severity, images, labels))
            return f"TensorFlow Datasets {names[0].split('/')[0]}", parts
    raise FileNotFoundError(_not_found_message(benchmark, corruption, looked))


def _severities(benchmark):
    return benchmark.severities or (None,)


def _local_folders(benchmark, data_dir):
    if data_dir is not None:
        data_dir = os.fspath(data_dir)
        return [("data_dir", data_dir)] + [
            ("data_dir", os.path.join(data_dir, folder))
            for folder in benchmark.folders
        ]
    root = os.environ.get(ENVIRONMENT_VARIABLE)
    label = f"${ENVIRONMENT_VARIABLE}"
    if not root:
        return [(label, None)]
    return [(label, os.path.join(root, folder)) for folder in benchmark.folders]


def _local_files(benchmark, folder, corruption):
    if benchmark.name == "mnist_c":
        return [
            os.path.join(folder, corruption, "test_images.npy"),
            os.path.join(folder, corruption, "test_labels.npy"),
        ]
    return [
        os.path.join(folder, f"{corruption}.npy"),
        os.path.join(folder, "labels.npy"),
    ]


def _missing(benchmark, folder, corruption):
    if not os.path.isdir(folder):
        return "no such folder"
    missing = [
        os.path.relpath(path, folder)
        for path in _local_files(benchmark, folder, corruption)
        if not os.path.isfile(path)
    ]
    return f"missing {', '.join(missing)}" if missing else None


def _read_local(benchmark, folder, corruption):
    images_path, labels_path = _local_files(benchmark, folder, corruption)
    images = _load_npy(images_path)
    labels = _load_npy(labels_path)
    if images.ndim == 3 and benchmark.image_shape[-1] == 1:
        images = images[..., None]  # MNIST-C without its channel axis.
    if images.dtype != np.uint8 or images.shape[1:] != benchmark.image_shape:
        raise ValueError(
            f"{images_path} does not hold {benchmark.title} images: expected "
            f"uint8 of shape (N, {', '.join(map(str, benchmark.image_shape))})"
            f". Received: {images.dtype} of shape {images.shape}"
        )
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"{labels_path} does not hold labels: expected a vector of "
            f"integers. Received: {labels.dtype} of shape {labels.shape}"
        )
    if not benchmark.severities:
        if len(labels) != len(images):
            raise ValueError(
                f"{images_path} holds {len(images)} images but {labels_path} "
                f"holds {len(labels)} labels"
            )
        return [(None, images, labels.astype(np.uint8))]
    count = len(images) // len(benchmark.severities)
    if count * len(benchmark.severities) != len(images) or count == 0:
        raise ValueError(
            f"{images_path} does not hold {len(benchmark.severities)} "
            f"severities of equally many images: it holds {len(images)}"
        )
    # The release stacks the labels once per severity; the first suffice.
    if len(labels) not in (count, len(images)):
        raise ValueError(
            f"{labels_path} holds {len(labels)} labels; expected {count} "
            f"(or {len(images)}, once per severity) for {images_path}"
        )
    labels = labels[:count].astype(np.uint8)
    return [
        (severity, images[i * count : (i + 1) * count], labels)
        for i, severity in enumerate(benchmark.severities)
    ]


def _load_npy(path):
    try:
        # Memory-mapped: one severity at a time is copied when evaluated.
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as error:
        raise ValueError(
            f"Could not read {path}: it is truncated or not a NumPy .npy "
            f"file ({type(error).__name__}: {error}). Replace the file."
        ) from error


def _not_found_message(benchmark, corruption, looked):
    places = "\n".join(f"  - {line}" for line in looked)
    if benchmark.name == "mnist_c":
        layout = (
            f"{benchmark.folders[0]}/<corruption>/test_images.npy and "
            "test_labels.npy"
        )
        tfds_names = f"'{benchmark.tfds_name(corruption)}'"
    else:
        layout = f"{benchmark.folders[0]}/<corruption>.npy and labels.npy"
        tfds_names = (
            f"'{benchmark.tfds_name(corruption, 1)}' ... "
            f"'{benchmark.tfds_name(corruption, 5)}'"
        )
    return (
        f"Could not find the {benchmark.title} data of corruption "
        f"{corruption!r}. Looked in:\n{places}\n"
        f"To get it, download the original release {benchmark.release_url}, "
        f"unpack it as <dir>/{layout}, and set {ENVIRONMENT_VARIABLE}=<dir> "
        f"(or pass data_dir=<dir>); or prepare TensorFlow Datasets' "
        f"{tfds_names} with `tfds.load(...)` on a machine with internet "
        f"access ({tfds.INSTALL_HINT})."
    )
