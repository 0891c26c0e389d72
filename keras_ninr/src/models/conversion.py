"""Putting Noise Injection Nodes into an existing model (paper Sec. 3.1).

`add_noise_injection_nodes` is the work behind `NINRModel.from_model`:
which layers get a NIN for a topology (in-NINR: the first layer of each
input branch that can carry one; full-NINR: every one), and a clone of the
model in which Dense-like layers carry their NIN (fcNINR) and convolutions
get a pixel-wise NIN in front (cNINR, Fig. 4), every layer keeping its
state.
"""

import tempfile
import warnings

import keras
import numpy as np

from keras_ninr.src.layers.noise_injection_dense import NoiseInjectionDense
from keras_ninr.src.layers.noise_injection_einsum_dense import (
    NoiseInjectionEinsumDense,
)
from keras_ninr.src.layers.noise_injection_layer import NoiseInjectionLayer
from keras_ninr.src.layers.noise_injection_pixel import NoiseInjectionPixel
from keras_ninr.src.layers.noise_source import NoiseSource
from keras_ninr.src.utils import iter_layers
from keras_ninr.src.utils import tensor_sources

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


def _wrapped(layer):
    """The layer a `TimeDistributed` wraps, else `None`."""
    if isinstance(layer, keras.layers.TimeDistributed):
        return layer.layer
    return None


def _is_dense(layer):
    """A layer that carries its NIN itself: Dense, EinsumDense, and a Dense
    inside `TimeDistributed` (which is the same Dense on every time step)."""
    if isinstance(layer, NoiseInjectionLayer):
        return False  # Already carries one.
    inner = _wrapped(layer)
    if inner is not None:
        return isinstance(inner, keras.layers.Dense)
    return isinstance(layer, (keras.layers.Dense, keras.layers.EinsumDense))


def _is_conv(layer):
    """A convolution, alone or inside `TimeDistributed`: its NIN is a
    `NoiseInjectionPixel` inserted before it."""
    inner = _wrapped(layer)
    return isinstance(inner if inner is not None else layer, _CONV_LAYERS)


def _is_injectable(layer):
    return _is_dense(layer) or _is_conv(layer)


def _carries_data_weights(layer):
    """Whether `layer` multiplies its input by learned weights (a kernel or
    an embedding table), so that a user could expect a NIN on it. Normalising
    layers (gamma, beta, moving statistics) do not count."""
    return any(
        variable.name.endswith("kernel") or variable.name == "embeddings"
        for variable in layer.weights
    )


def describe_layers(layers):
    """`'name' (Class), ...` for messages."""
    return ", ".join(f"{l.name!r} ({type(l).__name__})" for l in layers)


def _input_dependencies(model):
    """Top-level layer name -> names of the model inputs it depends on.

    Read from the Functional model's config (public, and the same graph the
    clone is built from) rather than from Keras's private node objects.
    """
    layers = model.get_config()["layers"]
    sources = {
        entry["name"]: set(tensor_sources(entry.get("inbound_nodes", [])))
        for entry in layers
    }
    input_names = {
        entry["name"] for entry in layers if entry["class_name"] == "InputLayer"
    }
    dependencies = {}

    def depends_on(name):
        if name not in dependencies:
            if name in input_names:
                dependencies[name] = {name}
            else:
                dependencies[name] = set()
                for source in sources.get(name, ()):
                    dependencies[name] |= depends_on(source)
        return dependencies[name]

    for entry in layers:
        depends_on(entry["name"])
    return dependencies, [e["name"] for e in layers if e["name"] in input_names]


def _first_injectable(layer):
    """`layer` if it can carry a NIN, else the first such layer inside it
    when it is a nested model, else `None`."""
    if _is_injectable(layer):
        return layer
    if isinstance(layer, keras.Model):
        return next((l for l in iter_layers(layer) if _is_injectable(l)), None)
    return None


def _input_targets(model):
    """in-NINR: one NIN per input branch, on the first layer of the branch
    that can carry one (model order is topological).

    A layer gets a NIN if some model input reaches it that no NIN has been
    put on the way of yet; on a single-input model that is the first Dense
    or convolution. Returns the targets, the weighted layers passed over on
    the way (they could not carry a NIN) and the inputs left without one.
    """
    dependencies, input_names = _input_dependencies(model)
    covered = set()
    targets, passed_over = [], []
    for layer in model.layers:
        if layer.name in input_names or not dependencies[layer.name] - covered:
            continue
        target = _first_injectable(layer)
        if target is not None:
            targets.append(target)
            covered |= dependencies[layer.name]
        elif _carries_data_weights(layer):
            passed_over.append(layer)
    uncovered = [name for name in input_names if name not in covered]
    return targets, passed_over, uncovered


