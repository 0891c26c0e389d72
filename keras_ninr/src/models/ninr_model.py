"""`NINRModel`: a Keras model that trains with Noise Injection Nodes.

Implements the two NINR topologies of paper Sec. 3.1 on an existing model:
in-NINR (a NIN on the input layer) and full-NINR (a NIN on every layer).
Dense layers carry their NIN themselves (fcNINR); convolutions get a
pixel-wise NIN inserted in front of them (cNINR, Fig. 4).
"""

import math
import warnings

import keras

from keras_ninr.src import noise
from keras_ninr.src.checks import check_bool
from keras_ninr.src.api_export import register
from keras_ninr.src.models.conversion import add_noise_injection_nodes
from keras_ninr.src.models.conversion import describe_layers
from keras_ninr.src.models.scan_steps import ScanSteps
from keras_ninr.src.norms import l2_norm
from keras_ninr.src.utils import find_noise_layers


@register
class NINRModel(ScanSteps, keras.Model):
    """A Functional `keras.Model` trained with Noise Injection Nodes.

    Build one from an existing model with `NINRModel.from_model(...)`, or
    directly like a Functional model, `NINRModel(inputs, outputs)`, from
    graphs that use `NoiseInjectionDense` / `NoiseInjectionPixel`.

    Noise is on only in training (`fit`, or `__call__` with
    `training=True`); `predict`, `evaluate` and `__call__` are noise-free and
    deterministic, exactly the original network (the paper evaluates "with
    the NIN output set to 0").

    At the end of every epoch `fit` adds the NIW norm to the logs (so to the
    `History`, the progress bar and any `CSVLogger`): `niw_norm`, the L2
    norm of all NIWs together, and, when there are several NINs,
    `niw_norm/<layer name>` for each. If the training loss (or the NIW
    norm) stops being finite, `fit` warns once, naming sigma_eps: training
    is in the divergent phase (paper Sec. 2.2). It does not stop the run;
    `keras.callbacks.TerminateOnNaN` does; with it, or with a callback
    that reports divergence itself (`keras_ninr.callbacks.PhaseMonitor`,
    any callback with `watches_divergence = True`), `fit` says nothing.

    On JAX, `compile(steps_per_execution=N)` with N > 1 runs N training
    steps in one compiled call (`jax.lax.scan`; Keras's own loop calls the
    compiled step N times), with the weights of one step per call, and
    `PhaseMonitor` still sees every step (see `keras_ninr.src.models.
    scan_steps.ScanSteps`, and `docs/performance.md` for what it costs).
    Set `model.scan_steps = False` before `fit` for Keras's own loop.

    Example:

    ```python
    base = keras.Sequential([
        keras.Input((784,)),
        keras.layers.Dense(1024, activation="relu"),
        keras.layers.Dense(10),
    ])
    model = NINRModel.from_model(base, topology="input", noise_stddev=51.8)
    model.compile("sgd", "sparse_categorical_crossentropy", ["accuracy"])
    model.fit(x, y, epochs=5)           # logs include `niw_norm`
    model.noise_stddev = 10.0           # sets every NIN
    ```
    """

    @classmethod
    def from_model(
        cls,
        model,
        topology="input",
        noise_stddev=0.0,
        noise_distribution="normal",
        seed=None,
        shared_noise=True,
    ):
        """Build a `NINRModel` from a Sequential or Functional model.

        The original model is left untouched: every layer is cloned and its
        weights copied, so the new model's noise-free output equals the
        original's output.

        Args:
            model: A built `keras.Sequential` or Functional `keras.Model`.
            topology: `"input"` (in-NINR) puts a NIN on the first layer of
                each input branch that can carry one: the first Dense or
                convolution of a single-input model, one per input of a
                multi-input model. `"full"` (full-NINR) puts one on every
                Dense-like layer and before every convolution. A list of
                layer names picks them explicitly. Defaults to `"input"`.
                Layers that can carry a NIN: `Dense`, `EinsumDense`,
                `TimeDistributed(Dense)` and convolutions (also inside
                `TimeDistributed`); others with weights (`Embedding`,
                recurrent, attention blocks) cannot, and a warning names
                any that the chosen topology passes over.
            noise_stddev: sigma_eps of every NIN. Defaults to `0.0`.
            noise_distribution: Distribution of every NIN (see
                `keras_ninr.noise`). Defaults to `"normal"`.
            seed: Optional int. NIN number `i` (in model order) gets seed
                `seed + i`, so that the noise streams differ, and a shared
                `NoiseSource` gets `seed`. Defaults to `None`.
            shared_noise: Boolean. With several NINs (full-NINR, a list of
                layers, in-NINR on a multi-input model), `True` gives the
                paper's single Noise Injection Node: one eps per sample,
                drawn by one `NoiseSource` inserted into the model and fed
                to every NIN layer (each through its own NIW, scaled by its
                own sigma_eps). `False` gives every NIN its own independent
                draws. A NIN inside a nested model cannot take the outer
                graph's draws and draws apart (with a warning). Defaults to
                `True`.

        Dense layers become `NoiseInjectionDense` carrying the original
        `kernel` and `bias` (same name); a `TimeDistributed(Dense)` becomes
        that `NoiseInjectionDense` applied to the whole sequence (one eps per
        sample, shared by its time steps; its noise-free output equals the
        original's up to float rounding, the matmul running over the whole
        sequence at once); an `EinsumDense` becomes a
        `NoiseInjectionEinsumDense`; a `NoiseInjectionPixel` named
        `<conv name>_noise_injection` is inserted before each chosen
        convolution. Layers inside nested Functional models are converted
        too; inside a nested Sequential only Dense layers can be. Every
        other layer is cloned with its whole state: weights, and what
        Keras's saving keeps beside them (an adapted `Normalization`'s
        statistics, a lookup layer's vocabulary). A NIN whose layer is
        frozen (`trainable=False`) gets a warning.

        Returns:
            A new `NINRModel`.
        """
        noise_stddev = noise.check_noise_stddev(noise_stddev)
        seed = noise.check_seed(seed)
        noise.get(noise_distribution)  # Validates before any work is done.
        shared_noise = check_bool(
            shared_noise,
            "shared_noise",
            " (True: one noise draw per sample shared by every NIN, the "
            "paper's; False: independent draws per NIN)",
        )
        if not isinstance(model, keras.Model):
            raise ValueError(
                "Expected `model` to be a keras.Model (Sequential or "
                f"Functional). Received: model={model!r}"
            )
        if isinstance(model, keras.Sequential):
            if not model.built or not model.inputs:
                raise ValueError(
                    "`NINRModel.from_model` needs a built Sequential model "
                    "that starts with `keras.Input(shape)`. Received: "
                    f"model={model.name!r}, built={model.built}"
                )
            # A single input stays a single tensor, not a list of one, so
            # the new model accepts a plain array without a warning.
            inputs, outputs = model.inputs, model.outputs
            model = keras.Model(
                inputs[0] if len(inputs) == 1 else inputs,
                outputs[0] if len(outputs) == 1 else outputs,
                name=model.name,
            )
        elif not getattr(model, "inputs", None):
            raise ValueError(
                "`NINRModel.from_model` works on Sequential and Functional "
                "models; a subclassed model's graph is unknown. Add "
                "`NoiseInjectionDense` / `NoiseInjectionPixel` layers to it "
                f"directly instead. Received: model of type "
                f"{type(model).__name__}"
            )

        cloned = add_noise_injection_nodes(
            model, topology, noise_stddev, noise_distribution, seed, shared_noise
        )
        ninr_model = cls(
            inputs=cloned.input, outputs=cloned.output, name=cloned.name
        )
        trainable = {id(w) for w in ninr_model.trainable_weights}
        frozen = [
            layer
            for layer in ninr_model.noise_layers
            if id(layer.noise_kernel) not in trainable
        ]
        if frozen:
            warnings.warn(
                f"The NIN(s) of {describe_layers(frozen)} have frozen noise "
                "weights (NIW): their layers, or a model holding them, have "
                "`trainable=False`, so training injects noise but cannot "
                "suppress it, which is not NINR. Unfreeze those layers, or "
                "pick others with `topology=[layer names]`.",
                stacklevel=2,
            )
        return ninr_model

    @property
    def noise_layers(self):
        """The layers carrying a NIN, nested models included, in model order."""
        return find_noise_layers(self)

    def noise_weight_norms(self):
        """Dict of layer name -> L2 norm of that layer's NIW (a float)."""
        return {
            layer.name: layer.noise_weight_norm() for layer in self.noise_layers
        }

    @property
    def noise_stddev(self):
        """sigma_eps of the NINs: a float if they agree, else a name -> dict."""
        values = {layer.name: layer.noise_stddev for layer in self.noise_layers}
        if len(set(values.values())) <= 1:
            return next(iter(values.values()), 0.0)
        return values

    @noise_stddev.setter
    def noise_stddev(self, value):
        layers = self.noise_layers
        if isinstance(value, dict):
            names = {layer.name for layer in layers}
            unknown = sorted(set(value) - names)
            if unknown:
                raise ValueError(
                    "Unknown NIN layer name(s) in `noise_stddev`: expected "
                    f"names among {sorted(names)}. Received: "
                    f"noise_stddev={value!r}"
                )
            for layer in layers:
                if layer.name in value:
                    layer.noise_stddev = value[layer.name]
            return
        value = noise.check_noise_stddev(value)
        for layer in layers:
            layer.noise_stddev = value

    def fit(self, *args, **kwargs):
        # `callbacks` is fit's sixth positional argument.
        positional = len(args) > 5
        given = list((args[5] if positional else kwargs.get("callbacks")) or [])
        # Callbacks that deal with divergence themselves (a PhaseMonitor
        # warns): no second word on it.
        watched = any(
            isinstance(c, keras.callbacks.TerminateOnNaN)
            or getattr(c, "watches_divergence", False)
            for c in given
        )
        callbacks = [NoiseWeightNormLogs(warn_on_divergence=not watched), *given]
        if positional:
            args = list(args)
            args[5] = callbacks
        else:
            kwargs["callbacks"] = callbacks
        return super().fit(*args, **kwargs)


