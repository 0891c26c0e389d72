"""Figures, tables and report pages made from sweep records."""

import pytest

from keras_ninr.experiments import reports
from keras_ninr.experiments import sweep


def record(regularization, seed, clean, curve=None, status="finished", **more):
    """A sweep record as `run_sweep` writes it, with made-up accuracies."""
    requested = {"clean": True}
    if curve is not None or status != "finished":
        requested["corruption_curve"] = [0.0, 0.4, 1.0]
    if "domain_shift" in more:
        requested["domain_shift"] = list(more["domain_shift"])
    for attack in ("fgsm", "pgd"):
        if attack in more:
            requested[attack] = more[attack]["epsilon"]
    fields = {
        name: more.pop(name)
        for name in (
            "architecture",
            "optimizer",
            "noise_distribution",
            "cdt_sigma_noise",
            "validation_split",
            "shared_noise",
            "weight_decay",
        )
        if name in more
    }
    config = sweep.RunConfig(
        regularization=regularization,
        seed=seed,
        noise_stddev=more.pop("noise_stddev", "decay"),
        dataset=more.pop("dataset", "fashion_mnist"),
        evaluations=requested,
        **fields,
    )
    evaluations = {}
    if status == "finished":
        evaluations = {"clean": clean, **more}
        if curve is not None:
            evaluations["corruption_curve"] = {
                "sigma_noise": [0.0, 0.4, 1.0],
                "accuracy": [clean, *curve],
            }
    return {
        "run_id": config.run_id,
        "label": config.method_label,
        "config": config.to_dict(),
        "noise_stddev_value": config.noise_stddev_value,
        "status": status,
        "epochs_run": 20 if status == "finished" else 1,
        "evaluations": evaluations,
        "timings": {"train_s": 1.0},
        "backend": "jax",
        "versions": {"keras": "3"},
        "machine": {"device": "cpu"},
    }


def three_seeds_of_two_methods():
    """Records of two methods, three seeds each, one run diverged."""
    return [
        record("none", 0, 0.80, [0.50, 0.10]),
        record("none", 1, 0.82, [0.52, 0.10]),
        record("none", 2, 0.84, [0.54, 0.10]),
        record("in-ninr", 0, 0.83, [0.70, 0.10]),
        record("in-ninr", 1, None, status="diverged"),
        record("in-ninr", 2, 0.85, [0.72, 0.10]),
    ]


@pytest.fixture
def records():
    return three_seeds_of_two_methods()


def test_clean_accuracy_table_gives_mean_and_two_sigma(records):
    table = reports.clean_accuracy_table(records, sigma_noise=(0.4,))
    lines = table.splitlines()
    assert lines[0] == (
        "| network | method | runs | epochs | clean accuracy (%) | "
        "accuracy at σ_noise = 0.4 (%) |"
    )
    # Mean 82.0; sample standard deviation of 80, 82, 84 is 2.0.
    assert lines[2] == (
        "| FC on Fashion-MNIST | None | 3 | 20 | 82.0 ± 4.0 | 52.0 ± 4.0 |"
    )
    # The diverged run is counted, not averaged.
    assert lines[3].startswith(
        "| FC on Fashion-MNIST | in-NINR (decay, σ_ε = 51.8) | "
        "3 (1 diverged) | 20 | 84.0 ± 2.8 | 71.0 ± 2.8 |"
    )
    with pytest.raises(ValueError, match="No records"):
        reports.clean_accuracy_table([])


def test_domain_shift_table(records):
    shifted = [
        record("none", seed, 0.97, dataset="mnist", domain_shift={"lecun": a})
        for seed, a in enumerate((0.80, 0.84))
    ]
    table = reports.domain_shift_table(shifted + records)
    header, _, row = table.splitlines()
    assert header == (
        "| network | method | runs | epochs | clean accuracy (%) | "
        "USPS accuracy, lecun (%) |"
    )
    assert row == "| FC on MNIST | None | 2 | 20 | 97.0 ± 0.0 | 82.0 ± 5.7 |"
    # The paper's number (Table 1) beside the measured ones, "-" where the
    # paper has none for a row's method.
    paper = {("fc", "None"): "82.3 ± 2.0"}
    header, _, row = reports.domain_shift_table(shifted, paper=paper).splitlines()
    assert header.endswith("| USPS accuracy, lecun (%) | paper: USPS accuracy (%) |")
    assert row.endswith("| 82.0 ± 5.7 | 82.3 ± 2.0 |")
    other = {("cnn", "None"): "80.3 ± 4.8"}
    assert reports.domain_shift_table(shifted, paper=other).splitlines()[-1].endswith(
        "| 82.0 ± 5.7 | - |"
    )