def _select_targets(model, topology):
    candidates = [
        layer for layer in iter_layers(model) if _is_injectable(layer)
    ]
    if not candidates:
        raise ValueError(
            "`NINRModel.from_model` needs a model with at least one Dense, "
            "EinsumDense or convolution layer to attach a Noise Injection "
            f"Node to. Received: model={model.name!r} with layers "
            f"{[layer.name for layer in iter_layers(model)]}"
        )
    if isinstance(topology, str):
        if topology == "input":
            targets, passed_over, uncovered = _input_targets(model)
            if passed_over:
                warnings.warn(
                    "in-NINR puts a NIN on the first layer of each input "
                    "branch that can carry one (Dense, EinsumDense, "
                    "TimeDistributed(Dense) or a convolution). These layers "
                    f"come first but cannot: {describe_layers(passed_over)}; the "
                    f"NIN(s) go on {describe_layers(targets)} instead. Pass "
                    "`topology=[layer names]` to choose.",
                    stacklevel=4,
                )
            if uncovered:
                warnings.warn(
                    f"Model input(s) {uncovered} reach no layer that can "
                    "carry a NIN (Dense, EinsumDense, TimeDistributed(Dense) "
                    "or a convolution): they get no noise injection node.",
                    stacklevel=4,
                )
            return targets
        if topology == "full":
            skipped = [
                layer
                for layer in iter_layers(model)
                if not isinstance(layer, keras.Model)
                and not _is_injectable(layer)
                and _carries_data_weights(layer)
            ]
            if skipped:
                warnings.warn(
                    "full-NINR puts a NIN on every Dense, EinsumDense, "
                    "TimeDistributed(Dense) and convolution; these layers "
                    f"have weights but cannot carry one and get none: "
                    f"{describe_layers(skipped)}.",
                    stacklevel=4,
                )
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
                "a Dense, EinsumDense, TimeDistributed(Dense) or convolution "
                f"layer of the model, one of {sorted(by_name)}. Received: "
                f"topology={list(topology)!r} (not found: {unknown!r})"
            )
        return [by_name[name] for name in dict.fromkeys(topology)]
    raise ValueError(
        f"Unrecognized `topology`. Expected one of {TOPOLOGIES} or a non-empty "
        f"list of layer names. Received: topology={topology!r}"
    )


def _data_layer(layer):
    """The layer holding the kernel and bias: the wrapped one, if wrapped."""
    inner = _wrapped(layer)
    return layer if inner is None else inner


def _noise_dense_from(layer, **noise_arguments):
    """The NIN-carrying replacement of a Dense-like layer (same name)."""
    data_layer = _data_layer(layer)
    config = data_layer.get_config()
    if config.get("lora_rank"):
        raise ValueError(
            "`NINRModel.from_model` cannot convert a layer with LoRA "
            f"enabled. Received: layer {layer.name!r} with "
            f"lora_rank={config['lora_rank']}"
        )
    config["name"] = layer.name
    config["trainable"] = layer.trainable and data_layer.trainable
    if isinstance(data_layer, keras.layers.EinsumDense):
        config.pop("lora_alpha", None)
        config.pop("quantization_config", None)
        return NoiseInjectionEinsumDense(**config, **noise_arguments)
    # A TimeDistributed Dense is the Dense itself on the (batch, time, ...)
    # input: one eps per sample, shared by its time steps, as for any N-D
    # input of NoiseInjectionDense.
    arguments = {key: config[key] for key in _DENSE_ARGUMENTS if key in config}
    return NoiseInjectionDense(**arguments, **noise_arguments)


def _to_numpy(value):
    try:
        return keras.ops.convert_to_numpy(value)
    except Exception:  # A tf.Variable of a lookup layer on another backend.
        return np.asarray(value)


def _copy_state(original, clone):
    """Give `clone` the whole state of `original`, not only its weights.

    Keras's own saving path is used: `save_own_variables` /
    `load_own_variables` (so an adapted `Normalization` or `Discretization`
    recomputes what it derives from its variables, as after loading a
    `.keras` file) and `save_assets` / `load_assets` (the vocabulary of
    `StringLookup`, `IntegerLookup`, `TextVectorization`). Values go through
    NumPy: sharing a JAX buffer would let a training step donate (delete)
    the original model's weights.
    """
    store = {}
    original.save_own_variables(store)
    if len(store) != len(original.weights):
        # Variables of sublayers (wrappers, attention blocks) are not in the
        # layer's own store.
        clone.set_weights(original.get_weights())
    if store:
        clone.load_own_variables({k: _to_numpy(v) for k, v in store.items()})
    if hasattr(original, "save_assets") and hasattr(clone, "load_assets"):
        with tempfile.TemporaryDirectory() as folder:
            original.save_assets(folder)
            clone.load_assets(folder)


def _graph_owners(model):
    """Layer id -> the model whose graph calls it: `model` itself, or the
    nested model the layer sits in."""
    owners = {}

    def walk(graph):
        for layer in graph.layers:
            owners.setdefault(id(layer), graph)
            if isinstance(layer, keras.Model):
                walk(layer)

    walk(model)
    return owners


