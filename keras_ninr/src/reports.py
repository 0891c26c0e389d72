"""Figures and tables from sweep records (paper Figs. 2 and 6, Tables 1-2).

Every function takes records (the dicts of `keras_ninr.sweep.load_results`
or `run_sweep`) and returns a matplotlib `Figure` or a Markdown string; none
trains. Runs are grouped into methods by their config without the seed, so
each group is one curve or one row: its mean over seeds, with a band or an
error of two standard deviations (the sample standard deviation over seeds,
as the paper's "2 standard deviations estimated over 10 distinct runs").
A group of one run shows no spread. Diverged runs carry no evaluations;
they are counted, not averaged.
"""

import json

import numpy as np

_NETWORK_NAMES = {"fc": "FC", "fc1": "FC1", "cnn": "CNN", "vgg": "VGG"}
_DATASET_NAMES = {
    "fashion_mnist": "Fashion-MNIST",
    "mnist": "MNIST",
    "cifar10": "CIFAR-10",
    "usps": "USPS",
}


def group_runs(records):
    """Records grouped by method (config without seed), in first-seen order.

    Args:
        records: Iterable of sweep records.

    Returns:
        A list of dicts: `network` (`"FC on Fashion-MNIST"`), `dataset`,
        `architecture`, `label`, `runs` (all records of the group),
        `finished` (those with status `"finished"`) and `diverged` (their
        count).
    """
    groups = {}
    for record in records:
        config = dict(record["config"])
        config.pop("seed", None)
        config.pop("label", None)
        key = json.dumps(config, sort_keys=True)
        if key not in groups:
            groups[key] = {
                "network": network_name(config),
                "dataset": config["dataset"],
                "architecture": config["architecture"],
                "label": record.get("label") or config["regularization"],
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


def mean_and_spread(values):
    """`(mean, 2 * sample standard deviation)`; no spread (`None`) for one."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return None, None
    if values.size == 1:
        return float(values[0]), None
    return float(values.mean()), float(2.0 * values.std(ddof=1))


def corruption_figure(records, title=None):
    """Fig. 2 style: test accuracy against sigma_noise (Eq. 8), per method.

    One panel per network (architecture and data set), one curve per
    method: the mean over seeds with a band of two standard deviations.

    Args:
        records: Sweep records with a `"corruption_curve"` evaluation.
        title: Optional title of the figure. Defaults to `None`.

    Returns:
        A `matplotlib.figure.Figure`.
    """
    return _curve_figure(
        records,
        evaluation="corruption_curve",
        x_key="sigma_noise",
        xlabel="σ_noise (input corruption, Eq. 8)",
        title=title,
    )


def attack_figure(records, attack="fgsm", title=None):
    """Fig. 6 style: test accuracy against the attack's epsilon, per method.

    Args:
        records: Sweep records with an `attack` evaluation.
        attack: `"fgsm"` or `"pgd"`. Defaults to `"fgsm"`.
        title: Optional title of the figure. Defaults to `None`.

    Returns:
        A `matplotlib.figure.Figure`.
    """
    if attack not in ("fgsm", "pgd"):
        raise ValueError(
            "Unrecognized `attack`. Expected one of ('fgsm', 'pgd'). "
            f"Received: attack={attack!r}"
        )
    return _curve_figure(
        records,
        evaluation=attack,
        x_key="epsilon",
        xlabel=f"{attack.upper()} ε (L∞, pixels in [0, 1])",
        title=title,
    )


def clean_accuracy_table(records, sigma_noise=(0.4,)):
    """Table 2 style: clean test accuracy per method, mean ± 2σ, in %.

    Args:
        records: Sweep records with a `"clean"` evaluation.
        sigma_noise: sigma_noise values whose corrupted accuracy gets a
            column too (from the `"corruption_curve"` evaluation). Defaults
            to `(0.4,)`, Fig. 2's CDT level.

    Returns:
        A Markdown table: network, method, runs, epochs, clean accuracy,
        and accuracy at each `sigma_noise`.
    """
    sigma_noise = [float(sigma) for sigma in sigma_noise]
    header = ["network", "method", "runs", "epochs", "clean accuracy (%)"]
    header += [f"accuracy at σ_noise = {s:g} (%)" for s in sigma_noise]
    rows = []
    for group in _nonempty(group_runs(records), "clean accuracy"):
        finished = group["finished"]
        row = _row_start(group)
        row.append(_percent([r["evaluations"].get("clean") for r in finished]))
        for sigma in sigma_noise:
            values = [
                _curve_value(r, "corruption_curve", "sigma_noise", sigma)
                for r in finished
            ]
            row.append(_percent(values))
        rows.append(row)
    return _markdown(header, rows)


def domain_shift_table(records, variants=None):
    """Table 1 style: accuracy on USPS of MNIST-trained models, in %.

    Args:
        records: Sweep records with a `"domain_shift"` evaluation.
        variants: USPS processing variants to show. Defaults to `None`:
            every variant in the records.

    Returns:
        A Markdown table: network, method, runs, epochs, clean accuracy on
        the training data set's test split, accuracy on USPS per variant.
    """
    groups = [
        group
        for group in _nonempty(group_runs(records), "domain shift")
        if _requested(group, "domain_shift")
    ]
    if not groups:
        raise ValueError("No records with a 'domain_shift' evaluation.")
    if variants is None:
        variants = []
        for group in groups:
            for variant in group["runs"][0]["config"]["evaluations"][
                "domain_shift"
            ]:
                if variant not in variants:
                    variants.append(variant)
    header = ["network", "method", "runs", "epochs", "clean accuracy (%)"]
    header += [f"USPS accuracy, {variant} (%)" for variant in variants]
    rows = []
    for group in groups:
        finished = group["finished"]
        row = _row_start(group)
        row.append(_percent([r["evaluations"].get("clean") for r in finished]))
        for variant in variants:
            row.append(
                _percent(
                    [
                        r["evaluations"].get("domain_shift", {}).get(variant)
                        for r in finished
                    ]
                )
            )
        rows.append(row)
    return _markdown(header, rows)


def _requested(group, evaluation):
    """Whether the group's config asked for `evaluation` (diverged or not)."""
    requested = group["runs"][0]["config"].get("evaluations") or {}
    return bool(requested.get(evaluation))


def _nonempty(groups, what):
    if not groups:
        raise ValueError(f"No records to make a {what} table from.")
    return groups


def _row_start(group):
    runs = len(group["runs"])
    count = f"{runs}"
    if group["diverged"]:
        count += f" ({group['diverged']} diverged)"
    epochs = [r["epochs_run"] for r in group["finished"]]
    if not epochs:
        epochs_text = "-"
    elif min(epochs) == max(epochs):
        epochs_text = f"{min(epochs)}"
    else:
        epochs_text = f"{min(epochs)}-{max(epochs)}"
    return [group["network"], group["label"], count, epochs_text]


def _percent(values):
    values = [v for v in values if v is not None]
    mean, spread = mean_and_spread(values)
    if mean is None:
        return "-"
    if spread is None:
        return f"{100 * mean:.1f}"
    return f"{100 * mean:.1f} ± {100 * spread:.1f}"


def _markdown(header, rows):
    lines = [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join("---" for _ in header) + " |",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _curve_value(record, evaluation, x_key, x):
    curve = record["evaluations"].get(evaluation)
    return _point(curve, x_key, x) if curve else None


def _point(curve, x_key, x):
    """The accuracy of `curve` at `x`, or `None` if it was not measured."""
    for value, accuracy in zip(curve[x_key], curve["accuracy"]):
        if abs(value - x) < 1e-9:
            return accuracy
    return None


def _curve_figure(records, evaluation, x_key, xlabel, title):
    from matplotlib.figure import Figure

    groups = [
        group
        for group in group_runs(records)
        if _requested(group, evaluation)
    ]
    networks = list(dict.fromkeys(group["network"] for group in groups))
    if not networks:
        raise ValueError(
            f"No records with a {evaluation!r} evaluation to plot."
        )
    figure = Figure(figsize=(5.5 * len(networks), 4.2))
    axes = figure.subplots(1, len(networks), squeeze=False)[0]
    for axis, network in zip(axes, networks):
        for group in groups:
            if group["network"] != network:
                continue
            _plot_group(axis, group, evaluation, x_key)
        axis.set_title(network)
        axis.set_xlabel(xlabel)
        axis.set_ylabel("test accuracy")
        axis.set_ylim(0.0, 1.0)
        axis.grid(True, alpha=0.3)
        axis.legend(fontsize=7, loc="lower left")
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return figure


def _plot_group(axis, group, evaluation, x_key):
    curves = [
        r["evaluations"][evaluation]
        for r in group["finished"]
        if evaluation in r["evaluations"]
    ]
    label = group["label"]
    note = [f"n={len(curves)}"]
    if group["diverged"]:
        note.append(f"{group['diverged']} diverged")
    label = f"{label} ({', '.join(note)})"
    if not curves:
        # Keeps the method in the legend, with nothing to draw.
        axis.plot([], [], label=label, linestyle="none")
        return
    # Points every run of the group measured, in the first run's order.
    xs = [
        x
        for x in curves[0][x_key]
        if all(_point(curve, x_key, x) is not None for curve in curves)
    ]
    values = np.array(
        [[_point(curve, x_key, x) for x in xs] for curve in curves],
        dtype=float,
    )
    mean = values.mean(axis=0)
    (line,) = axis.plot(xs, mean, marker="o", markersize=3, label=label)
    if len(curves) > 1:
        spread = 2.0 * values.std(axis=0, ddof=1)
        axis.fill_between(
            xs, mean - spread, mean + spread, color=line.get_color(), alpha=0.2
        )
