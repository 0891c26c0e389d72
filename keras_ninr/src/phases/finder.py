"""Finding the phase boundaries of a NINR model from its training data.

Sec. 2.2: the phase boundaries "can also be obtained empirically using only
the training data", but the paper gives no procedure, and its presets do not
transfer between initialisations. `find_phase_boundaries` trains short runs
over a log-spaced sigma_eps grid, labels each with `classify`, and refines
each boundary it finds by bisection in log sigma_eps. It relies on the
phases being ordered in sigma_eps (decoupled < decay < catapult <
divergent), as Sec. 2.2 and App. B describe.

Short runs see the start of training, which is where the phases differ:
the catapult's spike and the divergent blow-up happen in the first few
hundred steps (Fig. 3), and the NIW decay starts at once.
"""

import dataclasses
import math
import time

import keras
import numpy as np

from keras_ninr.src.models.scan_steps import ScanSteps
from keras_ninr.src.models.scan_steps import steps_of_last_call
from keras_ninr.src.phases.classify import classify
from keras_ninr.src.phases.windowed_loss import WindowedLoss
from keras_ninr.src.training_rules import is_divergent
from keras_ninr.src.utils import combined_norms
from keras_ninr.src.utils import crossed_multiple
from keras_ninr.src.utils import find_noise_layers
from keras_ninr.src.utils import noise_layer_pairs
from keras_ninr.src.utils import norm_groups

_TRACE = "find_phase_boundaries"
DEFAULT_SIGMAS = tuple(float(s) for s in np.geomspace(1.0, 1000.0, 7))


@dataclasses.dataclass
class Trial:
    """One short training run of the search."""

    noise_stddev: float
    phase: str
    reason: str
    evidence: dict
    steps: int
    seconds: float
    records: list = dataclasses.field(repr=False, default_factory=list)


@dataclasses.dataclass
class PhaseBoundaries:
    """What `find_phase_boundaries` found.

    Attributes:
        trials: The `Trial`s, sorted by sigma_eps.
        boundaries: `{"decay/catapult": (below, above), ...}`: for each
            change of phase between neighbouring trials (named by the phases
            met), the sigma_eps of the two trials.
        steps: Training steps spent, all trials together.
        seconds: Wall time spent.
    """

    trials: list
    boundaries: dict
    steps: int
    seconds: float

    def largest_in(self, phase):
        """The largest sigma_eps labelled `phase`, or `None`."""
        values = [t.noise_stddev for t in self.trials if t.phase == phase]
        return max(values) if values else None

    def largest_safe(self):
        """The largest sigma_eps below every divergent trial, or `None`."""
        divergent = [
            t.noise_stddev for t in self.trials if t.phase == "divergent"
        ]
        limit = min(divergent) if divergent else math.inf
        safe = [t.noise_stddev for t in self.trials if t.noise_stddev < limit]
        return max(safe) if safe else None

    def cost_fraction(self, full_run_steps):
        """Steps spent as a fraction of a full run of `full_run_steps`."""
        return self.steps / full_run_steps

    def table(self):
        """A Markdown table of the trials."""
        lines = [
            "| sigma_eps | phase | reason | steps | seconds |",
            "| ---: | --- | --- | ---: | ---: |",
        ]
        for t in self.trials:
            lines.append(
                f"| {t.noise_stddev:.4g} | {t.phase} | {t.reason} | "
                f"{t.steps} | {t.seconds:.1f} |"
            )
        return "\n".join(lines)


