"""What a load in progress allows, for the code it runs: layers' add_weight and Lambda.

The loaders (minikeras/saving/) open these scopes around building a model from a file's
config; layers ask them without importing the saving package:
- safe mode (`SafeModeScope`, `in_safe_mode()`, as Keras's serialization_lib): a Lambda
  refuses serialized Python code unless the load said safe_mode=False;
- the allocation budget (`AllocationBudget`, `charge_allocation`): a file's config may ask
  for at most so many bytes of variables per byte of the weights it stores.
Thread-local, so two loads in two threads do not see each other's scopes.
"""

import contextlib
import math
import threading

import numpy as np

_STATE = threading.local()


# ---- safe mode ------------------------------------------------------------------------------


def in_safe_mode():
    """True, False, or None (no scope active) - Keras's `serialization_lib.in_safe_mode()`.

    A Lambda's from_config should refuse a serialized lambda unless this is False.
    """
    return getattr(_STATE, "safe_mode", None)


@contextlib.contextmanager
def SafeModeScope(safe_mode=True):  # noqa: N802 - Keras's name
    previous = in_safe_mode()
    _STATE.safe_mode = safe_mode
    try:
        yield
    finally:
        _STATE.safe_mode = previous


# ---- memory while a file's config is built --------------------------------------------------

# A file's config may ask for at most this many bytes of variables per byte of stored weights
# (Keras stores weights uncompressed: a genuine model needs ~1 byte per byte), and 256 MiB
# whatever the file, so that a 1 KB config cannot ask for Dense(10**9) and gigabytes.
BUILD_BYTES_PER_STORED_BYTE, MIN_BUILD_BYTES = 64, 256 << 20


@contextlib.contextmanager
def AllocationBudget(stored_bytes, source):  # noqa: N802 - a scope, like SafeModeScope
    """While a model is built from a file's config, its variables may take at most
    max(MIN_BUILD_BYTES, BUILD_BYTES_PER_STORED_BYTE * stored_bytes); `add_weight` checks."""
    previous = getattr(_STATE, "budget", None)
    limit = max(MIN_BUILD_BYTES, BUILD_BYTES_PER_STORED_BYTE * int(stored_bytes))
    _STATE.budget = {"left": limit, "limit": limit, "stored": int(stored_bytes),
                     "source": source}
    try:
        yield
    finally:
        _STATE.budget = previous


def charge_allocation(shape, dtype, what):
    """Count a variable against the active AllocationBudget (if any) before it is allocated."""
    budget = getattr(_STATE, "budget", None)
    if budget is None:
        return
    nbytes = math.prod(int(d) for d in shape) * np.dtype(dtype).itemsize
    if nbytes > budget["left"]:
        raise ValueError(
            f"the config asks for {what} of shape {tuple(shape)} ({nbytes} bytes), but the "
            f"model's variables may take at most {budget['limit']} bytes in all: "
            f"{BUILD_BYTES_PER_STORED_BYTE} per byte of the {budget['stored']} bytes of "
            f"weights in {budget['source']} (at least {MIN_BUILD_BYTES >> 20} MiB); refusing "
            "to allocate it")
    budget["left"] -= nbytes
