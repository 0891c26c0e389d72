"""keras_ninr: Noise Injection Node Regularization (NINR) for Keras 3.

A Noise Injection Node (NIN) is an extra input of a layer that feeds random
noise through its own trainable weights, the noise injection weights (NIW).
Training suppresses the NIW, which regularizes the network (NINR). See
Levi, Bloch, Freytsis and Volansky, arXiv:2210.15764.

The package has three layers, each importable on its own, the lower never
importing the higher:

- `keras_ninr` (this module): the Keras add-on. The NIN layers, `NINRModel`,
  `InputCorruption` (CDT), `Standardization` (the paper's preprocessing as a
  model's first layer), `keras_ninr.noise`, `keras_ninr.callbacks`,
  `keras_ninr.phases`. Needs only `keras` and `numpy`.
- `keras_ninr.robustness` and `keras_ninr.datasets`: the robustness toolkit
  (Eq. 8 corruption curves, FGSM/PGD, a common-corruption suite, domain
  shift) on models that take [0, 1] pixels, and the data loaders.
- `keras_ninr.experiments`: the paper's kit (zoo, sweeps, replicas,
  reports, the `keras-ninr` command).

The last three are imported on first use (`keras_ninr.robustness` works
after `import keras_ninr`), so `import keras_ninr` stays light.

`import keras_ninr` imports the add-on (and Keras), which registers its
layers for `keras.saving.load_model`. The one exception is the
`keras-ninr` command itself, which loads the add-on on first use of one of
its names, so that `--help`, `reproduce --list` and a mistyped flag answer
without loading Keras and its backend (seconds with TensorFlow).
"""

import importlib
import os
import sys

__version__ = "0.1.0"

# The add-on's public names and the modules that define them.
_ADD_ON = {
    "InputCorruption": "keras_ninr.src.layers.input_corruption",
    "NINRModel": "keras_ninr.src.models.ninr_model",
    "NoiseInjectionDense": "keras_ninr.src.layers.noise_injection_dense",
    "NoiseInjectionEinsumDense": (
        "keras_ninr.src.layers.noise_injection_einsum_dense"
    ),
    "NoiseInjectionLayer": "keras_ninr.src.layers.noise_injection_layer",
    "NoiseInjectionPixel": "keras_ninr.src.layers.noise_injection_pixel",
    "NoiseSource": "keras_ninr.src.layers.noise_source",
    "Standardization": "keras_ninr.src.layers.standardization",
    "find_noise_layers": "keras_ninr.src.utils",
}
_ADD_ON_SUBPACKAGES = ("callbacks", "noise", "phases")
_LAZY_SUBPACKAGES = ("datasets", "experiments", "robustness")


def _load_add_on():
    """Import the add-on (registering its layers) and bind its names here."""
    for name in _ADD_ON_SUBPACKAGES:
        globals()[name] = importlib.import_module(f"keras_ninr.{name}")
    for name, module in _ADD_ON.items():
        globals()[name] = getattr(importlib.import_module(module), name)


def __getattr__(name):
    if name in _ADD_ON or name in _ADD_ON_SUBPACKAGES:
        _load_add_on()
        return globals()[name]
    if name in _LAZY_SUBPACKAGES:
        return importlib.import_module(f"keras_ninr.{name}")
    raise AttributeError(f"module 'keras_ninr' has no attribute {name!r}")


def __dir__():
    return sorted(
        set(globals()) | set(_ADD_ON) | set(_ADD_ON_SUBPACKAGES)
        | set(_LAZY_SUBPACKAGES)
    )


def _is_the_command():
    """Whether this process is the `keras-ninr` command (its console
    script, or `python -m keras_ninr` while Python locates it), which
    loads Keras only for the subcommands that train or report."""
    program = sys.argv[0] if sys.argv else ""
    return program == "-m" or os.path.basename(program) in (
        "keras-ninr",
        "keras-ninr.exe",
    )


# Everywhere but in the command, `import keras_ninr` loads the add-on, which
# registers its layers for `keras.saving.load_model`.
if "keras" in sys.modules or not _is_the_command():
    _load_add_on()

__all__ = [
    "InputCorruption",
    "NINRModel",
    "NoiseInjectionDense",
    "NoiseInjectionEinsumDense",
    "NoiseInjectionLayer",
    "NoiseInjectionPixel",
    "NoiseSource",
    "Standardization",
    "callbacks",
    "find_noise_layers",
    "noise",
    "phases",
]
