"""The univariate linear network of paper App. B and its NIW phases (Sec. 2.2).

One input `x ~ N(0, sigma_x**2)` with data weight `w0`, one Noise Injection
Node `eps ~ N(0, sigma**2)` with noise weight `w_ni`, both feeding a linear
hidden unit whose weight to the output is `w1`; targets `y = M x`, MSE loss
(Eq. 9):

    L = 1 / (2 B) * sum_a (w1 (w0 x_a + w_ni eps_a) - y_a)**2.

Averaged over data and noise (Eq. 10 without the `Phi / sqrt(B)` term,
i.e. the infinite-sample limit, where R1 of Eq. 12 vanishes):

    L = 1/2 [(w1 w0 - M)**2 sigma_x**2 + w1**2 w_ni**2 sigma**2].

Gradient descent on it is Eq. 13 for `w1` and `w_ni`. Eq. 13 does not print
the `w0` update; from the averaged loss, `dL/dw0 = (w1 w0 - M) w1 sigma_x**2`,
so the three weights step together (all right-hand sides use step-t values):

    w0   <- w0 - eta (w1 w0 - M) w1 sigma_x**2
    w1   <- w1 (1 - eta sigma**2 w_ni**2) - eta (w1 w0 - M) w0 sigma_x**2
    w_ni <- w_ni (1 - eta sigma**2 w1**2)

The phase boundaries of these dynamics (decay, catapult, divergent) are
derived in `keras_ninr.src.phases.linear_toy_boundaries`; the model's
`analytic_boundaries` computes them from its initial weights, and
`classify` / `find_onsets` measure them by simulation.
"""

import math

import numpy as np

from keras_ninr.src.checks import check_int
from keras_ninr.src.checks import check_number
from keras_ninr.src.phases import linear_toy_boundaries


