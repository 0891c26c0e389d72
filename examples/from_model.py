"""NINR on your own Keras model: one call adds the Noise Injection Nodes.

A small classifier on synthetic data, then the same model with a NIN on its
input layer (in-NINR, sigma_eps = 5). Training suppresses the NIN's weights
(the NIW norm falls); inference is noise-free and computes what the plain
layers compute with the same weights.

    KERAS_BACKEND=jax python examples/from_model.py
"""

import sys

import keras
import numpy as np

from keras_ninr import NINRModel


def main(argv=None):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2048, 20)).astype("float32")
    y = (x[:, :10].sum(axis=1) > 0).astype("int32")
    model = keras.Sequential(
        [
            keras.Input((20,)),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(2),
        ]
    )
    ninr = NINRModel.from_model(model, topology="input", noise_stddev=5.0, seed=0)
    ninr.compile(
        optimizer=keras.optimizers.SGD(0.05),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    history = ninr.fit(x, y, batch_size=64, epochs=int(argv[0]) if argv else 5, verbose=0)
    for epoch, (norm, accuracy) in enumerate(
        zip(history.history["niw_norm"], history.history["accuracy"]), start=1
    ):
        print(f"epoch {epoch}: NIW norm {norm:.3f}, training accuracy {accuracy:.3f}")
    print(f"test-time (noise-free) accuracy: {ninr.evaluate(x, y, verbose=0)[1]:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
