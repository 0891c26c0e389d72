"""White-box adversarial attacks: FGSM (paper App. C.1, Eq. 17) and PGD.

FGSM moves every input by `epsilon` along the sign of the loss gradient,

    x -> x + epsilon * sign(grad_x L(theta; x, y)),

and PGD iterates such steps, projecting after each one back onto the L-inf
ball of radius `epsilon` around the clean input and onto the valid pixel
range (Madry et al., arXiv:1706.06083).

The models of this package take standardised inputs `(pixels - mean) / std`,
while a perturbation budget is naturally stated in pixels. With `mean` and
`std` given, inputs, `epsilon`, the ball and the clipping range are all in
pixel units and the model sees the standardised image. As `std > 0`, the
pixel gradient `grad / std` has the sign of the standardised-input gradient,
so only the projection and the clipping need the pixel space.

Gradients are taken in inference mode (no NIN noise, no dropout), see
`keras_ninr.src.robustness.input_gradients`.
"""

import math
import numbers

import numpy as np

from keras_ninr.src.robustness.input_gradients import input_gradient

ATTACKS = ("fgsm", "pgd")
NORMS = ("linf",)


def fgsm(
    model,
    x,
    y,
    epsilon,
    clip_min=None,
    clip_max=None,
    mean=None,
    std=None,
    loss_fn=None,
    from_logits=True,
    batch_size=256,
):
    """Fast Gradient Sign Method, paper Eq. 17.

    `x_adv = clip(x + epsilon * sign(grad_x L), clip_min, clip_max)`, with
    the gradient of the loss of `model` in inference mode.

    Args:
        model: A Keras model with a single input.
        x: Clean inputs, a floating-point array of shape `(N, ...)`: pixels
            if `mean` and `std` are given, else the model's own inputs.
        y: Labels, integer `(N,)` or one-hot `(N, classes)`.
        epsilon: Non-negative float, the size of the step in every
            coordinate, in the units of `x`.
        clip_min: Optional float, the smallest valid value of `x_adv` (e.g.
            `0.0` for [0, 1] pixels). Defaults to `None` (no lower bound).
        clip_max: Optional float, the largest valid value of `x_adv` (e.g.
            `1.0`). Defaults to `None` (no upper bound).
        mean: Optional float; with `std`, the model's input is
            `(x - mean) / std` (`keras_ninr.datasets.standardize` returns
            both). Defaults to `None` (the model takes `x` as it is).
        std: Optional positive float, see `mean`. Defaults to `None`.
        loss_fn: Optional loss `(y_true, y_pred) -> per-sample losses`; see
            `input_gradient`. Defaults to `None` (sparse categorical
            cross-entropy).
        from_logits: Whether the model outputs logits (`True`) or
            probabilities (`False`). Defaults to `True`.
        batch_size: Batch size of the gradient computation. Defaults to
            `256`.

    Returns:
        The adversarial inputs, a NumPy array in the space, shape and
        floating dtype of `x`.
    """
    epsilon = _check_epsilon(epsilon)
    x = _check_inputs(x)
    clip_min, clip_max = _check_clip_range(clip_min, clip_max)
    mean, std = _check_standardization(mean, std)
    if epsilon == 0:
        return _clip(x.copy(), clip_min, clip_max)
    gradient = input_gradient(
        model,
        _to_model_space(x, mean, std),
        y,
        loss_fn=loss_fn,
        from_logits=from_logits,
        batch_size=batch_size,
    )
    x_adv = x + x.dtype.type(epsilon) * np.sign(gradient).astype(x.dtype)
    return _clip(x_adv, clip_min, clip_max)


