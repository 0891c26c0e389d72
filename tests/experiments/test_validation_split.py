"""Table 2's 60/40 training/validation split (`RunConfig.validation_split`)."""

import importlib
import json
import pathlib
import re

import numpy as np
import pytest

from keras_ninr.experiments import reports
from keras_ninr.experiments import sweep

# The data cache is internal; the split is checked image by image there.
sweep_data = importlib.import_module("keras_ninr.src.experiments.sweep.data")
ROOT = pathlib.Path(__file__).resolve().parents[2]
TINY = dict(
    architecture_kwargs={"hidden_units": (16,)},
    target_accuracy=None,
    epochs=1,
    evaluations={"clean": True},
)


def numbered_images(name):
    """1,000 training images, image i filled with i / 1000 (floats in
    [0, 1]), so that any prepared image says which one it is."""
    values = np.arange(1000, dtype="float32") / 1000
    x_train = np.broadcast_to(values[:, None, None], (1000, 28, 28)).copy()
    x_test = x_train[:50].copy()
    labels = (np.arange(1000) % 10).astype("uint8")
    return (x_train, labels), (x_test, labels[:50])


def numbers(images):
    """The numbers of prepared images (pixels in [0, 1])."""
    values = images.reshape(len(images), -1)[:, 0]
    return np.rint(values * 1000).astype(int)


def indices(images):
    return set(numbers(images).tolist())


def prepare(**fields):
    cache = sweep_data.DataCache(None, numbered_images)
    return cache.prepare(sweep.RunConfig(**{**TINY, **fields}))


def test_existing_run_ids_do_not_change():
    # Computed before `validation_split` existed: results files written
    # then must still resume.
    assert sweep.RunConfig().run_id == "a16e99baca69634a"
    assert (
        sweep.RunConfig(
            regularization="in-ninr",
            architecture="cnn",
            seed=2,
            train_size=5000,
        ).run_id
        == "f32742f2e2d179df"
    )
    path = ROOT / "results" / "fmnist_fc_gpu" / "results.jsonl"
    written = sweep.load_results(path)
    assert written
    for record in written:
        assert "validation_split" not in record["config"]
        config = sweep.RunConfig.from_dict(record["config"])
        assert config.run_id == record["run_id"]


def test_validation_split_is_part_of_the_run_id():
    plain = sweep.RunConfig(**TINY)
    split = sweep.RunConfig(**TINY, validation_split=0.4)
    assert split.validation_split == 0.4
    assert split.run_id != plain.run_id
    assert sweep.RunConfig(**TINY, validation_split=0.3).run_id not in (
        split.run_id,
        plain.run_id,
    )
    text = json.dumps(split.to_dict())
    assert sweep.RunConfig.from_dict(json.loads(text)).run_id == split.run_id
    assert plain.to_dict()["validation_split"] is None


@pytest.mark.parametrize("value", [1.5, 1.0, 0.0, -0.2, "0.4", True])
def test_bad_validation_split_is_named_in_the_error(value):
    message = re.escape(f"validation_split={value!r}")
    with pytest.raises(ValueError, match=message):
        sweep.RunConfig(validation_split=value)


def test_split_is_fixed_disjoint_and_standardised_on_training_part():
    prepared = prepare(validation_split=0.4)
    # Every split is float32 pixels: the model standardises them itself.
    for images in (prepared.x_train, prepared.x_validation, prepared.x_test):
        assert images.dtype == np.float32
        assert images.min() >= 0.0 and images.max() <= 1.0
    assert len(prepared.x_train) == 600
    assert len(prepared.x_validation) == 400
    trained = indices(prepared.x_train)
    held_out = indices(prepared.x_validation)
    assert len(trained) == 600 and len(held_out) == 400
    assert trained | held_out == set(range(1000))
    # Each image keeps its own label.
    assert np.array_equal(
        prepared.y_validation, numbers(prepared.x_validation) % 10
    )
    assert np.array_equal(
        prepared.y_train,
        numbers(prepared.x_train) % 10,
    )
    # Statistics of the 600 trained images only, not of all 1,000.
    assert prepared.mean == pytest.approx(np.mean(sorted(trained)) / 1000)
    assert prepared.mean != pytest.approx(0.4995, abs=1e-4)
    # The same images for every method and seed.
    other = prepare(
        validation_split=0.4, seed=3, regularization="in-ninr", noise_stddev=2
    )
    assert indices(other.x_validation) == held_out
    # No split: every image trains, nothing is held out.
    assert len(prepare().x_train) == 1000
    assert prepare().x_validation is None


def test_split_is_taken_from_the_train_size_subset():
    whole = prepare(train_size=500)
    subset = indices(whole.x_train)
    assert len(subset) == 500
    prepared = prepare(train_size=500, validation_split=0.4)
    trained = indices(prepared.x_train)
    held_out = indices(prepared.x_validation)
    assert (len(trained), len(held_out)) == (300, 200)
    assert trained | held_out == subset


def test_split_leaving_an_empty_part_is_an_error():
    with pytest.raises(ValueError, match=r"validation_split=0\.001"):
        prepare(train_size=100, validation_split=0.001)


def test_sweep_records_validation_and_test_accuracy(tmp_path):
    from tests.experiments.test_sweep import easy_images

    split = sweep.RunConfig(
        **{**TINY, "epochs": 30, "target_accuracy": 0.98},
        validation_split=0.25,
    )
    plain = sweep.RunConfig(**TINY)
    with_split, without = sweep.run_sweep(
        [split, plain],
        tmp_path / "results.jsonl",
        progress=False,
        load_data=easy_images,
    )
    assert with_split["status"] == "finished"
    assert with_split["data"]["train_size"] == 288  # 384 less 96.
    # A problem the network learns: held-out images are as easy as test.
    assert with_split["evaluations"]["validation"] > 0.9
    assert with_split["evaluations"]["clean"] > 0.9
    assert "validation" not in without["evaluations"]
    assert without["data"]["train_size"] == 384

    table = reports.clean_accuracy_table([with_split], sigma_noise=())
    assert "validation accuracy (%)" in table.splitlines()[0]
    row = table.splitlines()[2]
    assert f"{100 * with_split['evaluations']['validation']:.1f}" in row
