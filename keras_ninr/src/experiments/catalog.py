"""What the kit answers to by name, without Keras: its networks,
optimizers, training data sets, report layouts and experiments.

The `keras-ninr` command builds its help and checks its arguments from
these names alone, so that `--help`, `reproduce --list` and a mistyped flag
answer at once, before Keras and its backend load (seconds with
TensorFlow). The modules that implement each name read it from here: the
zoo its networks and optimizers, the report writer its layouts, and each
experiment of the registry its one-line summary.
"""

import os

ARCHITECTURES = ("fc", "cnn", "vgg", "fc1")
OPTIMIZERS = ("sgd", "adam", "rmsprop")
# What a sweep trains on (USPS is a test set only: Table 1's domain shift).
TRAINING_DATASETS = ("cifar10", "fashion_mnist", "mnist")
# The layouts of `keras-ninr report`'s corruption figure.
CORRUPTION_FIGURES = ("fig2", "fig7", "fig8", "fig9")

# Every experiment of `keras-ninr reproduce`, in `--list` order, and what
# it reproduces.
EXPERIMENTS = {
    "fig2a": "Fig. 2a: the FC on Fashion-MNIST, accuracy under Eq. 8 "
    "corruption for None, L2, Dropout, CDT, in-/full-NINR",
    "fig2b": "Fig. 2b: the CNN on Fashion-MNIST, accuracy under Eq. 8 "
    "corruption for None, L2, Dropout, CDT, in-/full-NINR",
    "table2": "Table 2: clean accuracy of the FC and the CNN on "
    "Fashion-MNIST with a 60/40 training/validation split, every method, "
    "CDT at 0.2 and 0.4",
    "fig6": "Fig. 6: FGSM and PGD accuracy against epsilon, FC and CNN on "
    "Fashion-MNIST, None / L2 / Dropout / in-NINR",
    "fig7": "Fig. 7 (App. C.2): NINR with symmetric and asymmetric "
    "double-Gaussian and uniform noise, FC and CNN on Fashion-MNIST",
    "fig8": "Fig. 8 (App. C.3): NINR trained with Adam and RMSprop at "
    "Table 3's sigma_eps, FC and CNN on Fashion-MNIST",
    "fig9": "Fig. 9 (App. D): the VGG-style network on CIFAR-10, None / "
    "in-NINR / CDT under Eq. 8 corruption",
    "table1": "Table 1: domain shift, FC and CNN trained on MNIST up to 100% "
    "training accuracy, tested on USPS (LeCun's processing and 'pad')",
    "fig3": "Fig. 3: NIW dynamics of the one-hidden-layer FC in the "
    "decoupled, decay, catapult and divergent phases, each labelled by the "
    "classifier",
    "phase-boundaries": "Sec. 2.2: the phase boundaries in sigma_eps of the "
    "FC, CNN or VGG (in-/full-NINR) from short trainings, the "
    "catapult/divergent bracket confirmed by full trainings",
    "mnist-c": "MNIST-C (not in the paper): the FC and the CNN trained on "
    "MNIST with None, Dropout, CDT and NINR, on MNIST-C's 15 corruptions, "
    "mCE",
    "cifar10-c": "CIFAR-10-C (not in the paper): the VGG with None, CDT and "
    "in-NINR on 19 corruptions x 5 severities, mCE",
}

# The fewest epochs an experiment trains: 1, except the phase-boundary
# finder, whose confirmation runs are off at 0.
_MINIMUM_EPOCHS = {"phase-boundaries": 0}


def minimum_epochs(name):
    """The smallest `epochs` the experiment `name` takes."""
    return _MINIMUM_EPOCHS.get(name, 1)


def default_out(name):
    """Where `keras-ninr reproduce NAME` writes when given no `--out`
    (`results/NAME`; for a file `my_experiment.py`, `results/my_experiment`)."""
    return os.path.join("results", os.path.splitext(os.path.basename(name))[0])


# The modes every experiment has (`definitions.modes`), the line each puts
# on a page, and the narrow networks of the tiny one.
MODES = ("full", "quick", "tiny")
MODE_TEXT = {
    "full": "Full protocol of this experiment.",
    "quick": "**Quick CPU settings (`--quick`), not the paper's protocol.**",
    "tiny": "**Smoke-test settings (`--tiny`): the numbers mean nothing.**",
}

# Narrow networks of the tiny mode.
TINY_ARCHITECTURES = {
    "fc": {"hidden_units": [16]},
    "fc1": {"hidden_units": [16]},
    "cnn": {"filters": [4, 8], "dense_units": 32},
    "vgg": {"filters": [4, 4, 8], "dense_units": 16},
}
