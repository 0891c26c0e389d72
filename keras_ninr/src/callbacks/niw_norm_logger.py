"""`NIWNormLogger`: records the NIW dynamics of paper Sec. 2.2 and Fig. 3."""

import csv
import inspect
import os

import keras

from keras_ninr.src.checks import check_path
from keras_ninr.src.norms import l2_norm
from keras_ninr.src.utils import check_every_n_batches
from keras_ninr.src.utils import combined_norms
from keras_ninr.src.utils import crossed_multiple
from keras_ninr.src.utils import noise_layer_pairs


class NIWNormLogger(keras.callbacks.Callback):
    """Records the norm of every NIW, and of the data weights after each NIN.

    Works on any model containing NIN layers (found by type, nested models
    included). The phases of Sec. 2.2 are read off these curves: a random
    walk of |W_NI| (decoupled), its exponential decay (decay), an early rise
    of the next layer's weights |W^(l_NI + 1)| with a loss spike (catapult).

    The records are `niw_norm`, the L2 norm of all NIWs together (the key
    `NINRModel.fit` logs, so that `history.history["niw_norm"]` reads the
    same whatever the model class), and for a NIN layer named `name`
    `niw_norm/<name>` and `data_weight_norm/<next>`, where `<next>` is the
    first layer with a `kernel` after the NIN in model order (for a
    `NoiseInjectionDense`, the layer its output feeds; for a
    `NoiseInjectionPixel`, the convolution it feeds).

    Every epoch the values go into the epoch logs, hence into `History` and
    into any `CSVLogger` or `TensorBoard` of the same `fit`, wherever they
    are listed (the logger runs first). With
    `every_n_batches`, they are also recorded every N training batches
    (with `steps_per_execution` > 1, Keras calls back every few steps, and
    a record falls at the first call at or after each multiple of N; its
    `step` says which step it is). Steps count from the start of training:
    after `fit(..., initial_epoch=k)` they go on from epoch `k` (as the
    epochs of Keras's `TensorBoard` do), so that a resumed run's curves
    continue those of the run it resumes (where Keras knows the number of
    steps per epoch; otherwise they go on from 0). All
    records (epoch and batch) are kept in `self.records` (a list of dicts),
    written to `csv_path` as they are made, and, with `log_dir`, written as
    TensorBoard scalars under `<log_dir>/niw` (this needs the `tensorboard`
    package, not TensorFlow).

    As with `keras.callbacks.CSVLogger`, each `fit` overwrites `csv_path`
    unless `append=True`. Appending needs the same columns: the file's
    header must equal the columns this run writes (`epoch`, `batch`, `step`,
    then the records above), which holds for the same model, or another
    with the same NIN and layer names.

    Args:
        every_n_batches: Optional positive int; also record every N batches.
            Defaults to `None` (once an epoch).
        csv_path: Optional path of a CSV file to write records to (written
            and flushed as they are made). Defaults to `None`.
        log_dir: Optional TensorBoard log directory. Defaults to `None`.
        include_next_layer: Whether to record `data_weight_norm/...`.
            Defaults to `True`.
        append: Bool. `False` overwrites `csv_path` at the start of
            training; `True` appends to it, and raises a `ValueError` at the
            start of training if its header differs from this run's
            columns. Defaults to `False`.
    """

    def __init__(
        self,
        every_n_batches=None,
        csv_path=None,
        log_dir=None,
        include_next_layer=True,
        append=False,
    ):
        super().__init__()
        every_n_batches = check_every_n_batches(
            every_n_batches, allow_none=True
        )
        if not isinstance(append, bool):
            raise ValueError(
                f"Expected `append` to be a bool. Received: append={append!r}"
            )
        self.every_n_batches = every_n_batches
        self.csv_path = check_path(csv_path, "csv_path")
        self.log_dir = check_path(log_dir, "log_dir")
        self.include_next_layer = include_next_layer
        self.append = append
        self._csv_file = None
        self._csv_writer = None
        self._summary_writer = None

    def set_model(self, model):
        super().set_model(model)
        # Keras calls a fit's callbacks in list order, each `on_epoch_end`
        # with the same logs: a CSVLogger or TensorBoard listed before this
        # logger would write the epoch before it adds `niw_norm`. Keras gives
        # a callback no handle on the list, but sets the model from it
        # (`keras.callbacks.CallbackList.set_model`, which `fit` calls as it
        # builds the list): from there this logger moves itself to the
        # front, so that the order the callbacks are listed in does not
        # matter.
        frame = inspect.currentframe()
        caller = frame.f_back.f_locals.get("self") if frame else None
        if isinstance(caller, keras.callbacks.CallbackList):
            callbacks = caller.callbacks
            if any(c is self for c in callbacks) and callbacks[0] is not self:
                callbacks.remove(self)
                callbacks.insert(0, self)

    def on_train_begin(self, logs=None):
        self._pairs = noise_layer_pairs(
            self.model, "NIWNormLogger", self.include_next_layer
        )
        self.records = []
        self._epoch = 0
        self._step = 0
        self._epoch_start = 0
        # A run that ended in an exception never reached on_train_end.
        self._close()
        if self.csv_path is not None:
            self._open_csv(self._columns())
        if self.log_dir is not None:
            # The tensorboard package writes event files with or without
            # TensorFlow, so this works on every backend.
            from tensorboard.summary import Writer

            self._summary_writer = Writer(os.path.join(self.log_dir, "niw"))

    def _columns(self):
        """The CSV columns, in the order `_record` fills them."""
        columns = ["epoch", "batch", "step", "niw_norm"]
        for layer, following in self._pairs:
            columns.append(f"niw_norm/{layer.name}")
            if following is not None:
                columns.append(f"data_weight_norm/{following.name}")
        return columns

    def _open_csv(self, columns):
        directory = os.path.dirname(self.csv_path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        header = None
        if self.append and os.path.isfile(self.csv_path):
            with open(self.csv_path, newline="") as f:
                header = next(csv.reader(f), None)
        if header is not None and header != columns:
            # Rows under another header would be read into the wrong columns.
            raise ValueError(
                f"Cannot append to csv_path={self.csv_path!r}: its columns "
                f"differ from those of this run (another model or NIN "
                f"topology?). File columns: {header}. This run's columns: "
                f"{columns}. Pass append=False to overwrite it, or another "
                "csv_path."
            )
        self._csv_file = open(
            self.csv_path, "a" if self.append else "w", newline=""
        )
        self._csv_writer = csv.DictWriter(self._csv_file, fieldnames=columns)
        if header is None:
            self._csv_writer.writeheader()
            self._csv_file.flush()

    def _values(self):
        self.model  # On JAX, syncs the training state into the variables.
        values = {"niw_norm": combined_norms(self._pairs)["niw_norm"]}
        for layer, following in self._pairs:
            values[f"niw_norm/{layer.name}"] = layer.noise_weight_norm()
            if following is not None:
                values[f"data_weight_norm/{following.name}"] = l2_norm(
                    [following.kernel]
                )
        return values

    def _record(self, values, batch):
        record = {"epoch": self._epoch, "batch": batch, "step": self._step}
        record.update(values)
        self.records.append(record)
        if self._csv_writer is not None:
            self._csv_writer.writerow(record)
            self._csv_file.flush()
        if self._summary_writer is not None:
            for key, value in values.items():
                self._summary_writer.add_scalar(key, value, step=self._step)
            self._summary_writer.flush()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        steps_per_epoch = (self.params or {}).get("steps")
        self._epoch_start = (
            epoch * steps_per_epoch if steps_per_epoch else self._step
        )
        self._step = self._epoch_start

    def on_train_batch_end(self, batch, logs=None):
        # `batch` is the index of the last step run (several with
        # steps_per_execution > 1). At an epoch's last call, which may run
        # fewer than N steps, Keras still reports N - 1 after the call's
        # first: cut it to the epoch's last step.
        steps_per_epoch = (self.params or {}).get("steps")
        if steps_per_epoch:
            batch = min(batch, steps_per_epoch - 1)
        previous = self._step
        self._step = self._epoch_start + batch + 1
        if self.every_n_batches and crossed_multiple(
            previous, self._step, self.every_n_batches
        ):
            self._record(self._values(), batch)

    def on_epoch_end(self, epoch, logs=None):
        values = self._values()
        self._record(values, batch=None)
        if logs is not None:
            logs.update(values)

    def on_train_end(self, logs=None):
        self._close()

    def _close(self):
        if self._csv_file is not None:
            self._csv_file.close()
            self._csv_file = None
            self._csv_writer = None
        if self._summary_writer is not None:
            self._summary_writer.close()
            self._summary_writer = None
