"""`keras-ninr reproduce`: every paper experiment as a definition, run by name.

Each experiment runs end to end in its tiny mode (narrowed to one or two
runs) on a fixture data folder in the real layouts, in-process, writing its
results file and its page; the definitions still hold the runs of the
committed results (a rerun resumes them), and those results render through
the experiments' report writer.
"""

import dataclasses
import json

import pytest

from keras_ninr import experiments
from keras_ninr.experiments import cli
from keras_ninr.experiments import sweep
from tests.examples.conftest import ROOT

PAPER = [
    "fig2a", "fig2b", "fig3", "fig6", "fig7", "fig8", "fig9", "table1",
    "table2", "phase-boundaries",
]

# Each tiny run narrowed to what still crosses every part of its
# definition (the page, its figures, the NINR path), to stay in seconds.
TINY = {
    "fig2a": ([], ["fig2a_tiny.md", "fig2a_tiny.png", "fig2a_standardized_tiny.png"], 2),
    "fig2b": (["--methods", "full-ninr-catapult"], ["fig2b_tiny.md", "fig2b_tiny.png"], 1),
    "table2": (["--architectures", "fc", "--methods", "cdt-0.2"], ["table2_tiny.md"], 1),
    "fig6": (
        ["--architectures", "cnn", "--methods", "in-ninr"],
        ["fig6_tiny.md", "fig6_fgsm_tiny.png", "fig6_pgd_tiny.png"],
        1,
    ),
    "fig7": (
        ["--architectures", "fc", "--methods", "full-ninr-decay", "--distributions", "uniform"],
        ["fig7_tiny.md", "fig7_tiny.png"],
        1,
    ),
    "fig8": (
        ["--architectures", "cnn", "--methods", "in-ninr-decay", "--optimizers", "adam"],
        ["fig8_tiny.md", "fig8_tiny.png"],
        1,
    ),
    "fig9": (["--methods", "in-ninr-decay", "--train-size", "256"], ["fig9_tiny.md", "fig9_tiny.png"], 1),
    "table1": (["--architectures", "fc"], ["table1_tiny.md"], 2),
    "fig3": (["--train-size", "600", "--epochs", "2"], ["fig3_tiny.md", "fig3_tiny.png"], 4),
    "phase-boundaries": (
        ["--train-size", "640", "--steps", "4"],
        ["phase_boundaries_tiny.md"],
        None,
    ),
    "mnist-c": (["--architectures", "fc"], ["mnist_c_tiny.md", "mnist_c_tiny.png"], 2),
    "cifar10-c": (["--methods", "none", "--train-size", "256"], ["cifar10_c_tiny.md", "cifar10_c_tiny.png"], 1),
}


def reproduce(*argv):
    return cli.main(["reproduce", *map(str, argv)])


def read_results(folder):
    lines = (folder / "results.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def test_list_names_every_paper_experiment(capsys):
    assert reproduce("--list") == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert set(PAPER) <= set(listed)
    assert set(listed) == set(experiments.EXPERIMENTS)


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.slow_on_jax) if n in ("fig9", "cifar10-c") else n
        for n in [*PAPER, "mnist-c", "cifar10-c"]
    ],
)
def test_each_experiment_runs_tiny_and_writes_results_and_page(
    name, tmp_path, fixture_data_dir, capsys
):
    arguments, written, runs = TINY[name]
    out = tmp_path / name
    argv = [name, "--tiny", "--out", out, "--data-dir", fixture_data_dir, "--no-progress", *arguments]
    assert reproduce(*argv) == 0
    records = read_results(out)
    if runs is not None:
        assert len(records) == runs
    for file_name in written:
        assert (out / file_name).stat().st_size > 0, file_name
    page = (out / written[0]).read_text()
    assert "Smoke-test settings" in page
    assert f"keras-ninr reproduce {name} --tiny --out {out}" in page
    assert "Backend: " in page
    assert "Wrote: " in capsys.readouterr().out
    if name in ("mnist-c", "cifar10-c"):
        assert "mCE" in page and "| brightness |" in page
    # Every experiment, whatever its kind, writes the same page again from
    # its records alone (the protocol's `write_page`).
    (out / written[0]).unlink()
    assert reproduce(*argv, "--page-only") == 0
    assert (out / written[0]).read_text() == page
    assert read_results(out) == records


