"""The sweep examples (Figs. 2, 6-9, Table 1).

Their grids still hold the runs of the committed results files (a rerun
resumes them), and each script runs end to end in its `--tiny` mode, in a
subprocess, on a few hundred real images for one epoch with narrow networks
(seconds), so that none of them can rot. Some tests narrow the method list
further to stay fast on a 2-core CPU.
"""

import json

import pytest

from tests.examples.conftest import ROOT
from tests.examples.test_examples import needs_data

# The commands that made the committed results (their folders' READMEs).
COMMITTED_RESULTS = [
    ("fmnist_fc_robustness", [], "fmnist_fc_gpu"),
    ("fmnist_cnn_robustness", ["--quick"], "quick_cpu/fmnist_cnn"),
    (
        "fmnist_cnn_robustness",
        ["--quick", "--seeds", "0", "1", "2", "--epochs", "10"],
        "quick_cpu/fmnist_cnn_10ep",
    ),
    (
        "adversarial",
        ["--quick", "--seeds", "0", "1", "2", "--epochs", "10"],
        "quick_cpu/adversarial_10ep",
    ),
    ("mnist_to_usps", ["--quick"], "quick_cpu/mnist_to_usps"),
    (
        "cifar10_vgg",
        "--quick --train-size 8000 --test-size 2000 --epochs 5 --methods "
        "none in-ninr-decay in-ninr-catapult".split(),
        "quick_cpu/cifar10_vgg",
    ),
]


@pytest.mark.parametrize("script, arguments, folder", COMMITTED_RESULTS)
def test_examples_still_make_the_runs_of_their_committed_results(
    script, arguments, folder, examples
):
    # A rerun of the command must find its runs done (same run ids) and
    # report them under the same names.
    example = examples(script).EXAMPLE
    _, _, configs = example.grid(arguments)
    labels = {config.run_id: config.method_label for config in configs}
    path = ROOT / "examples" / "results" / folder / "results.jsonl"
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert records
    for record in records:
        assert labels.get(record["run_id"]) == record["label"], record["label"]


def page_of(out, page, *figures):
    """The text of the Markdown page `out/page`, once its figures are
    checked to be written."""
    for figure in figures:
        assert (out / figure).stat().st_size > 0, figure
    return (out / page).read_text()


@needs_data
def test_fmnist_cnn_robustness_tiny(run_example, tmp_path):
    # Two seeds of each method, trained as pairs of replicas.
    records = run_example("fmnist_cnn_robustness.py", "--seeds", "0", "1",
        "--replicas", "2",
    )
    assert [r["config"]["architecture"] for r in records] == ["cnn"] * 4
    # The file holds them as the groups ended: both seeds of a method.
    assert [r["config"]["regularization"] for r in records] == [
        "none",
        "none",
        "full-ninr",
        "full-ninr",
    ]
    assert [r["config"]["seed"] for r in records] == [0, 1, 0, 1]
    assert [r.get("replicas") for r in records] == [2] * 4
    assert records[2]["noise_stddev_value"] == 62.0
    table = page_of(tmp_path, "table2_cnn_tiny.md", "fig2b_tiny.png")
    assert "Smoke-test settings" in table
    # The page names the command that made it, with the arguments given.
    assert (
        "python examples/fmnist_cnn_robustness.py --tiny --no-progress --out "
        in table
    )
    assert "| CNN on Fashion-MNIST | full-NINR catapult (σ_ε = 62) |" in table


def run_fc_and_cnn_example(run_example, script):
    """The finished in-NINR runs of a tiny example on the FC and the CNN."""
    records = run_example(script, "--methods", "in-ninr")
    assert [r["config"]["architecture"] for r in records] == ["fc", "cnn"]
    return [r["evaluations"] for r in records if r["status"] == "finished"]


@needs_data
def test_mnist_to_usps_tiny(run_example, tmp_path):
    for evaluations in run_fc_and_cnn_example(run_example, "mnist_to_usps.py"):
        assert set(evaluations["domain_shift"]) == {"lecun", "pad", "resize28"}
    table = page_of(tmp_path, "table1_tiny.md")
    assert "USPS accuracy, lecun (%)" in table
    assert "USPS accuracy, resize28 (%)" in table
    assert "| CNN on MNIST | in-NINR (decay, σ_ε = 2.8) |" in table


@needs_data
def test_adversarial_tiny(run_example, tmp_path):
    for evaluations in run_fc_and_cnn_example(run_example, "adversarial.py"):
        assert evaluations["fgsm"]["epsilon"] == [0.0, 0.1]
        assert evaluations["pgd"]["epsilon"] == [0.0, 0.1]
    figures = ("fig6_fgsm_tiny.png", "fig6_pgd_tiny.png")
    page = page_of(tmp_path, "fig6_tiny.md", *figures)
    assert "on the first 64 test images" in page
    assert "| FC on Fashion-MNIST | in-NINR (decay, σ_ε = 51.8) |" in page


@needs_data
def test_cifar10_vgg_tiny(run_example, tmp_path):
    records = run_example("cifar10_vgg.py",
        "--methods",
        "in-ninr-decay",
        "--train-size",
        "256",
    )
    assert len(records) == 1
    assert records[0]["config"]["dataset"] == "cifar10"
    assert records[0]["noise_stddev_value"] == 17.5
    table = page_of(tmp_path, "table_vgg_tiny.md", "fig9_tiny.png")
    assert "| VGG on CIFAR-10 | in-NINR decay (σ_ε = 17.5) |" in table


@needs_data
def test_fmnist_distributions_tiny(run_example, tmp_path):
    records = run_example("fmnist_distributions.py")
    described = [
        (
            r["config"]["architecture"],
            r["config"]["regularization"],
            r["config"]["noise_distribution"],
            r["noise_stddev_value"],
        )
        for r in records
    ]
    assert described == [
        ("fc", "none", None, None),
        ("fc", "in-ninr", "double_normal", 51.8),
        ("fc", "in-ninr", "uniform", 51.8),
        ("cnn", "none", None, None),
        ("cnn", "in-ninr", "double_normal", 2.8),
        ("cnn", "in-ninr", "uniform", 2.8),
    ]
    page = page_of(tmp_path, "fig7_tiny.md", "fig7_tiny.png")
    assert "Smoke-test settings" in page
    assert "![fig7](fig7_tiny.png)" in page
    assert (
        "| CNN on Fashion-MNIST | in-NINR decay (σ_ε = 2.8), uniform |" in page
    )


@needs_data
def test_fmnist_optimizers_tiny(run_example, tmp_path):
    records = run_example("fmnist_optimizers.py", "--methods", "in-ninr-decay"
    )
    described = [
        (
            r["config"]["architecture"],
            r["config"]["optimizer"],
            r["noise_stddev_value"],
        )
        for r in records
    ]
    # Table 3's sigma_eps for each network and optimizer.
    assert described == [
        ("fc", "adam", 115.8),
        ("fc", "rmsprop", 1158.2),
        ("cnn", "adam", 6.2),
        ("cnn", "rmsprop", 19.6),
    ]
    page = page_of(tmp_path, "fig8_tiny.md", "fig8_tiny.png")
    assert "| FC on Fashion-MNIST | in-NINR decay (σ_ε = 115.8), Adam |" in page
    assert (
        "| CNN on Fashion-MNIST | in-NINR decay (σ_ε = 19.6), RMSprop |"
        in page
    )
