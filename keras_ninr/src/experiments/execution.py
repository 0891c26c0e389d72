"""How the kit's runs call `fit`: several steps per call, data on the device.

A run of the paper's small networks through `Model.fit` pays a fixed cost
per training step (the backend's call, moving a NumPy batch to the device,
Keras's callbacks) that can be larger than the step itself (issues 15 and
24, `benchmarks/step_overhead.py`). The kit cuts it three ways:

- `compile(steps_per_execution=N)`: Keras runs N steps per call and calls
  the batch callbacks once per N steps. `steps_per_execution` gives the
  kit's N for this backend and device (a table measured with
  `benchmarks/step_overhead.py`), and 1 where the backend allows no other
  value (PyTorch) or where a run keeps a phase trace and the backend
  cannot give it every step (see below).
- N steps in one compiled call: Keras's own JAX loop calls the
  compiled step N times from Python; the kit's training models
  (`NINRModel`, `DeviceDataModel`, the replicas' `ReplicaModel`) have the
  `ScanSteps` mixin, which runs them in one `jax.lax.scan`
  (`keras_ninr.src.models.scan_steps`). On TensorFlow, Keras's graph loop
  pulls each step's batch from a `tf.data` iterator; `DeviceDataModel`
  computes its steps' positions in one `tf.while_loop` instead
  (`_tf_position_loop`).
- `DeviceDataModel`: the training images and labels stay on the device,
  in the model, with each epoch's order; Keras is fed only positions in
  the epoch, so no image batch crosses from NumPy to the backend at each
  step and no Python code runs per batch.

None changes what a step computes: the same seed gives the same weights
(`tests/experiments/test_execution.py`, `tests/models/test_scan_steps.py`).

**What a run with N > 1 gives up.** Keras calls `on_train_batch_end` after
every N-th step (with the index of the last), and its logs are those of
that step: records that a callback makes every k batches fall at the first
call at or after each multiple of k (exactly on it when N divides k), and
a non-finite loss is seen up to N - 1 steps late. A phase trace
(`PhaseMonitor`, the replicas' `PhaseTrace`, the phase-boundary finder)
also takes the loss of the very first step as the loss at the start of
training (`keras_ninr.phases.classify` measures a catapult's spike against
it); with N > 1 it would get the mean over the first N steps. On JAX the
scanned call keeps every step's loss and the norms the phase tools read
(`ScanSteps.last_call`), and they replay the call step by step: their
records are those of one step per call, and only a stop on divergence
waits for the end of the call. So the kit takes the table's N for every
run on JAX, phase traces included (NINR sweep runs, alone or as replicas,
Fig. 3, the phase-boundary finder), and keeps N = 1 for runs with a phase
trace on the other backends.
"""


import keras
import numpy as np
from keras import ops

from keras_ninr.src.checks import check_positive_int
from keras_ninr.src.experiments.provenance import accelerator_name
from keras_ninr.src.models.scan_steps import ScanSteps
from keras_ninr.src.models.ninr_model import NoiseWeightNormLogs
from keras_ninr.src.utils import find_noise_layers

BACKENDS = ("jax", "tensorflow", "torch")
DEVICE_KINDS = ("cpu", "gpu", "tpu")

# The kit's steps_per_execution by (backend, device kind), chosen with
# `benchmarks/step_overhead.py` on a 2-core CPU (results and reading in
# `benchmarks/results/step_overhead.md`):
# - JAX: measured with Keras's own loop (N calls of the compiled step
#   from Python), where the epoch time stopped falling by N = 32; the
#   kit's models now scan the N steps in one call (`ScanSteps`), which
#   saves the per-step dispatch too.
# - TensorFlow: Keras compiles the N steps into one graph loop; 32 and
#   128 are within the machine's noise of each other in the committed run
#   (earlier runs favoured 128), and a larger N costs the kit's runs
#   nothing (their callbacks are per epoch).
# - PyTorch: Keras allows 1 only.
# GPU and TPU are not measured yet and take the CPU's value: per-step
# dispatch and host synchronisation weigh more there next to a small
# step (issue 15: 0.35-0.5 s an epoch through `fit` on an H200 against
# 0.042 s for one compiled loop), and N changes no result. Beyond the
# table, N only delays what Keras reports per batch (see the module
# docstring), so a larger value than needed costs nothing but that.
STEPS_PER_EXECUTION = {
    ("jax", "cpu"): 32,
    ("jax", "gpu"): 32,
    ("jax", "tpu"): 32,
    ("tensorflow", "cpu"): 128,
    ("tensorflow", "gpu"): 128,
    ("tensorflow", "tpu"): 128,
    ("torch", "cpu"): 1,
    ("torch", "gpu"): 1,
}


