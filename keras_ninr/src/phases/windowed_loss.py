"""Per-window training loss, recovered from Keras's running means."""


class WindowedLoss:
    """Mean loss over the batches since the previous reading.

    Keras reports in its batch logs the running mean of the loss since the
    start of the epoch, which dilutes a sudden spike (the catapult's) over
    all earlier batches. Two running means give the mean over the batches
    between them exactly: `(n m_n - k m_k) / (n - k)`.
    """

    def __init__(self):
        self.reset()

    def reset(self):
        """Call at the start of every epoch (Keras restarts its means)."""
        self._count = 0
        self._mean = 0.0

    def update(self, batch, running_mean):
        """Loss over the batches since the last update, up to `batch` (0-based)."""
        count = batch + 1
        if count <= self._count:  # A new epoch that was not announced.
            self.reset()
        window = (count * running_mean - self._count * self._mean) / (
            count - self._count
        )
        self._count, self._mean = count, running_mean
        return window
