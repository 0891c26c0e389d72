"""Finding the Noise Injection Nodes of any Keras model, and their norms."""

import keras

from keras_ninr.src.checks import check_positive_int
from keras_ninr.src.layers.noise_injection_layer import NoiseInjectionLayer
from keras_ninr.src.norms import l2_norm


def iter_layers(model):
    """Yield every layer of `model`, nested models included, in model order."""
    for layer in getattr(model, "layers", []):
        yield layer
        if hasattr(layer, "layers"):
            yield from iter_layers(layer)


def tensor_sources(structure):
    """Names of the layers whose output tensors appear in a serialized call
    (an `inbound_nodes` entry of a Functional model's config)."""
    if isinstance(structure, dict):
        if structure.get("class_name") == "__keras_tensor__":
            yield structure["config"]["keras_history"][0]
            return
        for value in structure.values():
            yield from tensor_sources(value)
    elif isinstance(structure, (list, tuple)):
        for value in structure:
            yield from tensor_sources(value)


def layers_fed_by(model, source_names):
    """Names of `model`'s top-level layers called on an output of a layer
    named in `source_names` (read from its public config)."""
    return {
        entry["name"]
        for entry in model.get_config().get("layers", [])
        if set(tensor_sources(entry.get("inbound_nodes", []))) & set(source_names)
    }


def find_noise_layers(model):
    """Return the NIN-carrying layers of `model`, nested models included.

    Layers are found by type (`NoiseInjectionLayer`), so this works on any
    Keras model, not only on `NINRModel`. A layer shared between two places
    is listed once.
    """
    seen = set()
    found = []
    for layer in iter_layers(model):
        if isinstance(layer, NoiseInjectionLayer) and id(layer) not in seen:
            seen.add(id(layer))
            found.append(layer)
    return found


def require_noise_layers(model, caller):
    """`find_noise_layers(model)`, or a `ValueError` naming `caller` (a tool
    that means nothing on a model without NINs) if there are none."""
    layers = find_noise_layers(model)
    if not layers:
        raise ValueError(
            f"{caller} found no Noise Injection Node in the model: add "
            "NoiseInjectionDense / NoiseInjectionPixel layers or use "
            f"NINRModel.from_model. Received: model={model.name!r}"
        )
    return layers


def next_weight_layer(model, noise_layer):
    """The first layer with a `kernel` after `noise_layer` in model order.

    For a `NoiseInjectionDense` this is the next layer (its kernel multiplies
    the noise after the activation: Fig. 3's |W^(l_NI + 1)|); for a
    `NoiseInjectionPixel` it is the convolution it feeds. Returns `None`
    where there is none. Model order is the order of `model.layers`, which
    for Sequential and Functional models is a topological order.
    """
    layers = list(iter_layers(model))
    for index, layer in enumerate(layers):
        if layer is noise_layer:
            for candidate in layers[index + 1 :]:
                if getattr(candidate, "kernel", None) is not None and not (
                    isinstance(candidate, keras.Model)
                ):
                    return candidate
            return None
    return None


def noise_layer_pairs(model, caller, include_next_layer=True):
    """`(NIN layer, next_weight_layer or None)` for every NIN of `model`.

    Raises a `ValueError` naming `caller` if the model has no NIN.
    """
    return [
        (layer, next_weight_layer(model, layer) if include_next_layer else None)
        for layer in require_noise_layers(model, caller)
    ]


def norm_groups(pairs):
    """The tensors behind `combined_norms`: `{"niw_norm": NIWs,
    "data_weight_norm": kernels after them}` (the latter left out where no
    NIN has a following layer)."""
    groups = {"niw_norm": [layer.noise_kernel for layer, _ in pairs]}
    following = [f.kernel for _, f in pairs if f is not None]
    if following:
        groups["data_weight_norm"] = following
    return groups


def combined_norms(pairs):
    """`{"niw_norm": ..., "data_weight_norm": ...}` over all NINs together.

    `pairs` as `noise_layer_pairs` gives them. The L2 norm of all NIWs as
    one vector, and of the kernels of the layers after them (Fig. 3's
    |W_NI| and |W^(l_NI + 1)|), as the phase tools read them.
    `data_weight_norm` is left out where no NIN has a following layer.
    """
    groups = norm_groups(pairs)
    return {name: l2_norm(tensors) for name, tensors in groups.items()}


def check_every_n_batches(value, allow_none=False):
    """`check_positive_int` for the callbacks' `every_n_batches`."""
    return check_positive_int(value, "every_n_batches", allow_none)


def crossed_multiple(previous_step, step, every_n_batches):
    """Whether a multiple of `every_n_batches` lies in `(previous_step, step]`.

    A callback told of steps one at a time records at every multiple; with
    `steps_per_execution` > 1 Keras calls back every few steps, and the
    record falls at the first call at or after each multiple.
    """
    return step // every_n_batches > previous_step // every_n_batches