def pgd(
    model,
    x,
    y,
    epsilon,
    steps=10,
    step_size=None,
    random_start=False,
    seed=None,
    clip_min=None,
    clip_max=None,
    norm="linf",
    mean=None,
    std=None,
    loss_fn=None,
    from_logits=True,
    batch_size=256,
):
    """Projected Gradient Descent (ascent on the loss), L-inf ball.

    `steps` FGSM steps of size `step_size`, each followed by a projection
    onto the L-inf ball of radius `epsilon` around the clean `x` and onto
    `[clip_min, clip_max]` (paper App. C.1; Madry et al.).

    Args:
        model: A Keras model with a single input.
        x: Clean inputs, a floating-point array of shape `(N, ...)`: pixels
            if `mean` and `std` are given, else the model's own inputs.
        y: Labels, integer `(N,)` or one-hot `(N, classes)`.
        epsilon: Non-negative float, the radius of the L-inf ball, in the
            units of `x`.
        steps: Positive integer, the number of gradient steps. Defaults to
            `10`.
        step_size: Optional non-negative float, the size of each step.
            Defaults to `None`, meaning `2.5 * epsilon / steps`.
        random_start: Boolean, whether to start from a uniform random point
            of the ball rather than from `x`. Defaults to `False`.
        seed: Optional int (or `np.random.Generator`) for the random start.
            Defaults to `None`.
        clip_min: Optional float, the smallest valid value of `x_adv`.
            Defaults to `None` (no lower bound).
        clip_max: Optional float, the largest valid value of `x_adv`.
            Defaults to `None` (no upper bound).
        norm: The norm of the ball; only `"linf"` is implemented. Defaults
            to `"linf"`.
        mean: Optional float; with `std`, the model's input is
            `(x - mean) / std`. Defaults to `None`.
        std: Optional positive float, see `mean`. Defaults to `None`.
        loss_fn: Optional loss, see `input_gradient`. Defaults to `None`
            (sparse categorical cross-entropy).
        from_logits: Whether the model outputs logits (`True`) or
            probabilities (`False`). Defaults to `True`.
        batch_size: Batch size of the gradient computation. Defaults to
            `256`.

    Returns:
        The adversarial inputs, a NumPy array in the space, shape and
        floating dtype of `x`.
    """
    epsilon = _check_epsilon(epsilon)
    if (
        isinstance(steps, bool)
        or not isinstance(steps, numbers.Integral)
        or steps < 1
    ):
        raise ValueError(
            "Expected `steps` to be a positive integer. "
            f"Received: steps={steps!r}"
        )
    if step_size is None:
        step_size = 2.5 * epsilon / steps
    else:
        step_size = _check_epsilon(step_size, name="step_size")
    if norm not in NORMS:
        raise ValueError(
            f"Unrecognized `norm`. Expected one of {NORMS}. "
            f"Received: norm={norm!r}"
        )
    x = _check_inputs(x)
    clip_min, clip_max = _check_clip_range(clip_min, clip_max)
    mean, std = _check_standardization(mean, std)

    dtype = x.dtype.type
    lower = _clip(x - dtype(epsilon), clip_min, clip_max)
    upper = _clip(x + dtype(epsilon), clip_min, clip_max)
    if epsilon == 0:  # The ball is a point: no gradient needed.
        return np.clip(x, lower, upper)
    x_adv = x.copy()
    if random_start:
        rng = np.random.default_rng(seed)
        x_adv += rng.uniform(-epsilon, epsilon, size=x.shape).astype(x.dtype)
        x_adv = np.clip(x_adv, lower, upper)
    for _ in range(steps):
        gradient = input_gradient(
            model,
            _to_model_space(x_adv, mean, std),
            y,
            loss_fn=loss_fn,
            from_logits=from_logits,
            batch_size=batch_size,
        )
        x_adv += dtype(step_size) * np.sign(gradient).astype(x.dtype)
        # The ball and the pixel range intersect in the box [lower, upper]:
        # one clip projects onto both.
        np.clip(x_adv, lower, upper, out=x_adv)
    return x_adv


