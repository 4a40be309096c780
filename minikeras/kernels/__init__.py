"""The kernel switch: every hot function exists twice, with the same name and signature.

- `kernels/numpy_ref/<topic>.py`: NumPy code that reads like the equations (the reference).
- `kernels/numba_fast/<topic>.py`: the same functions compiled with `@njit(cache=True)`.

`MINIKERAS_KERNELS=numpy|numba` (default numba) picks one path at import time; the rest of
the library calls `kernels.dense_forward(...)` and never names a path. Each topic module
lists its functions in `__all__`; a test holds every pair equal.
"""

import os
import warnings
from importlib import import_module
from importlib.util import find_spec

TOPICS = ("dense", "activations", "losses", "metrics", "optimizers", "rnn", "gru", "fused",
          "rnn_epoch")
PATHS = {"numpy": "numpy_ref", "numba": "numba_fast"}

KERNELS = os.environ.get("MINIKERAS_KERNELS", "numba").strip().lower() or "numba"
if KERNELS not in PATHS:
    raise ValueError(
        f"Unknown MINIKERAS_KERNELS={KERNELS!r}. Expected 'numba' (fast, default) or 'numpy' "
        "(the readable reference path)."
    )
if KERNELS == "numba" and find_spec("scipy") is None:
    # numba compiles np.dot to BLAS calls found through scipy; without it every kernel with a
    # matmul fails at its first call. scipy is a dependency; this covers `pip install --no-deps`.
    warnings.warn("scipy is not installed, so numba cannot call BLAS: minikeras runs on its "
                  "NumPy reference kernels (MINIKERAS_KERNELS=numpy). `pip install scipy` to "
                  "use the compiled kernels.", RuntimeWarning, stacklevel=2)
    KERNELS = "numpy"


def load_path(path):
    """Return {name: function} for one path ("numpy" or "numba"), all topics together."""
    functions = {}
    for topic in TOPICS:
        module = import_module(f"{__name__}.{PATHS[path]}.{topic}")
        for name in module.__all__:
            functions[name] = getattr(module, name)
    return functions


globals().update(load_path(KERNELS))
