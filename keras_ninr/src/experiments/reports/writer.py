"""Reports on disk: figures as PNG files and a Markdown page that shows them.

`write_report` is the one writer: the `keras-ninr report` command and the
example scripts lay out their pages with it. `write_results_report` is the
report of a results file that `keras-ninr report` writes: Fig. 2-style
(or 7, 8, 9) corruption curves, Fig. 6-style attack curves and Table 1/2
style tables, for the evaluations the runs asked for.
"""

import os

from keras_ninr.src.experiments import catalog
from keras_ninr.src.experiments.reports import benchmarks as benchmark_functions
from keras_ninr.src.experiments.reports import figures as figure_functions
from keras_ninr.src.experiments.reports import tables as table_functions
from keras_ninr.src.experiments.reports.grouping import network_name
from keras_ninr.src.experiments.reports.grouping import training_seconds
from keras_ninr.src.experiments.reports.grouping import unique_runs
from keras_ninr.src.robustness import attacks

# The layouts of the corruption figure (`catalog.CORRUPTION_FIGURES`): its
# file and the function drawing it.
CORRUPTION_FIGURES = {
    "fig2": ("corruption.png", figure_functions.corruption_figure),
    "fig7": ("fig7.png", figure_functions.noise_distribution_figure),
    "fig8": ("fig8.png", figure_functions.optimizer_figure),
    "fig9": ("fig9.png", figure_functions.cifar10_figure),
}


def write_report(out, page, header, figures=(), tables=(), dpi=150):
    """Save figures and a Markdown page that shows them in the folder `out`.

    The page is `header`, then each figure (`![alt](file)`), then each
    table under its heading line.

    Args:
        out: Path of the folder; created if absent.
        page: File name of the Markdown page, e.g. `"report.md"`.
        header: List of Markdown lines at the top of the page (a title,
            provenance, notes).
        figures: Iterable of `(file name, alt text, matplotlib Figure)`;
            each figure is saved as `out/<file name>`. Defaults to `()`.
        tables: Iterable of `(heading, Markdown table, file name or None)`:
            the heading line (e.g. `"## Clean accuracy"`) and the table go
            on the page, and the table alone into `out/<file name>` when a
            name is given. Defaults to `()`.
        dpi: Resolution of the PNG files. Defaults to `150`.

    Returns:
        The paths written, as strings, the page last.
    """
    out = os.fspath(out)
    os.makedirs(out, exist_ok=True)
    written = []
    lines = list(header)
    for name, alt, figure in figures:
        path = os.path.join(out, name)
        figure.savefig(path, dpi=dpi)
        written.append(path)
        lines += [f"![{alt}]({name})", ""]
    for heading, table, name in tables:
        if name is not None:
            path = os.path.join(out, name)
            with open(path, "w") as f:
                f.write(table)
            written.append(path)
        lines += [heading, "", table]
    path = os.path.join(out, page)
    with open(path, "w") as f:
        f.write("\n".join(lines))
    written.append(path)
    return written


def device_name(record):
    """The accelerator a record ran on, or the CPU with its core count."""
    machine = record.get("machine") or {}
    device = machine.get("device")
    if device == "cpu" and machine.get("cpu_count"):
        return f"cpu ({machine['cpu_count']} cores, {machine.get('processor', '?')})"
    return device


def backend_text(records):
    """The backend of `records`; where they span several, each with the
    networks it trained (`"jax (FC on Fashion-MNIST), tensorflow (CNN on
    Fashion-MNIST)"`): a page may gather runs of several commands."""
    networks = {}
    for record in records:
        names = networks.setdefault(str(record.get("backend")), set())
        if record.get("config"):  # a finder's or Fig. 3's record has none
            names.add(network_name(record["config"]))
    if len(networks) == 1:
        return next(iter(networks))
    return ", ".join(
        f"{backend} ({', '.join(sorted(names))})" if names else backend
        for backend, names in sorted(networks.items())
    )


def provenance_lines(records):
    """Runs, backends, devices, Keras versions and training time of
    `records`, as Markdown list lines."""

    def values(get):
        return ", ".join(sorted({str(get(r)) for r in records}))

    diverged = sum(r["status"] == "diverged" for r in records)
    return [
        f"- Runs: {len(records)} ({diverged} diverged)",
        f"- Backend: {backend_text(records)}",
        "- Device: " + values(device_name),
        "- Keras: " + values(lambda r: (r.get("versions") or {}).get("keras")),
        f"- Training time: {training_seconds(records):.0f} s",
    ]


