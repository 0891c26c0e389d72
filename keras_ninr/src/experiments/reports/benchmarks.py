"""Tables and figures of the corruption benchmarks, MNIST-C and CIFAR-10-C.

Results are sweep records with a `"corruption_benchmark"` evaluation
(grouped into methods, mean over seeds, `grouping`), or a dict
`{method label: results of keras_ninr.robustness.corruption_benchmark}`.
The mCE and relative mCE (Hendrycks and Dietterich 2019,
`keras_ninr.robustness.mean_corruption_error`) are against a baseline
method of the same network: by default its unregularised run ("None").
"""

import numpy as np

from keras_ninr.src.experiments.reports.figures import suptitle
from keras_ninr.src.experiments.reports.grouping import group_runs
from keras_ninr.src.robustness.benchmark_data import get_benchmark
from keras_ninr.src.robustness.benchmarks import mean_corruption_error

EVALUATION = "corruption_benchmark"


def benchmark_methods(results):
    """`[(network, label, mean results, runs)]` of records or a label dict.

    A method's results are the mean over its finished runs (seeds) of every
    accuracy; `runs` counts them.
    """
    if isinstance(results, dict):
        return [
            (None, label, _check(result, label), 1)
            for label, result in results.items()
        ]
    methods = []
    for group in group_runs(results):
        finished = [
            r["evaluations"][EVALUATION]
            for r in group["finished"]
            if EVALUATION in r["evaluations"]
        ]
        if finished:
            methods.append(
                (
                    group["network"],
                    group["label"],
                    _average(finished),
                    len(finished),
                )
            )
    if not methods:
        raise ValueError(
            f"No records with a {EVALUATION!r} evaluation to report on."
        )
    return methods