def adversarial_accuracy(
    model,
    x,
    y,
    attack="fgsm",
    *,
    epsilons,
    mean=None,
    std=None,
    batch_size=256,
    **attack_kwargs,
):
    """Accuracy of `model` on adversarial inputs, one value per epsilon.

    For every `epsilon`, the inputs are attacked with `fgsm` or `pgd`, then
    classified by `model.predict` (inference mode) with the argmax of its
    outputs (logits or probabilities).

    Args:
        model: A Keras model with a single input.
        x: Clean inputs, a floating-point array: pixels if `mean` and `std`
            are given, else the model's own inputs.
        y: Labels, integer `(N,)` or one-hot `(N, classes)`.
        attack: `"fgsm"` or `"pgd"`. Defaults to `"fgsm"`.
        epsilons: Iterable of non-negative floats, the perturbation sizes in
            the units of `x`; `0` gives the clean accuracy.
        mean: Optional float; with `std`, the model's input is
            `(x - mean) / std`. Defaults to `None`.
        std: Optional positive float, see `mean`. Defaults to `None`.
        batch_size: Batch size of the attack and of `model.predict`.
            Defaults to `256`.
        **attack_kwargs: Further arguments of the attack (`clip_min`,
            `clip_max`, `steps`, `step_size`, `random_start`, `seed`,
            `loss_fn`, `from_logits`, ...).

    Returns:
        A dict `{epsilon: accuracy}` (floats), in the order of `epsilons`.
    """
    if attack not in ATTACKS:
        raise ValueError(
            f"Unrecognized `attack`. Expected one of {ATTACKS}. "
            f"Received: attack={attack!r}"
        )
    if isinstance(epsilons, (str, bytes)) or not hasattr(epsilons, "__iter__"):
        raise ValueError(
            "Expected `epsilons` to be an iterable of non-negative floats. "
            f"Received: epsilons={epsilons!r}"
        )
    epsilons = [_check_epsilon(epsilon) for epsilon in epsilons]
    x = _check_inputs(x)
    mean, std = _check_standardization(mean, std)
    labels = np.asarray(y)
    if labels.ndim == 2:
        labels = labels.argmax(axis=-1)
    labels = labels.reshape(-1)
    if len(labels) != len(x):
        raise ValueError(
            f"Expected as many labels as inputs. Received: {len(x)} inputs "
            f"and {len(labels)} labels"
        )
    attack_function = fgsm if attack == "fgsm" else pgd
    accuracies = {}
    for epsilon in epsilons:
        x_adv = attack_function(
            model,
            x,
            y,
            epsilon,
            mean=mean,
            std=std,
            batch_size=batch_size,
            **attack_kwargs,
        )
        outputs = model.predict(
            _to_model_space(x_adv, mean, std), batch_size=batch_size, verbose=0
        )
        predictions = np.asarray(outputs).argmax(axis=-1)
        accuracies[epsilon] = float(np.mean(predictions == labels))
    return accuracies


def _check_epsilon(epsilon, name="epsilon"):
    if (
        isinstance(epsilon, bool)
        or not isinstance(epsilon, numbers.Real)
        or not math.isfinite(epsilon)
        or epsilon < 0
    ):
        raise ValueError(
            f"Expected `{name}` to be a finite non-negative number. "
            f"Received: {name}={epsilon!r}"
        )
    return float(epsilon)


def _check_inputs(x):
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(
            "Expected floating-point inputs (for uint8 images, scale them to "
            "[0, 1] with `keras_ninr.datasets.scale_pixels`). Received: an "
            f"array of dtype {x.dtype}"
        )
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float32)
    return x


def _check_clip_range(clip_min, clip_max):
    for name, value in (("clip_min", clip_min), ("clip_max", clip_max)):
        if value is not None and (
            isinstance(value, bool)
            or not isinstance(value, numbers.Real)
            or math.isnan(value)
        ):
            raise ValueError(
                f"Expected `{name}` to be a number or None. "
                f"Received: {name}={value!r}"
            )
    if clip_min is not None and clip_max is not None and clip_min > clip_max:
        raise ValueError(
            "Expected `clip_min` <= `clip_max`. Received: "
            f"clip_min={clip_min!r}, clip_max={clip_max!r}"
        )
    return clip_min, clip_max


def _check_standardization(mean, std):
    if (mean is None) != (std is None):
        raise ValueError(
            "Expected both `mean` and `std` (the model takes "
            "(x - mean) / std) or neither. Received: "
            f"mean={mean!r}, std={std!r}"
        )
    if mean is None:
        return None, None
    if (
        isinstance(mean, bool)
        or not isinstance(mean, numbers.Real)
        or not math.isfinite(mean)
    ):
        raise ValueError(
            f"Expected `mean` to be a finite number. Received: mean={mean!r}"
        )
    if (
        isinstance(std, bool)
        or not isinstance(std, numbers.Real)
        or not math.isfinite(std)
        or std <= 0
    ):
        raise ValueError(
            "Expected `std` to be a finite positive number. "
            f"Received: std={std!r}"
        )
    return float(mean), float(std)


def _to_model_space(x, mean, std):
    if mean is None:
        return x
    return (x - x.dtype.type(mean)) / x.dtype.type(std)


def _clip(x, clip_min, clip_max):
    if clip_min is None and clip_max is None:
        return x
    return np.clip(x, clip_min, clip_max)