class _Recorder(keras.callbacks.Callback):
    """Loss (per window, see `WindowedLoss`), NIW norm and next-layer
    weight norm every `every` steps, and before the first step.

    A model that runs several steps per call and keeps each
    (`ScanSteps`) gives every step's loss and norms: the records are those
    of one step per call."""

    # A divergent trial is a finding, not a run to warn about.
    watches_divergence = True

    def __init__(self, every):
        super().__init__()
        self.every = every

    def _norms(self):
        self.model  # On JAX, syncs the training state into the variables.
        return combined_norms(self._pairs)

    def on_train_begin(self, logs=None):
        self._pairs = noise_layer_pairs(self.model, "find_phase_boundaries")
        self._trained = self.model  # Read without syncing (JAX).
        if isinstance(self._trained, ScanSteps):
            self._trained.trace_norms(_TRACE, norm_groups(self._pairs))
        self.records = []
        self._start = self._norms()
        self._loss = WindowedLoss()
        self._step = 0

    def on_train_batch_end(self, batch, logs=None):
        # One epoch; `batch` is the index of the last step run (several
        # with steps_per_execution > 1); a model that keeps them gives each.
        steps = steps_of_last_call(
            self._trained, batch, logs, self.params.get("steps")
        )
        for step_batch, step_logs, index in steps:
            if self._update(step_batch, step_logs, index):
                self._trained.stop_training = True
                break

    def _update(self, batch, logs, index):
        """Record one step if due; whether it diverged."""
        previous, step = self._step, batch + 1
        self._step = step
        mean = float((logs or {}).get("loss", math.nan))
        if previous == 0:
            self.records.append({"step": 0, "loss": mean, **self._start})
        diverged = is_divergent(mean)
        if not crossed_multiple(previous, step, self.every) and not diverged:
            return False
        window = self._loss.update(batch, mean)
        if index is None:
            norms = self._norms()
        else:
            norms = self._trained.last_call.norms(_TRACE, index)
        self.records.append({"step": step, "loss": window, **norms})
        return diverged

    def on_train_end(self, logs=None):
        if isinstance(self._trained, ScanSteps):
            self._trained.untrace_norms(_TRACE)


class _TrialRunner:
    """Runs trials on one compiled model, reset to the same start each time.

    Compiling the training step costs seconds on every backend, as much as
    a short trial itself: the model is built and compiled once, and before
    each trial its variables (weights, seed-generator states) and the
    optimizer's are put back to their initial values, and sigma_eps set.
    """

    def __init__(self, build_model, sigma, seed):
        keras.utils.set_random_seed(seed)
        self.model = build_model(sigma)
        if self.model.optimizer is None:
            raise ValueError(
                "find_phase_boundaries: `build_model` must return a compiled "
                "model."
            )
        self.model.optimizer.build(self.model.trainable_variables)
        self._initial = [
            keras.ops.convert_to_numpy(v) for v in self.model.variables
        ]
        self._initial_optimizer = [
            keras.ops.convert_to_numpy(v)
            for v in self.model.optimizer.variables
        ]

    def __call__(self, x, y, noise_stddev, batch_size, every, classify_kwargs):
        model = self.model
        for variable, value in zip(model.variables, self._initial):
            variable.assign(value)
        for variable, value in zip(
            model.optimizer.variables, self._initial_optimizer
        ):
            variable.assign(value)
        for layer in find_noise_layers(model):
            layer.noise_stddev = noise_stddev
        recorder = _Recorder(every)
        start = time.time()
        model.fit(
            x,
            y,
            batch_size=batch_size,
            epochs=1,
            shuffle=False,
            verbose=0,
            callbacks=[recorder],
        )
        seconds = time.time() - start
        report = classify(recorder.records, **classify_kwargs)
        steps = recorder.records[-1]["step"] if recorder.records else 0
        return Trial(
            noise_stddev=float(noise_stddev),
            phase=report.phase,
            reason=report.reason,
            evidence=report.evidence,
            steps=steps,
            seconds=seconds,
            records=recorder.records,
        )


