"""Finding the Noise Injection Nodes of any Keras model."""

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
