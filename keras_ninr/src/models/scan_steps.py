"""`ScanSteps`: N training steps in one compiled call on JAX.

With `compile(steps_per_execution=N)` Keras compiles N steps into one graph
loop on TensorFlow, but on JAX it calls the compiled step N times from
Python (`keras/src/backend/jax/trainer.py`), so every step still pays a
dispatch: on a network small enough that the step is cheap, most of an
epoch (issue 24, `benchmarks/results/step_overhead.md`). A model with the
`ScanSteps` mixin runs the N steps of a call in one `jax.lax.scan` over
Keras's own stateless `train_step`. Every step computes what it computes
alone, with the same data and the same seed-generator states, so the
weights are those of one step per call (`tests/models/test_scan_steps.py`).

Callbacks see what Keras gives with `steps_per_execution`: one
`on_train_batch_end` per call, with the index and logs of its last step.
What one step per call would have shown is kept too: `last_call` holds
every step's logs and the norms asked for with `trace_norms` (evaluated in
the compiled loop after every step), so the phase tools (`PhaseMonitor`,
`find_phase_boundaries`, the kit's replicas) replay a call step by step
(`steps_of_last_call`) and record what they record with one step per call.

Keras's public API has no route to this: `train_step` sees one batch (a
batch of N steps would change what Keras counts as a step, for every
callback), and the JAX train function's contract (`train_function(state,
iterator) -> (logs, state)`, the state being the lists of trainable,
non-trainable, optimizer and metrics variables) is the JAX trainer's own.
`_jax_train_function` is the one function that relies on it; wherever it
does not apply (another backend, N = 1, `run_eagerly`, no jit, a
`keras.distribution`, Flax NNX) Keras's own train function runs.
"""

import itertools

import keras
import numpy as np
from keras import ops

from keras_ninr.src.norms import norm_of_square_sums
from keras_ninr.src.norms import square_sums


class ScanSteps:
    """Mixin for `keras.Model` subclasses: N steps in one compiled call on JAX.

    Put it before `keras.Model` in the bases (`NINRModel` and the kit's
    training models have it). With `steps_per_execution=N` > 1 in
    `compile`, on the JAX backend, jit-compiled and without a
    `keras.distribution`, `fit` runs the N steps of each call in one
    `jax.lax.scan`; anywhere else it changes nothing.

    What it costs: a call's N batches are stacked and put on the device
    together (N times one batch's memory); an epoch whose step count N
    does not divide compiles the loop once more for the remaining steps
    (and once more for a smaller last batch). Set `scan_steps = False` on
    a model before its first `fit` to have Keras's own loop (N calls of
    the compiled step).

    Attributes:
        scan_steps: Bool, whether to scan where it applies. Defaults to
            `True`.
        last_call: The `CallSteps` of the last training call, every step's
            logs and traced norms; `None` where Keras's own loop runs.
    """

    scan_steps = True

    def make_train_function(self, force=False):
        state = _scan_state(self)
        if not _scans(self):
            state.last_call = None
            return super().make_train_function(force)
        if self.train_function is not None and not force:
            return self.train_function
        self.train_function = _jax_train_function(self)
        return self.train_function

    @property
    def last_call(self):
        """The `CallSteps` of the last training call, or `None`."""
        return _scan_state(self).last_call

    def trace_norms(self, name, groups, per_replica=False):
        """Have the compiled loop compute norms after every step.

        `last_call.norms(name, i)` then gives `{group: l2_norm(tensors)}`
        after step `i` of the last call: what `l2_norm` gives on the
        variables after that step, up to float32 summation order (see
        `keras_ninr.src.norms.square_sums`). Only where the steps are
        scanned (see the class docstring); elsewhere read the variables.

        Args:
            name: String naming the trace (a new trace replaces one of the
                same name).
            groups: Dict from a group name to the model's variables whose
                norm (taken together, `keras_ninr.src.norms.l2_norm`) it
                gives.
            per_replica: As in `l2_norm`. Defaults to `False`.
        """
        known = {id(v) for v in self.variables}
        for group, tensors in groups.items():
            for tensor in tensors:
                if id(tensor) not in known:
                    raise ValueError(
                        "Expected variables of the model to trace. Received: "
                        f"{group}={getattr(tensor, 'path', tensor)!r}"
                    )
        _scan_state(self).traces[name] = (
            tuple((group, tuple(values)) for group, values in groups.items()),
            bool(per_replica),
        )

    def untrace_norms(self, name):
        """Stop the trace `name` (`trace_norms`); no error if there is none."""
        _scan_state(self).traces.pop(name, None)


class CallSteps:
    """Every step of one compiled training call of a `ScanSteps` model.

    Attributes:
        count: The steps the call ran (N, or fewer at an epoch's end).
    """

    def __init__(self, count, parts, traces):
        self.count = count
        self._parts = parts  # Per stacked group: (logs, norm sums).
        self._traces = traces
        self._host = None

    def _fetch(self):
        if self._host is None:
            parts = keras.tree.map_structure(np.asarray, self._parts)
            logs = {
                key: np.concatenate([p[0][key] for p in parts])
                for key in parts[0][0]
            }
            sums = {
                name: {
                    group: np.concatenate([p[1][name][group] for p in parts])
                    for group in parts[0][1][name]
                }
                for name in parts[0][1]
            }
            self._host = (logs, sums)
        return self._host

    def logs(self, index):
        """The batch logs Keras would pass after step `index` (from 0) of
        the call: NumPy values."""
        return {key: value[index] for key, value in self._fetch()[0].items()}

    def norms(self, name, index):
        """`{group: norm}` of trace `name` after step `index`, as
        `l2_norm` gives it (a float, or a `(K,)` array per replica)."""
        sums = self._fetch()[1][name]
        groups, per_replica = self._traces[name]
        return {
            group: norm_of_square_sums(list(sums[group][index]), per_replica)
            for group in groups
        }