def test_attack_table_gives_each_attack_at_each_measured_epsilon():
    # Fig. 6's page: its curves as numbers, where a run measured them.
    def attacked(seed, fgsm, pgd):
        curves = {
            name: {"epsilon": [0.0, 0.05, 0.1], "accuracy": [0.9, *values]}
            for name, values in (("fgsm", fgsm), ("pgd", pgd))
        }
        return record("none", seed, 0.9, **curves)

    runs = [attacked(0, (0.40, 0.10), (0.30, 0.02)), attacked(1, (0.44, 0.14), (0.34, 0.04))]
    header, _, row = reports.attack_table(runs, epsilons=(0.05, 0.1, 0.3)).splitlines()
    assert header == (
        "| network | method | runs | epochs | clean accuracy (%) | "
        "FGSM accuracy at ε = 0.05 (%) | FGSM accuracy at ε = 0.1 (%) | "
        "PGD accuracy at ε = 0.05 (%) | PGD accuracy at ε = 0.1 (%) |"
    )
    # Mean 42.0, sample standard deviation 2.83 (2σ = 5.7).
    assert row == (
        "| FC on Fashion-MNIST | None | 2 | 20 | 90.0 ± 0.0 | 42.0 ± 5.7 | "
        "12.0 ± 5.7 | 32.0 ± 5.7 | 3.0 ± 2.8 |"
    )
    only_fgsm = reports.attack_table(runs, attacks=("fgsm",)).splitlines()[0]
    assert "PGD" not in only_fgsm


def test_figures_are_made_from_records_alone(records):
    from matplotlib.figure import Figure

    figure = reports.corruption_figure(records, title="test")
    assert isinstance(figure, Figure)
    (axis,) = figure.axes
    labels = [line.get_label() for line in axis.get_lines()]
    assert labels == [
        "None (n=3)",
        "in-NINR (decay, σ_ε = 51.8) (n=2, 1 diverged)",
    ]
    assert list(axis.get_lines()[0].get_ydata()) == pytest.approx(
        [0.82, 0.52, 0.10]
    )
    assert len(axis.collections) == 2  # A ±2σ band per method.

    attacked = [
        record(
            "none", seed, 0.8, fgsm={"epsilon": [0, 0.1], "accuracy": [0.8, a]}
        )
        for seed, a in enumerate((0.3, 0.4))
    ]
    figure = reports.attack_figure(attacked, attack="fgsm")
    assert list(figure.axes[0].get_lines()[0].get_ydata()) == pytest.approx(
        [0.8, 0.35]
    )
    with pytest.raises(ValueError, match="pgd"):
        reports.attack_figure(attacked, attack="pgd")
    with pytest.raises(ValueError, match="attack"):
        reports.attack_figure(attacked, attack="cw")


def test_clean_accuracy_table_shows_validation_and_test_columns(records):
    split = [
        record("none", seed, test, validation_split=0.4, validation=valid)
        for seed, (valid, test) in enumerate([(0.90, 0.80), (0.92, 0.84)])
    ]
    header, _, row = reports.clean_accuracy_table(
        split, sigma_noise=()
    ).splitlines()
    assert header == (
        "| network | method | runs | epochs | validation accuracy (%) | "
        "clean test accuracy (%) |"
    )
    assert row == (
        "| FC on Fashion-MNIST | None | 2 | 20 | 91.0 ± 2.8 | 82.0 ± 5.7 |"
    )
    # Runs without a split show "-" in the validation column if forced.
    lines = reports.clean_accuracy_table(
        records, sigma_noise=(), validation=True
    ).splitlines()
    assert lines[2] == (
        "| FC on Fashion-MNIST | None | 3 | 20 | - | 82.0 ± 4.0 |"
    )
    # And hidden if asked.
    assert "validation" not in reports.clean_accuracy_table(
        split, validation=False
    )


