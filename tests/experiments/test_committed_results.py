"""The committed results' pages regenerate byte for byte from their records.

Each page under `results/` (Markdown and figures) is rewritten from its
`results.jsonl` alone, by the command its folder's README names
(`keras-ninr reproduce ... --page-only`, `keras-ninr report`), into a
temporary folder with the same relative layout (the page names its
`--out`), without any data set, and compared with the committed file. The
records and pages are the checkout's, so a run still appending to a folder
elsewhere changes nothing here; a page committed with its records must be
the kit's page of them.

PNG bytes depend on matplotlib (its rendering and the `Software` tag it
writes): a figure is compared where the running matplotlib is the one that
wrote the committed file, and only checked to exist elsewhere.
"""

import os
import pathlib
import shlex
import shutil

import matplotlib
import pytest
from PIL import Image

from keras_ninr.experiments import cli
from tests.examples.conftest import ROOT

_WIDE_GRID = "--sigmas 1 3.162 10 31.62 100 316.2 1000 3162 10000 31620 100000"
_PHASES = "phase-boundaries --quick --architectures {} --steps 150 --epochs 5"
_SHARED_TITLE = "'full-NINR: one shared eps vs an eps per NIN'"
# The commands of the committed pages: `reproduce` ones run with
# `--page-only` (which the page leaves out of the command it names, as it
# leaves out `--no-progress`).
COMMANDS = [
    "reproduce fig2a --quick --seeds 0 1 2 --out results/fig2a --no-progress",
    "reproduce fig2a --out results/fig2a",
    "reproduce fig2b --out results/fig2b",
    "reproduce table2 --out results/table2",
    "reproduce fig6 --out results/fig6",
    "reproduce table1 --out results/table1",
    "reproduce fig8 --architectures fc --out results/fig8",
    "reproduce fig9 --seeds 0 --methods none in-ninr-decay in-ninr-catapult cdt-0.4 "
    "--out results/fig9",
    "reproduce fig2b --quick --train-size 20000 --test-size 5000 --epochs 10 --seeds 0 1 2 "
    "--methods none dropout in-ninr-decay full-ninr-catapult-paper --out results/fig2b_20k "
    "--no-progress",
    "report --results results/fig2b_20k/results.jsonl --out results/fig2b_20k/all "
    "--sigma-noise 0.4 0.6 --title 'Fig. 2b, 20,000 images, 10 epochs'",
    "reproduce fig7 --quick --seeds 0 1 2 --methods none in-ninr-decay in-ninr-catapult "
    "--out results/fig7_quick --no-progress",
    "report --results results/fmnist_fc_gpu/results.jsonl --out results/fmnist_fc_gpu",
    f"reproduce {_PHASES.format('cnn --methods in-ninr')} "
    "--out results/phase_boundaries_cnn --no-progress",
    f"reproduce {_PHASES.format('cnn --methods in-ninr')} {_WIDE_GRID} "
    "--out results/phase_boundaries_cnn/wide_grid --no-progress",
    f"reproduce {_PHASES.format('vgg --methods in-ninr')} "
    "--out results/phase_boundaries_vgg --no-progress",
    f"reproduce {_PHASES.format('vgg --methods in-ninr')} {_WIDE_GRID} "
    "--out results/phase_boundaries_vgg/wide_grid --no-progress",
    f"reproduce {_PHASES.format('fc cnn --methods full-ninr --independent-noise')} "
    "--out results/phase_boundaries_full_independent --no-progress",
    f"reproduce {_PHASES.format('fc cnn --methods full-ninr')} "
    "--out results/phase_boundaries_full_shared --no-progress",
    "reproduce fig2a --quick --seeds 0 1 2 --methods full-ninr-decay full-ninr-catapult-paper "
    "--out results/shared_noise/fig2a --no-progress",
    "reproduce fig2b --quick --seeds 0 1 2 --methods full-ninr-decay full-ninr-catapult-paper "
    "--out results/shared_noise/fig2b --no-progress",
    "report --results results/shared_noise/fig2a/results.jsonl "
    f"--out results/shared_noise/fig2a/both --title {_SHARED_TITLE}",
    "report --results results/shared_noise/fig2b/results.jsonl "
    f"--out results/shared_noise/fig2b/both --title {_SHARED_TITLE}",
    "reproduce table1 --quick --methods none l2 dropout in-ninr-decay in-ninr-catapult "
    "full-ninr-decay full-ninr-catapult-paper --out results/table1_quick --no-progress",
    "reproduce fig2b --quick --methods none dropout full-ninr-catapult-paper "
    "--independent-noise --out results/quick_cpu/fmnist_cnn --no-progress",
    "reproduce fig2b --quick --seeds 0 1 2 --epochs 10 --methods none dropout "
    "full-ninr-catapult-paper --independent-noise --replicas 3 "
    "--out results/quick_cpu/fmnist_cnn_10ep --no-progress",
    "reproduce fig6 --quick --seeds 0 1 2 --epochs 10 --replicas 3 "
    "--out results/quick_cpu/adversarial_10ep --no-progress",
    "reproduce fig9 --quick --train-size 8000 --test-size 2000 --epochs 5 "
    "--methods none in-ninr-decay in-ninr-catapult --replicas 2 "
    "--out results/quick_cpu/cifar10_vgg --no-progress",
]


