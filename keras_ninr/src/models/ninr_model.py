"""`NINRModel`: a Keras model that trains with Noise Injection Nodes.

Implements the two NINR topologies of paper Sec. 3.1 on an existing model:
in-NINR (a NIN on the input layer) and full-NINR (a NIN on every layer).
Dense layers carry their NIN themselves (fcNINR); convolutions get a
pixel-wise NIN inserted in front of them (cNINR, Fig. 4).
"""

import math

import keras

from keras_ninr.src import noise
from keras_ninr.src.api_export import register
from keras_ninr.src.layers.noise_injection_dense import NoiseInjectionDense
from keras_ninr.src.layers.noise_injection_pixel import NoiseInjectionPixel
from keras_ninr.src.utils import find_noise_layers
from keras_ninr.src.utils import iter_layers

TOPOLOGIES = ("input", "full")

_CONV_LAYERS = tuple(
    getattr(keras.layers, name)
    for name in (
        "Conv1D",
        "Conv2D",
        "Conv3D",
        "Conv1DTranspose",
        "Conv2DTranspose",
        "Conv3DTranspose",
        "SeparableConv1D",
        "SeparableConv2D",
        "DepthwiseConv1D",
        "DepthwiseConv2D",
    )
    if hasattr(keras.layers, name)
)

# Arguments of keras.layers.Dense that NoiseInjectionDense takes as they are.
_DENSE_ARGUMENTS = (
    "units",
    "activation",
    "use_bias",
    "kernel_initializer",
    "bias_initializer",
    "kernel_regularizer",
    "bias_regularizer",
    "activity_regularizer",
    "kernel_constraint",
    "bias_constraint",
    "name",
    "trainable",
    "dtype",
)


def _is_dense(layer):
    return isinstance(layer, keras.layers.Dense)


def _is_conv(layer):
    return isinstance(layer, _CONV_LAYERS)


def _injectable_layers(model):
    return [
        layer
        for layer in iter_layers(model)
        if _is_dense(layer) or _is_conv(layer)
    ]


def _select_targets(model, topology):
    candidates = _injectable_layers(model)
    if not candidates:
        raise ValueError(
            "`NINRModel.from_model` needs a model with at least one Dense or "
            "convolution layer to attach a Noise Injection Node to. Received: "
            f"model={model.name!r} with layers "
            f"{[layer.name for layer in iter_layers(model)]}"
        )
    if isinstance(topology, str):
        if topology == "input":
            return candidates[:1]
        if topology == "full":
            return candidates
        raise ValueError(
            f"Unrecognized `topology`. Expected one of {TOPOLOGIES} or a list "
            f"of layer names. Received: topology={topology!r}"
        )
    if isinstance(topology, (list, tuple)) and topology:
        by_name = {layer.name: layer for layer in candidates}
        unknown = [
            name
            for name in topology
            if not isinstance(name, str) or name not in by_name
        ]
        if unknown:
            raise ValueError(
                "Unknown layer name(s) in `topology`: a name must be that of "
                "a Dense or convolution layer of the model, one of "
                f"{sorted(by_name)}. Received: topology={list(topology)!r} "
                f"(not found: {unknown!r})"
            )
        return [by_name[name] for name in dict.fromkeys(topology)]
    raise ValueError(
        f"Unrecognized `topology`. Expected one of {TOPOLOGIES} or a non-empty "
        f"list of layer names. Received: topology={topology!r}"
    )


def _noise_dense_from(layer, **noise_arguments):
    config = layer.get_config()
    if config.get("lora_rank"):
        raise ValueError(
            "`NINRModel.from_model` cannot convert a Dense layer with LoRA "
            f"enabled. Received: layer {layer.name!r} with "
            f"lora_rank={config['lora_rank']}"
        )
    arguments = {key: config[key] for key in _DENSE_ARGUMENTS if key in config}
    return NoiseInjectionDense(**arguments, **noise_arguments)