def test_records_older_than_validation_split_group_with_new_ones(records):
    old = [dict(r, config=dict(r["config"])) for r in records[:2]]
    for r in old:
        del r["config"]["validation_split"]  # Written before the field.
    table = reports.clean_accuracy_table(old + records[2:3])
    assert "| FC on Fashion-MNIST | None | 3 | 20 | 82.0 ± 4.0 |" in table


def without_new_fields(record_):
    """`record_` as written before `shared_noise` and `weight_decay`."""
    config = {
        k: v
        for k, v in record_["config"].items()
        if k not in ("shared_noise", "weight_decay")
    }
    return dict(record_, config=config)


def test_runs_of_two_readings_never_share_a_name():
    # Full-NINR and L2 records from before the readings changed (an eps
    # per NIN; L2(2.5e-4)), the same runs made today with those readings
    # spelt out, and runs of today's readings (one shared eps; L2(5e-4)).
    old_full = record("full-ninr", 0, 0.80, [0.6, 0.1], shared_noise=False)
    old_l2 = record("l2", 0, 0.80, [0.5, 0.1], weight_decay=2.5e-4)
    runs = [
        without_new_fields(old_full),
        record("full-ninr", 1, 0.82, [0.6, 0.1], shared_noise=False),
        record("full-ninr", 0, 0.84, [0.7, 0.1]),
        without_new_fields(old_l2),
        record("l2", 1, 0.82, [0.5, 0.1], weight_decay=2.5e-4),
        record("l2", 0, 0.86, [0.5, 0.1]),
    ]
    # The records' stored labels were made before the readings were named.
    runs[0]["label"] = runs[2]["label"]
    runs[3]["label"] = runs[5]["label"]
    groups = reports.group_runs(runs)
    assert [(g["label"], len(g["runs"])) for g in groups] == [
        ("full-NINR (decay, σ_ε = 16.4), independent ε", 2),
        ("full-NINR (decay, σ_ε = 16.4)", 1),
        ("L2, penalty 0.00025·Σw²", 2),
        ("L2", 1),
    ]
    table = reports.clean_accuracy_table(runs)
    assert "| full-NINR (decay, σ_ε = 16.4), independent ε | 2 |" in table
    assert "| full-NINR (decay, σ_ε = 16.4) | 1 |" in table


def test_standardized_curves_get_their_columns_and_figure(records):
    both = []
    for r in records[:3]:
        r = dict(r, config=dict(r["config"]), evaluations=dict(r["evaluations"]))
        r["config"]["evaluations"] = dict(
            r["config"]["evaluations"],
            corruption_curve_standardized=[0.0, 0.4, 1.0],
        )
        r["evaluations"]["corruption_curve_standardized"] = {
            "sigma_noise": [0.0, 0.4, 1.0],
            "accuracy": [r["evaluations"]["clean"], 0.7, 0.2],
        }
        both.append(r)
    header, _, row = reports.clean_accuracy_table(both).splitlines()
    assert header.endswith(
        "| accuracy at σ_noise = 0.4 (%) | "
        "accuracy at σ_noise = 0.4, standardised space (%) |"
    )
    assert row.endswith("| 52.0 ± 4.0 | 70.0 ± 0.0 |")
    # Records without the standardised curve keep their table.
    assert "standardised" not in reports.clean_accuracy_table(records)
    figure = reports.corruption_figure(both, space="standardized")
    assert list(figure.axes[0].get_lines()[0].get_ydata()) == pytest.approx(
        [0.82, 0.7, 0.2]
    )
    assert "standardised" in figure.axes[0].get_xlabel()
    with pytest.raises(ValueError, match="corruption_curve_standardized"):
        reports.corruption_figure(records, space="standardized")
    with pytest.raises(ValueError, match="space='latent'"):
        reports.corruption_figure(records, space="latent")


