"""The benchmarks' JAX training loop, written by hand (JAX only).

Not part of the library: `step_overhead.py` compares `fit` with it, and
imports it as a sibling module. `ScanTraining` is the floor (one
`jax.lax.scan` per epoch). It imports JAX inside, so that the scripts
import under any backend. (Running Keras's own step N times in one
compiled call, which was here as a benchmark-only model, is now the kit's
`keras_ninr.src.models.scan_steps.ScanSteps`.)
"""


def jax_available():
    """Whether JAX is importable (the loops need it)."""
    try:
        import jax  # noqa: F401
    except ImportError:
        return False
    return True


class ScanTraining:
    """The hand-written JAX training: one `jax.lax.scan` per epoch.

    The model math of `step_overhead.build_network`: `relu(x W + b [+ eps w_ni])` per
    hidden layer, with `eps` of shape `(batch, 1)` drawn from
    N(0, sigma_eps^2) at every step for a NIN layer, then logits, the mean
    cross-entropy and a plain SGD update. The data lie on the device as
    `(steps, batch, 784)`, in `x`'s order.

    Args:
        parameters: `step_overhead.network_parameters(model)` (the initial
            weights).
        x, y: Training data, whole batches.
        batch_size: Int.
        noise_stddev: sigma_eps of the NIN layers.
        learning_rate: SGD's.
        seed: Seed of the noise. Defaults to `0`.
    """

    def __init__(
        self,
        parameters,
        x,
        y,
        batch_size,
        noise_stddev,
        learning_rate,
        seed=0,
    ):
        import jax
        import jax.numpy as jnp

        steps = len(x) // batch_size
        self.xs = jnp.asarray(x.reshape(steps, batch_size, -1))
        self.ys = jnp.asarray(y.reshape(steps, batch_size))
        self.parameters = jax.tree.map(jnp.asarray, parameters)
        self.key = jax.random.key(seed)

        def loss(parameters, key, x, y):
            h = x
            for index, layer in enumerate(parameters):
                h = h @ layer["kernel"] + layer["bias"]
                if "noise_kernel" in layer:
                    key, draw = jax.random.split(key)
                    eps = noise_stddev * jax.random.normal(
                        draw, (x.shape[0], 1), h.dtype
                    )
                    h = h + eps * layer["noise_kernel"]
                if index < len(parameters) - 1:
                    h = jax.nn.relu(h)
            log_p = jax.nn.log_softmax(h)
            return -jnp.mean(jnp.take_along_axis(log_p, y[:, None], axis=1))

        def step(carry, batch):
            parameters, key = carry
            key, step_key = jax.random.split(key)
            value, gradients = jax.value_and_grad(loss)(
                parameters, step_key, *batch
            )
            parameters = jax.tree.map(
                lambda w, g: w - learning_rate * g, parameters, gradients
            )
            return (parameters, key), value

        def epoch(parameters, key, xs, ys):
            (parameters, key), losses = jax.lax.scan(
                step, (parameters, key), (xs, ys)
            )
            return parameters, key, losses

        self._epoch = jax.jit(epoch, donate_argnums=(0, 1))

    def train_epoch(self):
        """One epoch; returns its mean loss (waits for the epoch to end)."""
        self.parameters, self.key, losses = self._epoch(
            self.parameters, self.key, self.xs, self.ys
        )
        return float(losses.mean())