def test_a_rerun_trains_nothing_and_keeps_the_results(tmp_path, fixture_data_dir, capsys):
    argv = ["fig2a", "--tiny", "--out", tmp_path, "--data-dir", fixture_data_dir, "--no-progress"]
    assert reproduce(*argv, "--methods", "none") == 0
    before = (tmp_path / "results.jsonl").read_text()
    assert reproduce(*argv, "--methods", "none") == 0
    assert (tmp_path / "results.jsonl").read_text() == before
    # --page-only trains nothing and writes the page of the runs so far,
    # saying how many of the experiment's runs it shows.
    assert reproduce(*argv, "--page-only") == 0
    assert (tmp_path / "results.jsonl").read_text() == before
    page = (tmp_path / "fig2a_tiny.md").read_text()
    assert "**Partial: 1 of 2 runs so far**" in page
    assert "--page-only" not in page and "--no-progress" not in page
    assert "- Runs ended by 98% training accuracy: 0; the epoch cap: 1 (of 1)." in page
    # A wider rerun trains only what is missing; its page is whole.
    assert reproduce(*argv) == 0
    records = read_results(tmp_path)
    assert [r["config"]["regularization"] for r in records] == ["none", "in-ninr"]
    page = (tmp_path / "fig2a_tiny.md").read_text()
    assert "Partial" not in page and "--no-progress" not in page


def test_page_only_without_runs_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        reproduce("fig2b", "--tiny", "--out", tmp_path, "--page-only")
    assert stop.value.code == 2
    assert "--page-only: no run of this experiment in" in capsys.readouterr().err


def test_overrides_change_the_protocol_and_bad_ones_are_named():
    fig2b = experiments.get("fig2b")
    configs = fig2b.configs("full", epochs=20)
    assert {c.epochs for c in configs} == {20}
    assert {c.seed for c in configs} == {0, 1, 2}
    assert {c.train_size for c in configs} == {None}
    assert len(configs) == 3 * len(fig2b.methods)
    with pytest.raises(ValueError, match="'full-ninr-typo'"):
        fig2b.configs("quick", methods=["full-ninr-typo"])
    with pytest.raises(ValueError, match=r"\['learning_rate'\]"):
        fig2b.configs("quick", learning_rate=0.1)
    with pytest.raises(ValueError, match="mode='fast'"):
        fig2b.configs("fast")
    with pytest.raises(ValueError, match="Unrecognized experiment name: 'fig2c'"):
        experiments.get("fig2c")
    with pytest.raises(ValueError, match="variants"):
        experiments.get("table1").configs("quick", variants=["lecun", "crop"])


def test_fig2a_measures_eq8_in_both_spaces_unless_told():
    fig2a = experiments.get("fig2a")
    both = fig2a.configs("quick")
    assert {tuple(c.evaluations) for c in both} == {
        ("clean", "corruption_curve", "corruption_curve_standardized")
    }
    assert both[0].evaluations["corruption_curve_standardized"] == (
        both[0].evaluations["corruption_curve"]
    )
    pixel = fig2a.configs("quick", spaces=["pixel"])
    assert {tuple(c.evaluations) for c in pixel} == {("clean", "corruption_curve")}
    with pytest.raises(ValueError, match="spaces"):
        fig2a.configs("quick", spaces=["latent"])


def test_fig7_runs_both_double_gaussians_and_names_them():
    configs = experiments.get("fig7").configs("full")
    labels = {c.method_label for c in configs if c.architecture == "cnn" and c.seed == 0}
    assert "full-NINR catapult (σ_ε = 27.3), symmetric double Gaussian" in labels
    assert "full-NINR catapult (σ_ε = 27.3), asymmetric double Gaussian" in labels
    assert "in-NINR decay (σ_ε = 2.8), uniform" in labels
    assert {c.noise_distribution for c in configs} == {
        None, "double_normal", "asymmetric_double_normal", "uniform"
    }