def curve_labels(axis):
    return [line.get_label() for line in axis.get_lines()]


def test_noise_distribution_figure_has_a_panel_per_distribution():
    fc_cnn = [
        record("none", 0, 0.80, [0.5, 0.1]),
        record("none", 1, 0.82, [0.5, 0.1]),
        record("in-ninr", 0, 0.8, [0.6, 0.1], noise_distribution="uniform"),
        record("in-ninr", 1, 0.8, [0.7, 0.1], noise_distribution="uniform"),
        record(
            "in-ninr", 0, 0.8, [0.6, 0.1], noise_distribution="double_normal"
        ),
        record("none", 0, 0.80, [0.5, 0.1], architecture="cnn"),
        record(
            "in-ninr",
            0,
            0.8,
            [0.6, 0.1],
            architecture="cnn",
            noise_distribution="uniform",
        ),
    ]
    figure = reports.noise_distribution_figure(fc_cnn, title="Fig. 7")
    axes = figure.axes
    uniform = "uniform U(-σ_ε, σ_ε)"
    double = "symmetric double Gaussian (peaks at ±σ_ε)"
    assert [axis.get_title() for axis in axes] == [
        f"FC on Fashion-MNIST: {uniform}",
        f"FC on Fashion-MNIST: {double}",
        f"CNN on Fashion-MNIST: {uniform}",
        f"CNN on Fashion-MNIST: {double}",
    ]
    # No regularization is the reference in every panel of its network.
    assert curve_labels(axes[0]) == [
        "None (n=2)",
        "in-NINR (decay, σ_ε = 51.8, uniform) (n=2)",
    ]
    assert list(axes[0].get_lines()[1].get_ydata()) == pytest.approx(
        [0.8, 0.65, 0.1]
    )
    assert len(axes[0].collections) == 2  # A ±2σ band per curve.
    assert curve_labels(axes[1]) == [
        "None (n=2)",
        "in-NINR (decay, σ_ε = 51.8, double_normal) (n=1)",
    ]
    assert curve_labels(axes[2])[1] == (
        "in-NINR (decay, σ_ε = 2.8, uniform) (n=1)"
    )
    # The CNN has no double-Gaussian run: an empty panel, not the reference.
    assert curve_labels(axes[3]) == []
    assert not axes[3].axison
    with pytest.raises(ValueError, match="NINR"):
        reports.noise_distribution_figure(fc_cnn[:2])


def test_optimizer_figure_has_a_panel_per_optimizer():
    runs = [
        record("none", 0, 0.80, [0.5, 0.1]),
        record("none", 0, 0.70, [0.4, 0.1], optimizer="adam"),
        record("in-ninr", 0, 0.75, [0.6, 0.1], optimizer="adam"),
        record(
            "in-ninr",
            0,
            0.75,
            [0.6, 0.1],
            optimizer="rmsprop",
            architecture="cnn",
        ),
    ]
    axes = reports.optimizer_figure(runs).axes
    assert [axis.get_title() for axis in axes] == [
        "FC on Fashion-MNIST: SGD",
        "FC on Fashion-MNIST: Adam",
        "FC on Fashion-MNIST: RMSprop",
        "CNN on Fashion-MNIST: SGD",
        "CNN on Fashion-MNIST: Adam",
        "CNN on Fashion-MNIST: RMSprop",
    ]
    # Every run, NINR or not, in its own optimizer's panel only.
    assert curve_labels(axes[0]) == ["None (n=1)"]
    assert curve_labels(axes[1]) == [
        "None (n=1)",
        "in-NINR (decay, σ_ε = 115.8) (n=1)",
    ]
    assert list(axes[1].get_lines()[0].get_ydata()) == pytest.approx(
        [0.7, 0.4, 0.1]
    )
    assert curve_labels(axes[5]) == ["in-NINR (decay, σ_ε = 19.6) (n=1)"]
    assert [axis.axison for axis in axes] == [
        True, True, False, False, False, True,
    ]