def find_phase_boundaries(
    build_model,
    x_train,
    y_train,
    sigmas=None,
    steps=150,
    batch_size=128,
    refine=None,
    record_every=5,
    seed=0,
    classify_kwargs=None,
):
    """Locate the NINR phase boundaries in sigma_eps with short trainings.

    Args:
        build_model: Callable `build_model(noise_stddev)` returning a
            compiled model with NINs, built as for the full run (same
            architecture, initialisation, optimizer and learning rate: the
            boundaries depend on all of them). It is called once; every
            trial starts from that model's initial state.
        x_train, y_train: Training data (only `steps * batch_size` samples,
            in a fixed random order, are used).
        sigmas: The starting grid. Defaults to 7 log-spaced values from 1
            to 1000.
        steps: Training steps per trial. Defaults to `150`.
        batch_size: As in the full run. Defaults to `128`.
        refine: Bisection steps per boundary: an int for every boundary, or
            a dict keyed by the phase above the boundary, e.g.
            `{"divergent": 3, "catapult": 1}` (missing phases get 1).
            Defaults to 3 for the boundary into the divergent phase (the one
            that matters most: robustness is largest just below it) and 1
            for the others.
        record_every: Steps between records. Defaults to `5`.
        seed: Seed of each trial (the same for all, so that the trials differ
            only in sigma_eps). Defaults to `0`.
        classify_kwargs: Thresholds for `classify`.

    Returns:
        A `PhaseBoundaries`.
    """
    if not callable(build_model):
        raise ValueError(
            "Expected `build_model` to be a callable "
            f"`build_model(noise_stddev)`. Received: build_model={build_model!r}"
        )
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 2:
        raise ValueError(
            f"Expected `steps` to be an integer >= 2. Received: steps={steps!r}"
        )
    sigmas = DEFAULT_SIGMAS if sigmas is None else tuple(sigmas)
    if not sigmas or any(
        not (isinstance(s, (int, float)) and s > 0 and math.isfinite(s))
        for s in sigmas
    ):
        raise ValueError(
            "Expected `sigmas` to be positive finite numbers. "
            f"Received: sigmas={sigmas!r}"
        )
    if refine is None:
        refine = {"divergent": 3}
    classify_kwargs = classify_kwargs or {}
    count = steps * batch_size
    if len(x_train) < count:
        raise ValueError(
            f"find_phase_boundaries needs steps * batch_size = {count} "
            f"training samples. Received: {len(x_train)}"
        )
    order = np.random.default_rng(seed).permutation(len(x_train))[:count]
    x, y = x_train[order], np.asarray(y_train)[order]

    start = time.time()
    trials = {}
    runner = _TrialRunner(build_model, float(sigmas[0]), seed)

    def run(sigma):
        if sigma not in trials:
            trials[sigma] = runner(
                x, y, sigma, batch_size, record_every, classify_kwargs
            )
        return trials[sigma]

    for sigma in sorted(sigmas):
        run(float(sigma))
    spent = {}
    while True:
        pending = [
            (below, above)
            for below, above in _transitions(trials).values()
            if spent.get(trials[above].phase, 0)
            < _rounds(refine, trials[above].phase)
        ]
        if not pending:
            break
        for below, above in pending:
            spent[trials[above].phase] = spent.get(trials[above].phase, 0) + 1
            run(math.sqrt(below * above))
    ordered = [trials[s] for s in sorted(trials)]
    boundaries = _transitions(trials)
    return PhaseBoundaries(
        trials=ordered,
        boundaries=boundaries,
        steps=sum(t.steps for t in ordered),
        seconds=time.time() - start,
    )


def _transitions(trials):
    """`{"lower/upper": (below, above)}` for each change of phase in sigma.

    Named by the phases actually met, so a jump from decay straight to
    divergent (no catapult between the grid points) is `"decay/divergent"`.
    """
    ordered = sorted(trials)
    found = {}
    for below, above in zip(ordered, ordered[1:]):
        lower, upper = trials[below].phase, trials[above].phase
        if lower != upper:
            found.setdefault(f"{lower}/{upper}", (below, above))
    return found


def _rounds(refine, upper_phase):
    if isinstance(refine, dict):
        return refine.get(upper_phase, 1)
    return refine


def suggest_noise_stddev(build_model, x_train, y_train, safety=0.8, **kwargs):
    """sigma_eps for the decay phase and the largest safe (catapult) one.

    Runs `find_phase_boundaries` and returns a dict:
    `"decay"`: the largest sigma_eps labelled decay (the paper's decay
    setting: robustness with only minor slowing of training);
    `"catapult"`: `safety` times the largest sigma_eps below every divergent
    trial (the catapult side of the divergence boundary, where robustness
    gains are largest, with a margin because a full run can diverge later
    than a short one); `"boundaries"`: the `PhaseBoundaries`.
    """
    if not 0 < safety <= 1:
        raise ValueError(
            f"Expected `safety` in (0, 1]. Received: safety={safety!r}"
        )
    boundaries = find_phase_boundaries(build_model, x_train, y_train, **kwargs)
    largest_safe = boundaries.largest_safe()
    return {
        "decay": boundaries.largest_in("decay"),
        "catapult": None if largest_safe is None else safety * largest_safe,
        "boundaries": boundaries,
    }
