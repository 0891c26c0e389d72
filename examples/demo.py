"""NINR in a few minutes: robustness to input corruption on Fashion-MNIST.

Trains the paper's fully connected network (784-1024-1024-1024-10, ReLU,
App. A) twice from the same initial weights, without regularization and with
a Noise Injection Node on the input layer (in-NINR), then measures the test
accuracy on clean images and on images corrupted by paper Eq. 8 with
sigma_noise = 0.4 (Fig. 2). Six epochs keep it to a few minutes on a
2-core CPU; the paper trains for up to 500 epochs, or until 98% training
accuracy.

    python examples/demo.py
    python examples/demo.py --train-size 10000 --epochs 2   # quicker

The data come from `keras_ninr.datasets.load` (set KERAS_NINR_DATA_DIR or
pass --data-dir on machines without internet access).
"""

import argparse
import time

import keras
import numpy as np

import keras_ninr
from keras_ninr import datasets
from keras_ninr import robustness
from keras_ninr.experiments import execution
from keras_ninr.experiments import zoo

SIGMA_NOISE = 0.4


def build_fc(mean, std, input_shape=(28, 28), width=1024, depth=3, num_classes=10):
    """The paper's FC network (App. A) on [0, 1] pixels.

    It standardises its own input with the training set's `mean` and `std`
    (Sec. 3), so it takes pixels, as every evaluation gives it. Weights are
    N(0, 1/d), d = fan-in + 1.
    """
    layers = [
        keras.Input(input_shape),
        datasets.Standardization(mean, std),
        keras.layers.Flatten(),
    ]
    fan_in = int(np.prod(input_shape))
    for units in [width] * depth + [num_classes]:
        layers.append(
            keras.layers.Dense(
                units,
                activation="relu" if units != num_classes else None,
                # +1: the fan-in counts the NIN, as in NoiseInjectionDense.
                kernel_initializer=keras.initializers.RandomNormal(
                    stddev=(fan_in + 1) ** -0.5
                ),
                bias_initializer="zeros",
            )
        )
        fan_in = units
    return keras.Sequential(layers, name="fc")


def train(model, x, y, epochs, batch_size=128):
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.0),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
        # Several steps per call where that was measured to be faster on
        # this backend and device; the same weights as one step per call.
        steps_per_execution=execution.steps_per_execution(),
    )
    return model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=2)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    decay = zoo.noise_preset("fc", "input", "decay")
    for flag, default, kind, text in [
        ("--train-size", 60000, int, "training images, a random subset"),
        ("--epochs", 6, int, "training epochs"),
        ("--noise-stddev", decay, float, "sigma_eps of the NIN (the "
         "paper's decay phase)"),
        ("--seed", 0, int, "seed of the subset, the weights and the noise"),
        ("--data-dir", None, str, "folder holding fashion-mnist/ (see "
         "datasets.load)"),
    ]:
        parser.add_argument(
            flag, type=kind, default=default, help=f"{text} (default: {default})"
        )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    start = time.time()
    keras.utils.set_random_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = datasets.load(
        "fashion_mnist", data_dir=args.data_dir
    )
    subset = np.random.default_rng(args.seed).permutation(len(x_train))
    subset = subset[: args.train_size]
    x_train, y_train = datasets.scale_pixels(x_train[subset]), y_train[subset]
    # Only the statistics: the model standardises its own pixel input.
    mean, std = datasets.pixel_statistics(x_train)

    base = build_fc(mean, std)
    # Built before `base` trains, so both runs start from the same weights.
    ninr = keras_ninr.NINRModel.from_model(
        base, topology="input", noise_stddev=args.noise_stddev, seed=args.seed
    )
    runs = {"none": base, f"in-NINR (sigma_eps={args.noise_stddev:g})": ninr}
    rows = []
    for name, model in runs.items():
        print(f"\nTraining: {name}")
        history = train(model, x_train, y_train, args.epochs)
        clean = robustness.corrupted_accuracy(model, x_test, y_test, 0.0)
        corrupted = robustness.corrupted_accuracy(
            model, x_test, y_test, SIGMA_NOISE, seed=args.seed
        )
        niw_norm = history.history.get("niw_norm", [None])[-1]
        rows.append((name, clean, corrupted, niw_norm))

    print(
        f"\nFashion-MNIST, FC 784-1024-1024-1024-10, {len(x_train)} "
        f"training images, {args.epochs} epochs, seed {args.seed}, backend "
        f"{keras.backend.backend()}, {time.time() - start:.0f} s\n"
    )
    print(
        "| regularization | clean test accuracy | "
        f"sigma_noise={SIGMA_NOISE} accuracy | final NIW norm |"
    )
    print("| --- | --- | --- | --- |")
    for name, clean, corrupted, niw_norm in rows:
        norm = "-" if niw_norm is None else f"{niw_norm:.4f}"
        print(f"| {name} | {clean:.4f} | {corrupted:.4f} | {norm} |")


if __name__ == "__main__":
    main()
