"""Markdown tables of sweep records: Table 1 (domain shift) and Table 2
(clean accuracy, with corrupted accuracy and a validation split) styles.

Accuracies in %, mean ± 2σ over seeds (`grouping`); a table is Markdown a
README can include.
"""

from keras_ninr.src.experiments.reports.grouping import curve_point
from keras_ninr.src.experiments.reports.grouping import group_runs
from keras_ninr.src.experiments.reports.grouping import mean_and_spread
from keras_ninr.src.experiments.reports.grouping import requested


def clean_accuracy_table(records, sigma_noise=(0.4,), validation=None, paper=None):
    """Table 2 style: clean test accuracy per method, mean ± 2σ, in %.

    Args:
        records: Sweep records with a `"clean"` evaluation.
        sigma_noise: sigma_noise values whose corrupted accuracy gets a
            column too (from the `"corruption_curve"` evaluation, and a
            second one from `"corruption_curve_standardized"` if a record
            asked for it), where some run measured it: a column no run
            measured (a mode with fewer points) would show only "-".
            Defaults to `(0.4,)`, Fig. 2's CDT level.
        validation: Whether to show the accuracy on the held-out part of
            the training split (the `"validation"` evaluation of runs with
            a `validation_split`, Table 2's 60/40) before the test
            accuracy. Defaults to `None`: shown if any record's config has
            a `validation_split`.
        paper: Optional `{(architecture, method label): text}`: the paper's
            clean accuracy for a method (e.g. Table 2's `"87.7 ± 2.6"`),
            shown in a "paper" column beside the measured one (`-` where
            a row's label is not in it).

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
    if paper is not None:
        header += ["paper: clean accuracy (%)"]
    curves = [("corruption_curve", "")]
    if any(
        (r["config"].get("evaluations") or {}).get(
            "corruption_curve_standardized"
        )
        for r in records
    ):
        curves.append(("corruption_curve_standardized", ", standardised space"))
    points = [
        (evaluation, sigma)
        for evaluation, _ in curves
        for sigma in sigma_noise
        if _measured(records, evaluation, sigma)
    ]
    spaces = dict(curves)
    header += [
        f"accuracy at σ_noise = {sigma:g}{spaces[evaluation]} (%)"
        for evaluation, sigma in points
    ]
    columns = ["validation", "clean"] if validation else ["clean"]
    rows = []
    for group in _nonempty(group_runs(records), "clean accuracy"):
        finished = group["finished"]
        row = _row_start(group)
        for name in columns:
            values = [r["evaluations"].get(name) for r in finished]
            row.append(_percent(values))
        if paper is not None:
            row.append(paper.get((group["architecture"], group["label"]), "-"))
        for evaluation, sigma in points:
            values = [
                _curve_value(r, evaluation, "sigma_noise", sigma)
                for r in finished
            ]
            row.append(_percent(values))
        rows.append(row)
    return _markdown(header, rows)


def domain_shift_table(records, variants=None, paper=None):
    """Table 1 style: accuracy on USPS of MNIST-trained models, in %.

    Args:
        records: Sweep records with a `"domain_shift"` evaluation.
        variants: USPS processing variants to show. Defaults to `None`:
            every variant in the records.
        paper: Optional `{(architecture, method label): text}`: the paper's
            USPS accuracy for a method (Table 1's `"82.3 ± 2.0"`, LeCun's
            processing), shown in a "paper" column after the measured ones
            (`-` where a row's label is not in it).

    Returns:
        A Markdown table: network, method, runs, epochs, clean accuracy on
        the training data set's test split, accuracy on USPS per variant
        (and the paper's).
    """
    groups = [
        group
        for group in _nonempty(group_runs(records), "domain shift")
        if requested(group, "domain_shift")
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
    if paper is not None:
        header += ["paper: USPS accuracy (%)"]
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
        if paper is not None:
            row.append(paper.get((group["architecture"], group["label"]), "-"))
        rows.append(row)
    return _markdown(header, rows)


def attack_table(records, epsilons=(0.05, 0.1), attacks=("fgsm", "pgd")):
    """Fig. 6 style: clean accuracy and the accuracy under each adversarial
    attack at each of `epsilons`, in %.

    Args:
        records: Sweep records with a `"clean"` evaluation and the attacks'
            (`{"epsilon": [...], "accuracy": [...]}` each).
        epsilons: Attack strengths (pixel units) that get a column, where
            some run measured them.
        attacks: The attacks' evaluation names, a column group each, where
            some run measured them.

    Returns:
        A Markdown table: network, method, runs, epochs, clean accuracy and
        one column per attack and epsilon.
    """
    points = [
        (attack, float(epsilon))
        for attack in attacks
        for epsilon in epsilons
        if any(
            _curve_value(r, attack, "epsilon", float(epsilon)) is not None
            for r in records
        )
    ]
    header = ["network", "method", "runs", "epochs", "clean accuracy (%)"]
    header += [
        f"{attack.upper()} accuracy at ε = {epsilon:g} (%)"
        for attack, epsilon in points
    ]
    rows = []
    for group in _nonempty(group_runs(records), "attack"):
        finished = group["finished"]
        row = _row_start(group)
        row.append(_percent([r["evaluations"].get("clean") for r in finished]))
        for attack, epsilon in points:
            row.append(
                _percent(
                    [_curve_value(r, attack, "epsilon", epsilon) for r in finished]
                )
            )
        rows.append(row)
    return _markdown(header, rows)


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


def _measured(records, evaluation, sigma):
    """Whether a run asked for, or has, the accuracy at `sigma`."""
    for record in records:
        asked = (record["config"].get("evaluations") or {}).get(evaluation)
        if isinstance(asked, (list, tuple)) and any(
            abs(float(s) - sigma) < 1e-9 for s in asked
        ):
            return True
        if _curve_value(record, evaluation, "sigma_noise", sigma) is not None:
            return True
    return False


def _curve_value(record, evaluation, x_key, x):
    curve = record["evaluations"].get(evaluation)
    return curve_point(curve, x_key, x) if curve else None
