"""Finding the Noise Injection Nodes of any Keras model, and their norms."""

import math

import keras

from keras_ninr.src.layers.noise_injection_layer import NoiseInjectionLayer


def iter_layers(model):
    """Yield every layer of `model`, nested models included, in model order."""
    for layer in getattr(model, "layers", []):
        yield layer
        if hasattr(layer, "layers"):
            yield from iter_layers(layer)


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


def weight_norm(tensor):
    """L2 norm of a weight tensor of any shape, as a Python float."""
    from keras import ops

    return float(ops.convert_to_numpy(ops.norm(ops.ravel(tensor))))


def combined_norms(noise_layers, following_layers):
    """`{"niw_norm": ..., "data_weight_norm": ...}` over all NINs together.

    The L2 norm of all NIWs as one vector, and of the kernels of the layers
    after them (Fig. 3's |W_NI| and |W^(l_NI + 1)|), as the phase tools read
    them. `data_weight_norm` is left out where no NIN has a following layer.
    """
    record = {
        "niw_norm": math.sqrt(
            sum(weight_norm(l.noise_kernel) ** 2 for l in noise_layers)
        )
    }
    weights = [weight_norm(f.kernel) for f in following_layers if f is not None]
    if weights:
        record["data_weight_norm"] = math.sqrt(sum(w * w for w in weights))
    return record