def steps_of_last_call(model, batch, logs, steps=None):
    """The steps of Keras's last training call, one by one.

    For a callback's `on_train_batch_end(batch, logs)`. Where the model
    keeps every step (`ScanSteps.last_call`), one entry per step run;
    elsewhere one entry, the call's last step as Keras reports it.

    Args:
        model: The model being trained.
        batch, logs: What `on_train_batch_end` got.
        steps: Optional int, the steps in an epoch (the callback's
            `params["steps"]`): Keras reports the last call of an epoch as
            ending N - 1 steps after its start even where fewer were left;
            its index is cut to the epoch's last step.

    Returns:
        A list of `(batch, logs, index)`: the step's index in the epoch
        (from 0), its logs, and its position in `model.last_call` (for
        `CallSteps.norms`), `None` for Keras's own report.
    """
    call = getattr(model, "last_call", None)
    if call is None:
        if steps:
            batch = min(batch, steps - 1)
        return [(batch, logs, None)]
    first = batch - model.steps_per_execution + 1
    return [
        (first + index, call.logs(index), index)
        for index in range(call.count)
    ]


class _ScanState:
    """A `ScanSteps` model's own state, kept out of Keras's tracking."""

    def __init__(self):
        self.traces = {}
        self.last_call = None


def _scan_state(model):
    state = model.__dict__.get("_scan_steps_state")
    if state is None:
        state = _ScanState()
        # Not through Keras's `__setattr__`, which would track the traced
        # variables as the model's own.
        object.__setattr__(model, "_scan_steps_state", state)
    return state


def _scans(model):
    """Whether `model`'s calls of several steps run as one `lax.scan`."""
    return (
        keras.backend.backend() == "jax"
        and bool(getattr(model, "scan_steps", True))
        and model.steps_per_execution > 1
        and not model.run_eagerly
        and bool(model.jit_compile)
        and keras.distribution.distribution() is None
        and not keras.config.is_nnx_enabled()
    )


def _jax_train_function(model):
    """The JAX train function `(state, iterator) -> (logs, state)` that runs
    a call's steps in one `jax.lax.scan` of `model.train_step`."""
    import jax
    import jax.numpy as jnp

    steps = model.steps_per_execution
    scan_state = _scan_state(model)
    compiled = {}

    def loop_for(traces):
        # One compiled loop per set of traces (jit keeps one per shape).
        key = tuple(
            (name, tuple((g, tuple(map(id, t))) for g, t in groups), per)
            for name, (groups, per) in sorted(traces.items())
        )
        if key in compiled:
            return compiled[key]
        trainable = list(model.trainable_variables)
        non_trainable = list(model.non_trainable_variables)
        chosen = dict(traces)

        def step(state, batch):
            logs, state = model.train_step(state, batch)
            sums = {}
            if chosen:
                mapping = list(zip(trainable, state[0])) + list(
                    zip(non_trainable, state[1])
                )
                with keras.StatelessScope(state_mapping=mapping):
                    for name, (groups, per_replica) in chosen.items():
                        sums[name] = {
                            group: ops.stack(square_sums(tensors, per_replica))
                            for group, tensors in groups
                        }
            return state, (logs, sums)

        def loop(state, batches):
            state, per_step = jax.lax.scan(step, state, batches)
            last = jax.tree.map(lambda value: value[-1], per_step[0])
            return last, per_step, state

        compiled[key] = jax.jit(loop, donate_argnums=0)
        return compiled[key]

    def train_function(state, iterator):
        # An empty iterator raises StopIteration here: the epoch's end, as
        # Keras's own train function signals it.
        batches = [next(iterator)]
        batches.extend(itertools.islice(iterator, steps - 1))
        traces = dict(scan_state.traces)
        loop = loop_for(traces)
        parts = []
        for stacked in _stacked_runs(batches, jnp):
            logs, per_step, state = loop(state, stacked)
            parts.append(per_step)
        scan_state.last_call = CallSteps(
            len(batches),
            parts,
            {
                name: ([group for group, _ in groups], per_replica)
                for name, (groups, per_replica) in traces.items()
            },
        )
        return logs, state

    return train_function


def _stacked_runs(batches, jnp):
    """Consecutive batches of one structure and shape, each run stacked
    along a new leading axis (the steps of a scan)."""
    runs = []
    for batch in batches:
        leaves = keras.tree.flatten(batch)
        key = tuple(
            None if leaf is None else (leaf.shape, leaf.dtype)
            for leaf in leaves
        )
        if runs and runs[-1][0] == key:
            runs[-1][2].append(leaves)
        else:
            runs.append((key, batch, [leaves]))
    return [
        keras.tree.pack_sequence_as(
            batch, [_stack(leaves, jnp) for leaves in zip(*group)]
        )
        for _, batch, group in runs
    ]


def _stack(leaves, jnp):
    if leaves[0] is None:
        return None
    if all(isinstance(leaf, np.ndarray) for leaf in leaves):
        return np.stack(leaves)  # One transfer to the device.
    return jnp.stack(leaves)
