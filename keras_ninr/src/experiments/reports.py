"""Figures and tables from sweep records (paper Figs. 2, 6-9, Tables 1-2).

Every function takes records (the dicts of `keras_ninr.experiments.sweep.load_results`
or `run_sweep`) and returns a matplotlib `Figure` or a Markdown string; none
trains. Runs are grouped into methods by their config without the seed, so
each group is one curve or one row: its mean over seeds, with a band or an
error of two standard deviations (the sample standard deviation over seeds,
as the paper's "2 standard deviations estimated over 10 distinct runs").
A group of one run shows no spread. Diverged runs carry no evaluations;
they are counted, not averaged. A run whose record appears more than once
(a results file written by two sweeps before files were locked, or files
concatenated) counts once, with a warning: `unique_runs`.
"""

import json
import warnings

import numpy as np

_NETWORK_NAMES = {"fc": "FC", "fc1": "FC1", "cnn": "CNN", "vgg": "VGG"}
_DATASET_NAMES = {
    "fashion_mnist": "Fashion-MNIST",
    "mnist": "MNIST",
    "cifar10": "CIFAR-10",
    "usps": "USPS",
}
_DISTRIBUTION_NAMES = {
    "normal": "Gaussian",
    "gaussian": "Gaussian",
    "uniform": "uniform U(-σ_ε, σ_ε)",
    "double_normal": "double Gaussian (peaks at ±σ_ε)",
    "double_gaussian": "double Gaussian (peaks at ±σ_ε)",
}
_OPTIMIZER_NAMES = {"sgd": "SGD", "adam": "Adam", "rmsprop": "RMSprop"}
# Fig. 9's legend order: the plain net, NINR, then corrupted-data training.
_FIG9_ORDER = ("none", "in-ninr", "full-ninr", "cdt")


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

    Returns:
        A list of dicts: `network` (`"FC on Fashion-MNIST"`), `dataset`,
        `architecture`, `label`, `runs` (all records of the group),
        `finished` (those with status `"finished"`) and `diverged` (their
        count).
    """
    groups = {}
    for record in unique_runs(records):
        config = dict(record["config"])
        config.pop("seed", None)
        config.pop("label", None)
        # A field newer than the record is absent from it, and None (its
        # default) in newer records: the same run either way.
        config = {k: v for k, v in config.items() if v is not None}
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
    return _corruption_curves(records, title)


def noise_distribution_figure(records, title=None):
    """Fig. 7 style: corruption curves per NIN noise distribution.

    One row per network (FC above CNN, in the records' order), one column
    per `noise_distribution` of the NINR runs. Runs without NINR (no
    regularization, Dropout, ...) have no distribution: they are drawn in
    every panel of their network, as the reference.

    Args:
        records: Sweep records with a `"corruption_curve"` evaluation,
            some of them NINR runs.
        title: Optional title of the figure. Defaults to `None`.

    Returns:
        A `matplotlib.figure.Figure`.
    """
    return _corruption_curves(
        records, title, _distribution_panel, "NINR runs (a distribution)"
    )


def optimizer_figure(records, title=None):
    """Fig. 8 style: corruption curves per optimizer.

    One row per network (FC above CNN, in the records' order), one column
    per optimizer; every run, NINR or not, is drawn in the panel of the
    optimizer it was trained with.

    Args:
        records: Sweep records with a `"corruption_curve"` evaluation.
        title: Optional title of the figure. Defaults to `None`.

    Returns:
        A `matplotlib.figure.Figure`.
    """
    return _corruption_curves(records, title, _optimizer_panel, "runs")


def cifar10_figure(records, title=None):
    """Fig. 9 style: the VGG net on CIFAR-10, in one panel.

    The runs of the VGG net on CIFAR-10 (others in `records` are left
    out), one curve per method in the paper's order: no regularization,
    in-NINR and full-NINR by sigma_eps, then CDT by sigma_noise.

    Args:
        records: Sweep records with a `"corruption_curve"` evaluation.
        title: Optional title of the figure. Defaults to `None`.

    Returns:
        A `matplotlib.figure.Figure`.
    """
    records = [
        r
        for r in records
        if r["config"]["architecture"] == "vgg"
        and r["config"]["dataset"] == "cifar10"
    ]
    if not records:
        raise ValueError(
            "No records of the VGG net on CIFAR-10 (architecture 'vgg', "
            "dataset 'cifar10') to make a Fig. 9 from."
        )
    return corruption_figure(sorted(records, key=_fig9_order), title=title)


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


def clean_accuracy_table(records, sigma_noise=(0.4,), validation=None):
    """Table 2 style: clean test accuracy per method, mean ± 2σ, in %.

    Args:
        records: Sweep records with a `"clean"` evaluation.
        sigma_noise: sigma_noise values whose corrupted accuracy gets a
            column too (from the `"corruption_curve"` evaluation). Defaults
            to `(0.4,)`, Fig. 2's CDT level.
        validation: Whether to show the accuracy on the held-out part of
            the training split (the `"validation"` evaluation of runs with
            a `validation_split`, Table 2's 60/40) before the test
            accuracy. Defaults to `None`: shown if any record's config has
            a `validation_split`.

    Returns:
        A Markdown table: network, method, runs, epochs, validation
        accuracy (if shown), clean test accuracy, and accuracy at each
        `sigma_noise`.
    """
    sigma_noise = [float(sigma) for sigma in sigma_noise]
    if validation is None:
        validation = any(
            r["config"].get("validation_split") is not None for r in records
        )
    header = ["network", "method", "runs", "epochs"]
    if validation:
        header += ["validation accuracy (%)", "clean test accuracy (%)"]
    else:
        header += ["clean accuracy (%)"]
    header += [f"accuracy at σ_noise = {s:g} (%)" for s in sigma_noise]
    columns = ["validation", "clean"] if validation else ["clean"]
    rows = []
    for group in _nonempty(group_runs(records), "clean accuracy"):
        finished = group["finished"]
        row = _row_start(group)
        for name in columns:
            values = [r["evaluations"].get(name) for r in finished]
            row.append(_percent(values))
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


def _corruption_curves(records, title, panel=None, panel_kind=None):
    return _curve_figure(
        records,
        evaluation="corruption_curve",
        x_key="sigma_noise",
        xlabel="σ_noise (input corruption, Eq. 8)",
        title=title,
        panel=panel,
        panel_kind=panel_kind,
    )


def _distribution_panel(group):
    # Only NINR configs keep a noise distribution.
    name = group["runs"][0]["config"].get("noise_distribution")
    return None if name is None else _DISTRIBUTION_NAMES.get(name, name)


def _optimizer_panel(group):
    name = group["runs"][0]["config"]["optimizer"]
    return _OPTIMIZER_NAMES.get(name, name)


def _fig9_order(record):
    config = record["config"]
    regularization = config["regularization"]
    rank = (
        _FIG9_ORDER.index(regularization)
        if regularization in _FIG9_ORDER
        else len(_FIG9_ORDER)
    )
    return (
        rank,
        record.get("noise_stddev_value") or 0.0,
        config.get("cdt_sigma_noise") or 0.0,
    )


def _curve_figure(
    records, evaluation, x_key, xlabel, title, panel=None, panel_kind=None
):
    """Curves of `evaluation` per method, mean ± 2σ over seeds.

    Without `panel`: one row of panels, one per network. With `panel`, a
    function of a group that names its panel (e.g. its optimizer), or
    returns `None` for a reference drawn in every panel of its network: a
    row per network and a column per panel name (`panel_kind` says, in
    the error, which runs have one).
    """
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
    if panel is None:
        # Cells of (panel title, groups drawn in it).
        grid = [
            [
                (network, [g for g in groups if g["network"] == network])
                for network in networks
            ]
        ]
    else:
        columns = list(
            dict.fromkeys(name for name in map(panel, groups) if name)
        )
        if not columns:
            raise ValueError(
                f"No {panel_kind} with a {evaluation!r} evaluation to plot."
            )
        grid = [
            [
                (
                    f"{network}: {column}",
                    [
                        g
                        for g in groups
                        if g["network"] == network
                        and panel(g) in (column, None)
                    ],
                )
                for column in columns
            ]
            for network in networks
        ]
    rows, columns = len(grid), len(grid[0])
    figure = Figure(figsize=(5.5 * columns, 4.2 * rows))
    axes = figure.subplots(rows, columns, squeeze=False)
    for row, row_axes in zip(grid, axes):
        for (name, members), axis in zip(row, row_axes):
            axis.set_title(name)
            if panel is not None and all(panel(g) is None for g in members):
                # This network has no run of this panel: references alone
                # would read as a result.
                axis.set_axis_off()
                axis.text(0.5, 0.5, "no runs", ha="center", va="center")
                continue
            for group in members:
                _plot_group(axis, group, evaluation, x_key)
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