def _free_name(name, model):
    """`name`, or `name_1`, `name_2`, ... if a layer of `model` has it."""
    taken = {layer.name for layer in iter_layers(model)}
    candidate, count = name, 0
    while candidate in taken:
        count += 1
        candidate = f"{name}_{count}"
    return candidate


def _shared_noise_graphs(model, targets, shared_noise):
    """The ids of the (sub)models whose NINs share one `NoiseSource`.

    One source feeds the NINs of one Functional graph: a tensor of the
    outer graph cannot reach into a nested model (nor can a layer call be
    changed inside a nested Sequential), so NINs there draw apart from the
    outer ones, with a warning.
    """
    if not shared_noise or len(targets) < 2:
        return set()
    owners = _graph_owners(model)
    graphs = {}
    for layer in targets:
        owner = owners[id(layer)]
        graphs.setdefault(id(owner), (owner, []))[1].append(layer)
    if len(graphs) > 1:
        nested = [
            owner.name for owner, _ in graphs.values() if owner is not model
        ]
        warnings.warn(
            "With `shared_noise=True` the NINs of one graph share one noise "
            "draw per sample (a NoiseSource), but a noise source cannot feed "
            f"layers inside a nested model: the NINs in {nested} draw "
            "apart from the others. Build the model without nesting for "
            "one draw shared by every NIN.",
            stacklevel=4,
        )
    return {
        key
        for key, (owner, layers) in graphs.items()
        if len(layers) > 1 and not isinstance(owner, keras.Sequential)
    }


def add_noise_injection_nodes(
    model, topology, noise_stddev, noise_distribution, seed, shared_noise=True
):
    """A Functional clone of `model` with NINs on the `topology`'s layers.

    `model` is a Functional model (`NINRModel.from_model` turns a
    Sequential one into one) and the arguments are checked. NIN number `i`
    (in model order) gets seed `seed + i`. With `shared_noise` and several
    NINs, one `NoiseSource` (seed `seed`) per graph draws the unit noise
    that all of that graph's NINs take as `unit_noise`: the paper's single
    NIN. Every layer's state is copied through NumPy, so the original is
    left untouched.
    """
    targets = _select_targets(model, topology)
    seeds = {
        id(layer): (None if seed is None else seed + index)
        for index, layer in enumerate(targets)
    }
    dense_targets = {id(l) for l in targets if _is_dense(l)}
    conv_targets = {id(l) for l in targets if _is_conv(l)}
    shared_graphs = _shared_noise_graphs(model, targets, shared_noise)
    owners = _graph_owners(model) if shared_graphs else {}
    source_outputs = {}

    def noise_arguments(layer):
        return dict(
            noise_stddev=noise_stddev,
            noise_distribution=noise_distribution,
            seed=seeds[id(layer)],
        )

    def shared_unit_noise(original, tensor):
        """The unit noise of `original`'s graph (made at its first NIN, from
        `tensor`, which only gives the batch size), or `{}`."""
        owner = owners.get(id(original))
        if owner is None or id(owner) not in shared_graphs:
            return {}
        if id(owner) not in source_outputs:
            name = "noise_source" if owner is model else f"{owner.name}_noise_source"
            source = NoiseSource(
                noise_distribution=noise_distribution,
                seed=seed,
                name=_free_name(name, owner),
            )
            source_outputs[id(owner)] = source(tensor)
        return {"unit_noise": source_outputs[id(owner)]}

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
            unit_noise = shared_unit_noise(original, args[0])
            args = (pixel(args[0], **unit_noise),) + tuple(args[1:])
        if original is not None and id(original) in dense_targets:
            kwargs.update(shared_unit_noise(original, args[0]))
            if _wrapped(original) is not None:
                # The replacing NoiseInjectionDense takes no `mask`
                # argument; Keras passes an input mask through it.
                kwargs.pop("mask", None)
        return layer(*args, **kwargs)

    cloned = keras.models.clone_model(
        model,
        clone_function=clone_function,
        call_function=call_function,
        recursive=True,
    )
    for original, clone in clones:
        if isinstance(clone, NoiseInjectionLayer):
            # Copies through NumPy: sharing a JAX buffer would let the
            # training step donate (delete) the original's weights.
            data_layer = _data_layer(original)
            clone.kernel.assign(_to_numpy(data_layer.kernel))
            if clone.bias is not None:
                clone.bias.assign(_to_numpy(data_layer.bias))
        elif isinstance(original, keras.layers.Layer):
            _copy_state(original, clone)
    missing = [
        layer.name
        for layer in targets
        if _is_conv(layer)
        and not any(
            l.name == f"{layer.name}_noise_injection"
            for l in iter_layers(cloned)
        )
    ]
    if missing:
        raise ValueError(
            "Could not insert a NoiseInjectionPixel before convolution(s) "
            f"{missing}: they sit inside a nested Sequential model. Build "
            "that part as a Functional model, or add NoiseInjectionPixel "
            "layers to it directly."
        )
    return cloned
