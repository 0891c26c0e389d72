"""The benchmarks' TensorFlow training loop, written by hand (TensorFlow
only).

Not part of the library: `step_overhead.py` times it beside `fit` under
the TensorFlow backend, as TensorFlow's own floor for the same training
(`_jax_loops.ScanTraining` is JAX's): what the kit's TensorFlow path could
reach without Keras's step around the math. It imports TensorFlow inside,
so that the scripts import under any backend.
"""


class WhileLoopTraining:
    """The training of `_jax_loops.ScanTraining`, in one `tf.while_loop`
    per epoch inside one `tf.function`: `relu(x W + b [+ eps w_ni])` per
    hidden layer (`eps` of shape `(batch, 1)` from N(0, sigma_eps^2) at
    every step for a NIN layer, from a stateless draw of the step), then
    logits, the mean cross-entropy and a plain SGD update. The data lie in
    variables on the device; a step gathers its batch in `x`'s order.

    The arguments are `_jax_loops.ScanTraining`'s, and `jit_compile`, a
    bool: whether XLA compiles the epoch.
    """

    def __init__(self, parameters, x, y, batch_size, noise_stddev,
                 learning_rate, jit_compile, seed=0):
        import tensorflow as tf

        steps = len(x) // batch_size
        samples = tf.Variable(x.reshape(len(x), -1), trainable=False)
        labels = tf.Variable(y.astype("int32"), trainable=False)
        layers = [
            {name: tf.Variable(value) for name, value in layer.items()}
            for layer in parameters
        ]
        weights = [v for layer in layers for v in layer.values()]

        def loss(x, y, step):
            h = x
            for index, layer in enumerate(layers):
                h = h @ layer["kernel"] + layer["bias"]
                if "noise_kernel" in layer:
                    eps = noise_stddev * tf.random.stateless_normal(
                        (batch_size, 1), tf.stack([seed, step]), dtype=h.dtype
                    )
                    h = h + eps * layer["noise_kernel"]
                if index < len(layers) - 1:
                    h = tf.nn.relu(h)
            return tf.reduce_mean(
                tf.nn.sparse_softmax_cross_entropy_with_logits(y, h)
            )

        def body(step, total):
            positions = step * batch_size + tf.range(batch_size)
            with tf.GradientTape() as tape:
                value = loss(
                    tf.gather(samples, positions),
                    tf.gather(labels, positions),
                    step,
                )
            for weight, gradient in zip(
                weights, tape.gradient(value, weights)
            ):
                weight.assign_sub(learning_rate * gradient)
            return step + 1, total + value

        @tf.function(jit_compile=jit_compile)
        def epoch():
            _, total = tf.while_loop(
                lambda step, total: step < steps,
                body,
                (tf.constant(0), tf.constant(0.0)),
            )
            return total / steps

        self._epoch = epoch

    def train_epoch(self):
        """One epoch; returns its mean loss (waits for the epoch to end)."""
        return float(self._epoch())
