"""The kernel switch: every hot function exists twice, with the same name and signature.

- `kernels/numpy_ref/<topic>.py`: NumPy code that reads like the equations (the reference).
- `kernels/numba_fast/<topic>.py`: the same functions compiled with numba.

`MINIKERAS_KERNELS=numpy|numba` (default numba) picks one path at import time. The rest of the
library calls a kernel through its topic module, `kernels.dense.dense_forward(...)`: the
imports below say which file that is, so grep and an IDE can follow it. A test holds every
pair equal (tests/kernels/test_twin_registry.py lists them with `load_path`).
Integer codes the compiled kernels take (activations, losses, optimizers): `codes.py`.
Importing this package also sets glibc's malloc thresholds so that the buffers a step frees are
reused by the next (`memory.py`: why, and `MINIKERAS_MALLOC=system` to leave them alone).
"""

import contextlib
import os
import warnings
from importlib import import_module
from importlib.util import find_spec

TOPICS = ("dense", "activations", "losses", "metrics", "optimizers", "rnn", "gru", "fused",
          "rnn_epoch", "conv", "conv_lstm", "pooling", "embedding", "normalization", "dropout")
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

from . import memory  # noqa: E402

memory.keep_freed_memory()  # glibc keeps the steps' freed buffers for reuse (memory.py: why)

if KERNELS == "numba":
    from . import plan  # for step_blas_threads (the numba path's alone: it imports numba)
    from .numba_fast import (
        activations,
        blocks,
        conv,
        conv_lstm,
        dense,
        dropout,
        embedding,
        fused,
        gru,
        losses,
        metrics,
        normalization,
        optimizers,
        pooling,
        rnn,
        rnn_epoch,
    )
else:
    from .numpy_ref import (
        activations,
        conv,
        conv_lstm,
        dense,
        dropout,
        embedding,
        fused,
        gru,
        losses,
        metrics,
        normalization,
        optimizers,
        pooling,
        rnn,
        rnn_epoch,
    )

__all__ = ["KERNELS", "load_path", "activations", "conv", "conv_lstm", "dense", "dropout",
           "embedding", "fused", "gru", "losses", "metrics", "normalization", "optimizers",
           "pooling", "rnn", "rnn_epoch"]


def load_path(path):
    """{name: function} of every kernel on one path ("numpy" or "numba"), all topics together:
    for the twin tests, which call both paths side by side."""
    functions = {}
    for topic in TOPICS:
        module = import_module(f"{__name__}.{PATHS[path]}.{topic}")
        for name in module.__all__:
            functions[name] = getattr(module, name)
    return functions


def step_blas_threads(threaded_loops=False):
    """A context for one plain step (training, evaluation, prediction): on the numba path
    SciPy's OpenBLAS (the BLAS numba's np.dot calls) runs on at most kernels/plan.py's free
    threads, so on a busy machine its GEMMs stay on the calling thread; and on the calling
    thread alone where the model has layers that run threaded loops of their own
    (`threaded_loops`: Layer.runs_threaded_loops).
    Why: OpenBLAS's pool threads wait for a descheduled partner, and spin after each GEMM (for
    about 2**28 cycles, OPENBLAS_THREAD_TIMEOUT's default) on the cores the next compiled loop
    needs. Measured on W7 (10 batches of 128, load ~3, this 2-core machine): the
    128 x 9216 @ 9216 x 128 Dense forward 16-41 ms a call with the pool vs 1.5-2.3 ms on the
    calling thread; the 10 batches 2.6-4.4 s vs 1.95-2.7 s. On an idle machine W7's epoch took
    6.8-7.1 s with its Dense GEMMs on the pool (conv2's backward 76 ms a batch, median, against
    43 ms alone) and 5.1-5.3 s with the pool's spin cut short (OPENBLAS_THREAD_TIMEOUT=4).
    An idle machine and a model without such layers (W4's wide MLP) keep every thread. The
    NumPy path: no change."""
    if KERNELS != "numba":
        return contextlib.nullcontext()
    return blocks.blas_threads(1 if threaded_loops else plan.free_threads())