def write_results_report(
    records, out, source, figure="fig2", sigma_noise=(0.4,), title=None
):
    """The report of a results file: figures, tables and `report.md`.

    Draws what the runs' configs asked for (a method whose runs all
    diverged still shows, as diverged): the corruption curves
    (`corruption_curve`) in the layout `figure`, those in standardised
    space (`corruption_curve_standardized`, Fig. 2's layout), FGSM and PGD
    curves,
    the clean-accuracy table (`clean_accuracy.md`) and the domain-shift
    table (`domain_shift.md`). A run recorded twice counts once, with a
    warning (`unique_runs`). Runs of the tiny mode's narrow networks
    (`reproduce --tiny`) get its banner on the page and in the figures'
    titles: their numbers mean nothing.

    Args:
        records: Sweep records, e.g. `load_results(path)`.
        out: Path of the output folder; created if absent.
        source: What the page's title names, e.g. the results file's path.
        figure: Layout of the corruption figure, a key of
            `CORRUPTION_FIGURES`: `"fig2"` (a panel per network),
            `"fig7"` (per noise distribution), `"fig8"` (per optimizer),
            `"fig9"` (the VGG net on CIFAR-10). Defaults to `"fig2"`.
        sigma_noise: sigma_noise columns of the clean-accuracy table.
            Defaults to `(0.4,)`.
        title: Optional title of the figures. Defaults to `None`.

    Returns:
        The paths written, as strings, `report.md` last.
    """
    if figure not in CORRUPTION_FIGURES:
        raise ValueError(
            f"Unrecognized `figure`. Expected one of "
            f"{tuple(CORRUPTION_FIGURES)}. Received: figure={figure!r}"
        )
    # Warns once here, naming the runs recorded twice; the figures and
    # tables below then see each run once.
    records = unique_runs(records)
    if not records:
        raise ValueError(f"No records in {source} to report on.")
    tiny = all(
        r["config"].get("architecture_kwargs")
        == catalog.TINY_ARCHITECTURES.get(r["config"].get("architecture"))
        for r in records
    )
    if tiny:
        title = f"{title} (tiny settings)" if title else "Tiny settings"
    asked = {
        name
        for r in records
        for name, value in (r["config"].get("evaluations") or {}).items()
        if value
    }
    corruption_name, corruption_function = CORRUPTION_FIGURES[figure]
    figures = []
    if "corruption_curve" in asked:
        drawn = corruption_function(records, title=title)
        figures.append((corruption_name, "corruption_curve", drawn))
    if "corruption_curve_standardized" in asked:
        drawn = figure_functions.corruption_figure(
            records, title=title, space="standardized"
        )
        figures.append(
            ("corruption_standardized.png", "corruption_curve_standardized", drawn)
        )
    for attack in attacks.ATTACKS:
        if attack in asked:
            drawn = figure_functions.attack_figure(
                records, attack=attack, title=title
            )
            figures.append((f"{attack}.png", attack, drawn))
    if "corruption_benchmark" in asked:
        drawn = benchmark_functions.corruption_benchmark_figure(records, title=title)
        figures.append(("corruption_benchmark.png", "corruption_benchmark", drawn))
    tables = []
    if "clean" in asked:
        tables.append(
            (
                "## Clean test accuracy (Table 2 style), mean ± 2σ over "
                "seeds",
                table_functions.clean_accuracy_table(records, sigma_noise),
                "clean_accuracy.md",
            )
        )
    if "domain_shift" in asked:
        tables.append(
            (
                "## Domain shift to USPS (Table 1 style), mean ± 2σ over "
                "seeds",
                table_functions.domain_shift_table(records),
                "domain_shift.md",
            )
        )
    if "corruption_benchmark" in asked:
        tables.append(
            (
                "## Corruption benchmark (MNIST-C / CIFAR-10-C), mCE vs None",
                benchmark_functions.corruption_benchmark_table(records),
                "corruption_benchmark.md",
            )
        )
    header = [
        f"# Report of `{source}`",
        "",
        *([catalog.MODE_TEXT["tiny"], ""] if tiny else []),
        "\n".join(provenance_lines(records)),
        "",
    ]
    return write_report(out, "report.md", header, figures, tables)
