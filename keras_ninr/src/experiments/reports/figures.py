"""Figures of sweep records: the paper's Figs. 2, 6, 7, 8 and 9.

Each function takes records and returns a matplotlib `Figure` (made
without pyplot, so that no window or backend state is involved): one curve
per method, its mean over seeds with a band of two standard deviations
(`grouping`).
"""

import textwrap

import numpy as np

from keras_ninr.src.experiments.reports.grouping import curve_point
from keras_ninr.src.experiments.reports.grouping import group_runs
from keras_ninr.src.experiments.reports.grouping import requested
from keras_ninr.src.robustness import attacks

_DISTRIBUTION_NAMES = {
    "normal": "Gaussian",
    "gaussian": "Gaussian",
    "uniform": "uniform U(-σ_ε, σ_ε)",
    "double_normal": "symmetric double Gaussian (peaks at ±σ_ε)",
    "double_gaussian": "symmetric double Gaussian (peaks at ±σ_ε)",
    "asymmetric_double_normal": "asymmetric double Gaussian (3:1, mean σ_ε/2)",
    "asymmetric_double_gaussian": "asymmetric double Gaussian (3:1, mean σ_ε/2)",
}
_OPTIMIZER_NAMES = {"sgd": "SGD", "adam": "Adam", "rmsprop": "RMSprop"}
# Fig. 9's legend order: the plain net, NINR, then corrupted-data training.
_FIG9_ORDER = ("none", "in-ninr", "full-ninr", "cdt")
# Each space Eq. 8 is applied in: the evaluation and the x axis's label.
_SPACES = {
    "pixel": ("corruption_curve", "σ_noise (input corruption, Eq. 8)"),
    "standardized": (
        "corruption_curve_standardized",
        "σ_noise (Eq. 8 on the standardised pixels)",
    ),
}


def corruption_figure(records, title=None, space="pixel"):
    """Fig. 2 style: test accuracy against sigma_noise (Eq. 8), per method.

    One panel per network (architecture and data set), one curve per
    method: the mean over seeds with a band of two standard deviations.

    Args:
        records: Sweep records with the evaluation of `space`.
        title: Optional title of the figure. Defaults to `None`.
        space: Where Eq. 8 was applied: `"pixel"` (the
            `"corruption_curve"` evaluation) or `"standardized"`
            (`"corruption_curve_standardized"`). Defaults to `"pixel"`.

    Returns:
        A `matplotlib.figure.Figure`.
    """
    if space not in _SPACES:
        raise ValueError(
            f"Unrecognized `space`. Expected one of {tuple(_SPACES)}. "
            f"Received: space={space!r}"
        )
    return _corruption_curves(records, title, space=space)


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
        attack: The name of a registered attack
            (`keras_ninr.robustness.ATTACKS`), e.g. `"fgsm"` or `"pgd"`.
            Defaults to `"fgsm"`.
        title: Optional title of the figure. Defaults to `None`.

    Returns:
        A `matplotlib.figure.Figure`.
    """
    spec = attacks.get_attack(attack)
    return _curve_figure(
        records,
        evaluation=attack,
        x_key="epsilon",
        xlabel=f"{spec.title} ε ({spec.norm}, pixels in [0, 1])",
        title=title,
    )


def _corruption_curves(
    records, title, panel=None, panel_kind=None, space="pixel"
):
    evaluation, xlabel = _SPACES[space]
    return _curve_figure(
        records,
        evaluation=evaluation,
        x_key="sigma_noise",
        xlabel=xlabel,
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
        if requested(group, evaluation)
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
        suptitle(figure, title)
    figure.tight_layout()
    return figure


def suptitle(figure, title):
    """`figure.suptitle(title)`, wrapped to the figure's width.

    A page's heading with its mode and space is wider than a one-panel
    figure, and matplotlib centres a title without wrapping it: it would be
    cut at both edges.
    """
    from matplotlib import font_manager
    from matplotlib import rcParams

    points = font_manager.FontProperties(
        size=rcParams["figure.titlesize"]
    ).get_size_in_points()
    # A character of the default sans-serif font is about 0.6 em wide at
    # most; 72 points to the inch.
    characters = int(figure.get_figwidth() * 72 / (0.6 * points))
    figure.suptitle(textwrap.fill(title, width=max(characters, 20)))


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
        if all(curve_point(curve, x_key, x) is not None for curve in curves)
    ]
    values = np.array(
        [[curve_point(curve, x_key, x) for x in xs] for curve in curves],
        dtype=float,
    )
    mean = values.mean(axis=0)
    (line,) = axis.plot(xs, mean, marker="o", markersize=3, label=label)
    if len(curves) > 1:
        spread = 2.0 * values.std(axis=0, ddof=1)
        axis.fill_between(
            xs, mean - spread, mean + spread, color=line.get_color(), alpha=0.2
        )
