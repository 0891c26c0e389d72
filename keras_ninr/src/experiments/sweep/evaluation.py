"""A trained run's evaluations and its record (one line of a results file).

The model takes [0, 1] pixels (it standardises them itself), so every
evaluation feeds it pixels:

- **Clean accuracy** on the test images, and on the held-out training
  images of a `validation_split` (Table 2's 60/40).
- **Corruption** (Eq. 8, Fig. 2) in pixel space (`"corruption_curve"`)
  or on the standardised pixels, where Eq. 8 preserves their unit variance
  (`"corruption_curve_standardized"`). Every model is evaluated on the
  same corrupted test set (noise seed 0): the spread over seeds is the
  spread of training.
- **Domain shift** MNIST -> USPS (Table 1).
- **Adversarial attacks** (FGSM, PGD; Fig. 6; every attack of the
  registry `keras_ninr.src.robustness.attacks.ATTACKS`) on the first
  `attack_size` test images, in pixel space ([0, 1], epsilon in pixel
  units), in inference mode.
- **A corruption benchmark**, MNIST-C or CIFAR-10-C
  (`keras_ninr.robustness.corruption_benchmark`), on every image of the
  benchmark, read from the sweep's `data_dir` (`<data_dir>/mnist_c/`,
  `<data_dir>/CIFAR-10-C/` or `<data_dir>/cifar10_c/`, in the original
  releases' layouts), else `$KERAS_NINR_DATA_DIR`, else TFDS's prepared
  data. Its clean accuracy is the run's (its test images); the mCE, which
  needs a baseline run, is computed by the reports.

A run whose loss or NIW norm stops being finite, or whose loss explodes
(`PhaseMonitor`, NINR runs only), is divergent by the paper's test
(`keras_ninr.src.training_rules`): it is recorded with status
`"diverged"` and no evaluations.
"""

import time
from datetime import datetime
from datetime import timezone

import keras

from keras_ninr.src import training_rules
from keras_ninr.src.experiments import provenance
from keras_ninr.src.experiments.sweep.checks import CORRUPTION_CURVES
from keras_ninr.src.experiments.sweep.checks import to_json
from keras_ninr.src.experiments.sweep.data import IMAGE_ARCHITECTURES
from keras_ninr.src.robustness import attacks
from keras_ninr.src.robustness import benchmarks
from keras_ninr.src.robustness import corruption_curves

STATUSES = ("finished", "diverged")


def evaluate(model, config, prepared, data):
    """The evaluations `config.evaluations` asks for, as a dict."""
    x, y = prepared.x_test, prepared.y_test
    results = {}
    spec = config.evaluations
    if spec.get("clean"):
        results["clean"] = corruption_curves.corrupted_accuracy(
            model, x, y, 0.0
        )
    if prepared.x_validation is not None:
        results["validation"] = corruption_curves.corrupted_accuracy(
            model, prepared.x_validation, prepared.y_validation, 0.0
        )
    for name, space in CORRUPTION_CURVES.items():
        if spec.get(name):
            curve = corruption_curves.corruption_curve(
                model, x, y, sigmas=spec[name], space=space
            )
            results[name] = {
                "sigma_noise": list(curve),
                "accuracy": list(curve.values()),
            }
    if spec.get("domain_shift"):
        channels = config.architecture in IMAGE_ARCHITECTURES
        results["domain_shift"] = {}
        for variant in spec["domain_shift"]:
            x_usps, y_usps = data.usps(variant, channels)
            results["domain_shift"][variant] = (
                corruption_curves.corrupted_accuracy(model, x_usps, y_usps, 0.0)
            )
    for attack in attacks.ATTACKS:
        if spec.get(attack):
            count = min(config.attack_size, len(x))
            accuracies = attacks.adversarial_accuracy(
                model,
                x[:count],
                y[:count],
                attack,
                epsilons=spec[attack],
                clip_min=0.0,
                clip_max=1.0,
            )
            results[attack] = {
                "epsilon": list(accuracies),
                "accuracy": list(accuracies.values()),
            }
    if spec.get("corruption_benchmark"):
        results["corruption_benchmark"] = benchmarks.corruption_benchmark(
            model,
            spec["corruption_benchmark"],
            data_dir=data.data_dir,
            clean=(x, y),
        )
    return results


def diverged(history):
    """The divergence test over a run's per-epoch `history` (`None` for a
    value that was not finite)."""
    norms = history.get("niw_norm") or []
    for epoch, loss in enumerate(history.get("loss", [])):
        norm = _nan_for_none(norms[epoch]) if epoch < len(norms) else None
        if training_rules.is_divergent(_nan_for_none(loss), norm):
            return True
    return False


def _nan_for_none(value):
    return float("nan") if value is None else value


def make_record(
    config,
    model,
    prepared,
    data,
    *,
    history,
    monitor_diverged,
    reached_target,
    phase,
    message,
    times,
    batch_size,
    earlier_train_s=0.0,
    resumed_at_epochs=(),
):
    """Evaluate a trained run (unless it diverged) and make its record.

    `times` are the wall-clock times the run started, had its data, had
    its model built, and ended training, in this process. A run resumed
    from a backup trained `earlier_train_s` seconds before (in `train_s`)
    and resumed at the epochs `resumed_at_epochs`.
    """
    start, loaded, built, trained = times
    is_diverged = monitor_diverged or diverged(history)
    evaluations = {} if is_diverged else evaluate(model, config, prepared, data)
    evaluated = time.time()
    if message is None and is_diverged:
        message = "the training loss became non-finite"
    record = {
        "run_id": config.run_id,
        "label": config.method_label,
        "config": config.to_dict(),
        "noise_stddev_value": config.noise_stddev_value,
        "status": "diverged" if is_diverged else "finished",
        "epochs_run": len(history["loss"]),
        "reached_target": bool(reached_target),
        "phase": phase,
        "message": message,
        "history": history,
        "evaluations": evaluations,
        "data": prepared.summary(batch_size),
        "resumed_at_epochs": list(resumed_at_epochs),
        "timings": {
            "load_s": loaded - start,
            "build_s": built - loaded,
            "train_s": earlier_train_s + trained - built,
            "evaluate_s": evaluated - trained,
            "total_s": evaluated - start,
        },
        "backend": keras.backend.backend(),
        "versions": provenance.versions(),
        "machine": provenance.machine(),
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    return to_json(record)
