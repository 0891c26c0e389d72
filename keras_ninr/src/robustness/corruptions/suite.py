"""The common-corruption suite: registry, evaluation and table.

Beyond the paper's two tests of Sec. 3.2 (Eq. 8 noise and the MNIST to
USPS shift): `corruption_accuracy` evaluates a model that takes [0, 1]
pixels on every corruption of `CORRUPTIONS` at every severity, noise-free
as the paper evaluates (Sec. 3), and `corruption_table` turns its results
into Markdown.
"""

import numbers

import numpy as np

from keras_ninr.src.datasets.loaders import scale_pixels
from keras_ninr.src.robustness.corruptions.blur import gaussian_blur
from keras_ninr.src.robustness.corruptions.blur import glass_blur
from keras_ninr.src.robustness.corruptions.blur import motion_blur
from keras_ninr.src.robustness.corruptions.common import SEVERITIES
from keras_ninr.src.robustness.corruptions.common import check_images
from keras_ninr.src.robustness.corruptions.common import check_severity
from keras_ninr.src.robustness.corruptions.geometric import rotate
from keras_ninr.src.robustness.corruptions.geometric import scale
from keras_ninr.src.robustness.corruptions.geometric import shear
from keras_ninr.src.robustness.corruptions.geometric import translate
from keras_ninr.src.robustness.corruptions.noise import gaussian_noise
from keras_ninr.src.robustness.corruptions.noise import impulse_noise
from keras_ninr.src.robustness.corruptions.noise import shot_noise
from keras_ninr.src.robustness.corruptions.photometric import brightness
from keras_ninr.src.robustness.corruptions.photometric import contrast
from keras_ninr.src.robustness.corruptions.photometric import fog
from keras_ninr.src.robustness.corruptions.photometric import spatter
from keras_ninr.src.robustness.corruptions.photometric import stripe
from keras_ninr.src.robustness.evaluation import accuracy
from keras_ninr.src.robustness.evaluation import check_labels

CORRUPTIONS = {
    "gaussian_noise": gaussian_noise,
    "shot_noise": shot_noise,
    "impulse_noise": impulse_noise,
    "gaussian_blur": gaussian_blur,
    "glass_blur": glass_blur,
    "motion_blur": motion_blur,
    "shear": shear,
    "scale": scale,
    "rotate": rotate,
    "translate": translate,
    "brightness": brightness,
    "contrast": contrast,
    "fog": fog,
    "spatter": spatter,
    "stripe": stripe,
}


def get(name):
    """The corruption function called `name` (a key of `CORRUPTIONS`).

    Args:
        name: A corruption name, e.g. `"shot_noise"`; case and dashes are
            ignored (`"Shot-Noise"` works).

    Returns:
        A function `(x, severity, seed=0) -> corrupted x`.

    Raises:
        ValueError: for an unknown name, listing the known ones.
    """
    key = name.lower().replace("-", "_") if isinstance(name, str) else name
    if not isinstance(key, str) or key not in CORRUPTIONS:
        raise ValueError(
            f"Unrecognized corruption name: {name!r}. Known names: "
            f"{', '.join(CORRUPTIONS)}"
        )
    return CORRUPTIONS[key]


def apply(x, name, severity, seed=0):
    """Corrupt `x` with the corruption `name` at `severity`.

    Args:
        x: Images of shape `(N, H, W)` or `(N, H, W, C)`, floats in [0, 1].
        name: A key of `CORRUPTIONS`.
        severity: Int from 1 to 5.
        seed: Int or `np.random.Generator`. Defaults to `0`.

    Returns:
        The corrupted images, the shape and dtype of `x`, in [0, 1].
    """
    return get(name)(x, severity, seed=seed)


