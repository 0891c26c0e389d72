"""White-box adversarial attacks: FGSM (paper App. C.1, Eq. 17) and PGD.

FGSM moves every input by `epsilon` along the sign of the loss gradient,

    x -> x + epsilon * sign(grad_x L(theta; x, y)),

and PGD iterates such steps, projecting after each one back onto the L-inf
ball of radius `epsilon` around the clean input and onto the valid pixel
range (Madry et al., arXiv:1706.06083). FGSM is PGD's single step of size
`epsilon` from the clean input.

The models take [0, 1] pixels (a zoo network standardises them in its
first layer), so inputs, `epsilon`, the ball and the clipping range are all
in pixel units, and the gradient is taken through the standardisation. As
its `std > 0`, that gradient has the sign of the gradient with respect to
the standardised inputs: the attacks are those of App. C.1 on the pixels.

Gradients are taken in inference mode (no NIN noise, no dropout), see
`keras_ninr.src.robustness.input_gradients`.

The attacks are known by name in one registry, `ATTACKS`, which
`adversarial_accuracy`, the kit's sweep (a config's evaluations, a run's
record) and its reports (a figure per attack) read: adding an attack is
its function and one entry there.
"""

import dataclasses
import numbers

import numpy as np

from keras_ninr.src.checks import check_number
from keras_ninr.src.checks import check_positive_int
from keras_ninr.src.datasets.loaders import scale_pixels
from keras_ninr.src.robustness.evaluation import accuracy
from keras_ninr.src.robustness.evaluation import check_labels
from keras_ninr.src.robustness.input_gradients import input_gradient

NORMS = ("linf",)


def fgsm(
    model,
    x,
    y,
    epsilon,
    clip_min=0.0,
    clip_max=1.0,
    loss_fn=None,
    from_logits=True,
    batch_size=256,
):
    """Fast Gradient Sign Method, paper Eq. 17.

    `x_adv = clip(x + epsilon * sign(grad_x L), clip_min, clip_max)`, with
    the gradient of the loss of `model` in inference mode.

    Args:
        model: A Keras model with a single input, taking [0, 1] pixels.
        x: Clean images, `uint8` (0-255) or floats in [0, 1], shape
            `(N, ...)`.
        y: Labels, integer `(N,)` or one-hot `(N, classes)`.
        epsilon: Non-negative float, the size of the step in every pixel,
            in [0, 1] pixel units.
        clip_min: Optional float, the smallest valid value of `x_adv`.
            Defaults to `0.0`; `None` for no lower bound.
        clip_max: Optional float, the largest valid value of `x_adv`.
            Defaults to `1.0`; `None` for no upper bound.
        loss_fn: Optional loss `(y_true, y_pred) -> per-sample losses`; see
            `input_gradient`. Defaults to `None` (sparse categorical
            cross-entropy).
        from_logits: Whether the model outputs logits (`True`) or
            probabilities (`False`). Defaults to `True`.
        batch_size: Batch size of the gradient computation. Defaults to
            `256`.

    Returns:
        The adversarial images, a float32 NumPy array of the shape of `x`,
        in [0, 1] pixel units.
    """
    return pgd(
        model,
        x,
        y,
        epsilon,
        steps=1,
        step_size=epsilon,
        clip_min=clip_min,
        clip_max=clip_max,
        loss_fn=loss_fn,
        from_logits=from_logits,
        batch_size=batch_size,
    )


def pgd(
    model,
    x,
    y,
    epsilon,
    steps=10,
    step_size=None,
    random_start=False,
    seed=None,
    clip_min=0.0,
    clip_max=1.0,
    norm="linf",
    loss_fn=None,
    from_logits=True,
    batch_size=256,
):
    """Projected Gradient Descent (ascent on the loss), L-inf ball.

    `steps` FGSM steps of size `step_size`, each followed by a projection
    onto the L-inf ball of radius `epsilon` around the clean `x` and onto
    `[clip_min, clip_max]` (paper App. C.1; Madry et al.).

    Args:
        model, x, y, clip_min, clip_max, loss_fn, from_logits, batch_size:
            As in `fgsm`.
        epsilon: Non-negative float, the radius of the L-inf ball, in
            [0, 1] pixel units.
        steps: Positive integer, the number of gradient steps. Defaults to
            `10`.
        step_size: Optional non-negative float, the size of each step.
            Defaults to `None`, meaning `2.5 * epsilon / steps`.
        random_start: Boolean, whether to start from a uniform random point
            of the ball rather than from `x`. Defaults to `False`.
        seed: Optional int (or `np.random.Generator`) for the random start.
            Defaults to `None`.
        norm: The norm of the ball; only `"linf"` is implemented. Defaults
            to `"linf"`.

    Returns:
        The adversarial images, a float32 NumPy array of the shape of `x`,
        in [0, 1] pixel units.
    """
    epsilon = check_number(epsilon, "epsilon", 0)
    steps = check_positive_int(steps, "steps")
    if step_size is None:
        step_size = 2.5 * epsilon / steps
    else:
        step_size = check_number(step_size, "step_size", 0)
    if norm not in NORMS:
        raise ValueError(
            f"Unrecognized `norm`. Expected one of {NORMS}. "
            f"Received: norm={norm!r}"
        )
    x = scale_pixels(x)
    clip_min, clip_max = _check_clip_range(clip_min, clip_max)

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
            x_adv,
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