def test_cifar10_figure_is_one_panel_in_the_papers_order():
    vgg = dict(dataset="cifar10", architecture="vgg")
    runs = [
        record("cdt", 0, 0.7, [0.6, 0.1], cdt_sigma_noise=0.4, **vgg),
        record("in-ninr", 0, 0.8, [0.5, 0.1], noise_stddev="catapult", **vgg),
        record("cdt", 0, 0.7, [0.5, 0.1], cdt_sigma_noise=0.2, **vgg),
        record("none", 0, 0.8, [0.3, 0.1], **vgg),
        record("in-ninr", 0, 0.8, [0.5, 0.1], **vgg),
        record("none", 0, 0.8, [0.3, 0.1]),  # FC on Fashion-MNIST: left out.
    ]
    (axis,) = reports.cifar10_figure(runs, title="Fig. 9").axes
    assert axis.get_title() == "VGG on CIFAR-10"
    assert curve_labels(axis) == [
        "None (n=1)",
        "in-NINR (decay, σ_ε = 17.5) (n=1)",
        "in-NINR (catapult, σ_ε = 55.4) (n=1)",
        "CDT (σ_noise = 0.2) (n=1)",
        "CDT (σ_noise = 0.4) (n=1)",
    ]
    with pytest.raises(ValueError, match="VGG net on CIFAR-10"):
        reports.cifar10_figure(runs[-1:])


def test_a_run_recorded_twice_counts_once_with_a_warning(records):
    twice = [r for r in records for _ in range(2)]
    with pytest.warns(UserWarning) as caught:
        table = reports.clean_accuracy_table(twice)
    assert table == reports.clean_accuracy_table(records)
    (warning,) = caught
    message = str(warning.message)
    assert "6 run(s) have more than one record" in message
    assert all(f"{r['run_id']} (2 times)" in message for r in records)

    with pytest.warns(UserWarning, match="more than one record"):
        groups = reports.group_runs(twice)
    assert [len(g["runs"]) for g in groups] == [3, 3]
    assert [g["diverged"] for g in groups] == [0, 1]
    with pytest.warns(UserWarning, match="more than one record"):
        assert reports.training_seconds(twice) == 6.0
    with pytest.warns(UserWarning, match="more than one record"):
        figure = reports.corruption_figure(twice)
    assert curve_labels(figure.axes[0]) == [
        "None (n=3)",
        "in-NINR (decay, σ_ε = 51.8) (n=2, 1 diverged)",
    ]
    shifted = [
        record("none", seed, 0.97, dataset="mnist", domain_shift={"lecun": a})
        for seed, a in enumerate((0.80, 0.84))
    ]
    with pytest.warns(UserWarning, match="more than one record"):
        table = reports.domain_shift_table(shifted + shifted[:1])
    assert table == reports.domain_shift_table(shifted)


def test_write_report_lays_out_header_figures_then_tables(records, tmp_path):
    figure = reports.corruption_figure(records)
    written = reports.write_report(
        tmp_path / "out",
        "page.md",
        ["# Title", ""],
        figures=[("curves.png", "corruption", figure)],
        tables=[
            ("## Saved", "| a |\n", "saved.md"),
            ("Only on the page:", "| b |\n", None),
        ],
    )
    out = tmp_path / "out"
    assert written == [
        str(out / "curves.png"),
        str(out / "saved.md"),
        str(out / "page.md"),
    ]
    assert (out / "curves.png").stat().st_size > 0
    assert (out / "saved.md").read_text() == "| a |\n"
    assert (out / "page.md").read_text() == (
        "# Title\n\n![corruption](curves.png)\n\n## Saved\n\n| a |\n\n"
        "Only on the page:\n\n| b |\n"
    )
    assert reports.provenance_lines(records) == [
        "- Runs: 6 (1 diverged)",
        "- Backend: jax",
        "- Device: cpu",
        "- Keras: 3",
        "- Training time: 6 s",
    ]
    # Runs of two commands under two backends (the FC on JAX, the CNN on
    # TensorFlow): the page says which backend trained which network.
    cnn = dict(record("none", 0, 0.9, architecture="cnn"), backend="tensorflow")
    assert reports.provenance_lines(records + [cnn])[1] == (
        "- Backend: jax (FC on Fashion-MNIST), tensorflow (CNN on Fashion-MNIST)"
    )
    # Records without a config (Fig. 3's, the phase finder's): backends only.
    bare = [
        {"backend": b, "status": "finished", "timings": {"train_s": 1.0}}
        for b in ("jax", "torch")
    ]
    assert reports.provenance_lines(bare)[1] == "- Backend: jax, torch"
    with pytest.raises(ValueError, match="figure='fig5'"):
        reports.write_results_report(records, tmp_path, "x", figure="fig5")


