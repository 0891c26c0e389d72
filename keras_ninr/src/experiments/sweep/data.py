"""The data of a sweep's runs: loaded once, cut to size, split, as pixels.

Choices the paper leaves open:

- **Subsets.** `train_size` / `test_size` keep the first images of a fixed
  permutation (seed 0) of the split, the same for every method and seed, so
  methods are compared on the same data.
- **Validation split** (Table 2's 60/40). `validation_split` holds out the
  last images of a second fixed permutation (seed 1) of the training images
  kept by `train_size`.
- **Standardisation** (Sec. 3) happens inside the model, in the zoo
  network's first layer (`keras_ninr.datasets.Standardization`): every
  image here is a float32 pixel in [0, 1]. Its statistics are those of the
  images trained on (not of the held-out ones), computed here and handed
  to `keras_ninr.experiments.zoo.build`.
"""

import dataclasses

import numpy as np

from keras_ninr.src.datasets import loaders as datasets
from keras_ninr.src.robustness import benchmark_data
from keras_ninr.src.datasets.preprocessing import scale_pixels
from keras_ninr.src.datasets.preprocessing import pixel_statistics

# Architectures whose inputs carry a channel axis.
IMAGE_ARCHITECTURES = ("cnn", "vgg")


@dataclasses.dataclass
class PreparedData:
    """A run's images (float32 pixels in [0, 1]) and labels (int32)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    # Of the [0, 1] training pixels: what the model standardises with.
    mean: float
    std: float
    num_classes: int
    # Held out of the training split (`validation_split`).
    x_validation: object = None
    y_validation: object = None

    def summary(self, batch_size):
        """The record's `data`: sizes and standardisation."""
        return {
            "train_size": int(len(self.x_train)),
            "test_size": int(len(self.x_test)),
            "validation_size": (
                int(len(self.x_validation))
                if self.x_validation is not None
                else None
            ),
            "pixel_mean": self.mean,
            "pixel_std": self.std,
            "batch_size": batch_size,
        }


class DataCache:
    """Data sets loaded once per sweep, and their subsets.

    Args:
        data_dir: Passed to `keras_ninr.datasets.load`.
        load_data: Optional callable `load_data(name)` that replaces
            `keras_ninr.datasets.load`.
    """

    def __init__(self, data_dir=None, load_data=None):
        self.data_dir = data_dir
        self.load_data = load_data
        self._raw = {}
        self._prepared = {}
        self._usps = {}

    def raw(self, name):
        if name not in self._raw:
            if self.load_data is not None:
                self._raw[name] = self.load_data(name)
            else:
                self._raw[name] = datasets.load(name, data_dir=self.data_dir)
        return self._raw[name]

    def check(self, config):
        """Load what `config` needs and check that its sizes fit the data.

        A sweep calls it for every run before training any, so that
        missing files or a `train_size` beyond the data stop it before
        its first run rather than at the run that needs them.
        """
        (x_train, _), (x_test, _) = self.raw(config.dataset)
        _check_size(config.train_size, len(x_train), "train_size")
        _check_size(config.test_size, len(x_test), "test_size")
        _validation_count(
            config.validation_split, config.train_size or len(x_train)
        )
        channels = config.architecture in IMAGE_ARCHITECTURES
        for variant in config.evaluations.get("domain_shift", ()):
            self.usps(variant, channels)
        benchmark = config.evaluations.get("corruption_benchmark")
        if benchmark:
            # One corruption's files: missing data stops the sweep now.
            spec = benchmark_data.get_benchmark(benchmark)
            benchmark_data.read_corruption(spec, spec.corruptions[0], self.data_dir)

    def prepare(self, config):
        """The `PreparedData` of `config` (shared by runs on the same data)."""
        channels = config.architecture in IMAGE_ARCHITECTURES
        key = (
            config.dataset,
            config.train_size,
            config.test_size,
            config.validation_split,
            channels,
        )
        if key not in self._prepared:
            self._prepared[key] = self._prepare(config, channels)
        return self._prepared[key]

    def _prepare(self, config, channels):
        (x_train, y_train), (x_test, y_test) = self.raw(config.dataset)
        x_train, y_train = _subset(
            x_train, y_train, config.train_size, "train_size"
        )
        x_test, y_test = _subset(x_test, y_test, config.test_size, "test_size")
        (x_train, y_train), validation = _split_validation(
            x_train, y_train, config.validation_split
        )
        # The statistics of the images trained on (the model standardises).
        mean, std = pixel_statistics(x_train)
        x_validation = y_validation = None
        if validation is not None:
            x_validation = _images(validation[0], channels)
            y_validation = _labels(validation[1])
        labels = [_labels(y_train), _labels(y_test)]
        if y_validation is not None:
            labels.append(y_validation)
        # At least the paper's 10 classes, so that a small subset missing a
        # class still builds the paper's network.
        num_classes = max(10, 1 + max(int(y.max()) for y in labels))
        return PreparedData(
            _images(x_train, channels),
            labels[0],
            _images(x_test, channels),
            labels[1],
            float(mean),
            float(std),
            num_classes,
            x_validation,
            y_validation,
        )

    def usps(self, variant, channels):
        """USPS test digits in MNIST's format (Table 1), as [0, 1] pixels."""
        if variant not in self._usps:
            x, y = datasets.load_usps_as_mnist(
                data_dir=self.data_dir, variant=variant
            )
            self._usps[variant] = scale_pixels(x), _labels(y)
        x, y = self._usps[variant]
        return (_with_channels(x) if channels else x), y


def _check_size(size, available, name):
    if size is not None and size > available:
        raise ValueError(
            f"Expected `{name}` to be at most the {available} images of the "
            f"split. Received: {name}={size}"
        )


def _subset(x, y, size, name):
    if size is None:
        return x, y
    _check_size(size, len(x), name)
    # One fixed permutation: every method and seed sees the same images.
    order = np.random.default_rng(0).permutation(len(x))[:size]
    return x[order], y[order]


def _validation_count(fraction, available):
    """The number of images `validation_split=fraction` holds out."""
    if fraction is None:
        return 0
    count = int(round(fraction * available))
    if not 0 < count < available:
        raise ValueError(
            f"Expected `validation_split` to leave at least one image for "
            f"training and one for validation of the {available} training "
            f"images. Received: validation_split={fraction!r}"
        )
    return count


def _split_validation(x, y, fraction):
    """`((x_train, y_train), (x_validation, y_validation) or None)`."""
    if fraction is None:
        return (x, y), None
    count = _validation_count(fraction, len(x))
    # Seed 1, not the subsets' 0: the held-out images are a draw of their
    # own, the same for every method and seed.
    order = np.random.default_rng(1).permutation(len(x))
    kept, held_out = order[: len(x) - count], order[len(x) - count :]
    return (x[kept], y[kept]), (x[held_out], y[held_out])


def _images(x, channels):
    x = scale_pixels(x)
    return _with_channels(x) if channels else x


def _labels(y):
    return np.asarray(y).reshape(-1).astype("int32")


def _with_channels(x):
    return x[..., None] if x.ndim == 3 else x
