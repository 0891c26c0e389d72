"""The phase boundaries of App. B's linear toy model (Sec. 2.2), derived.

The model, its loss (Eq. 9-10) and its gradient-descent updates (Eq. 13
and the `w0` update) are `keras_ninr.src.phases.linear_toy_model`'s.
Phase boundaries (all in terms of the noise variance `sigma**2`). Write
`a = eta sigma**2 w1**2` and `b = eta sigma**2 w_ni**2`.

* Decoupled -> decay (Sec. 2.2: "R2 > R1 at initialisation"). From Eq. 12,
  R1 is a random term of standard deviation
  `|w_ni w1 (w1 w0 - M)| sigma_x sigma / sqrt(B)` and
  `R2 = w1**2 w_ni**2 sigma**2 / 2`; they are equal at
  `sigma**2 = 4 (w1 w0 - M)**2 sigma_x**2 / (B w1**2 w_ni**2)`.
  With infinite batches (`batch_size=None`) R1 vanishes and this is 0:
  every `sigma > 0` is in the decay phase. App. B's condition
  `sigma**2 << 1 / (eta w_ni0**2)` is a different statement: below it the
  noise's pull on `w1` (`b` per step) is negligible, so `w1` follows
  noise-free gradient descent while `w_ni` decays (Eq. 14).
* Catapult. In the noise-dominated limit (Eq. 15) each weight is multiplied
  every step by a factor set by the other: `w_ni <- w_ni (1 - a)`,
  `w1 <- w1 (1 - b)`. For `a < 1` the noise weight shrinks monotonically,
  for `1 < a < 2` it shrinks while flipping sign, for `a > 2`
  (`|1 - a| > 1`) it grows: the update is stiff. For `|w1_0| >= |w_ni0|`
  this sets the onset, `sigma**2_cat = 2 / (eta w1_0**2)`: the noise weight
  is catapulted, grows until it has shrunk `w1` below the stability limit
  (`a < 2`), then decays. The paper's `sigma_cat ~ 2 d / eta` (Sec. 2.2) is
  the same statement for weights initialised with variance `1 / d`; it is a
  threshold on the variance `sigma**2`, not on `sigma` (`eta sigma**2 w**2`
  is the dimensionless combination; Fig. 3 quotes `sigma**2` in units of
  `d / eta`). App. B's decay condition printed as
  `(w1_0)**2 > eta sigma**2 / 2` should read `eta sigma**2 (w1_0)**2 < 2`.
  For `|w_ni0| > |w1_0|` the update of `w1` turns stiff first, at
  `b = 2`, while the noise weight keeps shrinking (`a < 2`), so the
  catapult has to show in the loss. Its noise part,
  `R2 = w1**2 w_ni**2 sigma**2 / 2`, is multiplied every step by
  `((1 - a)(1 - b))**2`, so it grows at the first step once
  `|(1 - a0)(1 - b0)| > 1` (in the smooth limit near the threshold,
  `log R2` is concave in time, so it rises later only if it rises at
  once). With `S = eta sigma**2`,
  `u = w1_0**2`, `v = w_ni0**2`, the smallest such `S` is the smaller root
  of `(1 - u S)(1 - v S) = -1`,
  `S = (u + v - sqrt((u + v)**2 - 8 u v)) / (2 u v)`, when
  `(u + v)**2 >= 8 u v` (a ratio `u / v <= 3 - 2 sqrt(2)`), and otherwise
  the root of `(1 - u S)(1 - v S) = 1`, `S = 1 / u + 1 / v`, which then
  lies beyond the divergence onset below. So in general
  `sigma**2_cat = min(2 / (eta u), S / eta, sigma**2_div)`, which is
  `2 / (eta w1_0**2)` whenever `|w1_0| >= |w_ni0|`, and tends to
  `2 / (eta w_ni0**2)` (a catapult of the data weight `w1`, as Sec. 2.2
  describes) for `|w1_0| << |w_ni0|`.
* Divergent. Eq. 15 maps `(a, b) -> (a (1 - b)**2, b (1 - a)**2)`. Then
  `a - b -> (a - b)(1 - a b)`: the discrete counterpart of the continuous
  flow Eq. 16, which conserves `w1**2 - w_ni**2` exactly
  (`d/dt (w1**2 - w_ni**2) = -2 sigma**2 w1**2 w_ni**2 + 2 sigma**2 w_ni**2
  w1**2 = 0`); the map conserves it only to first order in `eta sigma**2`.
  The sum `s = a + b` obeys
  `s -> a (1 - b)**2 + b (1 - a)**2 = s - a b (4 - s)`. Since `a b >= 0`,
  the line `s = 4` is invariant, `s` can only decrease below it and only
  increase above it. Below it `s` is bounded, so the weights stay bounded
  and settle with `a <= 2` and `b -> 0` (a flatter point: a limit with
  `2 < a < 4` would make `b` grow). Above it `s` grows without bound (a
  finite limit would again need `a b -> 0` with one of `a, b` above 4,
  which makes the other grow). So Eq. 15 diverges exactly when
  `eta sigma**2 (w1_0**2 + w_ni0**2) > 4`:
  `sigma**2_div = 4 / (eta (w1_0**2 + w_ni0**2))`.
  For `|w1_0| >= |w_ni0|`, `sigma**2_div / sigma**2_cat = 2 u / (u + v)`
  lies in [1, 2]: there is no catapult phase for `|w1_0| = |w_ni0|`, and it
  spans a factor 2 in `sigma**2` for `|w_ni0| << |w1_0|` (compare Fig. 3:
  catapult at `d / eta`, divergence at `1.8 d / eta`).

What the estimates miss: the data terms of Eq. 13 (`O(eta sigma_x**2 w**2)`
per step, small next to `a`, `b ~ 1` near the thresholds) and, for the
catapult, any change of `w1` by data fitting while the noise weight decays.
Near the catapult threshold the noise weight decays slowly (`|1 - a|` close
to 1), so if fitting the data grows `|w1|` the noise weight can still be
sizable when `a` crosses 2 and the onset moves down, towards
`2 / (eta w1_*^2)` with `w1_*` the hidden weight at the data minimum. With
`eta = 0.01` and started at the data minimum (or with the data term off,
`w0 = M = 0`, which is Eq. 15 exactly) the onsets found by `find_onsets`
agree with the estimates to better than 1%. From the defaults
(`w0 = 0.5`, `w1 = 1`, `w_ni = 0.1`, data not yet fitted) the divergence
onset still agrees (394.5 vs 396.0), but the catapult onset is 158.3
against the estimate's 200 (-21%), between it and `2 / (eta w1_*^2)` =
138.6. `tests/phases/test_linear_toy_model.py` lists the measured figures.
"""

