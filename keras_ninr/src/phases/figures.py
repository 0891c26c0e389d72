"""Fig. 3-style figure: NIW dynamics of runs in the four phases."""


def phase_figure(runs):
    """One panel per run: NIW norm, next-layer weight norm, loss, accuracy.

    Args:
        runs: A list of dicts, one per panel, with `title` (str), `records`
            (a list of dicts with `step`, `niw_norm` and optionally
            `data_weight_norm`, e.g. `PhaseMonitor.records`), and `epochs`
            (a dict of lists per epoch: `loss`, `accuracy`, `val_loss`,
            `val_accuracy`, with `steps_per_epoch` to place them on the
            step axis).

    Returns:
        A `matplotlib.figure.Figure`.
    """
    # A Figure of its own, not pyplot: switching a notebook user's backend
    # or leaving figures open in pyplot's registry is not ours to do.
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4.2 * len(runs), 3.6))
    axes = fig.subplots(1, len(runs), squeeze=False)[0]
    for axis, run in zip(axes, runs):
        steps = [r["step"] for r in run["records"]]
        niw = [r["niw_norm"] for r in run["records"]]
        axis.plot(steps, niw, color="tab:blue", label="|W_NI|")
        if all("data_weight_norm" in r for r in run["records"]):
            axis.plot(
                steps,
                [r["data_weight_norm"] for r in run["records"]],
                color="tab:red",
                label="|W^(l_NI+1)|",
            )
        axis.set_yscale("log")
        axis.set_xlabel("step")
        axis.set_title(run["title"], fontsize=9)
        epochs = run.get("epochs") or {}
        per_epoch = run.get("steps_per_epoch", 1)
        if epochs.get("loss"):
            twin = axis.twinx()
            x = [(i + 1) * per_epoch for i in range(len(epochs["loss"]))]
            for key, color, style in (
                ("loss", "tab:purple", "-"),
                ("val_loss", "tab:green", "-"),
                ("accuracy", "tab:purple", "--"),
                ("val_accuracy", "tab:green", "--"),
            ):
                if epochs.get(key):
                    twin.plot(
                        x,
                        epochs[key],
                        color=color,
                        linestyle=style,
                        label=key,
                        linewidth=1,
                    )
            twin.set_ylim(0, max(2.5, min(10.0, max(epochs["loss"]))))
            if axis is axes[-1]:
                twin.legend(loc="upper right", fontsize=7)
        if axis is axes[0]:
            axis.legend(loc="lower left", fontsize=7)
    fig.tight_layout()
    return fig
