"""The standard corruption benchmarks: MNIST-C and CIFAR-10-C accuracy, mCE.

Beyond the paper's Sec. 3.2, whose corruption is Eq. 8's Gaussian noise:
the fixed public benchmarks whose numbers the field compares, evaluated
noise-free as the paper evaluates (Sec. 3), on [0, 1] pixels.

- MNIST-C (Mu and Gilmer 2019, https://arxiv.org/abs/1906.02337): accuracy
  per corruption (15, one severity each).
- CIFAR-10-C (Hendrycks and Dietterich 2019,
  https://arxiv.org/abs/1903.12261): accuracy per corruption and severity
  (19 x 5).

With E_{s,c}^f the error (1 - accuracy) of model f on corruption c at
severity s, and E_clean^f its clean error, Hendrycks and Dietterich's
corruption error and its relative version against a baseline model are

    CE_c = sum_s E_{s,c}^f / sum_s E_{s,c}^baseline
    relative CE_c = sum_s (E_{s,c}^f - E_clean^f)
                    / sum_s (E_{s,c}^baseline - E_clean^baseline)

and mCE, relative mCE their means over the corruptions (for CIFAR-10-C, the
paper's 15; its 4 extras are reported, not averaged). Below 1 (100%) beats
the baseline. For MNIST-C the sums have one term.

The data (original releases or TFDS) is read by `benchmark_data`.
"""

import numpy as np

from keras_ninr.src.datasets.preprocessing import scale_pixels
from keras_ninr.src.robustness import benchmark_data
from keras_ninr.src.robustness.evaluation import accuracy
from keras_ninr.src.robustness.evaluation import check_labels
from keras_ninr.src.checks import check_positive_int


def corruption_benchmark(
    model,
    benchmark,
    *,
    data_dir=None,
    source="auto",
    corruptions=None,
    clean=None,
    baseline=None,
    max_images=None,
    batch_size=1024,
):
    """Accuracy of `model` on MNIST-C or CIFAR-10-C, and its mCE.

    Args:
        model: A Keras model taking [0, 1] pixels (for the zoo's networks,
            through their `Standardization` layer). Images lose or gain
            a channel axis of size 1 to fit `model.input_shape` (an FC
            network on `(28, 28)` takes MNIST-C's `(28, 28, 1)`).
        benchmark: `"mnist_c"` or `"cifar10_c"`.
        data_dir: Optional folder holding the original release (or holding
            it as `mnist_c/`, `CIFAR-10-C/` or `cifar10_c/`), and TFDS's
            prepared data. Defaults to `None`: `$KERAS_NINR_DATA_DIR`, then
            TFDS's data folder.
        source: `"auto"` (local files, then TFDS's prepared data),
            `"files"` or `"tfds"`. Nothing is downloaded. Defaults to
            `"auto"`.
        corruptions: Names to evaluate (or one name). Defaults to `None`:
            all (`MNIST_C_CORRUPTIONS`, `CIFAR10_C_CORRUPTIONS`).
        clean: Optional `(x, y)`, the clean test set (the benchmark's
            uncorrupted images, `uint8` or [0, 1]), for the clean accuracy
            and the relative mCE. Defaults to `None`: MNIST-C's `identity`
            images if they are found, else no clean accuracy.
        baseline: Optional results of this function for the baseline
            model (e.g. the unregularised network): adds the mCE and the
            relative mCE (`mean_corruption_error`).
        max_images: Optional positive int: evaluate only the first
            `max_images` images of each corruption (and severity), for
            quick runs. Defaults to `None` (all).
        batch_size: Batch size of `model.predict`. Defaults to `1024`.

    Returns:
        A JSON-serialisable dict: `"benchmark"`, `"corruptions"` (those
        evaluated), `"summary_corruptions"` (those averaged), `"severities"`
        (`[]` for MNIST-C), `"accuracy"` (`{corruption: accuracy}`, the mean
        over severities), `"accuracy_by_severity"` (`{corruption:
        {"1": accuracy, ...}}`, CIFAR-10-C only), `"mean_corruption_accuracy"`,
        `"clean_accuracy"` (or `None`), `"images"` (images per corruption
        and severity), `"sources"` (`{corruption: where it was read}`), and
        with `baseline` the keys of `mean_corruption_error`. Accuracies are
        floats in [0, 1].

    Raises:
        ValueError: for an unknown benchmark, corruption or source.
        FileNotFoundError: when a corruption's data is found nowhere
            (the message says where it looked and how to get the data).
    """
    spec = benchmark_data.get_benchmark(benchmark)
    names = benchmark_data.check_corruptions(spec, corruptions)
    if max_images is not None:
        max_images = check_positive_int(max_images, "max_images")
    results = {
        "benchmark": spec.name,
        "corruptions": list(names),
        "summary_corruptions": [
            c for c in spec.summary_corruptions if c in names
        ]
        or list(names),
        "severities": list(spec.severities),
        "accuracy": {},
    }
    if spec.severities:
        results["accuracy_by_severity"] = {}
    images_counted = {}
    sources = {}

    def accuracy_on(images, labels):
        images = _fit_to_model(scale_pixels(images[:max_images]), model)
        labels = check_labels(np.asarray(labels[:max_images]), len(images))
        images_counted[corruption] = len(images)
        return accuracy(model, images, labels, batch_size)

    for corruption in names:
        where, parts = benchmark_data.read_corruption(
            spec, corruption, data_dir, source
        )
        sources[corruption] = where
        by_severity = {
            str(severity): accuracy_on(images, labels)
            for severity, images, labels in parts
        }
        results["accuracy"][corruption] = float(
            np.mean(list(by_severity.values()))
        )
        if spec.severities:
            results["accuracy_by_severity"][corruption] = by_severity
    results["mean_corruption_accuracy"] = float(
        np.mean(
            [results["accuracy"][c] for c in results["summary_corruptions"]]
        )
    )
    results["clean_accuracy"] = _clean_accuracy(
        model, spec, clean, data_dir, source, max_images, batch_size
    )
    results["images"] = images_counted
    results["sources"] = sources
    if baseline is not None:
        results.update(mean_corruption_error(results, baseline))
    return results


