"""Domain shift MNIST -> USPS (paper Sec. 3.2.2, Table 1)."""

from keras_ninr.src.datasets import loaders as datasets
from keras_ninr.src.robustness.corruption_curves import corrupted_accuracy


def domain_shift_accuracy(model, data_dir=None, variant="lecun", split="test"):
    """Accuracy of an MNIST-trained model on USPS (Sec. 3.2.2, Table 1).

    USPS digits are brought to MNIST's format (`variant="lecun"`: fitted to
    a 20x20 box keeping their aspect ratio, centred by centre of mass in
    28x28; see `keras_ninr.datasets.usps_to_mnist_format` for the other
    variants). The model standardises them as it standardises MNIST, with
    the *MNIST* training statistics of its `Standardization` layer (the
    paper's "standard preprocessing procedure").

    Args:
        model: A Keras model trained on MNIST, taking [0, 1] pixels.
        data_dir: Where to find `usps/` (see `keras_ninr.datasets.load`).
        variant: USPS processing. Defaults to `"lecun"`.
        split: USPS split, `"test"` (the paper's) or `"train"`.

    Returns:
        The accuracy, a Python float.
    """
    x, y = datasets.load_usps_as_mnist(
        data_dir=data_dir, split=split, variant=variant
    )
    return corrupted_accuracy(model, x, y, 0.0)
