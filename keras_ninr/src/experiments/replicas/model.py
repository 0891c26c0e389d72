"""`ReplicaModel`: K models of one network as one model (replica training).

A sweep trains many runs of one architecture that differ only in seed,
sigma_eps, noise distribution or CDT strength, each using a sliver of an
accelerator. `ReplicaModel` is built from the K models as each run would
build them alone (same initialisation, same seed-generator states) and
gives every weight a leading replica axis (see
`keras_ninr.src.experiments.replicas.layers`); `fit_replicas`
(`keras_ninr.src.experiments.replicas.training`) trains it.

The models take [0, 1] pixels: their `Standardization` layer is shared by
the replicas (one data set, one mean and std), their CDT `InputCorruption`
corrupts each replica's pixels with its own strength and noise stream.
"""

import keras
import numpy as np
from keras import ops

from keras_ninr.src.datasets.preprocessing import Standardization
from keras_ninr.src.experiments.provenance import accelerator_name
from keras_ninr.src.experiments.replicas import layers as rl
from keras_ninr.src.experiments.replicas import layout
from keras_ninr.src.layers.input_corruption import InputCorruption
from keras_ninr.src.layers.noise_injection_dense import NoiseInjectionDense
from keras_ninr.src.layers.noise_injection_pixel import NoiseInjectionPixel
from keras_ninr.src.layers.noise_source import NoiseSource
from keras_ninr.src.models.scan_steps import ScanSteps
from keras_ninr.src.norms import l2_norm
from keras_ninr.src.utils import find_noise_layers
from keras_ninr.src.utils import layers_fed_by
from keras_ninr.src.utils import next_weight_layer
from keras_ninr.src.utils import norm_groups

_CHANNELWISE = (
    keras.layers.BatchNormalization,
    keras.layers.MaxPooling2D,
    keras.layers.AveragePooling2D,
)
_ELEMENTWISE = (
    keras.layers.ELU,
    keras.layers.ReLU,
    keras.layers.LeakyReLU,
    keras.layers.Activation,
)
# Layers that are one and the same op in every replica.
_SHARED = _ELEMENTWISE + (Standardization,)


class _Untracked:
    """Holds objects Keras must not track as sublayers (the source models)."""

    def __init__(self, value):
        self.value = value


def _chain(model):
    """The model's layers in order, nested models flattened, inputs dropped."""
    layers = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if isinstance(layer, keras.Model):
            layers.extend(_chain(layer))
        else:
            layers.append(layer)
    return layers


def _unsupported(layer, why):
    return ValueError(
        f"Cannot train replicas of a model with layer {layer.name!r} "
        f"({layer.__class__.__name__}): {why}. Replicas support chains of "
        "Dense, NoiseInjectionDense, NoiseInjectionPixel, NoiseSource, Conv2D, "
        "BatchNormalization, pooling, Dropout, Flatten, InputCorruption, "
        "Standardization and activation layers (the "
        "`keras_ninr.experiments.zoo` networks)."
    )


def _input_rank(layer):
    """Rank of the data input of `layer` (a NIN layer fed by a NoiseSource
    has the draws as a second input)."""
    inputs = layer.input
    if isinstance(inputs, (list, tuple)):
        inputs = inputs[0]
    return len(inputs.shape)


def _replica_layers(chains, grouped_conv):
    """The replica layers, and `(replica layer, source layers)` pairs."""
    layers, pairs = [], []
    current = layout.STACK
    for sources in zip(*chains):
        first = sources[0]
        kinds = {type(s) for s in sources}
        if len(kinds) > 1:
            raise ValueError(
                "Replicas must share one architecture; at position of layer "
                f"{first.name!r} they have layers of types "
                f"{sorted(k.__name__ for k in kinds)}."
            )
        if isinstance(first, keras.layers.Conv2D) or isinstance(
            first, _CHANNELWISE
        ):
            if current == layout.STACK:
                if _input_rank(first) != 4:
                    raise _unsupported(first, "per-channel layers need images")
                layers.append(layout.ToMerged(name=f"to_merged_{len(layers)}"))
                current = layout.MERGED
            if isinstance(first, keras.layers.Conv2D):
                layer = rl.ReplicaConv(sources, grouped=grouped_conv)
            else:
                if isinstance(first, keras.layers.BatchNormalization) and (
                    first.axis not in (-1, _input_rank(first) - 1)
                ):
                    raise _unsupported(first, "batch norm not on the last axis")
                layer = rl.ReplicaChannelwise(sources)
        elif isinstance(first, (keras.layers.Dense, NoiseInjectionDense)):
            if current != layout.STACK or _input_rank(first) != 2:
                raise _unsupported(first, "a dense layer on non-flat inputs")
            layer = rl.ReplicaDense(sources)
        elif isinstance(first, NoiseInjectionPixel):
            layer = rl.ReplicaNoisePixel(sources, current)
        elif isinstance(first, NoiseSource):
            layer = rl.ReplicaNoiseSource(sources)
        elif isinstance(first, keras.layers.Flatten):
            layer = rl.ReplicaFlatten(sources, current)
            current = layout.STACK
        elif isinstance(first, keras.layers.Dropout):
            layer = rl.ReplicaDropout(sources, current)
        elif isinstance(first, InputCorruption):
            layer = rl.ReplicaInputCorruption(sources, current)
        elif isinstance(first, _SHARED):
            layer = rl.ReplicaShared(sources, current)
        else:
            raise _unsupported(first, "no replica version of this layer")
        layers.append(layer)
        pairs.append((layer, list(sources)))
    if current != layout.STACK:
        raise ValueError(
            "Replicas need models that end in flat outputs (Flatten and Dense "
            "after any convolution)."
        )
    return layers, pairs