def mean_corruption_error(results, baseline):
    """Hendrycks and Dietterich's CE and mCE of `results` against `baseline`.

    Args:
        results: The dict of `corruption_benchmark` for the model.
        baseline: The same for the baseline model, on the same benchmark.

    Returns:
        A dict: `"corruption_errors"` (`{corruption: CE_c}`), `"mce"`,
        `"relative_corruption_errors"` (`{corruption: relative CE_c}`) and
        `"relative_mce"`, averaged over the summary corruptions both have.
        Ratios, 1.0 being the baseline's. A ratio whose denominator is 0
        (a perfect baseline), and the relative ones without both clean
        accuracies, are `None`.
    """
    if results.get("benchmark") != baseline.get("benchmark"):
        raise ValueError(
            "Expected `results` and `baseline` of the same benchmark. "
            f"Received: {results.get('benchmark')!r} and "
            f"{baseline.get('benchmark')!r}"
        )
    shared = [c for c in results["corruptions"] if c in baseline["accuracy"]]
    if not shared:
        raise ValueError(
            "Expected `baseline` to have some of the corruptions of "
            f"`results`. Received: {sorted(baseline['accuracy'])} and "
            f"{results['corruptions']}"
        )
    clean = results.get("clean_accuracy")
    clean_baseline = baseline.get("clean_accuracy")
    errors, relative = {}, {}
    for corruption in shared:
        model_errors, baseline_errors = _errors(results, baseline, corruption)
        errors[corruption] = _ratio(sum(model_errors), sum(baseline_errors))
        if clean is None or clean_baseline is None:
            relative[corruption] = None
            continue
        relative[corruption] = _ratio(
            sum(e - (1.0 - clean) for e in model_errors),
            sum(e - (1.0 - clean_baseline) for e in baseline_errors),
        )
    summary = [c for c in results["summary_corruptions"] if c in shared]
    summary = summary or shared
    return {
        "corruption_errors": errors,
        "mce": _mean([errors[c] for c in summary]),
        "relative_corruption_errors": relative,
        "relative_mce": _mean([relative[c] for c in summary]),
    }


def _errors(results, baseline, corruption):
    """The two models' errors at the severities both measured."""
    by_model = (results.get("accuracy_by_severity") or {}).get(corruption)
    by_baseline = (baseline.get("accuracy_by_severity") or {}).get(corruption)
    if by_model and by_baseline:
        severities = [s for s in by_model if s in by_baseline]
        if severities:
            return (
                [1.0 - by_model[s] for s in severities],
                [1.0 - by_baseline[s] for s in severities],
            )
    return (
        [1.0 - results["accuracy"][corruption]],
        [1.0 - baseline["accuracy"][corruption]],
    )


def _ratio(numerator, denominator):
    return None if denominator == 0 else float(numerator / denominator)


def _mean(values):
    if not values or any(v is None for v in values):
        return None
    return float(np.mean(values))


def _clean_accuracy(
    model, spec, clean, data_dir, source, max_images, batch_size
):
    if clean is not None:
        x, y = clean
        x = _fit_to_model(scale_pixels(np.asarray(x)[:max_images]), model)
        labels = check_labels(np.asarray(y)[:max_images], len(x))
        return accuracy(model, x, labels, batch_size)
    if spec.name != "mnist_c":
        return None
    try:  # MNIST-C's release and TFDS both carry the clean images.
        _, parts = benchmark_data.read_corruption(
            spec, "identity", data_dir, source
        )
    except FileNotFoundError:
        return None
    _, images, labels = parts[0]
    images = _fit_to_model(scale_pixels(images[:max_images]), model)
    labels = check_labels(np.asarray(labels[:max_images]), len(images))
    return accuracy(model, images, labels, batch_size)


def _fit_to_model(images, model):
    """`images` with a size-1 channel axis dropped or added for `model`."""
    try:
        shape = model.input_shape
    except (AttributeError, ValueError):
        return images
    if isinstance(shape, list):  # A model with several inputs: leave it.
        return images
    # Ranks of one sample, without the batch axis.
    model_rank, image_rank = len(shape) - 1, images.ndim - 1
    if image_rank == model_rank + 1 and images.shape[-1] == 1:
        return images[..., 0]
    if image_rank == model_rank - 1:
        return images[..., None]
    return images
