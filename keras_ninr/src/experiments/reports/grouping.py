"""Runs grouped into methods: what every figure and table of a sweep shows.

Runs are grouped into methods by their config without the seed, so each
group is one curve or one row: its mean over seeds, with a band or an
error of two standard deviations (the sample standard deviation over
seeds, as the paper's "2 standard deviations estimated over 10 distinct
runs"). A group of one run shows no spread. Diverged runs carry no
evaluations; they are counted, not averaged. A run whose record appears
more than once (a results file written by two sweeps before files were
locked, or files concatenated) counts once, with a warning: `unique_runs`.
"""

import json
import warnings

import numpy as np

from keras_ninr.src.experiments.sweep.run_ids import hashed_fields
from keras_ninr.src.experiments.sweep.labels import with_readings

_NETWORK_NAMES = {"fc": "FC", "fc1": "FC1", "cnn": "CNN", "vgg": "VGG"}
_DATASET_NAMES = {
    "fashion_mnist": "Fashion-MNIST",
    "mnist": "MNIST",
    "cifar10": "CIFAR-10",
    "usps": "USPS",
}


def unique_runs(records):
    """`records` with each `run_id` once (its first record), in order.

    A run recorded twice is one run, not an extra seed: counting it twice
    would shrink the spread and inflate the number of runs. Warns naming
    the duplicated run ids. Records without a `run_id` are all kept.

    Args:
        records: Iterable of sweep records.

    Returns:
        A list of records.
    """
    unique = []
    seen = set()
    duplicated = {}
    for record in records:
        run_id = record.get("run_id")
        if run_id is None:
            unique.append(record)
        elif run_id in seen:
            duplicated[run_id] = duplicated.get(run_id, 1) + 1
        else:
            seen.add(run_id)
            unique.append(record)
    if duplicated:
        listed = ", ".join(
            f"{run_id} ({count} times)" for run_id, count in duplicated.items()
        )
        warnings.warn(
            f"{len(duplicated)} run(s) have more than one record; each "
            f"counts once (its first record): {listed}",
            stacklevel=2,
        )
    return unique


def group_runs(records):
    """Records grouped by method (config without seed), in first-seen order.

    A run with more than one record counts once (`unique_runs`).

    Args:
        records: Iterable of sweep records.

    A group's `label` is its first record's, followed by the readings of
    the paper its runs depart from (`keras_ninr.experiments.sweep.
    with_readings`): full-NINR with an eps per NIN reads "..., independent
    ε", so it never shares a name with the shared-noise runs.

    Returns:
        A list of dicts: `network` (`"FC on Fashion-MNIST"`), `dataset`,
        `architecture`, `label`, `runs` (all records of the group),
        `finished` (those with status `"finished"`) and `diverged` (their
        count).
    """
    groups = {}
    for record in unique_runs(records):
        # A field newer than the record is absent from it, and holds the
        # value the record implied (or None) in newer records of the same
        # run: `hashed_fields` leaves it out either way, as the run id does.
        config = hashed_fields(record["config"])
        config.pop("seed", None)
        config = {k: v for k, v in config.items() if v is not None}
        key = json.dumps(config, sort_keys=True)
        if key not in groups:
            label = record.get("label") or config["regularization"]
            groups[key] = {
                "network": network_name(config),
                "dataset": config["dataset"],
                "architecture": config["architecture"],
                "label": with_readings(label, record["config"]),
                "runs": [],
            }
        groups[key]["runs"].append(record)
    result = []
    for group in groups.values():
        runs = group["runs"]
        group["finished"] = [r for r in runs if r["status"] == "finished"]
        group["diverged"] = sum(r["status"] == "diverged" for r in runs)
        result.append(group)
    return result


def network_name(config):
    """`"FC on Fashion-MNIST"` for a config dict (or a record's config)."""
    architecture = _NETWORK_NAMES.get(
        config["architecture"], config["architecture"]
    )
    dataset = _DATASET_NAMES.get(config["dataset"], config["dataset"])
    return f"{architecture} on {dataset}"


def training_seconds(records):
    """Wall time spent training `records`, a replica group counted once.

    Runs trained together (`run_sweep(replicas=K)`) share their group's
    `timings.train_s`; each counts for `1 / K` of it. A run with more than
    one record counts once (`unique_runs`).
    """
    return sum(
        r["timings"]["train_s"] / (r.get("replicas") or 1)
        for r in unique_runs(records)
    )


def mean_and_spread(values):
    """`(mean, 2 * sample standard deviation)`; no spread (`None`) for one."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return None, None
    if values.size == 1:
        return float(values[0]), None
    return float(values.mean()), float(2.0 * values.std(ddof=1))


def requested(group, evaluation):
    """Whether the group's config asked for `evaluation` (diverged or not)."""
    asked = group["runs"][0]["config"].get("evaluations") or {}
    return bool(asked.get(evaluation))


def curve_point(curve, x_key, x):
    """The accuracy of `curve` at `x`, or `None` if it was not measured."""
    for value, accuracy in zip(curve[x_key], curve["accuracy"]):
        if abs(value - x) < 1e-9:
            return accuracy
    return None