def test_fig8_has_the_fc_full_ninr_presets_of_the_table3_rule():
    configs = experiments.get("fig8").configs("full")
    fc = {
        (c.optimizer, c.method_label)
        for c in configs
        if c.architecture == "fc" and c.regularization == "full-ninr"
    }
    assert fc == {
        ("adam", "full-NINR decay (σ_ε = 36.7), Adam"),
        ("adam", "full-NINR catapult (σ_ε = 115.8), Adam"),
        ("rmsprop", "full-NINR decay (σ_ε = 366.7), RMSprop"),
        ("rmsprop", "full-NINR catapult (σ_ε = 1158.3), RMSprop"),
    }


def test_independent_noise_is_a_reading_of_its_own():
    fig2b = experiments.get("fig2b")
    shared = fig2b.configs("quick")
    independent = fig2b.configs("quick", independent_noise=True)
    for a, b in zip(shared, independent):
        # Only full-NINR changes: its run id and its name.
        assert (a.run_id == b.run_id) is (a.regularization != "full-ninr")
        if a.regularization == "full-ninr":
            assert (a.shared_noise, b.shared_noise) == (True, False)
            assert b.method_label == a.method_label + ", independent ε"
    boundaries = experiments.get("phase-boundaries")
    assert boundaries.settings("quick", independent_noise=True)["independent_noise"]
    assert boundaries.settings("quick", sigmas=[1.0, 10.0])["sigmas"] == [1.0, 10.0]


def test_table1_is_the_papers_protocol():
    # Sec. 3.2.2: up to 100% training accuracy; Table 1's methods (no CDT),
    # the catapult ones included; LeCun's processing beside "pad".
    configs = experiments.get("table1").configs("full")
    assert {c.target_accuracy for c in configs} == {1.0}
    assert {c.dataset for c in configs} == {"mnist"}
    assert "cdt" not in {c.regularization for c in configs}
    fc = {c.method_label for c in configs if c.architecture == "fc" and c.seed == 0}
    assert "in-NINR catapult (σ_ε = 133)" in fc
    assert "full-NINR catapult (σ_ε = 31.6)" in fc
    assert {tuple(c.evaluations["domain_shift"]) for c in configs} == {("lecun", "pad")}
    # Its page's "paper" column: Table 1's USPS numbers by method, the
    # kit's and the paper's σ_ε of a method both under the paper's row.
    paper = experiments.get("table1").table.keywords["paper"]
    assert paper[("fc", "None")] == "82.3 ± 2.0"
    assert paper[("cnn", "in-NINR catapult (σ_ε = 87.5)")] == "88.5 ± 3.4"
    assert paper[("fc", "full-NINR catapult (σ_ε = 31.6)")] == "83.3 ± 1.4"
    assert paper[("fc", "full-NINR catapult (σ_ε = 51.8)")] == "83.3 ± 1.4"
    assert all(label != "CDT" for _, label in paper)


def test_table2_holds_out_40_percent_and_has_both_cdt_levels():
    configs = experiments.get("table2").configs("full")
    assert {c.validation_split for c in configs} == {0.4}
    cdt = {c.cdt_sigma_noise for c in configs if c.regularization == "cdt"}
    assert cdt == {0.2, 0.4}


def test_fig2_takes_table2s_split_as_the_other_reading():
    # docs/choices.md: Fig. 2 and Table 2 as one run set is one option away.
    table2 = experiments.get("table2").configs("full", architectures=["cnn"])
    fig2b = experiments.get("fig2b")
    split = fig2b.configs("full", validation_split=0.4)
    assert {c.validation_split for c in split} == {0.4}
    assert {c.validation_split for c in fig2b.configs("full")} == {None}
    # Table 2's runs are then trainings of Fig. 2b's (every field the same
    # but what is evaluated after training); Table 2 adds CDT at 0.2.
    def training(config):
        return {**config.to_dict(), "evaluations": None, "label": None}

    trained = [training(c) for c in split]
    alike = [c for c in table2 if training(c) in trained]
    assert len(alike) == len(split) == len(table2) - 3  # CDT 0.2, 3 seeds.
    with pytest.raises(ValueError, match="validation_split"):
        fig2b.settings("full", validation_split=0)


def test_a_bad_flag_value_is_an_argparse_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        reproduce("fig2a", "--tiny", "--methods", "nonsense")
    assert exit_info.value.code == 2
    assert "nonsense" in capsys.readouterr().err
    assert reproduce() == 2