# Issue 23: what a report shows of what a run did not do, and of its mode.


@pytest.mark.parametrize(
    "draw",
    [
        lambda rs, title: reports.corruption_figure(rs, title=title),
        lambda rs, title: reports.attack_figure(rs, "fgsm", title=title),
    ],
)
def test_a_long_title_stays_inside_its_figure(records, draw):
    for r in records:
        r["config"]["evaluations"]["fgsm"] = [0.0, 0.1]
        if r["status"] == "finished":
            r["evaluations"]["fgsm"] = {"epsilon": [0.0, 0.1], "accuracy": [0.8, 0.4]}
    title = (
        "Fig. 2a: the FC on Fashion-MNIST (tiny settings): Eq. 8 on the "
        "standardised pixels"
    )
    figure = draw(records, title)
    figure.canvas.draw()  # The Agg canvas matplotlib's Figure comes with.
    (shown,) = [
        text for text in figure.texts
        if text.get_text().replace("\n", " ") == title
    ]
    box = shown.get_window_extent()
    assert box.x0 >= 0 and box.x1 <= figure.bbox.width
    assert box.y1 <= figure.bbox.height


def test_a_column_no_run_measured_is_left_out(records):
    # The runs measured sigma_noise 0, 0.4 and 1: a table asked for 0.6 too
    # (Fig. 2's page in a mode with fewer points) shows no column of "-".
    table = reports.clean_accuracy_table(records, sigma_noise=(0.4, 0.6))
    header = table.splitlines()[0]
    assert "σ_noise = 0.4" in header and "σ_noise = 0.6" not in header


def test_a_report_of_tiny_runs_says_so(records, tmp_path):
    # `keras-ninr report` on `reproduce --tiny`'s records: a banner, as the
    # experiment's own page has.
    for r in records:
        r["config"]["architecture_kwargs"] = {"hidden_units": [16]}
    written = reports.write_results_report(records, tmp_path / "tiny", "r.jsonl")
    page = (tmp_path / "tiny" / "report.md").read_text()
    assert "Smoke-test settings" in page.split("![")[0]
    assert written[-1].endswith("report.md")
    for r in records:
        r["config"]["architecture_kwargs"] = {}
    reports.write_results_report(records, tmp_path / "full", "r.jsonl")
    assert "Smoke-test" not in (tmp_path / "full" / "report.md").read_text()


def test_figure_2_and_table_2_pages_show_the_papers_clean_accuracy_beside_theirs():
    from keras_ninr import experiments
    from tests.examples.conftest import ROOT

    records = sweep.load_results(ROOT / "results" / "fig2b" / "results.jsonl")
    table = experiments.get("fig2b").table(records)
    header, rule, *rows = table.splitlines()
    columns = [c.strip() for c in header.strip("|").split("|")]
    measured = columns.index("clean accuracy (%)")
    assert columns[measured + 1] == "paper: clean accuracy (%)"
    by_method = {}
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        by_method[cells[1]] = cells[measured + 1]
    # Table 2's CNN row, by the kit's method names.
    assert by_method["None"] == "91.0 ± 1.0"
    assert by_method["CDT (σ_noise = 0.4)"] == "84.1 ± 6.4"
    assert by_method["full-NINR catapult (σ_ε = 62)"] == "90.0 ± 0.2"
    # A method the paper did not run shows none.
    other = dict(records[0], label="in-NINR (σ_ε = 7)", run_id="x")
    other["config"] = dict(other["config"], noise_stddev=7.0, regularization="in-ninr")
    assert "| in-NINR (σ_ε = 7) | 1 | 10 | 91.7 | - |" in experiments.get("fig2b").table([other])