class NoiseWeightNormLogs(keras.callbacks.Callback):
    """Adds the NIW norms to the epoch logs of `NINRModel.fit`.

    `niw_norm` (all NIWs together) and, with several NINs,
    `niw_norm/<layer name>`. Finds the NINs by type, so that a model that
    wraps a NINR model for training (`DeviceDataModel`) logs the same keys.
    Read on the host once an epoch (cheap, and correct on every backend: on
    JAX, `self.model` syncs the training state back into the variables).

    Args:
        warn_on_divergence: Whether to warn, once, when the loss or the NIW
            norm stops being finite. Defaults to `False`.
    """

    def __init__(self, warn_on_divergence=False):
        super().__init__()
        self.warn_on_divergence = warn_on_divergence
        self._warned = False

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        layers = find_noise_layers(self.model)
        if not layers:
            return
        logs["niw_norm"] = l2_norm(layer.noise_kernel for layer in layers)
        if len(layers) > 1:
            for layer in layers:
                logs[f"niw_norm/{layer.name}"] = layer.noise_weight_norm()
        loss = logs.get("loss", 0.0)
        finite = math.isfinite(logs["niw_norm"]) and (
            not isinstance(loss, (int, float)) or math.isfinite(loss)
        )
        if self.warn_on_divergence and not finite and not self._warned:
            self._warned = True
            sigmas = ", ".join(
                f"{s:g}" for s in sorted({layer.noise_stddev for layer in layers})
            )
            warnings.warn(
                f"The training loss is {loss} (NIW norm {logs['niw_norm']}) "
                f"at epoch {epoch + 1} with noise_stddev (sigma_eps) = "
                f"{sigmas}: the network cannot suppress its Noise Injection "
                "Nodes at this sigma_eps (the divergent phase, paper Sec. "
                "2.2). Try a smaller noise_stddev, e.g. from "
                "keras_ninr.phases.suggest_noise_stddev(...), or a smaller "
                "learning rate. Training goes on; "
                "keras.callbacks.TerminateOnNaN() stops such a run.",
                RuntimeWarning,
                stacklevel=2,
            )
