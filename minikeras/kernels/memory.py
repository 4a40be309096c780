"""Process-wide memory settings made once at import: glibc's malloc thresholds (Linux), so
freed buffers are kept for the next step; and the cyclic garbage collector told to skip the
objects that exist when minikeras has been imported (gc.freeze: the end of this module says
why). MINIKERAS_MALLOC and MINIKERAS_GC opt out of each.

malloc, why: the kernels allocate their big buffers on every call (an LSTM's gate caches, a
convolution's output and im2col slabs, a projection's rows) and the step frees them. With
glibc's default (dynamic) thresholds, malloc hands freed blocks that large back to the system:
it trims the top of the heap once more than M_TRIM_THRESHOLD is free there, and maps blocks
past M_MMAP_THRESHOLD on their own, unmapping them on free. So the next step's buffers come
back as fresh pages, and the system faults each 4 KiB page in and zeroes it on first touch.
Measured on this project's 2-core AMD EPYC (Zen 5), min of 20 calls, back to back: W6's LSTM
forward (projection, time loop and caches, batch 128, the whole-epoch kernel's) 5.0-5.5 ms a
call with the defaults, 1.5-1.6 ms with freed blocks kept; the benchmark (minikeras alone,
two alternated runs each): predict of 10,000 W6 sequences 0.37 / 0.41 s -> 0.17 / 0.16 s,
W7's epoch 4.34 / 4.29 -> 4.07 / 4.05 s, W8's 1.52 / 1.48 -> 1.37 / 1.40 s; W3, W4 and W6 within
their spread.

What is set: M_MMAP_THRESHOLD 32 MiB (glibc's largest on 64-bit systems: smaller blocks come
from the heap and are reused after a free) and M_TRIM_THRESHOLD 256 MiB (the heap is given
back to the system only past that much free at its top). The cost: after a step, the process
keeps up to that much of its peak mapped (the peak itself is unchanged: the benchmark worker's
peak RSS 780 MiB both ways); freed memory is reused by the next step, or by anything else
the process allocates. The setting is process-wide (glibc has one), made once at import.

MINIKERAS_MALLOC=system leaves glibc's defaults alone. Elsewhere (macOS, Windows, a C library
other than glibc) nothing is changed.
"""

import ctypes
import gc
import os
import sys

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's <malloc.h>
MMAP_THRESHOLD = 32 << 20
TRIM_THRESHOLD = 256 << 20
CHOICES = ("keep", "system")

_state = {"applied": None, "frozen": None}


def setting():
    """MINIKERAS_MALLOC: "keep" (the default) or "system"; anything else is a ValueError."""
    return _read_choice("MINIKERAS_MALLOC", CHOICES, "'keep' (freed buffers kept for the next "
                        "step, the default) or 'system' (glibc's defaults)")


def _read_choice(variable, choices, meanings):
    """Environment variable `variable`, one of `choices` (the first where unset or empty; case
    and spaces ignored), else a ValueError naming it and what each choice means."""
    value = os.environ.get(variable, choices[0]).strip().lower() or choices[0]
    if value not in choices:
        raise ValueError(f"Unknown {variable}={value!r}. Expected {meanings}.")
    return value


def keep_freed_memory():
    """Set glibc's thresholds as the module docstring says (once; later calls return the
    first call's answer). True where they were set."""
    if _state["applied"] is None:
        _state["applied"] = setting() == "keep" and _set_glibc_thresholds()
    return _state["applied"]


def _set_glibc_thresholds():
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None)  # the C library this process runs on
        libc.gnu_get_libc_version  # noqa: B018 (glibc only: musl has no such function)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))


# ---- the cyclic garbage collector ----------------------------------------------------------
# Importing minikeras brings in NumPy, SciPy and numba: ~65,000 objects the cyclic collector
# tracks (numba's type registries most of them), nearly all of them alive until the process
# ends. Each full collection walks them all (~0.04 s here), and Python's shutdown runs several:
# of a warm run of the Pima tutorial script (0.9 s), ~0.15 s went to collections after its
# last line (`perf`: gc_collect_main). gc.freeze() moves the objects alive at that moment to
# a generation the collector never walks; they are still freed as usual when nothing refers to
# them (reference counting), only a reference cycle among them would now stay in memory. The
# young generations are collected first, so the import's own cyclic garbage is not kept.
# Measured, the Pima script with a warm numba cache, five runs alternated with the commit
# before (2-core AMD EPYC): 1.05, 1.02, 1.00, 1.01, 1.03 s -> 0.74, 0.78, 0.74, 0.71, 0.74 s,
# the same printout. MINIKERAS_GC=system leaves the collector alone.
GC_CHOICES = ("freeze", "system")


def gc_setting():
    """MINIKERAS_GC: "freeze" (the default) or "system"; anything else is a ValueError."""
    return _read_choice("MINIKERAS_GC", GC_CHOICES, "'freeze' (the collector skips the objects "
                        "alive after minikeras's import, the default) or 'system' (Python's "
                        "collector left alone)")


def freeze_imported_objects():
    """Collect the young generations, then gc.freeze() (once; see above). True where done."""
    if _state["frozen"] is None:
        _state["frozen"] = gc_setting() == "freeze"
        if _state["frozen"]:
            gc.collect(1)
            gc.freeze()
    return _state["frozen"]

