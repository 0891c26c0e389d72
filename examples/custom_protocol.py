"""Change one of the paper's protocols from Python: Fig. 2b for 20 epochs.

Every paper experiment is a definition in `keras_ninr.experiments`
(`keras-ninr reproduce --list`); `configs` shows the runs a mode and any
overrides make, `run` trains them (resumable: the results file) and writes
the page. The same as `keras-ninr reproduce fig2b --quick --epochs 20`.

    KERAS_BACKEND=jax python examples/custom_protocol.py results/fig2b_20ep
    python examples/custom_protocol.py /tmp/fig2b tiny 1   # seconds: a smoke run
"""

import sys

from keras_ninr import experiments


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    out = argv[0] if argv else "results/fig2b_20ep"
    mode = argv[1] if len(argv) > 1 else "quick"
    epochs = int(argv[2]) if len(argv) > 2 else 20
    fig2b = experiments.get("fig2b")
    overrides = dict(epochs=epochs, methods=["none", "full-ninr-catapult"])
    for config in fig2b.configs(mode, **overrides):
        print(config.method_label, "seed", config.seed, "epochs", config.epochs)
    result = fig2b.run(out, mode, progress=False, **overrides)
    print("wrote", *result.written)
    return 0


if __name__ == "__main__":
    sys.exit(main())