def corruption_accuracy(
    model,
    x,
    y,
    corruptions=None,
    severities=SEVERITIES,
    seed=0,
    batch_size=1024,
):
    """Accuracy of `model` on every corruption at every severity.

    Each corrupted set of pixels is evaluated noise-free (`model.predict`,
    argmax of the outputs), as `keras_ninr.robustness.corrupted_accuracy`
    evaluates. Every corruption and severity uses the same `seed`, so
    models compared with one seed see identical inputs.

    Args:
        model: A Keras model taking [0, 1] pixels of the shape of `x` (for
            the zoo's networks, through their `Standardization` layer).
        x: Test images, `(N, H, W)` or `(N, H, W, C)`, `uint8` (0-255) or
            floats in [0, 1].
        y: Integer labels, shape `(N,)` (or one-hot, shape `(N, classes)`).
        corruptions: Names of the corruptions to run, keys of `CORRUPTIONS`
            (or one name). Defaults to `None`: all of them.
        severities: Severities to run, each from 1 to 5 (or one int).
            Defaults to `(1, 2, 3, 4, 5)`.
        seed: Int for the corruptions' randomness. Defaults to `0`.
        batch_size: Batch size of `model.predict`. Defaults to `1024`.

    Returns:
        A dict:
            `"accuracy"`: `{name: {severity: accuracy}}`;
            `"mean_accuracy"`: `{name: mean over the severities}`;
            `"mean_corruption_accuracy"`: the mean over all corruptions and
            severities;
            `"clean_accuracy"`: the accuracy on the uncorrupted images.
        Accuracies are Python floats in [0, 1].
    """
    if corruptions is None:
        corruptions = tuple(CORRUPTIONS)
    elif isinstance(corruptions, str):
        corruptions = (corruptions,)
    functions = {name: get(name) for name in corruptions}
    if not functions:
        raise ValueError(
            "Expected at least one corruption. Received: "
            f"corruptions={corruptions!r}"
        )
    if isinstance(severities, numbers.Integral):
        severities = (severities,)
    severities = tuple(check_severity(s) for s in severities)
    if not severities:
        raise ValueError(
            "Expected at least one severity. Received: "
            f"severities={severities!r}"
        )
    pixels = check_images(scale_pixels(x))
    labels = check_labels(y, len(pixels))

    def accuracy_on(images):
        return accuracy(model, images, labels, batch_size)

    clean_accuracy = accuracy_on(pixels)
    results = {}
    for name, function in functions.items():
        results[name] = {
            severity: accuracy_on(function(pixels, severity, seed=seed))
            for severity in severities
        }
    mean_accuracy = {
        name: float(np.mean(list(by_severity.values())))
        for name, by_severity in results.items()
    }
    overall = float(
        np.mean([a for values in results.values() for a in values.values()])
    )
    return {
        "accuracy": results,
        "mean_accuracy": mean_accuracy,
        "mean_corruption_accuracy": overall,
        "clean_accuracy": clean_accuracy,
    }


def corruption_table(results, digits=4):
    """A Markdown table of `corruption_accuracy`'s results.

    One row per corruption, one column per severity and a `mean` column;
    a last `mean` row averages each severity over the corruptions, its
    `mean` cell being `mean_corruption_accuracy`.

    Args:
        results: The dict `corruption_accuracy` returns (also after a JSON
            round trip, which turns severities into strings).
        digits: Decimal places of the accuracies. Defaults to `4`.

    Returns:
        The table, a string ending in a newline.
    """
    accuracy_table = {
        name: {int(s): float(a) for s, a in by_severity.items()}
        for name, by_severity in results["accuracy"].items()
    }
    severities = sorted(
        {s for values in accuracy_table.values() for s in values}
    )

    def cell(value):
        return "–" if value is None else f"{value:.{digits}f}"

    lines = [
        "| corruption | " + " | ".join(f"severity {s}" for s in severities)
        + " | mean |",
        "| --- |" + " ---: |" * (len(severities) + 1),
    ]
    for name, by_severity in accuracy_table.items():
        cells = [cell(by_severity.get(s)) for s in severities]
        cells.append(cell(float(np.mean(list(by_severity.values())))))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    severity_means = []
    for s in severities:
        values = [b[s] for b in accuracy_table.values() if s in b]
        severity_means.append(cell(float(np.mean(values))))
    overall = cell(float(results["mean_corruption_accuracy"]))
    lines.append("| mean | " + " | ".join(severity_means) + f" | {overall} |")
    return "\n".join(lines) + "\n"