class ReplicaModel(ScanSteps, keras.Model):
    """K models of one architecture as one model with replica-axis weights.

    Its input is `(batch, K)` sample indices into `x` (kept on the device),
    its output `(batch, K, classes)` logits. Build it from the K models as
    each run builds them alone; `assign_to_sources([k])` copies replica k's
    weights back into its model.

    Args:
        models: List of K built models of the same chain architecture.
        x: The training images, `(N, ...)`, as the models take them
            ([0, 1] pixels for the zoo networks).
        conv: `"grouped"` (one grouped convolution for all replicas),
            `"loop"` (K convolutions) or `"auto"`: grouped on an
            accelerator, K convolutions on a CPU, where XLA's grouped
            convolution is slow. Defaults to `"auto"`.
    """

    def __init__(self, models, x, conv="auto", **kwargs):
        super().__init__(**kwargs)
        models = list(models)
        if not models:
            raise ValueError("Expected at least one model. Received: models=[]")
        self.replicas = len(models)
        chains = [_chain(model) for model in models]
        if len({len(chain) for chain in chains}) > 1:
            raise ValueError(
                "Replicas must share one architecture. Received models with "
                f"{[len(chain) for chain in chains]} layers."
            )
        self.gather = layout.Gather(x, name="data")
        if conv not in ("auto", "grouped", "loop"):
            raise ValueError(
                "Expected `conv` to be 'auto', 'grouped' or 'loop'. "
                f"Received: conv={conv!r}"
            )
        if conv == "auto":
            conv = "loop" if accelerator_name() == "cpu" else "grouped"
        self.conv = conv
        chain, pairs = _replica_layers(chains, conv == "grouped")
        self.chain = chain
        sources = [l.name for l in chain if isinstance(l, rl.ReplicaNoiseSource)]
        # Names of the layers that take a noise source's draws.
        self._shared_noise = _Untracked(layers_fed_by(models[0], sources))
        self._sources = _Untracked((models, pairs))
        self._noise = _Untracked(self._noise_pairs(models[0], pairs))
        self.build_from_sample(len(x))

    def build_from_sample(self, size):
        sample = np.zeros((1, self.replicas), dtype="int32")
        sample[:] = np.arange(self.replicas) % max(size, 1)
        self(sample)
        for layer in [self.gather, *self.chain]:
            if hasattr(layer, "assign_initial"):
                layer.assign_initial()

    def call(self, indices, training=False):
        x = self.gather(indices)
        unit_noise = None
        for layer in self.chain:
            if isinstance(layer, rl.ReplicaNoiseSource):
                # Drawn only in training, as the single NoiseSource. The
                # chain is in model order, so the layers it feeds follow it
                # (before any other source).
                if training:
                    unit_noise = layer(indices)
            elif training and layer.name in self._shared_noise.value:
                x = layer(x, training=training, unit_noise=unit_noise)
            else:
                x = layer(x, training=training)
        return ops.transpose(x, (1, 0, 2))

    @staticmethod
    def _noise_pairs(model, pairs):
        by_source = {id(sources[0]): layer for layer, sources in pairs}
        result = []
        for source in find_noise_layers(model):
            following = next_weight_layer(model, source)
            result.append(
                (
                    by_source[id(source)],
                    None if following is None else by_source[id(following)],
                )
            )
        return result

    @property
    def has_noise(self):
        return bool(self._noise.value)

    def replica_norm_groups(self):
        """`utils.norm_groups` of the replica layers: each tensor has a
        leading replica axis."""
        return norm_groups(self._noise.value)

    def replica_norms(self, values=None):
        """Per replica: `niw_norm` and `data_weight_norm`, as
        `utils.combined_norms` gives them for a run alone.

        Args:
            values: Optional `{group: (K,) norms}` (a traced step's, see
                `ScanSteps.trace_norms`) to split instead of the current
                weights' norms.
        """
        if values is None:
            values = {
                group: l2_norm(tensors, per_replica=True)
                for group, tensors in self.replica_norm_groups().items()
            }
        return [
            {group: float(norms[k]) for group, norms in values.items()}
            for k in range(self.replicas)
        ]

    def assign_to_sources(self, indices):
        """Copy the weights of replicas `indices` into their source models."""
        indices = list(indices)
        if not indices:
            return
        models, pairs = self._sources.value
        for layer, sources in pairs:
            values = layer.replica_values(indices)
            for position, index in enumerate(indices):
                for variable in sources[index].weights:
                    if variable.name in values:
                        variable.assign(values[variable.name][position])