class LinearToyModel:
    """Univariate linear network with one Noise Injection Node (paper App. B).

    Trains the three weights `w0` (data), `w1` (hidden to output) and `w_ni`
    (noise) of Eq. 9 by plain gradient descent, either exactly in the
    infinite-sample limit (Eq. 13, with the `w0` update derived in the module
    docstring) or on random mini-batches, and locates the catapult and
    divergence onsets both analytically and by simulation.
    `linear_toy_boundaries` gives the derivations.

    Args:
        sigma_x: Positive float, standard deviation of the data
            `x ~ N(0, sigma_x**2)`. Defaults to `1.0`.
        M: Float, the slope of the targets `y = M x`. Defaults to `1.0`.
        learning_rate: Positive float, the gradient-descent step `eta`.
            Defaults to `0.01`.
        noise_stddev: Non-negative float, `sigma` of the injected noise
            `eps ~ N(0, sigma**2)`. Defaults to `1.0`.
        w0: Float, initial data weight. Defaults to `0.5`.
        w1: Float, initial hidden-to-output weight. Defaults to `1.0`.
        w_ni: Float, initial noise weight. Defaults to `0.1`.
        batch_size: `None` for the exact infinite-sample dynamics (Eq. 13),
            or a positive int `B`: each step then draws a fresh mini-batch of
            `B` samples and `B` noise values and descends on Eq. 9 exactly.
            Defaults to `None`.
        seed: Optional int seeding the model's own `np.random.Generator`,
            used in mini-batch mode only. The generator's state advances
            from one `simulate` call to the next; a new model with the same
            seed repeats the same draws. Defaults to `None`.
        divergence_bound: Positive float; a run counts as divergent at the
            first step where a weight's magnitude exceeds it or a value is
            not finite. Defaults to `1e6`.

    Example:

    ```python
    model = LinearToyModel(learning_rate=0.01, noise_stddev=15.0)
    history = model.simulate(2000)  # sigma**2 = 225: a catapult
    model.analytic_boundaries()["catapult"]  # 200.0 = 2 / (0.01 * 1.0**2)
    model.analytic_boundaries()["divergent"]  # 396.0 = 4 / (0.01 * 1.01)
    model.find_onsets(steps=2000)  # catapult 158.3, divergent 394.5
    ```

    References:
        - Levi, Bloch, Freytsis, Volansky, "Noise Injection Node
          Regularization for Robust Learning", arXiv:2210.15764 (Sec. 2.2,
          App. B).
        - Lewkowycz et al., "The large learning rate phase of deep learning:
          the catapult mechanism", arXiv:2003.02218.
    """

    def __init__(
        self,
        sigma_x=1.0,
        M=1.0,
        learning_rate=0.01,
        noise_stddev=1.0,
        w0=0.5,
        w1=1.0,
        w_ni=0.1,
        batch_size=None,
        seed=None,
        divergence_bound=1e6,
    ):
        self.sigma_x = check_number(
            sigma_x, "sigma_x", 0.0, inclusive=False
        )
        self.M = check_number(M, "M")
        self.learning_rate = check_number(
            learning_rate, "learning_rate", 0.0, inclusive=False
        )
        self.noise_stddev = check_number(noise_stddev, "noise_stddev", 0.0)
        self.w0 = check_number(w0, "w0")
        self.w1 = check_number(w1, "w1")
        self.w_ni = check_number(w_ni, "w_ni")
        if batch_size is not None:
            batch_size = check_int(batch_size, "batch_size", 1)
        self.batch_size = batch_size
        if seed is not None:
            seed = check_int(seed, "seed", 0)
        self.seed = seed
        self.divergence_bound = check_number(
            divergence_bound, "divergence_bound", 0.0, inclusive=False
        )
        self._rng = np.random.default_rng(seed)

    def get_config(self):
        """Return the constructor arguments as a dict."""
        return {
            "sigma_x": self.sigma_x,
            "M": self.M,
            "learning_rate": self.learning_rate,
            "noise_stddev": self.noise_stddev,
            "w0": self.w0,
            "w1": self.w1,
            "w_ni": self.w_ni,
            "batch_size": self.batch_size,
            "seed": self.seed,
            "divergence_bound": self.divergence_bound,
        }

    def expected_loss(self, w0, w1, w_ni, noise_variance=None):
        """The loss averaged over data and noise (Eq. 10 without R1).

        `1/2 [(w1 w0 - M)**2 sigma_x**2 + w1**2 w_ni**2 sigma**2]`. Works on
        floats or NumPy arrays.

        Args:
            w0: Data weight(s).
            w1: Hidden-to-output weight(s).
            w_ni: Noise weight(s).
            noise_variance: Optional float `sigma**2`. Defaults to `None`,
                meaning `noise_stddev**2`.

        Returns:
            The expected loss, of the broadcast shape of the weights.
        """
        if noise_variance is None:
            noise_variance = self.noise_stddev**2
        # Products, not `**`: a Python float overflows to inf under `*` but
        # raises under `**`.
        residual = w1 * w0 - self.M
        return 0.5 * (
            residual * residual * self.sigma_x**2
            + (w1 * w1) * (w_ni * w_ni) * noise_variance
        )

    def simulate(self, steps, noise_variance=None):
        """Train the three weights by gradient descent for `steps` steps.

        With `batch_size=None` the weights follow Eq. 13 (and the `w0`
        update of the module docstring) exactly. Otherwise every step draws
        `batch_size` fresh pairs `(x, eps)` from the model's generator and
        takes one gradient step on the mini-batch loss Eq. 9.

        Args:
            steps: Non-negative int, the number of steps.
            noise_variance: Optional non-negative float `sigma**2` to use
                instead of `noise_stddev**2`. Defaults to `None`.

        Returns:
            A dict of NumPy arrays indexed by step, entry 0 the initial
            state: `"step"`, `"w0"`, `"w1"`, `"w_ni"` and `"loss"` (the
            expected loss of `expected_loss`, also in mini-batch mode), plus
            `"diverged_at"`: `None`, or the first step at which a weight
            exceeded `divergence_bound` in magnitude or a value stopped
            being finite. The run stops there, so the arrays then end with
            that step.
        """
        steps = check_int(steps, "steps", 0)
        if noise_variance is None:
            noise_variance = self.noise_stddev**2
        noise_variance = check_number(noise_variance, "noise_variance", 0.0)
        if self.batch_size is None:
            return self._run_exact(steps, noise_variance)
        return self._run_minibatch(steps, noise_variance)

    def _diverged(self, w0, w1, w_ni, loss):
        bound = self.divergence_bound
        # `not (... < bound)` is also true for NaN.
        return not (
            abs(w0) < bound
            and abs(w1) < bound
            and abs(w_ni) < bound
            and math.isfinite(loss)
        )

    def _trajectory(self, steps, noise_variance, update):
        """Apply `update(w0, w1, w_ni) -> (w0, w1, w_ni)` `steps` times from
        the initial weights, recording every step; stops at divergence."""
        w0, w1, w_ni = self.w0, self.w1, self.w_ni
        w0s, w1s, w_nis = [w0], [w1], [w_ni]
        losses = [self.expected_loss(w0, w1, w_ni, noise_variance)]
        diverged_at = None
        for step in range(1, steps + 1):
            w0, w1, w_ni = update(w0, w1, w_ni)
            loss = self.expected_loss(w0, w1, w_ni, noise_variance)
            w0s.append(w0)
            w1s.append(w1)
            w_nis.append(w_ni)
            losses.append(loss)
            if self._diverged(w0, w1, w_ni, loss):
                diverged_at = step
                break
        return {
            "step": np.arange(len(losses)),
            "w0": np.array(w0s),
            "w1": np.array(w1s),
            "w_ni": np.array(w_nis),
            "loss": np.array(losses),
            "diverged_at": diverged_at,
        }

    def _run_exact(self, steps, noise_variance):
        eta = self.learning_rate
        var_x = self.sigma_x**2
        M = self.M

        # Plain floats: a step is a handful of scalar operations, for which
        # NumPy's per-call overhead would dominate. Overflow gives inf or
        # NaN, which `_diverged` catches.
        def update(w0, w1, w_ni):
            residual = w1 * w0 - M
            return (
                w0 - eta * residual * w1 * var_x,
                w1 * (1.0 - eta * noise_variance * (w_ni * w_ni))
                - eta * residual * w0 * var_x,
                w_ni * (1.0 - eta * noise_variance * (w1 * w1)),
            )

        return self._trajectory(steps, noise_variance, update)

    def _run_minibatch(self, steps, noise_variance):
        eta = self.learning_rate
        batch = self.batch_size
        noise_scale = math.sqrt(noise_variance)

        def update(w0, w1, w_ni):
            x = self._rng.normal(0.0, self.sigma_x, batch)
            eps = self._rng.normal(0.0, 1.0, batch) * noise_scale
            hidden = w0 * x + w_ni * eps
            error = w1 * hidden - self.M * x
            # Gradients of Eq. 9, (1 / 2B) sum error**2.
            grad_w0 = float(np.mean(error * w1 * x))
            grad_w1 = float(np.mean(error * hidden))
            grad_w_ni = float(np.mean(error * w1 * eps))
            return (
                w0 - eta * grad_w0,
                w1 - eta * grad_w1,
                w_ni - eta * grad_w_ni,
            )

        with np.errstate(over="ignore", invalid="ignore"):
            return self._trajectory(steps, noise_variance, update)

    def analytic_boundaries(self):
        """Phase boundaries in `sigma**2` from the initial weights.

        Derived in `linear_toy_boundaries`, with `u = w1**2`, `v = w_ni**2`:

        * `"decay"`: R2 equals the standard deviation of R1 (Eq. 12),
          `4 (w1 w0 - M)**2 sigma_x**2 / (B u v)`; 0 for `batch_size=None`.
        * `"catapult"`: `min(2 / (eta u), S / eta, divergent)`, where
          `2 / (eta u)` makes the noise weight grow (Eq. 15) and `S` is the
          smallest `eta sigma**2` at which R2 grows at the first step,
          `|(1 - u S)(1 - v S)| = 1`. Equal to `2 / (eta u)` whenever
          `u >= v`.
        * `"divergent"`: `4 / (eta (u + v))`, beyond which Eq. 15 is
          unbounded.

        Each also comes as a standard deviation, `"<name>_stddev"`. A
        boundary that is never reached (zero weights) is `inf`.

        Returns:
            A dict of floats: `"decay"`, `"catapult"`, `"divergent"` (noise
            variances) and `"decay_stddev"`, `"catapult_stddev"`,
            `"divergent_stddev"`.
        """
        return linear_toy_boundaries.analytic_boundaries(
            learning_rate=self.learning_rate,
            sigma_x=self.sigma_x,
            M=self.M,
            w0=self.w0,
            w1=self.w1,
            w_ni=self.w_ni,
            batch_size=self.batch_size,
        )

    def classify(self, noise_variance=None, steps=2000):
        """The phase of the exact dynamics (Eq. 13) at one noise variance.

        * `"divergent"`: a weight left `divergence_bound` or a value stopped
          being finite, or the run did not recover: its final loss is above
          the initial loss.
        * `"catapult"`: the run recovered, but at some step the expected
          loss or the noise weight's magnitude rose above its initial value
          (the noise weight is the catapulted one for `|w1| > |w_ni|`; a
          catapult of `w1` shows in the loss).
        * `"decay"`: neither; the noise weight only decays.

        The decoupled phase needs R1, a finite-batch effect, and does not
        occur in the exact dynamics. `steps` must cover the time data
        fitting takes after a catapult, about `1 / (eta sigma_x**2 w**2)`
        steps, or slow recoveries count as divergent.

        Args:
            noise_variance: Optional non-negative float `sigma**2`. Defaults
                to `None`, meaning `noise_stddev**2`.
            steps: Positive int, the number of steps. Defaults to `2000`.

        Returns:
            One of `"decay"`, `"catapult"`, `"divergent"`.
        """
        steps = check_int(steps, "steps", 1)
        if noise_variance is None:
            noise_variance = self.noise_stddev**2
        noise_variance = check_number(noise_variance, "noise_variance", 0.0)
        history = self._run_exact(steps, noise_variance)
        loss = history["loss"]
        if history["diverged_at"] is not None or loss[-1] > loss[0]:
            return "divergent"
        noise_weight = np.abs(history["w_ni"])
        loss_rose = np.max(loss[1:]) > loss[0]
        noise_weight_rose = np.max(noise_weight[1:]) > noise_weight[0]
        if loss_rose or noise_weight_rose:
            return "catapult"
        return "decay"

    def find_onsets(self, noise_variances=None, steps=2000, rtol=0.005):
        """Catapult and divergence onsets of the exact dynamics, by bisection.

        Classifies every grid point with `classify`, then bisects between
        the last grid point below and the first at or beyond each onset
        (catapult: first `"catapult"` or `"divergent"`; divergence: first
        `"divergent"`) until the bracket is narrower than `rtol` of its
        upper end. The reported onset is the bracket's midpoint.

        Args:
            noise_variances: Optional increasing 1-D sequence of
                non-negative `sigma**2` values. Defaults to `None`: 31
                values spaced geometrically from an eighth of the analytic
                catapult onset to 8 times the analytic divergence onset.
            steps: Positive int, steps per run. Defaults to `2000`.
            rtol: Float in (0, 1), relative width of the final bracket.
                Defaults to `0.005`.

        Returns:
            A dict: `"catapult"` and `"divergent"` (onsets in `sigma**2`,
            `nan` where the grid does not bracket the onset; with no
            catapult phase the two coincide), `"catapult_stddev"` and
            `"divergent_stddev"`, `"noise_variances"` (the grid) and
            `"phases"` (the grid's labels).
        """
        steps = check_int(steps, "steps", 1)
        rtol = check_number(rtol, "rtol", 0.0, inclusive=False)
        if rtol >= 1.0:
            raise ValueError(
                f"Expected `rtol` to be in (0, 1). Received: rtol={rtol!r}"
            )
        if noise_variances is None:
            analytic = self.analytic_boundaries()
            if not math.isfinite(analytic["divergent"]):
                raise ValueError(
                    "The analytic onsets are infinite (w1 = w_ni = 0), so "
                    "no default grid exists; pass `noise_variances`. "
                    f"Received: w1={self.w1!r}, w_ni={self.w_ni!r}"
                )
            grid = np.geomspace(
                analytic["catapult"] / 8.0, analytic["divergent"] * 8.0, 31
            )
        else:
            try:
                grid = np.asarray(noise_variances, dtype=float)
            except (TypeError, ValueError):
                grid = np.empty(0)
            if (
                grid.ndim != 1
                or grid.size < 2
                or not np.all(np.isfinite(grid))
                or np.any(grid < 0)
                or np.any(np.diff(grid) <= 0)
            ):
                raise ValueError(
                    "Expected `noise_variances` to be a strictly increasing "
                    "1-D sequence of at least 2 non-negative finite numbers. "
                    f"Received: noise_variances={noise_variances!r}"
                )
        phases = [self.classify(float(value), steps) for value in grid]

        def onset(reached):
            hits = [i for i, phase in enumerate(phases) if phase in reached]
            if not hits or hits[0] == 0:
                return math.nan
            low, high = float(grid[hits[0] - 1]), float(grid[hits[0]])
            while high - low > rtol * high:
                middle = 0.5 * (low + high)
                if self.classify(middle, steps) in reached:
                    high = middle
                else:
                    low = middle
            return 0.5 * (low + high)

        catapult = onset(("catapult", "divergent"))
        divergent = onset(("divergent",))
        return {
            "catapult": catapult,
            "divergent": divergent,
            "catapult_stddev": math.sqrt(catapult),
            "divergent_stddev": math.sqrt(divergent),
            "noise_variances": grid,
            "phases": np.array(phases),
        }