def device_kind():
    """`"cpu"`, `"gpu"` or `"tpu"`: what the backend computes on."""
    name = accelerator_name().split(":", 1)[0].strip().lower()
    if name in ("gpu", "cuda", "rocm"):
        return "gpu"
    if name == "tpu":
        return "tpu"
    return "cpu"


def steps_per_execution(phase_trace=False, backend=None, device=None):
    """The `steps_per_execution` the kit compiles a run with.

    Args:
        phase_trace: Bool, whether the run keeps a phase trace (a
            `PhaseMonitor` or the like), which needs the loss of every
            step from the first: then 1, except on JAX, where the kit's
            models scan a call's steps and keep each (`ScanSteps`).
            Defaults to `False`.
        backend: `"jax"`, `"tensorflow"` or `"torch"`. Defaults to `None`,
            the active Keras backend.
        device: `"cpu"`, `"gpu"` or `"tpu"`. Defaults to `None`, what the
            backend computes on (`device_kind()`).

    Returns:
        A positive int, from `STEPS_PER_EXECUTION` (1 for a pair not in it).
    """
    if not isinstance(phase_trace, bool):
        raise ValueError(
            "Expected `phase_trace` to be a bool. "
            f"Received: phase_trace={phase_trace!r}"
        )
    if backend is None:
        backend = keras.backend.backend()
    if backend not in BACKENDS:
        raise ValueError(
            f"Unrecognized `backend`. Expected one of {BACKENDS}. "
            f"Received: backend={backend!r}"
        )
    if device is None:
        device = device_kind()
    if device not in DEVICE_KINDS:
        raise ValueError(
            f"Unrecognized `device`. Expected one of {DEVICE_KINDS}. "
            f"Received: device={device!r}"
        )
    if phase_trace and backend != "jax":
        return 1
    return STEPS_PER_EXECUTION.get((backend, device), 1)