@dataclasses.dataclass(frozen=True)
class Attack:
    """An adversarial attack, as the registry `ATTACKS` holds it.

    Attributes:
        function: `function(model, x, y, epsilon, *, batch_size,
            **attack_kwargs)`, returning the adversarial images of the
            [0, 1] pixels `x` (as `fgsm` and `pgd` do). It takes
            `clip_min` and `clip_max` among its keyword arguments: the
            kit's sweep passes `0.0` and `1.0`.
        title: The attack's name in figures and tables, e.g. `"FGSM"`.
        norm: The norm its `epsilon` bounds, as a figure's axis names it,
            e.g. `"L∞"`.
        description: One line on what the attack does.
    """

    function: object
    title: str
    norm: str
    description: str


# Every attack the toolkit, the sweep and the reports know, by name.
ATTACKS = {
    "fgsm": Attack(
        function=fgsm,
        title="FGSM",
        norm="L∞",
        description="one step of epsilon along the loss gradient's sign "
        "(App. C.1, Eq. 17)",
    ),
    "pgd": Attack(
        function=pgd,
        title="PGD",
        norm="L∞",
        description="signed-gradient steps, each projected onto the L∞ "
        "ball of radius epsilon (Madry et al.)",
    ),
}


def get_attack(name):
    """The registered `Attack` called `name`, or a `ValueError` naming the
    known ones."""
    if not isinstance(name, str) or name not in ATTACKS:
        raise ValueError(
            f"Unrecognized `attack`. Expected one of {tuple(ATTACKS)}. "
            f"Received: attack={name!r}"
        )
    return ATTACKS[name]


def adversarial_accuracy(
    model, x, y, attack="fgsm", *, epsilons, batch_size=256, **attack_kwargs
):
    """Accuracy of `model` on adversarial inputs, one value per epsilon.

    For every `epsilon`, the inputs are attacked with a registered attack
    (`ATTACKS`: `fgsm`, `pgd`), then classified by `model.predict`
    (inference mode) with the argmax of its outputs (logits or
    probabilities).

    Args:
        model: A Keras model with a single input, taking [0, 1] pixels.
        x: Clean images, `uint8` (0-255) or floats in [0, 1].
        y: Labels, integer `(N,)` or one-hot `(N, classes)`.
        attack: The name of a registered attack (`ATTACKS`), `"fgsm"` or
            `"pgd"`. Defaults to `"fgsm"`.
        epsilons: Iterable of non-negative floats, the perturbation sizes in
            [0, 1] pixel units; `0` gives the clean accuracy.
        batch_size: Batch size of the attack and of `model.predict`.
            Defaults to `256`.
        **attack_kwargs: Further arguments of the attack (`clip_min`,
            `clip_max`, `steps`, `step_size`, `random_start`, `seed`,
            `loss_fn`, `from_logits`, ...).

    Returns:
        A dict `{epsilon: accuracy}` (floats), in the order of `epsilons`.
    """
    attack_function = get_attack(attack).function
    if isinstance(epsilons, (str, bytes)) or not hasattr(epsilons, "__iter__"):
        raise ValueError(
            "Expected `epsilons` to be an iterable of non-negative floats. "
            f"Received: epsilons={epsilons!r}"
        )
    epsilons = [check_number(epsilon, "epsilon", 0) for epsilon in epsilons]
    x = scale_pixels(x)
    labels = check_labels(y, len(x))
    accuracies = {}
    for epsilon in epsilons:
        x_adv = attack_function(
            model, x, y, epsilon, batch_size=batch_size, **attack_kwargs
        )
        accuracies[epsilon] = accuracy(model, x_adv, labels, batch_size)
    return accuracies


def _check_clip_range(clip_min, clip_max):
    for name, value in (("clip_min", clip_min), ("clip_max", clip_max)):
        if value is not None and (
            isinstance(value, bool)
            or not isinstance(value, numbers.Real)
            or np.isnan(value)
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


def _clip(x, clip_min, clip_max):
    if clip_min is None and clip_max is None:
        return x
    return np.clip(x, clip_min, clip_max)