# Issue 23: every numeric flag refused as `sweep` refuses it (0 is a value).
@pytest.mark.parametrize(
    "name, flag, value, received",
    [
        ("fig2a", "--epochs", "0", "epochs=0"),
        ("fig2a", "--train-size", "0", "train_size=0"),
        ("fig2a", "--test-size", "0", "test_size=0"),
        ("fig2a", "--seeds", "-1", "seed=-1"),
        ("fig2a", "--hidden-units", "0", "hidden_units=0"),
        ("fig6", "--attack-size", "0", "attack_size=0"),
        ("fig6", "--epsilons", "-0.1", "epsilons=-0.1"),
        ("fig3", "--epochs", "0", "epochs=0"),
        ("phase-boundaries", "--steps", "0", "steps=0"),
        ("phase-boundaries", "--sigmas", "0", "sigmas=0"),
    ],
)
def test_a_zero_or_negative_number_is_refused_before_training(
    name, flag, value, received, tmp_path, fixture_data_dir, capsys
):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_info:
        reproduce(
            name, "--tiny", flag, value, "--out", out,
            "--data-dir", fixture_data_dir, "--no-progress",
        )
    assert exit_info.value.code == 2
    assert received in capsys.readouterr().err
    assert not out.exists()


def test_settings_take_zero_as_a_value_not_as_not_given():
    with pytest.raises(ValueError, match="epochs=0"):
        experiments.get("fig2a").configs("tiny", epochs=0)
    with pytest.raises(ValueError, match="epochs=0"):
        experiments.get("fig3").settings("tiny", epochs=0)
    # The finder's confirmation runs are off at 0 epochs.
    assert experiments.get("phase-boundaries").settings("tiny", epochs=0)["epochs"] == 0


def test_out_naming_a_file_is_a_usage_error(tmp_path, fixture_data_dir, capsys):
    taken = tmp_path / "F"
    taken.write_text("")
    for out in (taken, taken / "below"):
        with pytest.raises(SystemExit) as exit_info:
            reproduce("fig2a", "--tiny", "--out", out, "--data-dir", fixture_data_dir)
        assert exit_info.value.code == 2
        error = capsys.readouterr().err
        assert f"--out {out}" in error and "not a folder" in error
    assert taken.read_text() == ""


def test_help_without_a_name_shows_the_flags_and_the_experiments(capsys):
    assert reproduce("--help") == 0
    shown = capsys.readouterr().out
    for flag in ("--tiny", "--quick", "--epochs", "--seeds", "--out"):
        assert flag in shown
    assert "fig2a " in shown and "NAME --help" in shown


# The commands that made the committed results (their folders' READMEs),
# as `reproduce` arguments: name, mode and overrides (`spaces`: Fig. 2a
# then measured Eq. 8 in pixel space only).
_FIG2B_QUICK = ["none", "dropout", "full-ninr-catapult-paper"]
COMMITTED_RESULTS = [
    ("fig2a", "full", dict(spaces=["pixel"]), "fmnist_fc_gpu"),
    # Made at the paper's full-NINR catapult (62), the method
    # `full-ninr-catapult-paper` since the kit's rule moved it to 27.3.
    ("fig2b", "quick", dict(methods=_FIG2B_QUICK), "quick_cpu/fmnist_cnn"),
    (
        "fig2b", "quick", dict(seeds=[0, 1, 2], epochs=10, methods=_FIG2B_QUICK),
        "quick_cpu/fmnist_cnn_10ep",
    ),
    ("fig6", "quick", dict(seeds=[0, 1, 2], epochs=10), "quick_cpu/adversarial_10ep"),
    (
        "fig9",
        "quick",
        dict(train_size=8000, test_size=2000, epochs=5,
             methods=["none", "in-ninr-decay", "in-ninr-catapult"]),
        "quick_cpu/cifar10_vgg",
    ),
]


