"""plot_history: the loss and metric curves students otherwise write by hand.

One panel per quantity (loss, accuracy, ...), training and validation on the same axes.
matplotlib is an optional dependency (`pip install matplotlib` or the `plot` extra).
"""


def plot_history(history, path=None, metrics=None, title=None):
    """Plot a `History` (or its `.history` dict) and save it to `path` (PNG, PDF...) if given.

    metrics: names to plot (default: every key without the "val_" prefix, loss first).
    Returns the matplotlib Figure.
    """
    try:
        import matplotlib

        if path is not None:
            matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("plot_history needs matplotlib: `pip install matplotlib` "
                          "(or `pip install minikeras[plot]`).") from None
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict) or not logs:
        raise ValueError("`history` must be a History or a non-empty dict of lists, "
                         f"got {history!r}.")
    names = metrics or sorted({k.removeprefix("val_") for k in logs},
                              key=lambda k: (k != "loss", k))
    missing = [name for name in names if name not in logs]
    if missing:
        raise ValueError(f"Unknown metric(s) {missing}; the history has {sorted(logs)}.")
    fig, axes = plt.subplots(1, len(names), figsize=(4.5 * len(names), 3.5), squeeze=False)
    for ax, name in zip(axes[0], names, strict=True):
        epochs = range(1, len(logs[name]) + 1)
        ax.plot(epochs, logs[name], label=f"training {name}")
        if f"val_{name}" in logs:
            ax.plot(epochs, logs[f"val_{name}"], label=f"validation {name}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=100)
    return fig