def corruption_benchmark_table(results, baseline="None", digits=1):
    """A Markdown table: one column per method, one row per corruption.

    Accuracy in % per corruption (the mean over its severities), then the
    mean corruption accuracy, the clean accuracy, the mCE and the relative
    mCE in % against `baseline` (100% is the baseline's).

    Args:
        results: Sweep records, or `{label: corruption_benchmark results}`.
        baseline: The label of the baseline method (of each network),
            `None` for no mCE rows. Defaults to `"None"` (the unregularised
            run's label); where a network has no such method, its mCE cells
            are "-".
        digits: Decimal places of the percentages. Defaults to `1`.

    Returns:
        The table, a string ending in a newline.
    """
    methods = benchmark_methods(results)
    corruptions = list(
        dict.fromkeys(c for _, _, r, _ in methods for c in r["corruptions"])
    )
    title = get_benchmark(methods[0][2]["benchmark"]).title
    errors = _errors_against(methods, baseline)

    def percent(value):
        return "-" if value is None else f"{100 * value:.{digits}f}"

    header = [f"{title} corruption"] + [
        _column_name(network, label, runs, methods)
        for network, label, _, runs in methods
    ]
    rows = [
        [name] + [percent(r["accuracy"].get(name)) for _, _, r, _ in methods]
        for name in corruptions
    ]
    rows.append(
        ["mean corruption accuracy"]
        + [percent(r["mean_corruption_accuracy"]) for _, _, r, _ in methods]
    )
    rows.append(
        ["clean accuracy"]
        + [percent(r.get("clean_accuracy")) for _, _, r, _ in methods]
    )
    if baseline is not None:
        rows.append(
            [f"mCE vs {baseline}"] + [percent(e.get("mce")) for e in errors]
        )
        rows.append(
            [f"relative mCE vs {baseline}"]
            + [percent(e.get("relative_mce")) for e in errors]
        )
    lines = [
        "| " + " | ".join(header) + " |",
        "| --- |" + " ---: |" * len(methods),
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def corruption_benchmark_figure(results, title=None):
    """Accuracy per corruption, one bar per method; and, for CIFAR-10-C,
    the mean accuracy against severity.

    Args:
        results: Sweep records, or `{label: corruption_benchmark results}`.
        title: Optional title. Defaults to `None` (the benchmark's name).

    Returns:
        A `matplotlib.figure.Figure` (made without pyplot).
    """
    from matplotlib.figure import Figure

    methods = benchmark_methods(results)
    spec = get_benchmark(methods[0][2]["benchmark"])
    corruptions = list(
        dict.fromkeys(c for _, _, r, _ in methods for c in r["corruptions"])
    )
    by_severity = any(r.get("accuracy_by_severity") for _, _, r, _ in methods)
    columns = 2 if by_severity else 1
    figure = Figure(
        figsize=(max(6.0, 0.55 * len(corruptions)) + 4 * (columns - 1), 4.5)
    )
    axes = figure.subplots(
        1,
        columns,
        squeeze=False,
        gridspec_kw={"width_ratios": [3, 1][:columns]},
    )[0]
    width = 0.8 / len(methods)
    positions = np.arange(len(corruptions))
    for index, (network, label, result, runs) in enumerate(methods):
        name = _column_name(network, label, runs, methods)
        values = [result["accuracy"].get(c, np.nan) for c in corruptions]
        axes[0].bar(
            positions + (index - (len(methods) - 1) / 2) * width,
            values,
            width,
            label=name,
        )
        if by_severity and result.get("accuracy_by_severity"):
            severities = [str(s) for s in spec.severities]
            means = [
                np.mean(
                    [
                        result["accuracy_by_severity"][c][s]
                        for c in result["summary_corruptions"]
                        if s in result["accuracy_by_severity"].get(c, {})
                    ]
                )
                for s in severities
            ]
            axes[1].plot(
                [int(s) for s in severities], means, marker="o", label=name
            )
    axes[0].set_xticks(positions)
    axes[0].set_xticklabels(corruptions, rotation=60, ha="right", fontsize=8)
    axes[0].set_ylabel("accuracy")
    axes[0].set_ylim(0.0, 1.0)
    axes[0].grid(True, axis="y", alpha=0.3)
    axes[0].legend(fontsize=7)
    if by_severity:
        axes[1].set_xlabel("severity")
        axes[1].set_ylabel("mean corruption accuracy")
        axes[1].set_ylim(0.0, 1.0)
        axes[1].set_xticks(list(spec.severities))
        axes[1].grid(True, alpha=0.3)
    suptitle(figure, title or spec.title)
    figure.tight_layout()
    return figure


def _check(result, label):
    if not isinstance(result, dict) or "accuracy" not in result:
        raise ValueError(
            "Expected results of `keras_ninr.robustness.corruption_benchmark` "
            f"for each method. Received for {label!r}: {result!r:.200}"
        )
    return result


def _average(results):
    """The mean over runs of every accuracy of `corruption_benchmark` results."""
    if len(results) == 1:
        return results[0]
    first = results[0]
    mean = dict(first)
    mean["accuracy"] = {
        c: float(np.mean([r["accuracy"][c] for r in results]))
        for c in first["accuracy"]
    }
    if first.get("accuracy_by_severity"):
        mean["accuracy_by_severity"] = {
            c: {
                s: float(
                    np.mean([r["accuracy_by_severity"][c][s] for r in results])
                )
                for s in by_severity
            }
            for c, by_severity in first["accuracy_by_severity"].items()
        }
    for key in ("mean_corruption_accuracy", "clean_accuracy"):
        values = [r.get(key) for r in results]
        mean[key] = None if None in values else float(np.mean(values))
    return mean


def _errors_against(methods, baseline):
    """`mean_corruption_error` of each method against its network's baseline."""
    if baseline is None:
        return [{} for _ in methods]
    references = {
        network: result
        for network, label, result, _ in methods
        if label == baseline
    }
    return [
        (
            mean_corruption_error(result, references[network])
            if network in references
            else {}
        )
        for network, _, result, _ in methods
    ]


def _column_name(network, label, runs, methods):
    networks = {m[0] for m in methods}
    name = (
        label
        if len(networks) == 1 or network is None
        else f"{network}: {label}"
    )
    return f"{name} (n={runs})" if runs > 1 else name