@register
class NINRModel(keras.Model):
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
    `niw_norm/<layer name>` for each.

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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

    @classmethod
    def from_model(
        cls,
        model,
        topology="input",
        noise_stddev=0.0,
        noise_distribution="normal",
        seed=None,
    ):
        """Build a `NINRModel` from a Sequential or Functional model.

        The original model is left untouched: every layer is cloned and its
        weights copied, so the new model's noise-free output equals the
        original's output.

        Args:
            model: A built `keras.Sequential` or Functional `keras.Model`.
            topology: `"input"` puts one NIN on the first Dense or
                convolution layer (in-NINR); `"full"` on every Dense layer
                and before every convolution (full-NINR); a list of layer
                names picks them explicitly. Defaults to `"input"`.
            noise_stddev: sigma_eps of every NIN. Defaults to `0.0`.
            noise_distribution: Distribution of every NIN (see
                `keras_ninr.noise`). Defaults to `"normal"`.
            seed: Optional int. NIN number `i` (in model order) gets seed
                `seed + i`, so that the noise streams differ. Defaults to
                `None`.

        Dense layers become `NoiseInjectionDense` carrying the original
        `kernel` and `bias` (same name); a `NoiseInjectionPixel` named
        `<conv name>_noise_injection` is inserted before each chosen
        convolution. Layers inside nested Functional models are converted
        too; inside a nested Sequential only Dense layers can be.

        Returns:
            A new `NINRModel`.
        """
        noise_stddev = noise.check_noise_stddev(noise_stddev)
        noise.get(noise_distribution)  # Validates before any work is done.
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

        targets = _select_targets(model, topology)
        seeds = {
            id(layer): (None if seed is None else seed + index)
            for index, layer in enumerate(targets)
        }
        dense_targets = {id(l) for l in targets if _is_dense(l)}
        conv_targets = {id(l) for l in targets if _is_conv(l)}

        def noise_arguments(layer):
            return dict(
                noise_stddev=noise_stddev,
                noise_distribution=noise_distribution,
                seed=seeds[id(layer)],
            )

        clones = []
        original_of = {}

        def clone_function(layer):
            if id(layer) in dense_targets:
                clone = _noise_dense_from(layer, **noise_arguments(layer))
            else:
                clone = layer.__class__.from_config(layer.get_config())
            clones.append((layer, clone))
            original_of[id(clone)] = layer
            return clone

        def call_function(layer, *args, **kwargs):
            original = original_of.get(id(layer))
            if original is not None and id(original) in conv_targets:
                pixel = NoiseInjectionPixel(
                    name=f"{original.name}_noise_injection",
                    **noise_arguments(original),
                )
                args = (pixel(args[0]),) + tuple(args[1:])
            return layer(*args, **kwargs)

        cloned = keras.models.clone_model(
            model,
            clone_function=clone_function,
            call_function=call_function,
            recursive=True,
        )
        for original, clone in clones:
            # Copies through NumPy: sharing a JAX buffer would let the
            # training step donate (delete) the original model's weights.
            if isinstance(clone, NoiseInjectionDense):
                clone.kernel.assign(keras.ops.convert_to_numpy(original.kernel))
                if clone.bias is not None:
                    clone.bias.assign(keras.ops.convert_to_numpy(original.bias))
            elif original.weights:
                clone.set_weights(original.get_weights())

        ninr_model = cls(
            inputs=cloned.input, outputs=cloned.output, name=cloned.name
        )
        missing = [
            layer.name
            for layer in targets
            if _is_conv(layer)
            and not any(
                l.name == f"{layer.name}_noise_injection"
                for l in iter_layers(ninr_model)
            )
        ]
        if missing:
            raise ValueError(
                "Could not insert a NoiseInjectionPixel before convolution(s) "
                f"{missing}: they sit inside a nested Sequential model. Build "
                "that part as a Functional model, or add NoiseInjectionPixel "
                "layers to it directly."
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
        if len(args) > 5:
            args = list(args)
            args[5] = [_NoiseWeightNormLogs(), *list(args[5] or [])]
        else:
            kwargs["callbacks"] = [
                _NoiseWeightNormLogs(),
                *list(kwargs.get("callbacks") or []),
            ]
        return super().fit(*args, **kwargs)


class _NoiseWeightNormLogs(keras.callbacks.Callback):
    """Adds the NIW norms to the epoch logs of `NINRModel.fit`.

    Read on the host once an epoch (cheap, and correct on every backend: on
    JAX, `self.model` syncs the training state back into the variables).
    """

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        norms = self.model.noise_weight_norms()
        if not norms:
            return
        logs["niw_norm"] = math.sqrt(sum(v * v for v in norms.values()))
        if len(norms) > 1:
            for name, value in norms.items():
                logs[f"niw_norm/{name}"] = value