import math

PHASES = ("decay", "catapult", "divergent")


def analytic_boundaries(learning_rate, sigma_x, M, w0, w1, w_ni, batch_size):
    """The phase boundaries in `sigma**2` of a `LinearToyModel` with these
    arguments and initial weights, as `LinearToyModel.analytic_boundaries`
    describes them (the module docstring derives them)."""
    eta = learning_rate
    u, v = w1**2, w_ni**2
    if batch_size is None:
        decay = 0.0
    elif u * v == 0.0:
        decay = math.inf
    else:
        decay = 4.0 * (w1 * w0 - M) ** 2 * sigma_x**2 / (batch_size * u * v)
    divergent = 4.0 / (eta * (u + v)) if u + v > 0 else math.inf
    noise_weight_grows = 2.0 / (eta * u) if u > 0 else math.inf
    # Smallest S = eta sigma**2 with |(1 - u S)(1 - v S)| = 1.
    discriminant = (u + v) ** 2 - 8.0 * u * v
    if u + v == 0:
        loss_grows = math.inf
    elif discriminant >= 0:
        # (u + v - sqrt(disc)) / (2 u v), in a form that also holds for
        # u v = 0 and does not cancel.
        loss_grows = 4.0 / (u + v + math.sqrt(discriminant))
    else:
        loss_grows = 1.0 / u + 1.0 / v
    catapult = min(noise_weight_grows, loss_grows / eta, divergent)
    boundaries = {
        "decay": decay,
        "catapult": catapult,
        "divergent": divergent,
    }
    for name in PHASES:
        boundaries[f"{name}_stddev"] = math.sqrt(boundaries[name])
    return boundaries
