"""The parity report: a text table, Markdown (for a CI job summary), JSON, and a loss plot."""

import json
import platform

import numpy as np


def environment():
    """Backend, device, versions and the kernel path: what the figures were measured on."""
    import keras
    import numba

    import minikeras

    info = {"keras": keras.__version__, "backend": keras.backend.backend(),
            "minikeras": minikeras.__version__, "kernels": minikeras.kernels.KERNELS,
            "numpy": np.__version__, "numba": numba.__version__,
            "python": platform.python_version(), "machine": platform.machine(), "device": "cpu"}
    if info["backend"] == "tensorflow":
        import tensorflow as tf

        info["tensorflow"] = tf.__version__
        info["device"] = "gpu" if tf.config.list_logical_devices("GPU") else "cpu"
    elif info["backend"] == "jax":
        import jax

        info["jax"] = jax.__version__
        info["device"] = jax.devices()[0].platform
        info["jax_x64"] = bool(jax.config.jax_enable_x64)
        # float64 results kept float64 in Keras's dtype promotion (parity.core.keras_float64)
        info["keras_float64_kept"] = info["jax_x64"]
    return info


COLUMNS = ("component", "dtype", "quantity", "detail", "max abs", "max rel", "tol", "verdict")


def _cells(row):
    return (row.component, row.dtype, row.quantity, row.detail, f"{row.abs_error:.2e}",
            f"{row.rel_error:.2e}", f"{row.tolerance:.0e}", "ok" if row.ok else "FAIL")


def text_table(rows):
    cells = [COLUMNS] + [_cells(r) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(COLUMNS))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)).rstrip()
             for cell in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown(rows, info, seconds):
    failed = [r for r in rows if not r.ok]
    head = (f"### minikeras parity vs Keras {info['keras']} ({info['backend']}, {info['device']})"
            f"\n\n{len(rows)} comparisons, {len(failed)} outside tolerance, {seconds:.0f} s.\n\n")
    table = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    table += ["| " + " | ".join(_cells(r)) + " |" for r in rows]
    return head + "\n".join(table) + "\n"


def to_json(rows, info, seconds):
    return json.dumps({"environment": info, "seconds": seconds,
                       "rows": [{"component": r.component, "dtype": r.dtype,
                                 "quantity": r.quantity, "detail": r.detail,
                                 "max_abs": r.abs_error, "max_rel": r.rel_error,
                                 "tolerance": r.tolerance, "ok": r.ok} for r in rows]},
                      indent=2)


def plot_trajectory(path, mine, theirs, title):
    """PNG: per-step loss of both libraries, and their difference, over one training run."""
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("--plot needs matplotlib: pip install matplotlib") from None
    steps = np.arange(1, len(mine) + 1)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 5), sharex=True)
    top.plot(steps, theirs, label="Keras", linewidth=2)
    top.plot(steps, mine, "--", label="minikeras")
    top.set_ylabel("loss")
    top.legend()
    top.set_title(title)
    bottom.semilogy(steps, np.abs(np.asarray(mine) - np.asarray(theirs)) + 1e-30)
    bottom.set_ylabel("|difference|")
    bottom.set_xlabel("training step")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