@pytest.mark.parametrize("name, mode, overrides, folder", COMMITTED_RESULTS)
def test_committed_results_are_runs_of_their_definitions_and_render(
    name, mode, overrides, folder, tmp_path
):
    # The committed runs predate issue 13's readings (full-NINR with an eps
    # per NIN, App. A's 5e-4 as SGD weight decay): under those readings the
    # definition makes exactly them (same run ids, same names), and a rerun
    # of the command resumes every run the readings do not touch.
    experiment = experiments.get(name)
    configs = experiment.configs(mode, **overrides)
    made = [as_made_before_issue_13(config) for config in configs]
    labels = {config.run_id: config.method_label for config in made}
    records = sweep.load_results(ROOT / "results" / folder / "results.jsonl")
    assert records
    current = {config.run_id for config in configs}
    for record in records:
        read = sweep.RunConfig.from_dict(record["config"])
        assert read.run_id == record["run_id"]
        assert labels.get(record["run_id"]) == read.method_label, record["label"]
        touched = read.regularization in ("full-ninr", "l2")
        assert (record["run_id"] in current) is not touched
    written = experiment.report(tmp_path, records, mode)
    page = (tmp_path / f"{experiment.page}{'' if mode == 'full' else '_' + mode}.md").read_text()
    assert str(tmp_path / next(iter(experiment.figures))) in written[0]
    for record in records:
        # Full-NINR and L2 rows say which reading made them.
        label = sweep.RunConfig.from_dict(record["config"]).method_label
        assert f"| {label} |" in page


def as_made_before_issue_13(config):
    """`config` under the readings before issue 13."""
    return dataclasses.replace(config, shared_noise=False, weight_decay=2.5e-4)


def test_missing_benchmark_data_stops_before_any_training(tmp_path, fixture_data_dir, capsys):
    # The clean data sets without MNIST-C: the error names where it looked
    # and how to get the data, and nothing has trained.
    data = tmp_path / "data"
    data.mkdir()
    (data / "mnist").symlink_to(f"{fixture_data_dir}/mnist")
    out = tmp_path / "out"
    assert reproduce("mnist-c", "--tiny", "--out", out, "--data-dir", data, "--no-progress") == 1
    error = capsys.readouterr().err
    assert "mnist_c" in error and "zenodo" in error
    assert not (out / "results.jsonl").exists() or not (out / "results.jsonl").read_text()


def test_the_finder_keeps_shared_and_independent_full_ninr_apart(tmp_path, fixture_data_dir):
    argv = [
        "phase-boundaries", "--tiny", "--out", tmp_path, "--data-dir", fixture_data_dir,
        "--no-progress", "--train-size", "640", "--steps", "4", "--methods", "full-ninr",
        "--epochs", "0",
    ]
    assert reproduce(*argv) == 0
    assert reproduce(*argv, "--independent-noise") == 0
    records = read_results(tmp_path)
    # The shared-eps finder is a run of its own; an independent-eps record
    # (as every full-NINR finder record before issue 13) has no field.
    assert [r.get("shared_noise") for r in records] == [True, None]
    assert records[0]["run_id"] != records[1]["run_id"]
    page = (tmp_path / "phase_boundaries_tiny.md").read_text()
    assert "| full-ninr, independent ε |" in page


def test_fig2_full_runs_the_kits_and_the_papers_presets_where_they_differ():
    # Issue 21: the full-NINR catapult at the rule's value and at the
    # paper's, both at full data, to say which matches the paper.
    for name, expected in (
        ("fig2a", {"in-NINR catapult (σ_ε = 133)", "in-NINR catapult (σ_ε = 231.6)",
                   "full-NINR catapult (σ_ε = 31.6)", "full-NINR catapult (σ_ε = 51.8)"}),
        ("fig2b", {"full-NINR catapult (σ_ε = 27.3)", "full-NINR catapult (σ_ε = 62)"}),
    ):
        configs = experiments.get(name).configs("full")
        catapults = {c.method_label for c in configs if "catapult" in c.method_label}
        assert expected <= catapults, catapults
    # A page says where the kit's preset is not the paper's.
    from keras_ninr.src.experiments.definitions.methods import preset_notes

    def record(sigma):
        config = {"architecture": "cnn", "regularization": "full-ninr"}
        return {"config": config, "noise_stddev_value": sigma}

    [note] = preset_notes([record(27.3), record(62.0)])
    assert "The CNN's full-NINR catapult: σ_ε = 27.3 (the kit's rule" in note
    assert "not the paper's 62" in note
    assert preset_notes([record(62.0)]) == []
