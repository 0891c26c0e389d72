"""Gradients of a model's loss with respect to its inputs (paper App. C.1).

The adversarial attacks of Eq. 17 (FGSM) and PGD step along
`sign(grad_x L(theta; x, y))`. Keras 3 has no backend-neutral way to
differentiate with respect to inputs, so this is the one module of the
package that uses a backend's own API: one function per backend
(TensorFlow, JAX, PyTorch), each importing its backend lazily.

Conventions:

- The model runs in inference mode, `training=False`: no NIN noise, dropout
  off, BatchNormalization with its moving statistics (which are left
  untouched). The gradient is that of the deterministic network a user
  evaluates.
- The loss is the *sum* of the per-sample losses, so row `i` of the result
  is the gradient of sample `i`'s own loss, whatever the batch size. (For
  sign attacks the reduction does not matter; for anything else the sum
  makes the result independent of how the inputs are split into batches.)
"""

import weakref

import keras
import numpy as np
from keras import ops

from keras_ninr.src.robustness.evaluation import check_labels
from keras_ninr.src.checks import check_positive_int


def input_gradient(
    model, x, y, loss_fn=None, from_logits=True, batch_size=256
):
    """Gradient of the summed loss of `model` with respect to its inputs.

    Computes `d/dx sum_i loss(y_i, model(x_i, training=False))`: row `i` is
    the gradient of sample `i`'s own loss. The model runs in inference mode
    (no NIN noise, no dropout, BatchNormalization on its moving statistics),
    so the result is deterministic and the same from call to call.

    Args:
        model: A Keras model with a single input.
        x: Inputs, an array-like of shape `(N, ...)`, in the space the model
            takes them ([0, 1] pixels for the zoo's networks, which
            standardise them in their first layer). Cast to
            `keras.config.floatx()`.
        y: Labels. For the default loss: integer labels of shape `(N,)`, or
            one-hot labels of shape `(N, classes)`. For a custom `loss_fn`:
            anything of length `N`, passed to it unchanged.
        loss_fn: Optional callable `(y_true, y_pred) -> losses` written with
            `keras.ops`, returning one loss per sample (they are summed) or
            their sum. A mean over the batch would make the gradient depend
            on `batch_size`. Defaults to `None`, meaning sparse categorical
            cross-entropy.
        from_logits: Boolean, whether the model outputs logits (`True`, as
            the models of this package do) or probabilities (`False`, a
            final softmax). Used only by the default loss. Defaults to
            `True`.
        batch_size: Positive integer, how many inputs go through the model
            at once. Defaults to `256`.

    Returns:
        A NumPy array of the shape of `x`, dtype `keras.config.floatx()`.
    """
    batch_size = check_positive_int(batch_size, "batch_size")
    if loss_fn is not None and not callable(loss_fn):
        raise ValueError(
            "Expected `loss_fn` to be a callable (y_true, y_pred) -> losses "
            f"or None. Received: loss_fn={loss_fn!r}"
        )
    x = np.asarray(x, dtype=keras.config.floatx())
    y = np.asarray(y)
    if x.ndim < 1 or y.ndim < 1 or len(y) != len(x):
        raise ValueError(
            "Expected as many labels as inputs. Received: x of shape "
            f"{x.shape} and y of shape {y.shape}"
        )
    if loss_fn is None:
        y = check_labels(y, len(x)).astype(np.int32)
    backend = keras.backend.backend()
    if backend not in _GRADIENT_FUNCTIONS:
        raise ValueError(
            "Input gradients are implemented for the backends "
            f"{tuple(_GRADIENT_FUNCTIONS)}. Received: backend={backend!r}"
        )
    gradient_function = _GRADIENT_FUNCTIONS[backend]
    gradient = np.empty_like(x)
    for start in range(0, len(x), batch_size):
        batch = slice(start, start + batch_size)
        gradient[batch] = gradient_function(
            model, x[batch], y[batch], loss_fn, from_logits
        )
    return gradient


def _summed_loss(y, outputs, loss_fn, from_logits):
    """The loss summed over the batch, in `keras.ops` (any backend)."""
    if keras.backend.standardize_dtype(outputs.dtype) in (
        "float16",
        "bfloat16",
    ):
        # Mixed-precision models: take the loss (and its gradient) in float32.
        outputs = ops.cast(outputs, "float32")
    if loss_fn is None:
        losses = keras.losses.sparse_categorical_crossentropy(
            y, outputs, from_logits=from_logits
        )
    else:
        losses = loss_fn(y, outputs)
    return ops.sum(losses)


def _tensorflow_input_gradient(model, x, y, loss_fn, from_logits):
    import tensorflow as tf

    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        outputs = model(x, training=False)
        loss = _summed_loss(
            tf.convert_to_tensor(y), outputs, loss_fn, from_logits
        )
    gradient = tape.gradient(loss, x)
    if gradient is None:  # The loss does not depend on the inputs.
        return np.zeros(x.shape, dtype=x.dtype.as_numpy_dtype)
    return gradient.numpy()


# One jit-compiled gradient function per (model, loss_fn, from_logits). The
# model is only weakly referenced, by the cache and by the compiled function,
# so that caching does not keep models alive.
_JAX_GRADIENT_FUNCTIONS = weakref.WeakKeyDictionary()


def _jax_input_gradient(model, x, y, loss_fn, from_logits):
    import jax

    if not model.built:
        model(x[:1], training=False)
    functions = _JAX_GRADIENT_FUNCTIONS.setdefault(model, {})
    key = (loss_fn, from_logits)
    if key not in functions:
        model_reference = weakref.ref(model)

        def summed_loss(x, trainable_values, non_trainable_values, y):
            outputs, _ = model_reference().stateless_call(
                trainable_values, non_trainable_values, x, training=False
            )
            return _summed_loss(y, outputs, loss_fn, from_logits)

        functions[key] = jax.jit(jax.grad(summed_loss))
    # The variables' current values are arguments, not constants baked into
    # the compiled function, so it stays valid as the model trains.
    gradient = functions[key](
        x,
        [variable.value for variable in model.trainable_variables],
        [variable.value for variable in model.non_trainable_variables],
        y,
    )
    return np.asarray(gradient)


def _torch_input_gradient(model, x, y, loss_fn, from_logits):
    import torch

    # On the device Keras uses (a GPU where there is one).
    x = ops.convert_to_tensor(x).detach().requires_grad_(True)
    with torch.enable_grad():
        outputs = model(x, training=False)
        loss = _summed_loss(
            ops.convert_to_tensor(y), outputs, loss_fn, from_logits
        )
        (gradient,) = torch.autograd.grad(loss, x, allow_unused=True)
    if gradient is None:  # The loss does not depend on the inputs.
        return np.zeros(tuple(x.shape), dtype=keras.config.floatx())
    return gradient.detach().cpu().numpy()


_GRADIENT_FUNCTIONS = {
    "tensorflow": _tensorflow_input_gradient,
    "jax": _jax_input_gradient,
    "torch": _torch_input_gradient,
}