class DeviceData(keras.layers.Layer):
    """A data set kept on the device: sample indices -> those samples.

    The array is a non-trainable variable, so a training step's input is a
    few integers per sample instead of the samples themselves.

    Args:
        data: Array `(N, ...)`, e.g. training images.
    """

    def __init__(self, data, **kwargs):
        super().__init__(**kwargs)
        self._data = np.asarray(data)
        self._shape = self._data.shape
        self._data_dtype = keras.backend.standardize_dtype(self._data.dtype)

    def build(self, input_shape):
        self.data = self.add_weight(
            name="data",
            shape=self._shape,
            initializer="zeros",
            dtype=self._data_dtype,
            trainable=False,
            autocast=False,
        )
        self.data.assign(self._data)
        self._data = None  # The device holds it now.

    def call(self, indices):
        indices = ops.cast(indices, "int32")  # Symbolic builds pass floats.
        return ops.take(self.data, indices, axis=0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + tuple(self._shape[1:])


class DeviceDataModel(ScanSteps, keras.Model):
    """Trains `model` on a data set kept on the device, in a run's order.

    `DeviceDataModel(model, x, y, seed)` holds `x` and `y` in variables,
    arranged in the current epoch's order (the order `EpochBatches(x, y,
    batch_size, seed)` gives under `fit`, `trained_epoch_order`), and shares every
    variable of `model`. Its `fit` feeds Keras only the positions
    `0 ... N-1` in the epoch, as a NumPy array (the backends' fastest input
    pipeline); a step gathers its samples and labels on the device. It
    trains `model` exactly as `model.fit(EpochBatches(x, y, batch_size,
    seed), shuffle=False)` would, and `model` keeps the trained weights:
    evaluate, save and predict with `model` itself (this model's output is
    `model`'s output and the labels). Compile it as `model` would be
    compiled.

    Like `NINRModel.fit`, its `fit` adds the NIW norm (`niw_norm`) to the
    epoch logs when `model` has Noise Injection Nodes. Like `NINRModel`, on
    JAX it runs the `steps_per_execution` steps of a call in one compiled
    loop (`ScanSteps`); on TensorFlow, in one `tf.while_loop` that computes
    each step's positions (`_tf_position_loop`). `scan_steps = False`
    before `fit` keeps Keras's own loop on both.

    Args:
        model: A Keras model taking a batch of `x`.
        x: The training inputs, `(N, ...)`, as `model` takes them.
        y: The `N` integer labels.
        seed: Int: the run's data order (see `trained_epoch_order`).
    """

    def __init__(self, model, x, y, seed, **kwargs):
        super().__init__(**kwargs)
        x, y = np.asarray(x), np.asarray(y)
        if len(x) != len(y) or len(x) == 0:
            raise ValueError(
                "Expected `x` and `y` with the same, positive number of "
                f"samples. Received: len(x)={len(x)}, len(y)={len(y)}"
            )
        self.network = model
        self.seed = int(seed)
        self.num_samples = len(x)
        # The samples and labels are kept in the order of the epoch being
        # trained (`arrange`), so that a step gathers them at its positions
        # with one gather each: a second, dependent gather through an order
        # variable made TensorFlow's step 1.5x slower (issue 24).
        self.arranged = trained_epoch_order(self.seed, 0, self.num_samples)
        self.samples = DeviceData(x[self.arranged], name="samples")
        self.labels = DeviceData(y.astype("int32")[self.arranged], name="labels")
        for layer in (self.samples, self.labels):
            layer.build(None)
        # Set by `fit`: its batch size, and the first step of each call.
        self.batch_size, self.call_begin = None, 0

    def make_train_function(self, force=False):
        if not _loops_positions(self):
            if self.train_function is self.__dict__.get("_position_loop"):
                self.train_function = None
            return super().make_train_function(force)
        if self.__dict__.get("_position_loop") is None or force:
            # Not through Keras's `__setattr__`, which tracks what it holds.
            object.__setattr__(self, "_position_loop", _tf_position_loop(self))
        self.train_function = self._position_loop
        return self.train_function

    def compile(self, *args, **kwargs):
        super().compile(*args, **kwargs)
        object.__setattr__(self, "_position_loop", None)

    def arrange(self, order):
        """Put the samples and labels on the device in `order` (sample
        `order[i]` at position `i`), by one gather from their current
        arrangement."""
        order = np.asarray(order)
        if np.array_equal(order, self.arranged):
            return
        inverse = np.empty_like(self.arranged)
        inverse[self.arranged] = np.arange(self.num_samples)
        moves = ops.convert_to_tensor(inverse[order].astype("int32"))
        for layer in (self.samples, self.labels):
            layer.data.assign(ops.take(layer.data, moves, axis=0))
        self.arranged = order

    def call(self, positions, training=False):
        """`(model's output, labels)` of the samples at `positions`."""
        outputs = self.network(self.samples(positions), training=training)
        # The labels go out with the outputs: JAX computes the metrics
        # outside the step's view of the non-trainable variables.
        return outputs, self.labels(positions)

    # Keras passes the positions as `y`; the labels come with `y_pred`.
    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        outputs, labels = y_pred
        return super().compute_loss(
            x=x,
            y=labels,
            y_pred=outputs,
            sample_weight=sample_weight,
            training=training,
        )

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        outputs, labels = y_pred
        return super().compute_metrics(x, labels, outputs, sample_weight)

    def fit(
        self,
        *,
        batch_size,
        epochs=1,
        initial_epoch=0,
        callbacks=None,
        verbose="auto",
    ):
        """Train on the data set up to epoch `epochs`; returns `History`.

        Args:
            batch_size: Int, samples per step (the last step of an epoch
                takes what is left).
            epochs: Int, the epoch training ends at (as in
                `keras.Model.fit`). Defaults to `1`.
            initial_epoch: Int, the epoch to start at (0-based), e.g. to
                resume a run: epoch e trains in `trained_epoch_order(seed,
                e, N)` whatever epoch training started at. Defaults to `0`.
            callbacks: Optional list of Keras callbacks.
            verbose: As in `keras.Model.fit`. Defaults to `"auto"`.
        """
        batch_size = check_positive_int(batch_size, "batch_size")
        if batch_size != self.batch_size:
            # The TensorFlow loop computes positions for one batch size.
            object.__setattr__(self, "_position_loop", None)
        self.batch_size = int(batch_size)
        callbacks = [_EpochOrder(), *list(callbacks or [])]
        if find_noise_layers(self.network):
            callbacks.insert(1, NoiseWeightNormLogs())
        positions = np.arange(self.num_samples, dtype="int32")
        return super().fit(
            positions,
            positions,
            batch_size=int(batch_size),
            epochs=epochs,
            initial_epoch=initial_epoch,
            callbacks=callbacks,
            shuffle=False,
            verbose=verbose,
        )


def epoch_order(seed, epoch, size):
    """The permutation of `range(size)` that run `seed` uses in `epoch`
    (the kit's data order, alone and as replicas)."""
    return np.random.default_rng([int(seed), int(epoch)]).permutation(size)


def trained_epoch_order(seed, epoch, size):
    """The order `EpochBatches(..., seed)` gives epoch `epoch` of a `fit`.

    Keras's `fit` calls a `PyDataset`'s `on_epoch_end` once before the
    first epoch (when it resets its iterator), so `EpochBatches` trains
    epoch e in `epoch_order(seed, e + 1)`, on every backend; the kit's runs
    were trained so, alone and as replicas, and `DeviceDataModel` keeps it.
    """
    return epoch_order(seed, epoch + 1, size)


class _EpochOrder(keras.callbacks.Callback):
    """Arranges a `DeviceDataModel`'s data in the epoch's order before it,
    and tells it the first step of each training call."""

    def on_epoch_begin(self, epoch, logs=None):
        model = self.model
        model.arrange(trained_epoch_order(model.seed, epoch, model.num_samples))

    def on_train_batch_begin(self, batch, logs=None):
        self.model.call_begin = int(batch)


def _loops_positions(model):
    """Whether `model`'s calls of several steps run as one TensorFlow loop
    over its positions (`_tf_position_loop`)."""
    return (
        keras.backend.backend() == "tensorflow"
        and bool(model.scan_steps)
        and model.steps_per_execution > 1
        and not model.run_eagerly
        and model.batch_size is not None
    )


def _tf_position_loop(model):
    """The TensorFlow train function of a `DeviceDataModel`'s `fit`: the
    steps of a call in one `tf.while_loop` (one graph, XLA-compiled where
    the model is `jit_compile`d), each step's positions computed in the
    graph from the call's first step.

    Keras's own loop pulls every step's batch from a `tf.data` iterator
    and branches on whether it has one (`get_next_as_optional`, `tf.cond`)
    inside its loop, which made a step of the small FC 1.5-2x slower than
    the step itself (issue 24). A `DeviceDataModel`'s batches are known:
    step s of an epoch trains on the positions `s * batch_size ...`, up to
    the epoch's size; so the loop reads no iterator (Keras's epoch
    iterator counts the steps and makes a fresh one each epoch), and a
    call's steps are those Keras counts for it: `steps_per_execution`, or
    what is left of the epoch. A last, smaller batch runs as its own step.
    """
    import tensorflow as tf  # This path runs on TensorFlow only.

    batch = model.batch_size
    jit = bool(model.jit_compile)

    def positions(step):
        return step * batch + tf.range(batch)

    @tf.function(jit_compile=jit, reduce_retracing=True)
    def full_steps(first, count):
        step = positions(first)
        logs = model.train_step((step, step))

        def body(index, logs):
            step = positions(first + index)
            return index + 1, model.train_step((step, step))

        _, logs = tf.while_loop(
            lambda index, logs: index < count, body, (tf.constant(1), logs)
        )
        return logs

    @tf.function(jit_compile=jit, reduce_retracing=True)
    def last_step(step):
        return model.train_step((step, step))

    def train_function(iterator):
        del iterator  # The positions are computed; see above.
        size = model.num_samples
        whole = size // batch
        first = model.call_begin
        count = min(model.steps_per_execution, -(-size // batch) - first)
        logs = None
        if first < whole:
            logs = full_steps(
                tf.constant(first, "int32"),
                tf.constant(min(count, whole - first), "int32"),
            )
        if first + count > whole:
            logs = last_step(tf.range(whole * batch, size))
        return logs

    return train_function
