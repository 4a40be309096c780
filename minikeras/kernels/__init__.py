"""The kernel switch: every hot function exists twice, with the same name and signature.

- `kernels/numpy_ref/<topic>.py`: NumPy code that reads like the equations (the reference).
- `kernels/numba_fast/<topic>.py`: the same functions compiled with `@njit(cache=True)`.

`MINIKERAS_KERNELS=numpy|numba` (default numba) picks one path at import time; the rest of
the library calls `kernels.dense_forward(...)` and never names a path. Each topic module
lists its functions in `__all__`; a test holds every pair equal.
"""

import os
from importlib import import_module

TOPICS = ("dense", "activations", "losses", "metrics", "optimizers", "rnn", "gru", "fused")
PATHS = {"numpy": "numpy_ref", "numba": "numba_fast"}

KERNELS = os.environ.get("MINIKERAS_KERNELS", "numba").strip().lower() or "numba"
if KERNELS not in PATHS:
    raise ValueError(
        f"Unknown MINIKERAS_KERNELS={KERNELS!r}. Expected 'numba' (fast, default) or 'numpy' "
        "(the readable reference path)."
    )


def load_path(path):
    """Return {name: function} for one path ("numpy" or "numba"), all topics together."""
    functions = {}
    for topic in TOPICS:
        module = import_module(f"{__name__}.{PATHS[path]}.{topic}")
        for name in module.__all__:
            functions[name] = getattr(module, name)
    return functions


globals().update(load_path(KERNELS))