def _option(argv, flag):
    return argv[argv.index(flag) + 1]


def regenerate(command, root):
    """Run `command` in `root`, holding only the command's records at their
    committed path; the paths of the files it wrote, relative to `root`."""
    argv = shlex.split(command)
    if argv[0] == "reproduce":
        records = pathlib.Path(_option(argv, "--out")) / "results.jsonl"
        argv.append("--page-only")
    else:
        records = pathlib.Path(_option(argv, "--results"))
    (root / records).parent.mkdir(parents=True)
    shutil.copyfile(ROOT / records, root / records)
    assert cli.main(argv) == 0
    return sorted(
        path.relative_to(root)
        for path in root.rglob("*")
        if path.is_file() and path.suffix != ".jsonl"
    )


def png_comparable(committed):
    """Whether the running matplotlib is the version that wrote the
    committed figure (its PNG's `Software` tag): only then are the bytes
    comparable."""
    software = Image.open(committed).info.get("Software", "")
    return software.startswith(f"Matplotlib version{matplotlib.__version__},")


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: _option(shlex.split(c), "--out"))
def test_committed_page_regenerates_byte_for_byte(command, tmp_path, monkeypatch):
    # No data set: a page comes from its records alone.
    monkeypatch.setenv("KERAS_NINR_DATA_DIR", os.fspath(tmp_path / "no_data"))
    root = tmp_path / "root"
    root.mkdir()
    monkeypatch.chdir(root)
    written = regenerate(command, root)
    assert any(path.suffix == ".md" for path in written)
    rerun = f"keras-ninr {command}" + (" --page-only" if command.startswith("reproduce") else "")
    for path in written:
        committed = ROOT / path
        assert committed.is_file(), f"{path} is not committed"
        if path.suffix == ".png" and not png_comparable(committed):
            continue
        assert (root / path).read_bytes() == committed.read_bytes(), (
            f"{path} is not the page of its records; rewrite it with `{rerun}`"
        )


def test_a_page_does_not_depend_on_the_order_of_its_records(tmp_path, monkeypatch):
    # The results file's order is the order the runs ended (Ray, resumed
    # or shared sweeps); the page's rows and curves follow the experiment.
    monkeypatch.chdir(tmp_path)
    command = COMMANDS[0]
    regenerate(command, tmp_path)
    records = tmp_path / "results" / "fig2a" / "results.jsonl"
    lines = records.read_text().splitlines(keepends=True)
    records.write_text("".join(reversed(lines)))
    assert cli.main([*shlex.split(command), "--page-only"]) == 0
    for name in ("fig2a_quick.md", "fig2a_quick.png", "fig2a_standardized_quick.png"):
        page = pathlib.Path("results", "fig2a", name)
        if page.suffix == ".png" and not png_comparable(ROOT / page):
            continue
        assert page.read_bytes() == (ROOT / page).read_bytes(), name
